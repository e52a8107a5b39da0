import { defineStore } from 'pinia'
import { ref, watch } from 'vue'
import { i18n, type Locale } from '../i18n'
import { tellHostLocale } from '../bridge'

/** Appearance and language, remembered in this browser/profile of the app. */
export const useSettingsStore = defineStore('settings', () => {
  const prefersDark = window.matchMedia?.('(prefers-color-scheme: dark)').matches ?? false
  const theme = ref<'light' | 'dark'>(
    (localStorage.getItem('loupe.theme') as 'light' | 'dark' | null) ??
      (prefersDark ? 'dark' : 'light'),
  )
  const locale = ref<Locale>(i18n.global.locale.value as Locale)
  watch(theme, (t) => localStorage.setItem('loupe.theme', t))
  watch(
    locale,
    (l, before) => {
      if (before !== undefined) {
        i18n.global.locale.value = l
        localStorage.setItem('loupe.locale', l)
        document.documentElement.lang = l
      }
      tellHostLocale(l)
    },
    { immediate: true },
  )
  return { theme, locale }
})
