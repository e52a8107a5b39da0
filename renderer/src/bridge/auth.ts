import { LoupeError, isApiError } from '@api/errors'
import type { AccessScope } from '@api/access'

/**
 * Signing in to a headless host in remote mode (`loupe serve --host …`): `GET /auth/session` says
 * whether sign-in is required and who is signed in, `POST` with an access token signs in (the
 * host sets an HttpOnly cookie the page never sees), `DELETE` signs out. The desktop app and a
 * loopback host need none of it.
 */
export interface SessionState {
  required: boolean
  signedIn: boolean
  scope: AccessScope | null
}

const signInRequired = new Set<() => void>()
const signedIn = new Set<() => void>()
const scopeRefused = new Set<(method: string) => void>()

/** Called by the HTTP transport when a call answers 401: the session is gone. */
export function notifySignInRequired(): void {
  for (const l of [...signInRequired]) l()
}

/** Runs `listener` whenever the host answers that a sign-in is required. */
export function onSignInRequired(listener: () => void): () => void {
  signInRequired.add(listener)
  return () => void signInRequired.delete(listener)
}

/** Called by the HTTP transport when a read-only session called a write method (403). */
export function notifyScopeRefused(method: string): void {
  for (const l of [...scopeRefused]) l(method)
}

/** Runs `listener` when the host refused a method because the session is read-only. */
export function onScopeRefused(listener: (method: string) => void): () => void {
  scopeRefused.add(listener)
  return () => void scopeRefused.delete(listener)
}

/** Runs `listener` after each successful sign-in (the event stream reopens then). */
export function onSignedIn(listener: () => void): () => void {
  signedIn.add(listener)
  return () => void signedIn.delete(listener)
}

async function session(method: 'GET' | 'POST' | 'DELETE', body?: unknown): Promise<SessionState> {
  let res: Response
  try {
    res = await fetch('/auth/session', {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    })
  } catch {
    throw new LoupeError({
      code: 'HostUnreachable',
      message: 'The Loupe host cannot be reached',
      retryable: true,
    })
  }
  const json = (await res.json().catch(() => null)) as (SessionState & { error?: unknown }) | null
  if (json && isApiError(json.error)) throw new LoupeError(json.error)
  if (!res.ok || !json || typeof json.required !== 'boolean') {
    throw new LoupeError({ code: 'HttpError', message: `HTTP ${res.status} from the Loupe host` })
  }
  return { required: json.required, signedIn: json.signedIn, scope: json.scope }
}

/** Whether this host wants a sign-in, and the current session's scope. */
export function sessionState(): Promise<SessionState> {
  return session('GET')
}

/** Signs in with an access token; rejects with InvalidToken, TooManySignInAttempts, … */
export async function signIn(token: string): Promise<SessionState> {
  const s = await session('POST', { token })
  for (const l of [...signedIn]) l()
  return s
}

export function signOut(): Promise<SessionState> {
  return session('DELETE')
}
