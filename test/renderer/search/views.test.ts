import fs from 'node:fs'
import path from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { flushPromises, type VueWrapper } from '@vue/test-utils'
import { i18n } from '@renderer/i18n'
import { useSearchStore } from '@renderer/stores/search'
import AddView from '@renderer/views/AddView.vue'
import SearchView from '@renderer/views/SearchView.vue'
import AttributesDialog from '@renderer/components/AttributesDialog.vue'
import CompareDialog from '@renderer/components/search/CompareDialog.vue'
import ResultCard from '@renderer/components/search/ResultCard.vue'
import { CATALOGUE_DIR } from '../../helpers/images'
import { choose, until, useRendererHost, viewRouter, wrap as wrapWith } from '../host'

const DS = CATALOGUE_DIR
const bytes = (n: string) => fs.readFileSync(path.join(DS, n))
const file = (n: string) => new File([bytes(n)], n, { type: 'image/jpeg' })
const GALLERY = Array.from({ length: 13 }, (_, i) => `item${String(i).padStart(4, '0')}.jpg`)

/** A real Loupe host (`loupe serve`): the core cannot run inside happy-dom (browser URL, fetch). */
const { call } = useRendererHost()
const router = viewRouter('search', 'add')
const wrap = (c: unknown, props: Record<string, unknown> = {}) => wrapWith(c, props, { router })

const text = (w: VueWrapper, testid: string) => w.get(`[data-testid="${testid}"]`).text()
const all = (w: VueWrapper, sel: string) => w.findAll(sel).map((x) => x.text())

describe('Search and Add views against a real core', () => {
  beforeAll(async () => {
    i18n.global.locale.value = 'en-US'
    await router.push('/search')
    for (const [i, n] of GALLERY.entries()) {
      const r = (await call('images.add', {
        image: { base64: bytes(n).toString('base64'), name: n },
        productId: n.slice(0, 8),
        picName: n,
        intAttr: i,
        strAttr: i % 2 ? 'red' : 'blue',
      })) as { error?: unknown }
      expect(r.error).toBeUndefined()
    }
  })

  it('Add view: validates the fields, adds the picture and shows what the engine found', async () => {
    const w = wrap(AddView)
    await choose(w, 'add-drop', file('item0020.jpg'))
    await until(() => w.find('[data-testid="region-stage"]').exists())
    // The names default from the file; the user changes the product id and breaks an attribute.
    const pid = w.get('[data-testid="add-product-id"] input')
    expect((pid.element as HTMLInputElement).value).toBe('item0020')
    expect((w.get('[data-testid="add-pic-name"] input').element as HTMLInputElement).value).toBe(
      'item0020.jpg',
    )
    await pid.setValue('')
    await w.get('[data-testid="add-attrs-intAttr"] input').setValue('12a')
    await w.get('form').trigger('submit')
    await flushPromises()
    expect(w.text()).toContain('Required')
    expect(w.text()).toContain('A whole number, e.g. 42')
    expect(w.find('[data-testid="add-outcome"]').exists()).toBe(false)
    // Fixed values go through.
    await pid.setValue('new-product')
    await w.get('[data-testid="add-attrs-intAttr"] input').setValue('77')
    await w.get('[data-testid="add-attrs-strAttr"] input').setValue('green')
    await w.get('[data-testid="add-attrs-customContent"] textarea').setValue('a note')
    expect(w.text()).toContain('6 / 4096')
    await w.get('form').trigger('submit')
    await until(() => w.find('[data-testid="add-outcome"]').exists())
    expect(text(w, 'add-outcome')).toContain('new-product / item0020.jpg is in the gallery.')
    // The gallery was added without categories: the local engine had nothing to learn one from,
    // and says so instead of a bare "Other · 88888888".
    expect(text(w, 'add-outcome-category')).toBe('Not predicted (no labelled neighbours)')
    expect(text(w, 'add-outcome-unpredicted')).toContain(
      'no similar gallery picture has a category',
    )
    expect(text(w, 'add-outcome')).not.toContain('88888888')
    // One region format on screen (corners and size), the API's x1,x2,y1,y2 beside a copy button.
    const shown = w.get('[data-testid="add-outcome-region"] [data-testid="region-label"]').text()
    const m = /^\((\d+), (\d+)\) – \((\d+), (\d+)\) · (\d+) × (\d+) px$/.exec(shown)
    expect(m, shown).not.toBeNull()
    const [x1, y1, x2, y2, width, height] = m!.slice(1).map(Number)
    expect([x2 - x1, y2 - y1]).toEqual([width, height])
    expect(w.get('[data-testid="add-outcome-region"] [data-testid="region-api"]').text()).toBe(
      `${x1},${x2},${y1},${y2}`,
    )
    expect(text(w, 'add-outcome-steps')).toContain('Sent as is')
    // The engine has it, with its attributes.
    const found = (await call('search.byFilter', { filter: 'int_attr = 77' })) as {
      result: { auctions: { productId: string; strAttr?: string; customContent: string }[] }
    }
    expect(found.result.auctions).toMatchObject([
      { productId: 'new-product', strAttr: 'green', customContent: 'a note' },
    ])
    // Adding again the same ids warns before overwriting.
    await w.get('[data-testid="add-another"]').trigger('click')
    await choose(w, 'add-drop', file('item0020.jpg'))
    await until(() => w.find('[data-testid="region-stage"]').exists())
    await w.get('[data-testid="add-product-id"] input').setValue('new-product')
    await until(() => w.find('[data-testid="add-exists"]').exists(), 5000)
    w.unmount()
    await call('images.remove', { productId: 'new-product' })
  })

  it('Search view: by picture, detected boxes, re-search with a box, paging', async () => {
    const store = useSearchStore()
    store.pageSize = 10
    const w = wrap(SearchView)
    await choose(w, 'search-drop', file('item0003.jpg'))
    await until(() => w.find('[data-testid="region-stage"]').exists())
    await w.get('[data-testid="search-pic"]').trigger('click')
    await until(() => w.find('[data-testid="results-grid"]').exists())
    expect(all(w, '[data-testid="result-product-id"]')[0]).toBe('item0003')
    expect(all(w, '[data-testid="result-product-id"]')).toHaveLength(10)
    expect(text(w, 'results-category')).toBe('Category: not predicted (no labelled neighbours)')
    expect(text(w, 'results-count')).toBe('10 of 13 results')
    expect(Number(all(w, '[data-testid="result-score"]')[0])).toBeGreaterThan(0.99)
    // The engine's subject is drawn (sized from the result's original size) and can be searched.
    await until(() => w.find('[data-testid="region-box-main-0"]').exists())
    await w.get('[data-testid="region-pick-0"]').trigger('click')
    await until(() => !store.loading && store.last?.mode === 'pic' && !!store.last.region)
    expect(store.region).toEqual(store.detected?.main)
    expect(w.find('[data-testid="region-selection"]').exists()).toBe(true)
    expect(all(w, '[data-testid="result-product-id"]')[0]).toBe('item0003')
    // Keyboard: nudge the region, Enter searches with the nudged box.
    const before = { ...store.region! }
    const stage = w.get('[data-testid="region-stage"]')
    await stage.trigger('keydown', { key: 'ArrowUp', shiftKey: true })
    expect(store.region!.y1).toBe(Math.max(0, before.y1 - 10))
    await stage.trigger('keydown', { key: 'Enter' })
    await until(
      () =>
        !store.loading && store.last?.mode === 'pic' && store.last.region?.y1 === store.region!.y1,
    )
    // "Load more" fetches the rest; then everything is shown.
    await w.get('[data-testid="load-more"]').trigger('click')
    await until(() => w.findAll('[data-testid="result-product-id"]').length === 13)
    expect(text(w, 'results-count')).toBe('13 of 13 results')
    expect(w.find('[data-testid="load-more"]').exists()).toBe(false)
    expect(w.find('[data-testid="results-end"]').exists()).toBe(true)
    w.unmount()
  })

  it('Search view: by filter with the builder, client check, and the engine’s own error', async () => {
    const store = useSearchStore()
    const w = wrap(SearchView)
    store.mode = 'filter'
    await flushPromises()
    await w.get('[data-testid="filter-query-value-0"] input').setValue('10')
    // int_attr = 10 by default; switch to >=.
    store.filterQuery = 'int_attr >= 10 AND str_attr = "red"'
    await flushPromises()
    await w.get('[data-testid="search-filter"]').trigger('click')
    await until(() => !store.loading && store.last?.mode === 'filter')
    expect(all(w, '[data-testid="result-product-id"]').sort()).toEqual(['item0011'])
    // The raw expression is checked as it is typed, with the position of the problem.
    await w.get('[data-testid="filter-query-mode-raw"] input').trigger('change')
    await flushPromises()
    const raw = w.get('[data-testid="filter-query-raw"] textarea')
    await raw.setValue('int_attr >= 10 AND str_attr = ')
    expect(text(w, 'filter-query-error')).toContain('Position 30: str_attr needs a quoted text')
    // The engine stays the authority: sending anyway shows its InvalidFilterClause.
    await w.get('[data-testid="search-filter"]').trigger('click')
    await until(() => w.find('[data-testid="error-alert"]').exists())
    expect(text(w, 'error-alert')).toContain('InvalidFilterClause')
    expect(text(w, 'error-alert')).toContain('position 30')
    await raw.setValue('int_attr in (1, 2) OR str_attr2 = "nothing"')
    expect(w.find('[data-testid="filter-query-error"]').exists()).toBe(false)
    await w.get('[data-testid="search-filter"]').trigger('click')
    await until(() => !store.loading && w.findAll('[data-testid="result-product-id"]').length === 2)
    w.unmount()
  })

  it('Search view: by name, and “no results” with hints', async () => {
    const store = useSearchStore()
    const w = wrap(SearchView)
    store.mode = 'name'
    store.thresholdOn = true
    store.threshold = 0.999
    await flushPromises()
    await w.get('[data-testid="name-product-id"] input').setValue('item0005')
    await w.get('[data-testid="name-pic-name"] input').setValue('item0005.jpg')
    await w.get('[data-testid="name-pic-name"] input').trigger('keydown', { key: 'Enter' })
    await until(() => !store.loading && store.last?.mode === 'name')
    expect(all(w, '[data-testid="result-product-id"]')).toEqual(['item0005'])
    store.categoryId = 4
    await w.get('[data-testid="search-name"]').trigger('click')
    await until(() => w.find('[data-testid="results-empty"]').exists())
    expect(text(w, 'results-empty')).toContain('No results')
    expect(text(w, 'results-empty')).toContain('Lower or turn off the minimum score.')
    expect(text(w, 'results-empty')).toContain('Detect automatically')
    store.thresholdOn = false
    store.categoryId = null
    w.unmount()
  })

  it('edit dialog saves only changed attributes through images.update', async () => {
    const item = {
      productId: 'item0002',
      picName: 'item0002.jpg',
      categoryId: 88888888,
      customContent: '',
      score: 1,
      sortExprValues: '',
      intAttr: 2,
      strAttr: 'blue',
    }
    const store = useSearchStore()
    let saved = 0
    const w = wrap(AttributesDialog, {
      show: true,
      item,
      save: (attrs: Record<string, unknown>) => store.updateAttributes(item, attrs),
      onSaved: () => saved++,
    })
    await flushPromises()
    const save = () => document.querySelector('[data-testid="edit-save"]') as HTMLButtonElement
    expect(save().disabled).toBe(true)
    const input = (k: string) =>
      document.querySelector(`[data-testid="edit-${k}"] input`) as HTMLInputElement
    input('strAttr2').value = 'summer'
    input('strAttr2').dispatchEvent(new Event('input'))
    input('intAttr3').value = 'x'
    input('intAttr3').dispatchEvent(new Event('input'))
    await flushPromises()
    expect(save().disabled).toBe(true)
    input('intAttr3').value = '-4'
    input('intAttr3').dispatchEvent(new Event('input'))
    await flushPromises()
    expect(save().disabled).toBe(false)
    save().click()
    await until(() => saved === 1)
    const r = (await call('search.byFilter', { filter: 'str_attr2 = "summer"' })) as {
      result: { auctions: Record<string, unknown>[] }
    }
    expect(r.result.auctions).toMatchObject([
      { productId: 'item0002', intAttr: 2, intAttr3: -4, strAttr: 'blue', strAttr2: 'summer' },
    ])
    w.unmount()
  })

  it('the same attribute dialog edits a gallery selection: only the filled fields, Esc closes', async () => {
    const sent: Record<string, unknown>[] = []
    let closed = 0
    const w = wrap(AttributesDialog, {
      show: true,
      item: null,
      count: 3,
      save: async (attrs: Record<string, unknown>) => void sent.push(attrs),
      testid: 'gallery-edit',
      onClose: () => closed++,
    })
    await flushPromises()
    const dialog = document.querySelector('[data-testid="gallery-edit-dialog"]') as HTMLElement
    expect(dialog.textContent).toContain('3')
    const save = () =>
      document.querySelector('[data-testid="gallery-edit-save"]') as HTMLButtonElement
    expect(save().disabled).toBe(true)
    const input = document.querySelector(
      '[data-testid="gallery-edit-strAttr3"] input',
    ) as HTMLInputElement
    input.value = 'autumn'
    input.dispatchEvent(new Event('input'))
    await flushPromises()
    save().click()
    await until(() => sent.length === 1)
    expect(sent).toEqual([{ strAttr3: 'autumn' }])
    await until(() => closed === 1)
    for (const type of ['keydown', 'keyup']) {
      input.dispatchEvent(new KeyboardEvent(type, { key: 'Escape', code: 'Escape', bubbles: true }))
    }
    await until(() => closed === 2, 5_000)
    w.unmount()
  })

  it('compare dialog scores two chosen pictures', async () => {
    const w = wrap(CompareDialog, { show: true, profile: 'local' })
    await flushPromises()
    const pick = async (i: number, n: string) => {
      const input = document.querySelector(
        `[data-testid="compare-drop-${i}-input"]`,
      ) as HTMLInputElement
      Object.defineProperty(input, 'files', { value: [file(n)], configurable: true })
      input.dispatchEvent(new Event('change'))
      const slotName = () =>
        document.querySelectorAll('.cd-slot')[i]?.querySelector('.cd-name')?.textContent?.trim()
      await until(() => slotName() === n)
    }
    await pick(0, 'item0007.jpg')
    await pick(1, 'item0007.jpg')
    ;(document.querySelector('[data-testid="compare-run"]') as HTMLButtonElement).click()
    await until(() => !!document.querySelector('[data-testid="compare-score"]'))
    const same = Number(
      document.querySelector('[data-testid="compare-score"] .cd-num')!.textContent,
    )
    expect(same).toBeGreaterThan(0.99)
    await pick(1, 'item0001.jpg')
    expect(document.querySelector('[data-testid="compare-score"]')).toBeNull()
    ;(document.querySelector('[data-testid="compare-run"]') as HTMLButtonElement).click()
    await until(() => !!document.querySelector('[data-testid="compare-score"]'))
    const other = Number(
      document.querySelector('[data-testid="compare-score"] .cd-num')!.textContent,
    )
    expect(other).toBeLessThan(same)
    w.unmount()
  })

  it('a result card shows its fields, a placeholder when there is no thumbnail, and its actions', async () => {
    const events: string[] = []
    const w = wrap(ResultCard, {
      item: {
        productId: 'p-1',
        picName: 'front.jpg',
        categoryId: 4,
        customContent: 'https://shop.example/p-1',
        score: 0.87654,
        sortExprValues: '',
        intAttr: 12,
        strAttr4: 'summer',
      },
      profile: 'local',
      rank: 3,
      canCompare: true,
      onSimilar: () => events.push('similar'),
      onCompare: () => events.push('compare'),
      onCopy: (_a: unknown, what: string) => events.push(`copy:${what}`),
    })
    const card = w.get('[data-testid="result-2"]')
    expect(card.text()).toContain('p-1')
    expect(card.text()).toContain('front.jpg')
    expect(card.text()).toContain('0.8765')
    expect(card.text()).toContain('Shoes')
    expect(card.text()).toContain('int=12')
    expect(card.text()).toContain('str4=summer')
    expect(card.text()).toContain('https://shop.example/p-1')
    expect(card.get('img').attributes('src')).toBe('/thumb/local/p-1/front.jpg')
    expect(card.find('[data-testid="thumb-placeholder"]').exists()).toBe(false)
    await card.get('img').trigger('error')
    expect(card.get('[data-testid="thumb-placeholder"]').text()).toContain('No thumbnail')
    await card.trigger('keydown', { key: 'Enter' })
    await w.get('[data-testid="result-compare-2"]').trigger('click')
    expect(events).toEqual(['similar', 'compare'])
    w.unmount()
  })
})
