import { ATTR_WIRE, CONSOLE_ATTR_ORDER } from '../../../domain'
import fs from 'node:fs'
import path from 'node:path'
import type { ImageRow, Store } from './store'
import { PRIVATE_FILE, ensurePrivateDir } from '../../util/private-fs'

/** The console keeps the newest 30 export tasks and deletes older ones with their files. */
export const KEEP_DUMP_TASKS = 30

/**
 * One line of a metadata export, in the console's format ("元信息导出"): ProductId, PicName,
 * CategoryId (a string, as the console writes it), CustomContent, IntAttr.., StrAttr..; attributes
 * that were never set are left out. `CategoryNote` (Loupe's, only when set) says that the
 * category is Other for want of labelled neighbours.
 */
export function dumpLine(r: ImageRow): string {
  const o: Record<string, string | number> = {
    ProductId: r.productId,
    PicName: r.picName,
    CategoryId: String(r.categoryId),
  }
  if (r.customContent !== null) o.CustomContent = r.customContent
  for (const k of CONSOLE_ATTR_ORDER) if (r[k] !== null) o[ATTR_WIRE[k]] = r[k]
  // Loupe's own key (the console has none): why the category is Other, for the gallery cache.
  if (r.categoryNote) o.CategoryNote = r.categoryNote
  return JSON.stringify(o)
}

/**
 * Writes every image's metadata as JSON lines to `file` (atomically: temp file + rename), reading
 * the store in pages so the event loop keeps turning on large galleries. Returns the line count.
 */
export async function writeDump(
  store: Store,
  file: string,
  shouldStop: () => boolean,
): Promise<number> {
  ensurePrivateDir(path.dirname(file))
  const tmp = `${file}.${process.pid}.tmp`
  const fd = fs.openSync(tmp, 'w', PRIVATE_FILE)
  let lines = 0
  try {
    let after = 0
    for (;;) {
      if (shouldStop()) throw new Error('Interrupted: the engine was closed during the export.')
      const page = store.select('id > ?', [after], 2000, 0)
      if (page.length === 0) break
      let chunk = ''
      for (const r of page) chunk += dumpLine(r) + '\n'
      fs.writeSync(fd, chunk)
      lines += page.length
      after = page[page.length - 1].id
      await new Promise((r) => setImmediate(r))
    }
    fs.fsyncSync(fd)
  } catch (e) {
    fs.closeSync(fd)
    fs.rmSync(tmp, { force: true })
    throw e
  }
  fs.closeSync(fd)
  fs.renameSync(tmp, file)
  return lines
}
