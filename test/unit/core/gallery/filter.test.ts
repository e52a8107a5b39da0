import { describe, expect, it } from 'vitest'
import { EngineError } from '../../../../electron/core/engines/errors'
import { compileFilter, parseFilter } from '../../../../electron/core/engines/local/filter'
import type { Gallery, GalleryImage } from '../../../../electron/core/gallery'
import { newGallery } from './helpers'

function fill(): { g: Gallery; all: GalleryImage[] } {
  const { g } = newGallery()
  const STR = ['value1', 'value2', '男装', 'it\'s "x"', null]
  g.batch(() => {
    for (let i = 0; i < 240; i++) {
      g.recordAdded({
        productId: `p${i % 40}`,
        picName: `${i}.jpg`,
        categoryId: i % 3,
        intAttr: i % 10 === 0 ? null : (i * 37) % 2000,
        intAttr2: i % 4 === 0 ? null : i % 7,
        intAttr3: -i,
        strAttr: STR[i % 5],
        strAttr2: i % 6 === 0 ? null : `s${i % 4}`,
        strAttr4: i % 2 ? '123' : null,
      })
    }
  })
  return { g, all: g.query({ limit: 1000, sort: 'picName' }).items }
}

const names = (rows: { picName: string }[]) => rows.map((r) => r.picName).sort()

describe('gallery filter (the engine filter language)', () => {
  const FILTERS = [
    'int_attr>=100',
    'int_attr>=1000 AND str_attr="value1"',
    'int_attr=1000 AND str_attr="value1"',
    'int_attr<50 OR int_attr>1950',
    'str_attr!="value1"',
    "str_attr='男装'",
    `str_attr="it's \\"x\\""`,
    'str_attr in ("value1", "value2")',
    'str_attr not in ("value1", "value2")',
    'int_attr2 in (1, 3, 5)',
    'int_attr2 not in (1, 3, 5)',
    'int_attr3 <= -200 and (str_attr2 = "s1" or str_attr2 = "s3")',
    '(int_attr > 10 AND int_attr < 500) OR (int_attr2 = 6 AND str_attr != "value2")',
    'str_attr4 = 123',
    'STR_ATTR2 != "s0" AND INT_ATTR4 = 1',
  ]

  it('returns exactly the images the filter language selects', () => {
    const { g, all } = fill()
    for (const f of FILTERS) {
      const pred = compileFilter(parseFilter(f))
      const want = names(all.filter((r) => pred(r)))
      const got = g.query({ filter: f, limit: 1000 })
      expect(names(got.items), f).toEqual(want)
      expect(got.total, f).toBe(want.length)
    }
    // At least some filters select something and some select a strict subset.
    const sizes = FILTERS.map((f) => g.query({ filter: f, limit: 0 }).total)
    expect(sizes.filter((n) => n > 0 && n < all.length).length).toBeGreaterThan(10)
  })

  it('combines with category, text and paging', () => {
    const { g, all } = fill()
    const f = 'int_attr>=100 AND str_attr!="value2"'
    const pred = compileFilter(parseFilter(f))
    const want = all
      .filter((r) => pred(r) && r.categoryId === 1 && r.productId.includes('p1'))
      .sort((a, b) => b.updatedAt - a.updatedAt)
    expect(want.length).toBeGreaterThan(4)
    const got: GalleryImage[] = []
    for (let off = 0; ; off += 4) {
      const page = g.query({ filter: f, categoryId: 1, text: 'p1', limit: 4, offset: off })
      expect(page.total).toBe(want.length)
      got.push(...page.items)
      if (page.items.length < 4) break
    }
    expect(names(got)).toEqual(names(want))
    expect(new Set(got.map((r) => r.picName)).size).toBe(got.length)
    const groups = g.groupByProduct({ filter: f, limit: 100 })
    expect(groups.items.reduce((s, x) => s + x.count, 0)).toBe(all.filter((r) => pred(r)).length)
  })

  it('an invalid filter is the InvalidFilterClause EngineError', () => {
    const { g } = fill()
    for (const bad of [
      'int_attr>',
      'color="red"',
      'int_attr="x"',
      'str_attr>5',
      'int_attr>=1 AND',
      '(int_attr=1',
      'int_attr=1; DROP TABLE images',
    ]) {
      let err: unknown
      try {
        g.query({ filter: bad, limit: 10 })
      } catch (e) {
        err = e
      }
      expect(err, bad).toBeInstanceOf(EngineError)
      expect((err as EngineError).code, bad).toBe('InvalidFilterClause')
      expect((err as EngineError).httpStatus).toBe(400)
      expect(() => g.groupByProduct({ filter: bad, limit: 10 }), bad).toThrow(EngineError)
    }
    expect(g.stats().count).toBe(240)
  })

  it('an empty filter means no filter', () => {
    const { g } = fill()
    expect(g.query({ filter: '', limit: 1 }).total).toBe(240)
    expect(g.query({ filter: '  ', limit: 1 }).total).toBe(240)
  })
})
