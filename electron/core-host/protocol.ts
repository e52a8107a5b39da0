/**
 * The messages between the desktop app's processes (pure TypeScript: the preload bundles it).
 *
 * - A renderer connection (a MessagePort from main, or a virtual port over the fork channel)
 *   carries contract calls `{ id, method, input }`, their replies `{ id, reply }` (the contract's
 *   DispatchReply) and the core's events `{ event: true, name, payload }`.
 * - The control channel between main and the core process (Electron: `process.parentPort`;
 *   plain Node: the `child_process.fork` IPC channel) carries `{ t: … }` messages: the start
 *   options, renderer connections, the core's events, and requests each side answers for the other.
 */
import type { DispatchReply } from '../api/dispatch'
import type { SecretStore } from '../core/profiles/secrets'

// ---- renderer connection -------------------------------------------------------------------

export interface PortCall {
  id: number
  method: string
  input: unknown
}
export interface PortReply {
  id: number
  reply: DispatchReply
}
export interface PortEvent {
  event: true
  name: string
  payload: unknown
}

export function isPortCall(m: unknown): m is PortCall {
  const c = m as PortCall
  return (
    typeof m === 'object' &&
    m !== null &&
    Number.isSafeInteger(c.id) &&
    typeof c.method === 'string' &&
    c.method.length <= 200
  )
}
export function isPortReply(m: unknown): m is PortReply {
  const r = m as PortReply
  return typeof m === 'object' && m !== null && typeof r.id === 'number' && 'reply' in r
}
export function isPortEvent(m: unknown): m is PortEvent {
  const e = m as PortEvent
  return typeof m === 'object' && m !== null && e.event === true && typeof e.name === 'string'
}

/** One end of a renderer connection, whatever carries it. */
export interface PortLike {
  send(msg: unknown): void
  onMessage(fn: (msg: unknown) => void): void
  onClose(fn: () => void): void
  close(): void
}

// ---- secrets -------------------------------------------------------------------------------

/**
 * SecretStore methods that answer synchronously. The core cannot wait for main there, so main
 * sends their answers with the start options and with every secrets reply. Every other method of
 * the interface is forwarded as it is, by name.
 */
export const SYNC_SECRET_METHODS = ['describe'] as const
export type SyncSecretMethod = (typeof SYNC_SECRET_METHODS)[number]
export type SecretSync = { [K in SyncSecretMethod]: ReturnType<SecretStore[K]> }

type AsyncSecretMethod = Exclude<keyof SecretStore, SyncSecretMethod>
type AllForwardable = {
  [K in AsyncSecretMethod]: SecretStore[K] extends (...a: never[]) => Promise<unknown>
    ? true
    : false
}[AsyncSecretMethod]
type Assert<T extends true> = T
/** A compile error here: a new synchronous SecretStore method belongs in SYNC_SECRET_METHODS. */
export type _SecretMethodsForwardable = Assert<AllForwardable extends true ? true : false>

// ---- control channel -----------------------------------------------------------------------

/** Start options of the core process (what `createCore` needs that only main knows). */
export interface CoreInit {
  dataDir: string
  version?: string
  secretsSync: SecretSync
  /** Desktop features main provides: the core offers them only when main does. */
  revealPath: boolean
  pickFolder: boolean
  featurizerWorkers?: number
  imagingWorkers?: number
}

/** What main asks of the core. */
export type CoreRequests = {
  dispatch: { args: { method: string; input: unknown }; result: DispatchReply }
  thumbnailFile: {
    args: { profile: string; productId: string; picName: string }
    result: string | null
  }
  /** Close the core cleanly (jobs paused where they are, databases closed); the process exits. */
  shutdown: { args: Record<string, never>; result: { ok: true } }
}

/** What the core asks of main. */
export type MainRequests = {
  secrets: {
    args: { method: string; args: unknown[] }
    result: { value: unknown; sync: SecretSync }
  }
  revealPath: { args: { path: string }; result: null }
  pickFolder: { args: Record<string, never>; result: string | null }
}

export type RequestMap = Record<string, { args: unknown; result: unknown }>

/** An error crossing the channel: the contract's error fields, nothing else (no stack). */
export interface WireError {
  code?: string
  message: string
  hint?: string
  httpStatus?: number
}

export type RpcRequest = { t: 'req'; id: number; op: string; args: unknown }
export type RpcResponse =
  | { t: 'res'; id: number; ok: true; value: unknown }
  | { t: 'res'; id: number; ok: false; error: WireError }

export type ToCore =
  | { t: 'init'; init: CoreInit }
  /** A renderer connection: its port travels with the message (Electron) or `conn` names it. */
  | { t: 'connect'; conn?: number }
  | RpcRequest
  | RpcResponse

export type ToMain =
  | { t: 'ready'; pid: number }
  /** The core could not start at all (restarting will not help): shown to the user. */
  | { t: 'fatal'; message: string }
  | { t: 'event'; name: string; payload: unknown }
  | RpcRequest
  | RpcResponse

/** Fork channel only: renderer connections multiplexed over the IPC channel. */
export type ConnFrame =
  { t: 'conn'; conn: number; data: unknown } | { t: 'disconnect'; conn: number }

export function isMessage(m: unknown): m is { t: string } {
  return typeof m === 'object' && m !== null && typeof (m as { t: unknown }).t === 'string'
}
