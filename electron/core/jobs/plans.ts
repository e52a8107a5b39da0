/**
 * Bulk-add plans as the UI uses them: a plan is computed in the background (it reads and previews
 * every picture, which takes a while for thousands), kept in memory while the user looks at it,
 * read page by page, then started with per-item overrides. At most a few plans are kept; an idle
 * one is forgotten after an hour.
 */

import crypto from 'node:crypto'
import type { PlanRow } from '../../api/domains/bulk'
import { describeActions } from '../images/service'
import { toItemError } from './retry'
import type { ItemError } from './types'
import type { BulkAddOptions, BulkAddSource, PlanItem } from './bulk-add/types'

export type PlanState = 'planning' | 'ready' | 'failed' | 'cancelled'

export interface PlanCounts {
  add: number
  skip: number
  reject: number
  delete: number
  exact: number
  near: number
  kept: number
  resized: number
  converted: number
}

export interface PlanSession {
  id: string
  profile: string
  sources: BulkAddSource[]
  options: BulkAddOptions
  items: PlanItem[]
  counts: PlanCounts
  state: PlanState
  error: (ItemError & { hint?: string }) | null
  stop: boolean
  touched: number
  finished: Promise<void>
}

const MAX_PLANS = 4
const IDLE_MS = 60 * 60_000

export function emptyCounts(): PlanCounts {
  return {
    add: 0,
    skip: 0,
    reject: 0,
    delete: 0,
    exact: 0,
    near: 0,
    kept: 0,
    resized: 0,
    converted: 0,
  }
}

export function countItem(c: PlanCounts, item: PlanItem): void {
  c[item.action]++
  if (item.duplicate) c[item.duplicate.kind]++
  const k = item.outcome?.kind
  if (k === 'kept' || k === 'resized' || k === 'converted') c[k]++
}

/** A plan item as a preview row. */
export function toPlanRow(item: PlanItem, index: number): PlanRow {
  const o = item.outcome
  const reason = item.reason ?? o?.error ?? null
  return {
    index,
    op: item.op,
    action: item.action,
    source: item.source,
    origin: item.origin,
    relPath: item.relPath,
    productId: item.productId,
    picName: item.picName,
    outcome: o?.kind ?? null,
    steps: o && o.kind !== 'rejected' ? describeActions(o.actions) : [],
    width: o?.width ?? null,
    height: o?.height ?? null,
    format: o?.format ?? null,
    reason: reason
      ? {
          code: reason.code,
          message: reason.message,
          ...((reason as { hint?: string }).hint
            ? { hint: (reason as { hint?: string }).hint }
            : {}),
        }
      : null,
    duplicate: item.duplicate
      ? {
          kind: item.duplicate.kind,
          existing: item.duplicate.existing.slice(0, 10).map((e) => ({
            productId: e.productId,
            picName: e.picName,
            ...(e.distance !== undefined ? { distance: e.distance } : {}),
            ...(e.inPlan ? { inPlan: true } : {}),
            ...(e.relPath !== undefined ? { relPath: e.relPath } : {}),
          })),
        }
      : null,
    unchanged: !!item.unchanged,
  }
}

/**
 * The plan's items with the user's choices applied: `duplicates: 'add'` adds every picture
 * skipped as a duplicate; an override flips one item between add and skip (rejected items and
 * deletes stay as they are).
 */
export function applyOverrides(
  items: PlanItem[],
  opts: { duplicates?: 'skip' | 'add'; overrides?: { index: number; action: 'add' | 'skip' }[] },
): PlanItem[] {
  const by = new Map((opts.overrides ?? []).map((o) => [o.index, o.action]))
  return items.map((item, i) => {
    if (item.action !== 'add' && item.action !== 'skip') return item
    let want: 'add' | 'skip' = item.action
    if (
      opts.duplicates === 'add' &&
      item.action === 'skip' &&
      item.reason?.code === 'DuplicateImage'
    )
      want = 'add'
    want = by.get(i) ?? want
    if (want === item.action) return item
    if (want === 'add') {
      const { reason: _r, ...rest } = item
      return { ...rest, action: 'add' }
    }
    return {
      ...item,
      action: 'skip',
      reason: { code: 'SkippedByUser', message: 'Skipped in the preview' },
    }
  })
}

export function createPlanStore() {
  const plans = new Map<string, PlanSession>()

  function evict(): void {
    const now = Date.now()
    for (const [id, p] of plans) {
      if (now - p.touched > IDLE_MS) {
        p.stop = true
        plans.delete(id)
      }
    }
    while (plans.size >= MAX_PLANS) {
      const oldest = [...plans.values()].sort((a, b) => a.touched - b.touched)[0]
      oldest.stop = true
      plans.delete(oldest.id)
    }
  }

  return {
    /** Start a plan: `run` yields its items; they are collected as they come. */
    create(
      profile: string,
      sources: BulkAddSource[],
      options: BulkAddOptions,
      run: () => AsyncGenerator<PlanItem>,
    ): PlanSession {
      evict()
      const s: PlanSession = {
        id: crypto.randomUUID(),
        profile,
        sources,
        options,
        items: [],
        counts: emptyCounts(),
        state: 'planning',
        error: null,
        stop: false,
        touched: Date.now(),
        finished: Promise.resolve(),
      }
      s.finished = (async () => {
        const gen = run()
        try {
          for await (const item of gen) {
            if (s.stop) {
              s.state = 'cancelled'
              await gen.return(undefined)
              return
            }
            s.items.push(item)
            countItem(s.counts, item)
          }
          s.state = 'ready'
        } catch (e) {
          const err = e as { hint?: string }
          s.error = { ...toItemError(e), ...(err.hint ? { hint: err.hint } : {}) }
          s.state = 'failed'
        }
      })()
      plans.set(s.id, s)
      return s
    },
    get(id: string): PlanSession | undefined {
      const s = plans.get(id)
      if (s) s.touched = Date.now()
      return s
    },
    discard(id: string): void {
      const s = plans.get(id)
      if (!s) return
      s.stop = true
      plans.delete(id)
    },
    /** Stop every plan and wait for them (closing). */
    async close(): Promise<void> {
      const all = [...plans.values()]
      plans.clear()
      for (const s of all) s.stop = true
      await Promise.all(all.map((s) => s.finished))
    },
  }
}

export type PlanStore = ReturnType<typeof createPlanStore>
