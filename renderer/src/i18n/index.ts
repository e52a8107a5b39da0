import { createI18n } from 'vue-i18n'
import en from './en-US'
import zh from './zh-CN'

/**
 * Messages of a feature area, kept beside the area's views: `{ 'en-US': {...}, 'zh-CN': {...} }`
 * with the same keys in both. Every `./sections/*.ts` file is merged in.
 */
type Section = { 'en-US': Record<string, unknown>; 'zh-CN': Record<string, unknown> }
const sections = import.meta.glob<{ default: Section }>('./sections/*.ts', { eager: true })
const enAll: Record<string, unknown> = { ...en }
const zhAll: Record<string, unknown> = { ...zh }
for (const mod of Object.values(sections)) {
  Object.assign(enAll, mod.default['en-US'])
  Object.assign(zhAll, mod.default['zh-CN'])
}

export type Locale = 'en-US' | 'zh-CN'
export const LOCALES: { value: Locale; label: string }[] = [
  { value: 'en-US', label: 'English' },
  { value: 'zh-CN', label: '简体中文' },
]

function initialLocale(): Locale {
  const saved = localStorage.getItem('loupe.locale')
  if (saved === 'en-US' || saved === 'zh-CN') return saved
  return navigator.language?.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en-US'
}

export const i18n = createI18n({
  legacy: false,
  locale: initialLocale(),
  fallbackLocale: 'en-US',
  messages: { 'en-US': enAll as typeof en, 'zh-CN': zhAll as typeof en },
  datetimeFormats: {
    'en-US': {
      long: { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' },
      time: { hour: '2-digit', minute: '2-digit', second: '2-digit' },
    },
    'zh-CN': {
      long: { year: 'numeric', month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit' },
      time: { hour: '2-digit', minute: '2-digit', second: '2-digit' },
    },
  },
})
