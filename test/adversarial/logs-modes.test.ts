/**
 * Family f — log injection and file modes, against a real `loupe serve` on a fresh data folder.
 *
 * Log injection: unauthenticated engine-API requests carrying a newline, CR, ESC, U+2028 or a bidi
 * control (plus a text that looks like a whole log line) in AccessKeyId, InstanceName, Action and
 * Filter; and UI-host requests with such bytes in the path. Afterwards every line of
 * `logs/loupe.log` is a real line (timestamp, level), holds no raw control character, none is
 * forged, and each engine-API request left exactly one line.
 *
 * File modes (POSIX): after real work (adds through the engine API and the contract, thumbnails,
 * searches), the data folder and every folder in it are 0700 and every file 0600; after a restart
 * on a folder someone opened up (0755/0644), they are tightened again.
 *
 * Both are the "safety" helper's fixes: pending until they are on this branch.
 */
import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { catalogueBytes } from '../helpers/images'
import { call } from './contract'
import { freshDataDir, INSTANCE, serveChild, type Served } from './host'
import { LANDED } from './landed'
import { flushTally, pendingCase, record } from './tally'
import { acs3, rpcV1, send } from './wire'

const F_LOG = 'f. log injection'
const F_MODE = 'f. file modes'
const data = freshDataDir()
let s: Served

beforeAll(async () => {
  s = await serveChild(data.dir)
})

afterAll(async () => {
  const total = flushTally('logs-modes')
  await s?.stop()
  data.cleanup()
  expect(total.misbehaved).toBe(0)
})

/** A line of loupe.log: ISO time, level, text. */
const LINE_START = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z [A-Z]+ /
const FORGED = '2026-01-01T00:00:00.000Z INFO FORGED admin signed in'

/** The characters no log line may hold as they are (C0, DEL, C1, U+2028/9, bidi controls). */
function rawControls(line: string): string[] {
  return [...line].filter((c) => {
    const n = c.codePointAt(0)!
    return (
      n < 0x20 ||
      (n >= 0x7f && n <= 0x9f) ||
      n === 0x2028 ||
      n === 0x2029 ||
      (n >= 0x202a && n <= 0x202e) ||
      (n >= 0x2066 && n <= 0x2069)
    )
  })
}

/** Judges a case the safety helper's fix decides: pending while it is not on this branch. */
function judged(family: string, name: string, problem: string | null): string | null {
  if (!problem) return record(family, name, 'rejected')
  if (!LANDED.safety) return pendingCase(family, name, 'safety', problem)
  return record(family, name, 'misbehaved', problem)
}

describe('family f: log injection and file modes', () => {
  it('control characters in request values never forge or split a log line', async () => {
    const payloads = [
      ['newline + a forged line', `\n${FORGED}`],
      ['CR + ESC[2K', `\r\u001b[2K${FORGED}`],
      ['U+2028 + bidi override', `\u2028${FORGED}\u202e`],
      ['NUL, DEL and C1', `\u0000\u007f\u0085${FORGED}`],
    ] as const
    const sent: { marker: string; what: string }[] = []
    let k = 0
    for (const [label, payload] of payloads) {
      for (const field of ['AccessKeyId', 'InstanceName', 'Action', 'Filter'] as const) {
        const marker = `ADVMARK${++k}X`
        const value = `${marker}${payload}`
        const r =
          field === 'AccessKeyId'
            ? rpcV1('Detail', { InstanceName: INSTANCE }, { accessKeyId: value })
            : field === 'Action'
              ? rpcV1(value, { InstanceName: INSTANCE })
              : field === 'InstanceName'
                ? rpcV1('Detail', { InstanceName: value }, { inBody: true })
                : acs3(s.port, 'SearchImageByFilter', { InstanceName: INSTANCE, Filter: value })
        const a = await send(s.port, r)
        if (a.transport || a.status >= 500)
          return expect.fail(`${field} ${label}: ${a.transport ?? a.status}`)
        // The request's line names AccessKeyId, InstanceName and Action; a Filter is not logged.
        if (field !== 'Filter') sent.push({ marker, what: `${field} with ${label}` })
      }
      // The UI host: the same bytes %-encoded in a path and a contract method name.
      for (const target of [
        `/api/call/ADVMARK${++k}X${encodeURIComponent(payload)}`,
        `/files/local/exports/ADVMARK${++k}X${encodeURIComponent(payload)}`,
      ]) {
        await send(s.port, {
          path: target,
          method: target.startsWith('/api') ? 'POST' : 'GET',
          headers: { 'content-type': 'application/json' },
          body: target.startsWith('/api') ? '{}' : undefined,
        })
      }
    }
    expect(await s.alive()).toBe(true)
    // The log is appended synchronously per request; give the last one a moment.
    await new Promise((r) => setTimeout(r, 200))
    const lines = s.log().split('\n').filter(Boolean)
    const fails: (string | null)[] = []
    const notLines = lines.filter((l) => !LINE_START.test(l))
    const forged = lines.filter((l) => l.includes(' INFO FORGED') && l.startsWith('2026-01-01T'))
    const controls = lines.filter((l) => rawControls(l).length)
    fails.push(
      judged(
        F_LOG,
        'every line of loupe.log is a whole line (timestamp, level)',
        notLines.length
          ? `${notLines.length} fragments, e.g. ${JSON.stringify(notLines[0])}`
          : null,
      ),
      judged(
        F_LOG,
        'no forged line',
        forged.length ? `${forged.length} forged, e.g. ${JSON.stringify(forged[0])}` : null,
      ),
      judged(
        F_LOG,
        'no raw control character in any line',
        controls.length ? `${controls.length} lines, e.g. ${JSON.stringify(controls[0])}` : null,
      ),
    )
    for (const x of sent) {
      const mine = lines.filter((l) => l.includes(x.marker))
      fails.push(
        judged(
          F_LOG,
          `one line for the engine-API request with ${x.what}`,
          mine.length === 1 && LINE_START.test(mine[0])
            ? null
            : `${mine.length} lines hold its marker: ${JSON.stringify(mine)}`,
        ),
      )
    }
    expect(fails.filter(Boolean)).toEqual([])
  })

  it.skipIf(process.platform === 'win32')(
    'after real work, folders are 0700 and files 0600; an opened-up folder is tightened on start',
    async () => {
      // Real work: adds through both doors (the engine, the gallery, thumbnails), searches.
      for (let i = 0; i < 3; i++) {
        await send(
          s.port,
          acs3(s.port, 'AddImage', {
            InstanceName: INSTANCE,
            ProductId: `m${i}`,
            PicName: `m${i}.jpg`,
            PicContent: catalogueBytes(600 + i).toString('base64'),
          }),
        )
        const add = await call(s.port, 'images.add', {
          image: { base64: catalogueBytes(610 + i).toString('base64'), name: `c${i}.jpg` },
          productId: `c${i}`,
          picName: `c${i}.jpg`,
        })
        expect(add.code).toBe('')
      }
      await call(s.port, 'search.byPic', {
        image: { base64: catalogueBytes(600).toString('base64') },
      })
      const fails: (string | null)[] = []
      fails.push(...checkModes('after work'))

      // Someone opens the folder up; a restart tightens it again.
      await s.stop()
      for (const p of [data.dir, ...walkAll(data.dir)]) {
        const st = fs.lstatSync(p)
        if (st.isDirectory()) fs.chmodSync(p, 0o755)
        else if (st.isFile()) fs.chmodSync(p, 0o644)
      }
      s = await serveChild(data.dir)
      await call(s.port, 'profiles.list', {})
      fails.push(...checkModes('after a restart on an opened-up folder'))
      expect(fails.filter(Boolean)).toEqual([])
    },
  )
})

function walkAll(dir: string): string[] {
  const out: string[] = []
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    out.push(p)
    if (e.isDirectory()) out.push(...walkAll(p))
  }
  return out
}

/** One case per folder and file of the data folder: 0700 / 0600 (others: no group/other bits). */
function checkModes(when: string): (string | null)[] {
  const fails: (string | null)[] = []
  const wrong: string[] = []
  const entries = [data.dir, ...walkAll(data.dir)]
  for (const p of entries) {
    const st = fs.lstatSync(p)
    const mode = st.mode & 0o777
    const rel = path.relative(data.dir, p) || '.'
    const ok = st.isDirectory()
      ? mode === 0o700
      : st.isFile()
        ? mode === 0o600
        : st.isSymbolicLink() || (mode & 0o077) === 0
    if (!ok) wrong.push(`${rel} ${mode.toString(8)}`)
  }
  fails.push(
    judged(
      F_MODE,
      `${when}: ${entries.length} folders and files are 0700 / 0600`,
      wrong.length
        ? `${wrong.length} wrong: ${wrong.slice(0, 12).join(', ')}${wrong.length > 12 ? ', …' : ''}`
        : null,
    ),
  )
  return fails
}
