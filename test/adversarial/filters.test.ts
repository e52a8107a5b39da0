/**
 * Family b — a seeded filter fuzzer. Hundreds of generated filters (valid, near-valid, garbage,
 * huge, unicode, nested parentheses) go through the engine API's SearchImageByPic and through the
 * contract (search.byFilter, search.byPic). The domain's own parser is the oracle: a filter it
 * accepts must give a result holding exactly the pictures that satisfy it; one it refuses must be
 * the named filter error (InvalidFilterClause 400; over the contract's 256-character cap,
 * InvalidArgument 400). Never a 500, never a reset, never a dead server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  checkFilter,
  compileFilter,
  MAX_FILTER_LENGTH,
  type FilterRecord,
} from '../../electron/domain/filter/index'
import { catalogueBytes } from '../helpers/images'
import { show } from './cases'
import { call } from './contract'
import { generateFilters, INT_VALUES, STR_VALUES } from './filter-gen'
import { ownProfile, sharedHost, type Served } from './host'
import { flushTally, record, rng, shown, type Got } from './tally'
import { acs3, client, sdk, send } from './wire'

const F_API = 'b. filters — engine API'
const F_CONTRACT = 'b. filters — contract'
/** How many filters (LOUPE_ADV_FILTERS overrides; each goes through three calls). */
const COUNT = Number(process.env.LOUPE_ADV_FILTERS ?? 300)

/** This file's own local profile on the shared server (only its pictures are searched). */
const INSTANCE = 'adv-filters'
let s: Served
const QUERY = catalogueBytes(5).toString('base64')

interface Pic extends FilterRecord {
  productId: string
  picName: string
}
const pics: Pic[] = []

beforeAll(async () => {
  s = sharedHost()
  await ownProfile(s, INSTANCE)
  const r = rng('filters/pictures')
  const c = client(s.port)
  for (let i = 0; i < 12; i++) {
    const pic: Pic = { productId: `f${i}`, picName: `f${i}.jpg` }
    // Some attributes left unset: a missing attribute matches only != and NOT IN.
    if (r.chance(0.85)) pic.intAttr = r.pick(INT_VALUES)
    if (r.chance(0.6)) pic.intAttr2 = r.pick(INT_VALUES)
    if (r.chance(0.85)) pic.strAttr = r.pick(STR_VALUES.filter(Boolean))
    if (r.chance(0.6)) pic.strAttr2 = r.pick(STR_VALUES.filter(Boolean))
    const res = await c.addImage(
      new sdk.AddImageRequest({
        instanceName: INSTANCE,
        productId: pic.productId,
        picName: pic.picName,
        picContent: catalogueBytes(40 + i).toString('base64'),
        intAttr: pic.intAttr ?? undefined,
        intAttr2: pic.intAttr2 ?? undefined,
        strAttr: pic.strAttr ?? undefined,
        strAttr2: pic.strAttr2 ?? undefined,
      }),
    )
    expect(res.body?.success).toBe(true)
    pics.push(pic)
  }
})

afterAll(async () => {
  const total = flushTally('filters')
  expect(total.misbehaved).toBe(0)
})

/** The pictures a valid filter selects, as "productId/picName", sorted. */
function expected(text: string): string[] | null {
  const chk = checkFilter(text)
  if (!chk.ok) return null
  const pred = compileFilter(chk.ast)
  return pics
    .filter((p) => pred(p))
    .map((p) => `${p.productId}/${p.picName}`)
    .sort()
}

function keysOf(auctions: unknown): string[] {
  return (
    (auctions ?? []) as {
      productId?: string
      ProductId?: string
      picName?: string
      PicName?: string
    }[]
  )
    .map((a) => `${a.productId ?? a.ProductId}/${a.picName ?? a.PicName}`)
    .sort()
}

/** Judges one answer: the expected set for a valid filter, the named error for an invalid one. */
function judge(
  family: string,
  name: string,
  got: Got & { auctions?: unknown },
  want: string[] | null,
  invalidCode: string,
): string | null {
  if (got.transport || got.status >= 500) return record(family, name, 'misbehaved', shown(got))
  if (want === null) {
    return got.status === 400 && got.code === invalidCode
      ? record(family, name, 'rejected')
      : record(family, name, 'misbehaved', `expected ${invalidCode} (400), got ${shown(got)}`)
  }
  if (got.code || got.status !== 200)
    return record(family, name, 'misbehaved', `a valid filter was refused: ${shown(got)}`)
  const keys = keysOf(got.auctions)
  return JSON.stringify(keys) === JSON.stringify(want)
    ? record(family, name, 'answered')
    : record(
        family,
        name,
        'misbehaved',
        `returned [${keys.join(' ')}], the filter selects [${want.join(' ')}]`,
      )
}

describe('family b: a seeded filter fuzzer', () => {
  const filters = generateFilters(rng('filters/fuzz'), COUNT)

  it('the generated mix is not vacuous: every kind, and valid filters that select some pictures', () => {
    const kinds = new Set(filters.map((f) => f.kind))
    expect([...kinds].sort()).toEqual([
      'garbage',
      'huge',
      'near-valid',
      'nested',
      'unicode',
      'valid',
    ])
    const sets = filters.map((f) => expected(f.text)).filter((x): x is string[] => x !== null)
    const partial = sets.filter((x) => x.length > 0 && x.length < pics.length)
    expect(sets.length).toBeGreaterThan(COUNT / 5)
    expect(partial.length).toBeGreaterThan(sets.length / 5)
    console.log(
      `filters: ${COUNT} generated, ${sets.length} valid (${partial.length} select some but not all pictures), ${COUNT - sets.length} invalid`,
    )
  })

  it(`${COUNT} generated filters through the engine API's SearchImageByPic`, async () => {
    const fails: string[] = []
    for (const [i, f] of filters.entries()) {
      const name = `#${i} ${f.kind} SearchImageByPic Filter=${show(f.text)}`
      const a = await send(
        s.port,
        acs3(s.port, 'SearchImageByPic', {
          InstanceName: INSTANCE,
          PicContent: QUERY,
          Crop: 'false',
          Num: '100',
          Filter: f.text,
        }),
      )
      let auctions: unknown
      try {
        auctions = (JSON.parse(a.text) as { Auctions?: unknown }).Auctions
      } catch {
        auctions = undefined
      }
      const line = judge(F_API, name, { ...a, auctions }, expected(f.text), 'InvalidFilterClause')
      if (line) fails.push(line)
    }
    if (!(await s.alive()))
      fails.push(record(F_API, 'server up after the run', 'misbehaved', 'down') ?? '')
    expect(fails).toEqual([])
  })

  it(`the same filters through the contract (search.byFilter and search.byPic)`, async () => {
    const fails: string[] = []
    for (const [i, f] of filters.entries()) {
      // The contract caps a filter at 256 characters before it reaches the engine.
      const tooLong = f.text.length > MAX_FILTER_LENGTH
      const want = tooLong ? null : expected(f.text)
      const code = tooLong ? 'InvalidArgument' : 'InvalidFilterClause'
      const byFilter = await call(s.port, 'search.byFilter', {
        profile: INSTANCE,
        filter: f.text,
        num: 100,
      })
      const l1 = judge(
        F_CONTRACT,
        `#${i} ${f.kind} search.byFilter ${show(f.text)}`,
        { ...byFilter, auctions: (byFilter.result as { auctions?: unknown })?.auctions },
        want,
        code,
      )
      if (l1) fails.push(l1)
      // Search by picture for a sample (a third): every call decodes and featurizes the picture.
      if (i % 3 !== 0) continue
      const byPic = await call(s.port, 'search.byPic', {
        profile: INSTANCE,
        image: { base64: QUERY },
        crop: false,
        filter: f.text,
        num: 100,
      })
      const l2 = judge(
        F_CONTRACT,
        `#${i} ${f.kind} search.byPic ${show(f.text)}`,
        { ...byPic, auctions: (byPic.result as { auctions?: unknown })?.auctions },
        want,
        code,
      )
      if (l2) fails.push(l2)
    }
    if (!(await s.alive()))
      fails.push(record(F_CONTRACT, 'server up after the run', 'misbehaved', 'down') ?? '')
    expect(fails).toEqual([])
  })
})
