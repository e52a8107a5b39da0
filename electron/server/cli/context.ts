/**
 * What a `loupe` command works with: the contract as a typed client — over the control channel of
 * a host running on the data folder (`loupe serve`, the desktop app), or in this process through
 * the same dispatcher every host uses (arguments validated, defaults applied) — and the core's
 * events. Commands never reach into the core's services.
 */
import { InvalidArgumentError, Option } from '@commander-js/extra-typings'
import { createClient } from '../../api/client'
import { ATTRIBUTES, definedAttrs, type AttrInput } from '../../domain'
import { contract, type Contract } from '../../api/contract'
import type { Client } from '../../api/define'
import type { EventName, EventPayload } from '../../api/events'
import { createCore } from '../../core/app'
import { connectControl } from '../../core/control/client'
import type { HostKind } from '../../core/control/protocol'
import { createFileSecretStore } from '../../core/profiles/file-secret-store'

/** Wrong usage: the CLI prints the command's usage and exits 2. */
export class UsageError extends Error {}

export interface Output {
  dataDir: string
  json: boolean
  out(text: string): void
  printJson(v: unknown): void
}

export interface Session {
  api: Client<Contract>
  on<E extends EventName>(name: E, listener: (payload: EventPayload<E>) => void): () => void
  /** The host answering this command, or null when it runs in this process. */
  remote: { pid: number; kind: HostKind } | null
  /**
   * In this process only (no host runs on the data folder): run the batch tasks of the data folder
   * here while the command waits for one. `ok: false` names the process that runs them instead.
   */
  runBatchHere(): Promise<{ ok: true } | { ok: false; owner: { pid: number; host: string } }>
  close(): Promise<void>
}

export interface CommandContext extends Output, Session {
  /** `--profile`, else the active profile. */
  profile(): Promise<string>
}

/** Opens the contract for a data folder: the announced host's, else a core in this process. */
export async function openSession(dataDir: string, version?: string): Promise<Session> {
  const conn = await connectControl(dataDir)
  if (conn) {
    const bridge = createClient(contract, conn.transport)
    const owner = { pid: conn.host.pid, host: conn.host.kind }
    return {
      api: bridge.api,
      on: bridge.on,
      remote: { pid: conn.host.pid, kind: conn.host.kind },
      runBatchHere: async () => ({ ok: false, owner }),
      close: async () => conn.close(),
    }
  }
  const core = createCore({
    dataDir,
    secrets: createFileSecretStore(dataDir),
    host: 'headless',
    version,
  })
  const bridge = createClient(contract, {
    invoke: (name, input) => core.dispatch(name, input),
    subscribe: (listener) => core.events.onAny(listener),
  })
  return {
    api: bridge.api,
    on: bridge.on,
    remote: null,
    async runBatchHere() {
      const r = await core.batch.start()
      return r.ok ? r : { ok: false, owner: { pid: r.owner.pid, host: r.owner.host } }
    },
    close: () => core.close(),
  }
}

// ---- option helpers -------------------------------------------------------------------------

/** An integer option value (commander reports a bad one as wrong usage: exit 2). */
export function intArg(v: string): number {
  if (!/^-?\d+$/.test(v)) throw new InvalidArgumentError(`must be an integer, not "${v}"`)
  return Number(v)
}

/** Collects a repeatable option's values. */
export function collect(v: string, prev: string[] | undefined): string[] {
  return [...(prev ?? []), v]
}

/** A positive integer id argument. */
export function idArg(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) <= 0) {
    throw new InvalidArgumentError(`must be a positive integer, not "${v}"`)
  }
  return Number(v)
}

export type AttrValues = AttrInput & {
  category?: number
  content?: string
}

/** The category / custom content / attribute options shared by add, update, bulk-add, batch, watch. */
export function attrOptions(): Option[] {
  const out: Option[] = [
    new Option('--category <n>', 'category id').argParser(intArg),
    new Option('--content <text>', 'custom content'),
  ]
  // --int-attr … --str-attr4: commander names their values intAttr … strAttr4, the domain's keys.
  for (const a of ATTRIBUTES) {
    const flag = `--${a.field.replace('_', '-')}`
    out.push(
      a.kind === 'int'
        ? new Option(`${flag} <n>`, `integer attribute ${a.wire}`).argParser(intArg)
        : new Option(`${flag} <s>`, `text attribute ${a.wire}`),
    )
  }
  return out
}

/** Those options' values as the contract's fields (categoryId, customContent, intAttr…, strAttr…). */
export function attributeFields(o: AttrValues): Record<string, string | number> {
  const out: Record<string, string | number> = {}
  if (o.category !== undefined) out.categoryId = o.category
  if (o.content !== undefined) out.customContent = o.content
  return { ...out, ...definedAttrs(o) }
}

/** Those fields, or undefined when no attribute option was given (a rule's or task's defaults). */
export function attributeDefaults(o: AttrValues): Record<string, string | number> | undefined {
  const out = attributeFields(o)
  return Object.keys(out).length ? out : undefined
}

/** A moment as `YYYY-MM-DD HH:MM:SS` (UTC), or `-` for none: the CLI's tables. */
export function when(ms: number | null): string {
  if (!ms) return '-'
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19)
}

/** Progress on stderr, only when it is a terminal (scripts get clean output). */
export function progressLine(kind: string) {
  const tty = process.stderr.isTTY
  return {
    update(done: number, total: number) {
      if (!tty) return
      const pct = total > 0 ? Math.floor((done / total) * 100) : 0
      process.stderr.write(`\r${kind}: ${pct}%   `)
    },
    end() {
      if (tty) process.stderr.write('\r\x1b[K')
    },
  }
}

/** Follows a job of the queue until it settles (one long-poll after another). */
export async function settledJob(ctx: Session, jobId: number) {
  for (;;) {
    const r = await ctx.api.jobs.wait({ jobId, timeoutMs: 30_000 })
    if (r.settled) return r.job
  }
}

/**
 * Ctrl-C / SIGTERM while a command follows a job: `stopped` resolves with the signal's name (the
 * command says how to resume instead of dying mid-line); `dispose()` when the command is done.
 */
export function stopSignal(): { stopped: Promise<string>; dispose(): void } {
  let stop: (signal: string) => void = () => {}
  const stopped = new Promise<string>((resolve) => (stop = resolve))
  const onSignal = (s: NodeJS.Signals) => stop(s)
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  return {
    stopped,
    dispose() {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    },
  }
}

/**
 * Follows a job until it settles, showing its progress on stderr (a line rewritten on a terminal,
 * a line every 5 s otherwise; nothing with --json), or until Ctrl-C / SIGTERM: then a job running
 * in a host is paused there (in this process it pauses as the core closes) and the signal's name
 * is the outcome.
 */
export async function followJob(
  ctx: CommandContext,
  jobId: number,
  line: (p: EventPayload<'job.progress'>) => string,
  /** Installed before the job was started, so a Ctrl-C right after its start is caught. */
  signal: ReturnType<typeof stopSignal> = stopSignal(),
): Promise<{ job: Awaited<ReturnType<typeof settledJob>> } | { signal: string }> {
  const tty = process.stderr.isTTY && !ctx.json
  let last = 0
  const unsub = ctx.on('job.progress', (p) => {
    if (p.jobId !== jobId || ctx.json) return
    if (tty) process.stderr.write(`\r\x1b[2K${line(p)}`)
    else if (Date.now() - last > 5000) {
      last = Date.now()
      process.stderr.write(line(p) + '\n')
    }
  })
  const { stopped, dispose } = signal
  try {
    const outcome = await Promise.race([
      settledJob(ctx, jobId).then((job) => ({ job })),
      stopped.then((s) => ({ signal: s })),
    ])
    if (tty) process.stderr.write('\n')
    if ('signal' in outcome && ctx.remote) await ctx.api.jobs.pause({ jobId })
    return outcome
  } finally {
    unsub()
    dispose()
  }
}

/** The core's one sleep (the commands poll with it). */
export { sleep } from '../../core/util/sleep'
