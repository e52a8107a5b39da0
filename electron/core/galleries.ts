import fs from 'node:fs'
import path from 'node:path'
import { openGallery, type Gallery } from './gallery/index'
import { thumbnailExtension } from './imaging/sniff'
import type { ProfileStore } from './profiles/store'
import type { ImageWriteListener } from './images/service'
import type { Logger } from './log'
import type { StatusReporter } from './core-status'

/**
 * One gallery cache per profile (`profiles/<name>/gallery.db` + `thumbs/`), opened lazily, and the
 * listener that records every add / update / delete Loupe makes on any engine.
 */
/** Single writes (an add from the Add view, a watched file) are announced at most this often. */
export const CHANGE_COALESCE_MS = 400

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
      fs.mkdirSync(dir, { recursive: true })
      g = openGallery(path.join(dir, 'gallery.db'), {
        thumbsDir: path.join(dir, 'thumbs'),
        status: opts.status ? (task) => opts.status!(profile, task) : undefined,
        log: (msg, err) => opts.logger.log('warn', err ? `${msg}: ${String(err)}` : msg),
      })
      open.set(profile, g)
    }
    return g
  }

  /** Writes a thumbnail under thumbs/ (content-addressed by the original's SHA-256). */
  function saveThumb(profile: string, sha256: string, webp: Buffer): string | null {
    if (!sha256 || !webp.length) return null
    const rel = `${sha256.slice(0, 2)}/${sha256}${thumbnailExtension(webp)}`
    const file = path.join(opts.profiles.dirOf(profile), 'thumbs', rel)
    if (!fs.existsSync(file)) {
      fs.mkdirSync(path.dirname(file), { recursive: true })
      fs.writeFileSync(file, webp)
    }
    return rel
  }

  const listener: ImageWriteListener = {
    added(profile, rec) {
      const thumbnail = saveThumb(profile, rec.prepared.sha256, rec.prepared.thumbnail)
      const a = rec.attributes
      get(profile).recordAdded({
        productId: rec.productId,
        picName: rec.picName,
        categoryId: rec.categoryId,
        customContent: a.customContent ?? null,
        intAttr: a.intAttr ?? null,
        intAttr2: a.intAttr2 ?? null,
        intAttr3: a.intAttr3 ?? null,
        intAttr4: a.intAttr4 ?? null,
        strAttr: a.strAttr ?? null,
        strAttr2: a.strAttr2 ?? null,
        strAttr3: a.strAttr3 ?? null,
        strAttr4: a.strAttr4 ?? null,
        region: rec.region,
        sourcePath: rec.sourcePath,
        sha256: rec.prepared.sha256 || null,
        phash: rec.prepared.phash || null,
        thumbnail,
      })
      changed(profile, 'add')
    },
    updated(profile, rec) {
      const g = get(profile)
      if (!g.get(rec.productId, rec.picName)) return
      const { profile: _p, productId, picName, ...fields } = rec
      g.recordUpdated({ productId, picName }, fields)
      changed(profile, 'update')
    },
    removed(profile, req) {
      const g = get(profile)
      if (req.productId && req.picName)
        g.recordDeleted({ productId: req.productId, picName: req.picName })
      else if (req.productId) g.recordDeletedByProduct(req.productId)
      else if (req.filter && req.picNames.length) {
        // Delete by filter: the engine names the deleted pictures; the same filter over the cache
        // finds their products.
        const names = new Set(req.picNames)
        const keys = []
        for (let offset = 0; ; offset += 1000) {
          const page = g.query({ filter: req.filter, limit: 1000, offset })
          keys.push(...page.items.filter((i) => names.has(i.picName)))
          if (offset + 1000 >= page.total) break
        }
        g.recordDeleted(keys.map((k) => ({ productId: k.productId, picName: k.picName })))
      }
      changed(profile, 'delete')
    },
  }

  return {
    get,
    listener,
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
