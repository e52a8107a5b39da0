/**
 * Log injection through the engine API (issue 11): an unauthenticated caller chooses AccessKeyId,
 * InstanceName and Action, and they reach `logs/loupe.log`. Real `loupe serve` host (in-process,
 * 127.0.0.1), the official SDK with both signature schemes and raw HTTP; then the log file is
 * read: one line per request, none forged.
 */
import fs from 'node:fs'
import http from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHeadless } from '../../../electron/server/headless'
import { createKeyStore } from '../../../electron/core/engines/wire/keys'
import { signRpcV1 } from '../../../electron/core/engines/wire/rpc-v1'
import { logFilePath } from '../../../electron/core/log'
import { makeClient, sdk } from '../core/engines/wire/sdk'
import { tempDir } from '../../helpers/tmp'
import { catalogueItem } from '../../helpers/images'
import { loupeAsync } from '../../helpers/cli'

/** What a forged line would look like if a newline got through. */
const FORGED = '2026-01-01T00:00:00.000Z ERROR forged'
const LINE_START = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (DEBUG|INFO|WARN|ERROR) /

const t = tempDir('loupe-loginj-')
let h: Awaited<ReturnType<typeof startHeadless>>
let ak: { accessKeyId: string; accessKeySecret: string }

beforeAll(async () => {
  h = await startHeadless({ dataDir: t.dir, port: 0, rendererDir: t.dir, control: false })
  ak = await createKeyStore(t.dir).create({ description: 'log injection test' })
})
afterAll(async () => {
  await h?.close()
  t.cleanup()
})

type Dispatch = (name: string, input: unknown) => Promise<unknown>
async function call<T>(d: Dispatch, name: string, input: unknown = {}): Promise<T> {
  const r = (await d(name, input)) as { result?: T; error?: { code: string; message: string } }
  if (r.error) throw new Error(`${name}: ${r.error.code}: ${r.error.message}`)
  return r.result as T
}

interface Answer {
  status: number
  requestId: string
  code: string
}

/** The RequestId and code of an SDK error (the call must fail). */
async function sdkFails(p: Promise<unknown>): Promise<Answer> {
  try {
    await p
  } catch (e) {
    const err = e as { statusCode: number; data?: { RequestId: string; Code: string } }
    return { status: err.statusCode, requestId: err.data!.RequestId, code: err.data!.Code }
  }
  throw new Error('expected the call to fail')
}

/** A raw POST to the engine API with this query string (already encoded). */
function rawPost(query: string, body = ''): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: h.port,
        method: 'POST',
        path: `/?${query}`,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (c: string) => (text += c))
        res.on('end', () => {
          const j = JSON.parse(text) as { Code: string }
          resolve({
            status: res.statusCode ?? 0,
            requestId: String(res.headers['x-acs-request-id']),
            code: j.Code,
          })
        })
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

const enc = (s: string) => encodeURIComponent(s)

/** RPC v1 parameters signed with the test's key, business parameters included. */
function signedQuery(params: Record<string, string>): string {
  const all: Record<string, string> = {
    Format: 'JSON',
    Version: '2020-12-14',
    AccessKeyId: ak.accessKeyId,
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: `${Date.now()}-${Math.random()}`,
    Timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    ...params,
  }
  all.Signature = signRpcV1('POST', all, ak.accessKeySecret)
  return Object.entries(all)
    .map(([k, v]) => `${enc(k)}=${enc(v)}`)
    .join('&')
}

/** The characters of `s` no log line may hold as they are (C0, DEL, C1, U+2028/9, bidi). */
function rawControls(s: string): string[] {
  return [...s].filter((c) => {
    const n = c.codePointAt(0)!
    return (
      (n < 0x20 && c !== '\n') ||
      (n >= 0x7f && n <= 0x9f) ||
      n === 0x2028 ||
      n === 0x2029 ||
      (n >= 0x202a && n <= 0x202e) ||
      (n >= 0x2066 && n <= 0x2069)
    )
  })
}

function logLines(): string[] {
  const f = logFilePath(t.dir)
  return fs.existsSync(f) ? fs.readFileSync(f, 'utf8').split('\n').filter(Boolean) : []
}

describe('engine API → loupe.log: untrusted values cannot forge a line', () => {
  it('one line per request, whatever AccessKeyId, InstanceName or Action hold', async () => {
    const answers: { what: string; a: Answer; marker: string }[] = []
    const before = logLines().length

    // 1. The official SDK (RPC v1) with an AccessKeyId holding a newline, CR and ESC: unknown key.
    const evilAk = `evil-ak\n${FORGED} ak\r\x1b[2K`
    answers.push({
      what: 'SDK v1 AccessKeyId',
      marker: 'evil-ak',
      a: await sdkFails(
        makeClient({
          port: h.port,
          accessKeyId: evilAk,
          accessKeySecret: 'whatever-secret',
          signatureAlgorithm: 'v2',
        }).searchImageByName(
          new sdk.SearchImageByNameRequest({ instanceName: 'local', productId: 'p', picName: 'n' }),
        ),
      ),
    })

    // 2. The SDK, both schemes, a valid key, an InstanceName with a newline, U+2028 and a bidi
    //    override; ProductId and PicName with newlines too.
    for (const v1 of [false, true]) {
      answers.push({
        what: `SDK ${v1 ? 'v1' : 'ACS3'} InstanceName`,
        marker: `evil-instance-${v1 ? 'v1' : 'acs3'}`,
        a: await sdkFails(
          makeClient({
            port: h.port,
            accessKeyId: ak.accessKeyId,
            accessKeySecret: ak.accessKeySecret,
            signatureAlgorithm: v1 ? 'v2' : undefined,
          }).searchImageByName(
            new sdk.SearchImageByNameRequest({
              instanceName: `evil-instance-${v1 ? 'v1' : 'acs3'}\n${FORGED} instance\u2028\u202eX`,
              productId: `p\n${FORGED} product`,
              picName: `n\r\n${FORGED} pic`,
            }),
          ),
        ),
      })
    }

    // 3. Raw HTTP: AccessKeyId=evil%0A… unsigned (the request), %0D, %1B and U+2028 too.
    answers.push({
      what: 'raw AccessKeyId',
      marker: 'raw-ak',
      a: await rawPost(
        `AccessKeyId=raw-ak%0A${enc(FORGED)}%20raw%0D%1B%5B2K%E2%80%A8&Signature=x&SignatureMethod=HMAC-SHA1&SignatureVersion=1.0&Action=SearchImage`,
      ),
    })

    // 4. Raw HTTP, correctly signed: an Action with a newline (reaches the log as the action).
    answers.push({
      what: 'raw Action',
      marker: 'EvilAction',
      a: await rawPost(signedQuery({ Action: `EvilAction\n${FORGED} action` })),
    })

    // 5. Raw HTTP, correctly signed: InstanceName and a filter with newlines in the form body.
    answers.push({
      what: 'raw body',
      marker: 'raw-instance',
      a: await rawPost(
        signedQuery({
          Action: 'SearchImageByName',
          InstanceName: `raw-instance\n${FORGED} body`,
          ProductId: 'p',
          PicName: 'n',
          Filter: `IntAttr=1\n${FORGED} filter`,
        }),
      ),
    })

    expect(answers.map((x) => [x.what, x.a.status, x.a.code])).toEqual([
      ['SDK v1 AccessKeyId', 404, 'InvalidAccessKeyId.NotFound'],
      ['SDK ACS3 InstanceName', 400, 'InvalidInstance'],
      ['SDK v1 InstanceName', 400, 'InvalidInstance'],
      ['raw AccessKeyId', 404, 'InvalidAccessKeyId.NotFound'],
      ['raw Action', 404, 'InvalidAction.NotFound'],
      ['raw body', 400, 'InvalidInstance'],
    ])

    const lines = logLines()
    // every line of the file is a line the logger wrote: it starts with a timestamp and a level
    for (const l of lines) expect(l).toMatch(LINE_START)
    expect(rawControls(lines.join('\n'))).toEqual([])
    // nothing forged: "forged" only ever appears in the middle of an engine-api line
    for (const l of lines.filter((x) => x.includes('forged')))
      expect(l).toMatch(/^\S+ INFO engine-api wire /)
    const mine = lines.slice(before).filter((l) => l.includes('engine-api wire'))
    expect(mine).toHaveLength(answers.length)
    for (const { what, a, marker } of answers) {
      const of = lines.filter((l) => l.includes(a.requestId))
      expect(of, what).toHaveLength(1)
      // the untrusted value is there, escaped and quoted, on the request's own line
      expect(of[0], what).toContain(marker)
      expect(of[0], what).toContain(`\\n${FORGED}`)
      expect(of[0], what).toMatch(/ -> \d{3} \S+ \d+ms$/)
    }
    // the caller's words stay quoted: a reader can tell the value from the line's own fields
    const akLine = lines.find((l) => l.includes(answers[0].a.requestId))!
    expect(akLine).toContain(`ak="evil-ak\\n${FORGED} ak\\r\\x1b[2K"`)
    const instLine = lines.find((l) => l.includes(answers[1].a.requestId))!
    expect(instLine).toContain(`instance="evil-instance-acs3\\n${FORGED} instance\\u2028\\u202eX"`)
  })
})

describe('engine API → loupe.log: one request cannot flood the log', () => {
  it('a 200,000-character InstanceName (signed, in the body) is cut in its line', async () => {
    const body = { InstanceName: 'I'.repeat(200_000), ProductId: 'p', PicName: 'n' }
    const system: Record<string, string> = {
      Action: 'SearchImageByName',
      Format: 'JSON',
      Version: '2020-12-14',
      AccessKeyId: ak.accessKeyId,
      SignatureMethod: 'HMAC-SHA1',
      SignatureVersion: '1.0',
      SignatureNonce: `${Date.now()}-${Math.random()}`,
      Timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    }
    const signature = signRpcV1('POST', { ...system, ...body }, ak.accessKeySecret)
    const a = await rawPost(
      Object.entries({ ...system, Signature: signature })
        .map(([k, v]) => `${enc(k)}=${enc(v)}`)
        .join('&'),
      Object.entries(body)
        .map(([k, v]) => `${enc(k)}=${enc(v)}`)
        .join('&'),
    )
    expect(a.code).toBe('InvalidInstance')
    const line = logLines().find((l) => l.includes(a.requestId))!
    expect(line.length).toBeLessThan(1500)
    expect(line).toContain(`instance="${'I'.repeat(1024)}…(+198976 characters)"`)
  })
})

describe('the CLI: what the data holds cannot drive the terminal', () => {
  it('`loupe gallery list` shows a ProductId and PicName with ESC, BEL and CR escaped', async () => {
    const productId = 'p\x1b]0;pwned\x07\x1b[2J'
    const picName = 'name\rOVERWRITTEN\u202egpj.exe'
    await call(h.core.dispatch, 'images.add', {
      image: { base64: fs.readFileSync(catalogueItem(5)).toString('base64') },
      productId,
      picName,
    })
    // over the host's control channel? This host runs without one: the CLI opens the folder itself
    // once the host is closed.
    await h.close()
    const r = await loupeAsync(['--data', t.dir, 'gallery', 'list'])
    expect(r.code).toBe(0)
    expect(rawControls(r.stdout)).toEqual([])
    expect(r.stdout).toContain('p\\x1b]0;pwned\\x07\\x1b[2J  name\\rOVERWRITTEN\\u202egpj.exe')
    // --json stays exact (JSON escapes control characters itself)
    const j = await loupeAsync(['--data', t.dir, '--json', 'gallery', 'list'])
    const items = (JSON.parse(j.stdout) as { items: { productId: string; picName: string }[] })
      .items
    expect(items.find((i) => i.productId === productId)?.picName).toBe(picName)
  })
})
