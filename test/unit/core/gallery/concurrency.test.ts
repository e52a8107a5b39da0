import { createRequire } from 'node:module'
import path from 'node:path'
import { Worker } from 'node:worker_threads'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { openGallery } from '../../../../electron/core/gallery'
import { newGallery, track, writeLines } from './helpers'

const addon = createRequire(import.meta.url).resolve('better-sqlite3')

/** A reader on its own thread and connection: reads (images count, products sum) snapshots. */
const READER = `
const { parentPort, workerData } = require('node:worker_threads')
const Database = require(workerData.addon)
const db = new Database(workerData.file, { readonly: true })
db.pragma('busy_timeout = 2000')
const read = db.transaction(() => [
  db.prepare('SELECT count(*) AS n FROM images').get().n,
  db.prepare('SELECT coalesce(sum(n), 0) AS n FROM products').get().n,
])
let stop = false
let reads = 0
const seen = new Set()
const errors = []
parentPort.on('message', (m) => { if (m === 'stop') stop = true })
function loop() {
  for (let i = 0; i < 20; i++) {
    try {
      const k = read().join('/')
      if (!seen.has(k)) parentPort.postMessage({ snap: k })
      seen.add(k)
      reads++
    } catch (e) {
      errors.push(String(e))
    }
  }
  if (stop) {
    parentPort.postMessage({ seen: [...seen], errors, reads })
    db.close()
    return
  }
  setImmediate(loop)
}
loop()
`

describe('gallery with concurrent connections (WAL)', () => {
  it('a reader is never blocked by an open write transaction and keeps its snapshot', () => {
    const { g, file } = newGallery()
    g.recordAdded({ productId: 'p', picName: 'a.jpg' })
    const reader = new Database(file, { readonly: true })
    reader.pragma('busy_timeout = 0') // a blocked read would fail at once
    const count = () =>
      (reader.prepare('SELECT count(*) AS n FROM images').get() as { n: number }).n
    try {
      g.batch(() => {
        g.recordAdded({ productId: 'p', picName: 'b.jpg' })
        g.recordAdded({ productId: 'p', picName: 'c.jpg' })
        // Same thread, writer mid-transaction: the read must answer from the last commit.
        expect(count()).toBe(1)
      })
      expect(count()).toBe(3)
      // A long read transaction keeps its snapshot while the writer commits.
      const snapshot = reader.transaction(() => {
        const before = count()
        g.recordDeletedByProduct('p')
        const during = count()
        return [before, during]
      })
      expect(snapshot.deferred()).toEqual([3, 3])
      expect(count()).toBe(0)
      // Two gallery objects on the same file (e.g. the app and a CLI) both work.
      const other = track(openGallery(file))
      other.recordAdded({ productId: 'q', picName: 'x.jpg', strAttr: '男装' })
      expect(g.query({ text: '男装', limit: 5 }).items.map((i) => i.productId)).toEqual(['q'])
    } finally {
      reader.close()
    }
  })

  it('readers on another thread see the cache before or after an import, never half of it', async () => {
    const { g, dir, file } = newGallery()
    const first = Array.from({ length: 3000 }, (_, i) => ({
      ProductId: `a${i % 700}`,
      PicName: `${i}.jpg`,
      StrAttr: '男装',
    }))
    await g.importDump(writeLines(path.join(dir, 'd1.jsonl'), first))
    const second = Array.from({ length: 5000 }, (_, i) => ({
      ProductId: `b${i % 900}`,
      PicName: `${i}.png`,
      CustomContent: '雪纺',
    }))
    const d2 = writeLines(path.join(dir, 'd2.jsonl'), second)

    const worker = new Worker(READER, { eval: true, workerData: { file, addon } })
    const waiters = new Map<string, () => void>()
    const snaps = new Set<string>()
    const snapshot = (k: string) =>
      new Promise<void>((resolve) => (snaps.has(k) ? resolve() : waiters.set(k, resolve)))
    const result = new Promise<{ seen: string[]; errors: string[]; reads: number }>(
      (resolve, reject) => {
        worker.on('message', (m) => {
          if (m.snap) {
            snaps.add(m.snap)
            waiters.get(m.snap)?.()
          }
          if (m.seen) resolve(m)
        })
        worker.on('error', reject)
      },
    )
    await snapshot('3000/3000') // the reader is running
    const counts = await g.importDump(d2)
    expect(counts).toEqual({ added: 5000, changed: 0, gone: 3000, unchanged: 0, pending: 0 })
    await snapshot('5000/5000') // and has seen the commit
    worker.postMessage('stop')
    const r = await result
    await worker.terminate()
    expect(r.errors).toEqual([])
    expect(r.seen.sort()).toEqual(['3000/3000', '5000/5000'])
  })
})
