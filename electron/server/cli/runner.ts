import os from 'node:os'
import path from 'node:path'
import type { CommandUnknownOpts } from '@commander-js/extra-typings'
import { toApiError } from '../../api/dispatch'
import { UsageError, openSession, type CommandContext, type Output } from './context'
import { escapeLogText, escapeTerminalText } from '../../core/log-text'

export interface GlobalOptions {
  data?: string
  profile?: string
  json?: boolean
}

/** How commands run: their exit code is kept for `main` to return. */
export interface Runner {
  /** A command of the contract: in the host running on the data folder, or in this process. */
  contract(
    cmd: CommandUnknownOpts,
    fn: (ctx: CommandContext) => Promise<number | void>,
  ): Promise<void>
  /** A command that needs no core (keys, completion). */
  plain(cmd: CommandUnknownOpts, fn: (o: Output) => Promise<number | void>): Promise<void>
  readonly code: number
}

export function resolveDataDir(
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string {
  return path.resolve(flag ?? env.LOUPE_DATA ?? path.join(os.homedir(), '.loupe'))
}

/** `loupe profiles add` for `loupe profiles add NAME …`. */
export function commandPath(cmd: CommandUnknownOpts): string {
  const names: string[] = []
  for (let c: CommandUnknownOpts | null = cmd; c; c = c.parent) names.unshift(c.name())
  return names.join(' ')
}

function output(cmd: CommandUnknownOpts): Output {
  const g = cmd.optsWithGlobals() as GlobalOptions
  return {
    dataDir: resolveDataDir(g.data),
    json: !!g.json,
    // Human output names what the data holds (file names, ProductIds, messages): a control
    // character in them is shown escaped, never sent to the terminal (core/log-text.ts).
    out: (text) => {
      const safe = escapeTerminalText(text)
      process.stdout.write(safe.endsWith('\n') ? safe : safe + '\n')
    },
    printJson: (v) => void process.stdout.write(JSON.stringify(v, null, 2) + '\n'),
  }
}

export function createRunner(version?: string): Runner {
  let code = 0
  async function guarded(cmd: CommandUnknownOpts, fn: () => Promise<number | void>) {
    try {
      const r = await fn()
      code = typeof r === 'number' ? r : 0
    } catch (e) {
      if (e instanceof UsageError) {
        process.stderr.write(
          `${escapeLogText(e.message)}\n\nUsage: ${commandPath(cmd)} ${cmd.usage()}\n`,
        )
        code = 2
        return
      }
      const err = toApiError(e)
      process.stderr.write(
        escapeLogText(`${err.code}: ${err.message}${err.hint ? ` (${err.hint})` : ''}`) + '\n',
      )
      code = 1
    }
  }
  return {
    get code() {
      return code
    },
    plain: (cmd, fn) => guarded(cmd, () => fn(output(cmd))),
    contract: (cmd, fn) =>
      guarded(cmd, async () => {
        const o = output(cmd)
        const flag = (cmd.optsWithGlobals() as GlobalOptions).profile
        const session = await openSession(o.dataDir, version)
        let active: Promise<string> | null = null
        const ctx: CommandContext = {
          ...o,
          ...session,
          profile: () => (flag ? Promise.resolve(flag) : (active ??= activeProfile())),
        }
        async function activeProfile() {
          return (await session.api.profiles.list({})).active
        }
        try {
          return await fn(ctx)
        } finally {
          await session.close()
        }
      }),
  }
}
