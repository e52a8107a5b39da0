import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { CopyAction, CopyPlan, CopyReport, CopyScope } from '@api/domains/copy'
import type { Selection } from '@api/domains/gallery'
import { getBridge } from '@renderer/bridge'

export type { CopyAction, CopyPlan, CopyReport, CopyScope }

/** The most keys a copy's scope takes (the contract's limit). */
const MAX_KEYS = 100_000

/**
 * Copy gallery (issue 14): the dry run of a copy or sync between two profiles, its start as a
 * `gallery-copy` job of the queue (progress, pause / resume / cancel in the Jobs drawer), and the
 * verification report stored with the job once it ended.
 */
export const useCopyStore = defineStore('copy', () => {
  /** Reports already fetched, by job (a report is final once its state is `done`). */
  const reports = ref<Record<number, CopyReport>>({})

  async function plan(scope: CopyScope): Promise<CopyPlan> {
    return getBridge().api.copy.plan(scope)
  }
  /** A page of the plan's items, only some actions (the dry run's table). */
  async function planItems(planId: string, actions: CopyAction[] | undefined, offset: number) {
    return getBridge().api.copy.planItems({
      planId,
      ...(actions ? { actions } : {}),
      offset,
      limit: 500,
    })
  }
  /** A plan that will not be started (the dialog closed, the scope changed). */
  async function discard(planId: string) {
    await getBridge()
      .api.copy.discardPlan({ planId })
      .catch(() => {})
  }
  /** The job made (or an unfinished one of the same copy, resumed: `resumed`). */
  async function start(planId: string, confirmDeletes: boolean) {
    return getBridge().api.copy.start({
      planId,
      ...(confirmDeletes ? { confirmDeletes } : {}),
    })
  }
  async function report(jobId: number): Promise<CopyReport> {
    const r = await getBridge().api.copy.report({ jobId })
    reports.value = { ...reports.value, [jobId]: r }
    return r
  }

  /**
   * A Gallery selection as a copy's scope: its rows' keys; every row matching the query as the
   * query's filter, category and product; with a text search (which a copy does not take), the
   * keys of the matching rows, read from the gallery cache page by page.
   */
  async function scopeOf(profile: string, sel: Selection): Promise<Partial<CopyScope>> {
    if ('keys' in sel) return { keys: sel.keys }
    const q = sel.query
    if (!q.text && !q.syncState)
      return {
        ...(q.filter ? { filter: q.filter } : {}),
        ...(q.categoryId !== undefined ? { category: q.categoryId } : {}),
        ...(q.productId ? { productIds: [q.productId] } : {}),
      }
    const keys: { productId: string; picName: string }[] = []
    for (let offset = 0; offset < MAX_KEYS; offset += 1000) {
      const r = await getBridge().api.gallery.list({ profile, ...q, limit: 1000, offset })
      for (const i of r.items) keys.push({ productId: i.productId, picName: i.picName })
      if (r.items.length < 1000) break
    }
    return { keys: keys.slice(0, MAX_KEYS) }
  }

  return { reports, plan, planItems, discard, start, report, scopeOf }
})
