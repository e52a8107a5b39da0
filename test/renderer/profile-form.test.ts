import { describe, expect, it } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import { nextTick } from 'vue'
import { i18n } from '@renderer/i18n'
import ProfileForm from '@renderer/components/ProfileForm.vue'
import { useRendererHost, wrap as wrapWith } from './host'

/**
 * The profile form against a real headless host (`loupe serve`): a validation message says what is
 * wrong and how to fix it, required fields carry the asterisk, the STS token field has its own
 * placeholder, and the secret's help says where THIS host keeps it (a 0600 file, not a keychain).
 */
useRendererHost()
const wrap = () => wrapWith(ProfileForm)

async function settle() {
  for (let i = 0; i < 5; i++) {
    await flushPromises()
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('profile form', () => {
  for (const locale of ['en-US', 'zh-CN'] as const) {
    it(`a new cloud profile: messages say how to fix, asterisks, placeholders (${locale})`, async () => {
      i18n.global.locale.value = locale
      const m = i18n.global.getLocaleMessage(locale) as unknown as {
        profiles: {
          valid: Record<string, string>
          tokenPlaceholder: string
          secretHelpFile: string
          name: string
          instanceName: string
          accessKeyId: string
          accessKeySecret: string
        }
      }
      const w = wrap()
      await w.get('[data-testid="kind-cloud"] input').setValue(true)
      await w.get('[data-testid="kind-cloud"] input').trigger('change')
      await settle()
      expect(w.find('[data-testid="cloud-instance"]').exists()).toBe(true)

      // the STS token: its own placeholder, not the library's "Please Input"
      const token = w.get('[data-testid="cloud-token"] input').element as HTMLInputElement
      expect(token.placeholder).toBe(m.profiles.tokenPlaceholder)
      expect(w.html()).not.toMatch(/Please Input|请输入<\/|请输入"/)

      // the headless host keeps the secret in a 0600 file of its data folder
      expect(w.get('[data-testid="cloud-secret-help"]').text()).toBe(m.profiles.secretHelpFile)
      expect(w.get('[data-testid="cloud-secret-help"]').text()).toContain('0600')

      // required fields carry the asterisk
      const labelled = [...w.element.querySelectorAll('.n-form-item')]
        .filter((el) => el.querySelector('.n-form-item-label__asterisk'))
        .map((el) => el.querySelector('.n-form-item-label__text')?.textContent?.trim())
      expect(labelled).toEqual(
        expect.arrayContaining([
          m.profiles.name,
          m.profiles.instanceName,
          m.profiles.accessKeyId,
          m.profiles.accessKeySecret,
        ]),
      )

      // submitting empty: each message says what to do, not just the field's name
      await w.get('[data-testid="cloud-endpoint"] input').setValue('http://host/x')
      await w.get('[data-testid="profile-form"]').trigger('submit')
      await settle()
      const feedback = [...w.element.querySelectorAll('.n-form-item-feedback__line')].map((e) =>
        e.textContent?.trim(),
      )
      expect(feedback).toEqual(
        expect.arrayContaining([
          m.profiles.valid.name,
          m.profiles.valid.instanceName,
          m.profiles.valid.accessKeyId,
          m.profiles.valid.accessKeySecret,
          m.profiles.valid.endpoint,
        ]),
      )
      for (const f of feedback) expect(f!.length).toBeGreaterThan(12)
      await nextTick()
      w.unmount()
    })
  }
})
