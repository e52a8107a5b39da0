import fs from 'node:fs'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import { nextTick } from 'vue'
import type { GalleryImage } from '@api/domains/gallery'
import { i18n } from '@renderer/i18n'
import { useBulkStore } from '@renderer/stores/bulk'
import DetailDrawer from '@renderer/components/gallery/DetailDrawer.vue'
import DumpTasks from '@renderer/components/tasks/DumpTasks.vue'
import RuleCard from '@renderer/components/folders/RuleCard.vue'
import BulkAdd from '@renderer/components/bulk/BulkAdd.vue'
import type { WatchRule } from '@api/domains/watch'
import { jobTitle } from '@renderer/components/bulk/explain'
import { catalogueBytes } from '../helpers/images'
import { until, useRendererHost, wrap } from './host'

/** Issue 13's smaller items, against a real Loupe host (`loupe serve`). */
const { t, callOk: call } = useRendererHost()

describe('issue 13, smaller items', () => {
  it('a gallery row the engine does not have is "Not in the engine", not "In sync"', async () => {
    i18n.global.locale.value = 'en-US'
    // an export of another instance imported into the cache: its ids are not in this engine
    const file = path.join(t.dir, 'other.jsonl')
    fs.writeFileSync(
      file,
      JSON.stringify({ ProductId: 'p9', PicName: 'x.jpg', CategoryId: 3 }) + '\n',
    )
    await call('tasks.dumpImport', { source: { file } })
    const list = await call<{ items: GalleryImage[] }>('gallery.list', {})
    const item = list.items.find((i) => i.productId === 'p9')!
    expect(item.syncState).toBe('synced')
    const w = wrap(DetailDrawer, { item, profile: 'local', writeBlock: null })
    await until(
      () =>
        document.querySelector('[data-testid="detail-sync"]')?.textContent?.trim() ===
        'Not in the engine',
    )
    expect(document.body.textContent).not.toContain('In sync')
    expect(document.querySelector('[data-testid="detail-seen"]')!.textContent).toContain(
      'Not found by the engine just now',
    )
    i18n.global.locale.value = 'zh-CN'
    await nextTick()
    expect(document.querySelector('[data-testid="detail-sync"]')!.textContent!.trim()).toBe(
      '引擎中不存在',
    )
    i18n.global.locale.value = 'en-US'
    w.unmount()
  })

  it('"Import a file…" has a file picker: the chosen file is uploaded and previewed for import', async () => {
    i18n.global.locale.value = 'en-US'
    const w = wrap(DumpTasks)
    await flushPromises()
    await w.get('[data-testid="dump-import-file"]').trigger('click')
    await until(() => !!document.querySelector('[data-testid="dump-import-choose"]'))
    const input = document.querySelector(
      '[data-testid="dump-import-file-input"]',
    ) as HTMLInputElement
    const body = JSON.stringify({ ProductId: 'q1', PicName: 'y.jpg', CategoryId: 3 }) + '\n'
    const chosen = new File([body], 'export.jsonl', { type: 'application/json' })
    Object.defineProperty(input, 'files', { value: [chosen], configurable: true })
    input.dispatchEvent(new Event('change'))
    // the import dialog opens on the uploaded file (previewed by the core from staging)
    await until(
      () => !!document.querySelector('[data-testid="dump-import-dialog"]'),
      15_000,
      () => document.body.textContent ?? '',
    )
    expect(document.body.textContent).toContain('export.jsonl')
    const staged = fs.readdirSync(path.join(t.dir, 'staging'))
    expect(staged.length).toBeGreaterThan(0)
    w.unmount()
  })

  it('a folder whose pictures all sit directly in it suggests "File = product"', async () => {
    const bulk = useBulkStore()
    const file = (rel: string, n: number) => ({
      file: new File([new Uint8Array(catalogueBytes(n))], rel.split('/').pop()!, {
        type: 'image/jpeg',
      }),
      relPath: rel,
    })
    await bulk.take(
      { files: [file('shop/a.jpg', 1), file('shop/b.jpg', 2)], paths: [], hasFolder: true },
      'local',
    )
    expect(bulk.namingMode).toBe('file')
    expect(bulk.namingSuggested).toBe(true)
    bulk.reset()
    bulk.namingMode = 'folder'
    await bulk.take(
      { files: [file('shop/p1/a.jpg', 1), file('shop/p2/b.jpg', 2)], paths: [], hasFolder: true },
      'local',
    )
    expect(bulk.namingMode).toBe('folder')
    expect(bulk.namingSuggested).toBe(false)
    bulk.reset()
  })

  it('a watched folder\'s card names its rule as the editor does: "File = product"', async () => {
    i18n.global.locale.value = 'en-US'
    const folder = path.join(t.dir, 'watched')
    fs.mkdirSync(folder, { recursive: true })
    const rule = await call<WatchRule>('watch.add', { folder, naming: 'file' })
    const w = wrap(RuleCard, { rule })
    await flushPromises()
    expect(w.get('[data-testid="rule-naming"]').text()).toBe('File = product')
    i18n.global.locale.value = 'zh-CN'
    await nextTick()
    expect(w.get('[data-testid="rule-naming"]').text()).toBe('文件 = 商品')
    i18n.global.locale.value = 'en-US'
    w.unmount()
    await call('watch.remove', { id: rule.id })
  })

  it('the preview explains why Skipped and Duplicates differ', async () => {
    i18n.global.locale.value = 'en-US'
    // one picture already in the gallery under another id: a gallery copy, skipped
    await call('images.add', {
      image: { base64: catalogueBytes(30).toString('base64'), name: 'seed.jpg' },
      productId: 'seed',
      picName: 'seed.jpg',
    })
    const bulk = useBulkStore()
    const file = (rel: string, n: number) => ({
      file: new File([new Uint8Array(catalogueBytes(n))], rel.split('/').pop()!, {
        type: 'image/jpeg',
      }),
      relPath: rel,
    })
    await bulk.take(
      {
        files: [file('c/p1/a.jpg', 30), file('c/p1/b.jpg', 31), file('c/p2/c.jpg', 32)],
        paths: [],
        hasFolder: true,
      },
      'local',
    )
    const w = wrap(BulkAdd)
    await flushPromises()
    await bulk.preview()
    await until(
      () => bulk.phase === 'preview',
      60_000,
      () => bulk.phase,
    )
    await until(() => w.find('[data-testid="bulk-counts-why"]').text().length > 0)
    const why = w.get('[data-testid="bulk-counts-why"]').text()
    expect(why).toContain('1 skipped: 1 copy of a gallery picture under another id.')
    expect(why).toContain('Duplicates: pictures with the same bytes as a gallery picture')
    w.unmount()
    bulk.reset()
  })

  it('plurals, distinct words for Jobs and Tasks in zh-CN, the Add view says what Enter does', () => {
    const { t: tr } = i18n.global
    i18n.global.locale.value = 'en-US'
    expect(tr('bulk.start', { n: 1 }, 1)).toBe('Add 1 picture')
    expect(tr('bulk.start', { n: 200 }, 200)).toBe('Add 200 pictures')
    expect(tr('bulk.job.allDone', { n: 1 }, 1)).toBe('The picture is in the gallery.')
    expect(tr('bulk.job.retried', { n: 1 }, 1)).toBe('1 picture queued again')
    expect(tr('bulk.skipWhy.copies', { n: 1 }, 1)).toBe(
      '1 copy of a gallery picture under another id',
    )
    expect(tr('add.subtitleBulk', { profile: 'local' })).not.toMatch(/Add a picture/)
    expect(tr('search.region.keysAdd')).not.toMatch(/Enter searches/)
    expect(tr('search.region.keysAdd')).toMatch(/Enter adds/)
    i18n.global.locale.value = 'zh-CN'
    expect(tr('bulk.jobs.title')).not.toBe(tr('nav.tasks'))
    expect(tr('bulk.jobs.short')).not.toBe(tr('nav.tasks'))
    expect(tr('bulk.start', { n: 1 }, 1)).toBe('添加 1 张图片')
    // the core's own title of a bulk add, in the UI's language (folder names kept)
    expect(jobTitle('Bulk add: p', tr)).toBe('批量添加:p')
    expect(jobTitle('Bulk add: a, b, c and 2 more', tr)).toBe('批量添加:a, b, c 等另外 2 项')
    expect(jobTitle('tops · 6', tr)).toBe('tops · 6')
    // a watched folder's sync and a metadata import, named by the core in English
    expect(jobTitle('Folder coats: 2 new, 1 removed', tr)).toBe('文件夹 coats:新增 2 张,移除 1 张')
    expect(jobTitle('Import export 7 into the gallery cache', tr)).toBe('将导出 7 导入图库缓存')
    expect(jobTitle('Import a.jsonl into the gallery cache', tr)).toBe('将 a.jsonl 导入图库缓存')
    i18n.global.locale.value = 'en-US'
  })
})
