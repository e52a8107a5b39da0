import fs from 'node:fs'
import path from 'node:path'
import type { CommandUnknownOpts } from '@commander-js/extra-typings'
import type { BatchTask } from '../../api/domains/batch'
import {
  attrOptions,
  attributeDefaults,
  collect,
  idArg,
  intArg,
  sleep,
  type AttrValues,
  type CommandContext,
  when,
} from './context'
import type { Runner } from './runner'
import { escapeLogText } from '../../core/log-text'
import { registerWatchCommands } from './watch'

/** `loupe batch …` (and `loupe watch …`, in watch.ts). */

function took(a: number | null, b: number | null): string {
  if (!a || !b) return ''
  const s = Math.round((b - a) / 1000)
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
}

function batchSource(froms: string[]) {
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

async function printLines(ctx: CommandContext, id: number): Promise<number> {
  const r = await ctx.api.batch.lines({ id, states: ['failed', 'rejected'], limit: 1000 })
  for (const l of r.lines) {
    const where = l.metaLine ? `line ${l.metaLine}` : l.origin
    ctx.out(`  ${where}: ${l.productId} ${l.picName ?? ''} — ${l.code}: ${l.message}`)
  }
  if (r.total > r.lines.length) ctx.out(`  … and ${r.total - r.lines.length} more`)
  return r.total
}

const FINAL = ['success', 'failed', 'cancelled']

/**
 * Follows a task. Run in this process (no host on the data folder), it is run here until it is
 * handed to the engine, or to its end with --wait; a host runs it by itself (--wait: followed).
 */
async function follow(ctx: CommandContext, t: BatchTask, wait: boolean): Promise<number> {
  const runner = await ctx.runBatchHere()
  if (!runner.ok && !ctx.json) {
    ctx.out(
      `Task ${t.id} queued; the Loupe ${runner.owner.host} host (pid ${runner.owner.pid}) runs it.`,
    )
  }
  if (!runner.ok && !wait) return 0
  let last = ''
  const off = ctx.on('task.status', (s) => {
    if (ctx.json || s.kind !== 'batch' || s.id !== t.id) return
    const line = `${s.status}${s.message ? `: ${s.message}` : ''}`
    if (line !== last) process.stderr.write(escapeLogText(line) + '\n')
    last = line
  })
  try {
    let done = t
    while (!FINAL.includes(done.state) && (wait || done.state !== 'processing')) {
      await sleep(250)
      done = await ctx.api.batch.get({ id: t.id })
    }
    if (ctx.json) ctx.printJson(done)
    else {
      ctx.out(taskLine(done))
      if (done.error) {
        ctx.out(
          `${done.error.code}: ${done.error.message}${done.error.hint ? ` (${done.error.hint})` : ''}`,
        )
      }
      if (done.state === 'processing') {
        ctx.out(
          `Submitted as engine task ${done.engineTaskId}; a running Loupe host follows it to the end (loupe batch list).`,
        )
      }
      if (done.linesFailed + done.linesRejected > 0) {
        ctx.out('Failed or set apart:')
        await printLines(ctx, done.id)
        ctx.out(`Retry them with: loupe batch retry ${done.id}`)
      }
    }
    if (done.state === 'failed' || done.state === 'cancelled') return 1
    return done.linesFailed + done.linesRejected > 0 ? 1 : 0
  } finally {
    off()
  }
}

export function registerTaskCommands(program: CommandUnknownOpts, run: Runner): void {
  const batch = program
    .command('batch')
    .description('batch tasks: many pictures in one increment.meta (IncreaseInstance)')

  const create = batch
    .command('create')
    .description('make a batch task from a folder, a manifest or pictures and run it')
    .requiredOption('--from <source>', 'a folder, a manifest or a picture (repeatable)', collect)
    .option('--naming <rule>', 'folder, file or a template such as {product}_{view}.{ext}')
    .option('--bucket <bucket>', 'cloud: the OSS bucket')
    .option('--path <path>', 'cloud: the path in the bucket')
    .option('--callback <url>', 'cloud: CallbackAddress')
    .option('--oss-endpoint <url>', 'cloud: OSS endpoint')
    .option('--no-prepare', 'send the pictures as they are')
    .option('--wait', 'follow the task to its end')
    .option('--title <text>', 'a title for the task list')
  for (const o of attrOptions()) create.addOption(o)
  create.action((o, cmd) =>
    run.contract(cmd, async (ctx) => {
      const t = await ctx.api.batch.create({
        profile: await ctx.profile(),
        source: batchSource(o.from),
        naming: o.naming,
        defaults: attributeDefaults(o as AttrValues),
        prepare: o.prepare,
        bucket: o.bucket,
        path: o.path,
        callbackAddress: o.callback,
        ossEndpoint: o.ossEndpoint,
        title: o.title,
      })
      if (!ctx.json) {
        ctx.out(
          `Batch task ${t.id}: ${t.linesTotal} lines (${t.linesRejected} set apart) → bucket ${t.bucket}, path ${t.path}`,
        )
      }
      return follow(ctx, t, !!o.wait)
    }),
  )

  batch
    .command('list')
    .description('list batch tasks (state, lines ok / failed, timings)')
    .option('--limit <n>', 'at most this many', intArg, 50)
    .option('--all', 'of every profile')
    .action((o, cmd) =>
      run.contract(cmd, async (ctx) => {
        const r = await ctx.api.batch.list({
          ...(o.all ? {} : { profile: await ctx.profile() }),
          limit: o.limit,
        })
        if (ctx.json) return ctx.printJson(r)
        if (!r.tasks.length) ctx.out('No batch tasks.')
        for (const t of r.tasks) ctx.out(taskLine(t))
        if (r.tasks.some((t) => !FINAL.includes(t.state)) && !r.runner) {
          ctx.out('No Loupe host runs batch tasks now: unfinished ones continue when one starts.')
        }
      }),
    )

  batch
    .command('show')
    .description('a batch task with its failed lines')
    .argument('<id>', 'the task', idArg)
    .action((id, _o, cmd) =>
      run.contract(cmd, async (ctx) => {
        const t = await ctx.api.batch.get({ id })
        if (ctx.json) {
          const lines = await ctx.api.batch.lines({
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
        if (t.linesFailed + t.linesRejected > 0) await printLines(ctx, id)
      }),
    )

  batch
    .command('retry')
    .description('a new batch task with the failed lines of task ID')
    .argument('<id>', 'the task', idArg)
    .option('--wait', 'follow the new task to its end')
    .action((id, o, cmd) =>
      run.contract(cmd, async (ctx) => {
        const t = await ctx.api.batch.retryFailed({ id })
        if (!ctx.json) ctx.out(`Batch task ${t.id}: ${t.linesTotal} lines to retry`)
        return follow(ctx, t, !!o.wait)
      }),
    )

  registerWatchCommands(program, run)
}
