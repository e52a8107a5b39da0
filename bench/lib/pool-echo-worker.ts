/** bench/worker-pool.ts: the same tiny task for util/worker-pool.ts (message protocol)... */
import { parentPort } from 'node:worker_threads'
import { work, type EchoTask } from './pool-echo-task'

parentPort?.on('message', (req: EchoTask & { id: number }) => {
  parentPort!.postMessage({ id: req.id, value: work(req) })
})
