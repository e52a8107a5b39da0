import fs from 'node:fs'
import path from 'node:path'
import type { BatchLine, BatchTask } from '../api/domains/batch'
import type { ReconcilePreview, WatchFile, WatchRule } from '../api/domains/watch'
import type { Command, CommandContext } from './commands'
import { ATTR_OPTIONS, UsageError, attributeFields, int, str } from './commands'

function defaults(ctx: CommandContext): Record<string, string | number> | undefined {
  const out = attributeFields(ctx)
  return Object.keys(out).length ? out : undefined
}

/** Call a contract method through the dispatcher (validated, defaults applied); throw its error. */
async function call<T>(ctx: CommandContext, name: string, input: unknown): Promise<T> {
  const r = await ctx.core.dispatch(name, input)
  if ('error' in r) throw r.error
  return r.result as T
}

function list(ctx: CommandContext, name: string): string[] {
  const v = ctx.values[name]
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : []
}

function when(ms: number | null): string {
  if (!ms) return '-'
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19)
}

function took(a: number | null, b: number | null): string {
  if (!a || !b) return ''
  const s = Math.round((b - a) / 1000)
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
}

function batchSource(froms: string[]) {
  if (froms.length === 0)
    throw new UsageError('Give --from SOURCE (a folder, a manifest or pictures)')
  const abs = froms.map((f) => path.resolve(f))
  if (abs.length === 1) {
    const p = abs[0]
    let dir = false
    try {
      dir = fs.statSync(p).isDirectory()
    } catch {
      /* reported by the core */
    }
    if (dir) return { type: 'folder' as const, path: p }
    if (/(^|[\\/])increment\.meta$|\.(csv|jsonl|ndjson)$/i.test(p)) {
      return { type: 'manifest' as const, path: p }
    }
  }
  return { type: 'files' as const, paths: abs }
}

function taskLine(t: BatchTask): string {
  const lines = `${t.linesOk} ok, ${t.linesFailed} failed, ${t.linesRejected} set apart of ${t.linesTotal}`
  return `${String(t.id).padStart(4)}  ${t.state.padEnd(10)} ${t.profile.padEnd(12)} ${when(t.createdAt)}  ${took(t.startedAt, t.finishedAt).padStart(6)}  ${lines}  ${t.title}`
}

async function printLines(ctx: CommandContext, id: number, states: string[]): Promise<number> {
  const r = await call<{ total: number; lines: BatchLine[] }>(ctx, 'batch.lines', {
    id,
    states,
    limit: 1000,
  })
  for (const l of r.lines) {
    const where = l.metaLine ? `line ${l.metaLine}` : l.origin
    ctx.out(`  ${where}: ${l.productId} ${l.picName ?? ''} — ${l.code}: ${l.message}`)
  }
  if (r.total > r.lines.length) ctx.out(`  … and ${r.total - r.lines.length} more`)
  return r.total
}

/** Run (or wait for) a task: this process runs it when no host does. */
async function follow(ctx: CommandContext, t: BatchTask, wait: boolean): Promise<number> {
  const core = ctx.core
  const runner = core.batch.start()
  if (!runner.ok && !ctx.json) {
    ctx.out(
      `Task ${t.id} queued; the Loupe ${runner.owner.host} host (pid ${runner.owner.pid}) runs it.`,
    )
  }
  if (!runner.ok && !wait) return 0
  let last = ''
  const off = core.events.onAny((name, p) => {
    if (name !== 'task.status' || ctx.json) return
    const s = p as { id: number; status: string; message: string | null }
    if (s.id !== t.id) return
    const line = `${s.status}${s.message ? `: ${s.message}` : ''}`
    if (line !== last) process.stderr.write(line + '\n')
    last = line
  })
  try {
    const done = (await core.batch.waitFor(t.id, wait ? [] : ['processing'], 250)) as BatchTask
    if (ctx.json) ctx.printJson(done)
    else {
      ctx.out(taskLine(done))
      if (done.error)
        ctx.out(
          `${done.error.code}: ${done.error.message}${done.error.hint ? ` (${done.error.hint})` : ''}`,
        )
      if (done.state === 'processing') {
        ctx.out(
          `Submitted as engine task ${done.engineTaskId}; a running Loupe host follows it to the end (loupe batch list).`,
        )
      }
      if (done.linesFailed + done.linesRejected > 0) {
        ctx.out('Failed or set apart:')
        await printLines(ctx, done.id, ['failed', 'rejected'])
        ctx.out(`Retry them with: loupe batch retry ${done.id}`)
      }
    }
    if (done.state === 'failed' || done.state === 'cancelled') return 1
    return done.linesFailed + done.linesRejected > 0 ? 1 : 0
  } finally {
    off()
  }
}

function ruleLine(r: WatchRule): string {
  const c = r.counts
  const state = r.state === 'syncing' && r.detail ? `syncing ${r.detail}` : r.state
  return `${String(r.id).padStart(4)}  ${state.padEnd(16)} ${r.profile.padEnd(12)} ${r.folder}  [naming ${r.naming}, on delete ${r.onDelete}${r.include.length ? `, include ${r.include.join(' ')}` : ''}${r.exclude.length ? `, exclude ${r.exclude.join(' ')}` : ''}]  ${c.synced} synced, ${c.pending} pending, ${c.failed} failed, ${c.rejected} rejected; last sync ${when(r.lastSyncAt)}`
}

function idArg(ctx: CommandContext, what: string): number {
  const v = ctx.positionals[0]
  if (!v || !/^\d+$/.test(v) || ctx.positionals.length > 1)
    throw new UsageError(`Give one ${what} ID`)
  return Number(v)
}
const ruleId = (ctx: CommandContext) => idArg(ctx, 'rule')
const taskId = (ctx: CommandContext) => idArg(ctx, 'task')

export const TASK_COMMANDS: Record<string, Command> = {
  'batch create': {
    usage:
      '--from SOURCE [--from …] [--naming folder|file|TEMPLATE] [--bucket B --path P] [--callback URL] [--oss-endpoint URL] [--no-prepare] [--wait] [--category N] [--str-attr S] …',
    summary: 'make a batch task (increment.meta) from a folder, a manifest or pictures and run it',
    options: {
      from: { type: 'string', multiple: true },
      naming: { type: 'string' },
      bucket: { type: 'string' },
      path: { type: 'string' },
      callback: { type: 'string' },
      'oss-endpoint': { type: 'string' },
      'no-prepare': { type: 'boolean' },
      wait: { type: 'boolean' },
      title: { type: 'string' },
      ...ATTR_OPTIONS,
    },
    async run(ctx) {
      const t = await call<BatchTask>(ctx, 'batch.create', {
        profile: ctx.profile(),
        source: batchSource(list(ctx, 'from')),
        naming: str(ctx, 'naming'),
        defaults: defaults(ctx),
        prepare: !ctx.values['no-prepare'],
        bucket: str(ctx, 'bucket'),
        path: str(ctx, 'path'),
        callbackAddress: str(ctx, 'callback'),
        ossEndpoint: str(ctx, 'oss-endpoint'),
        title: str(ctx, 'title'),
      })
      if (!ctx.json) {
        ctx.out(
          `Batch task ${t.id}: ${t.linesTotal} lines (${t.linesRejected} set apart) → bucket ${t.bucket}, path ${t.path}`,
        )
      }
      return follow(ctx, t, !!ctx.values.wait)
    },
  },
  'batch list': {
    usage: '[--limit N]',
    summary: 'list batch tasks (state, lines ok / failed, timings)',
    options: { limit: { type: 'string' }, all: { type: 'boolean' } },
    async run(ctx) {
      const r = await call<{
        tasks: BatchTask[]
        total: number
        runner: { pid: number; host: string } | null
      }>(ctx, 'batch.list', {
        ...(ctx.values.all ? {} : { profile: ctx.profile() }),
        limit: int(ctx, 'limit') ?? 50,
      })
      if (ctx.json) return ctx.printJson(r)
      if (!r.tasks.length) ctx.out('No batch tasks.')
      for (const t of r.tasks) ctx.out(taskLine(t))
      if (r.tasks.some((t) => !['success', 'failed', 'cancelled'].includes(t.state)) && !r.runner) {
        ctx.out('No Loupe host runs batch tasks now: unfinished ones continue when one starts.')
      }
    },
  },
  'batch show': {
    usage: 'ID',
    summary: 'a batch task with its failed lines',
    async run(ctx) {
      const id = taskId(ctx)
      const t = await call<BatchTask>(ctx, 'batch.get', { id })
      if (ctx.json) {
        const lines = await call<{ lines: BatchLine[] }>(ctx, 'batch.lines', {
          id,
          states: ['failed', 'rejected'],
          limit: 1000,
        })
        return ctx.printJson({ ...t, failedLines: lines.lines })
      }
      ctx.out(taskLine(t))
      ctx.out(
        `  source ${t.sourceText}; bucket ${t.bucket}, path ${t.path}; engine task ${t.engineTaskId ?? '-'}`,
      )
      if (t.detail) ctx.out(`  ${t.detail}`)
      if (t.error) ctx.out(`  ${t.error.code}: ${t.error.message}`)
      if (t.errorUrl) ctx.out(`  error file: ${t.errorUrl}`)
      if (t.linesFailed + t.linesRejected > 0) await printLines(ctx, id, ['failed', 'rejected'])
    },
  },
  'batch retry': {
    usage: 'ID [--wait]',
    summary: 'a new batch task with the failed lines of task ID',
    options: { wait: { type: 'boolean' } },
    async run(ctx) {
      const t = await call<BatchTask>(ctx, 'batch.retryFailed', { id: taskId(ctx) })
      if (!ctx.json) ctx.out(`Batch task ${t.id}: ${t.linesTotal} lines to retry`)
      return follow(ctx, t, !!ctx.values.wait)
    },
  },
  'watch add': {
    usage:
      'FOLDER [--naming folder|file|TEMPLATE] [--on-delete remove|keep] [--include GLOB]… [--exclude GLOB]… [--category N] [--str-attr S] …',
    summary: 'watch a folder: new and changed pictures go to the gallery by themselves',
    options: {
      naming: { type: 'string' },
      'on-delete': { type: 'string' },
      include: { type: 'string', multiple: true },
      exclude: { type: 'string', multiple: true },
      ...ATTR_OPTIONS,
    },
    async run(ctx) {
      if (ctx.positionals.length !== 1) throw new UsageError('Give one FOLDER')
      const onDelete = str(ctx, 'on-delete')
      if (onDelete && onDelete !== 'remove' && onDelete !== 'keep') {
        throw new UsageError('--on-delete must be remove or keep')
      }
      const r = await call<WatchRule>(ctx, 'watch.add', {
        folder: path.resolve(ctx.positionals[0]),
        profile: ctx.profile(),
        naming: str(ctx, 'naming'),
        onDelete,
        include: list(ctx, 'include'),
        exclude: list(ctx, 'exclude'),
        defaults: defaults(ctx),
      })
      if (ctx.json) return ctx.printJson(r)
      ctx.out(`Watch rule ${r.id}: ${r.folder} → profile ${r.profile}`)
      const runner = ctx.core.watch.runner()
      ctx.out(
        runner
          ? `The Loupe ${runner.host} host (pid ${runner.pid}) watches it from now on.`
          : 'No Loupe host is running: the folder is watched once `loupe serve` or the desktop app starts.',
      )
    },
  },
  'watch list': {
    summary: 'list watch rules with their live state',
    async run(ctx) {
      const r = await call<{ rules: WatchRule[]; runner: { pid: number; host: string } | null }>(
        ctx,
        'watch.list',
        {},
      )
      if (ctx.json) return ctx.printJson(r)
      if (!r.rules.length) ctx.out('No watch rules. Add one with: loupe watch add FOLDER')
      for (const x of r.rules) {
        ctx.out(ruleLine(x))
        if (x.detail && x.state !== 'syncing') ctx.out(`        ${x.detail}`)
      }
      ctx.out(
        r.runner
          ? `Watched by the Loupe ${r.runner.host} host (pid ${r.runner.pid}).`
          : 'No Loupe host is watching now.',
      )
    },
  },
  'watch remove': {
    usage: 'ID',
    summary: 'stop watching a folder (the gallery keeps its pictures)',
    async run(ctx) {
      await call(ctx, 'watch.remove', { id: ruleId(ctx) })
      if (!ctx.json) ctx.out(`Removed watch rule ${ctx.positionals[0]}`)
      else ctx.printJson({ ok: true })
    },
  },
  'watch pause': {
    usage: 'ID',
    summary: 'pause a watch rule',
    async run(ctx) {
      const r = await call<WatchRule>(ctx, 'watch.pause', { id: ruleId(ctx) })
      if (ctx.json) return ctx.printJson(r)
      ctx.out(ruleLine(r))
    },
  },
  'watch resume': {
    usage: 'ID',
    summary: 'resume a paused watch rule',
    async run(ctx) {
      const r = await call<WatchRule>(ctx, 'watch.resume', { id: ruleId(ctx) })
      if (ctx.json) return ctx.printJson(r)
      ctx.out(ruleLine(r))
    },
  },
  'watch files': {
    usage: 'ID [--state pending|synced|failed|rejected]',
    summary: 'the pictures a watch rule tracks',
    options: { state: { type: 'string', multiple: true } },
    async run(ctx) {
      const r = await call<{ total: number; files: WatchFile[] }>(ctx, 'watch.files', {
        id: ruleId(ctx),
        ...(list(ctx, 'state').length ? { states: list(ctx, 'state') } : {}),
        limit: 1000,
      })
      if (ctx.json) return ctx.printJson(r)
      for (const f of r.files) {
        ctx.out(
          `${f.state.padEnd(9)} ${f.relPath}  ${f.productId ?? '-'} / ${f.picName ?? '-'}${f.error ? `  ${f.error.code}: ${f.error.message}` : ''}`,
        )
      }
      if (r.total > r.files.length) ctx.out(`… and ${r.total - r.files.length} more`)
    },
  },
  'watch reconcile': {
    usage: 'ID [--apply]',
    summary:
      'compare a watched folder with the gallery (to add / update / delete); --apply sends it',
    options: { apply: { type: 'boolean' } },
    async run(ctx) {
      const id = ruleId(ctx)
      const p = await call<ReconcilePreview>(ctx, 'watch.reconcile', { id })
      if (!ctx.json) {
        const c = p.counts
        ctx.out(
          `${c.add} to add, ${c.update} to update, ${c.delete} to delete, ${c.unchanged} unchanged, ${c.rejected} rejected${c.kept ? `, ${c.kept} gone but kept` : ''}${c.inFlight ? `, ${c.inFlight} being sent` : ''}`,
        )
        const show = (
          label: string,
          rows: {
            relPath: string
            productId: string | null
            picName: string | null
            error?: { code: string; message: string } | null
          }[],
        ) => {
          for (const r of rows.slice(0, 20)) {
            ctx.out(
              `  ${label} ${r.relPath} → ${r.productId ?? '-'} / ${r.picName ?? '-'}${r.error ? `  ${r.error.code}: ${r.error.message}` : ''}`,
            )
          }
          if (rows.length > 20) ctx.out(`  … ${rows.length - 20} more`)
        }
        show('+', p.add)
        show('~', p.update)
        show('-', p.delete)
        show('!', p.rejected)
      }
      if (!ctx.values.apply) {
        if (ctx.json) ctx.printJson(p)
        else if (p.counts.add + p.counts.update + p.counts.delete > 0) {
          ctx.out(`Nothing was sent. Apply with: loupe watch reconcile ${id} --apply`)
        }
        return 0
      }
      const a = await call<{
        delegated: boolean
        jobId: number | null
        add: number
        update: number
        delete: number
        requestedAt: number | null
      }>(ctx, 'watch.apply', { id, token: p.token })
      if (a.delegated) {
        // The host running the watchers applies it; wait for its answer.
        const end = Date.now() + 120_000
        for (;;) {
          const r = ctx.core.watch.store().rule(id)
          if (r?.applyResult && r.applyResult.at >= (a.requestedAt ?? 0)) {
            if (ctx.json) ctx.printJson(r.applyResult)
            else if (r.applyResult.error) ctx.out(`Not applied: ${r.applyResult.error}`)
            else {
              ctx.out(
                `Applied by the running host: job ${r.applyResult.jobId ?? '-'} (${r.applyResult.add} to add, ${r.applyResult.update} to update, ${r.applyResult.delete} to delete).`,
              )
            }
            return r.applyResult.error ? 1 : 0
          }
          if (Date.now() > end) {
            ctx.out(
              'Asked the running host to apply; it has not answered yet (see loupe watch list).',
            )
            return 1
          }
          await new Promise((res) => setTimeout(res, 250))
        }
      }
      if (a.jobId === null) {
        if (ctx.json) ctx.printJson(a)
        else ctx.out('Nothing to send.')
        return 0
      }
      const job = await ctx.core.jobs.whenSettled(a.jobId)
      if (ctx.json) return ctx.printJson({ ...a, job })
      ctx.out(`Job ${a.jobId}: ${job.done} done, ${job.failed} failed (${job.state})`)
      return job.failed > 0 ? 1 : 0
    },
  },
}
