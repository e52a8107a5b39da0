/// <reference lib="dom" />
/**
 * Checks a page of the UI the way a careful user looks at it, for the screenshot suite
 * (test/e2e/layout.test.ts) and any browser test that wants them:
 * - layout: the page scrolls sideways, or a control sticks out of its card or the window;
 * - language: on a zh-CN page, Latin words outside user data (see below);
 * - errors: an error code shown without its translated title.
 *
 * User data on a zh-CN page. Elements that show what the user (or a file, the engine, the OS) named
 * — product ids, picture and file names, paths, codes, an error's technical details — carry
 * `data-raw` (or are `<code>`, `<kbd>`, `<pre>`); their text is not language-checked
 * (`data-raw-label`: only their aria-label). A text with
 * Chinese in it is a translated message (its Latin parts are the values filled in: "批量添加:coats").
 * Any other Latin word on a zh-CN page (in a text, a placeholder, an aria-label) must be one the
 * zh-CN messages themselves use (a brand, a format, an API field such as `AccessKey`, `JPEG`,
 * `ID`) or a unit (KB, px): the allowed words are read from the zh-CN messages and the error
 * catalogue, so a translation that keeps a term keeps it allowed, and an English text that was
 * never translated (or user data not marked as such) is reported.
 *
 * Error codes. A code of the error catalogue (or a system one such as ECONNREFUSED) may be shown
 * only inside an error alert (which leads with the translated title) or inside an element with a
 * non-empty `data-error-title` (the translated title, shown beside or as a tooltip).
 */
import fs from 'node:fs'
import path from 'node:path'
import type { Page } from 'playwright-core'
import { ERROR_CATALOGUE, ERROR_CODES } from '../../electron/domain/errors'

export type Locale = 'en-US' | 'zh-CN'
export type Theme = 'light' | 'dark'
export interface Size {
  width: number
  height: number
}
/** The window sizes and languages every view is looked at in. */
export const SCREEN_SIZES: Size[] = [
  { width: 1360, height: 880 },
  { width: 1000, height: 700 },
]
export const SCREEN_LOCALES: Locale[] = ['en-US', 'zh-CN']

/** System error codes the UI might pass through from Node (they must be explained too). */
const SYSTEM_CODES = [
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EACCES',
  'ENOENT',
  'EPERM',
  'EAI_AGAIN',
]

function latinWords(value: unknown, into: Set<string>): void {
  if (typeof value === 'string') {
    for (const w of value.replace(/\{[^}]*\}/g, ' ').match(/[A-Za-z]{2,}/g) ?? []) into.add(w)
  } else if (value && typeof value === 'object') {
    for (const v of Object.values(value)) latinWords(v, into)
  }
}

let allowed: string[] | undefined
/** Latin words the zh-CN messages and the zh-CN error catalogue use themselves. */
export async function zhLatinWords(): Promise<string[]> {
  if (allowed) return allowed
  const words = new Set<string>()
  const i18n = path.resolve(__dirname, '../../renderer/src/i18n')
  // (by path: the renderer's sources are not part of the node typecheck)
  latinWords(((await import(path.join(i18n, 'zh-CN.ts'))) as { default: unknown }).default, words)
  for (const f of fs.readdirSync(path.join(i18n, 'sections')).filter((f) => f.endsWith('.ts'))) {
    const mod = (await import(path.join(i18n, 'sections', f))) as {
      default: { 'zh-CN': unknown }
    }
    latinWords(mod.default['zh-CN'], words)
  }
  for (const e of Object.values(ERROR_CATALOGUE)) latinWords(e['zh-CN'], words)
  // naive-ui's own zh-CN texts and what every page shows whatever the language
  for (const w of ['English', 'KB', 'MB', 'GB', 'px', 'ms']) words.add(w)
  allowed = [...words].sort()
  return allowed
}

/**
 * What the page shows wider than the window, and controls that stick out of their card: a
 * button, input or table cell whose box goes past its card's right (or left) edge.
 */
export async function layoutProblems(page: Page, scope = 'main'): Promise<string[]> {
  return page.evaluate((scope) => {
    const out: string[] = []
    const se = document.scrollingElement!
    if (se.scrollWidth > se.clientWidth + 1)
      out.push(`page scrolls sideways: ${se.scrollWidth} > ${se.clientWidth}`)
    const main = document.querySelector('main.main') as HTMLElement | null
    if (main) {
      const box = main.getBoundingClientRect()
      if (box.right > window.innerWidth + 1)
        out.push(`main ends at ${Math.round(box.right)} > ${window.innerWidth}`)
    }
    const controls = document.querySelectorAll<HTMLElement>(
      ['button', 'input', '.n-input', '.n-base-selection', 'th', 'td', '.n-tag']
        .map((c) => `${scope} ${c}`)
        .join(', '),
    )
    const reported = new Set<Element>()
    for (const el of Array.from(controls)) {
      const card = el.closest('.n-card') as HTMLElement | null
      const r = el.getBoundingClientRect()
      if (r.width === 0 || r.height === 0) continue
      // Inside a container that scrolls sideways on purpose (a wide table), clipping is fine
      // only when that container is itself within the card — checked for the container instead.
      let scroller: HTMLElement | null = el.parentElement
      while (scroller && scroller !== card) {
        const cs = getComputedStyle(scroller)
        if (
          /(auto|scroll|hidden)/.test(cs.overflowX) &&
          scroller.scrollWidth > scroller.clientWidth + 1
        )
          break
        scroller = scroller.parentElement
      }
      if (scroller && scroller !== card) {
        if (el.tagName === 'TH' || el.tagName === 'TD') {
          const s = scroller.getBoundingClientRect()
          if (r.right > s.right + 1 && !reported.has(scroller)) {
            reported.add(scroller)
            out.push(
              `table scrolls sideways (${scroller.scrollWidth} > ${scroller.clientWidth}): ${(scroller.closest('[data-testid]') as HTMLElement | null)?.dataset.testid ?? scroller.className}`,
            )
          }
        }
        continue
      }
      const limit = card ? card.getBoundingClientRect() : { left: 0, right: window.innerWidth }
      if (r.right > limit.right + 1 || r.left < limit.left - 1) {
        const id =
          el.dataset.testid ??
          (el.closest('[data-testid]') as HTMLElement | null)?.dataset.testid ??
          el.className
        out.push(
          `${el.tagName.toLowerCase()} ${id} (${Math.round(r.left)}–${Math.round(r.right)}) outside ${card ? 'its card' : 'the window'} (${Math.round(limit.left)}–${Math.round(limit.right)})`,
        )
      }
    }
    return out
  }, scope)
}

/**
 * Visible text (and placeholders, labels for screen readers) with Latin words that are neither
 * user data (`data-raw`, code) nor words the zh-CN messages use: "untranslated: …" lines.
 */
export async function untranslated(page: Page, allow: string[]): Promise<string[]> {
  return page.evaluate((allow) => {
    const ok = new Set(allow)
    const RAW = '[data-raw], code, kbd, pre, svg, script, style, textarea, [aria-hidden="true"]'
    const out = new Set<string>()
    const where = (el: Element) =>
      (el.closest('[data-testid]') as HTMLElement | null)?.dataset.testid ??
      el.tagName.toLowerCase()
    const check = (text: string, el: Element, what: string) => {
      // a translated message with values filled in (a folder name, an id) reads Chinese
      if (/[\u3400-\u9fff]/.test(text)) return
      const bad = (text.match(/[A-Za-z]{2,}/g) ?? []).filter((w) => !ok.has(w))
      if (bad.length)
        out.add(
          `untranslated ${what} in ${where(el)}: "${text.trim().slice(0, 80)}" (${bad.join(' ')})`,
        )
    }
    const visible = (el: Element) => {
      if (el.closest(RAW)) return false
      return el.checkVisibility({ visibilityProperty: true, opacityProperty: true })
    }
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT)
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const text = n.textContent ?? ''
      if (!/[A-Za-z]{2,}/.test(text)) continue
      const el = n.parentElement
      if (!el || !visible(el)) continue
      const range = document.createRange()
      range.selectNodeContents(n)
      if (range.getClientRects().length === 0) continue
      check(text, el, 'text')
    }
    for (const el of Array.from(document.querySelectorAll('[placeholder], [aria-label]'))) {
      // naive-ui's own spinners and close buttons say "loading" / "close" whatever its locale
      if (el.closest(RAW) || el.matches('.n-base-loading, .n-base-close')) continue
      const r = el.getBoundingClientRect()
      if (r.width === 0 || r.height === 0) continue
      const ph = el.getAttribute('placeholder')
      if (ph) check(ph, el, 'placeholder')
      // an aria-label that is only user data ("coats / item0041.jpg") says so: data-raw-label
      const label = el.hasAttribute('data-raw-label') ? null : el.getAttribute('aria-label')
      if (label) check(label, el, 'aria-label')
    }
    return [...out]
  }, allow)
}

/** Error codes on screen without their translated title: "raw error code: …" lines. */
export async function rawErrorCodes(page: Page): Promise<string[]> {
  return page.evaluate(
    (codes) => {
      const out = new Set<string>()
      const pattern = new RegExp(`\\b(${codes.join('|')})\\b`)
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT)
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const m = pattern.exec(n.textContent ?? '')
        if (!m) continue
        const el = n.parentElement
        if (!el) continue
        const range = document.createRange()
        range.selectNodeContents(n)
        if (range.getClientRects().length === 0) continue
        if (!el.checkVisibility({ visibilityProperty: true, opacityProperty: true })) continue
        const titled = el.closest('[data-error-title]')
        const title = titled?.getAttribute('data-error-title')?.trim()
        if (title && title !== m[1]) continue
        out.add(
          `raw error code ${m[1]} in ${(el.closest('[data-testid]') as HTMLElement | null)?.dataset.testid ?? el.tagName}: "${(n.textContent ?? '').trim().slice(0, 80)}"`,
        )
      }
      return [...out]
    },
    // codes that are code-like (DuplicateImage, ECONNREFUSED), not plain words (Failed)
    [...ERROR_CODES.filter((c) => /^[A-Z][a-z0-9]+[A-Z]/.test(c)), ...SYSTEM_CODES],
  )
}

/** The page's own background in the dark theme: dark (a white page around a dark card is not). */
export async function themeProblems(page: Page, theme: Theme): Promise<string[]> {
  if (theme !== 'dark') return []
  const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor)
  const [r = 255, g = 255, b = 255, a = 1] = (bg.match(/[\d.]+/g) ?? []).map(Number)
  const light = a === 0 || 0.2126 * r + 0.7152 * g + 0.0722 * b > 128
  return light ? [`the page is light in the dark theme (body ${bg})`] : []
}

/**
 * Every problem of the page as it is: layout in `scope`, language (zh-CN), raw error codes,
 * a light page in the dark theme.
 */
export async function pageProblems(
  page: Page,
  o: { locale: Locale; theme?: Theme; scope?: string },
): Promise<string[]> {
  const out = await layoutProblems(page, o.scope)
  if (o.theme) out.push(...(await themeProblems(page, o.theme)))
  if (o.locale === 'zh-CN') out.push(...(await untranslated(page, await zhLatinWords())))
  out.push(...(await rawErrorCodes(page)))
  return out
}

/** Switches the running app's language and theme in place (the header's own controls). */
export async function switchLanguageTheme(page: Page, locale: Locale, theme: Theme): Promise<void> {
  const current = await page.evaluate(() => ({
    locale: document.documentElement.lang,
    theme: document.querySelector('.shell')?.getAttribute('data-theme'),
  }))
  if (current.locale !== locale) {
    await page.getByTestId('locale-switch').click()
    await page
      .locator('.n-base-select-option')
      .getByText(locale === 'zh-CN' ? '简体中文' : 'English', { exact: true })
      .click()
    await page.waitForFunction((l) => document.documentElement.lang === l, locale)
  }
  if (current.theme !== theme) {
    await page.getByTestId('theme-toggle').click()
    await page.waitForFunction(
      (t) => document.querySelector('.shell')?.getAttribute('data-theme') === t,
      theme,
    )
  }
  // no tooltip or focus of the header's buttons in the screenshots
  await page.mouse.move(1, 1)
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur())
}

/** Lets transitions (a drawer sliding in) and pending requests settle before a check. */
export async function settle(page: Page): Promise<void> {
  await page.waitForLoadState('networkidle')
  await page.waitForFunction(
    () =>
      document
        .getAnimations()
        .every((a) => a.playState !== 'running' || a.effect?.getTiming().iterations === Infinity),
    undefined,
    { timeout: 5000 },
  )
}
