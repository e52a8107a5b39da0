import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterEach } from 'vitest'
import { openGallery, type Gallery, type OpenOptions } from '../../../../electron/core/gallery'

const dirs: string[] = []
const open: Gallery[] = []

afterEach(() => {
  for (const g of open.splice(0)) g.close()
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true })
})

export function tempDir(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-'))
  dirs.push(d)
  return d
}

/** A controllable clock: each call returns the next millisecond unless set. */
export function clock(start = 1_700_000_000_000): { now: () => number; set: (t: number) => void } {
  let t = start
  return { now: () => t++, set: (v) => (t = v) }
}

/** Opens a gallery in a fresh temp dir (closed after the test). */
export function newGallery(opts: OpenOptions = {}): { g: Gallery; dir: string; file: string } {
  const dir = tempDir()
  const file = path.join(dir, 'gallery.db')
  const g = openGallery(file, opts)
  open.push(g)
  return { g, dir, file }
}

export function track(g: Gallery): Gallery {
  open.push(g)
  return g
}

export function writeLines(file: string, lines: (string | object)[]): string {
  fs.writeFileSync(
    file,
    lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n',
  )
  return file
}
