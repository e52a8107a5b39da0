import { describe, expect, it } from 'vitest'
import type { Gallery, GalleryImage } from '../../../../electron/core/gallery'
import { MAX_SHORT_TERM_EXPANSION } from '../../../../electron/core/gallery/query'
import { newGallery } from './helpers'

const ITEMS = [
  {
    productId: 'bag_100000',
    picName: 'T17WnaXkNfXXapAeE4_052528.jpg',
    strAttr: '男装',
    customContent: 'https://www.aliyun.com/image/T17WnaXkNfXXapAeE4_052528.jpg',
  },
  {
    productId: 'bag_100000',
    picName: 'T2D4ZUXnlaXXXXXXX_!!117147893.jpg',
    strAttr: '男装',
    customContent: 'https://www.aliyun.com/image/2D4ZUXnlaXXXXXXX_!!117147893.jpg',
  },
  {
    productId: '连衣裙-2024',
    picName: '夏季新款.png',
    strAttr: '女装',
    strAttr2: '红色',
    customContent: '雪纺 连衣裙 夏季',
  },
  { productId: 'q1', picName: 'quote.jpg', customContent: `it's a "quoted" (thing)*` },
  {
    productId: 'q2',
    picName: 'ops.jpg',
    customContent: 'a&b=c+d/e !x',
    strAttr4: 'AND OR NOT NEAR',
  },
  { productId: 'q3', picName: 'kv.jpg', customContent: 'k1:v1,k2:v2,k3:v3', strAttr3: '100%_off' },
  { productId: 'SKU-ÉTÉ', picName: 'ete.jpg', customContent: 'Été collection' },
]

function fill(): Gallery {
  const { g } = newGallery()
  for (const it of ITEMS) g.recordAdded(it)
  return g
}

const names = (g: Gallery, text: string) =>
  g.query({ text, limit: 1000, sort: 'picName', order: 'asc' }).items.map((i) => i.picName)

function reference(rows: GalleryImage[], text: string): string[] {
  const terms = text.split(/\s+/).filter(Boolean)
  return rows
    .filter((r) => {
      const fields = [
        r.productId,
        r.picName,
        r.customContent,
        r.strAttr,
        r.strAttr2,
        r.strAttr3,
        r.strAttr4,
      ]
        .filter((f): f is string => f !== null)
        .map((f) => f.toLowerCase())
      return terms.every((t) => fields.some((f) => f.includes(t.toLowerCase())))
    })
    .map((r) => r.picName)
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
}

describe('gallery text search', () => {
  it('finds Chinese substrings of any length', () => {
    const g = fill()
    expect(names(g, '男装')).toEqual([
      'T17WnaXkNfXXapAeE4_052528.jpg',
      'T2D4ZUXnlaXXXXXXX_!!117147893.jpg',
    ])
    expect(names(g, '装')).toHaveLength(3)
    expect(names(g, '衣裙')).toEqual(['夏季新款.png'])
    expect(names(g, '连衣裙')).toEqual(['夏季新款.png'])
    expect(names(g, '新款')).toEqual(['夏季新款.png'])
    expect(names(g, '季新款')).toEqual(['夏季新款.png'])
    expect(names(g, '红')).toEqual(['夏季新款.png'])
    expect(names(g, '雪纺 夏季')).toEqual(['夏季新款.png'])
    expect(names(g, '男装 雪纺')).toEqual([])
    expect(names(g, '蓝色')).toEqual([])
    expect(names(g, '鞋')).toEqual([])
  })

  it('matches substrings case-insensitively, anywhere in any text field', () => {
    const g = fill()
    expect(names(g, 'xkNF')).toEqual(['T17WnaXkNfXXapAeE4_052528.jpg'])
    expect(names(g, '117147893')).toEqual(['T2D4ZUXnlaXXXXXXX_!!117147893.jpg'])
    expect(names(g, 'BAG_1')).toHaveLength(2)
    expect(names(g, 'aliyun.com/image/2D4')).toEqual(['T2D4ZUXnlaXXXXXXX_!!117147893.jpg'])
    expect(names(g, 'k2:v2')).toEqual(['kv.jpg'])
    expect(names(g, 'été')).toEqual(['ete.jpg'])
  })

  it('treats quotes, operators and FTS syntax in user text as plain characters', () => {
    const g = fill()
    expect(names(g, `it's`)).toEqual(['quote.jpg'])
    expect(names(g, `'`)).toEqual(['quote.jpg'])
    expect(names(g, `"quoted"`)).toEqual(['quote.jpg'])
    expect(names(g, `"quoted" (thing)*`)).toEqual(['quote.jpg'])
    expect(names(g, `(thing)*`)).toEqual(['quote.jpg'])
    expect(names(g, `"it's a`)).toEqual(['quote.jpg'])
    expect(names(g, `a&b=c+d/e`)).toEqual(['ops.jpg'])
    expect(names(g, `!x`)).toEqual(['ops.jpg'])
    expect(names(g, `!!`)).toEqual(['T2D4ZUXnlaXXXXXXX_!!117147893.jpg'])
    expect(names(g, `_!!1`)).toEqual(['T2D4ZUXnlaXXXXXXX_!!117147893.jpg'])
    expect(names(g, `*`)).toEqual(['quote.jpg'])
    expect(names(g, `=`)).toEqual(['ops.jpg'])
    expect(names(g, `+`)).toEqual(['ops.jpg'])
    expect(names(g, `/`)).toHaveLength(3)
    expect(names(g, `&`)).toEqual(['ops.jpg'])
    expect(names(g, `(`)).toEqual(['quote.jpg'])
    expect(names(g, `AND`)).toEqual(['ops.jpg'])
    expect(names(g, `NEAR`)).toEqual(['ops.jpg'])
    expect(names(g, `NOT x`)).toEqual(['ops.jpg'])
    expect(names(g, `OR`)).toEqual(['ops.jpg'])
    expect(names(g, `100%`)).toEqual(['kv.jpg'])
    expect(names(g, `%_`)).toEqual(['kv.jpg'])
    expect(names(g, `"`)).toHaveLength(ITEMS.length) // an empty phrase: no term, no restriction
    expect(names(g, `""""`)).toHaveLength(ITEMS.length)
    expect(names(g, `:`)).toEqual([
      'T17WnaXkNfXXapAeE4_052528.jpg',
      'T2D4ZUXnlaXXXXXXX_!!117147893.jpg',
      'kv.jpg',
    ])
    expect(names(g, `{picName}: x`)).toEqual([])
    expect(names(g, `^`)).toEqual([])
  })

  it('keeps a double-quoted phrase together, spaces included', () => {
    const g = fill()
    expect(names(g, '"雪纺 连衣裙"')).toEqual(['夏季新款.png'])
    expect(names(g, '"连衣裙 雪纺"')).toEqual([])
    expect(names(g, '"OR NOT"')).toEqual(['ops.jpg'])
    expect(names(g, '"NOT OR"')).toEqual([])
    // An unclosed quote runs to the end of the input.
    expect(names(g, '男装 "雪纺 连衣')).toEqual([])
    expect(names(g, '夏季 "雪纺 连衣')).toEqual(['夏季新款.png'])
    expect(names(g, '5"')).toEqual([])
  })

  it('empty or blank text matches everything', () => {
    const g = fill()
    expect(g.query({ text: '', limit: 50 }).total).toBe(ITEMS.length)
    expect(g.query({ text: '   ', limit: 50 }).total).toBe(ITEMS.length)
  })

  it('agrees with a plain substring scan on many terms', () => {
    const g = fill()
    const rows = g.query({ limit: 100 }).items
    const corpus = ITEMS.flatMap((i) => Object.values(i).join(' '))
    const terms = new Set<string>()
    for (const text of corpus) {
      const chars = [...text]
      for (let k = 0; k < chars.length; k += 3) {
        for (const len of [1, 2, 3, 5]) {
          const t = chars
            .slice(k, k + len)
            .join('')
            .trim()
          if (t && !/\s|"/.test(t)) terms.add(t)
        }
      }
    }
    expect(terms.size).toBeGreaterThan(100)
    for (const t of terms) expect(names(g, t), t).toEqual(reference(rows, t))
  })

  it('a short term with very many continuations falls back to a scan, still exact', () => {
    const { g } = newGallery()
    // 'x' followed by > MAX_SHORT_TERM_EXPANSION distinct pairs of characters.
    const alphabet = 'abcdefghijklmnopqrstuvwxyz'
    let n = 0
    g.batch(() => {
      for (const a of alphabet) {
        for (const b of alphabet.slice(0, 12)) {
          g.recordAdded({ productId: `p${n}`, picName: `${n}.jpg`, customContent: `x${a}${b}` })
          n++
        }
      }
      g.recordAdded({ productId: 'none', picName: 'none.jpg', customContent: 'nothing here' })
      g.recordAdded({ productId: 'tail', picName: 'tail.jpg', customContent: 'ends with X' })
    })
    expect(n).toBeGreaterThan(MAX_SHORT_TERM_EXPANSION)
    const rows = g.query({ limit: 1000 }).items
    expect(g.query({ text: 'x', limit: 1 }).total).toBe(n + 1)
    expect(names(g, 'x').sort()).toEqual(reference(rows, 'x').sort())
    expect(names(g, 'xa').sort()).toEqual(reference(rows, 'xa').sort())
    expect(names(g, 'x ends')).toEqual(['tail.jpg'])
    expect(names(g, 'x thing')).toEqual([])
    expect(g.query({ text: 'x', limit: 10, offset: n - 5 }).items).toHaveLength(6)
  })
})
