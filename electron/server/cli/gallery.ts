import fs from 'node:fs'
import { ATTR_KEYS } from '../../domain'
import path from 'node:path'
import { Option, type CommandUnknownOpts } from '@commander-js/extra-typings'
import { GallerySort, SortOrder, type GalleryQuery } from '../../api/domains/gallery'
import type { DumpTask } from '../../api/domains/tasks'
import { isApiError } from '../../api/errors'
import { UsageError, intArg, progressLine, type CommandContext } from './context'
import type { Runner } from './runner'
import { userFileMode } from '../../core/util/private-fs'
import { CATEGORIES, OTHER_CATEGORY_ID } from '../../core/engines/categories'

/** A category given by id (3), English name (Bag, bag) or Chinese name (包). */
function categoryArg(v: string): number {
  const t = v.trim()
  const c = /^\d+$/.test(t)
    ? CATEGORIES.find((x) => x.id === Number(t))
    : CATEGORIES.find((x) => x.name.toLowerCase() === t.toLowerCase() || x.nameZh === t)
  if (!c) {
    throw new UsageError(
      `Unknown category "${v}": one of ${CATEGORIES.map((x) => `${x.id} ${x.name}`).join(', ')}`,
    )
  }
  return c.id
}

const categoryLabel = (id: number | null) => {
  if (id === null) return ''
  const c = CATEGORIES.find((x) => x.id === id)
  return c ? `${c.id} ${c.name}` : String(id)
}

/** `loupe gallery …` and `loupe dump …`: the profile's gallery cache and metadata exports. */

interface QueryValues {
  query?: string
  filter?: string
  category?: number
  product?: string
}

function withQueryOptions<C extends CommandUnknownOpts>(c: C): C {
  c.option('--query <text>', 'free text in ids, custom content and text attributes')
    .option('--filter <expr>', 'the filter language, e.g. int_attr>=100')
    .option('--category <n>', 'category id', intArg)
    .option('--product <id>', 'one ProductId')
  return c
}

function queryOf(o: QueryValues): GalleryQuery {
  const q: GalleryQuery = {}
  if (o.query) q.text = o.query
  if (o.filter) q.filter = o.filter
  if (o.category !== undefined) {
    if (o.category < 0) throw new UsageError('--category must be 0 or more')
    q.categoryId = o.category
  }
  if (o.product) q.productId = o.product
  return q
}

const fmtTime = (ms: number | null) => (ms ? new Date(ms).toISOString().replace('.000Z', 'Z') : '-')

function printTask(ctx: CommandContext, t: DumpTask) {
  ctx.out(
    `${String(t.id).padStart(6)}  ${t.status.padEnd(10)} ${fmtTime(t.utcCreate)}  ${fmtTime(t.utcModified)}  ${
      t.file ? t.file.path : t.downloadError ? `download failed: ${t.downloadError.code}` : '-'
    }${t.imported ? `  imported ${fmtTime(t.imported.at)} (+${t.imported.added} ~${t.imported.changed} -${t.imported.gone})` : ''}${
      t.status === 'FAIL' && t.message ? `  ${t.code ?? ''} ${t.message}` : ''
    }`,
  )
}

/** Shows `gallery.progress` of one kind on stderr while `fn` runs. */
async function withProgress<T>(
  ctx: CommandContext,
  kind: 'import' | 'export' | 'category' | 'predict',
  fn: () => Promise<T>,
): Promise<T> {
  const bar = progressLine(kind)
  const off = ctx.on('gallery.progress', (x) => {
    if (x.kind === kind) bar.update(x.done, x.total)
  })
  try {
    return await fn()
  } finally {
    off()
    bar.end()
  }
}

/**
 * Moves a file the host wrote under exports/ to where it was asked for (or streams it out). Inside
 * the data folder it was private (0600); where the user put it, it gets the mode any of their
 * files gets (0666 minus their umask: util/private-fs.ts).
 */
function moveFile(from: string, to: string) {
  try {
    fs.renameSync(from, to)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e
    fs.copyFileSync(from, to)
    fs.rmSync(from, { force: true })
  }
  if (process.platform !== 'win32') fs.chmodSync(to, userFileMode())
}

async function streamOut(file: string) {
  const input = fs.createReadStream(file)
  let first = true
  for await (const chunk of input as AsyncIterable<Buffer>) {
    // The file has a BOM for spreadsheet programs; standard output does not.
    const c =
      first && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf
        ? chunk.subarray(3)
        : chunk
    first = false
    if (!process.stdout.write(c)) await new Promise((r) => process.stdout.once('drain', r))
  }
}

export function registerGalleryCommands(program: CommandUnknownOpts, run: Runner): void {
  const gallery = program
    .command('gallery')
    .description("the profile's gallery cache (works offline)")

  withQueryOptions(
    gallery
      .command('list')
      .description('list images of the gallery cache')
      .addOption(new Option('--sort <key>', 'sort by').choices(GallerySort.options))
      .addOption(new Option('--order <order>', 'sort order').choices(SortOrder.options))
      .option('--limit <n>', 'at most this many (1-1000)', intArg, 50)
      .option('--offset <n>', 'skip this many', intArg, 0),
  ).action((o, cmd) =>
    run.contract(cmd, async (ctx) => {
      const q = queryOf(o as QueryValues)
      const sort = o.sort ?? 'updated'
      const order = o.order ?? (sort === 'updated' || sort === 'added' ? 'desc' : 'asc')
      const { limit, offset } = o
      if (limit < 1 || limit > 1000) throw new UsageError('--limit must be from 1 to 1000')
      if (offset < 0) throw new UsageError('--offset must be 0 or more')
      const page = await ctx.api.gallery.list({
        profile: await ctx.profile(),
        ...q,
        sort,
        order,
        limit,
        offset,
      })
      if (ctx.json) return ctx.printJson({ total: page.total, items: page.items })
      ctx.out(
        `${page.total} images${page.total > page.items.length ? ` (showing ${offset + 1}-${offset + page.items.length})` : ''}`,
      )
      for (const i of page.items) {
        const attrs = [
          i.categoryId !== null ? `cat ${i.categoryId}` : '',
          i.categoryNote === 'noLabelledNeighbours'
            ? '(not predicted: no labelled neighbours)'
            : '',
          ...ATTR_KEYS.map((k) => (i[k] !== null ? `${k}=${i[k]}` : '')),
          i.syncState !== 'synced' ? `[${i.syncState}]` : '',
        ].filter(Boolean)
        ctx.out(`${i.productId}  ${i.picName}  ${attrs.join(' ')}`)
      }
    }),
  )

  withQueryOptions(
    gallery
      .command('export')
      .description("export the gallery cache (default: a file in the profile's exports/ folder)")
      .addOption(
        new Option('--format <format>', 'file format')
          .choices(['csv', 'jsonl', 'meta'] as const)
          .default('csv' as const),
      )
      .option('--out <file>', 'write here instead (- for standard output)'),
  ).action((o, cmd) =>
    run.contract(cmd, async (ctx) => {
      const selection = { query: queryOf(o as QueryValues) }
      const profile = await ctx.profile()
      const format = o.format
      if (o.out === '-') {
        // As text from the host (no BOM); a selection too large for that goes through a file.
        try {
          const r = await ctx.api.gallery.export({ profile, selection, format, to: 'text' })
          process.stdout.write(r.text ?? '')
          return
        } catch (e) {
          if (!isApiError(e) || e.code !== 'ExportTooLarge') throw e
        }
      }
      const r = await withProgress(ctx, 'export', () =>
        ctx.api.gallery.export({ profile, selection, format, to: 'file' }),
      )
      if (!r.path) throw new Error('The host wrote no export file')
      let where = r.path
      if (o.out === '-') {
        await streamOut(r.path)
        fs.rmSync(r.path, { force: true })
        if (format === 'meta') fs.rmSync(path.dirname(r.path), { recursive: true, force: true })
        return
      }
      if (o.out) {
        where = path.resolve(o.out)
        moveFile(r.path, where)
        if (format === 'meta') fs.rmSync(path.dirname(r.path), { recursive: true, force: true })
      }
      if (ctx.json) return ctx.printJson({ format, count: r.count, path: where })
      ctx.out(`${r.count} images → ${where}`)
    }),
  )

  withQueryOptions(
    gallery
      .command('set-category')
      .description(
        'set the category of the matching pictures as yours (local engine: in place; cloud: added again from a known, unchanged source file)',
      )
      .argument('<category>', 'category id or name (e.g. 3, Bag, 包)')
      .option('--all', 'every picture of the gallery (when no other option chooses)'),
  ).action((category, o, cmd) =>
    run.contract(cmd, async (ctx) => {
      const categoryId = categoryArg(category)
      const q = queryOf(o as QueryValues)
      if (Object.keys(q).length === 0 && !o.all) {
        throw new UsageError(
          'Choose the pictures with --query, --filter, --category or --product (or --all)',
        )
      }
      const r = await withProgress(ctx, 'category', async () =>
        ctx.api.gallery.setCategory({
          profile: await ctx.profile(),
          selection: { query: q },
          categoryId,
        }),
      )
      if (ctx.json) {
        ctx.printJson(r)
        return r.failed || r.stopped ? 1 : 0
      }
      ctx.out(
        `category ${categoryLabel(categoryId)}: set for ${r.done} of ${r.total}${r.failed ? `, ${r.failed} not changed` : ''}${r.skipped ? `, ${r.skipped} not done` : ''}`,
      )
      for (const f of r.failures) ctx.out(`  ${f.productId}  ${f.picName}  ${f.code}: ${f.message}`)
      if (r.stopped) ctx.out(`stopped: ${r.stopped.code}: ${r.stopped.message}`)
      return r.failed || r.stopped ? 1 : 0
    }),
  )

  gallery
    .command('predict')
    .description(
      'local engine: predict the category of every picture you did not label, from the labelled ones',
    )
    .action((_o, cmd) =>
      run.contract(cmd, async (ctx) => {
        const r = await withProgress(ctx, 'predict', async () =>
          ctx.api.gallery.predictCategories({ profile: await ctx.profile() }),
        )
        if (ctx.json) return ctx.printJson(r)
        if (r.total === 0) return ctx.out('No picture is unlabelled: nothing to predict.')
        const n = (k: number, one: string, many: string) => `${k} ${k === 1 ? one : many}`
        ctx.out(
          `${n(r.predicted, 'picture got a category', 'pictures got a category')}, ${n(
            r.noLabelledNeighbours,
            'still has no labelled neighbours',
            'still have no labelled neighbours',
          )}${r.undecided ? `, ${r.undecided} undecided (labelled neighbours disagree)` : ''} (Other = ${OTHER_CATEGORY_ID})`,
        )
      }),
    )

  const dump = program
    .command('dump')
    .description(
      'export the metadata (DumpMeta); --wait: until done and downloaded; --import: into the cache',
    )
    .option('--wait', 'wait until the export is done and its file downloaded')
    .option('--import', 'then import it into the gallery cache (implies --wait)')
    .action((o, cmd) =>
      run.contract(cmd, async (ctx) => {
        const name = await ctx.profile()
        const created = await ctx.api.tasks.dumpCreate({ profile: name })
        const { profiles } = await ctx.api.profiles.list({})
        const kind = profiles.find((p) => p.name === name)?.kind
        // A local engine in this process only finishes the export if we wait for it.
        const wait = !!o.wait || !!o.import || (kind === 'local' && !ctx.remote)
        if (!wait) {
          if (ctx.json) return ctx.printJson(created)
          ctx.out(`export ${created.id}: ${created.status} (watch it with \`loupe dump list\`)`)
          return
        }
        if (!ctx.json) process.stderr.write(`export ${created.id}: waiting for the engine…\n`)
        let task = created
        for (;;) {
          const r = await ctx.api.tasks.dumpWait({ profile: name, id: created.id })
          task = r.task
          if (r.settled) break
        }
        task = await ctx.api.tasks.dumpGet({ profile: name, id: created.id })
        if (task.status === 'SUCCESS' && !task.file) {
          task = await ctx.api.tasks.dumpDownload({ profile: name, id: created.id })
        }
        if (task.status !== 'SUCCESS') {
          if (ctx.json) ctx.printJson(task)
          else ctx.out(`export ${task.id} ${task.status}: ${task.code ?? ''} ${task.message ?? ''}`)
          return 1
        }
        const imported = o.import
          ? await withProgress(ctx, 'import', () =>
              ctx.api.tasks.dumpImport({ profile: name, source: { id: task.id } }),
            )
          : null
        if (ctx.json) return ctx.printJson({ task, imported })
        ctx.out(`export ${task.id}: ${task.message ?? 'SUCCESS'} → ${task.file?.path}`)
        if (imported) {
          const c = imported
          ctx.out(
            `imported into the gallery cache: ${c.added} added, ${c.changed} changed, ${c.gone} removed, ${c.unchanged} unchanged${c.pending ? `, ${c.pending} pending local changes kept` : ''}`,
          )
        }
      }),
    )

  dump
    .command('list')
    .description('list metadata exports (with downloaded files and imports)')
    .action((_o, cmd) =>
      run.contract(cmd, async (ctx) => {
        const r = await ctx.api.tasks.dumpList({ profile: await ctx.profile() })
        if (ctx.json) return ctx.printJson(r)
        if (r.offline) {
          process.stderr.write(
            `The engine cannot be reached (${r.offline.code}): showing remembered exports.\n`,
          )
        }
        if (!r.items.length) return ctx.out('No metadata exports.')
        for (const t of r.items) printTask(ctx, t)
      }),
    )

  dump
    .command('import')
    .description(
      'import a metadata export (a file, or a task with --id) into the gallery cache; --dry-run: show the diff',
    )
    .argument('[file]', 'a meta file (JSON lines, as the console exports it)')
    .option('--id <n>', 'a metadata export of the profile', intArg)
    .option('--dry-run', 'only show what would change')
    .action((file, o, cmd) =>
      run.contract(cmd, async (ctx) => {
        if ((o.id === undefined) === !file) throw new UsageError('Give a FILE or --id N')
        const source = o.id !== undefined ? { id: o.id } : { file: path.resolve(file!) }
        const profile = await ctx.profile()
        if (o.dryRun) {
          const diff = await ctx.api.tasks.dumpDiff({ profile, source, sample: 10 })
          if (ctx.json) return ctx.printJson(diff)
          ctx.out(
            `${diff.added} to add, ${diff.changed} to change, ${diff.gone} to remove, ${diff.unchanged} unchanged, ${diff.pending} pending local changes kept`,
          )
          for (const k of ['added', 'changed', 'gone'] as const) {
            for (const e of diff.examples[k]) {
              ctx.out(`  ${k.padEnd(8)} ${e.productId}  ${e.picName}`)
            }
          }
          return
        }
        const r = await withProgress(ctx, 'import', () =>
          ctx.api.tasks.dumpImport({ profile, source }),
        )
        if (ctx.json) return ctx.printJson(r)
        ctx.out(
          `${r.added} added, ${r.changed} changed, ${r.gone} removed, ${r.unchanged} unchanged${r.pending ? `, ${r.pending} pending local changes kept` : ''}`,
        )
      }),
    )
}
