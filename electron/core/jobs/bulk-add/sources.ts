/**
 * Reading bulk-add sources: picture files, folders (recursive), and manifests — CSV with a header
 * row, JSON lines, or the cloud's batch `increment.meta`. Every malformed line becomes an entry
 * with an error naming the file, the line and the problem; the other lines go on.
 */

import fs from 'node:fs'
import path from 'node:path'
import { parseCsv } from '../csv'
import type { ItemError } from '../types'
import { FieldError, canonicalKey, fieldsFromRecord } from './fields'
import { normalizeRelPath } from './naming'
import type { ErrorCode } from '../../../domain/errors'
import { PICTURE_EXTENSIONS, isPictureFileName } from '../../../domain/picture'
import type { BulkAddFields, BulkAddSource, SourceType } from './types'

export function isHidden(name: string): boolean {
  return name.startsWith('.')
}

export interface SourceEntry {
  op: 'add' | 'delete'
  /** Absolute path of the picture (null for deletes or when the line gives none). */
  source: string | null
  /** `file:line` for manifest lines. */
  origin: string | null
  /** Path relative to the source root (the folder, or the manifest's folder). */
  relPath: string
  /** Name of the source root folder (for the folder naming rule). */
  rootName: string
  /** Ids given by a manifest (null when it gives none: the naming rule applies). */
  productId: string | null
  picName: string | null
  fields: BulkAddFields
  /** A search filter the line gives (quality-lab test sets; bulk add ignores it). */
  filter?: string
  error?: ItemError
}

/** The type of a source given as 'auto'. */
export function detectSourceType(p: string): Exclude<SourceType, 'auto'> {
  const base = path.basename(p).toLowerCase()
  if (base === 'increment.meta') return 'increment-meta'
  let st: fs.Stats | null = null
  try {
    st = fs.statSync(p)
  } catch {
    /* reported when read */
  }
  if (st?.isDirectory()) return 'folder'
  if (base.endsWith('.csv')) return 'csv'
  if (base.endsWith('.jsonl') || base.endsWith('.ndjson')) return 'jsonl'
  return 'file'
}

export function normalizeSource(s: BulkAddSource): {
  path: string
  type: Exclude<SourceType, 'auto'>
} {
  const p = path.resolve(typeof s === 'string' ? s : s.path)
  const t = typeof s === 'string' || !s.type || s.type === 'auto' ? detectSourceType(p) : s.type
  return { path: p, type: t }
}

function toSlash(p: string): string {
  return p.split(path.sep).join('/')
}

function entryError(
  origin: string | null,
  relPath: string,
  source: string | null,
  err: ItemError,
): SourceEntry {
  return {
    op: 'add',
    source,
    origin,
    relPath,
    rootName: '',
    productId: null,
    picName: null,
    fields: {},
    error: err,
  }
}

/** Every entry of the sources, in order (folders sorted by name). */
export async function* readSources(
  sources: BulkAddSource[],
  opts: { recursive?: boolean } = {},
): AsyncGenerator<SourceEntry> {
  for (const s of sources) {
    const src = normalizeSource(s)
    switch (src.type) {
      case 'folder':
        yield* readFolder(src.path, opts.recursive !== false)
        break
      case 'file':
        yield readFile(src.path)
        break
      case 'csv':
      case 'jsonl':
      case 'increment-meta':
        yield* readManifest(src.path, src.type)
        break
    }
  }
}

function readFile(file: string): SourceEntry {
  const dir = path.dirname(file)
  const rel = path.basename(file)
  let st: fs.Stats
  try {
    st = fs.statSync(file)
  } catch (e) {
    return entryError(null, rel, file, {
      code: 'ImageUnreadable',
      message: `Cannot read "${file}": ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : (e as Error).message}`,
    })
  }
  if (!st.isFile())
    return entryError(null, rel, file, {
      code: 'ImageUnreadable',
      message: `"${file}" is not a file`,
    })
  if (!isPictureFileName(rel)) {
    return entryError(null, rel, file, {
      code: 'UnsupportedPicFormat',
      message: `"${file}" is not a picture file (expected ${PICTURE_EXTENSIONS.join(', ')})`,
    })
  }
  return {
    op: 'add',
    source: file,
    origin: null,
    relPath: rel,
    rootName: path.basename(dir),
    productId: null,
    picName: null,
    fields: {},
  }
}

async function* readFolder(root: string, recursive: boolean): AsyncGenerator<SourceEntry> {
  const rootName = path.basename(root)
  try {
    if (!fs.statSync(root).isDirectory()) throw new Error('not a folder')
  } catch (e) {
    yield entryError(null, '', root, {
      code: 'ImageUnreadable',
      message: `Cannot read the folder "${root}": ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : (e as Error).message}`,
    })
    return
  }
  yield* walk(root, root, rootName, recursive)
}

/** Entries of `dir` in name order, descending into sub-folders where they sort. */
async function* walk(
  root: string,
  dir: string,
  rootName: string,
  recursive: boolean,
): AsyncGenerator<SourceEntry> {
  let entries: fs.Dirent[]
  try {
    entries = await fs.promises.readdir(dir, { withFileTypes: true })
  } catch (e) {
    yield entryError(null, toSlash(path.relative(root, dir)), dir, {
      code: 'ImageUnreadable',
      message: `Cannot read the folder "${dir}": ${(e as Error).message}`,
    })
    return
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  for (const d of entries) {
    if (isHidden(d.name)) continue
    const full = path.join(dir, d.name)
    let isDir = d.isDirectory()
    let isFile = d.isFile()
    if (d.isSymbolicLink()) {
      // follow links to files; never links to folders (no loops)
      try {
        isFile = fs.statSync(full).isFile()
        isDir = false
      } catch {
        continue
      }
    }
    if (isDir) {
      if (recursive) yield* walk(root, full, rootName, recursive)
      continue
    }
    if (!isFile || !isPictureFileName(d.name)) continue
    yield {
      op: 'add',
      source: full,
      origin: null,
      relPath: toSlash(path.relative(root, full)),
      rootName,
      productId: null,
      picName: null,
      fields: {},
    }
  }
}

async function* readManifest(
  file: string,
  type: 'csv' | 'jsonl' | 'increment-meta',
): AsyncGenerator<SourceEntry> {
  const name = path.basename(file)
  let text: string
  try {
    text = await fs.promises.readFile(file, 'utf8')
  } catch (e) {
    yield entryError(`${name}`, '', file, {
      code: 'ManifestUnreadable',
      message: `Cannot read the manifest "${file}": ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : (e as Error).message}`,
    })
    return
  }
  if (type === 'csv') yield* csvEntries(file, text)
  else yield* jsonEntries(file, text, type === 'increment-meta')
}

function lineError(
  file: string,
  line: number,
  problem: string,
  code: ErrorCode = 'InvalidManifestLine',
): SourceEntry {
  const origin = `${path.basename(file)}:${line}`
  return entryError(origin, '', null, { code, message: `${file} line ${line}: ${problem}` })
}

/** Build an entry from a record whose keys are canonical. */
function fromRecord(
  file: string,
  line: number,
  rec: Record<string, unknown>,
  incrementMeta: boolean,
): SourceEntry {
  const dir = path.dirname(file)
  const origin = `${path.basename(file)}:${line}`
  const str = (v: unknown): string | null =>
    v === undefined || v === null || v === ''
      ? null
      : typeof v === 'number'
        ? String(v)
        : typeof v === 'string'
          ? v
          : null
  for (const k of ['productId', 'picName', 'path', 'file'] as const) {
    const v = rec[k]
    if (v !== undefined && v !== null && typeof v !== 'string' && typeof v !== 'number') {
      return lineError(file, line, `${k} must be text, got ${JSON.stringify(v)}`)
    }
  }
  const opRaw = str(rec.operationType)
  let op: 'add' | 'delete' = 'add'
  if (opRaw !== null) {
    const o = opRaw.trim().toUpperCase()
    if (o === 'ADD') op = 'add'
    else if (o === 'DELETE') op = 'delete'
    else
      return lineError(
        file,
        line,
        `OperationType must be ADD or DELETE, got ${JSON.stringify(opRaw)}`,
      )
  } else if (incrementMeta) {
    return lineError(file, line, 'OperationType (ADD or DELETE) is required')
  }
  const productId = str(rec.productId)
  const picName = str(rec.picName)

  if (op === 'delete') {
    if (productId === null) return lineError(file, line, 'ProductId is required for DELETE')
    return {
      op,
      source: null,
      origin,
      relPath: picName ?? '',
      rootName: path.basename(dir),
      productId,
      picName,
      fields: {},
    }
  }

  let fields: BulkAddFields
  try {
    fields = fieldsFromRecord(rec)
  } catch (e) {
    if (e instanceof FieldError) return lineError(file, line, e.message, e.code)
    throw e
  }

  let rel: string | null
  if (incrementMeta) {
    if (productId === null) return lineError(file, line, 'ProductId is required')
    if (picName === null) return lineError(file, line, 'PicName is required')
    const bad = checkMetaPicName(picName)
    if (bad) return lineError(file, line, bad)
    rel = picName
  } else {
    rel = str(rec.path) ?? str(rec.file) ?? picName
    if (rel === null) return lineError(file, line, 'no path, file or picName to find the picture')
  }
  const abs = path.resolve(dir, rel)
  const relPath = path.isAbsolute(rel) ? toSlash(path.relative(dir, abs)) : normalizeRelPath(rel)
  const filter = str(rec.filter)?.trim()
  return {
    op,
    source: abs,
    origin,
    relPath,
    rootName: path.basename(dir),
    productId,
    picName: picName ?? (incrementMeta ? rel : null),
    fields,
    ...(filter ? { filter } : {}),
  }
}

/** increment.meta's PicName: relative to the meta file's folder, never escaping it. */
function checkMetaPicName(p: string): string | null {
  if (p.startsWith('/') || p.endsWith('/')) {
    return `PicName "${p}" must be relative to the folder of increment.meta, without a leading or trailing /`
  }
  if (p.includes('\\') || p.includes('\0') || /^[A-Za-z]:/.test(p)) {
    return `PicName "${p}" contains a backslash, NUL or drive letter`
  }
  if (p.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    return `PicName "${p}" has an empty, "." or ".." segment: it must stay inside the folder of increment.meta`
  }
  if (!/\.[A-Za-z0-9]+$/.test(p)) return `PicName "${p}" needs a file name extension (e.g. .jpg)`
  return null
}

function* csvEntries(file: string, text: string): Generator<SourceEntry> {
  const { records, problems } = parseCsv(text)
  const byLine = new Map(problems.map((p) => [p.line, p.message]))
  const header = records.shift()
  const emitProblemsBefore = function* (line: number) {
    for (const [l, msg] of [...byLine]) {
      if (l < line) {
        byLine.delete(l)
        yield lineError(file, l, msg)
      }
    }
  }
  if (!header) {
    yield* emitProblemsBefore(Infinity)
    yield lineError(file, 1, 'the file has no header row', 'InvalidManifest')
    return
  }
  yield* emitProblemsBefore(header.line)
  const columns: (string | null)[] = header.fields.map((h) => canonicalKey(h))
  const seen = new Map<string, string>()
  for (let i = 0; i < columns.length; i++) {
    const c = columns[i]
    if (!c) continue
    if (seen.has(c)) {
      yield lineError(
        file,
        header.line,
        `columns "${seen.get(c)}" and "${header.fields[i]}" are the same field`,
        'InvalidManifest',
      )
      return
    }
    seen.set(c, header.fields[i])
  }
  if (!seen.has('path') && !seen.has('file') && !seen.has('picName')) {
    yield lineError(
      file,
      header.line,
      `the header row needs a path, file or picName column (found: ${header.fields.join(', ')})`,
      'InvalidManifest',
    )
    return
  }
  for (const r of records) {
    yield* emitProblemsBefore(r.line)
    if (r.fields.length !== header.fields.length) {
      yield lineError(
        file,
        r.line,
        `${r.fields.length} fields, but the header has ${header.fields.length}`,
      )
      continue
    }
    const rec: Record<string, unknown> = {}
    columns.forEach((c, i) => {
      if (c)
        rec[c] =
          r.fields[i].trim() === ''
            ? undefined
            : c === 'customContent'
              ? r.fields[i]
              : r.fields[i].trim()
    })
    yield fromRecord(file, r.line, rec, false)
  }
  yield* emitProblemsBefore(Infinity)
}

function* jsonEntries(file: string, text: string, incrementMeta: boolean): Generator<SourceEntry> {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].trim()
    if (raw === '') continue
    const line = i + 1
    let obj: unknown
    try {
      obj = JSON.parse(raw)
    } catch (e) {
      yield lineError(file, line, `not valid JSON (${(e as Error).message})`)
      continue
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
      yield lineError(file, line, 'expected one JSON object per line')
      continue
    }
    const rec: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(obj)) {
      const c = canonicalKey(k)
      if (c) rec[c] = v
    }
    yield fromRecord(file, line, rec, incrementMeta)
  }
}
