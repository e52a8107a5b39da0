import fs from 'node:fs'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { afterAll, describe, expect, it } from 'vitest'
import { loupe, serve } from '../../helpers/cli'
import { tempDir } from '../../helpers/tmp'

describe('loupe CLI', () => {
  const t = tempDir()
  afterAll(() => t.cleanup())

  it('prints a real Detail of the local engine as the contract result', () => {
    const r = loupe(['--data', t.dir, 'detail', '--json'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.instance).toMatchObject({
      name: 'local',
      region: 'local',
      totalCount: 0,
      capacity: 100000,
      serviceType: 'product',
    })
    expect(typeof out.instance.utcCreate).toBe('number')
    expect(typeof out.requestId).toBe('string')
  })

  it('adds, lists and removes profiles', () => {
    expect(
      loupe(['--data', t.dir, 'profiles', 'add', 'studio', '--local', '--capacity', '2000']).code,
    ).toBe(0)
    const list = loupe(['--data', t.dir, 'profiles', 'list'])
    expect(list.stdout).toMatch(/\* local/)
    expect(list.stdout).toMatch(/studio\s+local/)
    const d = JSON.parse(loupe(['--data', t.dir, '--profile', 'studio', 'detail', '--json']).stdout)
    expect(d.instance).toMatchObject({ name: 'studio', capacity: 2000 })
    expect(loupe(['--data', t.dir, 'profiles', 'remove', 'studio']).code).toBe(0)
    expect(loupe(['--data', t.dir, 'profiles', 'list']).stdout).not.toMatch(/studio/)
  })

  it('takes a cloud secret from stdin, never from argv, and never prints it', () => {
    const secret = 'cli-secret-value-xyz-123456'
    const r = loupe(
      [
        '--data',
        t.dir,
        'profiles',
        'add',
        'cloudy',
        '--cloud',
        '--instance',
        'inst',
        '--region',
        'cn-shanghai',
        '--access-key-id',
        'LTAIcliKeyId0001',
        '--secret-stdin',
        '--json',
      ],
      { input: secret + '\n' },
    )
    expect(r.code).toBe(0)
    expect(r.stdout).not.toContain(secret)
    expect(JSON.parse(r.stdout).cloud).toMatchObject({
      hasSecret: true,
      accessKeyIdMasked: 'LTAI****001',
    })
  })

  it('prints help and exits 2 on wrong usage', () => {
    const none = loupe([])
    expect(none.code).toBe(2)
    expect(none.stderr).toContain('Usage: loupe')
    const unknown = loupe(['frobnicate'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('Unknown command: frobnicate')
    const badFlag = loupe(['--data', t.dir, 'detail', '--bogus'])
    expect(badFlag.code).toBe(2)
    const badPort = loupe(['serve', '--port', 'abc'])
    expect(badPort.code).toBe(2)
    expect(badPort.stderr).toContain('--port must be a number from 0 to 65535')
  })

  it('has help for every command and sub-command', () => {
    const keys = loupe(['keys', '--help'])
    expect(keys.code).toBe(0)
    expect(keys.stdout).toMatch(/^Usage: loupe keys /)
    for (const sub of ['create', 'list', 'revoke'])
      expect(keys.stdout).toMatch(new RegExp(`^  ${sub}\\b`, 'm'))
    const add = loupe(['profiles', 'add', '--help'])
    expect(add.code).toBe(0)
    expect(add.stdout).toMatch(/^Usage: loupe profiles add \[options\] <name>/)
    expect(add.stdout).toContain('--secret-stdin')
    expect(add.stdout).toContain('--data <dir>') // the global options too
    const missing = loupe(['keys'])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('Usage: loupe keys')
  })

  it('prints shell completion generated from the command tree', () => {
    const bash = loupe(['completion', 'bash'])
    expect(bash.code).toBe(0)
    const script = path.join(t.dir, 'loupe.bash')
    fs.writeFileSync(script, bash.stdout)
    const complete = (...words: string[]) =>
      spawnSync(
        'bash',
        [
          '-c',
          `source ${JSON.stringify(script)}; COMP_WORDS=(${words.map((w) => JSON.stringify(w)).join(' ')}); COMP_CWORD=${words.length - 1}; _loupe; echo "\${COMPREPLY[*]}"`,
        ],
        { encoding: 'utf8' },
      ).stdout.trim()
    expect(complete('loupe', 'ke')).toBe('keys')
    expect(complete('loupe', 'keys', '')).toContain('revoke')
    expect(complete('loupe', 'bulk-add', '--small-image', '')).toBe('reject upscale pad')
    const fish = loupe(['completion', 'fish'])
    expect(fish.stdout).toContain("-a 'revoke'")
    expect(loupe(['completion', 'zsh']).stdout).toMatch(/^#compdef loupe/)
    expect(loupe(['completion', 'tcsh']).code).toBe(2)
  })

  it('prints code: message (hint) and exits 1 on engine errors', () => {
    const r = loupe(['--data', t.dir, '--profile', 'ghost', 'detail'])
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^ProfileNotFound: There is no profile named "ghost" \(.+\)\n$/)
  })

  it('serve prints its URL first and answers on a free port', async () => {
    const s = await serve(['--data', t.dir, '--port', '0'])
    try {
      expect(s.firstLine).toMatch(/^Loupe listening on http:\/\/127\.0\.0\.1:\d+$/)
      const res = await fetch(`${s.url}/api/call/app.info`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      })
      expect(((await res.json()) as { result: { host: string } }).result.host).toBe('headless')
    } finally {
      s.proc.kill('SIGTERM')
    }
  })
})
