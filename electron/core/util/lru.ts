/**
 * A small least-recently-used cache bounded both by entry count and by memory (the sum of
 * `sizeOf` over its values). Used for the query caches that let paging skip recomputation
 * (images/service.ts, engines/local/search.ts).
 */
export interface LruOptions<V> {
  maxEntries: number
  /** Upper bound of the sum of `sizeOf(value)`; a single value above it is not kept. */
  maxBytes: number
  sizeOf: (value: V) => number
}

export class LruCache<K, V> {
  private readonly map = new Map<K, { value: V; size: number }>()
  private total = 0

  constructor(private readonly o: LruOptions<V>) {}

  /** The value for `key`, now the most recently used; undefined when absent. */
  get(key: K): V | undefined {
    const e = this.map.get(key)
    if (!e) return undefined
    this.map.delete(key)
    this.map.set(key, e)
    return e.value
  }

  set(key: K, value: V): void {
    this.delete(key)
    const size = this.o.sizeOf(value)
    if (size > this.o.maxBytes || this.o.maxEntries < 1) return
    this.map.set(key, { value, size })
    this.total += size
    // Map iterates in insertion order: the first key is the least recently used.
    for (const k of this.map.keys()) {
      if (this.map.size <= this.o.maxEntries && this.total <= this.o.maxBytes) break
      this.delete(k)
    }
  }

  delete(key: K): void {
    const e = this.map.get(key)
    if (!e) return
    this.map.delete(key)
    this.total -= e.size
  }

  clear(): void {
    this.map.clear()
    this.total = 0
  }

  get size(): number {
    return this.map.size
  }

  /** Sum of the sizes of the values held. */
  get bytes(): number {
    return this.total
  }
}

/** SHA-256 of some bytes, hex, computed off the calling thread (WebCrypto runs in libuv's pool). */
export async function contentHash(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>)
  return Buffer.from(digest).toString('hex')
}
