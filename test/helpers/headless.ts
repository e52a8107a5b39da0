import fs from 'node:fs'
import path from 'node:path'
import { startHeadless } from '../../electron/server/headless'

export const RENDERER_DIR = path.resolve(__dirname, '../../out/renderer')

export function rendererBuilt(): boolean {
  return fs.existsSync(path.join(RENDERER_DIR, 'index.html'))
}

/** Starts the headless host on a free port with the given data dir. */
export async function startHost(dataDir: string, logLines: string[] = []) {
  if (!rendererBuilt()) {
    throw new Error(`The renderer is not built (${RENDERER_DIR}); run \`npm run build\` first`)
  }
  return startHeadless({
    dataDir,
    port: 0,
    rendererDir: RENDERER_DIR,
    log: (l) => logLines.push(l),
  })
}
