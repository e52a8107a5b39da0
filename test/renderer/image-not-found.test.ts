import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { defineComponent, h, nextTick } from 'vue'
import { NConfigProvider } from 'naive-ui'
import { contract } from '@api/contract'
import { createClient } from '@api/client'
import { setBridge } from '@renderer/bridge'
import { i18n } from '@renderer/i18n'
import { useSearchStore } from '@renderer/stores/search'
import ErrorAlert from '@renderer/components/ErrorAlert.vue'
import { tempDir } from '../helpers/tmp'
import { serve } from '../helpers/cli'
import { postJson } from '../helpers/http'
import { catalogueBytes } from '../helpers/images'

/**
 * Search by name for a picture the instance does not have (issue 13, point 4), against a real
 * `loupe serve`: the Search view's error panel names the product ID and the picture name and says
 * what to check, in en-US and in zh-CN — not "A parameter is invalid." (BadRequest).
 */
let host: Awaited<ReturnType<typeof serve>>
const t = tempDir()
const CJK = /[\u3400-\u9fff]/

describe('search by name of a missing picture', { timeout: 60_000 }, () => {
  beforeAll(async () => {
    setActivePinia(createPinia())
    host = await serve(['--data', t.dir, '--port', '0'])
    setBridge(
      createClient(contract, {
        invoke: (name, input) => postJson(`${host.url}/api/call/${name}`, input),
        subscribe: () => () => {},
      }),
    )
    const added = (await postJson(`${host.url}/api/call/images.add`, {
      productId: 'sku-7',
      picName: 'front.jpg',
      image: { base64: catalogueBytes(7).toString('base64') },
    })) as { error?: unknown }
    expect(added.error).toBeUndefined()
  })
  afterAll(() => {
    host?.proc.kill('SIGTERM')
    t.cleanup()
  })

  it('the error panel names the product ID and the picture, in both languages', async () => {
    const store = useSearchStore()
    await store.searchByName('sku-7', 'back.jpg')
    expect(store.error).toMatchObject({
      code: 'ImageNotFound',
      details: { productId: 'sku-7', picName: 'back.jpg' },
    })
    const error = store.error!
    const w = mount(
      defineComponent({
        render: () => h(NConfigProvider, null, () => h(ErrorAlert, { error })),
      }),
      { global: { plugins: [i18n] } },
    )
    i18n.global.locale.value = 'zh-CN'
    await nextTick()
    const tech = w.get('[data-testid="error-technical"]')
    const zh = w.get('[data-testid="error-alert"]').text().replace(tech.text(), '')
    expect(zh).toContain('实例中没有商品“sku-7”的图片“back.jpg”。')
    expect(zh).toContain('请检查商品 ID 和图片名称')
    // Only the names are not Chinese: no English sentence on show.
    expect(zh.replace(/sku-7|back\.jpg|ID/g, '')).not.toMatch(/[A-Za-z]{3,}/)
    expect(zh).toMatch(CJK)
    expect(tech.text()).toContain('ImageNotFound')

    i18n.global.locale.value = 'en-US'
    await nextTick()
    const en = w.get('[data-testid="error-alert"]').text()
    expect(en).toContain('The instance has no picture “back.jpg” of product “sku-7”.')
    expect(w.get('[data-testid="error-hint"]').text()).toMatch(
      /Check the product ID and the picture name/,
    )
    expect(en).not.toMatch(/parameter is invalid/i)

    w.unmount()
    // The picture that exists is still found.
    await store.searchByName('sku-7', 'front.jpg')
    await flushPromises()
    expect(store.error).toBeNull()
    expect(store.results[0]).toMatchObject({ productId: 'sku-7', picName: 'front.jpg' })
  })
})
