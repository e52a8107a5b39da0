import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import vue from '@vitejs/plugin-vue'
import { rendererAliases } from './aliases.config'

export default defineConfig({
  main: {
    plugins: [
      {
        // The featurizer reads its learned projection beside its module (a chunk in the bundle).
        name: 'loupe-featurizer-projection',
        generateBundle() {
          this.emitFile({
            type: 'asset',
            fileName: 'chunks/projection.bin',
            source: readFileSync(
              resolve(__dirname, 'electron/core/engines/local/featurizer/projection.bin'),
            ),
          })
        },
      },
    ],
    build: {
      externalizeDeps: true,
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'electron/main/index.ts'),
          // The core's own process (utilityProcess.fork of out/main/core-host.js).
          'core-host': resolve(__dirname, 'electron/core-host/entry.ts'),
          // Worker-thread entries, found next to the bundle by the pools (featurizer, imaging)
          // and by the gallery's dump imports.
          'featurizer-worker': resolve(
            __dirname,
            'electron/core/engines/local/featurizer/worker.ts',
          ),
          'imaging-worker': resolve(__dirname, 'electron/core/imaging/worker.ts'),
          'gallery-dump-worker': resolve(__dirname, 'electron/core/gallery/dump-worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      // A sandboxed preload cannot require packages: bundle everything (the contract, zod) into it.
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve(__dirname, 'electron/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'renderer'),
    plugins: [vue()],
    resolve: { alias: rendererAliases },
    build: {
      chunkSizeWarningLimit: 2000,
      rollupOptions: { input: resolve(__dirname, 'renderer/index.html') },
    },
  },
})
