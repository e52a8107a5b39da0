import type { CommandUnknownOpts } from '@commander-js/extra-typings'
import { createTokenStore, type TokenInfo } from '../../core/auth/tokens'
import type { Runner } from './runner'

function when(ms: number | null): string {
  return ms === null ? 'never' : new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z')
}

function row(t: TokenInfo): string {
  return `${t.id}  ${t.scope.padEnd(4)}  created ${when(t.createdAt)}  last used ${when(t.lastUsedAt).padEnd(20)}  ${t.name}`
}

/**
 * `loupe tokens …`: the access tokens of `loupe serve`'s remote mode. Like `loupe keys`, a file of
 * the data folder (`tokens.json`), never a method of the contract: a browser signed in to the UI
 * must not be able to mint tokens. A running host re-reads the file, so a revoke ends that
 * token's sessions at once.
 */
export function registerTokenCommands(program: CommandUnknownOpts, run: Runner): void {
  const tokens = program
    .command('tokens')
    .description('manage the access tokens browsers sign in with (`loupe serve --host …`)')
    .addHelpText(
      'after',
      `
Binding \`loupe serve\` to an address other machines can reach turns on remote mode: every
browser signs in with one of these tokens. A read-only token may search, browse the gallery and
view jobs, tasks and folders; a full token may do everything. Tokens are stored only as hashes
in <data>/tokens.json (0600): a token is shown once, when it is created.`,
    )

  tokens
    .command('create')
    .description('create an access token (shown once)')
    .option('--name <name>', 'who or what it is for')
    .option('--read-only', 'search and browse only: no adding, deleting or editing')
    .action((o, cmd) =>
      run.plain(cmd, async (ctx) => {
        const t = createTokenStore(ctx.dataDir).create({
          name: o.name,
          scope: o.readOnly ? 'read' : 'full',
        })
        if (ctx.json) return ctx.printJson(t)
        ctx.out(
          [
            `Access token ${t.id} (${t.scope === 'read' ? 'read-only' : 'full access'}, "${t.name}"):`,
            '',
            `  ${t.token}`,
            '',
            'It is shown only now: store it safely. Paste it into the sign-in page of `loupe serve`.',
          ].join('\n'),
        )
      }),
    )

  tokens
    .command('list')
    .description('list the access tokens (never the tokens themselves)')
    .action((_o, cmd) =>
      run.plain(cmd, async (ctx) => {
        const list = createTokenStore(ctx.dataDir).list()
        if (ctx.json) return ctx.printJson({ tokens: list })
        if (!list.length) ctx.out('No access tokens. Create one with `loupe tokens create`.')
        for (const t of list) ctx.out(row(t))
      }),
    )

  tokens
    .command('revoke')
    .description('revoke an access token (its signed-in browsers are signed out at once)')
    .argument('<id>', 'the token id (`loupe tokens list`)')
    .action((id, _o, cmd) =>
      run.plain(cmd, async (ctx) => {
        const ok = createTokenStore(ctx.dataDir).revoke(id)
        if (!ok) {
          process.stderr.write(`TokenNotFound: no access token ${id} (\`loupe tokens list\`)\n`)
          return 1
        }
        if (ctx.json) return ctx.printJson({ revoked: id })
        ctx.out(`Revoked ${id}`)
      }),
    )
}
