/**
 * Groups of near-duplicates from an audit's pairs: the connected pictures (union-find) over the
 * pairs at or above a threshold, leaving out pairs marked "not a duplicate". A group is `across`
 * when its pictures carry more than one product id, `within` when they share one.
 */
import { createHash } from 'node:crypto'
import type { DuplicateKind } from '../../api/domains/duplicates'
import { keyText, pairText, type Key, type PairRow } from './store'

export interface Group {
  groupId: string
  kind: DuplicateKind
  maxSimilarity: number
  /** Members with their similarity to their closest other member, best first. */
  members: (Key & { similarity: number })[]
}

/** A group's id: a hash of its members' keys (the same members, the same id). */
export function groupIdOf(keys: Key[]): string {
  const h = createHash('sha256')
  for (const t of keys.map(keyText).sort()) h.update(t + '\u0002')
  return 'g' + h.digest('hex').slice(0, 16)
}

/**
 * The groups of `pairs` (already ≥ the threshold; sorted or not), without the pairs in `notDup`
 * (see store.pairText). Sorted by best similarity, then size, then id.
 */
export function groupPairs(pairs: PairRow[], notDup: Set<string>): Group[] {
  const index = new Map<string, number>()
  const keys: Key[] = []
  const parent: number[] = []
  const best: number[] = []
  const idOf = (k: Key) => {
    const t = keyText(k)
    let i = index.get(t)
    if (i === undefined) {
      i = keys.length
      index.set(t, i)
      keys.push(k)
      parent.push(i)
      best.push(0)
    }
    return i
  }
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]]
      i = parent[i]
    }
    return i
  }
  for (const p of pairs) {
    if (notDup.size && notDup.has(pairText(p.a, p.b))) continue
    const a = idOf(p.a)
    const b = idOf(p.b)
    best[a] = Math.max(best[a], p.sim)
    best[b] = Math.max(best[b], p.sim)
    const ra = find(a)
    const rb = find(b)
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb)
  }
  const byRoot = new Map<number, number[]>()
  for (let i = 0; i < keys.length; i++) {
    const r = find(i)
    const list = byRoot.get(r)
    if (list) list.push(i)
    else byRoot.set(r, [i])
  }
  const groups: Group[] = []
  for (const list of byRoot.values()) {
    const members = list
      .map((i) => ({ ...keys[i], similarity: best[i] }))
      .sort(
        (x, y) =>
          y.similarity - x.similarity ||
          (x.productId < y.productId ? -1 : x.productId > y.productId ? 1 : 0) ||
          (x.picName < y.picName ? -1 : x.picName > y.picName ? 1 : 0),
      )
    const products = new Set(members.map((m) => m.productId))
    groups.push({
      groupId: groupIdOf(members),
      kind: products.size > 1 ? 'across' : 'within',
      maxSimilarity: members[0].similarity,
      members,
    })
  }
  return groups.sort(
    (a, b) =>
      b.maxSimilarity - a.maxSimilarity ||
      b.members.length - a.members.length ||
      (a.groupId < b.groupId ? -1 : 1),
  )
}
