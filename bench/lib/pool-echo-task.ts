/** The task both pools run in bench/worker-pool.ts: sum every 4,096th byte (touches the buffer). */
export interface EchoTask {
  bytes: Uint8Array
}

export function work(t: EchoTask): number {
  let s = 0
  for (let i = 0; i < t.bytes.length; i += 4096) s += t.bytes[i]
  return s
}
