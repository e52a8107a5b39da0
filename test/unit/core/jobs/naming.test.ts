import { describe, expect, it } from 'vitest'
import { deriveIds, parseNamingRule } from '../../../../electron/core/jobs/bulk-add/naming'

describe('naming rules', () => {
  it('folder: the parent folder is the product, the file name the picture', () => {
    expect(deriveIds('SKU-1/front.jpg', 'folder')).toEqual({
      productId: 'SKU-1',
      picName: 'front.jpg',
    })
    expect(deriveIds('shoes/SKU-2/side.PNG', 'folder')).toEqual({
      productId: 'SKU-2',
      picName: 'side.PNG',
    })
    expect(deriveIds('shoes\\SKU-3\\a.jpg', 'folder')).toEqual({
      productId: 'SKU-3',
      picName: 'a.jpg',
    })
    // files lying directly in the source folder belong to the folder itself
    expect(deriveIds('a.jpg', 'folder', { rootName: 'SKU-9' })).toEqual({
      productId: 'SKU-9',
      picName: 'a.jpg',
    })
    expect(deriveIds('a.jpg', 'folder')).toHaveProperty('error')
  })

  it('file: the file name without extension is the product', () => {
    expect(deriveIds('x/item0042.jpg', 'file')).toEqual({
      productId: 'item0042',
      picName: 'item0042.jpg',
    })
    expect(deriveIds('x/archive.tar.gz.png', 'file')).toEqual({
      productId: 'archive.tar.gz',
      picName: 'archive.tar.gz.png',
    })
  })

  it('templates: placeholders become groups matched against the end of the path', () => {
    const r = parseNamingRule('{product}_{view}.{ext}')
    expect(deriveIds('P100_front.jpg', r)).toEqual({ productId: 'P100', picName: 'P100_front.jpg' })
    expect(deriveIds('shoes/2024/P100_back.webp', r)).toEqual({
      productId: 'P100',
      picName: 'P100_back.webp',
    })
    // greedy: the last underscore separates the view
    expect(deriveIds('a_b_c.jpg', r)).toEqual({ productId: 'a_b', picName: 'a_b_c.jpg' })
    expect(deriveIds('noview.jpg', r)).toEqual({
      error: '"noview.jpg" does not match the naming rule {product}_{view}.{ext}',
    })

    const t = parseNamingRule('{product}/{name}')
    expect(deriveIds('bags/B7/main.jpg', t)).toEqual({ productId: 'B7', picName: 'main.jpg' })
    expect(deriveIds('main.jpg', t, { rootName: 'B8' })).toEqual({
      productId: 'B8',
      picName: 'main.jpg',
    })

    const n = parseNamingRule('{*}/{product}-{name}')
    expect(deriveIds('cat/SKU1-a.jpg', n)).toEqual({ productId: 'SKU1', picName: 'a.jpg' })

    // literal characters are literal, not regex syntax
    const lit = parseNamingRule('{product}(1).{ext}')
    expect(deriveIds('X(1).jpg', lit)).toEqual({ productId: 'X', picName: 'X(1).jpg' })
    expect(deriveIds('X1.jpg', lit)).toHaveProperty('error')
  })

  it('regular expressions with named groups', () => {
    const r = parseNamingRule('/^(?<product>[A-Z]+\\d+)-(?<name>.+)$/i')
    expect(r.kind).toBe('regex')
    expect(deriveIds('ab12-main.jpg', r)).toEqual({ productId: 'ab12', picName: 'main.jpg' })
    const s = parseNamingRule('re:(?<product>\\d{4})')
    expect(deriveIds('photos/item0042.jpg', s)).toEqual({
      productId: '0042',
      picName: 'item0042.jpg',
    })
    expect(deriveIds('photos/nope.jpg', s)).toHaveProperty('error')
  })

  it('refuses malformed rules with the reason', () => {
    const bad: [string, RegExp][] = [
      ['{name}', /needs a \{product\} placeholder/],
      ['{product}/{product}', /appears twice/],
      ['{product-id}', /not a placeholder/],
      ['{product', /unbalanced/],
      ['/(?<name>.+)/', /named group \(\?<product>/],
      ['/(?<product>[/', /invalid/i],
      ['/(?<product>.+)/g', /flags/],
      ['whatever', /expected folder, file/],
    ]
    for (const [text, why] of bad) {
      expect(() => parseNamingRule(text), text).toThrow(why)
      try {
        parseNamingRule(text)
      } catch (e) {
        expect((e as { code: string }).code).toBe('InvalidNamingRule')
      }
    }
    expect(parseNamingRule('').kind).toBe('folder')
    expect(parseNamingRule(' FILE ').kind).toBe('file')
  })
})
