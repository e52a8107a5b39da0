import { describe, expect, it } from 'vitest'
import { LruCache, contentHash } from '../../../../electron/core/util/lru'
import { createHash } from 'node:crypto'

describe('LruCache', () => {
  const cache = (maxEntries: number, maxBytes: number) =>
    new LruCache<string, Buffer>({ maxEntries, maxBytes, sizeOf: (b) => b.length })

  it('drops the least recently used entry past its entry count', () => {
    const c = cache(2, 1000)
    c.set('a', Buffer.alloc(1))
    c.set('b', Buffer.alloc(1))
    expect(c.get('a')).toBeDefined() // a is now the most recent
    c.set('c', Buffer.alloc(1))
    expect(c.get('b')).toBeUndefined()
    expect(c.get('a')).toBeDefined()
    expect(c.get('c')).toBeDefined()
  })

  it('stays within its memory cap, and never keeps a value larger than the cap', () => {
    const c = cache(10, 100)
    c.set('a', Buffer.alloc(40))
    c.set('b', Buffer.alloc(40))
    c.set('c', Buffer.alloc(40))
    expect(c.bytes).toBe(80)
    expect(c.get('a')).toBeUndefined()
    c.set('huge', Buffer.alloc(101))
    expect(c.get('huge')).toBeUndefined()
    expect(c.size).toBe(2)
    c.set('b', Buffer.alloc(10))
    expect(c.bytes).toBe(50)
  })

  it('hashes content as SHA-256', async () => {
    const b = Buffer.from('loupe')
    expect(await contentHash(b)).toBe(createHash('sha256').update(b).digest('hex'))
  })
})
