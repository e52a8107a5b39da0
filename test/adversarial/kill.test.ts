/**
 * Family g — `kill -9` of `loupe serve` (a real child process) during AddImage bursts from several
 * official SDK clients, then a restart on the same data folder: every image the server
 * acknowledged (a 200 to AddImage) is found, nothing is stored twice, the instance's count agrees
 * with what is stored, and the restarted server takes new work. The kill comes at a seeded moment
 * of the burst; LOUPE_ADV_KILL_ROUNDS=n repeats it (each burst on the server restarted before).
 *
 * The fresh data folder of this file also carries family f's file-mode checks (POSIX): 0700/0600
 * after the bursts and the crash, again after a restart on a folder opened up to 0755/0644, and
 * after new work through the engine API and the contract.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { catalogueBytes } from '../helpers/images'
import { call } from './contract'
import { freshDataDir, INSTANCE, serveChild, type Served } from './host'
import { asOlderVersionLeftIt, checkModes } from './modes'
import { flushTally, record, rng } from './tally'
import { client, sdk } from './wire'

const F = 'g. kill -9 during AddImage bursts'
const CLIENTS = 4
/** Kill/restart rounds (LOUPE_ADV_KILL_ROUNDS; each later burst goes to the restarted server). */
const ROUNDS = Number(process.env.LOUPE_ADV_KILL_ROUNDS ?? 1)
const data = freshDataDir()
let s: Served | undefined

afterAll(async () => {
  const total = flushTally('kill')
  await s?.stop()
  data.cleanup()
  expect(total.misbehaved).toBe(0)
})

interface Key {
  productId: string
  picName: string
  n: number
}

/** Every image of the instance (IntAttr holds the sequence number of each add), by filter. */
async function stored(port: number): Promise<{ keys: Key[]; totalCount: number }> {
  const c = client(port)
  const keys: Key[] = []
  for (let start = 0; start < 500; start += 100) {
    const r = await c.searchImageByFilter(
      new sdk.SearchImageByFilterRequest({
        instanceName: INSTANCE,
        filter: 'int_attr>=0',
        start,
        num: 100,
      }),
    )
    const page = r.body?.auctions ?? []
    for (const a of page)
      keys.push({ productId: a.productId!, picName: a.picName!, n: a.intAttr ?? -1 })
    if (page.length < 100) break
  }
  const d = await c.detail(new sdk.DetailRequest({ instanceName: INSTANCE }))
  return { keys, totalCount: d.body?.instance?.totalCount ?? -1 }
}

describe('family g: kill -9 of loupe serve during AddImage bursts', () => {
  it('every acknowledged image survives, none twice, after kill -9 and a restart', async () => {
    const r = rng('kill')
    const acked = new Map<string, Key>()
    const sent = new Map<string, Key>()
    let seq = 0
    const fails: string[] = []
    // A later round's burst goes to the server restarted after the one before.
    s = await serveChild(data.dir)
    for (let round = 1; round <= ROUNDS; round++) {
      const served: Served = s!
      const killAfter = r.int(4, 10)
      let ackedThisRound = 0
      let killed = false
      let resolveKill!: () => void
      const killedNow = new Promise<void>((res) => (resolveKill = res))
      const inFlightAtKill: string[] = []
      const inFlight = new Set<string>()
      const worker = async (w: number) => {
        const c = client(served.port, { v1: w % 2 === 1, timeoutMs: 20_000 })
        while (!killed) {
          const n = seq++
          const key: Key = { productId: `burst-${round}-${w}-${n}`, picName: `k${n}.jpg`, n }
          const id = `${key.productId}/${key.picName}`
          sent.set(id, key)
          inFlight.add(id)
          try {
            const res = await c.addImage(
              new sdk.AddImageRequest({
                instanceName: INSTANCE,
                productId: key.productId,
                picName: key.picName,
                picContent: catalogueBytes(n % 700).toString('base64'),
                intAttr: n,
              }),
            )
            inFlight.delete(id)
            if (res.body?.success) {
              acked.set(id, key)
              if (++ackedThisRound === killAfter && !killed) {
                killed = true
                inFlightAtKill.push(...inFlight)
                await served.kill9()
                resolveKill()
              }
            }
          } catch {
            // The kill: the request had no answer, so nothing was acknowledged.
            inFlight.delete(id)
            if (!killed) await new Promise((res) => setTimeout(res, 50))
          }
        }
      }
      const workers = Array.from({ length: CLIENTS }, (_, w) => worker(w))
      // A server that acknowledges nothing must not hang the run: kill it anyway after 60 s.
      const guard = setTimeout(() => {
        if (killed) return
        killed = true
        fails.push(
          record(
            F,
            `round ${round}: the burst`,
            'misbehaved',
            `only ${ackedThisRound} of ${killAfter} adds acknowledged in 60 s`,
          )!,
        )
        void served.kill9().then(resolveKill)
      }, 60_000)
      await killedNow
      clearTimeout(guard)
      await Promise.all(workers)
      const name = `round ${round}: SIGKILL after ${killAfter} acknowledged adds (${inFlightAtKill.length} in flight)`
      const died = served.proc.signalCode === 'SIGKILL'
      if (!died)
        fails.push(
          record(F, name, 'misbehaved', `the server did not die (${served.proc.exitCode})`)!,
        )

      // File modes (family f) after real work and a crash; then the folder is made to look like
      // an older version's (0755/0644, never tightened) and the restart must tighten it.
      const posix = process.platform !== 'win32'
      if (posix) {
        const m = checkModes(data.dir, `after AddImage bursts and kill -9 (round ${round})`)
        if (m) fails.push(m)
        asOlderVersionLeftIt(data.dir)
      }
      // Restart on the same data folder.
      s = await serveChild(data.dir)
      if (posix) {
        const m = checkModes(
          data.dir,
          `after a restart on a folder an older version left 0755/0644 (round ${round})`,
        )
        if (m) fails.push(m)
      }
      const after = await stored(s.port)
      const seen = new Map<string, number>()
      for (const k of after.keys) {
        const id = `${k.productId}/${k.picName}`
        seen.set(id, (seen.get(id) ?? 0) + 1)
      }
      const lost = [...acked.keys()].filter((id) => !seen.has(id))
      const twice = [...seen].filter(([, n]) => n > 1).map(([id]) => id)
      const unknown = [...seen.keys()].filter((id) => !sent.has(id))
      const problems = [
        lost.length ? `acknowledged but lost: ${lost.join(', ')}` : '',
        twice.length ? `stored twice: ${twice.join(', ')}` : '',
        unknown.length ? `stored but never sent: ${unknown.join(', ')}` : '',
        after.totalCount !== after.keys.length
          ? `Detail TotalCount ${after.totalCount} but ${after.keys.length} images stored`
          : '',
      ].filter(Boolean)
      const line = problems.length
        ? record(F, name, 'misbehaved', problems.join('; '))
        : record(F, name, 'answered')
      if (line) fails.push(line)
      console.log(
        `kill round ${round}: ${acked.size} acknowledged so far, ${after.keys.length} stored after restart (${after.keys.length - acked.size} unacknowledged in-flight adds landed)`,
      )

      if (round === ROUNDS) {
        // After the last restart: one more add must work.
        const n = seq++
        const key = { productId: 'after-restart', picName: `a${n}.jpg` }
        const res = await client(s.port)
          .addImage(
            new sdk.AddImageRequest({
              instanceName: INSTANCE,
              ...key,
              picContent: catalogueBytes(n % 700).toString('base64'),
              intAttr: n,
            }),
          )
          .catch((e: Error) => ({ body: { success: false, message: e.message } }))
        // And the gallery side (a thumbnail, the gallery database) through the contract.
        const cadd = await call(s.port, 'images.add', {
          image: { base64: catalogueBytes((n + 1) % 700).toString('base64'), name: 'c.jpg' },
          productId: 'after-restart-contract',
          picName: 'c.jpg',
        })
        const l2 =
          res.body?.success && !cadd.code
            ? record(F, 'the restarted server adds images (engine API and contract)', 'answered')
            : record(
                F,
                'the restarted server adds images (engine API and contract)',
                'misbehaved',
                `${JSON.stringify(res.body)} ${cadd.text.slice(0, 200)}`,
              )
        if (l2) fails.push(l2)
        if (posix) {
          const m = checkModes(data.dir, 'after new work on the restarted server')
          if (m) fails.push(m)
        }
      }
    }
    expect(fails).toEqual([])
  })
})
