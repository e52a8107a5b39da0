import { ATTR_KEYS, ATTR_WIRE, attrShape } from '../../domain'
import { GalleryError } from './errors'
import type { GalleryAttributes } from './types'

/**
 * The console's metadata export (DumpMeta, 元信息导出): JSON lines, one image per line, e.g.
 *   {"ProductId": "bag_100000","PicName": "T17Wn_052528.jpg","CategoryId": "3",
 *    "CustomContent": "https://…/T17Wn_052528.jpg","IntAttr": 123,"StrAttr": "男装"}
 * Tolerated variants (seen in the seeds and in the batch `increment.meta` format):
 * - key spelling: any case, with or without `_`/`-`/spaces (ProductId, productId, product_id);
 *   IntAttr1/StrAttr1 mean IntAttr/StrAttr;
 * - CategoryId and IntAttr* as JSON numbers or numeric strings ("3");
 * - ProductId/PicName as numbers; empty strings and null mean "not set";
 * - an `OperationType` of ADD is accepted (an increment.meta ADD line); DELETE is not a dump line;
 * - a UTF-8 BOM, CRLF line ends and blank lines; unknown keys (Crop, Score, …) are ignored.
 * Anything else (not JSON, not an object, no ProductId/PicName, a non-integer IntAttr, an object
 * where a string belongs) is a malformed line.
 */
export interface DumpRecord extends GalleryAttributes {
  productId: string
  picName: string
  /** Only when the line has a Region key: the console's export has none, so the cache keeps its own. */
  region?: string | null
  /**
   * Only when the line has a CategoryNote key (Loupe's local engine writes it when the category
   * is Other for want of labelled neighbours): without one, the cache keeps its note while the
   * category stays the same.
   */
  categoryNote?: 'noLabelledNeighbours' | null
}

type Field = keyof DumpRecord | 'operationType'

const KEY_MAP: Record<string, Field> = {
  productid: 'productId',
  picname: 'picName',
  categoryid: 'categoryId',
  customcontent: 'customContent',
  ...Object.fromEntries(ATTR_KEYS.map((k) => [k.toLowerCase(), k])),
  intattr1: 'intAttr',
  strattr1: 'strAttr',
  region: 'region',
  categorynote: 'categoryNote',
  operationtype: 'operationType',
}

const keyCache = new Map<string, Field | null>()

/** The field a JSON key names, ignoring case, `_`, `-` and spaces (memoized: keys repeat). */
function fieldOf(key: string): Field | null {
  let f = keyCache.get(key)
  if (f === undefined) {
    const norm = key.replace(/[\s_-]/g, '').toLowerCase()
    f = Object.hasOwn(KEY_MAP, norm) ? KEY_MAP[norm] : null
    if (keyCache.size < 1000) keyCache.set(key, f)
  }
  return f
}

function bad(line: number, why: string): GalleryError {
  return new GalleryError('InvalidDumpLine', `Dump line ${line}: ${why}. Nothing was imported.`, {
    line,
    hint:
      "A dump is the console's metadata export: one JSON object per line with at least " +
      '"ProductId" and "PicName". Fix or remove the line and import again.',
  })
}

function keyString(v: unknown, name: string, line: number): string {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v)
  if (typeof v === 'string' && v !== '') return v
  throw bad(
    line,
    v === undefined || v === null || v === '' ? `missing ${name}` : `${name} is not a string`,
  )
}

function optInt(v: unknown, name: string, line: number): number | null {
  if (v === null || v === undefined || v === '') return null
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v
  if (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v)) {
    const n = Number(v)
    if (Number.isSafeInteger(n)) return n
  }
  throw bad(line, `${name} is not an integer (${JSON.stringify(v)?.slice(0, 40)})`)
}

function optStr(v: unknown, name: string, line: number): string | null {
  if (v === null || v === undefined || v === '') return null
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  throw bad(line, `${name} is not a string`)
}

/** Parses one line; null for a blank line. Throws GalleryError('InvalidDumpLine') naming the line. */
export function parseDumpLine(text: string, line: number): DumpRecord | null {
  const t = text.trim()
  if (t === '') return null
  let obj: unknown
  try {
    obj = JSON.parse(t)
  } catch (e) {
    throw bad(line, `not valid JSON (${(e as Error).message})`)
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    throw bad(line, 'not a JSON object')
  }
  const v: Partial<Record<Field, unknown>> = {}
  for (const [k, val] of Object.entries(obj)) {
    const f = fieldOf(k)
    if (f) v[f] = val
  }
  if (v.operationType !== undefined && String(v.operationType).toUpperCase() !== 'ADD') {
    throw bad(line, `OperationType ${JSON.stringify(v.operationType)} is not an export line`)
  }
  const rec: DumpRecord = {
    productId: keyString(v.productId, 'ProductId', line),
    picName: keyString(v.picName, 'PicName', line),
    categoryId: optInt(v.categoryId, 'CategoryId', line),
    customContent: optStr(v.customContent, 'CustomContent', line),
    ...attrShape(
      (k) => optInt(v[k], ATTR_WIRE[k], line),
      (k) => optStr(v[k], ATTR_WIRE[k], line),
    ),
  }
  if ('region' in v) {
    const r = optStr(v.region, 'Region', line)
    rec.region = r === null ? null : r.replace(/\s+/g, '')
  }
  if ('categoryNote' in v) {
    // One known value; anything else (a newer Loupe's note) is no note here.
    rec.categoryNote = v.categoryNote === 'noLabelledNeighbours' ? v.categoryNote : null
  }
  return rec
}
