import path from 'node:path'
import { Option, type CommandUnknownOpts } from '@commander-js/extra-typings'
import { WATCH_FILE_STATES, type WatchRule } from '../../api/domains/watch'
import {
  attrOptions,
  attributeDefaults,
  collect,
  idArg,
  settledJob,
  sleep,
  type AttrValues,
  type CommandContext,
  when,
} from './context'
import type { Runner } from './runner'

/** `loupe watch …`: watched folders. */

function ruleLine(r: WatchRule): string {
  const c = r.counts
  const state = r.state === 'syncing' && r.detail ? `syncing ${r.detail}` : r.state
  return `${String(r.id).padStart(4)}  ${state.padEnd(16)} ${r.profile.padEnd(12)} ${r.folder}  [naming ${r.naming}, on delete ${r.onDelete}${r.include.length ? `, include ${r.include.join(' ')}` : ''}${r.exclude.length ? `, exclude ${r.exclude.join(' ')}` : ''}${r.followSymlinks ? ', follows links leaving the folder' : ''}]  ${c.synced} synced, ${c.pending} pending, ${c.failed} failed${c.unreadable ? ` (${c.unreadable} cannot be read)` : ''}, ${c.rejected} rejected${c.skipped ? `, ${c.skipped} links not followed` : ''}; last sync ${when(r.lastSyncAt)}`
}

/** What a `loupe watch` user does about unreadable files and folders. */
function unreadableNote(r: WatchRule): string | null {
  if (!r.counts.unreadable) return null
  const next = r.nextRetryAt ? `; next try ${when(r.nextRetryAt)}` : ''
  return `        ${r.counts.unreadable} files or folders cannot be read (see: loupe watch files ${r.id} --state failed)${next}. Fix their permissions, then: loupe watch rescan ${r.id}`
}

export function registerWatchCommands(program: CommandUnknownOpts, run: Runner): void {
  const watch = program
    .command('watch')
    .description('watched folders: new and changed pictures go to the gallery by themselves')

  const add = watch
    .command('add')
    .description('watch a folder')
    .argument('<folder>', 'the folder')
    .option('--naming <rule>', 'folder, file or a template such as {product}_{view}.{ext}')
    .addOption(
      new Option('--on-delete <what>', 'when a picture is deleted').choices([
        'remove',
        'keep',
      ] as const),
    )
    .option('--include <glob>', 'only matching files (repeatable)', collect)
    .option('--exclude <glob>', 'never matching files (repeatable)', collect)
    .option(
      '--follow-symlinks',
      'follow links whose target is outside the folder (default: listed as skipped)',
    )
  for (const o of attrOptions()) add.addOption(o)
  add.action((folder, o, cmd) =>
    run.contract(cmd, async (ctx) => {
      const r = await ctx.api.watch.add({
        folder: path.resolve(folder),
        profile: await ctx.profile(),
        naming: o.naming,
        onDelete: o.onDelete,
        include: o.include ?? [],
        exclude: o.exclude ?? [],
        followSymlinks: !!o.followSymlinks,
        defaults: attributeDefaults(o as AttrValues),
      })
      if (ctx.json) return ctx.printJson(r)
      ctx.out(`Watch rule ${r.id}: ${r.folder} → profile ${r.profile}`)
      const { runner } = await ctx.api.watch.list({})
      ctx.out(
        runner
          ? `The Loupe ${runner.host} host (pid ${runner.pid}) watches it from now on.`
          : 'No Loupe host is running: the folder is watched once `loupe serve` or the desktop app starts.',
      )
    }),
  )

  watch
    .command('list')
    .description('list watch rules with their live state')
    .action((_o, cmd) =>
      run.contract(cmd, async (ctx) => {
        const r = await ctx.api.watch.list({})
        if (ctx.json) return ctx.printJson(r)
        if (!r.rules.length) ctx.out('No watch rules. Add one with: loupe watch add FOLDER')
        for (const x of r.rules) {
          ctx.out(ruleLine(x))
          if (x.detail && x.state !== 'syncing') ctx.out(`        ${x.detail}`)
          const note = unreadableNote(x)
          if (note) ctx.out(note)
        }
        ctx.out(
          r.runner
            ? `Watched by the Loupe ${r.runner.host} host (pid ${r.runner.pid}).`
            : 'No Loupe host is watching now.',
        )
      }),
    )

  watch
    .command('remove')
    .description('stop watching a folder (the gallery keeps its pictures)')
    .argument('<id>', 'the rule', idArg)
    .action((id, _o, cmd) =>
      run.contract(cmd, async (ctx) => {
        const r = await ctx.api.watch.remove({ id })
        if (ctx.json) return ctx.printJson(r)
        ctx.out(`Removed watch rule ${id}`)
      }),
    )

  for (const [name, what] of [
    ['pause', 'pause a watch rule'],
    ['resume', 'resume a paused watch rule'],
  ] as const) {
    watch
      .command(name)
      .description(what)
      .argument('<id>', 'the rule', idArg)
      .action((id, _o, cmd) =>
        run.contract(cmd, async (ctx) => {
          const r = await ctx.api.watch[name]({ id })
          if (ctx.json) return ctx.printJson(r)
          ctx.out(ruleLine(r))
        }),
      )
  }

  watch
    .command('files')
    .description('the pictures a watch rule tracks')
    .argument('<id>', 'the rule', idArg)
    .addOption(
      new Option('--state <state>', 'only those in this state (repeatable)')
        .choices(WATCH_FILE_STATES)
        .argParser((v, prev: string[] | undefined) => collect(v, prev)),
    )
    .action((id, o, cmd) =>
      run.contract(cmd, async (ctx) => {
        const states = o.state as (typeof WATCH_FILE_STATES)[number][] | undefined
        const r = await ctx.api.watch.files({
          id,
          ...(states?.length ? { states } : {}),
          limit: 1000,
        })
        if (ctx.json) return ctx.printJson(r)
        for (const f of r.files) {
          ctx.out(
            `${f.state.padEnd(9)} ${f.relPath}  ${f.productId ?? '-'} / ${f.picName ?? '-'}${f.error ? `  ${f.error.code}: ${f.error.message}` : ''}`,
          )
        }
        if (r.total > r.files.length) ctx.out(`… and ${r.total - r.files.length} more`)
      }),
    )

  watch
    .command('rescan')
    .description(
      'scan a watched folder again now: files and folders that could not be read are tried again',
    )
    .argument('<id>', 'the rule', idArg)
    .option('--no-wait', 'do not wait for the scan to be over')
    .action((id, o, cmd) =>
      run.contract(cmd, async (ctx) => {
        const r = await ctx.api.watch.rescan({ id })
        if (!r.running) {
          if (ctx.json) return ctx.printJson(r)
          ctx.out('No Loupe host is watching folders now: the folder is scanned when one starts.')
          return 0
        }
        if (!o.wait) {
          if (ctx.json) return ctx.printJson(r)
          ctx.out(`Rescan of rule ${id} asked; follow it with: loupe watch list`)
          return 0
        }
        const end = Date.now() + 10 * 60_000
        for (;;) {
          const rule = (await ctx.api.watch.list({})).rules.find((x) => x.id === id)
          if (!rule) return 1
          if ((rule.lastScanAt ?? 0) >= r.requestedAt) {
            if (ctx.json) return ctx.printJson(rule)
            ctx.out(ruleLine(rule))
            const note = unreadableNote(rule)
            if (note) ctx.out(note)
            return rule.counts.failed > 0 ? 1 : 0
          }
          if (Date.now() > end) {
            ctx.out('The scan is not over yet (see loupe watch list).')
            return 1
          }
          await sleep(250)
        }
      }),
    )

  watch
    .command('reconcile')
    .description('compare a watched folder with the gallery (to add / update / delete)')
    .argument('<id>', 'the rule', idArg)
    .option('--apply', 'send it')
    .action((id, o, cmd) => run.contract(cmd, (ctx) => reconcile(ctx, id, !!o.apply)))
}

async function reconcile(ctx: CommandContext, id: number, apply: boolean): Promise<number> {
  const p = await ctx.api.watch.reconcile({ id })
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
  if (!apply) {
    if (ctx.json) ctx.printJson(p)
    else if (p.counts.add + p.counts.update + p.counts.delete > 0) {
      ctx.out(`Nothing was sent. Apply with: loupe watch reconcile ${id} --apply`)
    }
    return 0
  }
  const a = await ctx.api.watch.apply({ id, token: p.token })
  if (a.delegated) {
    // Another process runs the watchers (without a control channel): it applies; wait for it.
    const end = Date.now() + 120_000
    for (;;) {
      const rule = (await ctx.api.watch.list({})).rules.find((r) => r.id === id)
      const done = rule?.applyResult
      if (done && done.at >= (a.requestedAt ?? 0)) {
        if (ctx.json) ctx.printJson(done)
        else if (done.error) ctx.out(`Not applied: ${done.error}`)
        else ctx.out(appliedLine(done))
        return done.error ? 1 : 0
      }
      if (Date.now() > end) {
        ctx.out('Asked the running host to apply; it has not answered yet (see loupe watch list).')
        return 1
      }
      await sleep(250)
    }
  }
  if (a.jobId === null) {
    if (ctx.json) ctx.printJson(a)
    else ctx.out('Nothing to send.')
    return 0
  }
  if (ctx.remote && !ctx.json) ctx.out(appliedLine(a))
  const job = await settledJob(ctx, a.jobId)
  if (ctx.json) return ctx.printJson({ ...a, job }) ?? 0
  ctx.out(`Job ${a.jobId}: ${job.done} done, ${job.failed} failed (${job.state})`)
  return job.failed > 0 ? 1 : 0
}

function appliedLine(r: { jobId: number | null; add: number; update: number; delete: number }) {
  return `Applied by the running host: job ${r.jobId ?? '-'} (${r.add} to add, ${r.update} to update, ${r.delete} to delete).`
}
