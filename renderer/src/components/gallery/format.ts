import type { GalleryImage } from '../../../../electron/api/domains/gallery'

export const INT_ATTRS = ['intAttr', 'intAttr2', 'intAttr3', 'intAttr4'] as const
export const STR_ATTRS = ['strAttr', 'strAttr2', 'strAttr3', 'strAttr4'] as const

/** The filter-language name of an attribute: intAttr2 → int_attr2. */
export const attrLabel = (k: string) => k.replace(/([A-Z])/g, '_$1').toLowerCase()

/** The set attributes, compactly: "int_attr=3 · str_attr=red". */
export function attrSummary(img: GalleryImage): string {
  const parts: string[] = []
  for (const k of INT_ATTRS) if (img[k] !== null) parts.push(`${attrLabel(k)}=${img[k]}`)
  for (const k of STR_ATTRS) if (img[k] !== null) parts.push(`${attrLabel(k)}=${img[k]}`)
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
