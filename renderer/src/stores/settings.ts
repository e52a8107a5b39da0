import { defineStore } from 'pinia'
import { ref, watch } from 'vue'
import { i18n, type Locale } from '@renderer/i18n'
import { getBridge, tellHostLocale } from '@renderer/bridge'

/**
 * Appearance and language, remembered in this browser/profile of the app; and the app's own
 * settings held by the core (about the app, how AccessKey secrets are kept).
 */
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

  /** Version, host, data folder, secret backend, featurizer. */
  const appInfo = () => getBridge().api.app.info({})
  /** Which backend protects the AccessKey secrets, and whether plain text was chosen. */
  const secretStatus = () => getBridge().api.secrets.status({})
  /** Accept (or take back) keeping secrets in plain text when no keyring is available. */
  const setPlainText = (accept: boolean) => getBridge().api.secrets.setPlainText({ accept })

  return { theme, locale, appInfo, secretStatus, setPlainText }
})
