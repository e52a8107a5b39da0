/**
 * Imaging: every picture goes through here before an engine sees it (see DESIGN.md, "Images").
 *
 *   const imaging = createImaging()            // 2 worker threads, started on first use
 *   const p = await imaging.prepare('/photos/a.jpg', { serviceType: 'product', region: '10,200,5,300' })
 *   p.data, p.format, p.actions, p.region, p.thumbnail, p.sha256, p.phash
 *   await imaging.close()
 */
import { CoreError } from '../errors'
import { describeAction } from './describe'
import { fromErrorData, toErrorData } from './errors'
import { preparePicture } from './pipeline'
import { createImagingPool, type ImagingPool } from './pool'
import type { Reply, WireInput, WireResult } from './protocol'
import type { PixelBudget } from '../util/pixel-budget'
import type { Imaging, PrepareOptions, PreparedImage, PreviewOutcome } from './types'

export type * from './types'
export { SERVICE_BOUNDS, boundsFor, planFit } from './bounds'
export { describeAction } from './describe'
export { hamming, phashFromGrey32 } from './phash'
export {
  formatRegion,
  mapRegion,
  orientedSize,
  parseRegion,
  regionToOriginal,
  regionToProcessed,
  unmapRegion,
  validateRegion,
} from './region'
export { sniffFormat, thumbnailExtension } from './sniff'
export {
  DEFAULT_BUDGET_PIXELS,
  PixelBudget,
  pixelBudgetStats,
  processPixelBudget,
  withPixels,
} from '../util/pixel-budget'
export {
  DEFAULT_LIMIT_PIXELS,
  DEFAULT_MAX_BYTES,
  THUMB_REUSE_MAX_BYTES,
  THUMB_SIZE,
} from './pipeline'

export interface ImagingOptions {
  /** Worker threads (default 2). 0 runs everything on the calling thread (tools, debugging). */
  workers?: number
  /** Worker entry to load instead of the sibling worker.js / worker.ts (bundled hosts). */
  workerUrl?: URL
  /** The decode budget (default: the process's, util/pixel-budget.ts). */
  pixelBudget?: PixelBudget
}

function toBuffer(u: Uint8Array): Buffer {
  return Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength)
}

export function createImaging(opts: ImagingOptions = {}): Imaging {
  const workers = opts.workers ?? 2
  if (workers <= 0) return inProcess()
  let pool: ImagingPool | null = null
  let closed = false
  /** Requests of pools already closed (see `requests`). */
  let done = 0
  const getPool = () => {
    if (closed) throw new CoreError('InternalError', 'Imaging is closed.', { httpStatus: 500 })
    pool ??= createImagingPool(workers, opts.workerUrl, opts.pixelBudget)
    return pool
  }

  async function call(
    input: Buffer | string,
    o: PrepareOptions,
    mode: 'prepare' | 'preview',
  ): Promise<WireResult> {
    // Bytes go over as a copy of their own, transferred rather than cloned a second time.
    const wire: WireInput =
      typeof input === 'string' ? { path: input } : { bytes: new Uint8Array(input), name: o.name }
    const transfer = 'bytes' in wire ? [wire.bytes.buffer as ArrayBuffer] : []
    const reply: Reply = await getPool().run({ input: wire, opts: o, mode }, transfer)
    if (!reply.ok) throw fromErrorData(reply.error)
    return reply.result
  }

  return {
    async prepare(input, o = {}) {
      const r = await call(input, o, 'prepare')
      const data = r.data ? toBuffer(r.data) : (input as Buffer)
      const { bytes: _bytes, ...rest } = r
      return { ...rest, data, thumbnail: toBuffer(r.thumbnail) }
    },
    async preview(input, o = {}) {
      try {
        return toPreview(await call(input, o, 'preview'))
      } catch (err) {
        return previewError(err)
      }
    },
    async close() {
      closed = true
      const p = pool
      pool = null
      if (p) {
        done += p.requests
        await p.close()
      }
    },
    get requests() {
      return done + (pool?.requests ?? 0)
    },
  }
}

function toPreview(
  r: Omit<WireResult, 'data' | 'thumbnail'> | PreparedImage,
  bytes?: number,
): PreviewOutcome {
  return {
    ok: true,
    actions: r.actions,
    summary: r.actions.map(describeAction),
    format: r.format,
    width: r.width,
    height: r.height,
    bytes: bytes ?? (r as WireResult).bytes,
    original: r.original,
    ...(r.region ? { region: r.region } : {}),
  }
}

function previewError(err: unknown): PreviewOutcome {
  const d = toErrorData(err)
  return {
    ok: false,
    error: { code: d.code, message: d.message, ...(d.hint ? { hint: d.hint } : {}) },
  }
}

/** Same API on the calling thread. */
function inProcess(): Imaging {
  let requests = 0
  const run = (input: Buffer | string, o: PrepareOptions) => {
    requests++
    return preparePicture(
      typeof input === 'string' ? { path: input } : { bytes: input, name: o.name },
      o,
    )
  }
  return {
    async prepare(input, o = {}) {
      const { kept: _kept, ...r } = await run(input, o)
      return r
    },
    async preview(input, o = {}) {
      try {
        const r = await run(input, { ...o, thumbnail: false, hashes: false })
        return toPreview(r, r.data.length)
      } catch (err) {
        return previewError(err)
      }
    },
    async close() {},
    get requests() {
      return requests
    },
  }
}
