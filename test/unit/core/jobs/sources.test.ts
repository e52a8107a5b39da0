import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { readSources, type SourceEntry } from '../../../../electron/core/jobs/bulk-add/sources'
import { validateItem } from '../../../../electron/core/jobs/bulk-add/fields'
import { tempDir } from './helpers'

async function all(sources: Parameters<typeof readSources>[0], opts = {}): Promise<SourceEntry[]> {
  const out: SourceEntry[] = []
  for await (const e of readSources(sources, opts)) out.push(e)
  return out
}

function touch(root: string, rel: string, content = 'x'): string {
  const p = path.join(root, rel)
  fs.mkdirSync(path.dirname(p), { recursive: true })
  fs.writeFileSync(p, content)
  return p
}

describe('folder sources', () => {
  it('walks recursively in name order, image extensions in any case, no hidden files', async () => {
    const root = path.join(tempDir(), 'catalogue')
    for (const f of [
      'B/2.JPG',
      'B/1.jpeg',
      'A/x.png',
      'A/deep/y.TIFF',
      'A/z.webp',
      'c.gif',
      'd.bmp',
      'e.ppm',
      'f.pgm',
      'g.pbm',
      'h.tif',
      'i.pnm',
      '.hidden.jpg',
      '.git/k.jpg',
      'notes.txt',
      'A/readme.md',
      'noext',
    ]) {
      touch(root, f)
    }
    const entries = await all([root])
    expect(entries.map((e) => e.relPath)).toEqual([
      'A/deep/y.TIFF',
      'A/x.png',
      'A/z.webp',
      'B/1.jpeg',
      'B/2.JPG',
      'c.gif',
      'd.bmp',
      'e.ppm',
      'f.pgm',
      'g.pbm',
      'h.tif',
      'i.pnm',
    ])
    expect(entries.every((e) => e.rootName === 'catalogue' && !e.error)).toBe(true)
    expect(entries[0].source).toBe(path.join(root, 'A', 'deep', 'y.TIFF'))
    const flat = await all([root], { recursive: false })
    expect(flat.map((e) => e.relPath)).toEqual([
      'c.gif',
      'd.bmp',
      'e.ppm',
      'f.pgm',
      'g.pbm',
      'h.tif',
      'i.pnm',
    ])
  })

  it('single files: their folder is the root; non-pictures and missing paths are reported', async () => {
    const root = tempDir()
    const pic = touch(root, 'SKU1/front.jpg')
    const txt = touch(root, 'SKU1/notes.txt')
    const [a, b, c] = await all([pic, txt, path.join(root, 'gone.jpg')])
    expect(a).toMatchObject({ relPath: 'front.jpg', rootName: 'SKU1', source: pic })
    expect(b.error?.code).toBe('UnsupportedPicFormat')
    expect(c.error).toMatchObject({ code: 'ImageUnreadable' })
    expect(c.error!.message).toMatch(/does not exist/)
  })
})

describe('CSV manifests', () => {
  it('reads case-insensitive headers, RFC 4180 quoting, typed fields; paths relative to the manifest', async () => {
    const dir = tempDir()
    const csv = [
      'ProductID,PICNAME,Path,category_id,CustomContent,IntAttr,intattr2,StrAttr,STRATTR4,Region,Crop,unknown',
      'P1,front.jpg,img/a.jpg,3,"Red bag, large",12,-4,"say ""hi""",x,"10,200,20,300",false,zzz',
      'P2,,img/b.jpg,,"multi',
      'line",,,,,,yes,',
      ',,img/sub/c.jpg,,,,,,,,,',
    ].join('\r\n')
    const file = touch(dir, 'list.csv', csv)
    const e = await all([file])
    expect(e).toHaveLength(3)
    expect(e[0]).toMatchObject({
      op: 'add',
      source: path.join(dir, 'img', 'a.jpg'),
      origin: 'list.csv:2',
      relPath: 'img/a.jpg',
      productId: 'P1',
      picName: 'front.jpg',
      fields: {
        categoryId: 3,
        customContent: 'Red bag, large',
        intAttr: 12,
        intAttr2: -4,
        strAttr: 'say "hi"',
        strAttr4: 'x',
        region: '10,200,20,300',
        crop: false,
      },
    })
    expect(e[1]).toMatchObject({
      origin: 'list.csv:3',
      productId: 'P2',
      picName: null,
      fields: { customContent: 'multi\r\nline', crop: true },
    })
    // no productId: the naming rule will apply
    expect(e[2]).toMatchObject({ origin: 'list.csv:5', productId: null, relPath: 'img/sub/c.jpg' })
  })

  it('reports malformed lines with file, line and problem, and keeps the valid ones', async () => {
    const dir = tempDir()
    const csv = [
      'productId,file,intAttr,crop,categoryId',
      'ok1,a.jpg,1,true,0',
      'bad-count,b.jpg,1',
      'bad-int,c.jpg,1.5,true,0',
      'bad-quote,d"x.jpg,1,true,0',
      'bad-bool,e.jpg,1,maybe,0',
      'bad-cat,f.jpg,1,true,shoes',
      'nopath,,1,true,0',
      'ok2,g.jpg,2,false,4',
    ].join('\n')
    const file = touch(dir, 'm.csv', csv)
    const e = await all([file])
    expect(e.map((x) => x.origin ?? x.error?.message)).toEqual([
      'm.csv:2',
      'm.csv:3',
      'm.csv:4',
      'm.csv:5',
      'm.csv:6',
      'm.csv:7',
      'm.csv:8',
      'm.csv:9',
    ])
    const good = e.filter((x) => !x.error)
    expect(good.map((x) => x.productId)).toEqual(['ok1', 'ok2'])
    const errs = e.filter((x) => x.error).map((x) => x.error!)
    expect(errs[0].message).toBe(`${file} line 3: 3 fields, but the header has 5`)
    expect(errs[1]).toEqual({
      code: 'InvalidIntAttr',
      message: `${file} line 4: intAttr must be an integer, got "1.5"`,
    })
    expect(errs[2].message).toMatch(
      new RegExp(
        `^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} line 5: a quote inside an unquoted field`,
      ),
    )
    expect(errs[3].message).toMatch(/line 6: crop must be true or false, got "maybe"/)
    expect(errs[4]).toMatchObject({ code: 'InvalidCategory' })
    expect(errs[4].message).toMatch(/line 7: categoryId must be an integer/)
    expect(errs[5].message).toMatch(/line 8: no path, file or picName/)
  })

  it('refuses a header without a path column, or with a column twice', async () => {
    const dir = tempDir()
    const a = await all([touch(dir, 'a.csv', 'productId,categoryId\nP1,3\n')])
    expect(a).toHaveLength(1)
    expect(a[0].error).toMatchObject({ code: 'InvalidManifest' })
    expect(a[0].error!.message).toMatch(
      /line 1: the header row needs a path, file or picName column/,
    )
    const b = await all([touch(dir, 'b.csv', 'ProductId,path,product_id\nP1,x.jpg,P2\n')])
    expect(b[0].error!.message).toMatch(/columns "ProductId" and "product_id" are the same field/)
  })
})

describe('JSON-lines manifests', () => {
  it('accepts camelCase and PascalCase keys, ADD and DELETE, and reports bad lines', async () => {
    const dir = tempDir()
    const lines = [
      '{"productId":"P1","path":"pics/a.jpg","intAttr":5,"strAttr2":"blue"}',
      '{"ProductId":"P2","PicName":"b.png","CategoryId":"3","Crop":false}',
      '',
      '{"productId":"P3","path":',
      '[1,2]',
      '{"OperationType":"DELETE","ProductId":"P9"}',
      '{"OperationType":"UPSERT","ProductId":"P9","PicName":"x.jpg"}',
      '{"productId":{"a":1},"path":"x.jpg"}',
    ].join('\n')
    const file = touch(dir, 'list.jsonl', lines)
    const e = await all([file])
    expect(e).toHaveLength(7)
    expect(e[0]).toMatchObject({
      op: 'add',
      productId: 'P1',
      picName: null,
      source: path.join(dir, 'pics', 'a.jpg'),
      fields: { intAttr: 5, strAttr2: 'blue' },
    })
    expect(e[1]).toMatchObject({
      productId: 'P2',
      picName: 'b.png',
      fields: { categoryId: 3, crop: false },
    })
    expect(e[1].source).toBe(path.join(dir, 'b.png'))
    expect(e[2].error!.message).toMatch(/list\.jsonl line 4: not valid JSON/)
    expect(e[3].error!.message).toMatch(/line 5: expected one JSON object per line/)
    expect(e[4]).toMatchObject({
      op: 'delete',
      productId: 'P9',
      picName: null,
      origin: 'list.jsonl:6',
    })
    expect(e[5].error!.message).toMatch(/line 7: OperationType must be ADD or DELETE/)
    expect(e[6].error!.message).toMatch(/line 8: productId must be text/)
  })
})

describe('increment.meta', () => {
  it('reads the cloud batch format: PicName relative to the meta file, no escape', async () => {
    const dir = tempDir()
    // the documented example, plus bad lines
    const meta = [
      '{"OperationType": "ADD","ProductId": "1000","PicName": "girl_cloth1.jpg","CategoryId": 0,"IntAttr": 0,"StrAttr": "value1","CustomContent": "k1:v1,k2:v2,k3:v3","Region": "20,40,60,80"}',
      '{"OperationType": "ADD","ProductId": "1002","PicName": "girl_cloth4.jpg","CategoryId": 0,"CustomContent": "k1:v1,k2:v2,k3:v3","Crop": false}',
      '{"OperationType": "ADD","ProductId": "1006","PicName": "girlCloth/girl_cloth10.jpg","CustomContent": "k1:v1,k2:v2,k3:v3"}',
      '{"OperationType": "DELETE","ProductId": "1004","PicName": "fengyi.jpg"}',
      '{"OperationType": "DELETE","ProductId": "1005"}',
      '{"OperationType": "ADD","ProductId": "1007","PicName": "../outside.jpg"}',
      '{"OperationType": "ADD","ProductId": "1008","PicName": "/abs.jpg"}',
      '{"OperationType": "ADD","ProductId": "1009","PicName": "girl_cloth10"}',
      '{"ProductId": "1010","PicName": "a.jpg"}',
      '{"OperationType": "ADD","PicName": "a.jpg"}',
      '{"OperationType": "ADD","ProductId": "1011","PicName": "a.jpg","IntAttr": "many"}',
    ].join('\n')
    const file = touch(dir, 'increment.meta', meta)
    const e = await all([file])
    expect(e).toHaveLength(11)
    expect(e[0]).toMatchObject({
      op: 'add',
      productId: '1000',
      picName: 'girl_cloth1.jpg',
      source: path.join(dir, 'girl_cloth1.jpg'),
      origin: 'increment.meta:1',
      fields: {
        categoryId: 0,
        intAttr: 0,
        strAttr: 'value1',
        customContent: 'k1:v1,k2:v2,k3:v3',
        region: '20,40,60,80',
      },
    })
    expect(e[1].fields.crop).toBe(false)
    expect(e[2]).toMatchObject({
      picName: 'girlCloth/girl_cloth10.jpg',
      source: path.join(dir, 'girlCloth', 'girl_cloth10.jpg'),
    })
    expect(e[3]).toMatchObject({ op: 'delete', productId: '1004', picName: 'fengyi.jpg' })
    expect(e[4]).toMatchObject({ op: 'delete', productId: '1005', picName: null })
    expect(e[5].error!.message).toMatch(/line 6: .*must stay inside the folder of increment\.meta/)
    expect(e[6].error!.message).toMatch(/line 7: .*without a leading or trailing/)
    expect(e[7].error!.message).toMatch(/line 8: .*needs a file name extension/)
    expect(e[8].error!.message).toMatch(/line 9: OperationType \(ADD or DELETE\) is required/)
    expect(e[9].error!.message).toMatch(/line 10: ProductId is required/)
    expect(e[10].error).toMatchObject({ code: 'InvalidIntAttr' })
  })
})

describe('field validation', () => {
  it('checks ids and fields against the documented limits', () => {
    const ids = { productId: 'P1', picName: 'a.jpg' }
    expect(
      validateItem(ids, {
        categoryId: 3,
        intAttr: -5,
        strAttr: 'x'.repeat(128),
        customContent: 'y'.repeat(4096),
        region: '0,10,0,10',
      }),
    ).toEqual([])
    const problems = validateItem(
      { productId: 'p'.repeat(513), picName: '' },
      {
        categoryId: 77,
        customContent: 'y'.repeat(4097),
        intAttr2: 2 ** 31,
        intAttr3: 1.5,
        strAttr3: 'z'.repeat(129),
        region: '10,5,0,10',
      },
    )
    expect(problems.map((p) => p.code)).toEqual([
      'BadRequest',
      'BadRequest',
      'InvalidCategory',
      'BadRequest',
      'InvalidIntAttr',
      'InvalidIntAttr',
      'BadRequest',
      'InvalidRegion',
    ])
    expect(problems[0].message).toBe('productId is 513 characters long; at most 512 are allowed')
    // 512 characters, the API reference's limit, pass (the console's form counts to 256).
    expect(validateItem({ productId: 'p'.repeat(512), picName: 'n'.repeat(512) }, {})).toEqual([])
    expect(
      validateItem({ productId: 'p', picName: 'n'.repeat(513) }, {}).map((p) => p.message),
    ).toEqual(['picName is 513 characters long; at most 512 are allowed'])
    expect(problems[1].message).toBe('picName is required')
    expect(validateItem(ids, { region: '1,2,3' })[0].code).toBe('InvalidRegion')
    expect(validateItem(ids, { categoryId: 5 }, { categories: [1, 2] })[0].code).toBe(
      'InvalidCategory',
    )
    expect(validateItem({ productId: 'P', picName: null }, {}, {}, 'delete')).toEqual([])
    expect(validateItem({ productId: 'a\nb', picName: 'x' }, {})[0].message).toMatch(
      /control characters/,
    )
  })
})
