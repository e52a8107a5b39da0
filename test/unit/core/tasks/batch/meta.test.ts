import fs from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  BatchMetaError,
  parseErrorFile,
  planBatchLines,
} from '../../../../../electron/core/tasks/batch/meta'
import { place, tmp, cleanupTmp } from './helpers'

// Registered first, so it runs last (after hooks run in reverse order).
afterAll(() => cleanupTmp())

function writeLines(file: string, lines: unknown[]): void {
  fs.writeFileSync(
    file,
    lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n'),
  )
}

describe('increment.meta from a folder', () => {
  it('lists every picture with PicName relative to the folder and the naming rule’s ProductId', async () => {
    const dir = tmp()
    place(dir, { 'shoes/a.jpg': 1, 'shoes/sub/b.jpg': 2, 'bags/c.jpg': 3, 'loose.jpg': 4 })
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'not a picture')
    const lines = await planBatchLines(
      { type: 'folder', path: dir },
      { naming: 'folder', defaults: { categoryId: 3, strAttr: 'summer' } },
    )
    const ok = lines.filter((l) => !l.error)
    expect(ok.map((l) => [l.meta.ProductId, l.meta.PicName]).sort()).toEqual(
      [
        ['bags', 'bags/c.jpg'],
        ['shoes', 'shoes/a.jpg'],
        ['sub', 'shoes/sub/b.jpg'],
        [path.basename(dir), 'loose.jpg'],
      ].sort(),
    )
    for (const l of ok) {
      expect(l.meta.OperationType).toBe('ADD')
      expect(l.meta.CategoryId).toBe(3)
      expect(l.meta.StrAttr).toBe('summer')
      expect(fs.existsSync(l.source!)).toBe(true)
      expect(l.meta.PicName!.startsWith('/')).toBe(false)
    }
  })

  it('sets apart the pictures the naming rule cannot name, with the reason', async () => {
    const dir = tmp()
    place(dir, { 'p1_front.jpg': 1, 'nounderscore.jpg': 2 })
    const lines = await planBatchLines(
      { type: 'folder', path: dir },
      { naming: '{product}_{view}.{ext}' },
    )
    const good = lines.find((l) => l.meta.PicName === 'p1_front.jpg')!
    expect(good.error).toBeUndefined()
    expect(good.meta.ProductId).toBe('p1')
    const bad = lines.find((l) => l.origin === 'nounderscore.jpg')!
    expect(bad.error?.code).toBe('NamingRuleMismatch')
    expect(bad.error?.message).toContain('nounderscore.jpg')
  })

  it('refuses a missing folder', async () => {
    await expect(planBatchLines({ type: 'folder', path: '/nonexistent/folder/x' })).rejects.toThrow(
      /does not exist/,
    )
  })
})

describe('increment.meta from a selection of files', () => {
  it('names pictures relative to their common folder', async () => {
    const dir = tmp()
    place(dir, { 'a/x.jpg': 1, 'a/b/y.jpg': 2 })
    const lines = await planBatchLines(
      { type: 'files', paths: [path.join(dir, 'a/x.jpg'), path.join(dir, 'a/b/y.jpg')] },
      { naming: 'file' },
    )
    expect(lines.map((l) => [l.meta.ProductId, l.meta.PicName])).toEqual([
      ['x', 'x.jpg'],
      ['y', 'b/y.jpg'],
    ])
  })

  it('refuses files outside the given root', async () => {
    const dir = tmp()
    place(dir, { 'root/x.jpg': 1, 'elsewhere/y.jpg': 2 })
    const err = await planBatchLines({
      type: 'files',
      root: path.join(dir, 'root'),
      paths: [path.join(dir, 'root/x.jpg'), path.join(dir, 'elsewhere/y.jpg')],
    }).catch((e) => e)
    expect(err).toBeInstanceOf(BatchMetaError)
    expect(err.code).toBe('InvalidPicName')
    expect(err.message).toContain('elsewhere')
  })
})

describe('increment.meta from a manifest', () => {
  it('keeps ADD and DELETE lines of an increment.meta, with their attributes', async () => {
    const dir = tmp()
    place(dir, { 'girl_cloth1.jpg': 1, 'girlCloth/girl_cloth10.jpg': 2 })
    const meta = path.join(dir, 'increment.meta')
    writeLines(meta, [
      {
        OperationType: 'ADD',
        ProductId: '1000',
        PicName: 'girl_cloth1.jpg',
        CategoryId: 0,
        IntAttr: 0,
        StrAttr: 'value1',
        CustomContent: 'k1:v1',
        Region: '20,40,60,80',
      },
      {
        OperationType: 'ADD',
        ProductId: '1006',
        PicName: 'girlCloth/girl_cloth10.jpg',
        CustomContent: 'k1:v1,k2:v2',
      },
      { OperationType: 'DELETE', ProductId: '1004', PicName: 'fengyi.jpg' },
      { OperationType: 'DELETE', ProductId: '1005' },
      { OperationType: 'ADD', ProductId: '1007', PicName: 'no-extension' },
      'not json',
    ])
    const lines = await planBatchLines({ type: 'manifest', path: meta })
    const byOrigin = Object.fromEntries(lines.map((l) => [l.origin, l]))
    expect(byOrigin['increment.meta:1'].meta).toEqual({
      OperationType: 'ADD',
      ProductId: '1000',
      PicName: 'girl_cloth1.jpg',
      CategoryId: 0,
      CustomContent: 'k1:v1',
      IntAttr: 0,
      StrAttr: 'value1',
      Region: '20,40,60,80',
    })
    expect(byOrigin['increment.meta:1'].source).toBe(path.join(dir, 'girl_cloth1.jpg'))
    expect(byOrigin['increment.meta:2'].meta.PicName).toBe('girlCloth/girl_cloth10.jpg')
    expect(byOrigin['increment.meta:3'].meta).toEqual({
      OperationType: 'DELETE',
      ProductId: '1004',
      PicName: 'fengyi.jpg',
    })
    expect(byOrigin['increment.meta:4'].meta).toEqual({
      OperationType: 'DELETE',
      ProductId: '1005',
    })
    expect(byOrigin['increment.meta:5'].error?.message).toMatch(/extension/)
    expect(byOrigin['increment.meta:6'].error?.message).toMatch(/JSON/)
  })

  it('refuses an increment.meta whose PicNames escape the folder, naming the lines', async () => {
    const dir = tmp()
    place(dir, { 'in/ok.jpg': 1, 'secret.jpg': 2 })
    const meta = path.join(dir, 'in', 'increment.meta')
    writeLines(meta, [
      { OperationType: 'ADD', ProductId: '1', PicName: 'ok.jpg' },
      { OperationType: 'ADD', ProductId: '2', PicName: '../secret.jpg' },
      { OperationType: 'ADD', ProductId: '3', PicName: path.join(dir, 'secret.jpg') },
      { OperationType: 'ADD', ProductId: '4', PicName: 'C:/Windows/x.jpg' },
    ])
    const err = await planBatchLines({ type: 'manifest', path: meta }).catch((e) => e)
    expect(err).toBeInstanceOf(BatchMetaError)
    expect(err.code).toBe('InvalidPicName')
    expect(err.hint).toMatch(/relative/)
    expect(err.escapes.map((e: { origin: string }) => e.origin)).toEqual([
      'increment.meta:2',
      'increment.meta:3',
      'increment.meta:4',
    ])
    expect(err.message).toContain('../secret.jpg')
    expect(err.message).toMatch(/absolute path/)
  })

  it('refuses a CSV manifest whose paths lead outside its folder', async () => {
    const dir = tmp()
    place(dir, { 'm/a.jpg': 1, 'outside.jpg': 2 })
    const csv = path.join(dir, 'm', 'list.csv')
    fs.writeFileSync(
      csv,
      `path,productId\na.jpg,p1\n../outside.jpg,p2\n${path.join(dir, 'outside.jpg')},p3\n`,
    )
    const err = await planBatchLines({ type: 'manifest', path: csv }).catch((e) => e)
    expect(err).toBeInstanceOf(BatchMetaError)
    expect(err.escapes).toHaveLength(2)
    expect(err.message).toMatch(/list\.csv:3/)
  })

  it('takes PicName from the manifest and sets apart two pictures claiming the same PicName', async () => {
    const dir = tmp()
    place(dir, { 'x/a.jpg': 1, 'y/a.jpg': 2 })
    const jsonl = path.join(dir, 'list.jsonl')
    writeLines(jsonl, [
      { path: 'x/a.jpg', productId: 'p1', picName: 'a.jpg' },
      { path: 'y/a.jpg', productId: 'p2', picName: 'a.jpg' },
      { path: 'x/a.jpg', productId: 'p3', picName: 'a.jpg' },
    ])
    const lines = await planBatchLines({ type: 'manifest', path: jsonl })
    expect(lines[0].error).toBeUndefined()
    expect(lines[1].error?.code).toBe('DuplicatePicName')
    // the same file under another product is fine (one file, two lines)
    expect(lines[2].error).toBeUndefined()
  })
})

describe('error files', () => {
  it('reads the local engine’s JSON lines and keeps other lines as messages', () => {
    const lines = parseErrorFile(
      [
        JSON.stringify({
          Line: 3,
          OperationType: 'ADD',
          ProductId: 'p',
          PicName: 'a.jpg',
          Code: 'UnsupportedPicFormat',
          Message: 'bad picture',
        }),
        'plain text problem',
        '',
        JSON.stringify({ line_no: '7', product_id: 'q', error_code: 'X', error_message: 'y' }),
      ].join('\n'),
    )
    expect(lines).toEqual([
      {
        line: 3,
        operation: 'ADD',
        productId: 'p',
        picName: 'a.jpg',
        code: 'UnsupportedPicFormat',
        message: 'bad picture',
      },
      {
        line: null,
        operation: null,
        productId: null,
        picName: null,
        code: null,
        message: 'plain text problem',
      },
      { line: 7, operation: null, productId: 'q', picName: null, code: 'X', message: 'y' },
    ])
  })
})
