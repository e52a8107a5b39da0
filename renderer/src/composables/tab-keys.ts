import type { HTMLAttributes } from 'vue'

/**
 * Keyboard access to naive-ui's tabs, whose tabs are plain divs only a mouse can use: given to an
 * n-tab-pane as `:tab-props="tabKeys(selected)"`, its tab becomes a tab stop that Enter or Space
 * opens, and the arrow keys (Home, End) move to the neighbouring tab and open it.
 */
export function tabKeys(selected?: boolean): HTMLAttributes {
  return {
    tabindex: 0,
    role: 'tab',
    ...(selected === undefined ? {} : { 'aria-selected': selected }),
    onKeydown: onTabKey,
  }
}

function onTabKey(e: KeyboardEvent) {
  const el = e.currentTarget as HTMLElement
  if (e.key === 'Enter' || e.key === ' ') {
    e.preventDefault()
    el.click()
    return
  }
  const tabs = Array.from(
    el.closest('.n-tabs-nav, .n-tabs')?.querySelectorAll<HTMLElement>('.n-tabs-tab') ?? [],
  ).filter((t) => t.dataset.disabled === undefined)
  const i = tabs.indexOf(el)
  let next = -1
  if (e.key === 'ArrowRight') next = (i + 1) % tabs.length
  else if (e.key === 'ArrowLeft') next = (i - 1 + tabs.length) % tabs.length
  else if (e.key === 'Home') next = 0
  else if (e.key === 'End') next = tabs.length - 1
  const to = tabs[next]
  if (!to) return
  e.preventDefault()
  to.focus()
  to.click()
}
