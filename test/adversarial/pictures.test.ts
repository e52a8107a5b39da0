/**
 * Family c — hostile pictures (generated at test time, hostile-pictures.ts), each through the engine
 * API (AddImage, SearchImageByPic) and the contract (images.add, search.byPic): the named error, or
 * a correct result (a fine picture is added and then found by searching with it), and the server
 * still answers afterwards. SVGs with external references must not make the server fetch anything:
 * a canary HTTP server counts requests, a canary file's access time shows reads.
 */
import fs from 'node:fs'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { errorStatus } from '../../electron/domain/errors'
import { call } from './contract'
import { hostileCorpus, svgs, type Hostile } from './hostile-pictures'
import { freshDataDir, ownProfile, sharedHost, type Served } from './host'
import { LANDED, type Helper } from './landed'
import { flushTally, pendingCase, record, rng, shown, type Got } from './tally'
import { acs3, send } from './wire'

const F = 'c. hostile pictures'
/** This file's own local profile on the shared server. */
const INSTANCE = 'adv-pictures'
/** Holds the canary file (outside the server's data folder). */
const data = freshDataDir('loupe-adv-canary-')
let s: Served
let corpus: Hostile[]
let canary: { server: http.Server; url: string; hits: string[] }
const canaryFile = path.join(data.dir, 'canary.png')

beforeAll(async () => {
  s = sharedHost()
  ;[, corpus] = await Promise.all([ownProfile(s, INSTANCE), hostileCorpus(rng('pictures/corpus'))])
  const hits: string[] = []
  const server = http.createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`)
    res.writeHead(404).end()
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  canary = { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits }
  fs.writeFileSync(canaryFile, corpus.find((h) => h.name === 'CMYK JPEG')!.bytes)
})

afterAll(async () => {
  const total = flushTally('pictures')
  await new Promise<void>((r) => (canary ? canary.server.close(() => r()) : r()))
  fs.rmSync(canaryFile, { force: true })
  data.cleanup()
  expect(total.misbehaved).toBe(0)
})

type Mode = 'refuse' | 'accept' | 'either'
type Answer = Got & { ok?: unknown }

/**
 * One path of one picture: the server must answer (never 5xx, never a reset) and stay up; then a
 * named code from `codes` (400) or a correct result, as `mode` says. A code that only another
 * helper's fix gives is pending until that fix is on this branch.
 */
async function judge(
  name: string,
  got: Answer,
  mode: Mode,
  codes: readonly string[],
  awaits: { helper: string; code: string } | undefined,
  verify: () => Promise<string | null>,
): Promise<string | null> {
  if (!(await s.alive()))
    return record(F, name, 'misbehaved', `server down afterwards (answer: ${shown(got)})`)
  if (got.transport || got.status >= 500) return record(F, name, 'misbehaved', shown(got))
  const isResult = !got.code && got.status === 200
  if (isResult && mode !== 'refuse') {
    const wrong = await verify()
    return wrong
      ? record(F, name, 'misbehaved', `a wrong result: ${wrong}`)
      : record(F, name, 'answered')
  }
  if (!isResult && mode !== 'accept' && codes.includes(got.code)) {
    return got.status === errorStatus(got.code)
      ? record(F, name, 'rejected')
      : record(F, name, 'misbehaved', `${got.code} with status ${got.status}`)
  }
  if (awaits && codes.includes(awaits.code) && !LANDED[awaits.helper as Helper]) {
    return pendingCase(
      F,
      name,
      awaits.helper,
      `answers ${shown(got)}; the issue wants ${awaits.code}`,
    )
  }
  const want =
    mode === 'accept'
      ? 'a result'
      : mode === 'either'
        ? `a result or ${codes.join(' | ')}`
        : codes.join(' | ')
  return record(F, name, 'misbehaved', `expected ${want}, got ${shown(got)}`)
}

let seq = 0

/** The four paths for one picture. */
async function throughEveryPath(h: Hostile): Promise<string[]> {
  const fails: string[] = []
  const b64 = h.bytes.toString('base64')
  const n = ++seq
  const key = { ProductId: `hostile-${n}`, PicName: `photo-${n}.jpg` }
  const push = (l: string | null) => void (l && fails.push(l))

  // Engine API: AddImage, then (for a result) the picture is found by searching with it.
  const add = await send(
    s.port,
    acs3(s.port, 'AddImage', { InstanceName: INSTANCE, ...key, PicContent: b64 }),
  )
  push(
    await judge(
      `${h.name} — engine API AddImage`,
      add,
      h.expect,
      h.apiCodes,
      h.awaits,
      async () => {
        const found = await send(
          s.port,
          acs3(s.port, 'SearchImageByPic', { InstanceName: INSTANCE, PicContent: b64, Num: '5' }),
        )
        const top = (JSON.parse(found.text) as { Auctions?: { ProductId: string }[] }).Auctions?.[0]
        if (h.expect === 'accept' && top?.ProductId !== key.ProductId)
          return `searching with it finds ${top?.ProductId ?? 'nothing'} first (${shown(found)})`
        const ex = await send(
          s.port,
          acs3(s.port, 'CheckImageExists', { InstanceName: INSTANCE, ...key }),
        )
        return (JSON.parse(ex.text) as { Exists?: boolean }).Exists
          ? null
          : 'CheckImageExists says it is not there'
      },
    ),
  )
  const search = await send(
    s.port,
    acs3(s.port, 'SearchImageByPic', { InstanceName: INSTANCE, PicContent: b64 }),
  )
  push(
    await judge(
      `${h.name} — engine API SearchImageByPic`,
      search,
      h.expect,
      h.apiCodes,
      h.awaits,
      async () =>
        Array.isArray((JSON.parse(search.text) as { Auctions?: unknown }).Auctions)
          ? null
          : 'no Auctions',
    ),
  )

  // The contract (the core's picture pipeline, then the engine).
  const mode = h.contractExpect ?? h.expect
  const ckey = { productId: `hostile-c-${n}`, picName: `photo-c-${n}.jpg` }
  const image = { base64: b64, name: 'photo.jpg' }
  const cadd = await call(s.port, 'images.add', { profile: INSTANCE, image, ...ckey })
  push(
    await judge(
      `${h.name} — contract images.add`,
      cadd,
      mode,
      h.contractCodes,
      h.awaits,
      async () => {
        const found = await call(s.port, 'search.byPic', { profile: INSTANCE, image, num: 5 })
        const top = (found.result as { auctions?: { productId: string }[] } | undefined)
          ?.auctions?.[0]
        // The same bytes went in through the engine API above: either copy may come first.
        if (
          mode === 'accept' &&
          top?.productId !== ckey.productId &&
          top?.productId !== key.ProductId
        )
          return `search.byPic with it finds ${top?.productId ?? 'nothing'} first (${shown(found)})`
        const ex = await call(s.port, 'images.exists', { profile: INSTANCE, ...ckey })
        return (ex.result as { exist?: boolean } | undefined)?.exist
          ? null
          : 'images.exists says it is not there'
      },
    ),
  )
  const csearch = await call(s.port, 'search.byPic', { profile: INSTANCE, image, num: 5 })
  push(
    await judge(
      `${h.name} — contract search.byPic`,
      csearch,
      mode,
      h.contractCodes,
      h.awaits,
      async () =>
        Array.isArray((csearch.result as { auctions?: unknown } | undefined)?.auctions)
          ? null
          : 'no auctions',
    ),
  )
  return fails
}

describe('family c: hostile pictures through the engine API and the contract', () => {
  it('empty, truncated, fake, bombs, many frames, CMYK, 16-bit, over the pixel limit', async () => {
    const fails: string[] = []
    for (const h of corpus) fails.push(...(await throughEveryPath(h)))
    expect(fails).toEqual([])
  })

  it('SVGs with external references are refused without fetching or reading anything', async () => {
    // The canary file's access time moves when anything reads it (checked first: on a noatime
    // mount only the network canary can tell).
    const old = new Date(Date.now() - 86_400_000)
    fs.utimesSync(canaryFile, old, fs.statSync(canaryFile).mtime)
    fs.readFileSync(canaryFile)
    const atimeWorks = fs.statSync(canaryFile).atimeMs > old.getTime() + 1000
    if (!atimeWorks)
      console.log('pictures: access times are not updated here; only the network canary is checked')
    fs.utimesSync(canaryFile, old, fs.statSync(canaryFile).mtime)

    const fails: string[] = []
    for (const svg of svgs(canary.url, canaryFile)) {
      const h: Hostile = {
        name: svg.name,
        bytes: svg.bytes,
        expect: 'refuse',
        apiCodes: ['UnsupportedPicFormat'],
        contractCodes: ['UnsupportedPicFormat'],
      }
      fails.push(...(await throughEveryPath(h)))
    }
    const read = atimeWorks && fs.statSync(canaryFile).atimeMs > old.getTime() + 1000
    const leak = canary.hits.length || read
    const line = leak
      ? record(
          F,
          'SVG external references: nothing fetched or read',
          'misbehaved',
          `canary requests: [${canary.hits.join(', ')}]; canary file read: ${read}`,
        )
      : record(F, 'SVG external references: nothing fetched or read', 'rejected')
    if (line) fails.push(line)
    expect(fails).toEqual([])
  })

  it('after all of it, the server still serves a fine picture', async () => {
    const png = corpus.find((h) => h.name === '16-bit PNG')!.bytes.toString('base64')
    const r = await send(
      s.port,
      acs3(s.port, 'SearchImageByPic', { InstanceName: INSTANCE, PicContent: png }),
    )
    const line =
      r.status === 200 && !r.code
        ? record(F, 'a fine search after the corpus', 'answered')
        : record(F, 'a fine search after the corpus', 'misbehaved', shown(r))
    expect(line).toBeNull()
  })
})
