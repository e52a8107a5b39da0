/**
 * Family f — log injection, against the shared `loupe serve` (its `logs/loupe.log`):
 * unauthenticated engine-API requests carrying a newline, CR, ESC, U+2028, a bidi control or C1
 * (plus a text that looks like a whole log line) in AccessKeyId, InstanceName, Action and Filter,
 * and UI-host requests with such bytes in the path. Afterwards every line of the log is a real line
 * (timestamp, level), holds no raw control character, none is forged, and each engine-API request
 * left exactly one line. (File modes are checked in kill.test.ts, on a fresh data folder.)
 *
 * The "safety" helper's fix: pending until it is on this branch.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { INSTANCE, sharedHost, type Served } from './host'
import { judgedBySafety as judged } from './modes'
import { flushTally } from './tally'
import { acs3, rpcV1, send } from './wire'

const F_LOG = 'f. log injection'
let s: Served

beforeAll(() => {
  s = sharedHost()
})

afterAll(() => {
  const total = flushTally('logs')
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

describe('family f: log injection', () => {
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
})
