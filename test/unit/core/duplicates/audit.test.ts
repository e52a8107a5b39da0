/**
 * The near-duplicate audit end to end on a real core (local engine, real picture model, real
 * SQLite): real catalogue photos (catalogue-hm from the shared datasets when present — LOUPE_DATASETS
 * or ../shared/datasets — else the generated catalogue pictures), with duplicates planted by
 * re-encoding and resizing some of them under other product ids (conflicts) and under the same id
 * (wasted slots). The audit must find every planted one; its precision on the rest is reported.
 * Then the review: staged actions (undoable), applied through the gallery's write path (engine
 * and cache change together), "not a duplicate" remembered across audits, and `loupe duplicates
 * --json`.
 */
import fs from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DuplicateGroup } from '../../../../electron/api/domains/duplicates'
import { loupe } from '../../../helpers/cli'
import { CATALOGUE_DIR } from '../../../helpers/images'
import { tempDir } from '../../../helpers/tmp'
import { call, makeCore, recordEvents } from '../gallery/service/helpers'

const REPO = path.resolve(__dirname, '../../../..')
const HM = [
  process.env.LOUPE_DATASETS,
  path.resolve(REPO, '../shared/datasets'),
  path.resolve(REPO, '../../shared/datasets'),
]
  .filter((d): d is string => !!d)
  .map((d) => path.join(d, 'catalogue-hm'))
  .find((d) => fs.existsSync(path.join(d, 'item0000.jpg')))
const SOURCE = HM ?? CATALOGUE_DIR
const STEP = HM ? 20 : 14
const BASE = 48
const item = (i: number) => path.join(SOURCE, `item${String(i * STEP).padStart(4, '0')}.jpg`)

/** Planted copies: base picture → the copy's key. */
const ACROSS = [3, 7, 11, 19, 23, 31, 37, 41] // re-encoded (JPEG quality 45) under another id
const WITHIN = [5, 13, 17, 29, 43] // resized to 80 % and re-encoded (quality 70), same id
const key = (productId: string, picName: string) => `${productId}/${picName}`
const base = (i: number) => key(`sku-${i}`, 'front.jpg')
const planted = new Map<string, string>([
  ...ACROSS.map((i) => [key(`other-${i}`, 'front.jpg'), base(i)] as [string, string]),
  ...WITHIN.map((i) => [key(`sku-${i}`, 'copy.jpg'), base(i)] as [string, string]),
])

type Core = ReturnType<typeof makeCore>

describe(`near-duplicate audit (${HM ? 'catalogue-hm photos' : 'generated catalogue pictures'})`, () => {
  const t = tempDir('loupe-dups-')
  const files = path.join(t.dir, 'files')
  const data = path.join(t.dir, 'data')
  let core: Core
  const api = <T>(name: string, input: unknown = {}) => call<T>(core.dispatch, name, input)

  async function add(productId: string, picName: string, file: string) {
    await api('images.add', { productId, picName, image: { path: file } })
  }
  async function settle(jobId: number) {
    for (;;) {
      const r = await api<{ settled: boolean; job: { state: string; failed: number } }>(
        'jobs.wait',
        { jobId, timeoutMs: 30_000 },
      )
      if (r.settled) return r.job
    }
  }
  async function groupsOf(threshold?: number): Promise<DuplicateGroup[]> {
    const r = await api<{ groups: DuplicateGroup[] }>('duplicates.groups', {
      pageSize: 200,
      ...(threshold ? { threshold } : {}),
    })
    return r.groups
  }
  const groupWith = (groups: DuplicateGroup[], k: string) =>
    groups.find((g) => g.members.some((m) => key(m.productId, m.picName) === k))

  beforeAll(async () => {
    fs.mkdirSync(files, { recursive: true })
    core = makeCore(data)
    await core.start()
    for (let i = 0; i < BASE; i++) await add(`sku-${i}`, 'front.jpg', item(i))
    for (const i of ACROSS) {
      const f = path.join(files, `across-${i}.jpg`)
      await sharp(item(i)).jpeg({ quality: 45 }).toFile(f)
      await add(`other-${i}`, 'front.jpg', f)
    }
    for (const i of WITHIN) {
      const f = path.join(files, `within-${i}.jpg`)
      const { width } = await sharp(item(i)).metadata()
      await sharp(item(i))
        .resize({ width: Math.round(width! * 0.8) })
        .jpeg({ quality: 70 })
        .toFile(f)
      await add(`sku-${i}`, 'copy.jpg', f)
    }
  }, 600_000)
  afterAll(async () => {
    await core?.close()
    t.cleanup()
  })

  it('finds every planted duplicate, across and within products, and reports its precision', async () => {
    const events = recordEvents(core.events)
    const { jobId, approximate } = await api<{ jobId: number; approximate: boolean }>(
      'duplicates.scan',
      {},
    )
    expect(approximate).toBe(false)
    const job = await settle(jobId)
    expect(job).toMatchObject({ state: 'done', failed: 0 })
    const status = await api<{ state: string; pictures: number }>('duplicates.status')
    expect(status).toMatchObject({ state: 'done', pictures: BASE + ACROSS.length + WITHIN.length })

    const groups = await groupsOf()
    // Announced once, by what it found (not as "n added" like a bulk add).
    const told = events.of('notification').filter((n) => n.target?.id === jobId)
    events.off()
    expect(told).toHaveLength(1)
    expect(told[0]).toMatchObject({
      level: 'success',
      key: 'dupAudit.notify.done',
      params: { groups: groups.length, pictures: BASE + ACROSS.length + WITHIN.length },
    })
    for (const [copy, original] of planted) {
      const g = groupWith(groups, copy)
      expect(g, `${copy} is grouped`).toBeTruthy()
      expect(g!.members.map((m) => key(m.productId, m.picName))).toContain(original)
      expect(g!.kind).toBe(copy.startsWith('other-') ? 'across' : 'within')
    }
    // Precision: of the pictures grouped, how many are a planted copy or its original.
    const grouped = groups.flatMap((g) => g.members.map((m) => key(m.productId, m.picName)))
    const plantedKeys = new Set([...planted.keys(), ...planted.values()])
    const right = grouped.filter((k) => plantedKeys.has(k)).length
    const precision = right / grouped.length
    console.log(
      `near-duplicate audit: ${planted.size}/${planted.size} planted found; precision ${precision.toFixed(3)} ` +
        `(${right} of ${grouped.length} grouped pictures planted; ${groups.length} groups at the default threshold)`,
    )
    expect(precision).toBeGreaterThanOrEqual(0.8)

    // Members carry what a reviewer compares.
    const g = groupWith(groups, base(ACROSS[0]))!
    expect(g.members[0]).toMatchObject({ categoryId: expect.any(Number), attributes: {} })
    expect(g.members.every((m) => m.thumbnail)).toBe(true)
  })

  it('previews what each threshold catches', async () => {
    const r = await api<{
      audit: { floor: number }
      thresholds: {
        threshold: number
        covered: boolean
        groups: number
        pictures: number
        examples: { similarity: number }[]
      }[]
    }>('duplicates.preview', { thresholds: [0.99, 0.92, 0.6, 0.96] })
    const byT = new Map(r.thresholds.map((x) => [x.threshold, x]))
    expect(byT.get(0.6)!.covered).toBe(false)
    expect(byT.get(0.92)!.covered).toBe(true)
    // A lower threshold catches at least as many pictures.
    expect(byT.get(0.92)!.pictures).toBeGreaterThanOrEqual(byT.get(0.96)!.pictures)
    expect(byT.get(0.96)!.pictures).toBeGreaterThanOrEqual(byT.get(0.99)!.pictures)
    expect(byT.get(0.92)!.groups).toBeGreaterThanOrEqual(ACROSS.length + WITHIN.length)
    for (const x of r.thresholds) {
      if (!x.covered) continue
      expect(x.examples.length).toBeLessThanOrEqual(3)
      for (const e of x.examples) expect(e.similarity).toBeGreaterThanOrEqual(x.threshold)
    }
  })

  it('an audit running when Loupe closes goes on when Loupe opens again: the same groups', async () => {
    const signature = (groups: DuplicateGroup[]) =>
      groups
        .map((g) => `${g.kind}:${g.members.map((m) => key(m.productId, m.picName)).join(',')}`)
        .sort()
    const before = signature(await groupsOf())
    // Loupe is closed (as on quit) right after the audit was started: its steps are under way
    // (the queue's progress says how far it got)
    const previous = (await api<{ jobId: number | null }>('duplicates.status')).jobId
    let last = { done: 0, total: 0, state: '' }
    const off = core.events.onAny((name, payload) => {
      const p = payload as {
        jobId: number
        kind: string
        done: number
        total: number
        state: string
      }
      if (name !== 'job.progress' || p.kind !== 'duplicate-audit' || p.jobId === previous) return
      last = { done: p.done, total: p.total, state: p.state }
    })
    const { jobId } = await api<{ jobId: number }>('duplicates.scan', {})
    await core.close()
    off()
    console.log(`audit closed at ${last.done}/${last.total} steps (${last.state})`)
    // not finished when Loupe closed
    expect(last.state).not.toBe('done')
    expect(last.done).toBeLessThan(last.total || Infinity)

    core = makeCore(data)
    await core.start()
    const job = await settle(jobId)
    expect(job).toMatchObject({ state: 'done', failed: 0 })
    const items = await api<{ items: { state: string }[] }>('jobs.items', { jobId, limit: 1000 })
    expect(items.items.map((i) => i.state)).toEqual(items.items.map(() => 'done'))
    expect(await api<{ state: string }>('duplicates.status')).toMatchObject({ state: 'done' })
    expect(signature(await groupsOf())).toEqual(before)
  })

  it('stages actions (undoable), then applies them through the write path: engine and cache together', async () => {
    const groups = await groupsOf()
    const del = groupWith(groups, base(ACROSS[0]))!
    const move = groupWith(groups, base(ACROSS[1]))!
    const keep = groupWith(groups, base(ACROSS[2]))!
    const within = groupWith(groups, base(WITHIN[0]))!
    let s = await api<{ deletes: number; moves: number; notDuplicate: number }>('duplicates.plan', {
      actions: [
        {
          groupId: del.groupId,
          action: 'keepOne',
          keep: { productId: `sku-${ACROSS[0]}`, picName: 'front.jpg' },
        },
        { groupId: move.groupId, action: 'moveTo', productId: `sku-${ACROSS[1]}` },
        { groupId: keep.groupId, action: 'notDuplicate' },
        {
          groupId: within.groupId,
          action: 'keepOne',
          keep: { productId: `sku-${WITHIN[0]}`, picName: 'front.jpg' },
        },
      ],
    })
    expect(s).toMatchObject({ deletes: 2, moves: 1, notDuplicate: 1 })
    // Undo one before applying: the within-product picture stays.
    s = await api('duplicates.discard', { groupIds: [within.groupId] })
    expect(s).toMatchObject({ deletes: 1, moves: 1, notDuplicate: 1 })
    const shown = await groupsOf()
    expect(groupWith(shown, base(ACROSS[0]))!.staged).toMatchObject({ action: 'keepOne' })
    expect(groupWith(shown, base(WITHIN[0]))!.staged).toBeNull()
    // Nothing changed yet.
    const exists = (productId: string, picName: string) =>
      api<{ exist: boolean }>('images.exists', { productId, picName }).then((r) => r.exist)
    const cached = (productId: string, picName: string) =>
      api<{ image: unknown }>('gallery.get', { productId, picName }).then((r) => !!r.image)
    expect(await exists(`other-${ACROSS[0]}`, 'front.jpg')).toBe(true)

    const r = await api<{ jobIds: number[] }>('duplicates.apply')
    expect(r.jobIds).toHaveLength(2)
    for (const id of r.jobIds) expect(await settle(id)).toMatchObject({ state: 'done', failed: 0 })
    expect((await api<{ actions: unknown[] }>('duplicates.staged')).actions).toEqual([])

    // keepOne: the copy is gone from the engine and the cache; the kept one stays in both.
    expect(await exists(`other-${ACROSS[0]}`, 'front.jpg')).toBe(false)
    expect(await cached(`other-${ACROSS[0]}`, 'front.jpg')).toBe(false)
    expect(await exists(`sku-${ACROSS[0]}`, 'front.jpg')).toBe(true)
    expect(await cached(`sku-${ACROSS[0]}`, 'front.jpg')).toBe(true)
    // moveTo: the copy now belongs to sku-N (its name was taken there: renamed), in both.
    const moved = `front.jpg~other-${ACROSS[1]}`
    expect(await exists(`other-${ACROSS[1]}`, 'front.jpg')).toBe(false)
    expect(await cached(`other-${ACROSS[1]}`, 'front.jpg')).toBe(false)
    expect(await exists(`sku-${ACROSS[1]}`, moved)).toBe(true)
    expect(await cached(`sku-${ACROSS[1]}`, moved)).toBe(true)
    // The engine searches by the moved picture's product now.
    const hit = await api<{ auctions: { productId: string; picName: string }[] }>('search.byName', {
      productId: `sku-${ACROSS[1]}`,
      picName: moved,
      num: 3,
    })
    expect(hit.auctions.every((a) => a.productId !== `other-${ACROSS[1]}`)).toBe(true)

    // The groups follow the gallery: the deleted copy's group is gone, the moved one is within.
    const after = await groupsOf()
    expect(groupWith(after, base(ACROSS[0]))).toBeUndefined()
    expect(groupWith(after, base(ACROSS[1]))).toBeUndefined() // not audited again yet
    // "Not a duplicate" leaves the groups at once…
    expect(groupWith(after, base(ACROSS[2]))).toBeUndefined()
  })

  it('remembers "not a duplicate" in the next audit, which sees the moved picture', async () => {
    const { jobId } = await api<{ jobId: number }>('duplicates.scan', { threshold: 0.95 })
    expect(await settle(jobId)).toMatchObject({ state: 'done' })
    const groups = await groupsOf()
    expect(groupWith(groups, base(ACROSS[2]))).toBeUndefined()
    expect(groupWith(groups, key(`other-${ACROSS[2]}`, 'front.jpg'))).toBeUndefined()
    const moved = groupWith(groups, key(`sku-${ACROSS[1]}`, `front.jpg~other-${ACROSS[1]}`))
    expect(moved?.kind).toBe('within')
    // An across-products audit leaves within-product pairs out.
    const across = await api<{ jobId: number }>('duplicates.scan', { acrossProducts: true })
    await settle(across.jobId)
    const only = await groupsOf()
    expect(only.length).toBeGreaterThan(0)
    expect(only.every((g) => g.kind === 'across')).toBe(true)
  })

  it('`loupe duplicates --json` audits and prints the groups', async () => {
    await core.close()
    const r = loupe(['--data', data, 'duplicates', '--threshold', '0.95', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout) as {
      threshold: number
      approximate: boolean
      total: number
      within: number
      groups: DuplicateGroup[]
    }
    expect(out).toMatchObject({ threshold: 0.95, approximate: false })
    expect(out.total).toBe(out.groups.length)
    for (const i of WITHIN.slice(1)) {
      expect(groupWith(out.groups, key(`sku-${i}`, 'copy.jpg'))?.kind).toBe('within')
    }
    expect(groupWith(out.groups, base(ACROSS[2]))).toBeUndefined()
    const across = loupe(['--data', data, 'duplicates', '--across-products', '--no-scan', '--json'])
    expect(across.code, across.stderr).toBe(0)
    expect(JSON.parse(across.stdout).groups.every((g: DuplicateGroup) => g.kind === 'across')).toBe(
      true,
    )
    const bad = loupe(['--data', data, 'duplicates', '--threshold', '2'])
    expect(bad.code).toBe(2)
  }, 240_000)
})
