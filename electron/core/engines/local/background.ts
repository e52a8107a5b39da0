/**
 * The local engine's background work: dump tasks (DumpMeta), batch tasks (IncreaseInstance, run by
 * IncreaseRunner) and re-indexing vectors of another featurizer version. Work a previous run left
 * unfinished is resumed by `resume()`; `close()` stops taking work and waits for what runs.
 */
import fs from 'node:fs'
import path from 'node:path'
import type { EngineContext } from './context'
import { checkVector } from './context'
import { KEEP_DUMP_TASKS, writeDump } from './dump'
import { IncreaseRunner } from './increase'
import { entryOf } from './load-index'
import { parseRegion } from './picture'
import { toSpace } from './space'
import { LIMITS, requireString } from './validate'
import type { Writes } from './writes'

export interface ReindexStatus {
  /** Featurizer version the index is built with. */
  version: string
  dim: number
  /** Images whose vectors come from another featurizer version and are being recomputed. */
  pending: number
  /** Images that cannot be recomputed (no stored source); they are left out of searches. */
  unrecoverable: number
  running: boolean
}

export interface BackgroundOptions {
  /** Rows the index left out at load because their vector is of another featurizer version. */
  stale: number
  writes: Pick<Writes, 'add' | 'removeByKey'>
}

export function createBackground(ctx: EngineContext, o: BackgroundOptions) {
  const { store, index, featurizer, dir, log } = ctx
  let stale = o.stale

  const background = new Set<Promise<unknown>>()
  const track = <T>(p: Promise<T>): Promise<T> => {
    background.add(p)
    p.finally(() => background.delete(p)).catch(() => {})
    return p
  }

  // ---- dumps ------------------------------------------------------------------------------------
  const dumpDir = path.join(dir, 'dumps')
  function startDump(id: number) {
    const file = path.join(dumpDir, `meta-${id}.jsonl`)
    const run = (async () => {
      await new Promise((r) => setImmediate(r))
      try {
        const lines = await writeDump(store, file, () => ctx.closed)
        store.finishDumpTask(id, 'SUCCESS', '0', `success (${lines} images)`, file, Date.now())
        pruneDumps()
      } catch (e) {
        if (ctx.closed) return
        log(`dump task ${id} failed`, e)
        store.finishDumpTask(id, 'FAIL', 'UnknownException', (e as Error).message, null, Date.now())
        pruneDumps()
      }
    })()
    track(run)
  }

  function pruneDumps() {
    for (const t of store.oldDumpTasks(KEEP_DUMP_TASKS)) {
      if (t.status === 'PROCESSING') continue
      if (t.file) fs.rmSync(t.file, { force: true })
      store.deleteDumpTask(t.id)
    }
  }

  // ---- batch tasks ------------------------------------------------------------------------------
  const increase = new IncreaseRunner({
    store,
    batchRoot: ctx.batchRoot,
    errorDir: path.join(dir, 'increase'),
    instanceName: ctx.name,
    add: async (req) => {
      await o.writes.add(req)
    },
    remove: async (productId, picName) => {
      requireString(productId, 'ProductId', LIMITS.productId)
      await o.writes.removeByKey(productId, picName)
    },
    fileUrl: ctx.fileUrl,
    log,
  })

  // ---- re-index ---------------------------------------------------------------------------------
  let reindexRunning: Promise<void> | null = null
  let unrecoverable = 0
  function startReindex() {
    if (reindexRunning || stale === 0) return
    reindexRunning = (async () => {
      for (const id of store.staleIds(featurizer.version)) {
        if (ctx.closed) return
        const src = store.source(id)
        const row = store.getById(id)
        if (!row) continue
        if (!src) {
          unrecoverable++
          continue
        }
        try {
          const box = row.region ? parseRegion(row.region, row.width, row.height) : null
          const scaled = box
            ? {
                x1: Math.floor(box.x1 * src.scale),
                x2: Math.max(Math.floor(box.x1 * src.scale) + 1, Math.round(box.x2 * src.scale)),
                y1: Math.floor(box.y1 * src.scale),
                y2: Math.max(Math.floor(box.y1 * src.scale) + 1, Math.round(box.y2 * src.scale)),
              }
            : null
          const emb = await featurizer.embed(src.bytes, scaled)
          if (ctx.closed) return
          const vec = checkVector(ctx, emb.vector)
          store.setVector(id, vec, featurizer.version, row.region)
          index.upsert(entryOf(row), toSpace(ctx, vec))
          stale--
        } catch (e) {
          unrecoverable++
          log(`re-index of image ${id} failed`, e)
        }
      }
    })().finally(() => {
      reindexRunning = null
    })
    track(reindexRunning)
  }

  return {
    startDump,
    pruneDumps,
    enqueueIncrease: (id: number) => increase.enqueue(id),

    /** Resume what a previous run left behind. */
    resume() {
      for (const t of store.dumpTasks({}, 1000, 0)) if (t.status === 'PROCESSING') startDump(t.id)
      for (const id of store.pendingIncreaseTasks()) increase.enqueue(id)
      startReindex()
    },

    reindexStatus(): ReindexStatus {
      return {
        version: featurizer.version,
        dim: featurizer.dim,
        pending: Math.max(0, stale - unrecoverable),
        unrecoverable,
        running: reindexRunning !== null,
      }
    },

    /** Resolves when no dump, batch or re-index work is running or queued. */
    async whenIdle() {
      for (;;) {
        await increase.whenIdle()
        await index.idle()
        if (background.size === 0) return
        await Promise.allSettled([...background])
      }
    },

    /** Stops the batch runner and waits for the running work (call once ctx.closed is set). */
    async close() {
      await increase.close()
      await Promise.allSettled([...background])
    },
  }
}

export type Background = ReturnType<typeof createBackground>
