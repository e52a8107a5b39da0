import { ATTR_KEYS, ATTR_WIRE, CONSOLE_ATTR_ORDER } from '../../domain'
import { csvRow } from '../jobs/csv'
import type { GalleryImage } from './types'

/**
 * Export formats of a gallery selection:
 * - `csv`: one row per image, a header, RFC 4180 quoting, spreadsheet formula injection guarded
 *   (a leading = + - @ gets a '); timestamps as ISO 8601 UTC.
 * - `jsonl`: one cached record per line, every field (camelCase, as the contract's GalleryImage).
 * - `meta`: the cloud's batch `increment.meta`: ADD lines with ProductId, PicName, CategoryId,
 *   CustomContent (required by the format: "" when unset), the attributes that are set, Region.
 *   PicName stays the picture name: put the image files beside the file under those names to run
 *   it as a batch task.
 */
export type ExportFormat = 'csv' | 'jsonl' | 'meta'

export const CSV_COLUMNS = [
  'productId',
  'picName',
  'categoryId',
  'customContent',
  ...ATTR_KEYS,
  'region',
  'syncState',
  'syncError',
  'sourcePath',
  'sha256',
  'phash',
  'addedAt',
  'updatedAt',
  'seenAt',
] as const satisfies readonly (keyof GalleryImage)[]

const TIME_COLUMNS = new Set(['addedAt', 'updatedAt', 'seenAt'])

export function csvHeader(): string {
  return CSV_COLUMNS.join(',') + '\r\n'
}

export function csvLine(img: GalleryImage): string {
  return (
    csvRow(
      CSV_COLUMNS.map((c) => {
        const v = img[c]
        if (TIME_COLUMNS.has(c)) return typeof v === 'number' ? new Date(v).toISOString() : ''
        return v
      }),
      { safe: true },
    ) + '\r\n'
  )
}

export function jsonLine(img: GalleryImage): string {
  return JSON.stringify(img) + '\n'
}

export function metaLine(img: GalleryImage): string {
  const o: Record<string, string | number> = {
    OperationType: 'ADD',
    ProductId: img.productId,
    PicName: img.picName,
  }
  if (img.categoryId !== null) o.CategoryId = img.categoryId
  o.CustomContent = img.customContent ?? ''
  for (const k of CONSOLE_ATTR_ORDER) if (img[k] !== null) o[ATTR_WIRE[k]] = img[k]
  if (img.region) o.Region = img.region
  return JSON.stringify(o) + '\n'
}

export function formatter(format: ExportFormat): {
  header: string
  line: (img: GalleryImage) => string
  ext: string
} {
  switch (format) {
    case 'csv':
      return { header: csvHeader(), line: csvLine, ext: 'csv' }
    case 'jsonl':
      return { header: '', line: jsonLine, ext: 'jsonl' }
    case 'meta':
      return { header: '', line: metaLine, ext: 'meta' }
  }
}
