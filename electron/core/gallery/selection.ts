import type { z } from 'zod'
import type * as G from '../../api/domains/gallery'
import type { Gallery } from './gallery'
import type { ImageKey, QueryOptions } from './types'

type In<T extends z.ZodType> = z.output<T>

/** Gallery query options from the contract's query fields (empty text / filter = none). */
export function toQuery(q: In<typeof G.GalleryQuery> | undefined): Omit<QueryOptions, 'limit'> {
  const out: Omit<QueryOptions, 'limit'> = {}
  if (!q) return out
  if (q.text && q.text.trim()) out.text = q.text
  if (q.filter && q.filter.trim()) out.filter = q.filter
  if (q.categoryId !== undefined) out.categoryId = q.categoryId
  if (q.productId !== undefined) out.productId = q.productId
  if (q.syncState !== undefined) out.syncState = q.syncState
  return out
}

/** Every key a selection names (a query is resolved against the cache now, in key order). */
export function selectionKeys(g: Gallery, sel: In<typeof G.Selection>): ImageKey[] {
  if ('keys' in sel) {
    const seen = new Set<string>()
    const out: ImageKey[] = []
    for (const k of sel.keys) {
      const id = `${k.productId}\u0000${k.picName}`
      if (seen.has(id)) continue
      seen.add(id)
      out.push({ productId: k.productId, picName: k.picName })
    }
    return out
  }
  const q = toQuery(sel.query)
  const out: ImageKey[] = []
  for (let offset = 0; ; offset += 1000) {
    const page = g.query({ ...q, sort: 'productId', order: 'asc', limit: 1000, offset })
    for (const i of page.items) out.push({ productId: i.productId, picName: i.picName })
    if (offset + 1000 >= page.total || page.items.length === 0) break
  }
  return out
}
