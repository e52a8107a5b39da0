/**
 * The verification made when a copy job ends, stored with it (`<dataDir>/copy/reports/<job>.json`)
 * and answered by `copy.report`: counts on both sides, every key the job copied checked in the
 * target (CheckImageExists), and a sample of searches by picture made on both profiles with the
 * same picture — they agree when the same product comes first, or when the copied product is in
 * the first five on both.
 */
import fs from 'node:fs'
import path from 'node:path'
import type { CopyReport } from '../../api/domains/copy'
import type { Engine } from '../engines/types'
import type { JobInfo, ItemRecord } from '../jobs/types'
import { writePrivateFile } from '../util/private-fs'
import { toItemError } from '../jobs/retry'
import type { CopySources } from './sources'
import { keyOf, type CopyItemResult, type CopyParams, type CopyPayload } from './types'

export interface VerifyDeps {
  engine(profile: string): Promise<Engine>
  sources: Pick<CopySources, 'fetch'>
  /** Prepares a picture for a search on a profile (imaging, the profile's limits). */
  searchPicture(profile: string, bytes: Buffer): Promise<Buffer>
  /** Every item of the job, in order. */
  items(jobId: number): ItemRecord<CopyPayload, CopyItemResult>[]
  /** Paces a profile's CheckImageExists / search calls (the queue's limiter). */
  pace(profile: string, signal?: AbortSignal): Promise<void>
  /** Every key of a profile's gallery read from its engine (local store, or a fresh dump). */
  readKeys(profile: string, signal?: AbortSignal): Promise<Set<string>>
  /** Up to this many copied keys are checked one by one (CheckImageExists); more: one read. */
  checkEachMax?: number
  random?: () => number
}

const TOP = 5
/** Copies this small are checked key by key; larger ones against one read of the target. */
const CHECK_EACH_MAX = 50

export function reportFile(dataDir: string, jobId: number): string {
  return path.join(dataDir, 'copy', 'reports', `${jobId}.json`)
}

export function readReport(dataDir: string, jobId: number): CopyReport | null {
  try {
    return JSON.parse(fs.readFileSync(reportFile(dataDir, jobId), 'utf8')) as CopyReport
  } catch {
    return null
  }
}

export function writeReport(dataDir: string, r: CopyReport): void {
  const file = reportFile(dataDir, r.jobId)
  writePrivateFile(`${file}.tmp`, JSON.stringify(r))
  fs.renameSync(`${file}.tmp`, file)
}

export function emptyReport(jobId: number, state: CopyReport['state']): CopyReport {
  return {
    jobId,
    state,
    counts: { source: 0, target: 0, copied: 0, deleted: 0, failed: 0, noPicture: 0 },
    missing: [],
    sample: { n: 0, agreed: 0, rows: [] },
    error: null,
    at: null,
  }
}

function pick<T>(list: T[], n: number, random: () => number): T[] {
  const a = [...list]
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[a[i], a[j]] = [a[j], a[i]]
  }
  return a.slice(0, n)
}

/** Verifies a finished copy job. Failures of the checks themselves are kept in `error`. */
export async function verifyCopy(
  d: VerifyDeps,
  job: JobInfo<CopyParams>,
  signal?: AbortSignal,
): Promise<CopyReport> {
  const p = job.params
  const report = emptyReport(job.id, 'done')
  const items = d.items(job.id)
  const copied = items.filter((i) => i.state === 'done' && i.payload.op !== 'delete')
  for (const i of items) {
    if (i.state === 'done') {
      if (i.payload.op === 'delete') report.counts.deleted++
      else report.counts.copied++
    } else if (i.state === 'failed') {
      if (i.rejected) report.counts.noPicture++
      else report.counts.failed++
    }
  }
  try {
    const [source, target] = await Promise.all([d.engine(p.from), d.engine(p.to)])
    const narrowed = !!(
      p.scope.filter ||
      p.scope.category !== undefined ||
      p.scope.productIds ||
      p.scope.keys
    )
    const [sd, td] = await Promise.all([narrowed ? null : source.detail(), target.detail()])
    report.counts.source = sd ? sd.instance.totalCount : p.planned.source
    report.counts.target = td.instance.totalCount

    if (copied.length <= (d.checkEachMax ?? CHECK_EACH_MAX)) {
      for (const i of copied) {
        signal?.throwIfAborted()
        await d.pace(p.to, signal)
        const { productId, picName } = i.payload
        const r = await target.checkImageExists({ productId, picName })
        if (!r.exist) report.missing.push({ productId, picName })
      }
    } else {
      const keys = await d.readKeys(p.to, signal)
      for (const i of copied) {
        const { productId, picName } = i.payload
        if (!keys.has(keyOf(productId, picName))) report.missing.push({ productId, picName })
      }
    }

    for (const i of pick(copied, p.sampleSize, d.random ?? Math.random)) {
      signal?.throwIfAborted()
      const { productId, picName } = i.payload
      const got = await d.sources.fetch(p.from, productId, picName, i.payload.hint)
      if (!got) continue
      const [a, b] = await Promise.all([
        d.searchPicture(p.from, got.bytes),
        d.searchPicture(p.to, got.bytes),
      ])
      await Promise.all([d.pace(p.from, signal), d.pace(p.to, signal)])
      const [sr, tr] = await Promise.all([
        source.searchImageByPic({ picContent: a, num: TOP }),
        target.searchImageByPic({ picContent: b, num: TOP }),
      ])
      const sourceTop = sr.auctions[0]?.productId ?? null
      const targetTop = tr.auctions[0]?.productId ?? null
      const inTop = (list: { productId: string }[]) => list.some((x) => x.productId === productId)
      const agree =
        (sourceTop !== null && sourceTop === targetTop) ||
        (inTop(sr.auctions) && inTop(tr.auctions))
      report.sample.rows.push({ productId, picName, sourceTop, targetTop, agree })
    }
    report.sample.n = report.sample.rows.length
    report.sample.agreed = report.sample.rows.filter((r) => r.agree).length
  } catch (e) {
    report.error = toItemError(e)
  }
  report.at = Date.now()
  return report
}
