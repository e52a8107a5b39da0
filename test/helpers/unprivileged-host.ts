/**
 * A headless host (`loupe serve`: UI, contract, watchers) in a child process that runs as an
 * unprivileged user, for browser tests of unreadable files (root reads whatever the mode). Sends
 * its URL with `ready`. Forked by `forkUnprivileged` (unprivileged.ts).
 *
 * Environment: LOUPE_TEST_DATA (data folder), LOUPE_TEST_RENDERER (the built renderer),
 * LOUPE_TEST_UID / LOUPE_TEST_GID (see unprivileged.ts).
 */

import fs from 'node:fs'
import { dropPrivileges, serveOps } from './unprivileged'

dropPrivileges()

const { startHeadless } = await import('../../electron/server/headless')

const host = await startHeadless({
  dataDir: process.env.LOUPE_TEST_DATA!,
  port: 0,
  rendererDir: process.env.LOUPE_TEST_RENDERER!,
  log: () => {},
})

serveOps(
  {
    /** Who this process is, and whether it can read a path (the test checks the drop worked). */
    whoami(file: string) {
      let readable = true
      try {
        fs.readFileSync(file)
      } catch {
        readable = false
      }
      return { uid: process.getuid?.() ?? null, readable }
    },
    /** The jobs the host ran: [title, total items, done]. */
    jobs() {
      return host.core.jobs
        .queue()
        .listJobs({ limit: 1000 })
        .map((j) => [j.title, j.counts.total, j.counts.done])
    },
    async close() {
      await host.close()
      setTimeout(() => process.exit(0), 50)
      return true
    },
  },
  { url: host.url },
)
