/**
 * Reading a whole gallery for a copy: a local engine's store page by page (its metadata and the
 * region it indexed), a cloud instance through a fresh metadata export (DumpMeta, watched and
 * downloaded by the dump machinery of core/tasks — never the possibly stale gallery cache).
 */
import { attrsOrNull } from '../../domain'
import { compileFilter, parseFilter } from '../engines/local/filter/index'
import { CoreError } from '../errors'
import type { Engine } from '../engines/types'
import type { LocalEngine } from '../engines/local/index'
import { parseDumpLine } from '../gallery/dump-format'
import { readLines } from '../gallery/line-reader'
import { keyOf, type CopyRecord } from './types'

export interface ReaderDeps {
  /** The profile's kind. */
  kind(profile: string): 'local' | 'cloud'
  engine(profile: string): Promise<Engine>
  /** A fresh metadata export of a profile, downloaded: its file. */
  freshDump(profile: string, signal?: AbortSignal): Promise<string>
}

const PAGE = 2000

function localEngine(e: Engine): LocalEngine {
  const l = e as Partial<LocalEngine>
  if (typeof l.listImages !== 'function') {
    throw new CoreError('InternalError', 'The local engine cannot list its images.')
  }
  return e as LocalEngine
}

/** Every record of a local engine's store, in id order. */
async function readLocal(engine: Engine, signal?: AbortSignal): Promise<CopyRecord[]> {
  const local = localEngine(engine)
  const out: CopyRecord[] = []
  for (let after = 0; ;) {
    signal?.throwIfAborted()
    const page = local.listImages(after, PAGE)
    if (page.length === 0) break
    for (const r of page) {
      out.push({
        productId: r.productId,
        picName: r.picName,
        categoryId: r.categoryId,
        customContent: r.customContent,
        ...attrsOrNull(r),
        region: null,
        storeRegion: r.region,
      })
    }
    after = page[page.length - 1].id
    await new Promise((r) => setImmediate(r))
  }
  return out
}

/** Every record of a metadata export file (a key listed twice: the last line wins). */
export async function readDumpFile(file: string, signal?: AbortSignal): Promise<CopyRecord[]> {
  const byKey = new Map<string, CopyRecord>()
  for await (const chunk of readLines(file)) {
    signal?.throwIfAborted()
    chunk.lines.forEach((text, i) => {
      const r = parseDumpLine(text, chunk.firstLine + i)
      if (!r) return
      const { region, categoryNote: _note, ...rest } = r
      byKey.set(keyOf(r.productId, r.picName), { ...rest, region: region ?? null })
    })
  }
  return [...byKey.values()]
}

/** Every record of a profile's gallery, read from the engine itself. */
export async function readGallery(
  d: ReaderDeps,
  profile: string,
  signal?: AbortSignal,
): Promise<CopyRecord[]> {
  if (d.kind(profile) === 'local') return readLocal(await d.engine(profile), signal)
  return readDumpFile(await d.freshDump(profile, signal), signal)
}

/** The narrowing of a copy: every given part applies. */
export interface Narrowing {
  filter?: string
  category?: number
  productIds?: string[]
  keys?: { productId: string; picName: string }[]
}

/** The records a narrowing keeps (a filter the language refuses throws InvalidFilterClause). */
export function narrow(records: CopyRecord[], n: Narrowing): CopyRecord[] {
  const pred = n.filter ? compileFilter(parseFilter(n.filter)) : null
  const products = n.productIds ? new Set(n.productIds) : null
  const keys = n.keys ? new Set(n.keys.map((k) => keyOf(k.productId, k.picName))) : null
  return records.filter(
    (r) =>
      (n.category === undefined || r.categoryId === n.category) &&
      (!products || products.has(r.productId)) &&
      (!keys || keys.has(keyOf(r.productId, r.picName))) &&
      (!pred || pred(r)),
  )
}
