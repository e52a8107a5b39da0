import { afterAll, describe, expect, it } from 'vitest'
import { loupe } from '../../../../helpers/cli'
import { productPhotoPath } from '../../../../helpers/photos'
import { catalogueItem } from '../../../../helpers/images'
import { tempDir } from '../../../../helpers/tmp'

/** `loupe gallery set-category` and `loupe gallery predict` (real CLI, local engine). */
describe('loupe gallery set-category / predict', { timeout: 300_000 }, () => {
  const t = tempDir()
  const data = ['--data', t.dir]
  afterAll(() => t.cleanup())
  const ok = (args: string[]) => {
    const r = loupe([...data, ...args])
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0)
    return r.stdout
  }

  it('labels pictures by name of category, predicts the rest, lists what could not be', () => {
    for (const v of [0, 1, 2]) {
      ok(['add', productPhotoPath(5, v), '--product', 'juice', '--name', `${v}.jpg`, '--no-crop'])
    }
    ok(['add', catalogueItem(3), '--product', 'dress', '--name', 'a.jpg', '--no-crop'])
    expect(ok(['gallery', 'list', '--product', 'dress'])).toContain(
      'cat 88888888 (not predicted: no labelled neighbours)',
    )
    // Nothing chosen: refused rather than labelling the whole gallery.
    const none = loupe([...data, 'gallery', 'set-category', 'Bottle'])
    expect(none.code).toBe(2)
    expect(none.stderr).toContain('--all')
    expect(loupe([...data, 'gallery', 'set-category', 'Nope', '--all']).code).toBe(2)

    // Two views of the juice: by Chinese name, then by filter on the product.
    const set = ok(['gallery', 'set-category', '瓶饮', '--product', 'juice', '--query', '0.jpg'])
    expect(set).toContain('category 8 Bottle: set for 1 of 1')
    ok(['gallery', 'set-category', '8', '--product', 'juice', '--query', '1.jpg'])

    const predicted = ok(['gallery', 'predict'])
    expect(predicted).toContain('1 picture got a category, 1 still has no labelled neighbours')
    const json = JSON.parse(ok(['gallery', 'list', '--category', '8', '--json'])) as {
      items: { picName: string; categoryNote: string | null }[]
    }
    expect(json.items.map((i) => i.picName).sort()).toEqual(['0.jpg', '1.jpg', '2.jpg'])
    expect(ok(['gallery', 'list', '--product', 'dress'])).toContain('not predicted')
  })
})
