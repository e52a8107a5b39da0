import path from 'node:path'
import { EngineError } from '../errors'
import { tryLock } from '../../util/lock'

const openDirs = new Set<string>()

/**
 * One engine per folder: the index lives in memory, so a second engine on the same files (in this
 * process or another) would drift from the first. The lock file (`engine.lock`, the core's one
 * process lock: util/lock.ts) says which process has it open; a stale one (dead pid) is taken over.
 */
export function lockDir(dir: string): () => void {
  const busy = (who: string) =>
    new EngineError('InstanceStatusError', `The local engine in ${dir} is already open ${who}.`, {
      httpStatus: 409,
      hint: 'Close the other Loupe window or server using this profile, or use another profile.',
    })
  if (openDirs.has(dir)) throw busy('in this process')
  const l = tryLock(path.join(dir, 'engine.lock'), 'engine')
  if (!l.ok) throw busy(l.owner.pid ? `by process ${l.owner.pid}` : 'by another process')
  openDirs.add(dir)
  return () => {
    openDirs.delete(dir)
    l.release()
  }
}
