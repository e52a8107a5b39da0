import { describe, expect, it } from 'vitest'
import { mount, flushPromises } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { defineComponent, h, nextTick } from 'vue'
import { NConfigProvider, NDialogProvider, NMessageProvider, NNotificationProvider } from 'naive-ui'
import { contract } from '@api/contract'
import { createClient } from '@api/client'
import type { JobView } from '@api/domains/jobs'
import { setBridge } from '@renderer/bridge'
import { i18n } from '@renderer/i18n'
import { useJobsStore } from '@renderer/stores/jobs'
import JobsIndicator from '@renderer/components/bulk/JobsIndicator.vue'

/**
 * The page opens while a bulk add runs: the job list the page asked for is read by the core while
 * the job is running, and the job finishes (a `job.progress` event) before that answer arrives.
 * Only the core's side is played here (the answer's timing cannot be arranged with a real host);
 * the store and the header's indicator are the real ones.
 */
const view = (state: JobView['state'], done: number): JobView => ({
  jobId: 7,
  kind: 'bulk-add',
  profile: 'local',
  title: 'Bulk add: src',
  state,
  sealed: true,
  total: 3,
  done,
  failed: 0,
  skipped: 0,
  pending: 3 - done,
  running: 0,
  retryable: 0,
  rate: 0,
  etaSeconds: null,
  error: null,
  sources: ['/tmp/src'],
  createdAt: 1,
  updatedAt: 1,
  finishedAt: state === 'done' ? 2 : null,
  continuedBy: null,
})

function coreSide() {
  const held: Array<(reply: unknown) => void> = []
  let emit: (name: string, payload: unknown) => void = () => {}
  setBridge(
    createClient(contract, {
      invoke: (name) =>
        new Promise((resolve) => {
          if (name === 'jobs.list') held.push((jobs) => resolve({ result: { jobs } }))
          else if (name === 'jobs.get') held.push((job) => resolve({ result: job }))
          else if (name === 'app.tasks') resolve({ result: { tasks: [] } })
          else resolve({ result: null })
        }),
      subscribe: (listener) => {
        emit = listener
        return () => {}
      },
    }),
  )
  const progress = (v: JobView) => {
    const {
      sealed: _s,
      retryable: _r,
      sources: _so,
      createdAt: _c,
      updatedAt: _u,
      finishedAt: _f,
      ...p
    } = v
    emit('job.progress', p)
  }
  return { held, progress }
}

describe('jobs store and indicator', () => {
  it('an answer read before the job finished never takes it back to running, and its end is announced once', async () => {
    setActivePinia(createPinia())
    i18n.global.locale.value = 'en-US'
    const core = coreSide()
    const Root = defineComponent({
      render: () =>
        h(NConfigProvider, null, () =>
          h(NNotificationProvider, null, () =>
            h(NMessageProvider, null, () => h(NDialogProvider, null, () => h(JobsIndicator))),
          ),
        ),
    })
    const w = mount(Root, { global: { plugins: [i18n] }, attachTo: document.body })
    const jobs = useJobsStore()
    await flushPromises()
    // The list was asked for (held). The job is first seen running through an event …
    core.progress(view('running', 1))
    await flushPromises()
    // … which asks for the whole job; it is answered while it still ran.
    core.held[1]?.(view('running', 1))
    await flushPromises()
    expect(jobs.byId[7]?.state).toBe('running')
    // The job finishes; then the list read earlier (running, 1 of 3) arrives.
    core.progress(view('done', 3))
    await flushPromises()
    core.held[0]?.([view('running', 1)])
    await flushPromises()
    await nextTick()
    expect(jobs.byId[7]?.state).toBe('done')
    expect(jobs.byId[7]?.done).toBe(3)
    // Details asked for later still come in (the answer after the last event is taken whole).
    void jobs.fetchOne(7)
    core.held[2]?.({ ...view('done', 3), retryable: 0, finishedAt: 5 })
    await flushPromises()
    expect(jobs.byId[7]?.finishedAt).toBe(5)
    await nextTick()
    const notices = [...document.body.querySelectorAll('.n-notification')].filter((e) =>
      e.textContent?.includes('3 added, 0 failed, 0 skipped'),
    )
    expect(notices).toHaveLength(1)
    w.unmount()
  })
})
