/** Default and largest page of a listing call (the contract's `limit` is capped the same way). */
export const PAGE_DEFAULT = 100
export const PAGE_MAX = 1000

/** The page a listing call asks for: from `offset` (0), `limit` rows (100 by default, 1000 at most). */
export function pageOf(input: { offset?: number; limit?: number }): {
  offset: number
  limit: number
} {
  return { offset: input.offset ?? 0, limit: Math.min(input.limit ?? PAGE_DEFAULT, PAGE_MAX) }
}
