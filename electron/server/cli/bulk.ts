import path from 'node:path'
import { Option, type CommandUnknownOpts } from '@commander-js/extra-typings'
import type { BulkOptions, PlanRow } from '../../api/domains/bulk'
import type { JobItemView, JobView } from '../../api/domains/jobs'
import type { EventPayload } from '../../api/events'
import type { z } from 'zod'
import {
  UsageError,
  attrOptions,
  attributeFields,
  settledJob,
  sleep,
  stopSignal,
  type AttrValues,
  type CommandContext,
} from './context'
import type { Runner } from './runner'

/** Exit code when the job ended with failed items (or did not finish). */
export const EXIT_ITEMS_FAILED = 1

type BulkInput = z.input<typeof BulkOptions>
type Progress = EventPayload<'job.progress'> | JobView

function duration(s: number): string {
  if (!Number.isFinite(s)) return '?'
  s = Math.round(s)
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`
}

function rowLine(r: PlanRow): string {
  const id = r.productId !== null ? `${r.productId} / ${r.picName ?? ''}` : '-'
  const what =
    r.action === 'reject' || r.action === 'skip'
      ? `${r.reason?.code ?? r.action}: ${r.reason?.message ?? ''}`
      : r.steps.join('; ')
  const dup = r.duplicate
    ? `  [${r.duplicate.kind} duplicate of ${r.duplicate.existing
        .slice(0, 3)
        .map(
          (e) =>
            `${e.productId}/${e.picName}${e.inPlan ? ` (this batch${e.relPath ? `: ${e.relPath}` : ''})` : ' (in the gallery)'}`,
        )
        .join(', ')}]`
    : ''
  const outcome = r.action === 'add' || r.action === 'delete' ? (r.outcome ?? r.op) : r.action
  return `${outcome.padEnd(9)} ${id}  ${r.origin ?? r.relPath}  ${what}${dup}`
}

/** Every row of a bulk-add preview, in order, as the core plans them (nothing is sent). */
async function* planRows(ctx: CommandContext, input: BulkInput): AsyncGenerator<PlanRow> {
  const { planId } = await ctx.api.bulk.plan(input)
  try {
    let offset = 0
    for (;;) {
      const page = await ctx.api.bulk.planPage({ planId, offset, limit: 1000 })
      for (const row of page.rows) yield row
      offset += page.rows.length
      const s = page.status
      if (s.state === 'failed' || s.state === 'cancelled') {
        throw Object.assign(new Error(s.error?.message ?? 'The preview was stopped.'), {
          code: s.error?.code ?? 'PlanNotReady',
          ...(s.error?.hint ? { hint: s.error.hint } : {}),
        })
      }
      if (s.state === 'ready' && offset >= s.planned) return
      if (!page.rows.length) await sleep(100)
    }
  } finally {
    await ctx.api.bulk.discardPlan({ planId }).catch(() => {})
  }
}

async function dryRun(ctx: CommandContext, input: BulkInput): Promise<number> {
  const counts = { add: 0, skip: 0, reject: 0, delete: 0 }
  let copies = 0
  for await (const row of planRows(ctx, input)) {
    counts[row.action]++
    if (row.action === 'add' && row.duplicate?.existing.some((e) => e.inPlan)) copies++
    if (ctx.json) process.stdout.write(JSON.stringify(row) + '\n')
    else ctx.out(rowLine(row))
  }
  if (!ctx.json) {
    ctx.out(
      `\n${counts.add} to add${copies ? ` (${copies} identical to another file of this batch, each added under its own ids)` : ''}, ${counts.skip} skipped, ${counts.reject} rejected${counts.delete ? `, ${counts.delete} to delete` : ''} (dry run: nothing was sent)`,
    )
  }
  return counts.reject > 0 ? EXIT_ITEMS_FAILED : 0
}

function progressText(p: Progress): string {
  const finished = p.done + p.failed + p.skipped
  const pct = p.total ? Math.floor((100 * finished) / p.total) : 0
  const eta =
    p.etaSeconds !== null && p.state === 'running' ? `, ${duration(p.etaSeconds)} left` : ''
  return `${finished}/${p.total} (${pct} %) — ${p.done} added, ${p.failed} failed, ${p.skipped} skipped — ${p.rate.toFixed(1)}/s${eta}`
}

async function run(
  ctx: CommandContext,
  input: BulkInput,
  profile: string,
  jsonProgress: boolean,
): Promise<number> {
  const t0 = Date.now()
  let jobId = -1
  const early: Progress[] = []
  const tty = process.stderr.isTTY && !jsonProgress && !ctx.json
  let lastLine = 0
  const show = (p: Progress) => {
    if (jsonProgress) {
      process.stdout.write(JSON.stringify({ type: 'progress', ...p }) + '\n')
    } else if (!ctx.json) {
      const now = Date.now()
      if (tty) process.stderr.write(`\r\x1b[2K${progressText(p)}`)
      else if (now - lastLine > 5000) {
        lastLine = now
        process.stderr.write(progressText(p) + '\n')
      }
    }
  }
  const unsub = ctx.on('job.progress', (p) => {
    if (jobId < 0) early.push(p)
    else if (p.jobId === jobId) show(p)
  })
  const { stopped, dispose } = stopSignal()
  try {
    const started = await ctx.api.bulk.start(input)
    jobId = started.jobId
    const doneBefore = started.resumed ? (await ctx.api.jobs.get({ jobId })).done : 0
    if (!jsonProgress && !ctx.json) {
      process.stderr.write(
        `${started.resumed ? 'Resuming' : 'Started'} bulk add job ${jobId} (profile ${profile})${ctx.remote ? ` in the Loupe ${ctx.remote.kind} host (pid ${ctx.remote.pid})` : ''}\n`,
      )
    }
    for (const p of early.splice(0)) if (p.jobId === jobId) show(p)
    const outcome = await Promise.race([
      settledJob(ctx, jobId),
      stopped.then((s) => ({ signal: s })),
    ])
    if (tty) process.stderr.write('\n')
    if ('signal' in outcome) {
      // In this process the job pauses as the core closes; a host is asked to pause it.
      const v = ctx.remote ? await ctx.api.jobs.pause({ jobId }) : await ctx.api.jobs.get({ jobId })
      process.stderr.write(
        `Stopped (${outcome.signal}) at ${progressText(v)}. Run the same command again to resume job ${jobId}.\n`,
      )
      return 130
    }
    const seconds = (Date.now() - t0) / 1000
    return summary(ctx, outcome, started.resumed, seconds, outcome.done - doneBefore, jsonProgress)
  } finally {
    unsub()
    dispose()
  }
}

async function allItems(ctx: CommandContext, jobId: number, state: 'failed' | 'skipped') {
  const out: JobItemView[] = []
  for (;;) {
    const page = await ctx.api.jobs.items({
      jobId,
      states: [state],
      offset: out.length,
      limit: 1000,
    })
    out.push(...page.items)
    if (!page.items.length || out.length >= page.total) return out
  }
}

async function summary(
  ctx: CommandContext,
  job: JobView,
  resumed: boolean,
  seconds: number,
  addedNow: number,
  jsonProgress: boolean,
): Promise<number> {
  const failures = await allItems(ctx, job.jobId, 'failed')
  const skipped = await allItems(ctx, job.jobId, 'skipped')
  const ok = job.state === 'done' && job.failed === 0
  const brief = (i: JobItemView) => ({
    source: i.source,
    productId: i.productId,
    picName: i.picName,
    code: i.error?.code ?? null,
    message: i.error?.message ?? null,
  })
  if (ctx.json || jsonProgress) {
    const out = {
      type: 'summary',
      jobId: job.jobId,
      resumed,
      state: job.state,
      total: job.total,
      done: job.done,
      failed: job.failed,
      skipped: job.skipped,
      pending: job.pending,
      error: job.error,
      seconds: Math.round(seconds * 10) / 10,
      addedThisRun: addedNow,
      failures: failures.map(brief),
      skippedItems: skipped.map(brief),
    }
    process.stdout.write((jsonProgress ? JSON.stringify(out) : JSON.stringify(out, null, 2)) + '\n')
    return ok ? 0 : EXIT_ITEMS_FAILED
  }
  const perSec = addedNow / Math.max(0.001, seconds)
  ctx.out(
    `Job ${job.jobId}${resumed ? ' (resumed)' : ''} ${job.state}: ${job.done} added, ${job.failed} failed, ${job.skipped} skipped of ${job.total}; this run: ${addedNow} added in ${duration(seconds)} (${perSec.toFixed(1)} images/s)`,
  )
  if (job.error) ctx.out(`Stopped: ${job.error.code}: ${job.error.message}`)
  const list = (title: string, items: JobItemView[]) => {
    if (!items.length) return
    ctx.out(`${title}:`)
    for (const i of items.slice(0, 50)) {
      const id = i.productId ? `${i.productId} / ${i.picName ?? ''}` : ''
      ctx.out(
        `  ${i.source ?? i.relPath}  ${id}  ${i.error?.code ?? ''}: ${i.error?.message ?? ''}`,
      )
    }
    if (items.length > 50)
      ctx.out(`  … and ${items.length - 50} more (loupe jobs failures ${job.jobId})`)
  }
  list('Failed', failures)
  list('Skipped', skipped)
  return ok ? 0 : EXIT_ITEMS_FAILED
}

/** `loupe bulk-add` and `loupe jobs …`. */
export function registerBulkCommands(program: CommandUnknownOpts, run_: Runner): void {
  const bulkAdd = program
    .command('bulk-add')
    .description(
      'add every picture of folders, files or manifests as a resumable job (exit 0 only if all succeeded)',
    )
    .argument('<source...>', 'folders, pictures, or manifests (CSV, JSON lines, increment.meta)')
    .option(
      '--naming <rule>',
      'folder, file or a template such as {product}_{view}.{ext}',
      'folder',
    )
    .addOption(
      new Option('--duplicates <mode>', 'pictures already in the gallery')
        .choices(['skip', 'add'] as const)
        .default('skip' as const),
    )
    .addOption(
      new Option('--small-image <mode>', 'pictures below the engine minimum')
        .choices(['reject', 'upscale', 'pad'] as const)
        .default('reject' as const),
    )
    .option('--no-recursive', 'only the top level of folders')
    .option('--no-crop', 'do not detect the subject: whole pictures are indexed')
    .option('--dry-run', 'show what would happen (one line, or JSON object, per picture)')
    .option('--json-progress', 'progress and summary as JSON lines on stdout')
  for (const o of attrOptions()) bulkAdd.addOption(o)
  bulkAdd.action((sources, o, cmd) =>
    run_.contract(cmd, async (ctx) => {
      const profile = await ctx.profile()
      const defaults: Record<string, string | number | boolean> = attributeFields(o as AttrValues)
      if (!o.crop) defaults.crop = false
      const input: BulkInput = {
        profile,
        // Absolute: the host answering may run in another folder.
        sources: sources.map((s) => path.resolve(s)),
        naming: o.naming,
        defaults,
        duplicates: o.duplicates,
        smallImage: o.smallImage,
        ...(o.recursive ? {} : { recursive: false }),
      }
      if (o.dryRun) return dryRun(ctx, input)
      return run(ctx, input, profile, !!o.jsonProgress)
    }),
  )

  const jobs = program.command('jobs').description('the job queue (bulk adds, watch syncs…)')
  jobs
    .command('list')
    .description('list the jobs of the queue (newest first)')
    .option('--active', 'only queued, running and paused jobs')
    .action((o, cmd) =>
      run_.contract(cmd, async (ctx) => {
        const r = await ctx.api.jobs.list({ active: !!o.active })
        if (ctx.json) return ctx.printJson(r)
        if (!r.jobs.length) ctx.out('No jobs.')
        for (const j of r.jobs) {
          ctx.out(
            `${String(j.jobId).padStart(4)}  ${j.state.padEnd(9)} ${j.profile.padEnd(12)} ${progressText(j)}  ${j.title}${j.error ? `  (${j.error.code}: ${j.error.message})` : ''}`,
          )
        }
      }),
    )
  jobs
    .command('failures')
    .description("print a job's failed (and with --skipped, skipped) items as CSV")
    .argument('<job-id>', 'the job')
    .option('--skipped', 'skipped items too')
    .action((id, o, cmd) =>
      run_.contract(cmd, async (ctx) => {
        const jobId = Number(id)
        if (!Number.isInteger(jobId) || jobId <= 0) throw new UsageError('Give one JOB_ID')
        const r = await ctx.api.jobs.failuresCsv({ jobId, includeSkipped: !!o.skipped })
        if (ctx.json) return ctx.printJson(r)
        process.stdout.write(r.csv)
      }),
    )
}
