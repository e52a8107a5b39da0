import fs from 'node:fs'
import path from 'node:path'
import type { z } from 'zod'
import type * as G from '../../api/domains/gallery'
import { CoreError } from '../errors'
import { Coalescer } from '../jobs/progress'
import { formatter, type ExportFormat } from './export-format'
import type { Gallery } from './gallery'
import { selectionKeys, toQuery } from './selection'
import type { GalleryImage, QueryOptions } from './types'
import { PRIVATE_FILE, ensurePrivateDir } from '../util/private-fs'

/** Exports of a gallery selection (`gallery.export`): as text, or to a file written in pages. */

type In<T extends z.ZodType> = z.output<T>

/** Largest export returned as text (beyond: write a file). */
export const MAX_TEXT_EXPORT = 50_000

/** Local date-time for file names: 20261121-083253. */
export function stamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`
}

/** The images of a selection, page by page, in the given order (keys: in the given order). */
export function exportPages(
  g: Gallery,
  sel: In<typeof G.Selection>,
  sort: QueryOptions['sort'] = 'productId',
  order: QueryOptions['order'] = 'asc',
): { total: number; pages: () => Generator<GalleryImage[]> } {
  if ('keys' in sel) {
    const keys = selectionKeys(g, sel)
    return {
      total: keys.length,
      pages: function* () {
        for (let i = 0; i < keys.length; i += 500) {
          yield keys
            .slice(i, i + 500)
            .map((k) => g.get(k.productId, k.picName))
            .filter((x): x is GalleryImage => !!x)
        }
      },
    }
  }
  const q = toQuery(sel.query)
  const total = g.query({ ...q, limit: 1 }).total
  return {
    total,
    pages: function* () {
      for (let offset = 0; offset < total; offset += 1000) {
        const page = g.query({ ...q, sort, order, limit: 1000, offset })
        if (page.items.length === 0) return
        yield page.items
      }
    },
  }
}

/**
 * Writes a selection to `file` in an export format (temp file + rename: the file is whole or
 * absent), yielding to the event loop between pages. Returns the number of images written.
 */
export async function writeExport(
  g: Gallery,
  sel: In<typeof G.Selection>,
  o: {
    format: ExportFormat
    file: string
    sort?: QueryOptions['sort']
    order?: QueryOptions['order']
    signal?: AbortSignal
    onProgress?: (done: number, total: number, phase: 'running' | 'done') => void
  },
): Promise<number> {
  const fmt = formatter(o.format)
  const { total, pages } = exportPages(g, sel, o.sort, o.order)
  ensurePrivateDir(path.dirname(o.file))
  const tmp = `${o.file}.${process.pid}.tmp`
  const fd = fs.openSync(tmp, 'w', PRIVATE_FILE)
  let count = 0
  const co = new Coalescer(100, () => o.onProgress?.(count, total, 'running'))
  try {
    // A BOM so spreadsheet programs read UTF-8 (Chinese text) correctly.
    fs.writeSync(fd, (o.format === 'csv' ? '\ufeff' : '') + fmt.header)
    for (const items of pages()) {
      if (o.signal?.aborted) {
        throw new CoreError('Aborted', 'The export was cancelled; no file was written.')
      }
      let chunk = ''
      for (const img of items) chunk += fmt.line(img)
      fs.writeSync(fd, chunk)
      count += items.length
      co.request()
      await new Promise((r) => setImmediate(r))
    }
    fs.closeSync(fd)
    fs.renameSync(tmp, o.file)
  } catch (e) {
    try {
      fs.closeSync(fd)
    } catch {
      /* already closed */
    }
    fs.rmSync(tmp, { force: true })
    throw e
  } finally {
    co.cancel()
  }
  o.onProgress?.(count, total, 'done')
  return count
}
