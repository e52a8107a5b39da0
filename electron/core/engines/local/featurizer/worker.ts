/** Worker thread entry: runs featurizer requests one at a time. */
import { parentPort } from 'node:worker_threads'
import { detectImage, embedImage } from './pipeline'
import type { Reply, Request } from './protocol'

const port = parentPort
if (!port) throw new Error('featurizer worker must run in a worker thread')

port.on('message', (req: Request) => {
  void handle(req).then((reply) => {
    if (reply.ok && reply.op === 'embed') {
      port.postMessage(reply, [reply.result.vector.buffer as ArrayBuffer])
    } else port.postMessage(reply)
  })
})

async function handle(req: Request): Promise<Reply> {
  try {
    if (req.op === 'embed') {
      return {
        id: req.id,
        ok: true,
        op: 'embed',
        result: await embedImage(req.image, req.box),
      }
    }
    return {
      id: req.id,
      ok: true,
      op: 'detect',
      result: await detectImage(req.image),
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
