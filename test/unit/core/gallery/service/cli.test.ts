import fs from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { parseCsv } from '../../../../../electron/core/jobs/csv'
import { loupe } from '../../../../helpers/cli'
import { tempDir } from '../../../../helpers/tmp'

describe('loupe gallery / dump commands', () => {
  const t = tempDir()
  const data = ['--data', t.dir]
  afterAll(() => t.cleanup())

  const dumpFile = path.join(t.dir, 'console-export.jsonl')
  fs.writeFileSync(
    dumpFile,
    [
      { ProductId: 'shoe-1', PicName: 'a.jpg', CategoryId: '7', IntAttr: 10, StrAttr: '红色' },
      { ProductId: 'shoe-1', PicName: 'b.jpg', CategoryId: '7', IntAttr: 20, StrAttr: 'blue' },
      {
        ProductId: 'bag-2',
        PicName: 'c.jpg',
        CategoryId: '3',
        IntAttr: 30,
        CustomContent: 'a=b, "q"',
      },
    ]
      .map((o) => JSON.stringify(o))
      .join('\n'),
  )

  it('imports a console export file, with a dry run first', () => {
    const dry = loupe([...data, 'dump', 'import', dumpFile, '--dry-run', '--json'])
    expect(dry.code, dry.stderr).toBe(0)
    expect(JSON.parse(dry.stdout)).toMatchObject({ added: 3, changed: 0, gone: 0 })
    const r = loupe([...data, 'dump', 'import', dumpFile])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('3 added, 0 changed, 0 removed')
  })

  it('lists the cache as JSON with filters and paging', () => {
    const all = loupe([...data, 'gallery', 'list', '--json', '--sort', 'picName', '--order', 'asc'])
    expect(all.code, all.stderr).toBe(0)
    const page = JSON.parse(all.stdout) as { total: number; items: { picName: string }[] }
    expect(page.total).toBe(3)
    expect(page.items.map((i) => i.picName)).toEqual(['a.jpg', 'b.jpg', 'c.jpg'])

    const f = JSON.parse(
      loupe([...data, 'gallery', 'list', '--json', '--filter', 'int_attr >= 20', '--category', '7'])
        .stdout,
    ) as { total: number; items: { picName: string }[] }
    expect(f).toMatchObject({ total: 1, items: [{ picName: 'b.jpg' }] })
    const q = JSON.parse(loupe([...data, 'gallery', 'list', '--json', '--query', '红']).stdout) as {
      total: number
    }
    expect(q.total).toBe(1)
    const paged = JSON.parse(
      loupe([
        ...data,
        'gallery',
        'list',
        '--json',
        '--sort',
        'picName',
        '--order',
        'asc',
        '--limit',
        '1',
        '--offset',
        '2',
      ]).stdout,
    ) as { total: number; items: { picName: string }[] }
    expect(paged).toMatchObject({ total: 3, items: [{ picName: 'c.jpg' }] })

    const bad = loupe([...data, 'gallery', 'list', '--filter', 'int_attr >'])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/^InvalidFilterClause/)
    expect(loupe([...data, 'gallery', 'list', '--limit', '0']).code).toBe(2)
  })

  it('reads the cache while another process holds a write transaction on it', () => {
    const db = new Database(path.join(t.dir, 'profiles', 'local', 'gallery.db'))
    try {
      db.pragma('busy_timeout = 100')
      db.exec('BEGIN IMMEDIATE')
      db.prepare('DELETE FROM images WHERE pic_name = ?').run('a.jpg')
      // The writer has not committed: the CLI sees the last committed state, without waiting.
      const r = loupe([...data, 'gallery', 'list', '--json'])
      expect(r.code, r.stderr).toBe(0)
      expect((JSON.parse(r.stdout) as { total: number }).total).toBe(3)
    } finally {
      db.exec('ROLLBACK')
      db.close()
    }
  })

  it('exports CSV to a file and increment.meta to stdout', () => {
    const out = path.join(t.dir, 'out.csv')
    const r = loupe([
      ...data,
      'gallery',
      'export',
      '--format',
      'csv',
      '--out',
      out,
      '--product',
      'bag-2',
    ])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain(`1 images → ${out}`)
    const { records } = parseCsv(fs.readFileSync(out, 'utf8'))
    const col = records[0].fields.indexOf('customContent')
    expect(records[1].fields[col]).toBe('a=b, "q"')

    const meta = loupe([
      ...data,
      'gallery',
      'export',
      '--format',
      'meta',
      '--out',
      '-',
      '--filter',
      'int_attr < 30',
    ])
    const lines = meta.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(lines).toEqual([
      {
        OperationType: 'ADD',
        ProductId: 'shoe-1',
        PicName: 'a.jpg',
        CategoryId: 7,
        CustomContent: '',
        IntAttr: 10,
        StrAttr: '红色',
      },
      {
        OperationType: 'ADD',
        ProductId: 'shoe-1',
        PicName: 'b.jpg',
        CategoryId: 7,
        CustomContent: '',
        IntAttr: 20,
        StrAttr: 'blue',
      },
    ])
  })

  it('dumps the (empty) local engine, downloads and imports it: the cache follows the engine', () => {
    const r = loupe([...data, 'dump', '--import', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout) as {
      task: { id: number; status: string; file: { path: string } }
      imported: { added: number; gone: number }
    }
    expect(out.task.status).toBe('SUCCESS')
    expect(fs.existsSync(out.task.file.path)).toBe(true)
    expect(out.imported).toMatchObject({ added: 0, gone: 3 })
    const list = loupe([...data, 'dump', 'list'])
    expect(list.stdout).toMatch(
      new RegExp(`^\\s+${out.task.id}\\s+SUCCESS .*imported .*\\(\\+0 ~0 -3\\)`, 'm'),
    )
    expect(JSON.parse(loupe([...data, 'gallery', 'list', '--json']).stdout)).toEqual({
      total: 0,
      items: [],
    })
  })
})
