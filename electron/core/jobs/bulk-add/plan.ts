/**
 * Planning a bulk add: read the sources, derive ids, merge defaults, validate everything up front,
 * preview what imaging will do to each picture, hash it and look for duplicates — before anything
 * is sent. The plan streams (AsyncGenerator) in source order, so a UI can show it as it grows.
 *
 * Duplicates: a picture whose bytes are already in the gallery under another id is flagged and
 * skipped unless `duplicates: 'add'`. Identical files within the batch itself (not yet in the
 * gallery) are flagged — every copy, naming the others — and all added, each under its own id.
 */

import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { describeAction } from '../../imaging/describe'
import type { Action, PrepareOptions } from '../../imaging/types'
import { toItemError } from '../retry'
import type { ItemError } from '../types'
import { mergeFields, validateItem } from './fields'
import { deriveIds, parseNamingRule, type NamingRule } from './naming'
import { readSources, type SourceEntry } from './sources'
import type {
  BulkAddOptions,
  BulkAddSource,
  DuplicateInfo,
  ImageRef,
  OutcomeKind,
  PlanDeps,
  PlanItem,
  PlanOutcome,
} from './types'

export const DEFAULT_NEAR_DISTANCE = 6
/** Other copies within the batch named on an item (a folder of 1,000 placeholders names 10). */
const MAX_TWINS_LISTED = 10

/** A job item key: productId and picName, URI-encoded so that no two pairs share a key. */
export function itemKey(productId: string, picName: string): string {
  return `${encodeURIComponent(productId)}/${encodeURIComponent(picName)}`
}

export function outcomeKind(actions: Action[]): OutcomeKind {
  if (actions.some((a) => a.kind === 'resized' || a.kind === 'upscaled' || a.kind === 'padded')) {
    return 'resized'
  }
  if (actions.some((a) => a.kind !== 'kept')) return 'converted'
  return 'kept'
}

export async function sha256File(file: string): Promise<string> {
  const h = crypto.createHash('sha256')
  for await (const chunk of fs.createReadStream(file)) h.update(chunk as Buffer)
  return h.digest('hex')
}

function rejected(e: SourceEntry, err: ItemError, extra: Partial<PlanItem> = {}): PlanItem {
  return {
    op: e.op,
    action: 'reject',
    source: e.source,
    origin: e.origin,
    relPath: e.relPath,
    productId: e.productId,
    picName: e.picName,
    fields: e.fields,
    outcome:
      e.op === 'delete'
        ? null
        : { kind: 'rejected', reasons: [err.message], actions: [], error: err },
    sha256: null,
    phash: null,
    reason: err,
    ...extra,
  }
}

function where(e: SourceEntry): string {
  return e.origin ?? e.source ?? e.relPath
}

/** The ids of an entry: from its manifest line, else from the naming rule. */
function idsOf(
  e: SourceEntry,
  rule: NamingRule,
): { productId: string | null; picName: string | null } | { error: string } {
  let productId = e.productId
  let picName = e.picName
  if (productId === null) {
    const d = deriveIds(e.relPath, rule, { rootName: e.rootName })
    if ('error' in d) return { error: d.error }
    productId = d.productId
    picName = picName ?? d.picName
  } else if (picName === null && e.op === 'add') {
    picName = path.posix.basename(e.relPath)
  }
  return { productId, picName }
}

/** A picture of the batch whose bytes another picture of the batch has too. */
interface Twin {
  productId: string
  picName: string
  relPath: string
}

interface BatchTwins {
  /** Every picture of the batch with a given SHA-256, when there are two or more. */
  of(sha256: string): Twin[]
  /** Whether the batch gives these ids to a picture with this SHA-256 that has a copy in it. */
  has(sha256: string, ref: ImageRef): boolean
}

/**
 * Identical files within the batch, by SHA-256: only files sharing their size with another file
 * of the batch are read (photos rarely do), so finding them costs a stat per file. Known before
 * the first item is yielded, so the first copy is flagged as well as the later ones.
 */
async function batchTwins(entries: SourceEntry[], rule: NamingRule): Promise<BatchTwins> {
  const bySize = new Map<number, SourceEntry[]>()
  const todo = entries.filter((e) => e.op === 'add' && !e.error && e.source)
  for (let i = 0; i < todo.length; i += 64) {
    const batch = todo.slice(i, i + 64)
    const sizes = await Promise.all(
      batch.map((e) =>
        fs.promises.stat(e.source!).then(
          (st) => (st.isFile() ? st.size : -1),
          () => -1,
        ),
      ),
    )
    batch.forEach((e, j) => {
      if (sizes[j] < 0) return
      const g = bySize.get(sizes[j])
      if (g) g.push(e)
      else bySize.set(sizes[j], [e])
    })
  }
  const shaOf = new Map<string, string | null>()
  const bySha = new Map<string, Twin[]>()
  const seen = new Set<string>()
  for (const group of bySize.values()) {
    if (group.length < 2) continue
    for (const e of group) {
      const ids = idsOf(e, rule)
      if ('error' in ids || ids.productId === null || ids.picName === null) continue
      let sha = shaOf.get(e.source!)
      if (sha === undefined) {
        sha = await sha256File(e.source!).catch(() => null)
        shaOf.set(e.source!, sha)
      }
      if (!sha) continue
      const key = itemKey(ids.productId, ids.picName)
      if (seen.has(`${sha}:${key}`)) continue // the same ids twice: a DuplicateKey, not a copy
      seen.add(`${sha}:${key}`)
      const twin = { productId: ids.productId, picName: ids.picName, relPath: e.relPath }
      const list = bySha.get(sha)
      if (list) list.push(twin)
      else bySha.set(sha, [twin])
    }
  }
  for (const [sha, list] of bySha) if (list.length < 2) bySha.delete(sha)
  return {
    of: (sha) => bySha.get(sha) ?? [],
    has: (sha, r) => bySha.has(sha) && seen.has(`${sha}:${itemKey(r.productId, r.picName)}`),
  }
}

/** Analyse one entry (may run concurrently with others). */
async function analyse(
  e: SourceEntry,
  rule: NamingRule,
  options: BulkAddOptions,
  deps: PlanDeps,
): Promise<PlanItem> {
  if (e.error) return rejected(e, e.error)

  const ids = idsOf(e, rule)
  if ('error' in ids) {
    return rejected(e, { code: 'NamingRuleMismatch', message: `${where(e)}: ${ids.error}` })
  }
  const { productId, picName } = ids
  const fields = e.op === 'add' ? mergeFields(options.defaults, e.fields) : {}
  const base = { productId, picName, fields }

  const problems = validateItem({ productId, picName }, fields, options, e.op)
  if (problems.length > 0) {
    return rejected(
      e,
      {
        code: problems[0].code,
        message: `${where(e)}: ${problems.map((p) => p.message).join('; ')}`,
      },
      base,
    )
  }

  if (e.op === 'delete') {
    return {
      op: 'delete',
      action: 'delete',
      source: null,
      origin: e.origin,
      relPath: e.relPath,
      productId,
      picName,
      fields: {},
      outcome: null,
      sha256: null,
      phash: null,
    }
  }

  const source = e.source!
  const prepOpts: PrepareOptions = {
    serviceType: options.serviceType ?? 'product',
    smallImage: options.smallImage ?? 'reject',
    ...(fields.region ? { region: fields.region } : {}),
  }
  const nearDistance = options.nearDistance ?? DEFAULT_NEAR_DISTANCE
  const wantPhash = nearDistance > 0 && !!deps.gallery?.findNearPhash

  let outcome: PlanOutcome
  let sha256: string | null = null
  let phash: string | null = null
  if (wantPhash) {
    try {
      const p = await deps.imaging.prepare(source, { ...prepOpts, thumbnail: false, hashes: true })
      outcome = {
        kind: outcomeKind(p.actions),
        reasons: p.actions.map(describeAction),
        actions: p.actions,
        width: p.original.orientedWidth,
        height: p.original.orientedHeight,
        format: p.original.format,
      }
      sha256 = p.sha256 || null
      phash = p.phash || null
    } catch (err) {
      const x = err as { code?: string; message?: string; hint?: string }
      const error = {
        code: x.code ?? 'ImageUnreadable',
        message: x.message ?? String(err),
        ...(x.hint ? { hint: x.hint } : {}),
      }
      return rejected(e, error, base)
    }
  } else {
    const pv = await deps.imaging.preview(source, prepOpts)
    if (!pv.ok) return rejected(e, pv.error, base)
    outcome = {
      kind: outcomeKind(pv.actions),
      reasons: pv.summary,
      actions: pv.actions,
      width: pv.original.orientedWidth,
      height: pv.original.orientedHeight,
      format: pv.original.format,
    }
    try {
      sha256 = await sha256File(source)
    } catch (err) {
      return rejected(
        e,
        { code: 'ImageUnreadable', message: `Cannot read "${source}": ${(err as Error).message}` },
        base,
      )
    }
  }

  const item: PlanItem = {
    op: 'add',
    action: 'add',
    source,
    origin: e.origin,
    relPath: e.relPath,
    productId: productId!,
    picName: picName!,
    fields,
    outcome,
    sha256,
    phash,
  }

  const gallery = deps.gallery
  if (gallery && sha256) {
    const same = await gallery.findBySha256(sha256)
    const others = same.filter((r) => r.productId !== productId || r.picName !== picName)
    if (others.length < same.length) item.unchanged = true
    if (others.length > 0) item.duplicate = { kind: 'exact', existing: others }
  }
  if (gallery?.findNearPhash && phash && !item.duplicate) {
    const near = (await gallery.findNearPhash(phash, nearDistance)).filter(
      (r) => r.productId !== productId || r.picName !== picName,
    )
    if (near.length > 0) item.duplicate = { kind: 'near', existing: near }
  }
  return item
}

function decide(item: PlanItem, options: BulkAddOptions): void {
  if (item.action !== 'add') return
  if (item.unchanged && options.skipUnchanged !== false) {
    item.action = 'skip'
    item.reason = {
      code: 'Unchanged',
      message: `${item.productId}/${item.picName} is already in the gallery with the same picture`,
    }
    return
  }
  // Only a copy of a picture already in the gallery is skipped; copies within the batch are added.
  const inGallery =
    item.duplicate?.kind === 'exact' ? item.duplicate.existing.filter((e) => !e.inPlan) : []
  if (inGallery.length > 0 && (options.duplicates ?? 'skip') === 'skip') {
    const first = inGallery[0]
    item.action = 'skip'
    item.reason = {
      code: 'DuplicateImage',
      message: `The same picture is already in the gallery as ${first.productId}/${first.picName}`,
    }
  }
}

/**
 * Plan a bulk add. Yields one PlanItem per picture (or manifest line), in source order: what will
 * be sent, what preparation will do, why an item is rejected, and duplicates found in the gallery
 * or elsewhere in the same plan (earlier or later: the sources are listed first).
 */
export async function* planBulkAdd(
  sources: BulkAddSource[],
  options: BulkAddOptions,
  deps: PlanDeps,
): AsyncGenerator<PlanItem> {
  const rule = parseNamingRule(options.naming ?? 'folder')
  const concurrency = Math.max(1, options.concurrency ?? 4)
  const keys = new Map<string, string>()
  const window: Promise<PlanItem>[] = []
  const entries: SourceEntry[] = []
  for await (const entry of readSources(sources, { recursive: options.recursive })) {
    entries.push(entry)
  }
  const twins = await batchTwins(entries, rule)

  const finalize = (item: PlanItem): PlanItem => {
    if (item.action === 'reject' || item.productId === null) return item
    const k = (item.op === 'delete' ? 'delete:' : '') + itemKey(item.productId, item.picName ?? '')
    const prev = keys.get(k)
    if (prev !== undefined) {
      const err = {
        code: 'DuplicateKey',
        message: `${item.origin ?? item.source}: productId ${item.productId} and picName ${item.picName} were already given by ${prev}`,
      }
      item.action = 'reject'
      item.reason = err
      if (item.outcome)
        item.outcome = { ...item.outcome, kind: 'rejected', reasons: [err.message], error: err }
      return item
    }
    keys.set(k, item.origin ?? item.source ?? item.relPath)
    const sha = item.op === 'add' ? item.sha256 : null
    const others = (sha ? twins.of(sha) : [])
      .filter((t) => t.productId !== item.productId || t.picName !== item.picName)
      .slice(0, MAX_TWINS_LISTED)
      .map((t) => ({ ...t, inPlan: true }))
    if (sha && others.length > 0) {
      // The gallery's copies first (they decide a skip), except those this batch itself gives
      // (added by an earlier run of it), then the batch's own copies.
      const inGallery =
        item.duplicate?.kind === 'exact'
          ? item.duplicate.existing.filter((e) => !twins.has(sha, e))
          : []
      item.duplicate = {
        kind: 'exact',
        existing: [...inGallery, ...others],
      } satisfies DuplicateInfo
    }
    decide(item, options)
    return item
  }

  for (const entry of entries) {
    window.push(
      analyse(entry, rule, options, deps).catch((err) => rejected(entry, toItemError(err))),
    )
    if (window.length >= concurrency) yield finalize(await window.shift()!)
  }
  while (window.length > 0) yield finalize(await window.shift()!)
}

/** The whole plan as an array. */
export async function collectPlan(
  sources: BulkAddSource[],
  options: BulkAddOptions,
  deps: PlanDeps,
): Promise<PlanItem[]> {
  const out: PlanItem[] = []
  for await (const item of planBulkAdd(sources, options, deps)) out.push(item)
  return out
}
