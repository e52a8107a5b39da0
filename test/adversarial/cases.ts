/**
 * How one adversarial case is judged: the attempt's answer against the named error (or a correct
 * result), then "is the server still up". Every case ends in the tally; the returned line (null
 * when the case behaved) is what the test asserts on, so a misbehaving case names the request.
 */
import { errorEntry } from '../../electron/domain/errors'
import type { Served } from './host'
import { LANDED, type Helper } from './landed'
import {
  expectRejected,
  matches,
  pendingCase,
  record,
  shown,
  wanted,
  type Got,
  type Want,
} from './tally'

/** The attempt must be refused with `want`; the server must answer afterwards. */
export async function rejects(
  family: string,
  name: string,
  served: Served,
  attempt: () => Promise<Got>,
  want: Want | readonly Want[],
): Promise<string | null> {
  const got = await attempt()
  if (!(await served.alive()))
    return record(family, name, 'misbehaved', `server down afterwards (answer: ${shown(got)})`)
  return expectRejected(family, name, got, want)
}

/**
 * As `rejects`, for a behaviour another helper's fix brings (`needs`): while that fix is not on
 * this branch, a different answer is reported PENDING (with what came back) instead of failing —
 * never counted as correct. The server going down is a misbehaviour either way.
 */
export async function rejectsOrPending(
  family: string,
  name: string,
  served: Served,
  attempt: () => Promise<Got>,
  want: Want | readonly Want[],
  needs?: Helper,
): Promise<string | null> {
  const got = await attempt()
  if (!(await served.alive()))
    return record(family, name, 'misbehaved', `server down afterwards (answer: ${shown(got)})`)
  if (!matches(got, want) && needs && !LANDED[needs]) {
    return pendingCase(
      family,
      name,
      needs,
      `answers ${shown(got)}; the issue wants ${wanted(want)}`,
    )
  }
  return expectRejected(family, name, got, want)
}

/**
 * The attempt must end in a correct result (`verify` says what is wrong with it, or null) or in a
 * named client error: a code the error catalogue lists, with the catalogue's 4xx status — never a
 * 5xx, an unlisted code or no answer. `allowed` narrows the codes when the case knows them.
 */
export async function resultOrNamed(
  family: string,
  name: string,
  served: Served,
  attempt: () => Promise<Got & { body?: unknown }>,
  opts: {
    verify?: (got: Got & { body?: unknown }) => Promise<string | null> | string | null
    allowed?: readonly string[]
  } = {},
): Promise<string | null> {
  const got = await attempt()
  if (!(await served.alive()))
    return record(family, name, 'misbehaved', `server down afterwards (answer: ${shown(got)})`)
  if (got.transport) return record(family, name, 'misbehaved', shown(got))
  if (!got.code && got.status === 200) {
    const wrong = opts.verify ? await opts.verify(got) : null
    return wrong
      ? record(family, name, 'misbehaved', `a wrong result: ${wrong}`)
      : record(family, name, 'answered')
  }
  const problem = namedClientError(got, opts.allowed)
  return problem ? record(family, name, 'misbehaved', problem) : record(family, name, 'rejected')
}

/** Null when `got` is a catalogued 4xx error with its catalogue status (and in `allowed`). */
export function namedClientError(got: Got, allowed?: readonly string[]): string | null {
  if (allowed && !allowed.includes(got.code))
    return `expected a result or ${allowed.join(' | ')}, got ${shown(got)}`
  const entry = errorEntry(got.code)
  if (!entry) return `an error code the catalogue does not know: ${shown(got)}`
  if (got.status < 400 || got.status >= 500) return `not a client error: ${shown(got)}`
  if (entry.status !== got.status)
    return `${got.code} with status ${got.status}; the catalogue says ${entry.status}`
  return null
}

/** Short, printable form of a value that goes into a request (for failure lines). */
export function show(v: string, max = 80): string {
  const j = JSON.stringify(v)
  return j.length > max ? `${j.slice(0, max)}…" (${v.length} chars)` : j
}
