import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loupe } from '../../../../helpers/cli'
import { tempDir } from '../../../../helpers/tmp'
import { CATALOGUE_DIR } from '../../../../helpers/images'

const CATALOGUE = CATALOGUE_DIR
const photo = (n: number) => path.join(CATALOGUE, `item${String(n).padStart(4, '0')}.jpg`)

function put(root: string, rel: string, from: number | string | Buffer): string {
  const p = path.join(root, rel)
  fs.mkdirSync(path.dirname(p), { recursive: true })
  if (typeof from === 'number') fs.copyFileSync(photo(from), p)
  else fs.writeFileSync(p, from)
  return p
}

const lines = (out: string) =>
  out
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>)

describe('loupe bulk-add', { timeout: 240_000 }, () => {
  const t = tempDir('loupe-bulk-cli-')
  const src = path.join(t.dir, 'photos')
  const data = path.join(t.dir, 'data')
  beforeAll(() => {
    put(src, 'shirt/shirt_front.jpg', 10)
    put(src, 'shirt/shirt_back.jpg', 11)
    put(src, 'dress/dress_front.jpg', 12)
    put(src, 'dress/dress_side.jpg', 13)
  })
  afterAll(() => t.cleanup())

  it('--dry-run --json prints one object per picture with its ids and outcome, and sends nothing', () => {
    const r = loupe(['--data', data, 'bulk-add', src, '--naming', 'file', '--dry-run', '--json'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const rows = lines(r.stdout)
    expect(rows.map((x) => [x.productId, x.picName, x.action, x.outcome])).toEqual([
      ['dress_front', 'dress_front.jpg', 'add', 'kept'],
      ['dress_side', 'dress_side.jpg', 'add', 'kept'],
      ['shirt_back', 'shirt_back.jpg', 'add', 'kept'],
      ['shirt_front', 'shirt_front.jpg', 'add', 'kept'],
    ])
    expect(rows[0].relPath).toBe('dress/dress_front.jpg')
    expect(rows[0].source).toBe(path.join(src, 'dress/dress_front.jpg'))
    const d = JSON.parse(loupe(['--data', data, 'detail', '--json']).stdout)
    expect(d.instance.totalCount).toBe(0)
  })

  it('derives ids with the folder rule and with templates', () => {
    const folder = lines(loupe(['--data', data, 'bulk-add', src, '--dry-run', '--json']).stdout)
    expect(folder.map((x) => `${x.productId}/${x.picName}`)).toEqual([
      'dress/dress_front.jpg',
      'dress/dress_side.jpg',
      'shirt/shirt_back.jpg',
      'shirt/shirt_front.jpg',
    ])
    const tpl = lines(
      loupe([
        '--data',
        data,
        'bulk-add',
        src,
        '--naming',
        '{product}_{view}.{ext}',
        '--dry-run',
        '--json',
      ]).stdout,
    )
    expect(tpl.map((x) => `${x.productId}/${x.picName}`)).toEqual([
      'dress/dress_front.jpg',
      'dress/dress_side.jpg',
      'shirt/shirt_back.jpg',
      'shirt/shirt_front.jpg',
    ])
    const nested = lines(
      loupe([
        '--data',
        data,
        'bulk-add',
        src,
        '--naming',
        '{product}/{name}',
        '--dry-run',
        '--json',
      ]).stdout,
    )
    expect(nested.map((x) => x.productId)).toEqual(['dress', 'dress', 'shirt', 'shirt'])
  })

  it('a dry run with a picture it would refuse says why and exits 1; usage errors exit 2', () => {
    const bad = path.join(t.dir, 'bad')
    put(bad, 'a/ok.jpg', 20)
    put(bad, 'a/broken.jpg', 'not a picture at all')
    const r = loupe(['--data', data, 'bulk-add', bad, '--dry-run'])
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/^reject\s+a \/ broken\.jpg\s+a\/broken\.jpg\s+\w+: .*broken\.jpg/m)
    expect(r.stdout).toMatch(/^kept\s+a \/ ok\.jpg/m)
    expect(r.stdout).toContain('1 to add, 0 skipped, 1 rejected (dry run: nothing was sent)')

    const rule = loupe(['--data', data, 'bulk-add', src, '--naming', '{name}.jpg', '--dry-run'])
    expect(rule.code).toBe(1)
    expect(rule.stderr).toMatch(/^InvalidNamingRule: .*\{product\}/)
    expect(loupe(['--data', data, 'bulk-add', '--dry-run']).code).toBe(2)
    expect(loupe(['--data', data, 'bulk-add', src, '--duplicates', 'maybe']).code).toBe(2)
    expect(loupe(['--data', data, 'bulk-add', src, '--int-attr', 'x']).code).toBe(2)
  })

  it('adds with the given attributes, exits 0, and a second run skips the unchanged pictures', () => {
    const r = loupe([
      '--data',
      data,
      'bulk-add',
      src,
      '--naming',
      'file',
      '--int-attr',
      '41',
      '--str-attr',
      'bulk-cli',
      '--json',
    ])
    expect(r.code).toBe(0)
    const s = JSON.parse(r.stdout)
    expect(s).toMatchObject({ type: 'summary', state: 'done', total: 4, done: 4, failed: 0 })
    expect(s.resumed).toBe(false)
    const found = JSON.parse(
      loupe([
        '--data',
        data,
        'search',
        '--filter',
        'int_attr = 41 AND str_attr = "bulk-cli"',
        '--json',
      ]).stdout,
    )
    expect(found.auctions.map((a: { productId: string }) => a.productId).sort()).toEqual([
      'dress_front',
      'dress_side',
      'shirt_back',
      'shirt_front',
    ])
    // a picture searched for finds itself first
    const self = JSON.parse(
      loupe(['--data', data, 'search', '--image', path.join(src, 'dress/dress_side.jpg'), '--json'])
        .stdout,
    )
    expect(self.auctions[0].productId).toBe('dress_side')

    const again = loupe(['--data', data, 'bulk-add', src, '--naming', 'file'])
    expect(again.code).toBe(0)
    expect(again.stdout).toMatch(/^Job \d+ done: 0 added, 0 failed, 4 skipped of 4/)
    expect(again.stdout).toContain('Unchanged')
    const d = JSON.parse(loupe(['--data', data, 'detail', '--json']).stdout)
    expect(d.instance.totalCount).toBe(4)
  })

  it('adds identical files of one batch, flagging each; skips a copy of a gallery picture unless --duplicates add', () => {
    const dups = path.join(t.dir, 'dups')
    put(dups, 'a/first.jpg', 50)
    put(dups, 'b/second.jpg', 50) // the same bytes as a/first.jpg
    put(dups, 'b/other.jpg', 51)
    const d2 = path.join(t.dir, 'data-dups')
    const dry = loupe(['--data', d2, 'bulk-add', dups, '--dry-run', '--json'])
    expect(dry.code).toBe(0)
    const rows = lines(dry.stdout)
    expect(rows.map((x) => [x.relPath, x.action])).toEqual([
      ['a/first.jpg', 'add'],
      ['b/other.jpg', 'add'],
      ['b/second.jpg', 'add'],
    ])
    // both copies flagged, each naming the other file
    expect(rows[0].duplicate).toEqual({
      kind: 'exact',
      existing: [{ productId: 'b', picName: 'second.jpg', relPath: 'b/second.jpg', inPlan: true }],
    })
    expect(rows[2].duplicate).toEqual({
      kind: 'exact',
      existing: [{ productId: 'a', picName: 'first.jpg', relPath: 'a/first.jpg', inPlan: true }],
    })
    expect(rows[1].duplicate).toBeNull()
    const text = loupe(['--data', d2, 'bulk-add', dups, '--dry-run'])
    expect(text.stdout).toMatch(
      /^kept\s+a \/ first\.jpg .*\[exact duplicate of b\/second\.jpg \(this batch: b\/second\.jpg\)\]$/m,
    )
    expect(text.stdout).toContain('3 to add (2 identical to another file of this batch')

    const run = loupe(['--data', d2, 'bulk-add', dups, '--json'])
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({ state: 'done', total: 3, done: 3, skipped: 0 })
    const count = () =>
      JSON.parse(loupe(['--data', d2, 'detail', '--json']).stdout).instance.totalCount as number
    expect(count()).toBe(3)

    // later, a copy of b/other.jpg under another id: flagged and skipped by default…
    const later = path.join(t.dir, 'later')
    put(later, 'c/copy.jpg', 51)
    put(later, 'c/new.jpg', 52)
    const plan = lines(loupe(['--data', d2, 'bulk-add', later, '--dry-run', '--json']).stdout)
    expect(plan[0]).toMatchObject({
      relPath: 'c/copy.jpg',
      action: 'skip',
      reason: { code: 'DuplicateImage' },
      duplicate: { kind: 'exact', existing: [{ productId: 'b', picName: 'other.jpg' }] },
    })
    const skipped = loupe(['--data', d2, 'bulk-add', later, '--json'])
    expect(skipped.code).toBe(0)
    expect(JSON.parse(skipped.stdout)).toMatchObject({ done: 1, skipped: 1 })
    expect(count()).toBe(4)
    // …and added with --duplicates add
    const anyway = loupe(['--data', d2, 'bulk-add', later, '--duplicates', 'add', '--json'])
    expect(anyway.code).toBe(0)
    expect(JSON.parse(anyway.stdout)).toMatchObject({ done: 1, skipped: 1 }) // c/new.jpg: unchanged
    expect(count()).toBe(5)
  })

  it('lists failed pictures with the reason and exits 1', () => {
    const mixed = path.join(t.dir, 'mixed')
    put(mixed, 'p/good.jpg', 30)
    put(
      mixed,
      'p/tiny.png',
      Buffer.from(
        'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
        'base64',
      ),
    )
    const r = loupe(['--data', data, 'bulk-add', mixed, '--naming', 'file'])
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/done: 1 added, 1 failed, 0 skipped of 2/)
    expect(r.stdout).toMatch(/Failed:\n\s+.*tiny\.png\s+tiny \/ tiny\.png\s+UnsupportedPicPixels: /)
    const jobs = JSON.parse(loupe(['--data', data, 'jobs', 'list', '--json']).stdout)
    const last = jobs.jobs[0]
    expect(last).toMatchObject({ state: 'done', done: 1, failed: 1 })
    const csv = loupe(['--data', data, 'jobs', 'failures', String(last.jobId)])
    expect(csv.code).toBe(0)
    expect(csv.stdout.split('\r\n')[0]).toBe('key,productId,picName,source,code,message,attempts')
    expect(csv.stdout).toContain('tiny.png')
  })
})
