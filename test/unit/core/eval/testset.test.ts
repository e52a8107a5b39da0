/**
 * The quality lab's pure parts: reading test sets (bulk add's naming rules; CSV and JSON lines with
 * region, category and filter; problems named by origin), the reasons given for misses, and the
 * figures (percentiles, recall, MRR, the comparison of two runs) on hand-made rows.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { readTestSet } from '../../../../electron/core/eval/testset'
import { diagnose } from '../../../../electron/core/eval/diagnose'
import {
  compareRows,
  percentile,
  perCategory,
  recallByRank,
  summarize,
} from '../../../../electron/core/eval/figures'
import type { StoredRow } from '../../../../electron/core/eval/store'
import type { GalleryImage } from '../../../../electron/core/gallery/types'
import { productPhotoPath } from '../../../helpers/photos'
import { tempDir } from '../../../helpers/tmp'

const t = tempDir('loupe-eval-testset-')
afterAll(() => t.cleanup())

function put(rel: string, from = productPhotoPath(0, 0)): void {
  const p = path.join(t.dir, rel)
  fs.mkdirSync(path.dirname(p), { recursive: true })
  fs.copyFileSync(from, p)
}

describe('reading a test set', () => {
  it('a folder by the folder rule, the file rule and a template', async () => {
    put('set/milk/a.jpg')
    put('set/milk/b.jpg')
    put('set/juice/c.jpg')
    put('set/notes.txt')
    const folder = await readTestSet({ path: path.join(t.dir, 'set') })
    expect(folder.queries.map((q) => [q.index, q.file, q.productId])).toEqual([
      [0, 'juice/c.jpg', 'juice'],
      [1, 'milk/a.jpg', 'milk'],
      [2, 'milk/b.jpg', 'milk'],
    ])
    expect(folder.products).toBe(2)
    expect(folder.queries[0].source).toBe(path.join(t.dir, 'set/juice/c.jpg'))
    const file = await readTestSet({ path: path.join(t.dir, 'set'), naming: 'file' })
    expect(file.queries.map((q) => q.productId)).toEqual(['c', 'a', 'b'])

    put('tpl/sku1_front.jpg')
    put('tpl/sku2_side.png', productPhotoPath(1, 0))
    put('tpl/nounderscore.jpg')
    const tpl = await readTestSet({
      path: path.join(t.dir, 'tpl'),
      naming: '{product}_{view}.{ext}',
    })
    expect(tpl.queries.map((q) => q.productId)).toEqual(['sku1', 'sku2'])
    expect(tpl.problems).toEqual([
      expect.objectContaining({ origin: 'nounderscore.jpg', code: 'InvalidNamingRule' }),
    ])
  })

  it('a CSV with region, category and filter per query; bad lines are problems, the rest goes on', async () => {
    put('csv/pics/1.jpg')
    put('csv/pics/2.jpg')
    const csv = path.join(t.dir, 'csv', 'queries.csv')
    fs.writeFileSync(
      csv,
      [
        'Path,Product_Id,Region,CategoryId,Filter',
        'pics/1.jpg,p1,"1,50,2,60",6,"str_attr=""red"""',
        'pics/2.jpg,p2,,,',
        'pics/1.jpg,p3,"9,3,1,2",,',
        'pics/2.jpg,p4,,six,',
        ',p5,,,',
      ].join('\r\n'),
    )
    const s = await readTestSet({ path: csv })
    expect(s.queries).toEqual([
      {
        index: 0,
        file: 'pics/1.jpg',
        productId: 'p1',
        region: '1,50,2,60',
        categoryId: 6,
        filter: 'str_attr="red"',
        source: path.join(t.dir, 'csv/pics/1.jpg'),
      },
      { index: 1, file: 'pics/2.jpg', productId: 'p2', source: path.join(t.dir, 'csv/pics/2.jpg') },
    ])
    expect(s.problems.map((p) => [p.origin, p.code])).toEqual([
      ['queries.csv:4', 'InvalidRegion'],
      ['queries.csv:5', 'InvalidCategory'],
      ['queries.csv:6', 'InvalidManifestLine'],
    ])
  })

  it('JSON lines; a line without productId falls back to the naming rule', async () => {
    put('jsonl/shelf/x.jpg')
    const file = path.join(t.dir, 'jsonl', 'q.jsonl')
    fs.writeFileSync(
      file,
      [
        JSON.stringify({ path: 'shelf/x.jpg', productId: 'sku-9', filter: 'int_attr>1' }),
        JSON.stringify({ path: 'shelf/x.jpg' }),
        '{not json',
      ].join('\n'),
    )
    const s = await readTestSet({ path: file })
    expect(s.queries.map((q) => [q.productId, q.filter])).toEqual([
      ['sku-9', 'int_attr>1'],
      ['shelf', undefined],
    ])
    expect(s.problems.map((p) => p.origin)).toEqual(['q.jsonl:3'])
  })
})

const pic = (productId: string, picName: string, extra: Partial<GalleryImage> = {}) =>
  ({ productId, picName, categoryId: 6, sha256: null, phash: null, ...extra }) as GalleryImage
const hit = (productId: string, picName = 'a.jpg', score = 0.9) => ({
  productId,
  picName,
  score,
  categoryId: 6,
})

describe('why a query missed', () => {
  const base = {
    expectedProduct: 'milk',
    rank: null,
    top: [hit('juice')],
    expectedPictures: [pic('milk', 'm.jpg', { phash: 'ffff0000ffff0000' })],
    firstPicture: pic('juice', 'a.jpg', { phash: '0000ffff0000ffff' }),
    detectedCategory: 6,
    expectedCategory: 6,
  }
  it('found first: no reason', () => {
    expect(diagnose({ ...base, rank: 1, top: [hit('milk')] })).toBeNull()
  })
  it('each reason, the most specific first', () => {
    expect(diagnose({ ...base, expectedPictures: [] })?.reason).toBe('notInGallery')
    // The cache cannot tell (null): not "not in the gallery".
    expect(diagnose({ ...base, expectedPictures: null })?.reason).toBe('notFound')
    const dup = diagnose({
      ...base,
      firstPicture: pic('juice', 'a.jpg', { phash: 'ffff0000ffff0003' }),
    })
    expect(dup).toMatchObject({ reason: 'nearDuplicate' })
    expect(dup?.detail).toContain('distance 2')
    expect(dup?.detail).toContain('milk / m.jpg')
    const same = diagnose({
      ...base,
      firstPicture: pic('juice', 'a.jpg', { sha256: 'ab'.repeat(32) }),
      expectedPictures: [pic('milk', 'm.jpg', { sha256: 'ab'.repeat(32) })],
    })
    expect(same?.detail).toContain('the same picture as milk / m.jpg')
    expect(diagnose({ ...base, uncroppedRank: 1, detectedRegion: '0,10,0,10' })).toMatchObject({
      reason: 'wrongCrop',
    })
    const cat = diagnose({ ...base, detectedCategory: 8 })
    expect(cat?.reason).toBe('wrongCategory')
    expect(cat?.detail).toContain('Bottle (8)')
    expect(cat?.detail).toContain('Snack (6)')
    expect(diagnose({ ...base, rank: 3 })?.reason).toBe('lowRank')
    expect(diagnose(base)?.reason).toBe('notFound')
    expect(diagnose({ ...base, top: [], firstPicture: null })?.detail).toContain('found nothing')
  })
})

function row(index: number, rank: number | null, extra: Partial<StoredRow> = {}): StoredRow {
  return {
    index,
    query: { index, file: `q${index}.jpg`, productId: `p${index}` },
    state: 'done',
    rank,
    top: rank ? [hit(`p${index}`)] : [hit('other')],
    latencyMs: 10 * (index + 1),
    apiCalls: 1,
    error: null,
    reason: null,
    reasonDetail: null,
    detected: { categoryId: null, region: null },
    expected: null,
    expectedCategory: index % 2 ? 6 : 8,
    source: `/x/q${index}.jpg`,
    ...extra,
  }
}

describe('figures', () => {
  it('percentiles by nearest rank', () => {
    expect(percentile([], 50)).toBeNull()
    expect(percentile([5], 95)).toBe(5)
    const v = Array.from({ length: 20 }, (_, i) => i + 1)
    expect(percentile(v, 50)).toBe(10)
    expect(percentile(v, 95)).toBe(19)
  })

  it('recall, MRR, not found and errors apart', () => {
    const rows = [
      row(0, 1),
      row(1, 2),
      row(2, 5),
      row(3, null),
      row(4, null, {
        state: 'failed',
        error: { code: 'X', message: 'x' },
        latencyMs: null,
        apiCalls: 6,
      }),
      row(5, null, { state: 'pending', latencyMs: null, apiCalls: 0 }),
    ]
    const s = summarize(rows)
    expect(s).toMatchObject({ queries: 6, answered: 4, errors: 1, pending: 1, notFound: 1 })
    expect(s.r1).toBeCloseTo(1 / 4)
    expect(s.r5).toBeCloseTo(3 / 4)
    expect(s.mrr).toBeCloseTo((1 + 1 / 2 + 1 / 5) / 4)
    expect(s.apiCalls).toBe(4 + 6)
    expect(s.p50Ms).toBe(20)
    expect(recallByRank(rows, 5)).toEqual([0.25, 0.5, 0.5, 0.5, 0.75])
    expect(perCategory(rows)).toEqual([
      { categoryId: 6, name: 'Snack', queries: 2, r1: 0, r5: 0.5 },
      { categoryId: 8, name: 'Bottle', queries: 2, r1: 0.5, r5: 1 },
    ])
  })

  it('comparing two runs: better, worse, same, unmatched', () => {
    const a = [row(0, 1), row(1, 3), row(2, null), row(3, 2)]
    const b = [row(0, 1), row(1, 1), row(2, 4), row(3, null), row(9, 1)]
    const c = compareRows(a, b)
    expect(c.better.map((r) => [r.index, r.a.rank, r.b.rank])).toEqual([
      [1, 3, 1],
      [2, null, 4],
    ])
    expect(c.worse.map((r) => [r.index, r.a.rank, r.b.rank])).toEqual([[3, 2, null]])
    expect(c.same).toBe(1)
    expect(c.unmatched).toBe(1)
  })
})
