/**
 * The live lists (watch rules, metadata exports, batch tasks) against a real `loupe serve`: the
 * store's list follows changes made elsewhere (another window, the CLI) as the core announces
 * them, and stops following once the view is left. Built on useLiveResource.
 */
import fs from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it, vi } from 'vitest'
import { useFoldersStore } from '@renderer/stores/folders'
import { useDumpsStore } from '@renderer/stores/dumps'
import { useBatchStore } from '@renderer/stores/batch'
import { useProfilesStore } from '@renderer/stores/profiles'
import { catalogueItem } from '../helpers/images'
import { useRendererHost } from './host'

const { t, callOk } = useRendererHost({ tmpPrefix: 'loupe-live-lists-', events: true })

/** A contract call made elsewhere (another window, the CLI): not through the store. */
const elsewhere = (name: string, input: unknown) => callOk(name, input)

function folder(name: string): string {
  const dir = path.join(t.dir, 'in', name)
  fs.mkdirSync(dir, { recursive: true })
  fs.copyFileSync(catalogueItem(3), path.join(dir, 'a.jpg'))
  return dir
}

describe('live lists', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    await useProfilesStore().load()
  })

  it('watch rules: a rule added elsewhere appears with its state; none after stop()', async () => {
    const store = useFoldersStore()
    store.start()
    await vi.waitFor(() => expect(store.loaded).toBe(true))
    expect(store.rules).toEqual([])

    const first = folder('watched')
    await elsewhere('watch.add', { folder: first })
    await vi.waitFor(() => expect(store.rules.map((r) => r.folder)).toEqual([first]), 20_000)
    // the rule's live state follows (scanning → syncing → watching)
    await vi.waitFor(() => expect(store.rules[0].state).toBe('watching'), 60_000)

    store.stop()
    await elsewhere('watch.add', { folder: folder('later') })
    await new Promise((r) => setTimeout(r, 1500))
    expect(store.rules).toHaveLength(1)
    await store.load()
    expect(store.rules).toHaveLength(2)
  })

  it('metadata exports: one started elsewhere appears and finishes in the list', async () => {
    const store = useDumpsStore()
    store.start()
    await vi.waitFor(() => expect(store.loading).toBe(false))
    const created = await elsewhere('tasks.dumpCreate', {})
    await vi.waitFor(
      () =>
        expect(store.items.find((i) => i.id === created.id)).toMatchObject({ status: 'SUCCESS' }),
      60_000,
    )
    expect(store.error).toBeNull()
    store.stop()
  })

  it('batch tasks: one created elsewhere appears and runs to success in the list', async () => {
    const store = useBatchStore()
    store.start()
    await vi.waitFor(() => expect(store.loading).toBe(false))
    const task = await elsewhere('batch.create', {
      source: { type: 'folder', path: folder('batch') },
    })
    await vi.waitFor(
      () =>
        expect(store.tasks.find((x) => x.id === task.id)).toMatchObject({
          state: 'success',
          linesOk: 1,
        }),
      60_000,
    )
    expect(store.running).toBe(false)
    store.stop()
  })
})
