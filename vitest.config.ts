import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'
import os from 'node:os'
import { rendererAliases } from './aliases.config'

export default defineConfig({
  test: {
    // Two test files at a time even on a 2-core machine (vitest's default there is one): most
    // tests wait on child processes, HTTP and paced calls rather than compute. The browser tests
    // (e2e) still run one file at a time, after the others.
    maxWorkers: Math.max(2, os.availableParallelism() - 1),
    projects: [
      {
        test: {
          name: 'unit',
          environment: 'node',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          pool: 'forks',
        },
      },
      {
        test: {
          name: 'contract',
          environment: 'node',
          include: ['test/contract/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          pool: 'forks',
        },
      },
      {
        plugins: [vue()],
        resolve: { alias: rendererAliases },
        test: {
          name: 'renderer',
          environment: 'happy-dom',
          include: ['test/renderer/**/*.test.ts'],
          testTimeout: 30_000,
          // Several files start a real `loupe serve` (and add pictures) before their tests: on a
          // busy machine that takes longer than the default 10 s.
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          // The standing adversarial suite (test/adversarial/README.md): seeded (LOUPE_ADV_SEED),
          // bounded, against real `loupe serve` processes; prints the tally at the end.
          name: 'adversarial',
          environment: 'node',
          include: ['test/adversarial/**/*.test.ts'],
          globalSetup: ['test/adversarial/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          pool: 'forks',
        },
      },
      {
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 240_000,
          hookTimeout: 240_000,
          fileParallelism: false,
          pool: 'forks',
        },
      },
    ],
  },
})
