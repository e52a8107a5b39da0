import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  GalleryError,
  parseDumpLine,
  type DumpProgress,
  type Gallery,
} from '../../../../electron/core/gallery'
import { clock, newGallery, writeLines } from './helpers'

const line = (p: string, n: string, extra: Record<string, unknown> = {}) => ({
  ProductId: p,
  PicName: n,
  CategoryId: '3',
  CustomContent: `https://www.aliyun.com/image/${n}`,
  IntAttr: 123,
  StrAttr: '男装',
  ...extra,
})

/** Everything a user could see of the cache: rows and derived views. */
function snapshot(g: Gallery) {
  return {
    rows: g.query({ limit: 1000, sort: 'productId' }).items,
    groups: g.groupByProduct({ limit: 1000 }).items.map((x) => [x.productId, x.count]),
    stats: g.stats(),
    text: g.query({ text: '男装', limit: 0 }).total,
  }
}

describe('gallery dump import', () => {
  it('reads the console export format with its documented variants', () => {
    // The two sample lines of the console documentation (元信息导出).
    expect(
      parseDumpLine(
        '{"ProductId": "bag_100000","PicName": "T17WnaXkNfXXapAeE4_052528.jpg","CategoryId": "3","CustomContent": "https://www.aliyun.com/image/T17WnaXkNfXXapAeE4_052528.jpg","IntAttr": 123,"StrAttr": "男装"}',
        1,
      ),
    ).toEqual({
      productId: 'bag_100000',
      picName: 'T17WnaXkNfXXapAeE4_052528.jpg',
      categoryId: 3,
      customContent: 'https://www.aliyun.com/image/T17WnaXkNfXXapAeE4_052528.jpg',
      intAttr: 123,
      intAttr2: null,
      intAttr3: null,
      intAttr4: null,
      strAttr: '男装',
      strAttr2: null,
      strAttr3: null,
      strAttr4: null,
    })
    // camelCase / snake_case keys, numeric strings, numbers as ids, IntAttr1, Region, ADD lines.
    expect(
      parseDumpLine(
        '{"productId": 1000, "pic_name": "a.jpg", "categoryId": 0, "int_attr": "-7", "IntAttr2": 5,' +
          ' "StrAttr1": "v", "STRATTR4": 12, "Region": "20, 40, 60, 80", "OperationType": "ADD",' +
          ' "Crop": false, "Score": 0.5}',
        2,
      ),
    ).toMatchObject({
      productId: '1000',
      picName: 'a.jpg',
      categoryId: 0,
      intAttr: -7,
      intAttr2: 5,
      strAttr: 'v',
      strAttr4: '12',
      region: '20,40,60,80',
    })
    expect(parseDumpLine('   ', 3)).toBeNull()
    expect(
      parseDumpLine(
        '{"ProductId":"p","PicName":"a","constructor":1,"__proto__":{"x":1},"toString":2}',
        4,
      ),
    ).toMatchObject({ productId: 'p', picName: 'a', intAttr: null })
    for (const [bad, why] of [
      ['{"ProductId": "p", "PicName": "a.jpg"', /line 7: not valid JSON/],
      ['["p", "a.jpg"]', /line 7: not a JSON object/],
      ['{"PicName": "a.jpg"}', /line 7: missing ProductId/],
      ['{"ProductId": "p", "PicName": ""}', /line 7: missing PicName/],
      ['{"ProductId": "p", "PicName": "a", "IntAttr": 1.5}', /line 7: IntAttr is not an integer/],
      ['{"ProductId": "p", "PicName": "a", "CategoryId": "tops"}', /CategoryId is not an integer/],
      ['{"ProductId": "p", "PicName": "a", "StrAttr": {"x": 1}}', /StrAttr is not a string/],
      ['{"OperationType": "DELETE", "ProductId": "p", "PicName": "a"}', /not an export line/],
    ] as const) {
      expect(() => parseDumpLine(bad, 7), bad).toThrow(why)
    }
  })

  it('imports into an empty cache, then applies added / changed / gone / unchanged', async () => {
    const c = clock(5000)
    const { g, dir } = newGallery({ now: c.now })
    const d1 = writeLines(path.join(dir, 'd1.jsonl'), [
      line('p1', 'a.jpg'),
      line('p1', 'b.jpg'),
      line('p2', 'c.jpg', { StrAttr: '女装' }),
      line('p3', 'd.jpg'),
    ])
    expect(await g.importDump(d1)).toEqual({
      added: 4,
      changed: 0,
      gone: 0,
      unchanged: 0,
      pending: 0,
    })
    expect(g.get('p1', 'a.jpg')).toMatchObject({
      categoryId: 3,
      intAttr: 123,
      strAttr: '男装',
      syncState: 'synced',
      seenAt: g.get('p1', 'a.jpg')!.addedAt,
    })
    // Local facts of images that stay must survive later imports.
    g.setSource(
      { productId: 'p1', picName: 'a.jpg' },
      { path: '/photos/a.jpg', sha256: 'a'.repeat(64), phash: '00ff00ff00ff00ff' },
    )
    g.setThumbnail({ productId: 'p1', picName: 'a.jpg' }, 'aa/a.webp')
    g.recordUpdated({ productId: 'p1', picName: 'b.jpg' }, { region: '1,2,3,4' })
    const before = g.get('p1', 'a.jpg')!

    const d2 = writeLines(path.join(dir, 'd2.jsonl'), [
      line('p1', 'a.jpg', { IntAttr: 124 }), // changed
      line('p1', 'b.jpg'), // unchanged (region not in the export: kept)
      line('p2', 'c.jpg', { StrAttr: '女装' }), // unchanged
      line('p4', 'e.jpg', { StrAttr2: '新' }), // added; p3/d.jpg gone
    ])
    const diff = await g.diffDump(d2, { sample: 10 })
    expect(diff).toEqual({
      added: 1,
      changed: 1,
      gone: 1,
      unchanged: 2,
      pending: 0,
      examples: {
        added: [{ productId: 'p4', picName: 'e.jpg' }],
        changed: [{ productId: 'p1', picName: 'a.jpg' }],
        gone: [{ productId: 'p3', picName: 'd.jpg' }],
      },
    })
    // A preview changes nothing.
    expect(g.get('p3', 'd.jpg')).not.toBeNull()
    expect(g.get('p1', 'a.jpg')).toEqual(before)

    const counts = await g.importDump(d2)
    expect(counts).toEqual({ added: 1, changed: 1, gone: 1, unchanged: 2, pending: 0 })
    const a = g.get('p1', 'a.jpg')!
    expect(a).toMatchObject({
      intAttr: 124,
      sourcePath: '/photos/a.jpg',
      sha256: 'a'.repeat(64),
      phash: '00ff00ff00ff00ff',
      thumbnail: 'aa/a.webp',
      addedAt: before.addedAt,
    })
    expect(a.updatedAt).toBeGreaterThan(before.updatedAt)
    expect(g.get('p1', 'b.jpg')?.region).toBe('1,2,3,4')
    expect(g.get('p3', 'd.jpg')).toBeNull()
    expect(g.get('p4', 'e.jpg')?.strAttr2).toBe('新')
    expect(g.findNearPhash('00ff00ff00ff00ff', 0).map((x) => x.picName)).toEqual(['a.jpg'])
    expect(g.query({ text: '新', limit: 5 }).items.map((x) => x.picName)).toEqual(['e.jpg'])
    expect(g.groupByProduct({ limit: 10 }).items.map((x) => [x.productId, x.count])).toEqual([
      ['p1', 2],
      ['p2', 1],
      ['p4', 1],
    ])
    // Every image in the dump was seen by this import.
    const seen = g.query({ limit: 10 }).items.map((x) => x.seenAt)
    expect(new Set(seen).size).toBe(1)
    expect(g.stats().lastImportAt).toBe(seen[0])
    // Importing the same dump again changes nothing.
    expect(await g.importDump(d2)).toEqual({
      added: 0,
      changed: 0,
      gone: 0,
      unchanged: 4,
      pending: 0,
    })
  })

  it('a Region in the dump is applied; absent attributes clear cached ones', async () => {
    const { g, dir } = newGallery()
    g.recordAdded({
      productId: 'p',
      picName: 'a.jpg',
      categoryId: 3,
      customContent: `https://www.aliyun.com/image/a.jpg`,
      intAttr: 123,
      strAttr: '男装',
      intAttr2: 9,
      region: '0,1,0,1',
    })
    const f = writeLines(path.join(dir, 'd.jsonl'), [line('p', 'a.jpg', { Region: '10,20,30,40' })])
    expect(await g.importDump(f)).toMatchObject({ changed: 1 })
    expect(g.get('p', 'a.jpg')).toMatchObject({ region: '10,20,30,40', intAttr2: null })
  })

  it("mirrors the local engine's CategoryNote; a note stays with its category", async () => {
    const { g, dir } = newGallery()
    const other = { CategoryId: '88888888' }
    const note = { ...other, CategoryNote: 'noLabelledNeighbours' }
    // First import: rows with and without the note (both paths: bulk for a first import).
    const f1 = writeLines(path.join(dir, 'd1.jsonl'), [
      line('p', 'a.jpg', note),
      line('p', 'b.jpg', note),
      line('p', 'c.jpg', other),
    ])
    expect(await g.importDump(f1)).toMatchObject({ added: 3 })
    expect(g.get('p', 'a.jpg')!.categoryNote).toBe('noLabelledNeighbours')
    expect(g.get('p', 'c.jpg')!.categoryNote).toBeNull()
    // Later: a gets a category (the note goes), b stays Other without the key (a console export:
    // the note is kept), c gets the note.
    const f2 = writeLines(path.join(dir, 'd2.jsonl'), [
      line('p', 'a.jpg', { CategoryId: '3' }),
      line('p', 'b.jpg', other),
      line('p', 'c.jpg', note),
    ])
    expect(await g.importDump(f2)).toMatchObject({ changed: 2, unchanged: 1 })
    expect(g.get('p', 'a.jpg')).toMatchObject({ categoryId: 3, categoryNote: null })
    expect(g.get('p', 'b.jpg')!.categoryNote).toBe('noLabelledNeighbours')
    expect(g.get('p', 'c.jpg')!.categoryNote).toBe('noLabelledNeighbours')
    // An update that changes the category drops the note; one that gives it keeps it.
    g.recordUpdated({ productId: 'p', picName: 'b.jpg' }, { intAttr: 1 })
    expect(g.get('p', 'b.jpg')!.categoryNote).toBe('noLabelledNeighbours')
    g.recordUpdated({ productId: 'p', picName: 'b.jpg' }, { categoryId: 4 })
    expect(g.get('p', 'b.jpg')).toMatchObject({ categoryId: 4, categoryNote: null })
  })

  it('leaves rows with a pending local change alone', async () => {
    const { g, dir } = newGallery()
    g.recordAdded({ productId: 'p', picName: 'new.jpg', syncState: 'pending-add' })
    g.recordAdded({ productId: 'p', picName: 'upd.jpg', intAttr: 1 })
    g.recordUpdated(
      { productId: 'p', picName: 'upd.jpg' },
      { intAttr: 2, syncState: 'pending-update' },
    )
    g.recordAdded({ productId: 'p', picName: 'del.jpg', syncState: 'pending-delete' })
    g.recordAdded({ productId: 'p', picName: 'err.jpg', syncState: 'error', syncError: 'Timeout' })
    const f = writeLines(path.join(dir, 'd.jsonl'), [
      line('p', 'upd.jpg', { IntAttr: 1 }),
      line('p', 'err.jpg'),
    ])
    expect(await g.importDump(f)).toEqual({
      added: 0,
      changed: 1,
      gone: 0,
      unchanged: 0,
      pending: 3,
    })
    expect(g.get('p', 'new.jpg')?.syncState).toBe('pending-add')
    expect(g.get('p', 'upd.jpg')).toMatchObject({ intAttr: 2, syncState: 'pending-update' })
    expect(g.get('p', 'del.jpg')?.syncState).toBe('pending-delete')
    expect(g.get('p', 'err.jpg')).toMatchObject({
      syncState: 'synced',
      syncError: null,
      intAttr: 123,
    })
  })

  it('a malformed line anywhere aborts with its line number and applies nothing', async () => {
    const { g, dir } = newGallery()
    g.recordAdded({ productId: 'keep', picName: 'k.jpg', strAttr: '男装' })
    const lines: (string | object)[] = []
    for (let i = 0; i < 5000; i++) lines.push(line(`p${i}`, `${i}.jpg`))
    lines.splice(4321, 0, '{"ProductId": "broken", "PicName": ')
    const f = writeLines(path.join(dir, 'bad.jsonl'), lines)
    const before = snapshot(g)
    const err = await g.importDump(f).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(GalleryError)
    expect(err).toMatchObject({ code: 'InvalidDumpLine', line: 4322, httpStatus: 400 })
    expect((err as Error).message).toMatch(/line 4322/)
    expect(snapshot(g)).toEqual(before)
    await expect(g.diffDump(f)).rejects.toMatchObject({ line: 4322 })
    // The cache still works and a good dump imports afterwards.
    const ok = writeLines(
      path.join(dir, 'ok.jsonl'),
      lines.filter((_, i) => i !== 4321),
    )
    expect(await g.importDump(ok)).toMatchObject({ added: 5000, gone: 1 })
  })

  it('a missing file or a cancelled import applies nothing', async () => {
    const { g, dir } = newGallery()
    g.recordAdded({ productId: 'keep', picName: 'k.jpg' })
    await expect(g.importDump(path.join(dir, 'nope.jsonl'))).rejects.toMatchObject({
      code: 'DumpReadFailed',
    })
    const f = writeLines(path.join(dir, 'd.jsonl'), [line('p', 'a.jpg')])
    const ac = new AbortController()
    ac.abort()
    await expect(g.importDump(f, { signal: ac.signal })).rejects.toMatchObject({ code: 'Aborted' })
    expect(g.stats().count).toBe(1)
    expect(g.get('keep', 'k.jpg')).not.toBeNull()
  })

  it('tolerates a BOM, CRLF, blank lines and duplicate keys (last line wins)', async () => {
    const { g, dir } = newGallery()
    const f = path.join(dir, 'd.jsonl')
    fs.writeFileSync(
      f,
      '\uFEFF' +
        [
          JSON.stringify(line('p', 'a.jpg', { IntAttr: 1 })),
          '',
          '   ',
          JSON.stringify(line('p', 'b.jpg')),
          JSON.stringify(line('p', 'a.jpg', { IntAttr: 2 })),
        ].join('\r\n'),
    )
    expect(await g.importDump(f)).toMatchObject({ added: 2 })
    expect(g.get('p', 'a.jpg')?.intAttr).toBe(2)
  })

  it('streams a large dump with progress events (multi-byte text across chunks)', async () => {
    const { g, dir } = newGallery()
    const n = 12_000
    const lines = Array.from({ length: n }, (_, i) =>
      line(`商品-${Math.floor(i / 4)}`, `图片_${i}.jpg`, {
        CustomContent: '雪纺连衣裙 '.repeat(10) + i,
        IntAttr: i,
      }),
    )
    const f = writeLines(path.join(dir, 'big.jsonl'), lines)
    const size = fs.statSync(f).size
    expect(size).toBeGreaterThan(2 * (1 << 20)) // several read chunks
    const events: DumpProgress[] = []
    const counts = await g.importDump(f, { onProgress: (p) => events.push({ ...p }) })
    expect(counts).toEqual({ added: n, changed: 0, gone: 0, unchanged: 0, pending: 0 })
    expect(events[0]).toMatchObject({ phase: 'reading', lines: 0, bytesRead: 0, totalBytes: size })
    expect(events.at(-1)).toEqual({ phase: 'done', lines: n, bytesRead: size, totalBytes: size })
    expect(events.map((e) => e.phase)).toContain('applying')
    for (let i = 1; i < events.length; i++) {
      expect(events[i].lines).toBeGreaterThanOrEqual(events[i - 1].lines)
      expect(events[i].bytesRead).toBeGreaterThanOrEqual(events[i - 1].bytesRead)
    }
    expect(g.stats()).toMatchObject({ count: n, products: n / 4 })
    // Text split across read chunks arrived intact.
    expect(
      g.query({ text: '雪纺连衣裙 雪纺连衣裙 11999', limit: 5 }).items.map((x) => x.picName),
    ).toEqual(['图片_11999.jpg'])
    expect(g.query({ filter: 'int_attr>=11990', limit: 100 }).total).toBe(10)
  })
})
