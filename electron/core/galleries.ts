import fs from 'node:fs'
import path from 'node:path'
import { openGallery, type Gallery } from './gallery/index'
import { thumbnailExtension } from './imaging/sniff'
import type { ProfileStore } from './profiles/store'
import type { GalleryCacheSink } from './gallery/write-through'
import type { Logger } from './log'
import type { StatusReporter } from './core-status'
import { ensurePrivateDir, writePrivateFile } from './util/private-fs'

/** Single writes (an add from the Add view, a watched file) are announced at most this often. */
export const CHANGE_COALESCE_MS = 400

/**
 * One gallery cache per profile (`profiles/<name>/gallery.db` + `thumbs/`), opened lazily, and the
 * sink the engine registry's write-through wrapper records every add / update / delete into
 * (`gallery/write-through.ts`).
 */
export function createGalleries(opts: {
  profiles: ProfileStore
  logger: Logger
  /**
   * Told (coalesced: at most every CHANGE_COALESCE_MS per profile) that single writes changed a
   * profile's cache, so open views can refresh; bulk operations announce their own end.
   */
  onChanged?: (profile: string, reason: string) => void
  /** Progress of a cache's background work (index fill after a migration, dump imports). */
  status?: StatusReporter
}) {
  const open = new Map<string, Gallery>()
  const pendingChange = new Map<string, { reason: string; timer: NodeJS.Timeout }>()

  function changed(profile: string, reason: string) {
    if (!opts.onChanged) return
    const p = pendingChange.get(profile)
    if (p) {
      if (p.reason !== reason) p.reason = 'write'
      return
    }
    const timer = setTimeout(() => {
      const entry = pendingChange.get(profile)
      pendingChange.delete(profile)
      if (entry) opts.onChanged?.(profile, entry.reason)
    }, CHANGE_COALESCE_MS)
    timer.unref?.()
    pendingChange.set(profile, { reason, timer })
  }

  function get(profile: string): Gallery {
    let g = open.get(profile)
    if (!g) {
      opts.profiles.get(profile)
      const dir = opts.profiles.dirOf(profile)
      ensurePrivateDir(dir)
      g = openGallery(path.join(dir, 'gallery.db'), {
        thumbsDir: path.join(dir, 'thumbs'),
        status: opts.status ? (task) => opts.status!(profile, task) : undefined,
        log: (msg, err) => opts.logger.log('warn', err ? `${msg}: ${String(err)}` : msg),
      })
      open.set(profile, g)
    }
    return g
  }

  /**
   * Writes a thumbnail under thumbs/ (content-addressed by the original's SHA-256); its path
   * relative to thumbs/, or null when there is none or it cannot be written.
   */
  function saveThumb(profile: string, sha256: string, data: Buffer): string | null {
    if (!sha256 || !data.length) return null
    const rel = `${sha256.slice(0, 2)}/${sha256}${thumbnailExtension(data)}`
    const file = path.join(opts.profiles.dirOf(profile), 'thumbs', rel)
    try {
      if (!fs.existsSync(file)) writePrivateFile(file, data)
      return rel
    } catch (e) {
      opts.logger.log('warn', `${profile}: saving a thumbnail failed: ${String(e)}`)
      return null
    }
  }

  /** What the engine registry's write-through wrapper records a profile's engine writes into. */
  function sink(profile: string): GalleryCacheSink {
    return {
      gallery: () => get(profile),
      saveThumb: (sha256, data) => saveThumb(profile, sha256, data),
      changed: (reason) => changed(profile, reason),
      log: (msg, err) =>
        opts.logger.log('warn', `${profile}: ${err ? `${msg}: ${String(err)}` : msg}`),
    }
  }

  return {
    get,
    sink,
    saveThumb,
    /** Absolute path of a cached image's thumbnail, or null. */
    thumbnailFile(profile: string, productId: string, picName: string): string | null {
      try {
        const g = get(profile)
        const img = g.get(productId, picName)
        return img?.thumbnail ? g.thumbnailPath(img.thumbnail) : null
      } catch {
        return null
      }
    },
    close(profile?: string) {
      for (const [name, p] of pendingChange) {
        if (profile && name !== profile) continue
        clearTimeout(p.timer)
        pendingChange.delete(name)
      }
      for (const [name, g] of open) {
        if (profile && name !== profile) continue
        g.close()
        open.delete(name)
      }
    },
  }
}

export type Galleries = ReturnType<typeof createGalleries>
