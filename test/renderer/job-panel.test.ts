import fs from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import { defineComponent, h, nextTick } from 'vue'
import { i18n } from '@renderer/i18n'
import { useJobsStore } from '@renderer/stores/jobs'
import JobPanel from '@renderer/components/bulk/JobPanel.vue'
import JobsIndicator from '@renderer/components/bulk/JobsIndicator.vue'
import Notifications from '@renderer/components/tasks/Notifications.vue'
import { catalogueBytes } from '../helpers/images'
import { until, useRendererHost, wrap as wrapWith } from './host'

/**
 * A bulk add's panel against a real Loupe host (`loupe serve`, its events over SSE): stopping a
 * job says what happens to the pictures sent and not sent, with verbs on the buttons; the pictures
 * not sent become a new job ("Add the remaining N"); a job that has not finished a picture yet
 * says the engine is starting instead of "0.0 pictures/s"; a finished job is announced once.
 */
const { t, callOk: call, events } = useRendererHost({ events: true })

function photos(dir: string, ns: number[]): string {
  fs.mkdirSync(path.join(dir, 'p'), { recursive: true })
  for (const n of ns) fs.writeFileSync(path.join(dir, 'p', `${n}.jpg`), catalogueBytes(n))
  return dir
}

const wrap = (c: unknown, props: Record<string, unknown> = {}) =>
  wrapWith(c, props, { notifications: true })

const buttons = () => [...document.body.querySelectorAll('button')]
const button = (text: string) => buttons().find((b) => b.textContent?.trim() === text)

describe('job panel', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    await call('profiles.create', {
      kind: 'cloud',
      name: 'offline',
      cloud: {
        instanceName: 'nowhere',
        endpoint: '127.0.0.1:9',
        protocol: 'http',
        accessKeyId: 'LTAIofflineKey01',
        accessKeySecret: 'offline-secret-0123456789',
      },
    })
  })

  it('stopping says what happens to the pictures; the ones not sent become a new job', async () => {
    i18n.global.locale.value = 'en-US'
    const jobs = useJobsStore()
    await jobs.load()
    // an engine that cannot be reached: the pictures are retried, none is ever sent
    const dir = photos(path.join(t.dir, 'offline-src'), [10, 11, 12])
    const { jobId } = await call<{ jobId: number }>('bulk.start', {
      profile: 'offline',
      sources: [dir],
    })
    await until(() => jobs.byId[jobId]?.total === 3 && jobs.byId[jobId]?.state === 'running')

    const continued: number[] = []
    const w = wrap(JobPanel, { jobId, onContinued: (id: number) => continued.push(id) })
    await flushPromises()
    // nothing finished yet: the engine is starting, not "0.0 pictures/s"
    expect(w.find('[data-testid="job-warming"]').text()).toContain('Starting the engine…')
    expect(w.find('[data-testid="job-stats"]').text()).not.toContain('pictures/s')

    await w.get('[data-testid="job-cancel"]').trigger('click')
    await until(() => !!document.querySelector('[data-testid="job-cancel-confirm"]'))
    const confirm = document.querySelector('[data-testid="job-cancel-confirm"]')!.textContent!
    expect(confirm).toContain('Stop this job?')
    expect(confirm).toContain('No picture was sent yet.')
    expect(confirm).toContain('The 3 not sent yet are not added')
    expect(button('Confirm')).toBeUndefined()
    expect(button('Keep running')).toBeDefined()
    button('Stop the job')!.click()
    await until(() => jobs.byId[jobId]?.state === 'cancelled')
    // while pictures are still on their way, neither "Remove" nor "Add the remaining" shows
    const removes = () => buttons().filter((b) => /Remove/.test(b.textContent ?? '')).length
    await until(
      () => w.find('[data-testid="job-add-remaining"]').exists(),
      30_000,
      () => w.text(),
    )
    expect(jobs.byId[jobId]!.running).toBe(0)
    expect(
      removes(),
      buttons()
        .map((b) => `${b.dataset.testid}:${b.textContent}`)
        .join(' / '),
    ).toBe(1)
    expect(w.get('[data-testid="job-add-remaining"]').text()).toBe('Add the remaining 3')
    expect(w.get('[data-testid="job-cancelled"]').text()).toContain(
      '3 pictures were not sent: add them as a new job.',
    )
    i18n.global.locale.value = 'zh-CN'
    await nextTick()
    expect(w.get('[data-testid="job-add-remaining"]').text()).toBe('添加剩余的 3 张')
    i18n.global.locale.value = 'en-US'
    await nextTick()

    await w.get('[data-testid="job-add-remaining"]').trigger('click')
    await until(() => continued.length === 1)
    const next = continued[0]!
    expect(next).not.toBe(jobId)
    const nextJob = await call<{ total: number; profile: string; state: string }>('jobs.get', {
      jobId: next,
    })
    expect(nextJob).toMatchObject({ total: 3, profile: 'offline' })
    expect(nextJob.state).toMatch(/queued|running/)
    await until(() => w.find('[data-testid="job-show-continued"]').exists())
    expect(w.get('[data-testid="job-cancelled"]').text()).toContain(
      `The remaining pictures were added as job #${next}.`,
    )
    expect(w.find('[data-testid="job-add-remaining"]').exists()).toBe(false)
    await call('jobs.cancel', { jobId: next })
    w.unmount()
  })

  it('announces a finished job once, and the core reports the picture model loading', async () => {
    i18n.global.locale.value = 'en-US'
    const jobs = useJobsStore()
    await jobs.load()
    const Both = defineComponent({ render: () => [h(JobsIndicator), h(Notifications)] })
    const w = wrap(Both)
    await flushPromises()
    const dir = photos(path.join(t.dir, 'local-src'), [20, 21])
    const { jobId } = await call<{ jobId: number }>('bulk.start', {
      profile: 'local',
      sources: [dir],
    })
    await until(
      () => jobs.byId[jobId]?.state === 'done',
      90_000,
      () => JSON.stringify(jobs.byId[jobId]),
    )
    // the core's notification event arrives too (for the desktop's system notifications)
    await until(() => events.some((e) => e.name === 'notification'))
    await new Promise((r) => setTimeout(r, 300))
    await flushPromises()
    const toasts = [...document.body.querySelectorAll('.n-notification')].filter((n) =>
      n.textContent?.includes('2 added'),
    )
    expect(toasts).toHaveLength(1)
    // The host warms the picture model at start (before this test listened): the core said so in
    // its events, or lists it in app.tasks while it runs; either way it has ended by now.
    const model = events.filter((e) => e.name === 'core.status' && e.payload.task === 'model-load')
    expect(model.map((e) => e.payload.phase).slice(-1)).not.toEqual(['running'])
    expect((await call<{ tasks: unknown[] }>('app.tasks', {})).tasks).toEqual([])
    expect(jobs.coreTasks).toEqual([])
    w.unmount()
  })
})
