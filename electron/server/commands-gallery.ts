import fs from 'node:fs'
import path from 'node:path'
import type { Command, CommandContext } from './commands'
import { UsageError, int, str } from './commands'
import { openGallery, type Gallery } from '../core/gallery/index'
import { GallerySort, SortOrder, type GalleryQuery } from '../api/domains/gallery'
import { exportPages, stamp, toQuery, writeExport } from '../core/gallery/service'
import { formatter, type ExportFormat } from '../core/gallery/export-format'
import type { DumpTask } from '../api/domains/tasks'

/**
 * `loupe gallery …` and `loupe dump …`. Gallery reads open the profile's cache read-only (WAL:
 * safe while a running host writes it); they fall back to the core when the cache does not exist
 * yet or needs migrating.
 */

const QUERY_OPTIONS = {
  query: { type: 'string' },
  filter: { type: 'string' },
  category: { type: 'string' },
  product: { type: 'string' },
} as const

function queryOf(ctx: CommandContext): GalleryQuery {
  const q: GalleryQuery = {}
  const text = str(ctx, 'query')
  if (text) q.text = text
  const filter = str(ctx, 'filter')
  if (filter) q.filter = filter
  const c = int(ctx, 'category')
  if (c !== undefined) {
    if (c < 0) throw new UsageError('--category must be 0 or more')
    q.categoryId = c
  }
  const product = str(ctx, 'product')
  if (product) q.productId = product
  return q
}

/** The profile's cache, read-only; null when it has to be opened through the core. */
function readOnlyGallery(ctx: CommandContext, profile: string): Gallery | null {
  const file = path.join(ctx.core.profiles.dirOf(profile), 'gallery.db')
  if (!fs.existsSync(file)) return null
  try {
    return openGallery(file, { readonly: true })
  } catch {
    return null
  }
}

async function withGallery<T>(
  ctx: CommandContext,
  fn: (g: Gallery, profile: string) => Promise<T> | T,
) {
  const profile = ctx.core.profiles.get(ctx.profile()).name
  const ro = readOnlyGallery(ctx, profile)
  try {
    return await fn(ro ?? ctx.core.galleries.get(profile), profile)
  } finally {
    ro?.close()
  }
}

function oneOf<T extends string>(
  ctx: CommandContext,
  name: string,
  values: readonly T[],
  dflt: T,
): T {
  const v = str(ctx, name) ?? dflt
  if (!(values as readonly string[]).includes(v)) {
    throw new UsageError(`--${name} must be one of ${values.join(', ')}, not "${v}"`)
  }
  return v as T
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

/** Progress on stderr (only when it is a terminal, so scripts get clean output). */
function progressLine(kind: string) {
  const tty = process.stderr.isTTY
  return {
    update(done: number, total: number) {
      if (!tty) return
      const pct = total > 0 ? Math.floor((done / total) * 100) : 0
      process.stderr.write(`\r${kind}: ${pct}%   `)
    },
    end() {
      if (tty) process.stderr.write('\r\x1b[K')
    },
  }
}

export const GALLERY_COMMANDS: Record<string, Command> = {
  'gallery list': {
    usage:
      '[--query TEXT] [--filter EXPR] [--category N] [--product ID] [--sort updated|added|productId|picName|category] [--order asc|desc] [--limit N] [--offset N]',
    summary: 'list images of the gallery cache (offline)',
    options: {
      ...QUERY_OPTIONS,
      sort: { type: 'string' },
      order: { type: 'string' },
      limit: { type: 'string' },
      offset: { type: 'string' },
    },
    async run(ctx) {
      const q = queryOf(ctx)
      const sort = oneOf(ctx, 'sort', GallerySort.options, 'updated')
      const order = oneOf(
        ctx,
        'order',
        SortOrder.options,
        sort === 'updated' || sort === 'added' ? 'desc' : 'asc',
      )
      const limit = int(ctx, 'limit') ?? 50
      const offset = int(ctx, 'offset') ?? 0
      if (limit < 1 || limit > 1000) throw new UsageError('--limit must be from 1 to 1000')
      if (offset < 0) throw new UsageError('--offset must be 0 or more')
      const page = await withGallery(ctx, (g) =>
        g.query({ ...toQuery(q), sort, order, limit, offset }),
      )
      if (ctx.json) return ctx.printJson({ total: page.total, items: page.items })
      ctx.out(
        `${page.total} images${page.total > page.items.length ? ` (showing ${offset + 1}-${offset + page.items.length})` : ''}`,
      )
      for (const i of page.items) {
        const attrs = [
          i.categoryId !== null ? `cat ${i.categoryId}` : '',
          ...(['intAttr', 'intAttr2', 'intAttr3', 'intAttr4'] as const).map((k) =>
            i[k] !== null ? `${k}=${i[k]}` : '',
          ),
          ...(['strAttr', 'strAttr2', 'strAttr3', 'strAttr4'] as const).map((k) =>
            i[k] !== null ? `${k}=${i[k]}` : '',
          ),
          i.syncState !== 'synced' ? `[${i.syncState}]` : '',
        ].filter(Boolean)
        ctx.out(`${i.productId}  ${i.picName}  ${attrs.join(' ')}`)
      }
    },
  },
  'gallery export': {
    usage:
      '[--format csv|jsonl|meta] [--out FILE|-] [--query TEXT] [--filter EXPR] [--category N] [--product ID]',
    summary: "export the gallery cache (default: a file in the profile's exports/ folder)",
    options: { ...QUERY_OPTIONS, format: { type: 'string' }, out: { type: 'string' } },
    async run(ctx) {
      const format = oneOf<ExportFormat>(ctx, 'format', ['csv', 'jsonl', 'meta'], 'csv')
      const sel = { query: queryOf(ctx) }
      const out = str(ctx, 'out')
      if (out === '-') {
        // To stdout, page by page.
        await withGallery(ctx, async (g) => {
          const fmt = formatter(format)
          process.stdout.write(fmt.header)
          for (const items of exportPages(g, sel).pages()) {
            let chunk = ''
            for (const img of items) chunk += fmt.line(img)
            if (!process.stdout.write(chunk))
              await new Promise((r) => process.stdout.once('drain', r))
          }
        })
        return
      }
      const bar = progressLine('export')
      const r = await withGallery(ctx, async (g, profile) => {
        const file = out
          ? path.resolve(out)
          : format === 'meta'
            ? path.join(
                ctx.core.profiles.dirOf(profile),
                'exports',
                `increment-${stamp()}`,
                'increment.meta',
              )
            : path.join(
                ctx.core.profiles.dirOf(profile),
                'exports',
                `gallery-${profile}-${stamp()}.${formatter(format).ext}`,
              )
        const count = await writeExport(g, sel, {
          format,
          file,
          onProgress: (d, t) => bar.update(d, t),
        })
        return { format, count, path: file }
      })
      bar.end()
      if (ctx.json) return ctx.printJson(r)
      ctx.out(`${r.count} images → ${r.path}`)
    },
  },
  dump: {
    usage: '[--wait] [--import]',
    summary:
      'export the metadata (DumpMeta); --wait: until done and downloaded; --import: into the cache',
    options: { wait: { type: 'boolean' }, import: { type: 'boolean' } },
    async run(ctx) {
      const profile = ctx.core.profiles.get(ctx.profile())
      const created = await ctx.core.api.tasks.dumpCreate({ profile: profile.name })
      // A local engine runs in this process: the export only finishes if we wait for it.
      const wait = !!ctx.values.wait || !!ctx.values.import || profile.kind === 'local'
      if (!wait) {
        if (ctx.json) return ctx.printJson(created)
        ctx.out(`export ${created.id}: ${created.status} (watch it with \`loupe dump list\`)`)
        return
      }
      if (!ctx.json) process.stderr.write(`export ${created.id}: waiting for the engine…\n`)
      await ctx.core.dumps.watch(profile.name, created.id)
      let task = await ctx.core.api.tasks.dumpGet({ profile: profile.name, id: created.id })
      if (task.status === 'SUCCESS' && !task.file) {
        task = await ctx.core.api.tasks.dumpDownload({ profile: profile.name, id: created.id })
      }
      if (task.status !== 'SUCCESS') {
        if (ctx.json) ctx.printJson(task)
        else ctx.out(`export ${task.id} ${task.status}: ${task.code ?? ''} ${task.message ?? ''}`)
        return 1
      }
      let imported: unknown = null
      if (ctx.values.import) {
        const bar = progressLine('import')
        const off = ctx.core.events.onAny((name, p) => {
          const x = p as { kind?: string; done: number; total: number }
          if (name === 'gallery.progress' && x.kind === 'import') bar.update(x.done, x.total)
        })
        try {
          imported = await ctx.core.api.tasks.dumpImport({
            profile: profile.name,
            source: { id: task.id },
          })
        } finally {
          off()
          bar.end()
        }
      }
      if (ctx.json) return ctx.printJson({ task, imported })
      ctx.out(`export ${task.id}: ${task.message ?? 'SUCCESS'} → ${task.file?.path}`)
      if (imported) {
        const c = imported as {
          added: number
          changed: number
          gone: number
          unchanged: number
          pending: number
        }
        ctx.out(
          `imported into the gallery cache: ${c.added} added, ${c.changed} changed, ${c.gone} removed, ${c.unchanged} unchanged${c.pending ? `, ${c.pending} pending local changes kept` : ''}`,
        )
      }
    },
  },
  'dump list': {
    summary: 'list metadata exports (with downloaded files and imports)',
    async run(ctx) {
      const r = await ctx.core.api.tasks.dumpList({ profile: ctx.profile() })
      if (ctx.json) return ctx.printJson(r)
      if (r.offline)
        process.stderr.write(
          `The engine cannot be reached (${r.offline.code}): showing remembered exports.\n`,
        )
      if (!r.items.length) return ctx.out('No metadata exports.')
      for (const t of r.items) printTask(ctx, t)
    },
  },
  'dump import': {
    usage: '(FILE | --id N) [--dry-run]',
    summary:
      'import a metadata export (file or task id) into the gallery cache; --dry-run: show the diff',
    options: { id: { type: 'string' }, 'dry-run': { type: 'boolean' } },
    async run(ctx) {
      const id = int(ctx, 'id')
      const file = ctx.positionals[0]
      if ((id === undefined) === !file) throw new UsageError('Give a FILE or --id N')
      const source = id !== undefined ? { id } : { file: path.resolve(file!) }
      const profile = ctx.profile()
      if (ctx.values['dry-run']) {
        const diff = await ctx.core.api.tasks.dumpDiff({ profile, source, sample: 10 })
        if (ctx.json) return ctx.printJson(diff)
        ctx.out(
          `${diff.added} to add, ${diff.changed} to change, ${diff.gone} to remove, ${diff.unchanged} unchanged, ${diff.pending} pending local changes kept`,
        )
        for (const k of ['added', 'changed', 'gone'] as const) {
          for (const e of diff.examples[k]) ctx.out(`  ${k.padEnd(8)} ${e.productId}  ${e.picName}`)
        }
        return
      }
      const bar = progressLine('import')
      const off = ctx.core.events.onAny((name, p) => {
        const x = p as { kind?: string; done: number; total: number }
        if (name === 'gallery.progress' && x.kind === 'import') bar.update(x.done, x.total)
      })
      try {
        const r = await ctx.core.api.tasks.dumpImport({ profile, source })
        bar.end()
        if (ctx.json) return ctx.printJson(r)
        ctx.out(
          `${r.added} added, ${r.changed} changed, ${r.gone} removed, ${r.unchanged} unchanged${r.pending ? `, ${r.pending} pending local changes kept` : ''}`,
        )
      } finally {
        off()
        bar.end()
      }
    },
  },
}
