import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mount, flushPromises } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { defineComponent, h, nextTick } from 'vue'
import { NConfigProvider, NDialogProvider, NMessageProvider, NNotificationProvider } from 'naive-ui'
import { contract } from '@api/contract'
import { createClient } from '@api/client'
import { setBridge } from '@renderer/bridge'
import { i18n } from '@renderer/i18n'
import JobsIndicator from '@renderer/components/bulk/JobsIndicator.vue'
import { tempDir } from '../helpers/tmp'
import { serve } from '../helpers/cli'
import { postJson } from '../helpers/http'

/** The Jobs drawer of a real Loupe host (`loupe serve`) says what each job does, in both languages. */
let host: Awaited<ReturnType<typeof serve>>
const t = tempDir()

describe('Jobs drawer', () => {
  beforeAll(async () => {
    setActivePinia(createPinia())
    host = await serve(['--data', t.dir, '--port', '0'])
    setBridge(
      createClient(contract, {
        invoke: (name, input) => postJson(`${host.url}/api/call/${name}`, input),
        subscribe: () => () => {},
      }),
    )
  })
  afterAll(() => {
    host.proc.kill('SIGTERM')
    t.cleanup()
  })

  it('labels a metadata import job (a job of the queue like a bulk add) in en-US and zh-CN', async () => {
    const file = path.join(t.dir, 'dump.jsonl')
    fs.writeFileSync(
      file,
      JSON.stringify({ ProductId: 'p1', PicName: 'a.jpg', CategoryId: 3 }) + '\n',
    )
    const r = (await postJson(`${host.url}/api/call/tasks.dumpImport`, { source: { file } })) as {
      result?: { added: number }
    }
    expect(r.result?.added).toBe(1)

    i18n.global.locale.value = 'en-US'
    const Root = defineComponent({
      render: () =>
        h(NConfigProvider, null, () =>
          h(NNotificationProvider, null, () =>
            h(NMessageProvider, null, () => h(NDialogProvider, null, () => h(JobsIndicator))),
          ),
        ),
    })
    const w = mount(Root, { global: { plugins: [i18n] }, attachTo: document.body })
    await flushPromises()
    await w.get('[data-testid="jobs-indicator"]').trigger('click')
    await flushPromises()
    await nextTick()
    const kinds = () =>
      [...document.body.querySelectorAll('[data-testid="job-kind"]')].map((e) => e.textContent)
    expect(kinds()).toEqual(['Metadata import'])
    expect(document.body.textContent).toContain('Import dump.jsonl into the gallery cache')
    i18n.global.locale.value = 'zh-CN'
    await nextTick()
    expect(kinds()).toEqual(['元数据导入'])
    i18n.global.locale.value = 'en-US'
    w.unmount()
  })
})
