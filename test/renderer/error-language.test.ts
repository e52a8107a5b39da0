import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import { defineComponent, h, nextTick } from 'vue'
import { NConfigProvider } from 'naive-ui'
import { ERROR_CATALOGUE, ERROR_CODES } from '@domain/errors'
import { describeError } from '@renderer/lib/errors'
import { i18n } from '@renderer/i18n'
import ErrorAlert from '@renderer/components/ErrorAlert.vue'

const CJK = /[\u3400-\u9fff]/
const placeholders = (s = '') => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()

/** Sample values for every placeholder the catalogue uses. */
function sampleDetails(code: keyof typeof ERROR_CATALOGUE): Record<string, string> {
  const e = ERROR_CATALOGUE[code]
  const names = new Set([
    ...placeholders(e['en-US'].message),
    ...placeholders(e['en-US'].hint),
    ...placeholders(e['zh-CN'].message),
    ...placeholders(e['zh-CN'].hint),
  ])
  return Object.fromEntries([...names].map((n) => [n, `v-${n}`]))
}

describe('every error a user can see reads in the UI’s language', () => {
  it('zh-CN: the title and the hint of every catalogue code are Chinese, no English message on show', () => {
    for (const code of ERROR_CODES) {
      const english = 'An English message from the thrower, with specifics.'
      const d = describeError(
        { code, message: english, hint: 'An English hint.', details: sampleDetails(code) },
        'zh-CN',
      )
      expect(d.title, code).toMatch(CJK)
      expect(d.title, code).not.toMatch(/\{\w+\}|\[|\]/)
      if (d.hint !== null) expect(d.hint, code).toMatch(CJK)
      expect(d.detail, code).toBeNull()
      expect(d.technical, code).toBe(`${code}: ${english}`)
      // The same placeholders in both languages: no detail is lost in translation.
      const e = ERROR_CATALOGUE[code]
      expect(placeholders(e['zh-CN'].message), code).toEqual(placeholders(e['en-US'].message))
      expect(placeholders(e['zh-CN'].hint), code).toEqual(placeholders(e['en-US'].hint))
    }
  })

  it('en-US: the catalogue title, the thrower’s specific message and hint', () => {
    for (const code of ERROR_CODES) {
      const d = describeError(
        { code, message: 'Specific words.', details: sampleDetails(code) },
        'en-US',
      )
      expect(d.title, code).not.toMatch(CJK)
      expect(d.title, code).not.toMatch(/\{\w+\}|\[|\]/)
      expect(d.detail, code).toBe('Specific words.')
    }
  })

  it('a code the catalogue does not list gets a translated generic title and hint', () => {
    const zh = describeError({ code: 'SomethingNew', message: 'raw' }, 'zh-CN')
    expect(zh).toMatchObject({ title: '出现错误(SomethingNew)。', detail: null, known: false })
    expect(zh.hint).toMatch(CJK)
    const en = describeError({ code: 'SomethingNew', message: 'raw' }, 'en-US')
    expect(en).toMatchObject({ title: 'Something went wrong (SomethingNew).', detail: 'raw' })
  })

  it('network errors say what could not be reached, and read well without it', () => {
    const withHost = { code: 'ECONNREFUSED', message: 'x', details: { endpoint: '127.0.0.1:9' } }
    expect(describeError(withHost, 'en-US').title).toBe(
      'Cannot connect to 127.0.0.1:9: nothing accepts connections there.',
    )
    expect(describeError(withHost, 'zh-CN').title).toBe(
      '无法连接 127.0.0.1:9:那里没有服务接受连接。',
    )
    expect(describeError(withHost, 'zh-CN').hint).toContain('接入点')
    expect(describeError({ code: 'ECONNREFUSED', message: 'x' }, 'en-US').title).toBe(
      'Cannot connect: nothing accepts connections there.',
    )
    expect(describeError({ code: 'ENOTFOUND', message: 'x' }, 'zh-CN').title).toBe(
      '无法解析主机名。',
    )
  })

  it('the error panel shows only zh-CN text until "Technical details" is opened', async () => {
    i18n.global.locale.value = 'zh-CN'
    const w = mount(
      defineComponent({
        render: () =>
          h(NConfigProvider, null, () =>
            h(ErrorAlert, {
              error: {
                code: 'ImageTooLarge',
                message: 'The picture is 20000 × 20000 px, over the limit.',
                hint: 'Scale it down.',
                requestId: 'REQ-9',
              },
            }),
          ),
      }),
      { global: { plugins: [i18n] } },
    )
    await nextTick()
    const tech = w.get('[data-testid="error-technical"]')
    const shown = w.get('[data-testid="error-alert"]').text().replace(tech.text(), '')
    expect(shown).toMatch(CJK)
    expect(shown).not.toMatch(/[A-Za-z]{3,}/)
    expect(tech.element.tagName).toBe('DETAILS')
    expect((tech.element as HTMLDetailsElement).open).toBe(false)
    expect(tech.text()).toContain('ImageTooLarge')
    expect(tech.text()).toContain('20000 × 20000')
    expect(w.get('[data-testid="error-request-id"]').text()).toBe('REQ-9')
    i18n.global.locale.value = 'en-US'
    await nextTick()
    expect(w.get('[data-testid="error-detail"]').text()).toContain('20000 × 20000')
    expect(w.get('[data-testid="error-hint"]').text()).toBe('Scale it down.')
  })
})
