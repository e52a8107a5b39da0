import fs from 'node:fs'
import path from 'node:path'
import { EngineError } from '../errors'
import { isAlive } from '../../util/process'

const openDirs = new Set<string>()

/**
 * One engine per folder: the index lives in memory, so a second engine on the same files (in this
 * process or another) would drift from the first. A lock file holds the owner's pid; a stale one
 * (dead pid) is taken over.
 */
export function lockDir(dir: string): () => void {
  const busy = (who: string) =>
    new EngineError('InstanceStatusError', `The local engine in ${dir} is already open ${who}.`, {
      httpStatus: 409,
      hint: 'Close the other Loupe window or server using this profile, or use another profile.',
    })
  if (openDirs.has(dir)) throw busy('in this process')
  const lock = path.join(dir, 'engine.lock')
  for (let attempt = 0; ; attempt++) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' })
      break
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0)
        throw busy('by another process')
      const pid = Number(fs.readFileSync(lock, 'utf8').trim())
      if (pid && pid !== process.pid && isAlive(pid)) throw busy(`by process ${pid}`)
      fs.rmSync(lock, { force: true })
    }
  }
  openDirs.add(dir)
  return () => {
    openDirs.delete(dir)
    fs.rmSync(lock, { force: true })
  }
}
