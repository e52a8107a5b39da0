import { useI18n } from 'vue-i18n'
import { explain } from '@renderer/lib/errors'

/** A watched file's error as the files list and the reconcile preview show it. */
export interface WatchRowError {
  code: string
  message: string
  /** The OS error code of a file or folder that cannot be read (EACCES, ELOOP…). */
  reason?: string
}

/**
 * The text of a watched file's error in the UI's language: for the watcher's own codes (a file or
 * folder that cannot be read, a link not followed) the catalogue's explanation and the OS reason
 * (“permission denied (EACCES)”); for the rest (the engine's answer…) the message as it came.
 */
export function useWatchErrorText() {
  const { t, te, locale } = useI18n()
  return (e: WatchRowError): string => {
    const known = e.code.startsWith('Watch') ? explain(e.code, locale.value) : null
    if (!known) return e.message
    if (!e.reason) return known.message
    const key = `folders.files.reason.${e.reason}`
    const why = te(key) ? `${t(key)} (${e.reason})` : e.reason
    return `${known.message} — ${why}`
  }
}
