import type { GalleryImage } from '@api/domains/gallery'
import {
  ATTR_FIELD,
  ATTR_KEYS,
  INT_ATTR_KEYS,
  STR_ATTR_KEYS,
  type AttrKey,
} from '@domain/attributes'

export { INT_ATTR_KEYS as INT_ATTRS, STR_ATTR_KEYS as STR_ATTRS }

/** The filter-language name of an attribute: intAttr2 → int_attr2. */
export const attrLabel = (k: AttrKey) => ATTR_FIELD[k]

/** The set attributes, compactly: "int_attr=3 · str_attr=red". */
export function attrSummary(img: GalleryImage): string {
  const parts: string[] = []
  for (const k of ATTR_KEYS) if (img[k] !== null) parts.push(`${attrLabel(k)}=${img[k]}`)
  return parts.join(' · ')
}

/** Initials shown on a picture without a thumbnail. */
export function initials(picName: string): string {
  const base = picName
    .replace(/\.[^.]+$/, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
  return ([...base][0] ?? '?').toUpperCase() + ([...base][1] ?? '')
}
