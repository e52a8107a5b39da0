/**
 * `loupe eval TESTSET`: run a quality-lab test set (a folder, CSV or JSON lines of query pictures
 * with the product each should find) against one or more profiles as one resumable job — in the
 * host running on the data folder when there is one — follow its progress, then print recall@1/@5,
 * MRR, not found, latency and API calls per profile and the queries not found first with why.
 * `--json` prints the whole run (figures and rows) as JSON; `--html` / `--csv` write the report.
 * Ctrl-C pauses the run; the same command again resumes it.
 */
import path from 'node:path'
import type { CommandUnknownOpts } from '@commander-js/extra-typings'
import type { EvalRow, EvalSummary } from '../../api/domains/eval'
import { UsageError, followJob, intArg, stopSignal, type CommandContext } from './context'
import type { Runner } from './runner'

/** Exit code when queries failed (errors) or the run did not finish. */
export const EXIT_EVAL_INCOMPLETE = 1

interface EvalCliOptions {
  profiles?: string
  naming: string
  crop?: boolean
  num: number
  category?: number
  filter?: string
  name?: string
  recursive: boolean
  html?: string
  csv?: string
}

const pct = (v: number) => `${(v * 100).toFixed(1)}%`.padStart(6)
const ms = (v: number | null) => (v === null ? '-' : `${Math.round(v)}ms`)

function summaryLine(profile: string, s: EvalSummary): string {
  return `${profile.padEnd(14)} ${String(s.answered).padStart(5)} ${pct(s.r1)} ${pct(s.r5)} ${s.mrr.toFixed(3).padStart(6)} ${String(s.notFound).padStart(9)} ${String(s.errors).padStart(6)} ${ms(s.p50Ms).padStart(7)} ${ms(s.p95Ms).padStart(7)} ${String(s.apiCalls).padStart(9)}`
}

function missLine(r: EvalRow): string {
  const first = r.top[0] ? `${r.top[0].productId} / ${r.top[0].picName}` : '-'
  const why = r.error ? `${r.error.code}: ${r.error.message}` : (r.reasonDetail ?? '')
  return `  ${r.query.file}  expected ${r.query.productId}, rank ${r.rank ?? '-'}, first ${first}  ${r.reason ?? 'error'}: ${why}`
}

async function runEval(ctx: CommandContext, testSet: string, o: EvalCliOptions): Promise<number> {
  const profiles = o.profiles
    ? o.profiles
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean)
    : [await ctx.profile()]
  if (!profiles.length) throw new UsageError('--profiles needs at least one profile name')
  // Before the run starts: a Ctrl-C from then on pauses it instead of killing the command.
  const signal = stopSignal()
  let started: Awaited<ReturnType<typeof ctx.api.eval.start>>
  try {
    started = await ctx.api.eval.start({
      // Absolute: the host answering may run in another folder.
      path: path.resolve(testSet),
      naming: o.naming,
      ...(o.recursive ? {} : { recursive: false }),
      profiles,
      options: {
        crop: !!o.crop,
        num: o.num,
        ...(o.category !== undefined ? { categoryId: o.category } : {}),
        ...(o.filter ? { filter: o.filter } : {}),
      },
      ...(o.name ? { name: o.name } : {}),
    })
  } catch (e) {
    signal.dispose()
    throw e
  }
  if (!ctx.json) {
    process.stderr.write(
      `${started.resumed ? 'Resuming' : 'Started'} quality run ${started.runId} (job ${started.jobId}): ${started.queries} queries on ${profiles.join(', ')}${ctx.remote ? ` in the Loupe ${ctx.remote.kind} host (pid ${ctx.remote.pid})` : ''}\n`,
    )
  }
  const outcome = await followJob(
    ctx,
    started.jobId,
    (p) => `${p.done + p.failed}/${p.total} searches, ${p.rate.toFixed(1)}/s`,
    signal,
  )
  if ('signal' in outcome) {
    process.stderr.write(
      `Stopped (${outcome.signal}). Run the same command again to resume quality run ${started.runId}.\n`,
    )
    return 130
  }
  for (const [fmt, file] of [
    ['html', o.html],
    ['csv', o.csv],
  ] as const) {
    if (!file) continue
    const r = await ctx.api.eval.export({
      runId: started.runId,
      format: fmt,
      file: path.resolve(file),
    })
    if (!ctx.json)
      process.stderr.write(`${fmt.toUpperCase()} report: ${r.file} (${r.bytes} bytes)\n`)
  }
  const job = outcome.job
  const figures = await Promise.all(
    profiles.map((profile) =>
      ctx.api.eval.run({ runId: started.runId, profile, filter: 'failed', limit: 1000 }),
    ),
  )
  const complete =
    job.state === 'done' && figures.every((f) => f.summary.errors === 0 && f.summary.pending === 0)
  if (ctx.json) {
    const r = await ctx.api.eval.export({ runId: started.runId, format: 'json' })
    process.stdout.write(r.content ?? '')
    return complete ? 0 : EXIT_EVAL_INCOMPLETE
  }
  const run = figures[0].run
  ctx.out(
    `Quality run ${run.runId} "${run.name}" ${job.state}: ${started.queries} queries, top ${run.options.num}, crop ${run.options.crop ? 'on' : 'off'}`,
  )
  ctx.out(
    `${'profile'.padEnd(14)} ${'n'.padStart(5)} ${'R@1'.padStart(6)} ${'R@5'.padStart(6)} ${'MRR'.padStart(6)} ${'not found'.padStart(9)} ${'errors'.padStart(6)} ${'p50'.padStart(7)} ${'p95'.padStart(7)} ${'API calls'.padStart(9)}`,
  )
  for (const f of figures) ctx.out(summaryLine(f.profile, f.summary))
  if (job.error) ctx.out(`Stopped: ${job.error.code}: ${job.error.message}`)
  for (const f of figures) {
    if (!f.rows.length) continue
    ctx.out(`\nNot found first on ${f.profile} (${f.total}):`)
    for (const r of f.rows.slice(0, 30)) ctx.out(missLine(r))
    if (f.total > 30) ctx.out(`  … and ${f.total - 30} more (--json or --csv for all)`)
  }
  return complete ? 0 : EXIT_EVAL_INCOMPLETE
}

/** `loupe eval`. */
export function registerEvalCommands(program: CommandUnknownOpts, run: Runner): void {
  program
    .command('eval')
    .description(
      'measure search quality: run a test set of query pictures against profiles (recall@1/@5, MRR, latency)',
    )
    .argument('<testset>', 'a folder of query pictures, or a CSV / JSON lines manifest')
    .option('--profiles <a,b>', 'profiles to run it on, side by side (default: the profile)')
    .option(
      '--naming <rule>',
      'how a query file names its product: folder, file, or a template such as {product}_{view}.{ext}',
      'folder',
    )
    .option('--crop', 'detect the subject and search with it (default: the whole picture)')
    .option('--num <n>', 'results per query (recall is counted up to this rank)', intArg, 10)
    .option('--category <id>', 'search in this category', intArg)
    .option('--filter <expr>', 'filter expression for every query')
    .option('--name <text>', 'a name for the run')
    .option('--no-recursive', 'only the top level of a folder')
    .option('--html <file>', 'write the self-contained HTML report')
    .option('--csv <file>', 'write every query as CSV')
    .addHelpText(
      'after',
      `
A test set follows bulk add's naming rules (folder = product by default); a CSV or JSON lines
manifest gives path and productId per query, optionally region, categoryId and filter.
Exit 0 when every query was answered, 1 otherwise, 130 when stopped (run again to resume).`,
    )
    .action((testSet, o, cmd) =>
      run.contract(cmd, (ctx) => runEval(ctx, testSet, o as EvalCliOptions)),
    )
}
