#!/usr/bin/env node
import os from 'node:os'
import path from 'node:path'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import { createCore, type Core } from '../core/app'
import { createFileSecretStore } from '../core/profiles/file-secret-store'
import { isApiError } from '../api/errors'
import { toApiError } from '../api/dispatch'
import { startHeadless } from './headless'
import { FORWARDABLE, forwardedCore, liveServer, writeServerInfo } from './forward'
import { ProfileStore } from '../core/profiles/store'
import { COMMANDS as BASE_COMMANDS, UsageError, type CommandContext } from './commands'
import { ENGINE_COMMANDS } from './commands-engine'
import { BULK_COMMANDS } from './commands-bulk'
import { GALLERY_COMMANDS } from './commands-gallery'
import { TASK_COMMANDS } from './commands-tasks'

const COMMANDS = {
  ...BASE_COMMANDS,
  ...ENGINE_COMMANDS,
  ...BULK_COMMANDS,
  ...GALLERY_COMMANDS,
  ...TASK_COMMANDS,
}

const GLOBAL: NonNullable<ParseArgsConfig['options']> = {
  data: { type: 'string' },
  profile: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
}

export const HELP = `Loupe — product-image search gallery studio

Usage: loupe [--data DIR] [--profile NAME] <command> [options]

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${(name + ' ' + (c.usage ?? '')).padEnd(58)} ${c.summary}`)
  .join('\n')}
  serve [--host H] [--port N]                                serve the UI, the API and the engine API over HTTP

Global options:
  --data DIR       data folder (default: $LOUPE_DATA or ~/.loupe)
  --profile NAME   profile to use (default: the active profile)
  --json           print the contract's result as JSON
  -h, --help       this help
`

export function resolveDataDir(
  flag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string {
  return path.resolve(flag ?? env.LOUPE_DATA ?? path.join(os.homedir(), '.loupe'))
}

function fail(code: number, text: string): never {
  process.stderr.write(text.endsWith('\n') ? text : text + '\n')
  process.exit(code)
}

export async function main(argv: string[]): Promise<number> {
  // Split: first positional is the command; its own options are parsed by the command's table.
  const cmdIndex = argv.findIndex((a, i) => !a.startsWith('-') && !isOptionValue(argv, i))
  if (cmdIndex < 0) {
    if (argv.includes('--help') || argv.includes('-h')) {
      process.stdout.write(HELP)
      return 0
    }
    process.stderr.write(HELP)
    return 2
  }
  let cmd = argv[cmdIndex]
  let rest = argv.slice(cmdIndex + 1)
  const pre = argv.slice(0, cmdIndex)
  // Two-word commands: "profiles list", "keys create", "dump list", …
  if (rest[0] && !rest[0].startsWith('-') && COMMANDS[`${cmd} ${rest[0]}`]) {
    cmd = `${cmd} ${rest[0]}`
    rest = rest.slice(1)
  }
  if (cmd === 'serve') return serve([...pre, ...rest])
  const def = COMMANDS[cmd]
  if (!def) {
    process.stderr.write(`Unknown command: ${cmd}\n\n${HELP}`)
    return 2
  }
  let parsed
  try {
    parsed = parseArgs({
      args: [...pre, ...rest],
      options: { ...GLOBAL, ...def.options },
      allowPositionals: true,
      strict: true,
    })
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n\nUsage: loupe ${cmd} ${def.usage ?? ''}\n`)
    return 2
  }
  if (parsed.values.help) {
    process.stdout.write(`Usage: loupe ${cmd} ${def.usage ?? ''}\n  ${def.summary}\n`)
    return 0
  }
  const dataDir = resolveDataDir(parsed.values.data as string | undefined)
  let core: Core | null = null
  const localCore = () =>
    (core ??= createCore({
      dataDir,
      secrets: createFileSecretStore(dataDir),
      host: 'headless',
      version: process.env.npm_package_version,
    }))
  // A `loupe serve` running on this data folder holds its engines: calls of the contract go to it.
  const server = FORWARDABLE.has(cmd) ? liveServer(dataDir) : null
  const remote = server ? forwardedCore(dataDir, server, localCore) : null
  const ctx: CommandContext = {
    values: parsed.values as Record<string, string | boolean | string[] | undefined>,
    positionals: parsed.positionals,
    dataDir,
    get core() {
      return remote ?? localCore()
    },
    profile: () =>
      (parsed.values.profile as string | undefined) ??
      (remote ? new ProfileStore(dataDir).active() : ctx.core.profiles.active()),
    json: !!parsed.values.json,
    out: (text) => void process.stdout.write(text.endsWith('\n') ? text : text + '\n'),
    printJson: (v) => void process.stdout.write(JSON.stringify(v, null, 2) + '\n'),
  }
  try {
    const code = await def.run(ctx)
    return typeof code === 'number' ? code : 0
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`${e.message}\n\nUsage: loupe ${cmd} ${def.usage ?? ''}\n`)
      return 2
    }
    const err = isApiError(e) ? toApiError(e) : toApiError(e)
    process.stderr.write(`${err.code}: ${err.message}${err.hint ? ` (${err.hint})` : ''}\n`)
    return 1
  } finally {
    if (core) await (core as Core).close()
  }
}

function isOptionValue(argv: string[], i: number): boolean {
  const prev = argv[i - 1]
  if (!prev || !prev.startsWith('--') || prev.includes('=')) return false
  const name = prev.slice(2)
  return name === 'data' || name === 'profile'
}

async function serve(args: string[]): Promise<number> {
  let values: Record<string, string | boolean | undefined>
  try {
    values = parseArgs({
      args,
      options: { ...GLOBAL, host: { type: 'string' }, port: { type: 'string' } },
      strict: true,
      allowPositionals: false,
    }).values as Record<string, string | boolean | undefined>
  } catch (e) {
    process.stderr.write(
      `${(e as Error).message}\n\nUsage: loupe serve [--data DIR] [--host H] [--port N]\n`,
    )
    return 2
  }
  if (values.help) {
    process.stdout.write('Usage: loupe serve [--data DIR] [--host H] [--port N]\n')
    return 0
  }
  const port = values.port === undefined ? 7070 : Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`--port must be a number from 0 to 65535, not "${values.port}"\n`)
    return 2
  }
  const host = (values.host as string | undefined) ?? '127.0.0.1'
  const dataDir = resolveDataDir(values.data as string | undefined)
  const h = await startHeadless({ dataDir, host, port, version: process.env.npm_package_version })
  // Announced before the first line, so CLI commands on this data folder are sent here from now on.
  const unannounce = writeServerInfo(dataDir, h.url)
  process.once('exit', unannounce)
  h.server.once('close', unannounce)
  process.stdout.write(`Loupe listening on ${h.url}\n`)
  process.stdout.write(`Data: ${dataDir}\n`)
  if (!['127.0.0.1', 'localhost', '::1'].includes(host)) {
    process.stderr.write(
      `Warning: listening on ${host}, not only on this machine. Anyone who can reach it can use the UI; the engine API still requires signed requests.\n`,
    )
  }
  await new Promise<void>((resolve) => {
    const stop = () => resolve()
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
  unannounce()
  await h.close()
  return 0
}

const isMain = (() => {
  const a = process.argv[1] ? path.resolve(process.argv[1]) : ''
  return a.endsWith(path.join('electron', 'server', 'cli.ts'))
})()
if (isMain) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => fail(1, `InternalError: ${(e as Error).message}`),
  )
}
