import { z } from 'zod'
import { method } from '../define'
import { FilterText, ProfileName } from '../schemas'
import { JobError, JobState } from './jobs'

/**
 * The `eval` domain: the search-quality lab. A test set (a folder, CSV or JSON-lines file of query
 * pictures, each with the product id it should find — bulk add's naming rules) is run against one
 * or more profiles as one resumable job of the queue (kind `quality-eval`, one item per query ×
 * profile, each profile's searches at its QPS). Runs are saved in each profile's data
 * (`profiles/<name>/eval.db`); a run is read back with its summary (recall@1/@5, MRR, not found,
 * latency, API calls), recall by rank, per category and per-query rows; two runs (or two profiles of
 * one run) are compared query by query; a run is exported as CSV, JSON or a self-contained HTML
 * report.
 */

/** A test set on the serving machine: a folder, a CSV or a JSON-lines file. */
export const TestSetRef = z.object({
  path: z.string().min(1).max(4096),
  /** folder (default), file, a template such as {product}/{name}, or /regex/ with (?<product>…). */
  naming: z.string().max(512).optional(),
  /** Walk sub-folders of a folder test set. Default true. */
  recursive: z.boolean().optional(),
})
export type TestSetRef = z.infer<typeof TestSetRef>

/** One query of a test set. */
export const TestQuery = z.object({
  /** 0-based position in the test set (stable: the set is read in name / line order). */
  index: z.number(),
  /** Path of the query picture relative to the test set (folder) or as the manifest gives it. */
  file: z.string(),
  /** The product id the search should find. */
  productId: z.string(),
  /** Region of the subject on the query picture (`x1,x2,y1,y2`), searched instead of detection. */
  region: z.string().optional(),
  /** Category to search in (overrides the run's). */
  categoryId: z.number().optional(),
  /** Filter expression (overrides the run's). */
  filter: z.string().optional(),
})
export type TestQuery = z.infer<typeof TestQuery>

/** A line or file of the test set that gives no query, and why. */
export const TestSetProblem = z.object({
  /** `file:line` for manifest lines, else the path. */
  origin: z.string(),
  code: z.string(),
  message: z.string(),
})
export type TestSetProblem = z.infer<typeof TestSetProblem>

export const EvalOptions = z.object({
  /** Detect the subject and search with it (ignored for queries with a region). Default false. */
  crop: z.boolean().default(false),
  /** Results asked per query (recall is counted up to this rank). Default 10. */
  num: z.number().int().min(1).max(100).default(10),
  categoryId: z.number().int().min(0).optional(),
  filter: FilterText.optional(),
})
export type EvalOptions = z.output<typeof EvalOptions>

/** A run's figures for one profile. Fractions are of the queries answered (no error). */
export const EvalSummary = z.object({
  queries: z.number(),
  /** Queries answered (done). */
  answered: z.number(),
  /** Queries whose search failed (error). */
  errors: z.number(),
  /** Not run yet. */
  pending: z.number(),
  r1: z.number(),
  r5: z.number(),
  mrr: z.number(),
  /** Answered queries whose product is not in the top `num`. */
  notFound: z.number(),
  p50Ms: z.number().nullable(),
  p95Ms: z.number().nullable(),
  /** Engine calls made (searches, retries included). */
  apiCalls: z.number(),
})
export type EvalSummary = z.infer<typeof EvalSummary>

export const RunId = z.string().regex(/^[A-Za-z0-9-]{6,64}$/)

export const EvalRunState = z.union([JobState, z.literal('unknown')])

export const EvalRunView = z.object({
  runId: z.string(),
  name: z.string(),
  /** The test set's path as given (data-folder-relative for remote callers). */
  testSet: z.string(),
  naming: z.string(),
  profiles: z.array(z.string()),
  options: EvalOptions,
  createdAt: z.number(),
  /** The job's state (`unknown` when the job was removed). */
  state: EvalRunState,
  jobId: z.number().nullable(),
  /** Per profile. */
  summary: z.record(z.string(), EvalSummary),
  /**
   * Per local profile, the descriptor it searched with when the run started: 0 the plain one,
   * N adapted space N (`space.*`). Cloud profiles are absent.
   */
  descriptors: z.record(z.string(), z.number()),
})
export type EvalRunView = z.infer<typeof EvalRunView>

/** Why a query failed, where it can be told. */
export const FailureReason = z.enum([
  /** The expected product has no picture in the gallery. */
  'notInGallery',
  /** The engine searched a category other than the expected product's. */
  'wrongCategory',
  /** The detected subject is not the query's subject (far from the given region). */
  'wrongCrop',
  /** What came first is a near-duplicate of a picture of the expected product, under another id. */
  'nearDuplicate',
  /** The expected product is in the results but below others. */
  'lowRank',
  /** Not in the top N, no more precise reason. */
  'notFound',
])
export type FailureReason = z.infer<typeof FailureReason>

export const EvalHit = z.object({
  productId: z.string(),
  picName: z.string(),
  score: z.number(),
  categoryId: z.number(),
})
export type EvalHit = z.infer<typeof EvalHit>

/** One query's outcome on one profile. */
export const EvalRow = z.object({
  index: z.number(),
  query: TestQuery,
  state: z.enum(['pending', 'done', 'failed']),
  /** 1-based rank of the first result of the expected product; null when not in the top N. */
  rank: z.number().nullable(),
  top: z.array(EvalHit),
  latencyMs: z.number().nullable(),
  apiCalls: z.number(),
  error: JobError.nullable(),
  /** For queries not found first. */
  reason: FailureReason.nullable(),
  /** A sentence telling the reason (English), e.g. the categories or the duplicate's ids. */
  reasonDetail: z.string().nullable(),
  /** What the engine detected: category and subject region (on the query picture). */
  detected: z.object({ categoryId: z.number().nullable(), region: z.string().nullable() }),
  /** A picture of the expected product in the gallery (for its thumbnail), when known. */
  expected: z.object({ productId: z.string(), picName: z.string() }).nullable(),
})
export type EvalRow = z.infer<typeof EvalRow>

export const CategoryFigures = z.object({
  /** The expected category (the query's, else the expected product's in the gallery); -1 unknown. */
  categoryId: z.number(),
  name: z.string(),
  queries: z.number(),
  r1: z.number(),
  r5: z.number(),
})
export type CategoryFigures = z.infer<typeof CategoryFigures>

const RunProfile = z.object({ runId: RunId, profile: ProfileName })

export const CompareRow = z.object({
  index: z.number(),
  query: TestQuery,
  a: z.object({ rank: z.number().nullable(), first: EvalHit.nullable() }),
  b: z.object({ rank: z.number().nullable(), first: EvalHit.nullable() }),
})
export type CompareRow = z.infer<typeof CompareRow>

export const ThumbRef = z.enum(['query', 'expected', 'first'])

export const evalDomain = {
  /** Read a test set without running it: counts, problems and the first queries. */
  previewSet: method(
    TestSetRef,
    z.object({
      queries: z.number(),
      products: z.number(),
      problems: z.array(TestSetProblem),
      sample: z.array(TestQuery),
    }),
    { serverPaths: (i) => [i.path] },
  ),
  /**
   * Run a test set against profiles: one job (kind `quality-eval`). The same test set, naming,
   * profiles and options while their run is unfinished (queued, running, paused) resume that run
   * (`resumed: true`) instead of starting another.
   */
  start: method(
    TestSetRef.extend({
      profiles: z.array(ProfileName).min(1).max(8),
      options: EvalOptions.default({ crop: false, num: 10 }),
      name: z.string().max(200).optional(),
    }),
    z.object({ runId: z.string(), jobId: z.number(), queries: z.number(), resumed: z.boolean() }),
    { serverPaths: (i) => [i.path] },
  ),
  /** Runs, newest first (those with results on `profile` only, when given). */
  runs: method(
    z.object({ profile: ProfileName.optional() }),
    z.object({ runs: z.array(EvalRunView) }),
  ),
  /** One run on one profile (default: its first): figures and a page of per-query rows. */
  run: method(
    z.object({
      runId: RunId,
      profile: ProfileName.optional(),
      /** `failed`: rows not found first (and errors). Default all. */
      filter: z.enum(['all', 'failed']).default('all'),
      offset: z.number().int().min(0).default(0),
      limit: z.number().int().min(1).max(1000).default(100),
    }),
    z.object({
      run: EvalRunView,
      profile: z.string(),
      summary: EvalSummary,
      /** recallByRank[k-1]: fraction of answered queries found within rank k, k = 1..num. */
      recallByRank: z.array(z.number()),
      perCategory: z.array(CategoryFigures),
      rows: z.array(EvalRow),
      /** Rows matching the filter. */
      total: z.number(),
    }),
  ),
  /** Two runs (or two profiles of a run) query by query, matched by query file and product. */
  compare: method(
    z.object({ a: RunProfile, b: RunProfile }),
    z.object({
      a: EvalSummary,
      b: EvalSummary,
      /** Queries ranked better (found higher, or found at all) in b than in a. */
      better: z.array(CompareRow),
      worse: z.array(CompareRow),
      same: z.number(),
      /** Queries only one of the runs has. */
      unmatched: z.number(),
    }),
  ),
  /**
   * Export a run (every profile). With `file` (on the serving machine) the export is written
   * there; without, its text is returned.
   */
  export: method(
    z.object({
      runId: RunId,
      format: z.enum(['csv', 'json', 'html']),
      file: z.string().min(1).max(4096).optional(),
    }),
    z.object({
      file: z.string().nullable(),
      bytes: z.number(),
      fileName: z.string(),
      content: z.string().optional(),
    }),
    { slow: true, serverPaths: (i) => (i.file ? [i.file] : []) },
  ),
  /** A small JPEG data URL of a row's query picture, expected picture or first result. */
  thumbnail: method(
    z.object({
      runId: RunId,
      profile: ProfileName.optional(),
      index: z.number().int().min(0),
      ref: ThumbRef,
    }),
    z.object({ dataUrl: z.string().nullable() }),
  ),
  /** Forget a run (its job must not be running). */
  remove: method(z.object({ runId: RunId }), z.object({ ok: z.literal(true) })),
}
