import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createFeaturizer } from '../../electron/core/engines/local/featurizer/index'
import { createEngineRegistry } from '../../electron/core/engines/registry'
import { createGalleries } from '../../electron/core/galleries'
import { createImageService } from '../../electron/core/images/service'
import { createImaging } from '../../electron/core/imaging/index'
import { createLogger } from '../../electron/core/log'
import { createMemorySecretStore } from '../../electron/core/profiles/secrets'
import { ProfileStore } from '../../electron/core/profiles/store'

/**
 * The core's real parts as the app wires them, in a temp data folder: imaging and featurizer
 * worker pools (2 threads each), the engine registry with the gallery cache, the image service,
 * and the default profile's local engine. `close()` stops everything and removes the folder.
 */
export async function coreStack(name: string) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `loupe-bench-${name}-`))
  const featurizer = createFeaturizer({ workers: 2 })
  const imaging = createImaging({ workers: 2 })
  const profiles = new ProfileStore(root)
  profiles.init()
  const logger = createLogger(root, { file: false })
  const galleries = createGalleries({ profiles, logger })
  const engines = createEngineRegistry({
    profiles,
    secrets: createMemorySecretStore(),
    logger,
    featurizer: () => featurizer,
    cache: galleries.sink,
  })
  const service = createImageService({ profiles, engines, logger, imaging: () => imaging })
  const engine = await engines.get('local')
  return {
    root,
    featurizer,
    imaging,
    service,
    engine,
    async close() {
      await engines.closeAll()
      galleries.close()
      await featurizer.close()
      await imaging.close()
      fs.rmSync(root, { recursive: true, force: true })
    },
  }
}
