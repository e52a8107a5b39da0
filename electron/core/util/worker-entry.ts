import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'

/**
 * The first existing worker entry among `names` (resolved against `base`, the calling module's
 * `import.meta.url`): built `.js` entries next to the module or the desktop bundle; otherwise the
 * `.ts` source (tsx, vitest).
 */
export function findWorkerEntry(base: string, names: string[], source = './worker.ts'): URL {
  for (const name of names) {
    const js = new URL(name, base)
    if (existsSync(fileURLToPath(js))) return js
  }
  return new URL(source, base)
}

/** Start a worker thread; a `.ts` entry is loaded through tsx's ESM API. */
export function spawnWorker(url: URL, workerData?: unknown): Worker {
  if (!url.pathname.endsWith('.ts')) return new Worker(url, { workerData })
  const href = JSON.stringify(url.href)
  return new Worker(
    `import(${JSON.stringify(tsxApi())}).then((m) => m.tsImport(${href}, ${href}))`,
    {
      eval: true,
      workerData,
    },
  )
}

/** URL of tsx's ESM API (`tsx/esm/api`, import condition). */
function tsxApi(): string {
  const require = createRequire(import.meta.url)
  const pkgPath = require.resolve('tsx/package.json')
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as {
    exports: Record<string, { import: { default: string } }>
  }
  return pathToFileURL(path.join(path.dirname(pkgPath), pkg.exports['./esm/api'].import.default))
    .href
}
