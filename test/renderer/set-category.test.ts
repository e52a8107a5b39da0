import { describe, expect, it } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import { nextTick } from 'vue'
import { NSelect } from 'naive-ui'
import type { BulkResult, GalleryImage } from '@api/domains/gallery'
import { i18n } from '@renderer/i18n'
import { useGalleryStore } from '@renderer/stores/gallery'
import SetCategoryDialog from '@renderer/components/gallery/SetCategoryDialog.vue'
import DetailDrawer from '@renderer/components/gallery/DetailDrawer.vue'
import { productPhotoPath } from '../helpers/photos'
import { until, useRendererHost, wrap } from './host'

/**
 * "Set category…" on a gallery selection and the "not predicted" note, against a real Loupe host
 * (`loupe serve`, local engine): the dialog lists the engine's categories in the UI's language,
 * sets the category of the selection through the store (a job, write-through), and Esc closes it.
 */
const { callOk } = useRendererHost({ events: true })

const $ = (sel: string) => document.body.querySelector<HTMLElement>(sel)
const text = (sel: string) => $(sel)?.textContent?.trim() ?? ''

describe('Set category… (gallery selection)', () => {
  it('a picture without labelled neighbours says so where its category shows', async () => {
    for (const v of [0, 1, 2]) {
      await callOk('images.add', {
        image: { path: productPhotoPath(2, v) },
        productId: 'milk',
        picName: `${v}.jpg`,
        crop: false,
      })
    }
    const list = await callOk<{ items: GalleryImage[] }>('gallery.list', {})
    const item = list.items.find((i) => i.picName === '0.jpg')!
    expect(item.categoryNote).toBe('noLabelledNeighbours')
    i18n.global.locale.value = 'en-US'
    const w = wrap(DetailDrawer, { item, profile: 'local', writeBlock: null })
    await until(() => !!$('[data-testid="detail-category"]'))
    expect(text('[data-testid="detail-category"]')).toContain(
      'Not predicted (no labelled neighbours)',
    )
    i18n.global.locale.value = 'zh-CN'
    await nextTick()
    expect(text('[data-testid="detail-category"]')).toContain('未预测(没有已标注的相近图片)')
    i18n.global.locale.value = 'en-US'
    w.unmount()
  })

  it(
    'lists the categories in the UI language, sets the selection’s category, Esc closes',
    {
      timeout: 120_000,
    },
    async () => {
      i18n.global.locale.value = 'zh-CN'
      const store = useGalleryStore()
      store.listen()
      await store.reload()
      store.toggle({ productId: 'milk', picName: '0.jpg' })
      store.toggle({ productId: 'milk', picName: '1.jpg' })
      let result: BulkResult | null = null
      let closed = 0
      const w = wrap(SetCategoryDialog, {
        show: true,
        count: store.selectionCount,
        cloud: false,
        save: async (id: number) => {
          result = await store.bulkSetCategory(id)
        },
        onClose: () => closed++,
      })
      await until(() => !!$('[data-testid="category-dialog"]'))
      expect(document.body.textContent).toContain('设置 2 张图片的类目')
      expect(text('[data-testid="category-dialog-how"]')).toContain('本地引擎')
      const save = () => $('[data-testid="category-dialog-save"]') as HTMLButtonElement
      // Nothing chosen yet: nothing to set.
      expect(save().disabled).toBe(true)
      // The picker: every category of the engine's table, named in the UI's language.
      const select = w.findComponent(NSelect)
      const options = (select.props('options') as { label: string; value: number }[]).map(
        (o) => o.label,
      )
      expect(options).toContain('瓶饮 · 8')
      expect(options).toContain('数码硬件 · 22')
      expect(options).toHaveLength(14)
      select.vm.$emit('update:value', 8)
      await flushPromises()
      expect(save().disabled).toBe(false)
      expect(save().textContent).toContain('为 2 张图片设置')
      save().click()
      await until(() => result !== null && closed === 1)
      expect(result).toMatchObject({ done: 2, failed: 0 })
      // The host's cache and engine have it: the category filter finds exactly those two.
      const bottles = await callOk<{ items: GalleryImage[] }>('gallery.list', { categoryId: 8 })
      expect(bottles.items.map((i) => i.picName).sort()).toEqual(['0.jpg', '1.jpg'])
      expect(bottles.items.every((i) => i.categoryNote === null)).toBe(true)
      w.unmount()

      // Esc closes it (a fresh one, nothing saved).
      let escClosed = 0
      const w2 = wrap(SetCategoryDialog, {
        show: true,
        count: 1,
        cloud: true,
        save: async () => {
          throw new Error('must not save')
        },
        onClose: () => escClosed++,
      })
      await until(() => !!$('[data-testid="category-dialog"]'))
      expect(text('[data-testid="category-dialog-how"]')).toContain('云端无法直接修改类目')
      const field = $('[data-testid="category-dialog-select"] input')!
      for (const type of ['keydown', 'keyup']) {
        field.dispatchEvent(
          new KeyboardEvent(type, { key: 'Escape', code: 'Escape', bubbles: true }),
        )
      }
      await until(() => escClosed === 1, 5_000)
      w2.unmount()

      // Predict the rest: the third view learns from the two labelled ones.
      i18n.global.locale.value = 'en-US'
      const r = await store.predictRest()
      expect(r).toMatchObject({ total: 1, predicted: 1, noLabelledNeighbours: 0 })
      const after = await callOk<{ items: GalleryImage[] }>('gallery.list', { categoryId: 8 })
      expect(after.items.map((i) => i.picName).sort()).toEqual(['0.jpg', '1.jpg', '2.jpg'])
    },
  )
})
