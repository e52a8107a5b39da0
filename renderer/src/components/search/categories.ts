/**
 * Image Search's product categories (the cloud's category reference; the same table as the local
 * engine's `electron/core/engines/categories.ts`). Names are translated under `search.categories`.
 */
export const CATEGORY_IDS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 20, 21, 22, 88888888] as const
export const OTHER_CATEGORY = 88888888

export function isKnownCategory(id: number): boolean {
  return (CATEGORY_IDS as readonly number[]).includes(id)
}

/** The i18n key of a category's name; unknown ids fall back to `search.categories.unknown`. */
export function categoryKey(id: number): string {
  return isKnownCategory(id) ? `search.categories.${id}` : 'search.categories.unknown'
}
