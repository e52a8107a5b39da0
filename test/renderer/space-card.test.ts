import { describe, expect, it } from 'vitest'
import { nextTick } from 'vue'
import { i18n } from '@renderer/i18n'
import { useSpaceStore } from '@renderer/stores/space'
import AdaptedSpace from '@renderer/components/instance/AdaptedSpace.vue'
import { until, useRendererHost, wrap } from './host'

/** The Instance view's adapted-space card against a real Loupe host (`loupe serve`). */
useRendererHost()

const text = (id: string) => document.querySelector(`[data-testid="${id}"]`)?.textContent ?? ''

describe('adapted space card', () => {
  it('an empty gallery cannot learn (and says how many pictures it needs); a big one is told a space may help', async () => {
    i18n.global.locale.value = 'en-US'
    const w = wrap(AdaptedSpace)
    await until(() => text('space-pictures').includes('this gallery has 0'))
    expect(text('space-pictures')).toContain('Add at least 100 pictures to learn a space')
    expect(document.querySelector('[data-testid="space-learn"]')!.hasAttribute('disabled')).toBe(
      true,
    )
    expect(text('space-suggest')).toBe('')
    // The core's answer for a gallery of 2,500 pictures that never learned a space.
    const store = useSpaceStore()
    const real = store.status!
    store.status = { ...real, pictures: 2500 }
    await nextTick()
    expect(text('space-suggest')).toContain('This gallery has passed 2,000 pictures')
    expect(document.querySelector('[data-testid="space-learn"]')!.hasAttribute('disabled')).toBe(
      false,
    )
    i18n.global.locale.value = 'zh-CN'
    await nextTick()
    expect(text('space-suggest')).toContain('此图库已超过 2,000 张图片')
    i18n.global.locale.value = 'en-US'
    w.unmount()
  })
})
