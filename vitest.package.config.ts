import { defineConfig } from 'vitest/config'

/** `npm run test:package`: the electron-builder package layout (slow, not part of `npm test`). */
export default defineConfig({
  test: {
    name: 'package',
    environment: 'node',
    include: ['test/package/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 600_000,
    pool: 'forks',
  },
})
