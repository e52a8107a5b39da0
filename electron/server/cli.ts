#!/usr/bin/env node
/**
 * The `loupe` command: commands, options and help from commander; every command a typed client of
 * the contract (see cli/context.ts). `loupe serve` is the headless host.
 */
import os from 'node:os'
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
import { registerCopyCommands } from './cli/copy'
import { registerEvalCommands } from './cli/eval'
import { registerGalleryCommands } from './cli/gallery'
import { registerTaskCommands } from './cli/tasks'
import { registerTokenCommands } from './cli/tokens'
import { registerDuplicateCommands } from './cli/duplicates'
import { registerSpaceCommands } from './cli/space'
import { isLoopbackHost, loadTls, type TlsMaterial } from './auth/index'
import { UsageError, type Output } from './cli/context'
import { SHELLS, completionScript } from './cli/completion'
import { createRunner, resolveDataDir, type Runner } from './cli/runner'
import { usePrivateUmask } from '../core/util/private-fs'

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
  registerCopyCommands(program, run)
  registerEvalCommands(program, run)
  registerGalleryCommands(program, run)
  registerTaskCommands(program, run)
  registerTokenCommands(program, run)
  registerDuplicateCommands(program, run)
  registerSpaceCommands(program, run)

  program
    .command('serve')
    .description('serve the UI, the API and the engine API over HTTP(S)')
    .option(
      '--host <host>',
      'address to listen on (not loopback: remote mode, sign-in)',
      '127.0.0.1',
    )
    .option('--port <n>', 'port (0: a free one)', portArg, 7070)
    .option('--tls-cert <file>', 'serve HTTPS with this PEM certificate (with --tls-key)')
    .option('--tls-key <file>', "the certificate's PEM private key")
    .option('--insecure-http', 'allow plain HTTP on an address other machines can reach')
    .option(
      '--cloud-write-limits',
      'the engine API limits writes as the cloud does (AddImage 5/s, 1/s at capacity <= 100,000; Update/Delete 20/s)',
    )
    .addHelpText(
      'after',
      `
On 127.0.0.1 (the default) only this machine can reach the server and nobody signs in. Any other
address (e.g. --host 0.0.0.0) is remote mode: every browser signs in with an access token
(\`loupe tokens\`; the first one is created and shown if there is none), and the server must
speak HTTPS (--tls-cert/--tls-key) unless --insecure-http is given. The engine API (POST /)
always requires signed requests (\`loupe keys\`).`,
    )
    .action((o, cmd) =>
      run.plain(cmd, async (out) => {
        if (!!o.tlsCert !== !!o.tlsKey) throw new UsageError('Give both --tls-cert and --tls-key')
        const tls = o.tlsCert && o.tlsKey ? loadTls({ cert: o.tlsCert, key: o.tlsKey }) : undefined
        await serve(out, o.host, o.port, {
          tls,
          insecureHttp: !!o.insecureHttp,
          cloudWriteLimits: !!o.cloudWriteLimits,
        })
      }),
    )

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
  // Every file and folder this process creates in the data folder is private (util/private-fs.ts).
  usePrivateUmask()
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

/** Addresses other machines may use for a bind on `host` (all interfaces for 0.0.0.0 / ::). */
function reachableUrls(host: string, port: number, scheme: string): string[] {
  const any = host === '0.0.0.0' || host === '::' || host === '[::]'
  if (!any) return [`${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}/`]
  const out: string[] = []
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.internal || (host === '0.0.0.0' && a.family !== 'IPv4')) continue
      if (a.family === 'IPv6' && a.address.startsWith('fe80')) continue
      out.push(`${scheme}://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${port}/`)
    }
  }
  return out
}

async function serve(
  o: Output,
  host: string,
  port: number,
  sec: { tls?: TlsMaterial; insecureHttp: boolean; cloudWriteLimits?: boolean },
): Promise<void> {
  const dataDir = o.dataDir
  const h = await startHeadless({
    dataDir,
    host,
    port,
    version: process.env.npm_package_version,
    tls: sec.tls,
    insecureHttp: sec.insecureHttp,
    cloudWriteLimits: sec.cloudWriteLimits,
  })
  // Its control channel is announced (control.json) before the first line.
  process.stdout.write(`Loupe listening on ${h.url}\n`)
  process.stdout.write(`Data: ${dataDir}\n`)
  if (h.auth.required) {
    const scheme = h.auth.tls ? 'https' : 'http'
    const urls = reachableUrls(host, h.port, scheme)
    process.stdout.write(
      `Remote mode: every browser signs in with an access token (\`loupe tokens list|create|revoke\`).\n` +
        (urls.length ? `Open ${urls.join(' or ')}\n` : ''),
    )
    const t = h.auth.createdToken
    if (t) {
      process.stdout.write(
        `\nNo access token existed: created a full-access token (${t.id}), shown only now — store it safely:\n\n  ${t.token}\n\n` +
          `Paste it into the sign-in page. Create more (e.g. \`loupe tokens create --read-only --name NAME\`), revoke with \`loupe tokens revoke ${t.id}\`.\n`,
      )
    }
  }
  if (!isLoopbackHost(host) && !h.auth.tls) {
    process.stderr.write(
      `Warning: serving plain HTTP on ${host} (--insecure-http). The UI and the contract travel unencrypted, and the access tokens and session cookies sent to this server can be read by anyone on the network path. Give --tls-cert and --tls-key to serve HTTPS.\n`,
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
