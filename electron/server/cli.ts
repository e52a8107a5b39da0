#!/usr/bin/env node
/**
 * The `loupe` command: commands, options and help from commander; every command a typed client of
 * the contract (see cli/context.ts). `loupe serve` is the headless host.
 */
import path from 'node:path'
import {
  Argument,
  Command,
  CommanderError,
  InvalidArgumentError,
  type CommandUnknownOpts,
} from '@commander-js/extra-typings'
import { startHeadless } from './headless'
import { registerProfileCommands } from './cli/profiles'
import { registerEngineCommands } from './cli/engine'
import { registerBulkCommands } from './cli/bulk'
import { registerGalleryCommands } from './cli/gallery'
import { registerTaskCommands } from './cli/tasks'
import { SHELLS, completionScript } from './cli/completion'
import { createRunner, resolveDataDir, type Runner } from './cli/runner'

export { resolveDataDir }

function portArg(v: string): number {
  const n = Number(v)
  if (!/^\d+$/.test(v) || n > 65535) {
    throw new InvalidArgumentError(`--port must be a number from 0 to 65535, not "${v}"`)
  }
  return n
}

/** The whole command tree (fresh for every run: commander keeps parsed values on it). */
export function buildProgram(run: Runner): CommandUnknownOpts {
  const program = new Command('loupe')
    .description('Loupe — product-image search gallery studio')
    .option('--data <dir>', 'data folder (default: $LOUPE_DATA or ~/.loupe)')
    .option('--profile <name>', 'profile to use (default: the active profile)')
    .option('--json', "print the contract's result as JSON")
    .exitOverride()
    .showSuggestionAfterError(false)
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .configureOutput({
      writeOut: (s) => void process.stdout.write(s),
      writeErr: (s) => void process.stderr.write(s),
      outputError: (s, write) =>
        write(s.replace(/^error: unknown command '(.*)'\n?$/, 'Unknown command: $1\n')),
    })
    .addHelpText(
      'after',
      `
While \`loupe serve\` or the desktop app runs on the data folder, commands run in it (over its
control channel, announced in <data>/control.json); otherwise in this process.`,
    ) as unknown as CommandUnknownOpts

  registerProfileCommands(program, run)
  registerEngineCommands(program, run)
  registerBulkCommands(program, run)
  registerGalleryCommands(program, run)
  registerTaskCommands(program, run)

  program
    .command('serve')
    .description('serve the UI, the API and the engine API over HTTP')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <n>', 'port (0: a free one)', portArg, 7070)
    .action(async (o, cmd) => {
      const dataDir = resolveDataDir((cmd.optsWithGlobals() as { data?: string }).data)
      await serve(dataDir, o.host, o.port)
    })

  program
    .command('completion')
    .description('print a shell completion script (e.g. `source <(loupe completion bash)`)')
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(SHELLS))
    .action((shell, _o, cmd) =>
      run.plain(cmd, async () => void process.stdout.write(completionScript(program, shell))),
    )
  return program
}

export async function main(argv: string[]): Promise<number> {
  const run = createRunner(process.env.npm_package_version)
  const program = buildProgram(run)
  try {
    await program.parseAsync(argv, { from: 'user' })
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return 0
    if (e.code === 'commander.unknownCommand')
      process.stderr.write(`\n${program.helpInformation()}`)
    // Wrong usage (an unknown command or option, a missing or bad argument, no command at all).
    return 2
  }
  return run.code
}

async function serve(dataDir: string, host: string, port: number): Promise<void> {
  const h = await startHeadless({ dataDir, host, port, version: process.env.npm_package_version })
  // Its control channel is announced (control.json) before the first line.
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
  await h.close()
}

const isMain = (() => {
  const a = process.argv[1] ? path.resolve(process.argv[1]) : ''
  return a.endsWith(path.join('electron', 'server', 'cli.ts'))
})()
if (isMain) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`InternalError: ${(e as Error).message}\n`)
      process.exit(1)
    },
  )
}
