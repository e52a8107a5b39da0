import type { PlanRow } from '../api/domains/bulk'
import type { JobItemView, JobView } from '../api/domains/jobs'
import type { JobProgress } from '../core/jobs/types'
import type { Command, CommandContext } from './commands'
import { ATTR_OPTIONS, UsageError, attributeFields, str } from './commands'

/** Exit code when the job ended with failed items (or did not finish). */
export const EXIT_ITEMS_FAILED = 1

function defaults(ctx: CommandContext) {
  const out: Record<string, string | number | boolean> = attributeFields(ctx)
  if (ctx.values['no-crop']) out.crop = false
  return out
}

function options(ctx: CommandContext) {
  if (!ctx.positionals.length)
    throw new UsageError('Give at least one SOURCE (folder, file or manifest)')
  const duplicates = str(ctx, 'duplicates') ?? 'skip'
  if (duplicates !== 'skip' && duplicates !== 'add')
    throw new UsageError('--duplicates must be skip or add')
  const smallImage = str(ctx, 'small-image') ?? 'reject'
  if (!['reject', 'upscale', 'pad'].includes(smallImage))
    throw new UsageError('--small-image must be reject, upscale or pad')
  return {
    profile: ctx.profile(),
    sources: ctx.positionals,
    naming: str(ctx, 'naming') ?? 'folder',
    defaults: defaults(ctx),
    duplicates: duplicates as 'skip' | 'add',
    smallImage: smallImage as 'reject' | 'upscale' | 'pad',
    ...(ctx.values['no-recursive'] ? { recursive: false } : {}),
  }
}

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

async function dryRun(ctx: CommandContext, input: ReturnType<typeof options>): Promise<number> {
  const counts = { add: 0, skip: 0, reject: 0, delete: 0 }
  let copies = 0
  for await (const row of ctx.core.jobs.planRows(input)) {
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

function progressText(p: JobProgress | JobView): string {
  const finished = p.done + p.failed + p.skipped
  const pct = p.total ? Math.floor((100 * finished) / p.total) : 0
  const eta =
    p.etaSeconds !== null && p.state === 'running' ? `, ${duration(p.etaSeconds)} left` : ''
  return `${finished}/${p.total} (${pct} %) — ${p.done} added, ${p.failed} failed, ${p.skipped} skipped — ${p.rate.toFixed(1)}/s${eta}`
}

async function run(ctx: CommandContext, input: ReturnType<typeof options>): Promise<number> {
  const jsonProgress = !!ctx.values['json-progress']
  const core = ctx.core
  const t0 = Date.now()
  core.jobs.startJobs()
  let jobId = -1
  const early: JobProgress[] = []
  const tty = process.stderr.isTTY && !jsonProgress && !ctx.json
  let lastLine = 0
  const show = (p: JobProgress) => {
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
  const unsub = core.events.onAny((name, payload) => {
    if (name !== 'job.progress') return
    const p = payload as JobProgress
    if (jobId < 0) early.push(p)
    else if (p.jobId === jobId) show(p)
  })
  let stop: (signal: string) => void = () => {}
  const stopped = new Promise<string>((resolve) => (stop = resolve))
  const onSignal = (s: NodeJS.Signals) => stop(s)
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  try {
    const started = await core.api.bulk.start(input)
    jobId = started.jobId
    const doneBefore = started.resumed ? core.jobs.view(jobId).done : 0
    if (!jsonProgress && !ctx.json) {
      process.stderr.write(
        `${started.resumed ? 'Resuming' : 'Started'} bulk add job ${jobId} (profile ${input.profile})\n`,
      )
    }
    for (const p of early.splice(0)) if (p.jobId === jobId) show(p)
    const outcome = await Promise.race([
      core.jobs.whenSettled(jobId),
      stopped.then((s) => ({ signal: s })),
    ])
    if (tty) process.stderr.write('\n')
    if ('signal' in outcome) {
      const v = core.jobs.view(jobId)
      process.stderr.write(
        `Stopped (${outcome.signal}) at ${progressText(v)}. Run the same command again to resume job ${jobId}.\n`,
      )
      return 130
    }
    const seconds = (Date.now() - t0) / 1000
    return summary(ctx, outcome, started.resumed, seconds, outcome.done - doneBefore, jsonProgress)
  } finally {
    unsub()
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}

function summary(
  ctx: CommandContext,
  job: JobView,
  resumed: boolean,
  seconds: number,
  addedNow: number,
  jsonProgress: boolean,
): number {
  const failures: JobItemView[] = [...ctx.core.jobs.iterateItems(job.jobId, ['failed'])]
  const skipped: JobItemView[] = [...ctx.core.jobs.iterateItems(job.jobId, ['skipped'])]
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

export const BULK_COMMANDS: Record<string, Command> = {
  'bulk-add': {
    usage:
      'SOURCE… [--naming folder|file|TEMPLATE] [--category N] [--int-attr N] … [--str-attr S] … [--content TEXT] [--no-crop] [--duplicates skip|add] [--small-image reject|upscale|pad] [--no-recursive] [--dry-run] [--json] [--json-progress]',
    summary:
      'add every picture of folders, files or manifests as a resumable job (exit 0 only if all succeeded)',
    options: {
      naming: { type: 'string' },
      duplicates: { type: 'string' },
      'small-image': { type: 'string' },
      'no-recursive': { type: 'boolean' },
      'no-crop': { type: 'boolean' },
      'dry-run': { type: 'boolean' },
      'json-progress': { type: 'boolean' },
      ...ATTR_OPTIONS,
    },
    async run(ctx) {
      const input = options(ctx)
      if (ctx.values['dry-run']) return dryRun(ctx, input)
      return run(ctx, input)
    },
  },
  'jobs list': {
    usage: '[--active]',
    summary: 'list the jobs of the queue (newest first)',
    options: { active: { type: 'boolean' } },
    async run(ctx) {
      const r = await ctx.core.api.jobs.list({ active: !!ctx.values.active })
      if (ctx.json) return ctx.printJson(r)
      if (!r.jobs.length) ctx.out('No jobs.')
      for (const j of r.jobs) {
        ctx.out(
          `${String(j.jobId).padStart(4)}  ${j.state.padEnd(9)} ${j.profile.padEnd(12)} ${progressText(j)}  ${j.title}${j.error ? `  (${j.error.code}: ${j.error.message})` : ''}`,
        )
      }
    },
  },
  'jobs failures': {
    usage: 'JOB_ID [--skipped]',
    summary: "print a job's failed (and with --skipped, skipped) items as CSV",
    options: { skipped: { type: 'boolean' } },
    async run(ctx) {
      const id = Number(ctx.positionals[0])
      if (ctx.positionals.length !== 1 || !Number.isInteger(id) || id <= 0)
        throw new UsageError('Give one JOB_ID')
      const r = await ctx.core.api.jobs.failuresCsv({
        jobId: id,
        includeSkipped: !!ctx.values.skipped,
      })
      if (ctx.json) return ctx.printJson(r)
      process.stdout.write(r.csv)
    },
  },
}
