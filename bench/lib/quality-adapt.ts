/**
 * The gallery-adapted projection of bench/quality.ts (issue 12: "when a gallery passes a few
 * thousand images, Loupe can learn a gallery-adapted projection in the background"): a whitening
 * (256 → 256, ridge-regularised) on top of the shipped descriptor, learned without any label from
 * augmented views of the gallery's own pictures (bench/lib/quality-augment.ts): a picture and its
 * views are one class. Half the gallery's pictures teach it; the views of the other half measure
 * it ("held-out views": view → the whole gallery, R@1 on the picture itself), beside the domain's
 * labelled tasks, which the learning never sees.
 */
import { project, type Projection } from '../../electron/core/engines/local/featurizer/pca'
import { learnWhitening } from '../../electron/core/engines/local/featurizer/whitening'
import { mat, measure } from './quality-eval'
import type { Item } from './quality-sets'

/** Augmented views of a gallery's pictures: `source` = index of the picture in the domain's items. */
export interface AugItem extends Item {
  source: number
}

export function augItems(items: Item[], gallery: (it: Item) => boolean, views: number): AugItem[] {
  const out: AugItem[] = []
  items.forEach((it, i) => {
    if (!gallery(it)) return
    for (let v = 1; v <= views; v++) {
      const seed = i * 16 + v
      out.push({
        key: `${it.key}#aug-${seed}`,
        file: it.file,
        aug: seed,
        label: it.label,
        role: it.role,
        source: i,
      })
    }
  })
  return out
}

/** Pictures of the learning half (even positions among the gallery's pictures). */
const learns = (rank: number) => rank % 2 === 0

/**
 * Learns the adapted whitening from the learning half: each gallery picture and its views form a
 * class. `base`: the domain's vectors as stored (item order); `views`: the views' query vectors.
 */
export function learnAdapted(
  base: Float32Array[],
  galleryIdx: number[],
  aug: AugItem[],
  views: Float32Array[],
  reg: number,
): Projection {
  const rank = new Map(galleryIdx.map((g, r) => [g, r]))
  const x: Float32Array[] = []
  const l: number[] = []
  for (const g of galleryIdx) {
    if (!learns(rank.get(g)!)) continue
    x.push(base[g])
    l.push(g)
  }
  aug.forEach((a, i) => {
    if (!learns(rank.get(a.source)!)) return
    x.push(views[i])
    l.push(a.source)
  })
  const m = mat(x)
  return learnWhitening(m.x, l, m.n, m.d, { k: m.d, reg })
}

/** Held-out views → the whole gallery, R@1 on the view's own picture. */
export function heldOutViews(
  base: Float32Array[],
  galleryIdx: number[],
  aug: AugItem[],
  views: Float32Array[],
  p: Projection | null,
  perQuery?: number[],
): number {
  const f = (v: Float32Array) => (p ? project(p, v) : v)
  const rank = new Map(galleryIdx.map((g, r) => [g, r]))
  const qi = aug.map((_, i) => i).filter((i) => !learns(rank.get(aug[i].source)!))
  return measure(
    {
      name: 'held-out views',
      metric: 'r1',
      q: mat(qi.map((i) => f(views[i]))),
      ql: qi.map((i) => aug[i].source),
      g: mat(galleryIdx.map((g) => f(base[g]))),
      gl: galleryIdx,
      gp: galleryIdx,
    },
    { name: '' },
    perQuery,
  )
}

/**
 * What the gallery's own product ids can tell (the engine knows them, no other label): each
 * gallery picture whose product has other pictures in the gallery, as a query against all the
 * others, R@1 on the product. NaN when no product has two pictures (a catalogue).
 */
export function productLeaveOneOut(
  base: Float32Array[],
  galleryIdx: number[],
  product: number[],
  p: Projection | null,
  perQuery?: number[],
): number {
  const v = galleryIdx.map((g) => (p ? project(p, base[g]) : base[g]))
  const l = galleryIdx.map((g) => product[g])
  const count = new Map<number, number>()
  for (const x of l) count.set(x, (count.get(x) ?? 0) + 1)
  let n = 0
  let hits = 0
  for (let i = 0; i < v.length; i++) {
    if ((count.get(l[i]) ?? 0) < 2) continue
    let best = -Infinity
    let at = -1
    for (let j = 0; j < v.length; j++) {
      if (j === i) continue
      let s = 0
      for (let k = 0; k < v[i].length; k++) s += v[i][k] * v[j][k]
      if (s > best) {
        best = s
        at = j
      }
    }
    n++
    const hit = l[at] === l[i] ? 1 : 0
    hits += hit
    perQuery?.push(hit)
  }
  return n ? hits / n : NaN
}
