/**
 * Files and folders dropped or chosen for a bulk add. A drop gives DataTransfer items whose
 * entries (`webkitGetAsEntry`) must be taken during the event and walked afterwards; a folder
 * input (`webkitdirectory`) gives files with `webkitRelativePath`. Either way each picture gets
 * its path relative to what was dropped, e.g. `shoes/red/1.jpg` for a dropped folder `shoes`.
 *
 * Browser host: the files are uploaded with `bulk.stage` (base64, in batches) and planned from the
 * staging folder. Desktop host: the preload's `pathForFile` gives real paths; nothing is uploaded.
 */

/** Extensions the core reads: pictures and manifests. */
const PICTURE = /\.(jpe?g|png|bmp|gif|webp|tiff?|ppm|pgm|pbm)$/i
const MANIFEST = /(\.(csv|jsonl|ndjson)|^increment\.meta)$/i

export interface PickedFile {
  file: File
  /** Path relative to what was dropped, forward slashes; its first segment is the dropped folder. */
  relPath: string
}

export interface Picked {
  files: PickedFile[]
  /** Real paths of the dropped files and folders (desktop only; empty in a browser). */
  paths: string[]
  /** True when a folder was dropped or chosen. */
  hasFolder: boolean
}

/** The real path of a File (desktop), or null in a browser. */
export function realPath(file: File): string | null {
  try {
    const p = window.loupe?.pathForFile(file)
    return p ? p : null
  } catch {
    return null
  }
}

export function wanted(name: string): boolean {
  return !name.startsWith('.') && (PICTURE.test(name) || MANIFEST.test(name))
}

/** Entries of a drop, taken synchronously during the event (they are gone after it). */
export function takeDrop(dt: DataTransfer | null): {
  entries: FileSystemEntry[]
  files: File[]
} {
  const entries: FileSystemEntry[] = []
  const files: File[] = []
  if (!dt) return { entries, files }
  for (const item of Array.from(dt.items ?? [])) {
    if (item.kind !== 'file') continue
    const entry = item.webkitGetAsEntry?.()
    const file = item.getAsFile()
    if (entry) entries.push(entry)
    if (file) files.push(file)
  }
  if (!entries.length) files.push(...Array.from(dt.files ?? []).filter((f) => !files.includes(f)))
  return { entries, files }
}

function readAll(dir: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = dir.createReader()
  const out: FileSystemEntry[] = []
  return new Promise((resolve, reject) => {
    const next = () =>
      reader.readEntries((batch) => {
        if (!batch.length) return resolve(out)
        out.push(...batch)
        next()
      }, reject)
    next()
  })
}

function fileOf(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject))
}

/** Walks dropped entries (folders recursively, hidden files left out), in name order. */
export async function walkEntries(entries: FileSystemEntry[]): Promise<PickedFile[]> {
  const out: PickedFile[] = []
  const visit = async (e: FileSystemEntry, rel: string): Promise<void> => {
    if (e.name.startsWith('.')) return
    if (e.isDirectory) {
      const children = await readAll(e as FileSystemDirectoryEntry)
      children.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      for (const c of children) await visit(c, `${rel}/${c.name}`)
    } else if (e.isFile && wanted(e.name)) {
      out.push({ file: await fileOf(e as FileSystemFileEntry), relPath: rel })
    }
  }
  const sorted = [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  for (const e of sorted) await visit(e, e.name)
  return out
}

/** A drop, fully read. */
export async function readDrop(drop: {
  entries: FileSystemEntry[]
  files: File[]
}): Promise<Picked> {
  const files = drop.entries.length
    ? await walkEntries(drop.entries)
    : drop.files.filter((f) => wanted(f.name)).map((f) => ({ file: f, relPath: f.name }))
  const paths = drop.files.map(realPath).filter((p): p is string => !!p)
  return { files, paths, hasFolder: drop.entries.some((e) => e.isDirectory) }
}

/** Files from an `<input type=file>` (with or without `webkitdirectory`). */
export function readInput(list: FileList | File[] | null): Picked {
  const all = Array.from(list ?? [])
  const files = all
    .map((f) => ({ file: f, relPath: f.webkitRelativePath || f.name }))
    .filter((f) => wanted(f.file.name) && !f.relPath.split('/').some((s) => s.startsWith('.')))
    .sort((a, b) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0))
  // desktop: the dropped roots are the chosen folders (or the files themselves)
  const roots = new Set<string>()
  for (const f of files) {
    const p = realPath(f.file)
    if (!p) continue
    const rel = f.relPath
    if (rel.includes('/')) {
      const top = rel.split('/')[0]
      const base = p.slice(0, p.length - rel.length)
      roots.add(base + top)
    } else roots.add(p)
  }
  return { files, paths: [...roots], hasFolder: files.some((f) => f.relPath.includes('/')) }
}

/** Samples for the naming preview: path relative to its source, and the source's folder name. */
export function samples(
  picked: Picked,
  n: number,
  looseRoot: string,
): { relPath: string; rootName: string }[] {
  return picked.files
    .filter((f) => !MANIFEST.test(f.file.name))
    .slice(0, n)
    .map((f) => {
      const i = f.relPath.indexOf('/')
      return i < 0
        ? { relPath: f.relPath, rootName: looseRoot }
        : { relPath: f.relPath.slice(i + 1), rootName: f.relPath.slice(0, i) }
    })
}

async function base64(file: File): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer())
  let bin = ''
  const CHUNK = 0x8000
  for (let i = 0; i < bytes.length; i += CHUNK) {
    bin += String.fromCharCode(...bytes.subarray(i, i + CHUNK))
  }
  return btoa(bin)
}

/** Batches of files of at most `maxBytes` (one oversized file goes alone). */
export function batches(files: PickedFile[], maxBytes: number, maxFiles = 200): PickedFile[][] {
  const out: PickedFile[][] = []
  let cur: PickedFile[] = []
  let size = 0
  for (const f of files) {
    if (cur.length && (size + f.file.size > maxBytes || cur.length >= maxFiles)) {
      out.push(cur)
      cur = []
      size = 0
    }
    cur.push(f)
    size += f.file.size
  }
  if (cur.length) out.push(cur)
  return out
}

export interface StageApi {
  stage(input: {
    stageId?: string
    files: { relPath: string; base64: string }[]
  }): Promise<{ stageId: string; sources: string[] }>
}

/** Upload files in batches of about 6 MB; reports the files and bytes sent so far. */
export async function upload(
  api: StageApi,
  files: PickedFile[],
  progress: (done: number, bytes: number) => void,
  signal?: { cancelled: boolean },
): Promise<{ stageId: string; sources: string[] }> {
  let stageId: string | undefined
  let sources: string[] = []
  let done = 0
  let bytes = 0
  for (const batch of batches(files, 6 * 1024 * 1024)) {
    if (signal?.cancelled) throw new Error('cancelled')
    const payload = await Promise.all(
      batch.map(async (f) => ({ relPath: f.relPath, base64: await base64(f.file) })),
    )
    const r = await api.stage({ ...(stageId ? { stageId } : {}), files: payload })
    stageId = r.stageId
    sources = r.sources
    done += batch.length
    bytes += batch.reduce((n, f) => n + f.file.size, 0)
    progress(done, bytes)
  }
  if (!stageId) throw new Error('nothing to upload')
  return { stageId, sources }
}
