import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { scopeAllows } from '@api/access'
import {
  isDesktop,
  onScopeRefused,
  onSignInRequired,
  sessionState,
  signIn as bridgeSignIn,
  signOut as bridgeSignOut,
  type SessionState,
} from '@renderer/bridge'
import { toUiError, type UiError } from '@renderer/lib/errors'

/**
 * Who the browser is on a headless host in remote mode: whether a sign-in is required, whether it
 * happened, and with which scope (a read-only token may search and browse only). The desktop app
 * and a loopback host never ask: everything is allowed there.
 */
export const useAuthStore = defineStore('auth', () => {
  const checked = ref(isDesktop())
  const state = ref<SessionState>({ required: false, signedIn: false, scope: 'full' })
  const error = ref<UiError | null>(null)
  const busy = ref(false)
  /** The session ended while the app was in use (signed out elsewhere, expired, revoked). */
  const ended = ref(false)
  /** How many calls the host refused because the session is read-only (a notice follows each). */
  const refused = ref(0)

  /** The sign-in screen is shown instead of the app. */
  const needsSignIn = computed(() => state.value.required && !state.value.signedIn)
  /** Signed in to a remote host (a Sign out entry is offered). */
  const remote = computed(() => state.value.required && state.value.signedIn)
  const readOnly = computed(() => remote.value && state.value.scope === 'read')
  /** Whether this session may call a contract method (its scope, api/access.ts). */
  const can = (method: string) =>
    !state.value.required || scopeAllows(state.value.scope ?? 'read', method)

  let listening = false
  async function load(): Promise<void> {
    if (isDesktop()) return
    if (!listening) {
      listening = true
      onSignInRequired(() => {
        if (!state.value.required) return
        if (state.value.signedIn) ended.value = true
        state.value = { required: true, signedIn: false, scope: null }
      })
      onScopeRefused(() => void refused.value++)
    }
    try {
      state.value = await sessionState()
      error.value = null
    } catch (e) {
      error.value = toUiError(e)
    } finally {
      checked.value = true
    }
  }

  async function signIn(token: string): Promise<boolean> {
    busy.value = true
    error.value = null
    try {
      state.value = await bridgeSignIn(token.trim())
      ended.value = false
      return true
    } catch (e) {
      error.value = toUiError(e)
      return false
    } finally {
      busy.value = false
    }
  }

  async function signOut(): Promise<void> {
    try {
      state.value = await bridgeSignOut()
      ended.value = false
    } catch (e) {
      error.value = toUiError(e)
    }
  }

  return {
    checked,
    state,
    error,
    busy,
    ended,
    refused,
    needsSignIn,
    remote,
    readOnly,
    can,
    load,
    signIn,
    signOut,
  }
})
