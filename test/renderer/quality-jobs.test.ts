import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { i18n } from '@renderer/i18n'
import { endedText, jobTitle, kindLabel } from '@renderer/components/bulk/explain'
import { catalogueBytes, catalogueName } from '../helpers/images'
import { useRendererHost } from './host'

/**
 * The Quality view's jobs — a lab run, an audit, the deletes an audit's review applies — as a real
 * Loupe host (`loupe serve`) names them: the Jobs drawer gives their kind, title and end in the UI's
 * language (the core titles them in English), never the core's words on a zh-CN page.
 */
const { t, callOk } = useRendererHost()

type Job = {
  jobId: number
  kind: string
  title: string
  done: number
  failed: number
  skipped: number
}

async function settled(jobId: number): Promise<Job> {
  for (;;) {
    const r = await callOk<{ settled: boolean; job: Job }>('jobs.wait', {
      jobId,
      timeoutMs: 30_000,
    })
    if (r.settled) return r.job
  }
}

describe('the Quality jobs in the Jobs drawer', () => {
  it('names a lab run, an audit and its deletes in en-US and zh-CN', async () => {
    // a gallery of 4 products, one of them twice (the copy under another id), and a test set
    for (const n of [0, 1, 2, 3]) {
      await callOk('images.add', {
        image: { base64: catalogueBytes(n).toString('base64'), name: catalogueName(n) },
        productId: `p${n}`,
        picName: catalogueName(n),
      })
    }
    await callOk('images.add', {
      image: { base64: catalogueBytes(2).toString('base64'), name: 'copy.jpg' },
      productId: 'copy',
      picName: 'copy.jpg',
    })
    const set = path.join(t.dir, 'set')
    for (const n of [0, 1]) {
      fs.mkdirSync(path.join(set, `p${n}`), { recursive: true })
      fs.writeFileSync(path.join(set, `p${n}`, catalogueName(n)), catalogueBytes(n))
    }
    const run = await callOk<{ jobId: number }>('eval.start', {
      path: set,
      profiles: ['local'],
      name: 'spring',
    })
    const scan = await callOk<{ jobId: number }>('duplicates.scan', { threshold: 0.95 })
    const evalJob = await settled(run.jobId)
    const auditJob = await settled(scan.jobId)
    const groups = await callOk<{
      groups: { groupId: string; members: { productId: string; picName: string }[] }[]
    }>('duplicates.groups', {})
    const g = groups.groups.find((x) => x.members.some((m) => m.productId === 'copy'))!
    expect(g).toBeTruthy()
    await callOk('duplicates.plan', {
      actions: [
        {
          groupId: g.groupId,
          action: 'keepOne',
          keep: { productId: 'p2', picName: catalogueName(2) },
        },
      ],
    })
    const applied = await callOk<{ jobIds: number[] }>('duplicates.apply', {})
    const deleteJob = await settled(applied.jobIds[0]!)

    const tr = i18n.global.t as unknown as (
      k: string,
      named?: Record<string, unknown>,
      plural?: number,
    ) => string
    const te = (k: string) => i18n.global.te(k)
    i18n.global.locale.value = 'zh-CN'
    expect(kindLabel(evalJob.kind, { t: tr, te })).toBe('搜索质量评测')
    expect(jobTitle(evalJob.title, tr)).toBe('质量评测:spring')
    expect(endedText(evalJob, tr)).toBe('已完成 2 次搜索,0 次失败。结果见“质量”视图。')
    expect(jobTitle(auditJob.title, tr)).toBe('近似重复检查(相似度 ≥ 0.95)')
    expect(endedText(auditJob, tr)).toContain('近似重复')
    expect(jobTitle(deleteJob.title, tr)).toBe('删除 1 张近似重复图片')
    i18n.global.locale.value = 'en-US'
    expect(jobTitle(evalJob.title, tr)).toBe('Quality run: spring')
    expect(jobTitle(deleteJob.title, tr)).toBe('Delete a near-duplicate picture')
    // the copy is gone from the gallery, the original stays
    const exists = (productId: string, picName: string) =>
      callOk<{ exist: boolean }>('images.exists', { productId, picName }).then((r) => r.exist)
    expect(await exists('copy', 'copy.jpg')).toBe(false)
    expect(await exists('p2', catalogueName(2))).toBe(true)
  }, 120_000)
})
