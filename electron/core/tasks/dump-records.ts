import fs from 'node:fs'
import path from 'node:path'
import type { ApiError } from '../../api/errors'
import type { ProfileStore, StoredProfile } from '../profiles/store'
import { writeFileAtomic } from '../util/fsx'

/**
 * What Loupe remembers of a profile's metadata exports, in `<profile>/dumps/tasks.json`: the
 * engine's last known state of each task, the downloaded file, and the last import. The engine is
 * the authority on task state; this lets the Tasks view show them offline and after the engine
 * forgot them (it keeps its newest 30).
 */
export interface DumpRecord {
  id: number
  status: string
  code: string | null
  message: string | null
  metaUrl: string | null
  utcCreate: number
  utcModified: number
  /** Created by Loupe: watched to completion and downloaded automatically. */
  ours: boolean
  file: { path: string; bytes: number; downloadedAt: number } | null
  downloadError: ApiError | null
  imported: {
    at: number
    added: number
    changed: number
    gone: number
    unchanged: number
    pending: number
  } | null
}

interface RecordsFile {
  version: 1
  /** The engine the ids belong to (a cloud profile may be pointed at another instance). */
  instance: string
  tasks: DumpRecord[]
}

/** Records older than this many tasks are forgotten (their downloaded files stay). */
const KEEP = 200

export function instanceKey(p: StoredProfile): string {
  if (p.kind === 'local' || !p.cloud) return 'local'
  return `${p.cloud.instanceName}@${p.cloud.endpoint ?? p.cloud.region ?? ''}`
}

export function dumpsDir(profiles: ProfileStore, profile: string): string {
  return path.join(profiles.dirOf(profile), 'dumps')
}

export class DumpRecords {
  private cache = new Map<string, RecordsFile>()

  constructor(private readonly profiles: ProfileStore) {}

  private file(profile: string) {
    return path.join(dumpsDir(this.profiles, profile), 'tasks.json')
  }

  private load(profile: string): RecordsFile {
    const instance = instanceKey(this.profiles.get(profile))
    let f = this.cache.get(profile)
    if (!f) {
      try {
        const raw = JSON.parse(fs.readFileSync(this.file(profile), 'utf8')) as RecordsFile
        if (raw && raw.version === 1 && Array.isArray(raw.tasks)) f = raw
      } catch {
        /* absent or unreadable: start afresh */
      }
      f ??= { version: 1, instance, tasks: [] }
      this.cache.set(profile, f)
    }
    if (f.instance !== instance) {
      f = { version: 1, instance, tasks: [] }
      this.cache.set(profile, f)
    }
    return f
  }

  all(profile: string): DumpRecord[] {
    return [...this.load(profile).tasks].sort((a, b) => b.id - a.id)
  }

  get(profile: string, id: number): DumpRecord | null {
    return this.load(profile).tasks.find((t) => t.id === id) ?? null
  }

  /** Inserts or changes a record and saves the file. */
  put(profile: string, id: number, patch: Partial<DumpRecord>): DumpRecord {
    const f = this.load(profile)
    let r = f.tasks.find((t) => t.id === id)
    if (!r) {
      r = {
        id,
        status: 'PROCESSING',
        code: null,
        message: null,
        metaUrl: null,
        utcCreate: Date.now(),
        utcModified: Date.now(),
        ours: false,
        file: null,
        downloadError: null,
        imported: null,
      }
      f.tasks.push(r)
      if (f.tasks.length > KEEP) {
        f.tasks.sort((a, b) => b.id - a.id)
        f.tasks.length = KEEP
      }
    }
    Object.assign(r, patch, { id })
    writeFileAtomic(this.file(profile), JSON.stringify(f, null, 1))
    return r
  }

  /** Forget cached state (another process may have written the file). */
  reload(profile?: string) {
    if (profile) this.cache.delete(profile)
    else this.cache.clear()
  }
}
