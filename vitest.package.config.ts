import { defineConfig } from 'vitest/config'

/** The electron-builder package layout (slow): the last step of `npm test`, or `npm run test:package`. */
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
