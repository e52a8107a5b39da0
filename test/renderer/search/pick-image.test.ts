import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import sharp from 'sharp'
import { i18n } from '@renderer/i18n'
import { useSearchStore } from '@renderer/stores/search'
import AddView from '@renderer/views/AddView.vue'
import SearchView from '@renderer/views/SearchView.vue'
import { catalogueBytes } from '../../helpers/images'
import { bmp, scene } from '../../unit/core/imaging/fixtures'
import { translateStep } from '@renderer/components/search/steps'
import { choose, until, useRendererHost, viewRouter, wrap as wrapWith } from '../host'

/**
 * A picture is checked by the core the moment it is chosen (issue 13, point 5): a file that is not
 * a picture is refused there with the catalogue's explanation, a TIFF or BMP is shown from the
 * core's preview, a picture below the engine's minimum is offered upscale/pad — against a real
 * Loupe host (`loupe serve`) with its local engine.
 */
const { call } = useRendererHost({ tmpPrefix: 'loupe-pick-image-' })
const router = viewRouter('search', 'add')
const wrap = (c: unknown, props: Record<string, unknown> = {}) => wrapWith(c, props, { router })

/** A text file named .jpg and random bytes named .png: what a user may drop by mistake. */
const TEXT_JPG = () =>
  new File(['Order 1234: 3 × red bag\nshipped on Monday\n'], 'notes.jpg', { type: 'image/jpeg' })
function RANDOM_PNG() {
  const b = randomBytes(4096)
  b[0] = 0x13 // no picture format starts so
  return new File([b], 'noise.png', { type: 'image/png' })
}
const small = async () =>
  new File(
    [await sharp(catalogueBytes(5)).resize(60, 60, { fit: 'fill' }).png().toBuffer()],
    'tiny.png',
    { type: 'image/png' },
  )

const FAKES = [
  ['a text file named .jpg', TEXT_JPG, 'a text file, although it is named .jpg'],
  ['random bytes named .png', RANDOM_PNG, 'unrecognised binary data, although it is named .png'],
] as const

describe('a picture is checked when it is chosen', () => {
  beforeAll(async () => {
    i18n.global.locale.value = 'en-US'
    await router.push('/search')
    for (let i = 0; i < 6; i++) {
      const r = (await call('images.add', {
        image: { base64: catalogueBytes(i).toString('base64'), name: `c${i}.jpg` },
        productId: `c${i}`,
        picName: `c${i}.jpg`,
      })) as { error?: unknown }
      expect(r.error).toBeUndefined()
    }
  })
  afterAll(() => {
    i18n.global.locale.value = 'en-US'
  })

  for (const [what, make, detail] of FAKES) {
    it(`Search refuses ${what} at once, in the UI's language`, async () => {
      const store = useSearchStore()
      const w = wrap(SearchView)
      await choose(w, 'search-drop', make())
      await until(() => w.find('[data-testid="error-alert"]').exists())
      expect(store.image).toBeNull()
      expect(w.get('[data-testid="error-alert"]').text()).toContain(
        'This image format is not supported.',
      )
      expect(w.get('[data-testid="error-detail"]').text()).toContain(detail)
      expect(w.find('[data-testid="region-stage"]').exists()).toBe(false)
      expect(w.get('[data-testid="search-pic"]').attributes('disabled')).toBeDefined()
      w.unmount()
      // In Chinese: the catalogue's title and hint, the English detail only under technical details.
      i18n.global.locale.value = 'zh-CN'
      const z = wrap(SearchView)
      await choose(z, 'search-drop', make())
      await until(() => z.find('[data-testid="error-alert"]').exists())
      expect(z.get('[data-testid="error-alert"]').text()).toContain('不支持此图片格式。')
      expect(z.get('[data-testid="error-hint"]').text()).toContain('请使用 JPEG')
      expect(z.find('[data-testid="error-detail"]').exists()).toBe(false)
      expect(store.image).toBeNull()
      z.unmount()
      i18n.global.locale.value = 'en-US'
    })

    it(`Add refuses ${what} at once and keeps no picture`, async () => {
      const w = wrap(AddView)
      await choose(w, 'add-drop', make())
      await until(() => w.find('[data-testid="image-drop-problem"]').exists())
      expect(w.get('[data-testid="image-drop-problem"]').text()).toContain(
        'This image format is not supported.',
      )
      expect(w.find('[data-testid="region-stage"]').exists()).toBe(false)
      expect(w.get('[data-testid="add-submit"]').attributes('disabled')).toBeDefined()
      expect(
        (w.get('[data-testid="add-product-id"] input').element as HTMLInputElement).value,
      ).toBe('')
      w.unmount()
    })
  }

  it('a TIFF in Search and a BMP in Add are shown from the core’s preview, at their own size', async () => {
    const store = useSearchStore()
    const s = wrap(SearchView)
    const tiff = await sharp(catalogueBytes(2)).resize(300, 200, { fit: 'fill' }).tiff().toBuffer()
    await choose(s, 'search-drop', new File([tiff], 'photo.tif', { type: 'image/tiff' }))
    await until(() => !!store.image)
    expect(store.image!.info).toMatchObject({ format: 'tiff', width: 300, height: 200 })
    expect(store.image!.url).toMatch(/^data:image\/(webp|png|jpeg);base64,/)
    // The preview decodes to a picture of the same shape.
    const prev = await sharp(Buffer.from(store.image!.url.split(',')[1], 'base64')).metadata()
    expect((prev.width ?? 0) / (prev.height ?? 1)).toBeCloseTo(1.5, 1)
    expect(store.imageSize).toEqual({ width: 300, height: 200 })
    expect(s.get('[data-testid="search-shown-as"]').text()).toContain('cannot display TIFF files')
    expect(s.find('[data-testid="search-small"]').exists()).toBe(false)
    // The search works with it.
    await s.get('[data-testid="search-pic"]').trigger('click')
    await until(() => s.find('[data-testid="results-grid"]').exists())
    expect(s.findAll('[data-testid="result-product-id"]').map((x) => x.text())[0]).toBe('c2')
    s.unmount()

    const a = wrap(AddView)
    const bmpBytes = bmp(scene(180, 120), { bpp: 24 })
    await choose(
      a,
      'add-drop',
      new File([new Uint8Array(bmpBytes)], 'scan.bmp', { type: 'image/bmp' }),
    )
    await until(() => a.find('[data-testid="add-shown-as"]').exists())
    expect(a.get('[data-testid="add-shown-as"]').text()).toContain('cannot display BMP files')
    expect(a.get('[data-testid="region-canvas"] img').attributes('src')).toMatch(/^data:image\//)
    a.unmount()
  })

  it('a 60 × 60 picture: Add offers enlarge/pad with the sizes, and adds it enlarged', async () => {
    const w = wrap(AddView)
    await choose(w, 'add-drop', await small())
    await until(() => w.find('[data-testid="add-small"]').exists())
    const offer = w.get('[data-testid="add-small"]').text()
    expect(offer).toContain('This picture is 60 × 60 px; the engine needs at least 100 px')
    expect(offer).toContain('Enlarge it to 100 × 100 px')
    expect(offer).toContain('Pad it to 100 × 100 px')
    // Enlarging is the choice made for the user; "leave it" is refused by the engine's bounds.
    await w.get('[data-testid="add-small-reject"] input').setValue(true)
    await w.get('form').trigger('submit')
    await until(() => w.find('[data-testid="error-alert"]').exists())
    expect(w.get('[data-testid="error-alert"]').text()).toContain(
      'The image is too small or too large.',
    )
    await w.get('[data-testid="add-small-upscale"] input').setValue(true)
    await w.get('form').trigger('submit')
    await until(() => w.find('[data-testid="add-outcome"]').exists())
    expect(w.get('[data-testid="add-outcome-steps"]').text()).toContain('60×60 → 100×100')
    const found = (await call('search.byName', { productId: 'tiny', picName: 'tiny.png' })) as {
      result?: { auctions: { productId: string }[] }
      error?: unknown
    }
    expect(found.error).toBeUndefined()
    expect(found.result!.auctions[0].productId).toBe('tiny')
    w.unmount()
  })

  it('a 60 × 60 picture: Search offers the same and searches with it padded', async () => {
    const store = useSearchStore()
    const w = wrap(SearchView)
    await choose(w, 'search-drop', await small())
    await until(() => w.find('[data-testid="search-small"]').exists())
    expect(store.smallImage).toBe('upscale')
    await w.get('[data-testid="search-small-pad"] input').setValue(true)
    expect(store.smallImage).toBe('pad')
    await w.get('[data-testid="search-pic"]').trigger('click')
    await until(() => !store.loading && (!!store.head || !!store.error))
    expect(store.error).toBeNull()
    expect(store.results.length).toBeGreaterThan(0)
    // A picture within the bounds offers nothing.
    await choose(w, 'search-replace', new File([new Uint8Array(catalogueBytes(1))], 'c1.jpg'))
    await until(() => store.image?.name === 'c1.jpg')
    expect(w.find('[data-testid="search-small"]').exists()).toBe(false)
    expect(store.smallImage).toBe('reject')
    w.unmount()
  })

  it('compare: a small picture is enlarged as a search does, instead of refused', async () => {
    const store = useSearchStore()
    const tiny = {
      base64: (await sharp(catalogueBytes(5)).resize(60, 60).png().toBuffer()).toString('base64'),
      name: 'tiny.png',
    }
    const info = (await call('images.inspect', { image: tiny })) as {
      result: NonNullable<Parameters<typeof store.comparePictures>[1]['info']>
    }
    expect(info.result.small).toBe(true)
    const other = { base64: catalogueBytes(5).toString('base64'), name: 'c5.jpg' }
    // As the core sees it without the option: refused for its size.
    const raw = (await call('search.compare', { primary: tiny, secondary: other })) as {
      error?: { code: string }
    }
    expect(raw.error?.code).toBe('UnsupportedPicPixels')
    const r = await store.comparePictures('local', { ...tiny, info: info.result }, other)
    expect(r.score).toBeGreaterThan(0.5)
  })
})

describe('preprocessing steps in the UI’s language', () => {
  it('translates the pipeline’s reasons, and leaves an unknown one as written', () => {
    const tr = (s: string, locale: 'en-US' | 'zh-CN') => {
      i18n.global.locale.value = locale
      try {
        return translateStep(s, (k, p) => i18n.global.t(k, p ?? {}))
      } finally {
        i18n.global.locale.value = 'en-US'
      }
    }
    const step = 're-encoded as png (smaller than 100 px; over 4 MB)'
    expect(tr(step, 'en-US')).toBe('Re-encoded as png (smaller than 100 px; over 4 MB)')
    expect(tr(step, 'zh-CN')).toBe('已重新编码为 png(小于 100 像素;超过 4 MB)')
    expect(tr('converted bmp → jpeg (BMP is converted for the engines)', 'zh-CN')).toBe(
      '已转换 bmp → jpeg(BMP 需转换后才能发送给引擎)',
    )
    expect(tr('re-encoded as jpeg q80 (a new reason)', 'zh-CN')).toBe(
      '已重新编码为 jpeg q80(a new reason)',
    )
  })
})
