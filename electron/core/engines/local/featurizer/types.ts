/** A box on an image in pixels of that image. */
export interface Box {
  x1: number
  x2: number
  y1: number
  y2: number
}

export interface Subjects {
  /** The main subject's box, or null when nothing stands out (then the whole image is used). */
  main: Box | null
  /** Every detected subject, main first. */
  all: Box[]
}

export interface Embedding {
  /** L2-normalised descriptor; cosine similarity = dot product. */
  vector: Float32Array
  width: number
  height: number
}

/** What to describe on a picture (see Featurizer.describe). */
export interface DescribeOptions {
  /** Describe this box (original-image pixels); it wins over detection. */
  box?: Box | null
  /**
   * With no box: detect the subjects and describe the main one (the whole picture, as a box,
   * when nothing stands out). Without: the whole picture (box null).
   */
  detect?: boolean
}

/** A picture described in one go: its embedding, the box described and the subjects found. */
export interface Description extends Embedding {
  /** The box the embedding describes (null: the whole picture, nothing detected). */
  box: Box | null
  /** Every detected subject, main first (empty when detection did not run). */
  subjects: Box[]
}

/**
 * The local engine's featurizer. Implementations run their heavy work in worker threads and load
 * their model once, lazily, on first use.
 */
export interface Featurizer {
  /** Version string stored with vectors: a change means stored vectors must be recomputed. */
  readonly version: string
  readonly dim: number
  /** Detect subjects on an encoded image. */
  detect(image: Buffer): Promise<Subjects & { width: number; height: number }>
  /** Describe an encoded image, or the given box of it. */
  embed(image: Buffer, box?: Box | null): Promise<Embedding>
  /**
   * Detect (when asked) and embed on ONE decode of the picture, in one worker round trip: what the
   * engine's searches and adds use.
   */
  describe(image: Buffer, opts: DescribeOptions): Promise<Description>
  /**
   * Load the model in every worker and run the whole picture path once on a small picture of the
   * real input shape, so the first real request pays neither the model load nor the first run's
   * set-up. Called at start; optional (test doubles need not warm anything).
   */
  warm?(): Promise<void>
  close(): Promise<void>
}
