/**
 * Worker pool benchmark: `npx tsx bench/worker-pool.ts [--tasks 2000] [--rounds 5]`.
 *
 * Our pool (electron/core/util/worker-pool.ts) against tinypool (installed), same machine, same
 * run, same task: 2 threads, 2 tasks in flight per thread, a trivial task on (a) a 1 KB buffer
 * (round-trip overhead) and (b) a 4 MB buffer moved with a transfer list (a picture's bytes).
 * Rounds alternate which pool goes first; the median round is reported as tasks/s and µs per task, with
 * the ratio ours / tinypool (time; below 1 = ours faster).
 */
import { Tinypool } from 'tinypool'
import { WorkerPool } from '../electron/core/util/worker-pool'

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : def
}
const TASKS = Number(arg('tasks', '2000'))
const ROUNDS = Number(arg('rounds', '5'))
const THREADS = 2
const IN_FLIGHT = THREADS * 2

const ours = new WorkerPool<{ id: number; bytes: Uint8Array }, { id: number; value: number }>({
  size: THREADS,
  perWorker: 2,
  workerUrl: new URL('./lib/pool-echo-worker.ts', import.meta.url),
  errors: {
    closed: () => new Error('closed'),
    closing: () => new Error('closing'),
    crashed: (e) => e,
  },
})
const tiny = new Tinypool({
  filename: new URL('./lib/pool-echo-tinypool.ts', import.meta.url).href,
  minThreads: THREADS,
  maxThreads: THREADS,
  concurrentTasksPerWorker: 2,
})

type Runner = (bytes: Uint8Array) => Promise<number>
const runOurs: Runner = async (bytes) =>
  (await ours.run({ bytes }, [bytes.buffer as ArrayBuffer])).value
const runTiny: Runner = (bytes) =>
  tiny.run({ bytes }, { transferList: [bytes.buffer as ArrayBuffer] }) as Promise<number>

/**
 * ms for `n` tasks of `size` bytes, IN_FLIGHT at a time. Each task gets a fresh buffer (a transfer
 * detaches it), allocated in the loop for both pools alike.
 */
async function timeTasks(run: Runner, n: number, size: number): Promise<number> {
  let next = 0
  const t0 = performance.now()
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next++ < n) await run(new Uint8Array(size))
    }),
  )
  return performance.now() - t0
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

async function compare(label: string, size: number, n: number) {
  // Warm up both (threads started, modules loaded).
  await timeTasks(runTiny, 50, size)
  await timeTasks(runOurs, 50, size)
  const t: number[] = []
  const o: number[] = []
  for (let r = 0; r < ROUNDS; r++) {
    // Alternate which goes first, so neither always runs on the other's garbage.
    if (r % 2) o.push(await timeTasks(runOurs, n, size))
    t.push(await timeTasks(runTiny, n, size))
    if (!(r % 2)) o.push(await timeTasks(runOurs, n, size))
  }
  const mt = median(t)
  const mo = median(o)
  const line = (name: string, ms: number) =>
    `  ${name.padEnd(10)} ${((n / ms) * 1000).toFixed(0).padStart(7)} tasks/s ${((ms / n) * 1000).toFixed(1).padStart(8)} µs/task`
  console.log(`${label} (${n} tasks, median of ${ROUNDS})`)
  console.log(line('tinypool', mt))
  console.log(line('ours', mo))
  console.log(`  ratio ours / tinypool (time): ${(mo / mt).toFixed(2)}`)
}

await compare('1 KB task (round-trip overhead)', 1024, TASKS)
await compare('4 MB transferred (a picture)', 4 << 20, Math.max(50, Math.round(TASKS / 10)))
await ours.close()
await tiny.destroy()
