/** Imaging worker thread: runs `preparePicture` for the pool. */
import { parentPort } from 'node:worker_threads'
import { isBudgetMessage } from '../util/pixel-budget'
import { toErrorData } from './errors'
import { preparePicture } from './pipeline'
import type { Reply, Request, WireResult } from './protocol'

/** An ArrayBuffer that may be transferred without detaching anything else. */
function ownBuffer(u: Uint8Array): ArrayBuffer | null {
  const ab = u.buffer
  return ab instanceof ArrayBuffer && u.byteOffset === 0 && u.byteLength === ab.byteLength
    ? ab
    : null
}

export async function handle(req: Request): Promise<{ reply: Reply; transfer: ArrayBuffer[] }> {
  try {
    const input =
      'path' in req.input
        ? { path: req.input.path }
        : {
            bytes: Buffer.from(
              req.input.bytes.buffer,
              req.input.bytes.byteOffset,
              req.input.bytes.byteLength,
            ),
            name: req.input.name,
          }
    const opts =
      req.mode === 'preview' ? { ...req.opts, thumbnail: false, hashes: false } : req.opts
    const r = await preparePicture(input, opts)
    const { kept, data, thumbnail, ...rest } = r
    const sendData = req.mode === 'prepare' && !(kept && 'bytes' in input)
    const result: WireResult = {
      ...rest,
      data: sendData ? data : null,
      bytes: data.length,
      thumbnail,
    }
    const transfer = [sendData ? data : null, thumbnail]
      .map((b) => (b ? ownBuffer(b) : null))
      .filter((b): b is ArrayBuffer => b !== null)
    return { reply: { id: req.id, ok: true, result }, transfer: [...new Set(transfer)] }
  } catch (err) {
    return { reply: { id: req.id, ok: false, error: toErrorData(err) }, transfer: [] }
  }
}

if (parentPort) {
  const port = parentPort
  port.on('message', (req: Request) => {
    if (isBudgetMessage(req)) return // answered by util/pixel-budget.ts
    void handle(req).then(({ reply, transfer }) => {
      try {
        port.postMessage(reply, transfer)
      } catch {
        // sharp's output buffers are external memory, which Node 22+ cannot transfer
        // (DataCloneError): send them as a structured-clone copy instead.
        port.postMessage(reply)
      }
    })
  })
}
