/** Worker thread entry: runs featurizer requests for the pool (featurizer/pool.ts). */
import { parentPort } from 'node:worker_threads'
import { isBudgetMessage } from '../../../util/pixel-budget'
import { backboneLoaded } from './backbone'
import { describeImage, detectImage, embedImage } from './pipeline'
import type { Reply, Request } from './protocol'
import { warmUp } from './warm'

const port = parentPort
if (!port) throw new Error('featurizer worker must run in a worker thread')

port.on('message', (req: Request) => {
  if (isBudgetMessage(req)) return // answered by util/pixel-budget.ts
  // Whether this request waits for the model to load (detect does not use it).
  const cold = req.op !== 'detect' && !backboneLoaded()
  void handle(req).then((reply) => {
    if (cold) reply.cold = true
    if (reply.ok && (reply.op === 'embed' || reply.op === 'describe')) {
      port.postMessage(reply, [reply.result.vector.buffer as ArrayBuffer])
    } else port.postMessage(reply)
  })
})

async function handle(req: Request): Promise<Reply> {
  try {
    switch (req.op) {
      case 'embed':
        return { id: req.id, ok: true, op: 'embed', result: await embedImage(req.image, req.box) }
      case 'detect':
        return { id: req.id, ok: true, op: 'detect', result: await detectImage(req.image) }
      case 'describe':
        return {
          id: req.id,
          ok: true,
          op: 'describe',
          result: await describeImage(req.image, req.opts),
        }
      case 'warm':
        return { id: req.id, ok: true, op: 'warm', result: await warmUp() }
    }
  } catch (err) {
    const e = err as { code?: string; message?: string; hint?: string }
    return {
      id: req.id,
      ok: false,
      error: { code: e.code, message: e.message ?? String(err), hint: e.hint },
    }
  }
}
