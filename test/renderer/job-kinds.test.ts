import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import { nextTick } from 'vue'
import { i18n } from '@renderer/i18n'
import JobsIndicator from '@renderer/components/bulk/JobsIndicator.vue'
import { until, useRendererHost, wrap } from './host'

/** The Jobs drawer of a real Loupe host (`loupe serve`) says what each job does, in both languages. */
const { t, callOk } = useRendererHost()

describe('Jobs drawer', () => {
  it('labels a metadata import job (a job of the queue like a bulk add) in en-US and zh-CN', async () => {
    const file = path.join(t.dir, 'dump.jsonl')
    fs.writeFileSync(
      file,
      JSON.stringify({ ProductId: 'p1', PicName: 'a.jpg', CategoryId: 3 }) + '\n',
    )
    const r = await callOk<{ added: number }>('tasks.dumpImport', { source: { file } })
    expect(r.added).toBe(1)

    i18n.global.locale.value = 'en-US'
    const w = wrap(JobsIndicator, {}, { notifications: true })
    await flushPromises()
    await w.get('[data-testid="jobs-indicator"]').trigger('click')
    const kinds = () =>
      [...document.body.querySelectorAll('[data-testid="job-kind"]')].map((e) => e.textContent)
    // The drawer lists the jobs once the host has answered (a real round trip).
    await until(
      () => kinds().length > 0,
      10_000,
      () => document.body.textContent ?? '',
    )
    expect(kinds()).toEqual(['Metadata import'])
    expect(document.body.textContent).toContain('Import dump.jsonl into the gallery cache')
    i18n.global.locale.value = 'zh-CN'
    await nextTick()
    expect(kinds()).toEqual(['元数据导入'])
    i18n.global.locale.value = 'en-US'
    w.unmount()
  })
})
