import { ACTIVE_JOB_STATES } from '@domain/states'
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { JobView } from '@api/domains/jobs'
import type { EventPayload } from '@api/events'
import { getBridge } from '@renderer/bridge'
import type { CoreTask } from '@renderer/lib/core-tasks'
import { saveText } from '@renderer/lib/download'

export type { JobView }

const ACTIVE = new Set<string>(ACTIVE_JOB_STATES)

/**
 * Every job of the queue the UI knows, kept current by the core's `job.progress` events. Jobs keep
 * running in the core whatever view is shown; the header's indicator and the Add view read them
 * from here.
 */
export const useJobsStore = defineStore('jobs', () => {
  const byId = ref<Record<number, JobView>>({})
  const loaded = ref(false)
  /** Bumped on every progress event (per-file tables refresh on it). */
  const tick = ref(0)
  let unsub: (() => void) | null = null
  /** The core's long tasks running now (`core.status`): what a job starting up waits for. */
  const coreTasks = ref<CoreTask[]>([])
  /** Tasks an event spoke of while `load()` asked for the running ones (the event is newer). */
  const statusSeen = new Set<string>()
  function onCoreStatus(s: CoreTask) {
    statusSeen.add(`${s.profile}\u0000${s.task}`)
    const rest = coreTasks.value.filter((x) => x.profile !== s.profile || x.task !== s.task)
    coreTasks.value = s.phase === 'running' ? [...rest, s] : rest
  }

  const list = computed(() => Object.values(byId.value).sort((a, b) => b.jobId - a.jobId))
  const active = computed(() => list.value.filter((j) => ACTIVE.has(j.state)))
  const running = computed(() =>
    list.value.filter((j) => j.state === 'running' || j.state === 'queued'),
  )

  function put(j: JobView) {
    byId.value = { ...byId.value, [j.jobId]: j }
  }

  // A query answers with the job as it was when the core read it; `job.progress` events that arrive
  // while it is on its way are newer. `eventsSeen` counts events per job so an answer never takes
  // a job back (a finished job shown as running again, then announced as finished twice).
  const eventsSeen = new Map<number, number>()
  const LIVE = [
    'state',
    'total',
    'done',
    'failed',
    'skipped',
    'pending',
    'running',
    'rate',
    'etaSeconds',
    'error',
    'updatedAt',
  ] as const
  /** The answered view, with the live fields of `cur` when events came in since `seenBefore`. */
  function fresher(answer: JobView, seenBefore: number): JobView {
    const cur = byId.value[answer.jobId]
    if (!cur || (eventsSeen.get(answer.jobId) ?? 0) === seenBefore) return answer
    const merged: JobView = { ...answer }
    for (const k of LIVE) (merged as Record<string, unknown>)[k] = cur[k]
    return merged
  }

  async function fetchOne(jobId: number): Promise<JobView | null> {
    const seen = eventsSeen.get(jobId) ?? 0
    try {
      const j = fresher(await getBridge().api.jobs.get({ jobId }), seen)
      put(j)
      return j
    } catch {
      return null
    }
  }

  // The events carry counters; what needs a query (retryable failures) is fetched now and then.
  const refetch = new Map<number, ReturnType<typeof setTimeout>>()
  function fetchSoon(jobId: number) {
    if (refetch.has(jobId)) return
    refetch.set(
      jobId,
      setTimeout(() => {
        refetch.delete(jobId)
        void fetchOne(jobId)
      }, 1000),
    )
  }

  function onProgress(p: EventPayload<'job.progress'>) {
    eventsSeen.set(p.jobId, (eventsSeen.get(p.jobId) ?? 0) + 1)
    const cur = byId.value[p.jobId]
    tick.value++
    if (!cur) {
      void fetchOne(p.jobId)
      return
    }
    if (p.failed !== cur.failed || p.state !== cur.state) fetchSoon(p.jobId)
    put({
      ...cur,
      state: p.state as JobView['state'],
      total: p.total,
      done: p.done,
      failed: p.failed,
      skipped: p.skipped,
      pending: p.pending,
      running: p.running,
      rate: p.rate,
      etaSeconds: p.etaSeconds,
      error: p.error ?? null,
      updatedAt: Date.now(),
    })
  }

  async function load() {
    if (!unsub) {
      const offProgress = getBridge().on('job.progress', onProgress)
      const offStatus = getBridge().on('core.status', onCoreStatus)
      unsub = () => {
        offProgress()
        offStatus()
      }
    }
    const seen = new Map(eventsSeen)
    // What started before this window listened (e.g. the picture model warming at start).
    statusSeen.clear()
    const [tasks, r] = await Promise.all([
      getBridge().api.app.tasks({}),
      getBridge().api.jobs.list({ limit: 50 }),
    ])
    for (const s of tasks.tasks)
      if (!statusSeen.has(`${s.profile}\u0000${s.task}`))
        coreTasks.value = [
          ...coreTasks.value.filter((x) => x.profile !== s.profile || x.task !== s.task),
          s,
        ]
    const next: Record<number, JobView> = {}
    for (const j of r.jobs) next[j.jobId] = fresher(j, seen.get(j.jobId) ?? 0)
    byId.value = next
    loaded.value = true
  }

  /** A page of a job's items (per-file table). */
  async function items(input: Parameters<ReturnType<typeof getBridge>['api']['jobs']['items']>[0]) {
    return getBridge().api.jobs.items(input)
  }

  async function act(jobId: number, what: 'pause' | 'resume' | 'cancel') {
    put(await getBridge().api.jobs[what]({ jobId }))
  }
  async function retryFailed(jobId: number): Promise<number> {
    const r = await getBridge().api.jobs.retryFailed({ jobId })
    put(r.job)
    return r.requeued
  }
  /** A cancelled bulk add's unsent pictures as a new job; answers that job's id. */
  async function addRemaining(jobId: number): Promise<number> {
    const r = await getBridge().api.jobs.addRemaining({ jobId })
    put(r.job)
    void fetchOne(jobId)
    return r.job.jobId
  }
  async function remove(jobId: number) {
    await getBridge().api.jobs.remove({ jobId })
    const next = { ...byId.value }
    delete next[jobId]
    byId.value = next
  }
  /** Saves the failures CSV through the browser's download. */
  async function downloadFailures(jobId: number, includeSkipped = false) {
    const r = await getBridge().api.jobs.failuresCsv({ jobId, includeSkipped })
    saveText(r.csv, r.fileName, 'text/csv;charset=utf-8')
    return r.rows
  }

  return {
    byId,
    list,
    active,
    running,
    loaded,
    tick,
    coreTasks,
    load,
    fetchOne,
    put,
    items,
    pause: (id: number) => act(id, 'pause'),
    resume: (id: number) => act(id, 'resume'),
    cancel: (id: number) => act(id, 'cancel'),
    retryFailed,
    addRemaining,
    remove,
    downloadFailures,
  }
})
