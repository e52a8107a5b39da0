/**
 * The `duplicates.*` domain (api/domains/duplicates.ts): the near-duplicate audit of a profile's
 * gallery — its job (audit.ts), its groups (groups.ts), the review actions staged and applied
 * through the gallery's write path (apply.ts). Described in README.md beside this file.
 */
import path from 'node:path'
import type { z } from 'zod'
import type * as D from '../../api/domains/duplicates'
import { ATTR_KEYS } from '../../domain'
import { CoreError } from '../errors'
import type { EngineRegistry } from '../engines/registry'
import type { Featurizer } from '../engines/local/featurizer/types'
import type { EventBus } from '../events'
import type { Galleries } from '../galleries'
import type { GalleryImage } from '../gallery/types'
import type { ImageWrites } from '../gallery/service'
import type { JobService } from '../jobs/service'
import type { Logger } from '../log'
import type { ProfileStore } from '../profiles/store'
import { AUDIT_KIND, auditItems, createAuditHandler, type AuditParams } from './audit'
import { MOVE_KIND, applyStaged, createMoveHandler, stagedSummary } from './apply'
import { groupPairs, type Group } from './groups'
import { DuplicateStore, type AuditRow, type Key, type PairRow } from './store'

type In<T extends z.ZodType> = z.output<T>
type Out<T extends z.ZodType> = z.input<T>

/** Pairs are kept down to this much below the scan's threshold (the preview's range). */
export const FLOOR_BELOW = 0.05

export interface DuplicateServiceDeps {
  profiles: ProfileStore
  engines: EngineRegistry
  galleries: Galleries
  images: ImageWrites
  jobs: Pick<JobService, 'queue' | 'register' | 'startJobs'>
  featurizer: () => Featurizer
  events: EventBus
  logger: Logger
}

export function createDuplicateService(d: DuplicateServiceDeps) {
  const profileOf = (name?: string) => d.profiles.get(name ?? d.profiles.active())

  function withStore<T>(profile: string, fn: (s: DuplicateStore) => T): T {
    const s = new DuplicateStore(path.join(d.profiles.dirOf(profile), 'duplicates.db'))
    try {
      return fn(s)
    } finally {
      s.close()
    }
  }

  const unfinished = (jobId: number) => {
    const p = d.jobs.queue().progress(jobId)
    return p.pending + p.running
  }
  const auditHandler = createAuditHandler({
    engines: d.engines,
    galleries: d.galleries,
    featurizer: d.featurizer,
    withStore,
    unfinished,
    onFinished: (profile, auditId, jobId) => notifyDone(profile, auditId, jobId),
  })
  // Announced by the audit itself (what it found), not as "n added" by the queue.
  d.jobs.register(AUDIT_KIND, auditHandler, { quiet: true })
  d.jobs.register(
    MOVE_KIND,
    createMoveHandler({ galleries: d.galleries, engines: d.engines, images: d.images }),
  )

  // ---- groups, cached per profile until the pairs, the marks or the gallery change ------------
  const cache = new Map<string, { key: string; groups: Group[] }>()
  d.events.onAny((name, payload) => {
    if (name === 'gallery.changed') cache.delete((payload as { profile: string }).profile)
  })

  function audit(profile: string): { row: AuditRow | null; info: Out<typeof D.AuditInfo> } {
    const row = withStore(profile, (s) => s.lastAudit())
    if (!row) {
      return {
        row,
        info: {
          auditId: null,
          jobId: null,
          state: 'none',
          approximate: profileOf(profile).kind === 'cloud',
          threshold: null,
          floor: null,
          pictures: 0,
          missing: 0,
          pairs: 0,
          startedAt: null,
          finishedAt: null,
        },
      }
    }
    const job = row.jobId !== null ? d.jobs.queue().getJob(row.jobId) : undefined
    const state: Out<typeof D.AuditState> = row.finishedAt
      ? 'done'
      : !job
        ? 'failed'
        : job.state === 'done'
          ? 'done'
          : job.state === 'failed' || job.state === 'cancelled'
            ? job.state
            : 'running'
    return {
      row,
      info: {
        auditId: row.id,
        jobId: row.jobId,
        state,
        approximate: row.approximate,
        threshold: row.threshold,
        floor: row.floor,
        pictures: row.pictures,
        missing: row.missing,
        pairs: withStore(profile, (s) => s.countPairs(row.id)),
        startedAt: row.startedAt,
        finishedAt: row.finishedAt ?? job?.finishedAt ?? null,
      },
    }
  }

  /** Pictures still in the gallery (a deleted or moved picture leaves its groups). */
  function present(profile: string) {
    const g = d.galleries.get(profile)
    const known = new Map<string, GalleryImage | null>()
    return (k: Key) => {
      const t = `${k.productId}\u0000${k.picName}`
      let img = known.get(t)
      if (img === undefined) known.set(t, (img = g.get(k.productId, k.picName)))
      return img
    }
  }

  function groupsAt(profile: string, row: AuditRow, threshold: number, pairsCount: number) {
    const key = `${row.id}:${threshold}:${pairsCount}`
    const hit = cache.get(profile)
    if (hit?.key === key) return hit.groups
    const { pairs, notDup } = withStore(profile, (s) => ({
      pairs: s.pairsAbove(row.id, threshold),
      notDup: s.notDuplicates(),
    }))
    const look = present(profile)
    const alive = pairs.filter((p) => look(p.a) && look(p.b))
    const groups = groupPairs(alive, notDup)
    cache.set(profile, { key, groups })
    return groups
  }

  function member(img: GalleryImage | null, m: Key & { similarity: number }) {
    const attributes: Record<string, string | number> = {}
    for (const k of ATTR_KEYS) {
      const v = img?.[k]
      if (v !== null && v !== undefined) attributes[k] = v
    }
    return {
      productId: m.productId,
      picName: m.picName,
      categoryId: img?.categoryId ?? null,
      customContent: img?.customContent ?? null,
      attributes,
      similarity: m.similarity,
      thumbnail: img?.thumbnail ?? null,
    }
  }

  function pairView(look: ReturnType<typeof present>, p: PairRow) {
    return {
      a: member(look(p.a), { ...p.a, similarity: p.sim }),
      b: member(look(p.b), { ...p.b, similarity: p.sim }),
      similarity: p.sim,
    }
  }

  /** Every group of the last audit at its threshold, and at the thresholds asked since. */
  function findGroup(profile: string, groupId: string): Group {
    const a = audit(profile)
    const hit = cache.get(profile)?.groups.find((g) => g.groupId === groupId)
    if (hit) return hit
    if (a.row) {
      const g = groupsAt(profile, a.row, a.row.threshold, a.info.pairs).find(
        (x) => x.groupId === groupId,
      )
      if (g) return g
    }
    throw new CoreError(
      'DuplicateGroupNotFound',
      `No group ${groupId} in the last near-duplicate audit of profile "${profile}".`,
      { hint: 'Show the groups again: the gallery or the audit changed since.' },
    )
  }

  function notifyDone(profile: string, auditId: number, jobId: number) {
    const a = audit(profile)
    if (!a.row || a.row.id !== auditId) return
    const groups = groupsAt(profile, a.row, a.row.threshold, a.info.pairs)
    const across = groups.filter((g) => g.kind === 'across').length
    const params = {
      groups: groups.length,
      across,
      within: groups.length - across,
      pictures: a.row.pictures,
      threshold: a.row.threshold,
    }
    d.events.emit('notification', {
      level: 'success',
      title: 'Near-duplicate audit finished',
      body: `${params.groups} groups of near-duplicates at similarity ≥ ${params.threshold} among ${params.pictures} pictures (${across} across products, ${params.within} within one).`,
      key: 'dupAudit.notify.done',
      params,
      target: { kind: 'job', id: jobId, profile },
    })
  }

  /** A failed audit (too many pairs, engine gone) is announced with its reason. */
  let watching = false
  function watchFailures(q: ReturnType<typeof d.jobs.queue>) {
    if (watching) return
    watching = true
    q.on('state', (job) => {
      if (job.kind !== AUDIT_KIND || job.state !== 'failed') return
      const message = job.error ? `${job.error.code}: ${job.error.message}` : 'failed'
      d.events.emit('notification', {
        level: 'error',
        title: 'Near-duplicate audit failed',
        body: message,
        key: 'dupAudit.notify.failed',
        params: { message },
        target: { kind: 'job', id: job.id, profile: job.profile },
      })
    })
  }

  const api = {
    async status(input: { profile?: string }) {
      return audit(profileOf(input.profile).name).info
    },

    async scan(input: In<typeof D.ScanInput>): Promise<Out<typeof D.ScanResult>> {
      const p = profileOf(input.profile)
      const approximate = p.kind === 'cloud'
      const q = d.jobs.queue()
      watchFailures(q)
      const last = withStore(p.name, (s) => s.lastAudit())
      if (last?.jobId) {
        const job = q.getJob(last.jobId)
        if (job && !['done', 'failed', 'cancelled'].includes(job.state)) q.cancel(last.jobId)
      }
      auditHandler.drop(p.name)
      const floor = Math.max(0.5, Math.round((input.threshold - FLOOR_BELOW) * 1000) / 1000)
      const params: AuditParams = {
        auditId: 0,
        floor,
        acrossOnly: !!input.acrossProducts,
        approximate,
      }
      const auditId = withStore(p.name, (s) => {
        const id = s.newAudit({
          threshold: input.threshold,
          floor,
          acrossOnly: params.acrossOnly,
          approximate,
        })
        if (approximate) {
          // The cache's pictures now: their thumbnails are described by the job.
          const g = d.galleries.get(p.name)
          let n = 0
          for (;;) {
            const page = g.query({ sort: 'productId', order: 'asc', limit: 1000, offset: n })
            s.addPictures(
              id,
              page.items.map((i) => ({
                productId: i.productId,
                picName: i.picName,
                thumbnail: i.thumbnail,
              })),
              n,
            )
            n += page.items.length
            if (page.items.length < 1000) break
          }
          s.setAudit(id, { pictures: n })
        }
        return id
      })
      params.auditId = auditId
      const pictures = approximate ? audit(p.name).info.pictures : null
      const jobId = q.createJob({
        kind: AUDIT_KIND,
        profile: p.name,
        title: `Near-duplicate audit (similarity ≥ ${input.threshold})`,
        params,
        concurrency: 1,
        items: auditItems(pictures),
      })
      withStore(p.name, (s) => s.setAudit(auditId, { jobId }))
      cache.delete(p.name)
      d.jobs.startJobs()
      return { jobId, auditId, approximate }
    },

    async preview(input: In<typeof D.PreviewInput>): Promise<Out<typeof D.PreviewResult>> {
      const p = profileOf(input.profile)
      const a = audit(p.name)
      const look = present(p.name)
      const thresholds = [...input.thresholds].sort((x, y) => y - x)
      const out = thresholds.map((t) => {
        const covered = !!a.row && t >= a.row.floor - 1e-9
        if (!a.row) {
          return {
            threshold: t,
            covered,
            groups: 0,
            pictures: 0,
            across: 0,
            within: 0,
            examples: [],
          }
        }
        let groups = groupsAt(p.name, a.row, t, a.info.pairs)
        if (input.acrossProducts) groups = groups.filter((g) => g.kind === 'across')
        const pairs = withStore(p.name, (s) => s.pairsAbove(a.row!.id, t))
        const inGroup = new Set(
          groups.flatMap((g) => g.members.map((m) => `${m.productId}\u0000${m.picName}`)),
        )
        const edge = pairs
          .filter((x) => inGroup.has(`${x.a.productId}\u0000${x.a.picName}`))
          .slice(-3)
          .reverse()
        return {
          threshold: t,
          covered,
          groups: groups.length,
          pictures: groups.reduce((s, g) => s + g.members.length, 0),
          across: groups.filter((g) => g.kind === 'across').length,
          within: groups.filter((g) => g.kind === 'within').length,
          examples: edge.map((x) => pairView(look, x)),
        }
      })
      return { audit: a.info, thresholds: out }
    },

    async groups(input: In<typeof D.GroupsInput>): Promise<Out<typeof D.GroupsResult>> {
      const p = profileOf(input.profile)
      const a = audit(p.name)
      const threshold = input.threshold ?? a.row?.threshold ?? 0.95
      const all = a.row ? groupsAt(p.name, a.row, threshold, a.info.pairs) : []
      const wanted = input.kind === 'all' ? all : all.filter((g) => g.kind === input.kind)
      const staged = new Map(
        withStore(p.name, (s) => s.staged()).map((r) => [r.action.groupId, r.action]),
      )
      const look = present(p.name)
      const page = wanted.slice(input.page * input.pageSize, (input.page + 1) * input.pageSize)
      return {
        audit: a.info,
        threshold,
        approximate: a.info.approximate,
        total: wanted.length,
        page: input.page,
        pageSize: input.pageSize,
        groups: page.map((g) => ({
          groupId: g.groupId,
          kind: g.kind,
          maxSimilarity: g.maxSimilarity,
          members: g.members.map((m) => member(look(m), m)),
          staged: staged.get(g.groupId) ?? null,
        })),
      }
    },

    async plan(input: In<typeof D.PlanInput>): Promise<Out<typeof D.StagedSummary>> {
      const p = profileOf(input.profile)
      const rows = input.actions.map((action) => {
        const g = findGroup(p.name, action.groupId)
        const members = g.members.map((m) => ({ productId: m.productId, picName: m.picName }))
        if (
          action.action === 'keepOne' &&
          !members.some(
            (m) => m.productId === action.keep.productId && m.picName === action.keep.picName,
          )
        ) {
          throw new CoreError(
            'InvalidArgument',
            `${action.keep.productId} / ${action.keep.picName} is not a picture of group ${g.groupId}.`,
          )
        }
        return { action, members }
      })
      return withStore(p.name, (s) => {
        s.stage(rows)
        return stagedSummary(s.staged())
      })
    },

    async staged(input: { profile?: string }) {
      return withStore(profileOf(input.profile).name, (s) => stagedSummary(s.staged()))
    },

    async discard(input: { profile?: string; groupIds?: string[] }) {
      return withStore(profileOf(input.profile).name, (s) => {
        s.unstage(input.groupIds ?? null)
        return stagedSummary(s.staged())
      })
    },

    async apply(input: { profile?: string }): Promise<Out<typeof D.ApplyResult>> {
      const p = profileOf(input.profile)
      const r = withStore(p.name, (s) => applyStaged(s, p.name, d.jobs.queue()))
      if (r.jobIds.length) d.jobs.startJobs()
      cache.delete(p.name)
      return r
    },
  }

  return { api, kinds: [AUDIT_KIND, MOVE_KIND] }
}
