import { defineConfig } from 'vitest/config'

/** `npm run test:desktop` (scripts/test-desktop.mjs): the app in a real Electron, where installed. */
export default defineConfig({
  test: {
    name: 'desktop',
    environment: 'node',
    include: ['test/desktop/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    fileParallelism: false,
    pool: 'forks',
  },
})
