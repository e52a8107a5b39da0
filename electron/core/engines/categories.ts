/**
 * Image Search's product category table ("Category reference", 类目参考), as the cloud returns it in
 * PicInfo.AllCategories. English names are the ones the API returns; Chinese names are from the
 * console's category reference.
 */

export interface CategoryInfo {
  id: number
  /** English name as returned by the API (AllCategories.Name). */
  name: string
  /** Chinese name from the category reference (中文描述). */
  nameZh: string
}

/** The "Other" category: generic search, and the local engine's answer when it is unsure. */
export const OTHER_CATEGORY_ID = 88888888

export const CATEGORIES: readonly CategoryInfo[] = Object.freeze([
  { id: 0, name: 'Tops', nameZh: '上衣' },
  { id: 1, name: 'Dress', nameZh: '裙装' },
  { id: 2, name: 'Bottoms', nameZh: '下装' },
  { id: 3, name: 'Bag', nameZh: '包' },
  { id: 4, name: 'Shoes', nameZh: '鞋' },
  { id: 5, name: 'Accessories', nameZh: '配饰' },
  { id: 6, name: 'Snack', nameZh: '零食' },
  { id: 7, name: 'Makeup', nameZh: '美妆' },
  { id: 8, name: 'Bottle', nameZh: '瓶饮' },
  { id: 9, name: 'Furniture', nameZh: '家具' },
  { id: 20, name: 'Toy', nameZh: '玩具' },
  { id: 21, name: 'Underwear', nameZh: '内衣' },
  { id: 22, name: 'Digital device', nameZh: '数码硬件' },
  { id: OTHER_CATEGORY_ID, name: 'Other', nameZh: '其他' },
])

/** AllCategories as the API returns it: `{ id, name }` in table order. */
export const ALL_CATEGORIES: readonly { id: number; name: string }[] = Object.freeze(
  CATEGORIES.map(({ id, name }) => Object.freeze({ id, name })),
)

const IDS = new Set(CATEGORIES.map((c) => c.id))

export function isCategoryId(id: unknown): id is number {
  return typeof id === 'number' && IDS.has(id)
}

export function categoryName(id: number, lang: 'en' | 'zh' = 'en'): string | undefined {
  const c = CATEGORIES.find((x) => x.id === id)
  return c ? (lang === 'zh' ? c.nameZh : c.name) : undefined
}
