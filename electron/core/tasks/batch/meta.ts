/**
 * Building the batch format `increment.meta`: one JSON object per line, ADD or DELETE, PicName a
 * path relative to the folder holding increment.meta (the cloud reads both from the same OSS
 * path; the local engine from a folder under its batch root).
 *
 * Sources: a folder (every picture under it; PicName = its path in the folder; ProductId from the
 * naming rule), a selection of files (PicName = path relative to their common folder or a given
 * root), or a manifest (increment.meta, CSV or JSON lines, read by the bulk-add reader; PicName
 * from the manifest, else the path). A path that escapes its folder (`../`, an absolute path, a
 * drive letter) refuses the whole source with `InvalidPicName`, naming the lines; any other bad
 * line is set apart as rejected with its reason, and the rest goes on.
 */

import { ATTRIBUTES, type AttrWireInput } from '../../../domain'
import fs from 'node:fs'
import path from 'node:path'
import { CoreError } from '../../errors'
import { isInside } from '../../engines/local/batch-path'
import {
  deriveIds,
  mergeFields,
  normalizeRelPath,
  parseNamingRule,
  readSources,
  validateItem,
  type BulkAddFields,
  type NamingRule,
  type SourceEntry,
} from '../../jobs/bulk-add/index'
import type { ItemError } from '../../jobs/types'

export const META_FILE = 'increment.meta'

/** One line of increment.meta, keys as the cloud documents them. */
export type MetaLine = AttrWireInput & {
  OperationType: 'ADD' | 'DELETE'
  ProductId: string
  PicName?: string
  CategoryId?: number
  CustomContent?: string
  Crop?: boolean
  Region?: string
}

export type BatchSource =
  | { type: 'folder'; path: string; recursive?: boolean }
  | { type: 'files'; paths: string[]; root?: string }
  | { type: 'manifest'; path: string }

export interface BatchMetaOptions {
  /** How a picture's path gives its ProductId when the source does not (default 'folder'). */
  naming?: string
  /** Fields applied to every ADD line; a manifest's own values win. */
  defaults?: BulkAddFields
  /** Known category ids (default: the cloud's table). */
  categories?: readonly number[]
}

/** A line of the batch, before staging: what to write and where its picture comes from. */
export interface PlannedLine {
  /** 1-based position in the plan (stable: failures and retries refer to it). */
  seq: number
  op: 'add' | 'delete'
  /** Absolute path of the picture for ADD lines. */
  source: string | null
  /** `file:line` for manifest lines, else the path relative to the source folder. */
  origin: string
  meta: MetaLine
  /** Set apart: never written to increment.meta. */
  error?: ItemError
}

export interface EscapedPath {
  origin: string
  path: string
  reason: string
}

/** Thrown when a path escapes its folder: nothing of the source is used. */
export class BatchMetaError extends CoreError {
  constructor(
    message: string,
    readonly escapes: EscapedPath[],
  ) {
    super('InvalidPicName', message, {
      hint: 'Every picture must be inside the folder holding increment.meta: use paths relative to it, without "..", a leading "/" or a drive letter.',
    })
  }
}

/** Why a PicName (or a manifest path) escapes its folder, or null when it stays inside. */
export function picNameEscape(p: string): string | null {
  if (p.startsWith('/') || p.startsWith('\\')) return 'it is an absolute path'
  if (/^[A-Za-z]:/.test(p)) return 'it starts with a drive letter'
  if (p.includes('\0')) return 'it contains a NUL character'
  const segs = p.split(/[\\/]/)
  if (segs.some((s) => s === '..')) return 'it goes up with ".."'
  return null
}

/** Problems of a PicName that stays inside its folder but is still not valid for the cloud. */
export function picNameProblem(p: string): string | null {
  if (p.endsWith('/')) return `PicName "${p}" must not end with "/"`
  if (p.includes('\\')) return `PicName "${p}" must use "/" between folders, not "\\"`
  if (p.split('/').some((s) => s === '' || s === '.'))
    return `PicName "${p}" has an empty or "." segment`
  if (!/\.[A-Za-z0-9]+$/.test(p)) return `PicName "${p}" needs a file name extension (e.g. .jpg)`
  if (p.length > 512) return `PicName is ${p.length} characters long; at most 512 are allowed`
  return null
}

export function metaFromFields(
  op: 'add' | 'delete',
  productId: string,
  picName: string | null,
  f: BulkAddFields,
): MetaLine {
  if (op === 'delete') {
    return {
      OperationType: 'DELETE',
      ProductId: productId,
      ...(picName ? { PicName: picName } : {}),
    }
  }
  const m: MetaLine = { OperationType: 'ADD', ProductId: productId, PicName: picName ?? '' }
  if (f.categoryId !== undefined) m.CategoryId = f.categoryId
  if (f.customContent !== undefined) m.CustomContent = f.customContent
  for (const a of ATTRIBUTES) {
    const v = f[a.key]
    if (v !== undefined) (m as Record<string, unknown>)[a.wire] = v
  }
  if (f.crop !== undefined) m.Crop = f.crop
  if (f.region !== undefined) m.Region = f.region
  return m
}

/** The fields of an ADD line (the inverse of metaFromFields). */
export function fieldsOfMeta(m: MetaLine): BulkAddFields {
  const f: BulkAddFields = {}
  if (m.CategoryId !== undefined) f.categoryId = m.CategoryId
  if (m.CustomContent !== undefined) f.customContent = m.CustomContent
  for (const a of ATTRIBUTES) {
    const v = (m as Record<string, unknown>)[a.wire]
    if (v !== undefined) (f as Record<string, unknown>)[a.key] = v
  }
  if (m.Crop !== undefined) f.crop = m.Crop
  if (m.Region !== undefined) f.region = m.Region
  return f
}

/** One increment.meta line as text (no newline). */
export function formatMetaLine(m: MetaLine): string {
  return JSON.stringify(m)
}

/** Scan an increment.meta for PicNames escaping its folder (before anything else reads it). */
function scanMetaEscapes(file: string): EscapedPath[] {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch {
    return [] // reported by the reader
  }
  const out: EscapedPath[] = []
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].trim()
    if (!raw) continue
    let o: unknown
    try {
      o = JSON.parse(raw)
    } catch {
      continue
    }
    if (!o || typeof o !== 'object') continue
    const pic = Object.entries(o as Record<string, unknown>).find(
      ([k]) => k.replace(/[\s_-]/g, '').toLowerCase() === 'picname',
    )?.[1]
    if (typeof pic !== 'string') continue
    const why = picNameEscape(pic)
    if (why) out.push({ origin: `${path.basename(file)}:${i + 1}`, path: pic, reason: why })
  }
  return out
}

function escapeError(escapes: EscapedPath[], where: string): BatchMetaError {
  const shown = escapes
    .slice(0, 5)
    .map((e) => `${e.origin} "${e.path}" (${e.reason})`)
    .join('; ')
  const more = escapes.length > 5 ? ` and ${escapes.length - 5} more` : ''
  return new BatchMetaError(
    `${escapes.length} path${escapes.length === 1 ? '' : 's'} in ${where} escape${escapes.length === 1 ? 's' : ''} the folder and ${escapes.length === 1 ? 'was' : 'were'} refused: ${shown}${more}.`,
    escapes,
  )
}

function commonDir(files: string[]): string {
  let dir = path.dirname(files[0])
  for (const f of files.slice(1)) {
    while (!isInside(dir, f)) {
      const up = path.dirname(dir)
      if (up === dir) break
      dir = up
    }
  }
  return dir
}

/**
 * Plan the lines of a batch from a source. Streams nothing: the plan of a million lines is a few
 * hundred MB at most, and the caller stores it in chunks. Throws BatchMetaError when a path escapes.
 */
export async function planBatchLines(
  source: BatchSource,
  options: BatchMetaOptions = {},
  onLine?: (line: PlannedLine) => void,
): Promise<PlannedLine[]> {
  const rule: NamingRule = parseNamingRule(options.naming ?? 'folder')
  const out: PlannedLine[] = []
  const emit = (l: PlannedLine) => {
    out.push(l)
    onLine?.(l)
  }
  const usedPic = new Map<string, { source: string | null; origin: string }>()
  const usedKey = new Map<string, string>()

  let entries: AsyncIterable<SourceEntry> | Iterable<SourceEntry>
  let folder: string
  let manifestPath: string | null = null
  if (source.type === 'folder') {
    folder = path.resolve(source.path)
    if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) {
      throw new CoreError('BadRequest', `The folder "${folder}" does not exist.`)
    }
    entries = readSources([{ path: folder, type: 'folder' }], {
      recursive: source.recursive !== false,
    })
  } else if (source.type === 'files') {
    if (source.paths.length === 0) throw new CoreError('BadRequest', 'No files were given.')
    const files = source.paths.map((p) => path.resolve(p))
    folder = source.root ? path.resolve(source.root) : commonDir(files)
    const escapes = files
      .filter((f) => !isInside(folder, f))
      .map((f) => ({ origin: f, path: f, reason: `it is outside ${folder}` }))
    if (escapes.length > 0) throw escapeError(escapes, 'the selection')
    const rootName = path.basename(folder)
    entries = (async function* () {
      for (const f of files) {
        const [e] = await collect(readSources([{ path: f, type: 'file' }]))
        yield { ...e, relPath: normalizeRelPath(path.relative(folder, f)), rootName }
      }
    })()
  } else {
    const file = path.resolve(source.path)
    folder = path.dirname(file)
    manifestPath = file
    const base = path.basename(file).toLowerCase()
    if (base === META_FILE) {
      const escapes = scanMetaEscapes(file)
      if (escapes.length > 0) throw escapeError(escapes, file)
    }
    entries = readSources([file])
  }

  const collected: SourceEntry[] = []
  for await (const e of entries) collected.push(e)

  if (manifestPath) {
    const escapes: EscapedPath[] = []
    for (const e of collected) {
      if (e.op === 'add' && e.source && !isInside(folder, e.source)) {
        escapes.push({
          origin: e.origin ?? e.relPath,
          path: e.relPath,
          reason: `it resolves to ${e.source}, outside ${folder}`,
        })
      }
    }
    if (escapes.length > 0) throw escapeError(escapes, manifestPath)
  }

  let seq = 0
  for (const e of collected) {
    seq++
    const origin = e.origin ?? e.relPath
    const reject = (err: ItemError, meta?: Partial<MetaLine>) =>
      emit({
        seq,
        op: e.op,
        source: e.source,
        origin,
        meta: {
          OperationType: e.op === 'delete' ? 'DELETE' : 'ADD',
          ProductId: e.productId ?? '',
          ...(e.picName ? { PicName: e.picName } : {}),
          ...meta,
        },
        error: err,
      })
    if (e.error) {
      reject(e.error)
      continue
    }
    let productId = e.productId
    let picName: string | null = e.picName
    if (e.op === 'add') {
      // The picture is found by its PicName in the batch folder: a manifest's PicName is kept
      // (the file is laid out there when staged), otherwise the path in the folder is the name.
      picName = picName ?? e.relPath
      if (productId === null) {
        const d = deriveIds(e.relPath, rule, { rootName: e.rootName })
        if ('error' in d) {
          reject({ code: 'NamingRuleMismatch', message: `${origin}: ${d.error}` })
          continue
        }
        productId = d.productId
      }
      const bad = picNameEscape(picName) ?? picNameProblem(picName)
      if (bad) {
        reject({ code: 'InvalidPicName', message: `${origin}: ${bad}` }, { PicName: picName })
        continue
      }
    }
    const fields = e.op === 'add' ? mergeFields(options.defaults, e.fields) : {}
    const problems = validateItem({ productId, picName }, fields, options, e.op)
    if (problems.length > 0) {
      reject(
        {
          code: problems[0].code,
          message: `${origin}: ${problems.map((p) => p.message).join('; ')}`,
        },
        { ProductId: productId ?? '', ...(picName ? { PicName: picName } : {}) },
      )
      continue
    }
    const meta = metaFromFields(e.op, productId!, picName, fields)
    const key = `${e.op}\u0000${productId}\u0000${picName ?? ''}`
    const prevKey = usedKey.get(key)
    if (prevKey) {
      reject(
        {
          code: 'DuplicateKey',
          message: `${origin}: ProductId ${productId} and PicName ${picName ?? '(all)'} were already given by ${prevKey}`,
        },
        meta,
      )
      continue
    }
    if (e.op === 'add') {
      const prev = usedPic.get(picName!)
      if (prev && prev.source !== e.source) {
        reject(
          {
            code: 'DuplicatePicName',
            message: `${origin}: PicName ${picName} already names another picture (${prev.origin}); a batch folder holds one file per PicName`,
          },
          meta,
        )
        continue
      }
      usedPic.set(picName!, { source: e.source, origin })
    }
    usedKey.set(key, origin)
    emit({ seq, op: e.op, source: e.source, origin, meta })
  }
  return out
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const x of it) out.push(x)
  return out
}

/** Parsed line of a batch error file (ErrorUrl). */
export interface ErrorFileLine {
  /** Line number in increment.meta, when the file gives it. */
  line: number | null
  operation: string | null
  productId: string | null
  picName: string | null
  code: string | null
  message: string
}

/**
 * Parse a batch error file: JSON lines (the local engine writes Line, OperationType, ProductId,
 * PicName, Code, Message; other spellings are accepted), or plain text lines kept as messages.
 */
export function parseErrorFile(text: string): ErrorFileLine[] {
  const out: ErrorFileLine[] = []
  for (const raw of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    const t = raw.trim()
    if (!t) continue
    let o: Record<string, unknown> | null = null
    try {
      const v: unknown = JSON.parse(t)
      if (v && typeof v === 'object' && !Array.isArray(v)) o = v as Record<string, unknown>
    } catch {
      /* plain text */
    }
    if (!o) {
      out.push({
        line: null,
        operation: null,
        productId: null,
        picName: null,
        code: null,
        message: t,
      })
      continue
    }
    const get = (...names: string[]): unknown => {
      for (const [k, v] of Object.entries(o!)) {
        const c = k.replace(/[\s_-]/g, '').toLowerCase()
        if (names.includes(c)) return v
      }
      return undefined
    }
    const s = (v: unknown) =>
      v === undefined || v === null ? null : typeof v === 'string' ? v : String(v)
    const lineV = get('line', 'lineno', 'linenumber')
    const line =
      typeof lineV === 'number' ? lineV : /^\d+$/.test(String(lineV ?? '')) ? Number(lineV) : null
    out.push({
      line,
      operation: s(get('operationtype', 'operation')),
      productId: s(get('productid')),
      picName: s(get('picname')),
      code: s(get('code', 'errorcode')),
      message: s(get('message', 'errormessage', 'msg', 'reason')) ?? t,
    })
  }
  return out
}
