/**
 * Builds the `loupe` CLI and headless host (electron/server/cli.ts) to plain JavaScript in out/cli/,
 * so `bin/loupe.js` runs it with Node alone (no tsx at run time). Part of `npm run build`.
 *
 *   out/cli/cli.js                 the CLI (exports `main`), packages left as imports
 *   out/cli/featurizer-worker.js   worker entries, found beside the module by the pools
 *   out/cli/imaging-worker.js      (findWorkerEntry: './featurizer-worker.js', './imaging-worker.js',
 *   out/cli/gallery-dump-worker.js  './gallery-dump-worker.js')
 *   out/cli/projection.bin         read beside the featurizer module (new URL('./projection.bin'))
 *
 * The headless host finds the renderer at out/cli/../../out/renderer (electron-vite's build).
 */
import { copyFileSync, mkdirSync, rmSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const CLI_OUT = path.join(ROOT, 'out/cli')

export const CLI_ENTRIES: Record<string, string> = {
  cli: 'electron/server/cli.ts',
  'featurizer-worker': 'electron/core/engines/local/featurizer/worker.ts',
  'imaging-worker': 'electron/core/imaging/worker.ts',
  'gallery-dump-worker': 'electron/core/gallery/dump-worker.ts',
}

export async function buildCli(outDir = CLI_OUT): Promise<void> {
  rmSync(outDir, { recursive: true, force: true })
  mkdirSync(outDir, { recursive: true })
  await build({
    absWorkingDir: ROOT,
    entryPoints: Object.fromEntries(
      Object.entries(CLI_ENTRIES).map(([name, file]) => [name, path.join(ROOT, file)]),
    ),
    outdir: outDir,
    bundle: true,
    // One self-contained file per entry: each module's import.meta.url is its entry's folder.
    splitting: false,
    platform: 'node',
    format: 'esm',
    target: 'node22.12',
    packages: 'external',
    sourcemap: 'linked',
    logLevel: 'warning',
  })
  copyFileSync(
    path.join(ROOT, 'electron/core/engines/local/featurizer/projection.bin'),
    path.join(outDir, 'projection.bin'),
  )
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const t0 = Date.now()
  await buildCli()
  process.stdout.write(`cli: built ${path.relative(ROOT, CLI_OUT)}/ in ${Date.now() - t0} ms\n`)
}
