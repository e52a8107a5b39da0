/**
 * File modes of a data folder (family f): the folder and every folder in it 0700, every file 0600
 * (anything else: no group or other bits; symbolic links are not judged). The "safety" helper's
 * fix: pending while it is not on this branch.
 */
import fs from 'node:fs'
import path from 'node:path'
import { LANDED } from './landed'
import { pendingCase, record } from './tally'

export const F_MODE = 'f. file modes'

export function walkAll(dir: string): string[] {
  const out: string[] = []
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    out.push(p)
    if (e.isDirectory()) out.push(...walkAll(p))
  }
  return out
}

/** Judges a case the safety helper's fix decides. */
export function judgedBySafety(
  family: string,
  name: string,
  problem: string | null,
): string | null {
  if (!problem) return record(family, name, 'rejected')
  if (!LANDED.safety) return pendingCase(family, name, 'safety', problem)
  return record(family, name, 'misbehaved', problem)
}

/** One case: every entry of `dataDir` has its mode. */
export function checkModes(dataDir: string, when: string): string | null {
  const wrong: string[] = []
  const entries = [dataDir, ...walkAll(dataDir)]
  for (const p of entries) {
    const st = fs.lstatSync(p)
    const mode = st.mode & 0o777
    const ok = st.isDirectory()
      ? mode === 0o700
      : st.isFile()
        ? mode === 0o600
        : st.isSymbolicLink() || (mode & 0o077) === 0
    if (!ok) wrong.push(`${path.relative(dataDir, p) || '.'} ${mode.toString(8)}`)
  }
  return judgedBySafety(
    F_MODE,
    `${when}: ${entries.length} folders and files are 0700 / 0600`,
    wrong.length
      ? `${wrong.length} wrong: ${wrong.slice(0, 12).join(', ')}${wrong.length > 12 ? ', …' : ''}`
      : null,
  )
}

/**
 * Makes `dataDir` look like a data folder of an older version: everything readable by everyone,
 * and no `.private-modes` (the marker with which Loupe notes that it tightened a folder once, see
 * the README's "Where data lives").
 */
export function asOlderVersionLeftIt(dataDir: string): void {
  fs.rmSync(path.join(dataDir, '.private-modes'), { force: true })
  for (const p of [dataDir, ...walkAll(dataDir)]) {
    const st = fs.lstatSync(p)
    if (st.isDirectory()) fs.chmodSync(p, 0o755)
    else if (st.isFile()) fs.chmodSync(p, 0o644)
  }
}
