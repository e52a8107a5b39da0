/**
 * The end of a task: failed lines of the engine's error file matched to the task's lines, the
 * lines that made it recorded in the gallery cache, the staging folder removed, the notification.
 */

import fs from 'node:fs'
import type { AppliedWrite, CachedEngine } from '../../gallery/write-through'
import type { BatchContext } from './context'
import { fieldsOfMeta, type parseErrorFile } from './meta'
import type { BatchLineRecord, BatchStore, BatchTaskRecord } from './store'
import { logf } from '../../log-text'

/**
 * Failures are matched to lines by line number (checked against the ProductId), else by
 * ProductId + PicName; a failure matching no line is kept as an extra failed line so it is shown.
 */
export function applyErrors(
  s: BatchStore,
  t: BatchTaskRecord,
  errors: ReturnType<typeof parseErrorFile>,
): void {
  const byKey = new Map<string, BatchLineRecord>()
  for (const l of s.iterateLines(t.id, ['staged', 'uploaded'])) {
    byKey.set(`${l.meta.ProductId}\u0000${l.meta.PicName ?? ''}`, l)
  }
  let extra = 1_000_000
  s.transaction(() => {
    for (const e of errors) {
      let l = e.line !== null ? s.lineByMetaLine(t.id, e.line) : null
      if (l && e.productId !== null && l.meta.ProductId !== e.productId) l = null
      l ??= byKey.get(`${e.productId}\u0000${e.picName ?? ''}`) ?? null
      if (l) {
        s.updateLine(t.id, l.seq, { state: 'failed', code: e.code ?? 'Failed', message: e.message })
      } else {
        const del = e.operation?.toUpperCase() === 'DELETE'
        s.addUnmatchedFailure(t.id, extra++, {
          metaLine: e.line,
          op: del ? 'delete' : 'add',
          meta: {
            OperationType: del ? 'DELETE' : 'ADD',
            ProductId: e.productId ?? '',
            ...(e.picName ? { PicName: e.picName } : {}),
          },
          code: e.code ?? 'Failed',
          message: e.message,
        })
      }
    }
  })
}

/** The lines the engine applied, recorded in the gallery cache like any other engine write. */
export function recordInGallery(ctx: BatchContext, t: BatchTaskRecord, engine: CachedEngine): void {
  const lines = [...ctx.db().iterateLines(t.id, ['ok'])].sort(
    (a, b) => (a.metaLine ?? 0) - (b.metaLine ?? 0),
  )
  engine.recordApplied(
    lines.map((l): AppliedWrite => {
      const m = l.meta
      if (l.op === 'delete') {
        return { op: 'delete', req: { productId: m.ProductId, picName: m.PicName } }
      }
      const { crop: _c, ...fields } = fieldsOfMeta(m)
      return {
        op: 'add',
        req: { ...fields, productId: m.ProductId, picName: m.PicName! },
        facts: {
          sourcePath: l.source,
          sha256: l.sha256,
          phash: l.phash,
          thumbnail: l.thumbnail,
        },
      }
    }),
  )
}

export function cleanup(ctx: BatchContext, t: BatchTaskRecord): void {
  if (!t.stagingDir) return
  try {
    fs.rmSync(t.stagingDir, { recursive: true, force: true })
  } catch (e) {
    ctx.log(logf`task ${t.id}: removing ${t.stagingDir} failed`, e)
  }
}

export function notify(ctx: BatchContext, t: BatchTaskRecord): void {
  const title = `Batch task ${t.id} ${t.state === 'success' ? 'finished' : t.state}`
  const params = {
    id: t.id,
    ok: t.linesOk,
    failed: t.linesFailed,
    rejected: t.linesRejected,
    message: t.error?.message ?? t.detail ?? '',
  }
  const target = { kind: 'batch' as const, id: t.id, profile: t.profile }
  if (t.state === 'success') {
    const bad = t.linesFailed + t.linesRejected > 0
    ctx.deps.events.emit('notification', {
      level: bad ? 'warning' : 'success',
      title,
      body: `${t.linesOk} line${t.linesOk === 1 ? '' : 's'} done${t.linesFailed ? `, ${t.linesFailed} failed` : ''}${t.linesRejected ? `, ${t.linesRejected} set apart` : ''}.`,
      key: bad ? 'batch.notify.partial' : 'batch.notify.done',
      params,
      target,
    })
  } else if (t.state === 'failed') {
    ctx.deps.events.emit('notification', {
      level: 'error',
      title,
      body: params.message || 'The batch task failed.',
      key: 'batch.notify.failed',
      params,
      target,
    })
  }
}
