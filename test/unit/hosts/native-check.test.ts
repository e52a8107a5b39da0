import fs from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import type { HostStatus } from '../../../electron/api/host-status'
import { forkLauncher } from '../../../electron/core-host/fork-launcher'
import {
  checkNativeModules,
  describeNativeProblems,
} from '../../../electron/core-host/native-check'
import { createCoreSupervisor } from '../../../electron/core-host/supervisor'
import { createMemorySecretStore } from '../../../electron/core/profiles/secrets'
import { tempDir } from '../../helpers/tmp'

// A core process whose native module cannot load must end in one clear reason on the window —
// which module, what to do — and must not be restarted in a loop.

const ROOT = path.resolve(__dirname, '../../..')
const SOURCE_ENTRY = path.join(ROOT, 'electron/core-host/entry.ts')

describe('native modules of the core process', () => {
  it('load here: better-sqlite3 with FTS5 and sharp', async () => {
    expect(await checkNativeModules()).toEqual([])
  })

  it('names each module that fails and what to do', async () => {
    const problems = await checkNativeModules([
      { module: 'ok-module', run: async () => {} },
      {
        module: 'better-sqlite3',
        run: async () => {
          throw new Error('The module was compiled against NODE_MODULE_VERSION 127\nstack…')
        },
      },
    ])
    expect(problems).toEqual([
      {
        module: 'better-sqlite3',
        error: 'The module was compiled against NODE_MODULE_VERSION 127',
      },
    ])
    const text = describeNativeProblems(problems)
    expect(text).toMatch(/native module better-sqlite3 could not be loaded/)
    expect(text).toMatch(/Reinstall Loupe/)
    expect(text).toMatch(/npm ci/)
  })

  it('a core process that cannot load better-sqlite3 reports it once and is not restarted', async () => {
    const t = tempDir('loupe-native-')
    try {
      // A loader hook that makes importing better-sqlite3 fail, as a broken install would.
      const hooks = path.join(t.dir, 'hooks.mjs')
      fs.writeFileSync(
        hooks,
        `export async function resolve(spec, ctx, next) {
  if (spec === 'better-sqlite3') throw new Error('simulated: better_sqlite3.node: invalid ELF header')
  return next(spec, ctx)
}\n`,
      )
      const register = path.join(t.dir, 'register.mjs')
      fs.writeFileSync(
        register,
        `import { register } from 'node:module'\nregister(${JSON.stringify(pathToFileURL(hooks).href)})\n`,
      )
      const output: string[] = []
      const statuses: HostStatus[] = []
      const sup = createCoreSupervisor({
        launcher: forkLauncher({
          entry: SOURCE_ENTRY,
          execArgv: ['--import', 'tsx', '--import', pathToFileURL(register).href],
          cwd: ROOT,
          output: (c) => output.push(c),
        }),
        init: () => ({ dataDir: path.join(t.dir, 'data') }),
        secrets: createMemorySecretStore(),
        restart: { delaysMs: [20] },
      })
      sup.onStatus((s) => statuses.push(s))
      sup.start()
      const deadline = Date.now() + 60_000
      while (sup.status.state !== 'failed' && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50))
      expect(statuses.map((s) => s.state)).toEqual(['starting', 'failed'])
      expect(statuses[1].reason).toMatch(/native module better-sqlite3 could not be loaded/)
      expect(statuses[1].reason).toMatch(/invalid ELF header/)
      expect(statuses[1].reason).toMatch(/Reinstall Loupe/)
      // calls are refused with the same reason instead of an InternalError each
      const r = await sup.call('profiles.list', {})
      expect(r).toMatchObject({ error: { code: 'CoreUnavailable' } })
      await sup.stop()
    } finally {
      t.cleanup()
    }
  }, 90_000)
})
