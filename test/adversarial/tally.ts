/**
 * The adversarial suite's bookkeeping: every case is tried, and ends either "rejected correctly"
 * (the named error with its HTTP status), "answered correctly" (a legitimate result — a valid
 * filter, a CMYK JPEG that is a fine picture) or "misbehaved" (anything else: a wrong code, a 500,
 * a reset, a crash, a lost image). Each test file keeps its own tally, prints it in `afterAll` and
 * writes it to the folder the global setup provides; the global teardown prints the total.
 *
 * The seed: every generated input (fuzzed filters, hostile ids, picture noise) comes from `rng()`,
 * seeded by LOUPE_ADV_SEED or the fixed default, so a failing run can be replayed exactly.
 */
import fs from 'node:fs'
import path from 'node:path'
import { inject } from 'vitest'

declare module 'vitest' {
  export interface ProvidedContext {
    advTallyDir: string
    advSeed: number
    /** The `loupe serve` shared by families a–d (host.ts `sharedHost`). */
    advShared: { port: number; dataDir: string; url: string }
  }
}

export const DEFAULT_SEED = 20261207

/** The run's seed: LOUPE_ADV_SEED, else the fixed default. */
export function seed(): number {
  const env = process.env.LOUPE_ADV_SEED
  if (env !== undefined && env.trim() !== '') {
    const n = Number(env)
    if (!Number.isInteger(n)) throw new Error(`LOUPE_ADV_SEED must be an integer, not "${env}"`)
    return n >>> 0
  }
  return DEFAULT_SEED
}

/** mulberry32, seeded by the run's seed mixed with a per-use salt (so files do not share draws). */
export function rng(salt: string): Rng {
  let a = (seed() ^ hash(salt)) >>> 0
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1))
  return {
    next,
    int,
    pick: <T>(xs: readonly T[]): T => xs[int(0, xs.length - 1)],
    chance: (p: number) => next() < p,
  }
}

export interface Rng {
  next(): number
  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number
  pick<T>(xs: readonly T[]): T
  chance(p: number): boolean
}

function hash(s: string): number {
  let h = 2166136261
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619)
  return h >>> 0
}

export type Outcome = 'rejected' | 'answered' | 'misbehaved'

export interface FamilyTally {
  tried: number
  rejected: number
  answered: number
  misbehaved: number
  /** Cases waiting for another helper's fix: run (the server must survive them), not judged. */
  pending: number
  /** One line per misbehaving case: the request and what came back. */
  failures: string[]
  /** One line per pending case: the helper it waits for, what came back. */
  pendingLines?: string[]
}

const tallies = new Map<string, FamilyTally>()

function familyTally(family: string): FamilyTally {
  let t = tallies.get(family)
  if (!t)
    tallies.set(
      family,
      (t = { tried: 0, rejected: 0, answered: 0, misbehaved: 0, pending: 0, failures: [] }),
    )
  return t
}

/** Records one case. Returns the failure line for a misbehaving case (null otherwise). */
export function record(family: string, name: string, outcome: Outcome, detail = ''): string | null {
  const t = familyTally(family)
  t.tried++
  t[outcome]++
  if (outcome !== 'misbehaved') return null
  const line = `[${family}] ${name}: ${detail}`
  t.failures.push(line)
  return line
}

/** What an answer was: its HTTP status and error code ('' for a result). */
export interface Got {
  status: number
  code: string
  /** Set when the request got no HTTP answer at all (reset, timeout). */
  transport?: string
}

export interface Want {
  status: number
  code: string | readonly string[]
}

/** Whether `got` is one of the named errors `want` allows (a list: any of them). */
export function matches(got: Got, want: Want | readonly Want[]): boolean {
  const wants = Array.isArray(want) ? want : [want as Want]
  return wants.some((w) => {
    const codes = typeof w.code === 'string' ? [w.code] : w.code
    return !got.transport && got.status === w.status && codes.includes(got.code)
  })
}

/** `want` as text: "InvalidUrl (400) | NotFound (404)". */
export function wanted(want: Want | readonly Want[]): string {
  const wants = Array.isArray(want) ? want : [want as Want]
  return wants
    .map((w) => `${typeof w.code === 'string' ? w.code : w.code.join(' | ')} (${w.status})`)
    .join(' | ')
}

/**
 * The named-error check: `got` must carry one of `want`'s codes with its status. Records the case
 * and returns the failure line (null when it was rejected correctly).
 */
export function expectRejected(
  family: string,
  name: string,
  got: Got,
  want: Want | readonly Want[],
): string | null {
  if (matches(got, want)) return record(family, name, 'rejected')
  return record(family, name, 'misbehaved', `expected ${wanted(want)}, got ${shown(got)}`)
}

export function shown(got: Got): string {
  if (got.transport) return `no HTTP answer (${got.transport})`
  if (got.code) return `${got.code} (${got.status})`
  return got.status === 200 ? 'a result (200)' : `HTTP ${got.status} without an error code`
}

/** This file's tally, for the `afterAll` that prints and keeps it. */
export function tallySnapshot(): Record<string, FamilyTally> {
  return Object.fromEntries(tallies)
}

export function formatTally(
  all: Record<string, FamilyTally>,
  title: string,
  opts: { pendingDetail?: boolean } = {},
): string {
  const rows = Object.entries(all).sort(([a], [b]) => a.localeCompare(b))
  const total: FamilyTally = {
    tried: 0,
    rejected: 0,
    answered: 0,
    misbehaved: 0,
    pending: 0,
    failures: [],
  }
  const lines = [title]
  const w = Math.max(8, ...rows.map(([f]) => f.length))
  const row = (name: string, t: FamilyTally) =>
    `  ${name.padEnd(w)}  tried ${String(t.tried).padStart(4)}   rejected correctly ${String(
      t.rejected,
    ).padStart(4)}   answered correctly ${String(t.answered).padStart(4)}   misbehaved ${String(
      t.misbehaved,
    ).padStart(3)}${t.pending ? `   pending ${t.pending}` : ''}`
  for (const [f, t] of rows) {
    lines.push(row(f, t))
    total.tried += t.tried
    total.rejected += t.rejected
    total.answered += t.answered
    total.misbehaved += t.misbehaved
    total.pending += t.pending
    total.failures.push(...t.failures)
  }
  lines.push(row('TOTAL', total))
  const pendingLines = rows.flatMap(([, t]) => t.pendingLines ?? [])
  if (opts.pendingDetail !== false) for (const p of pendingLines) lines.push(`  ${p}`)
  else if (pendingLines.length) {
    const by = new Map<string, number>()
    for (const p of pendingLines) {
      const helper = /waits for the "([^"]+)" helper/.exec(p)?.[1] ?? '?'
      by.set(helper, (by.get(helper) ?? 0) + 1)
    }
    lines.push(
      `  pending (fixes of issue 11 not on this branch yet): ${[...by].map(([h, n]) => `${n} wait for "${h}"`).join(', ')}`,
    )
  }
  for (const f of total.failures) lines.push(`  MISBEHAVED ${f}`)
  return lines.join('\n')
}

/**
 * Prints this file's tally and hands it to the global teardown (which prints the run's total).
 * Call from `afterAll`.
 */
export function flushTally(file: string): FamilyTally {
  const snap = tallySnapshot()
  console.log(formatTally(snap, `adversarial tally — ${file} (seed ${seed()})`))
  let dir: string | undefined
  try {
    dir = inject('advTallyDir')
  } catch {
    dir = undefined
  }
  if (dir) {
    fs.writeFileSync(
      path.join(dir, `${file.replace(/[^\w.-]/g, '_')}.json`),
      JSON.stringify(snap, null, 1),
    )
  }
  const total: FamilyTally = {
    tried: 0,
    rejected: 0,
    answered: 0,
    misbehaved: 0,
    pending: 0,
    failures: [],
  }
  for (const t of Object.values(snap)) {
    total.tried += t.tried
    total.misbehaved += t.misbehaved
    total.failures.push(...t.failures)
  }
  return total
}

/**
 * A case that waits for another helper's fix (issue 11) which is not on this branch yet: printed
 * and counted as pending, never asserted as correct.
 */
export function pendingCase(family: string, name: string, helper: string, why: string): null {
  const t = familyTally(family)
  t.pending++
  ;(t.pendingLines ??= []).push(
    `PENDING [${family}] ${name} — waits for the "${helper}" helper: ${why}`,
  )
  return null
}
