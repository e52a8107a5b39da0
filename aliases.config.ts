import { resolve } from 'node:path'

/**
 * The renderer's import aliases, for Vite (electron.vite.config.ts) and Vitest (vitest.config.ts);
 * TypeScript reads the same ones from `paths` in tsconfig.web.json and tsconfig.renderer-tests.json.
 *
 * - `@api/…`      electron/api (the contract, its client and types)
 * - `@domain/…`   electron/domain (attribute keys, the region format, the filter language…)
 * - `@renderer/…` renderer/src
 */
export const rendererAliases = {
  '@api': resolve(__dirname, 'electron/api'),
  '@domain': resolve(__dirname, 'electron/domain'),
  '@renderer': resolve(__dirname, 'renderer/src'),
}
