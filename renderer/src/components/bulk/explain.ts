/** `3m 05s`, `1h 02m`, `42s`. */
export function duration(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '—'
  s = Math.max(0, Math.round(s))
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`
}

export function percent(done: number, total: number): number {
  return total > 0 ? Math.min(100, Math.floor((100 * done) / total)) : 0
}

/** Job kinds whose own feature tells when the work ends (a batch task, a metadata import). */
const SELF_REPORTING_KINDS = new Set(['batch-prepare', 'dump-import'])

/** Whether the Jobs drawer should announce this job's end itself. */
export function announcesEnd(kind: string): boolean {
  return !SELF_REPORTING_KINDS.has(kind)
}

/** A job kind's readable name (`bulk.jobKind.*`), the kind itself when it has none. */
export function kindLabel(
  kind: string,
  i18n: { t: (key: string) => string; te: (key: string) => boolean },
): string {
  const key = `bulk.jobKind.${kind}`
  return i18n.te(key) ? i18n.t(key) : kind
}

/**
 * A job's title in the UI's language. The core titles a bulk add it planned itself (CLI, folder
 * watch, `bulk.start` without a title) "Bulk add: a, b, c and N more"; the folder names are kept,
 * the words translated. Other titles are shown as given.
 */
export function jobTitle(
  title: string,
  t: (key: string, named?: Record<string, unknown>) => string,
): string {
  const m = /^Bulk add: (.*?)(?: and (\d+) more)?$/.exec(title)
  if (m)
    return m[2]
      ? t('bulk.jobTitleMore', { names: m[1], n: Number(m[2]) })
      : t('bulk.jobTitle', { names: m[1] })
  // a watched folder's sync (core/watch/sync.ts): "Folder coats: 2 new, 1 changed, 3 removed"
  const f = /^Folder (.*): ((?:\d+ (?:new|changed|removed)(?:, )?)+)$/.exec(title)
  if (f) {
    const parts = [...f[2]!.matchAll(/(\d+) (new|changed|removed)/g)].map((p) =>
      t(`bulk.jobTitleFolderPart.${p[2]}`, { n: Number(p[1]) }),
    )
    return t('bulk.jobTitleFolder', { folder: f[1], parts: parts.join(t('bulk.listSep')) })
  }
  // a metadata import (core/tasks/dump-import-job.ts)
  const i = /^Import (export \d+|.*) into the gallery cache$/.exec(title)
  if (i) {
    const id = /^export (\d+)$/.exec(i[1]!)
    return id
      ? t('bulk.jobTitleImportExport', { id: id[1] })
      : t('bulk.jobTitleImportFile', { file: i[1] })
  }
  // a gallery copy (core/copy/service.ts): "Copy local → shop", "Sync local → shop"
  const c = /^(Copy|Sync) (\S+) → (\S+)$/.exec(title)
  if (c)
    return t(c[1] === 'Sync' ? 'bulk.jobTitleSync' : 'bulk.jobTitleCopy', { from: c[2], to: c[3] })
  const b = /^Batch: (.*)$/.exec(title)
  if (b) return t('bulk.jobTitleBatch', { source: b[1] })
  return qualityTitle(title, t) ?? title
}

/** The Quality view's jobs (core/eval, core/duplicates): a lab run, an audit, its deletes and moves. */
function qualityTitle(
  title: string,
  t: (key: string, named?: Record<string, unknown>, plural?: number) => string,
): string | null {
  const s = /^Adapted space (\d+): learning from (\d+) pictures$/.exec(title)
  if (s) return t('space.jobTitle', { id: s[1], n: Number(s[2]) })
  const q = /^Quality: (.*)$/.exec(title)
  if (q) return t('quality.jobTitle.eval', { name: q[1] })
  const a = /^Near-duplicate audit \(similarity ≥ ([\d.]+)\)$/.exec(title)
  if (a) return t('quality.jobTitle.audit', { threshold: a[1] })
  const d = /^Delete (\d+) near-duplicate pictures?$/.exec(title)
  if (d) return t('quality.jobTitle.delete', { n: Number(d[1]) }, Number(d[1]))
  const m = /^Move (\d+) near-duplicate pictures? to one product$/.exec(title)
  if (m) return t('quality.jobTitle.move', { n: Number(m[1]) }, Number(m[1]))
  return null
}

/** What a finished job did, in the words of its kind (the Jobs drawer's notice). */
export function endedText(
  j: { kind: string; done: number; failed: number; skipped: number },
  t: (key: string, named?: Record<string, unknown>) => string,
): string {
  if (j.kind === 'quality-eval')
    return t('quality.job.endedEval', { done: j.done, failed: j.failed })
  if (j.kind === 'duplicate-audit') return t('quality.job.endedAudit')
  if (j.kind === 'gallery-adapt') return t('space.ended')
  return t('bulk.jobs.ended', { done: j.done, failed: j.failed, skipped: j.skipped })
}
