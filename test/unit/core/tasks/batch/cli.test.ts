import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loupe, serve } from '../../../../helpers/cli'
import { place, tmp, cleanupTmp } from './helpers'

// Registered first, so it runs last (after hooks run in reverse order).
afterAll(() => cleanupTmp())

describe('loupe batch and loupe watch', { timeout: 240_000 }, () => {
  const root = tmp('loupe-batch-cli-')
  const data = path.join(root, 'data')
  let served: Awaited<ReturnType<typeof serve>> | null = null
  afterAll(() => {
    served?.proc.kill('SIGTERM')
  })

  it('batch create --wait runs a folder to the end, lists what failed, exits 1', () => {
    const src = path.join(root, 'src')
    place(src, { 'p1/a.jpg': 70, 'p1/b.jpg': 71 })
    fs.writeFileSync(path.join(src, 'p1', 'bad.jpg'), crypto.randomBytes(2000))
    const r = loupe(['--data', data, 'batch', 'create', '--from', src, '--wait'])
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/Batch task 1: 3 lines/)
    expect(r.stdout).toMatch(/success .*2 ok, 0 failed, 1 set apart of 3/)
    expect(r.stdout).toContain('p1/bad.jpg')
    expect(r.stdout).toContain('loupe batch retry 1')
    const list = loupe(['--data', data, 'batch', 'list', '--json'])
    expect(list.code).toBe(0)
    const tasks = JSON.parse(list.stdout).tasks
    expect(tasks).toHaveLength(1)
    expect(tasks[0]).toMatchObject({ id: 1, state: 'success', linesOk: 2, linesRejected: 1 })
  })

  it('batch create refuses an increment.meta escaping its folder (exit 1, nothing queued)', () => {
    const dir = path.join(root, 'escape')
    place(dir, { 'in/x.jpg': 72 })
    fs.writeFileSync(
      path.join(dir, 'in', 'increment.meta'),
      JSON.stringify({ OperationType: 'ADD', ProductId: 'x', PicName: '../../etc/x.jpg' }) + '\n',
    )
    const r = loupe([
      '--data',
      data,
      'batch',
      'create',
      '--from',
      path.join(dir, 'in', 'increment.meta'),
    ])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^InvalidPicName: .*increment\.meta:1/)
    expect(
      JSON.parse(loupe(['--data', data, 'batch', 'list', '--json']).stdout).tasks,
    ).toHaveLength(1)
  })

  it('watch add, list, reconcile (preview, then --apply) without a host running', () => {
    const folder = path.join(root, 'watched')
    place(folder, { 'shoe/1.jpg': 73, 'shoe/2.jpg': 74 })
    const add = loupe([
      '--data',
      data,
      'watch',
      'add',
      folder,
      '--on-delete',
      'remove',
      '--exclude',
      '**/tmp*',
    ])
    expect(add.code).toBe(0)
    expect(add.stdout).toContain('No Loupe host is running')
    const list = JSON.parse(loupe(['--data', data, 'watch', 'list', '--json']).stdout)
    expect(list.runner).toBeNull()
    expect(list.rules[0]).toMatchObject({
      folder,
      onDelete: 'remove',
      exclude: ['**/tmp*'],
      state: 'idle',
    })

    const preview = loupe(['--data', data, 'watch', 'reconcile', '1'])
    expect(preview.code).toBe(0)
    expect(preview.stdout).toMatch(/^2 to add, 0 to update, 0 to delete, 0 unchanged/)
    expect(preview.stdout).toContain('Nothing was sent')

    const apply = loupe(['--data', data, 'watch', 'reconcile', '1', '--apply'])
    expect(apply.code).toBe(0)
    expect(apply.stdout).toMatch(/Job \d+: 2 done, 0 failed/)
    const again = loupe(['--data', data, 'watch', 'reconcile', '1'])
    expect(again.stdout).toMatch(/^0 to add, 0 to update, 0 to delete, 2 unchanged/)
    const rescan = loupe(['--data', data, 'watch', 'rescan', '1'])
    expect(rescan.code, rescan.stderr).toBe(0)
    expect(rescan.stdout).toContain('No Loupe host is watching folders now')
  })

  it('a running host picks up a rule added by the CLI and runs it; reconcile --apply is delegated to it', async () => {
    served = await serve(['--data', data, '--port', '0'])
    const folder = path.join(root, 'watched2')
    place(folder, { 'hat/1.jpg': 75 })
    expect(loupe(['--data', data, 'watch', 'add', folder]).stdout).toMatch(
      /host \(pid \d+\) watches it/,
    )
    const until = async (fn: () => boolean, ms = 60_000) => {
      const end = Date.now() + ms
      while (!fn()) {
        if (Date.now() > end) throw new Error('timed out')
        await new Promise((r) => setTimeout(r, 500))
      }
    }
    const rule2 = () =>
      JSON.parse(loupe(['--data', data, 'watch', 'list', '--json']).stdout).rules.find(
        (r: { folder: string }) => r.folder === folder,
      )
    await until(() => rule2()?.counts.synced === 1)
    expect(rule2().state).toBe('watching')
    // a rescan runs where the watchers run, and the command waits for it
    const rescan = loupe(['--data', data, 'watch', 'rescan', String(rule2().id)])
    expect(rescan.code, rescan.stderr).toBe(0)
    expect(rescan.stdout).toMatch(/watching .* 1 synced, 0 pending, 0 failed, 0 rejected/)
    loupe(['--data', data, 'watch', 'pause', String(rule2().id)])
    const paused = loupe(['--data', data, 'watch', 'rescan', String(rule2().id)])
    expect(paused.code).toBe(1)
    expect(paused.stderr).toMatch(/^WatchRulePaused: /)
    // the host notices a pause made by another process within its poll interval (2 s)
    await new Promise((r) => setTimeout(r, 3000))
    place(folder, { 'hat/2.jpg': 76 })
    const r = loupe(['--data', data, 'watch', 'reconcile', String(rule2().id), '--apply'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/Applied by the running host: job \d+ \(1 to add/)
    await until(() => rule2()?.counts.synced === 2)
  })
})
