/**
 * `loupe copy`: copy or sync a gallery between profiles as one resumable job (the `copy` domain).
 * `--dry-run` prints the plan (with `--json`, the plan as JSON with every item); otherwise the job
 * is started — in the host running on the data folder when there is one — followed with its
 * progress, and its verification report printed at the end. Run again after a crash or Ctrl-C, the
 * same command resumes the unfinished job.
 */
import { Option, type CommandUnknownOpts } from '@commander-js/extra-typings'
import type { CopyPlan, CopyPlanItem, CopyReport, CopyScope } from '../../api/domains/copy'
import type { JobView } from '../../api/domains/jobs'
import { collect, intArg, settledJob, sleep, stopSignal, type CommandContext } from './context'
import type { Runner } from './runner'

/** Exit code when something was not copied (failed, no picture, missing after the copy). */
export const EXIT_NOT_ALL_COPIED = 1

async function allItems(ctx: CommandContext, plan: CopyPlan): Promise<CopyPlanItem[]> {
  const out: CopyPlanItem[] = []
  for (;;) {
    const page = await ctx.api.copy.planItems({
      planId: plan.planId,
      offset: out.length,
      limit: 5000,
    })
    out.push(...page.items)
    if (!page.items.length || out.length >= page.total) return out
  }
}

function planText(ctx: CommandContext, plan: CopyPlan, items: CopyPlanItem[]): void {
  const c = plan.counts
  const s = plan.sources
  ctx.out(
    `${plan.sync ? 'Sync' : 'Copy'} ${plan.from} → ${plan.to} (${plan.path === 'batch' ? 'batch task' : 'AddImage'})`,
  )
  ctx.out(
    `  source ${c.source} pictures, target ${c.target}: ${c.add} to add, ${c.update} to update, ` +
      `${c.delete} to delete, ${c.unchanged} unchanged, ${c.noPicture} without a picture`,
  )
  ctx.out(
    `  pictures from: ${s.sourceFile} source files, ${s.localStore} local engine copies, ` +
      `${s.ossObject} OSS objects`,
  )
  const cap = plan.capacity
  const n = (v: number) => v.toLocaleString('en-US')
  ctx.out(
    `  capacity: ${n(cap.used)} → ${n(cap.afterCopy)} of ${cap.target === null ? 'unknown' : n(cap.target)}` +
      (cap.fits ? '' : ` — does not fit: ${n(cap.short)} pictures too many`),
  )
  ctx.out(
    `  rate: ${plan.rate.qps ? `${plan.rate.qps}/s` : 'unlimited'}, about ${plan.rate.estimateSeconds}s`,
  )
  if (plan.resumableJobId !== null) {
    ctx.out(`  an unfinished job of this copy (${plan.resumableJobId}) is resumed`)
  }
  for (const i of items) {
    if (i.action === 'unchanged') continue
    ctx.out(
      `${i.action.padEnd(9)} ${i.productId} / ${i.picName}  ${i.action === 'delete' ? '' : i.source}` +
        (i.detail ? `  ${i.detail}` : ''),
    )
  }
}

function reportText(ctx: CommandContext, job: JobView, r: CopyReport): void {
  const c = r.counts
  ctx.out(
    `Job ${job.jobId} ${job.state}: ${c.copied} copied, ${c.deleted} deleted, ${c.failed} failed, ` +
      `${c.noPicture} without a picture`,
  )
  ctx.out(`Verification: source ${c.source} pictures, target ${c.target}`)
  ctx.out(
    r.missing.length
      ? `  ${r.missing.length} copied pictures are missing in the target: ` +
          r.missing
            .slice(0, 20)
            .map((k) => `${k.productId} / ${k.picName}`)
            .join(', ')
      : '  every copied picture is in the target',
  )
  ctx.out(`  searches by picture: ${r.sample.agreed} of ${r.sample.n} agree on the top product`)
  for (const row of r.sample.rows.filter((x) => !x.agree)) {
    ctx.out(
      `    ${row.productId} / ${row.picName}: source ${row.sourceTop ?? '-'}, target ${row.targetTop ?? '-'}`,
    )
  }
  if (r.error) ctx.out(`  verification incomplete: ${r.error.code}: ${r.error.message}`)
  if (job.error) ctx.out(`Stopped: ${job.error.code}: ${job.error.message}`)
}

/** Polls the report until the verification is done (it runs when the job ends). */
async function finalReport(ctx: CommandContext, jobId: number): Promise<CopyReport> {
  for (;;) {
    const r = await ctx.api.copy.report({ jobId })
    if (r.state === 'done') return r
    await sleep(250)
  }
}

async function follow(ctx: CommandContext, jobId: number, resumed: boolean): Promise<number> {
  const tty = process.stderr.isTTY && !ctx.json
  let last = 0
  const unsub = ctx.on('job.progress', (p) => {
    if (p.jobId !== jobId || ctx.json) return
    const line = `${p.done + p.failed + p.skipped}/${p.total} — ${p.done} done, ${p.failed} failed — ${p.rate.toFixed(1)}/s`
    if (tty) process.stderr.write(`\r\x1b[2K${line}`)
    else if (Date.now() - last > 5000) {
      last = Date.now()
      process.stderr.write(line + '\n')
    }
  })
  const { stopped, dispose } = stopSignal()
  try {
    if (!ctx.json) {
      process.stderr.write(
        `${resumed ? 'Resuming' : 'Started'} copy job ${jobId}${ctx.remote ? ` in the Loupe ${ctx.remote.kind} host (pid ${ctx.remote.pid})` : ''}\n`,
      )
    }
    for (;;) {
      const outcome = await Promise.race([
        settledJob(ctx, jobId),
        stopped.then((s) => ({ signal: s })),
      ])
      if (tty) process.stderr.write('\n')
      if ('signal' in outcome) {
        if (ctx.remote) await ctx.api.jobs.pause({ jobId })
        process.stderr.write(
          `Stopped (${outcome.signal}). Run the same command again to resume job ${jobId}.\n`,
        )
        return 130
      }
      if (outcome.state === 'paused') {
        process.stderr.write(
          `Job ${jobId} paused${outcome.error ? `: ${outcome.error.code}: ${outcome.error.message}` : ''}. Run the same command again to resume it.\n`,
        )
        return EXIT_NOT_ALL_COPIED
      }
      const report = await finalReport(ctx, jobId)
      if (ctx.json) ctx.printJson({ job: outcome, report })
      else reportText(ctx, outcome, report)
      const c = report.counts
      const ok =
        outcome.state === 'done' &&
        c.failed === 0 &&
        c.noPicture === 0 &&
        report.missing.length === 0 &&
        !report.error
      return ok ? 0 : EXIT_NOT_ALL_COPIED
    }
  } finally {
    unsub()
    dispose()
  }
}

/** `loupe copy`. */
export function registerCopyCommands(program: CommandUnknownOpts, run_: Runner): void {
  program
    .command('copy')
    .description(
      'copy (or --sync) a gallery to another profile as one resumable, verified job (exit 0 only if everything was copied)',
    )
    .requiredOption('--from <profile>', 'the profile to copy from')
    .requiredOption('--to <profile>', 'the profile to copy to')
    .option('--filter <expr>', 'only pictures matching a filter (int_attr>=100 AND str_attr="x")')
    .addOption(new Option('--category <n>', 'only pictures of a category').argParser(intArg))
    .option('--product <id>', 'only this product (repeatable)', collect)
    .option('--sync', 'make the target equal to the source: updates and deletes too')
    .option('--yes', 'confirm the deletes of a sync')
    .option('--dry-run', 'print the plan (nothing is written)')
    .option(
      '--bucket <name>',
      'fast path to a cloud target: the OSS bucket batch tasks go through (same region)',
    )
    .option('--oss-path <path>', 'path in the bucket (default /loupe/batch-…)')
    .option('--oss-endpoint <url>', 'OSS endpoint (default https://oss-<region>.aliyuncs.com)')
    .addOption(
      new Option(
        '--batch-threshold <n>',
        'pictures from which the batch path is taken (default 2000)',
      ).argParser(intArg),
    )
    .action((o, cmd) =>
      run_.contract(cmd, async (ctx) => {
        const scope: CopyScope = {
          from: o.from,
          to: o.to,
          ...(o.filter ? { filter: o.filter } : {}),
          ...(o.category !== undefined ? { category: o.category } : {}),
          ...(o.product?.length ? { productIds: o.product } : {}),
          ...(o.sync ? { sync: true } : {}),
          ...(o.bucket
            ? {
                batch: {
                  bucket: o.bucket,
                  ...(o.ossPath ? { path: o.ossPath } : {}),
                  ...(o.ossEndpoint ? { ossEndpoint: o.ossEndpoint } : {}),
                  ...(o.batchThreshold !== undefined ? { threshold: o.batchThreshold } : {}),
                },
              }
            : {}),
        }
        const plan = await ctx.api.copy.plan(scope)
        if (o.dryRun) {
          const items = await allItems(ctx, plan)
          await ctx.api.copy.discardPlan({ planId: plan.planId })
          if (ctx.json) ctx.printJson({ ...plan, items })
          else planText(ctx, plan, items)
          return plan.capacity.fits ? 0 : EXIT_NOT_ALL_COPIED
        }
        if (!ctx.json && plan.deletes.length && !o.yes) {
          ctx.out(`This sync would delete ${plan.deletes.length} pictures from ${plan.to}:`)
          for (const k of plan.deletes.slice(0, 50)) ctx.out(`  ${k.productId} / ${k.picName}`)
        }
        const { jobId, resumed } = await ctx.api.copy.start({
          planId: plan.planId,
          ...(o.yes ? { confirmDeletes: true } : {}),
        })
        return follow(ctx, jobId, resumed)
      }),
    )
}
