import { Option, InvalidArgumentError, type CommandUnknownOpts } from '@commander-js/extra-typings'
import { DEFAULT_DUPLICATE_THRESHOLD, type DuplicateGroup } from '../../api/domains/duplicates'
import { progressLine, settledJob, type CommandContext } from './context'
import type { Runner } from './runner'

/** `loupe duplicates`: the near-duplicate audit of a profile's gallery (core/duplicates). */

function similarityArg(v: string): number {
  const n = Number(v)
  if (!/^\d*\.?\d+$/.test(v.trim()) || !(n >= 0.5 && n <= 1)) {
    throw new InvalidArgumentError(`must be a similarity between 0.5 and 1, not "${v}"`)
  }
  return n
}

/** Groups printed (all pages, up to this many). */
const MAX_GROUPS = 10_000

function printGroup(ctx: CommandContext, g: DuplicateGroup) {
  const kind = g.kind === 'across' ? 'across products' : 'within one product'
  ctx.out(`${g.groupId}  ${kind}  max ${g.maxSimilarity.toFixed(4)}  ${g.members.length} pictures`)
  for (const m of g.members) {
    ctx.out(`    ${m.similarity.toFixed(4)}  ${m.productId} / ${m.picName}`)
  }
}

export function registerDuplicateCommands(program: CommandUnknownOpts, run: Runner) {
  program
    .command('duplicates')
    .description('audit the gallery for near-duplicate pictures (across and within products)')
    .addOption(
      new Option('--threshold <s>', 'similarity from which two pictures are duplicates (0.5-1)')
        .argParser(similarityArg)
        .default(DEFAULT_DUPLICATE_THRESHOLD),
    )
    .option('--across-products', 'only pictures of different product ids (conflicts)')
    .option('--no-scan', "show the last audit's groups instead of auditing again")
    .addHelpText(
      'after',
      `
Local profiles compare the engine's stored vectors; cloud profiles compare the gallery cache's
thumbnails with the local picture model (approximate). The audit is a job (kind duplicate-audit):
review and act on the groups in the app's Quality view.`,
    )
    .action((o, cmd) =>
      run.contract(cmd, async (ctx) => {
        const profile = await ctx.profile()
        const threshold = o.threshold as number
        const across = !!o.acrossProducts
        if (o.scan !== false) {
          const bar = progressLine('near-duplicate audit')
          let jobId = -1
          const off = ctx.on('job.progress', (p) => {
            if (p.jobId === jobId) bar.update(p.done, p.total)
          })
          try {
            ;({ jobId } = await ctx.api.duplicates.scan({
              profile,
              threshold,
              acrossProducts: across,
            }))
            const job = await settledJob(ctx, jobId)
            if (job.state !== 'done') {
              bar.end()
              const why = job.error ? `: ${job.error.code}: ${job.error.message}` : ''
              process.stderr.write(`The audit (job ${jobId}) ended ${job.state}${why}\n`)
              return 1
            }
          } finally {
            off()
            bar.end()
          }
        }
        const kind = across ? ('across' as const) : ('all' as const)
        const groups: DuplicateGroup[] = []
        let first: Awaited<ReturnType<typeof ctx.api.duplicates.groups>> | null = null
        for (let page = 0; groups.length < MAX_GROUPS; page++) {
          const r = await ctx.api.duplicates.groups({
            profile,
            kind,
            threshold,
            page,
            pageSize: 200,
          })
          first ??= r
          groups.push(...r.groups)
          if (r.groups.length < 200) break
        }
        const audit = first!.audit
        if (ctx.json) {
          ctx.printJson({
            profile,
            threshold,
            approximate: audit.approximate,
            audit,
            total: first!.total,
            across: groups.filter((g) => g.kind === 'across').length,
            within: groups.filter((g) => g.kind === 'within').length,
            groups,
          })
          return
        }
        ctx.out(
          `${audit.pictures} pictures compared${audit.approximate ? ' (approximate: cloud profile, from the thumbnails)' : ''}; ` +
            `${first!.total} group${first!.total === 1 ? '' : 's'} at similarity ≥ ${threshold}` +
            (audit.missing ? `; ${audit.missing} pictures without a thumbnail were left out` : ''),
        )
        for (const g of groups) printGroup(ctx, g)
      }),
    )
}
