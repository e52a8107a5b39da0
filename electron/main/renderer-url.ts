/**
 * Where the window loads its page from during development: electron-vite's dev server, announced
 * in `ELECTRON_RENDERER_URL`. A packaged app never trusts that variable (anyone who can set the
 * environment of the process could point the window, and the IPC bridge it is trusted with, at a
 * page of their own): it always loads its bundled page from `loupe-app://app/`.
 */
export interface RendererUrlInput {
  /** `app.isPackaged`. */
  isPackaged: boolean
  env: Record<string, string | undefined>
}

/** The dev server URL to load, or undefined to load the bundled page. */
export function rendererUrl({ isPackaged, env }: RendererUrlInput): string | undefined {
  if (isPackaged) return undefined
  const raw = env.ELECTRON_RENDERER_URL?.trim()
  if (!raw) return undefined
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return undefined
  }
  // Only a web dev server: never file:, data:, javascript: or a custom scheme.
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined
  return raw
}
