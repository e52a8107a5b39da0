import { events } from '@api/events'
import { VIEWS } from '@renderer/router'
import type { Picked } from '@renderer/lib/files'
import type { PickedImage } from '@renderer/lib/image-file'
import { pickImage, pickProblem, type PickProblem } from '@renderer/composables/pick-image'

/**
 * What the desktop's main process asks of the page: files handed to Loupe by the OS (a second
 * launch, "Open with") and navigation (application menu, notification click). The same paths as a
 * drop on the window: a picture goes to Search as if dropped there, folders and files to Bulk add
 * as a global drop does (components/bulk/GlobalDrop.vue).
 */
export interface DesktopDeps {
  push(to: { name: string; query?: Record<string, string> }): Promise<unknown>
  activeProfile(): string
  hasProfile(name: string): boolean
  activateProfile(name: string): Promise<unknown>
  /** The bulk store's `take` (the Add view's bulk mode). */
  takeBulk(picked: Picked, profile: string): Promise<unknown>
  /** The search store: the query picture, in picture mode. */
  searchPicture(image: PickedImage): void
  /** A picture Search cannot take: tell the user why (checked by the core as a drop is). */
  rejected(problem: PickProblem, name: string): void
}

function fileFrom(image: { name: string; type: string; base64: string }): File {
  const bin = atob(image.base64)
  const bytes = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i)
  return new File([bytes], image.name, { type: image.type })
}

const baseName = (p: string) => p.split(/[\\/]/).filter(Boolean).pop() ?? p

export async function openPaths(raw: unknown, d: DesktopDeps): Promise<void> {
  const parsed = events['desktop.open-paths'].safeParse(raw)
  if (!parsed.success) return
  const m = parsed.data
  if (m.target === 'bulk') {
    const take = d.takeBulk(
      { files: [], paths: m.paths, hasFolder: m.hasFolder },
      d.activeProfile(),
    )
    await d.push({ name: 'add', query: { mode: 'bulk' } })
    await take
    return
  }
  const name = baseName(m.paths[0] ?? '')
  await d.push({ name: 'search' })
  if (!m.image) return d.rejected({ reason: m.problem ?? 'unreadable' }, name)
  try {
    d.searchPicture(await pickImage(fileFrom(m.image), d.activeProfile()))
  } catch (e) {
    d.rejected(pickProblem(e), name)
  }
}

const VIEW_NAMES = new Set<string>(VIEWS.map((v) => v.name))

export async function navigate(raw: unknown, d: DesktopDeps): Promise<void> {
  const parsed = events['desktop.navigate'].safeParse(raw)
  if (!parsed.success || !VIEW_NAMES.has(parsed.data.view)) return
  const { view, query, profile } = parsed.data
  if (profile && profile !== d.activeProfile() && d.hasProfile(profile)) {
    await d.activateProfile(profile)
  }
  await d.push({ name: view, ...(query ? { query } : {}) })
}
