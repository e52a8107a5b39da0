import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { EventPayload } from '../api/events'

/** Pictures the core reads (DESIGN.md: PNG, JPG, BMP, GIF, WebP, TIFF, PPM). */
const PICTURE = /\.(jpe?g|png|bmp|gif|webp|tiff?|ppm|pgm|pbm|pnm)$/i
/** Bulk-add manifests (CSV, JSON lines, the cloud's increment.meta). */
const MANIFEST = /(\.(csv|jsonl|ndjson)|(^|[\\/])increment\.meta)$/i
/** The largest picture Search takes (the contract's base64 limit, in bytes). */
export const MAX_SEARCH_BYTES = 8 * 1024 * 1024

const MIME: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  bmp: 'image/bmp',
  gif: 'image/gif',
  webp: 'image/webp',
  tif: 'image/tiff',
  tiff: 'image/tiff',
}

/**
 * The files and folders a command line hands to Loupe (`loupe photo.jpg`, "Open with Loupe",
 * a second launch): the executable, the app path of a development run (`electron .`), switches
 * (`--flag`, `-psn_…`, Chromium's own) and URLs other than file:// are skipped; relative paths are
 * resolved against the launching shell's working directory; only paths that exist are kept.
 */
export function pathsFromArgv(
  argv: readonly string[],
  cwd: string,
  opts: { defaultApp?: boolean; appPath?: string } = {},
): string[] {
  // packaged: [exe, ...args]; development: [electron, appPath, ...args]
  const args = argv.slice(opts.defaultApp ? 2 : 1)
  const appPath = opts.appPath ? path.resolve(opts.appPath) : null
  const out: string[] = []
  let afterDashes = false
  for (const raw of args) {
    if (typeof raw !== 'string' || !raw) continue
    if (!afterDashes && raw === '--') {
      afterDashes = true
      continue
    }
    if (!afterDashes && raw.startsWith('-')) continue
    let p = raw
    if (/^file:\/\//i.test(p)) {
      try {
        p = fileURLToPath(p)
      } catch {
        continue
      }
    } else if (/^[a-z][a-z0-9+.-]+:\/\//i.test(p)) continue
    const abs = path.resolve(cwd, p)
    if (abs === appPath || out.includes(abs)) continue
    if (fs.existsSync(abs)) out.push(abs)
  }
  return out
}

export type OpenPaths = EventPayload<'desktop.open-paths'>

/**
 * Where given paths go: one picture opens Search with it; folders, several pictures or manifests
 * open Bulk add with them as sources. Null when nothing given is a picture, a manifest or a folder.
 */
export function routePaths(paths: readonly string[]): Omit<OpenPaths, 'image' | 'problem'> | null {
  const kept: string[] = []
  let hasFolder = false
  let pictures = 0
  for (const p of paths) {
    let st: fs.Stats | undefined
    try {
      st = fs.statSync(p)
    } catch {
      continue
    }
    if (st.isDirectory()) {
      hasFolder = true
      kept.push(p)
    } else if (st.isFile() && (PICTURE.test(p) || MANIFEST.test(p))) {
      if (PICTURE.test(p)) pictures++
      kept.push(p)
    }
  }
  if (!kept.length) return null
  if (kept.length === 1 && pictures === 1) return { target: 'search', paths: kept, hasFolder }
  return { target: 'bulk', paths: kept, hasFolder }
}

/**
 * The message for the page: for Search, the picture's bytes come along (the sandboxed page cannot
 * read files), or the reason it could not be read.
 */
export async function openPathsMessage(paths: readonly string[]): Promise<OpenPaths | null> {
  const route = routePaths(paths)
  if (!route) return null
  if (route.target !== 'search') return route
  const file = route.paths[0]
  try {
    const st = await fs.promises.stat(file)
    if (st.size === 0) return { ...route, problem: 'empty' }
    if (st.size > MAX_SEARCH_BYTES) return { ...route, problem: 'tooLarge' }
    const bytes = await fs.promises.readFile(file)
    const ext = path.extname(file).slice(1).toLowerCase()
    return {
      ...route,
      image: {
        name: path.basename(file),
        type: MIME[ext] ?? '',
        base64: bytes.toString('base64'),
      },
    }
  } catch {
    return { ...route, problem: 'unreadable' }
  }
}
