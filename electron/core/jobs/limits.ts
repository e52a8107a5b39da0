import type { OpClass } from './types'

/** Requests per second for each operation class; null or absent = unlimited. */
export type RateLimits = Partial<Record<OpClass, number | null>>

export interface CloudInstanceLimits {
  /** The instance's search QPS (1, 5 or 10 as bought). Default 1. */
  qps?: number
  /** The instance's capacity in images: AddImage drops to 1/s on 100,000-image instances. */
  capacity?: number
}

/**
 * The cloud's documented limits: AddImage 5/s (1/s on 100k-capacity instances), DeleteImage and
 * UpdateImage 20/s, searches at the instance's QPS, Detail and DumpMeta 1/s (the batch task calls
 * too). Overrides win.
 */
export function cloudRateLimits(
  instance: CloudInstanceLimits = {},
  overrides: RateLimits = {},
): RateLimits {
  const small = instance.capacity !== undefined && instance.capacity <= 100_000
  return {
    add: small ? 1 : 5,
    update: 20,
    delete: 20,
    search: instance.qps && instance.qps > 0 ? instance.qps : 1,
    detail: 1,
    dumpMeta: 1,
    increase: 1,
    none: null,
    ...overrides,
  }
}

/** The local engine: unlimited unless set. */
export function localRateLimits(overrides: RateLimits = {}): RateLimits {
  return { ...overrides }
}
