/**
 * A Loupe core (real SQLite, local engine, job queue, folder watchers) in a child process that
 * runs as an unprivileged user — root reads files whatever their mode, so a test of unreadable
 * files forks this when it runs as root. Driven over IPC by `unprivileged.ts` (startChildCore).
 *
 * Environment: LOUPE_TEST_DATA (data folder), LOUPE_TEST_UID / LOUPE_TEST_GID (drop to them
 * before anything else is loaded; unset: stay as is), LOUPE_TEST_WATCH_TIMINGS (JSON).
 */

import fs from 'node:fs'
import { dropPrivileges, serveOps } from './unprivileged'

dropPrivileges()

const { createCore } = await import('../../electron/core/app')
const { createMemorySecretStore } = await import('../../electron/core/profiles/secrets')

const core = createCore({
  dataDir: process.env.LOUPE_TEST_DATA!,
  secrets: createMemorySecretStore(),
  host: 'headless',
  featurizerWorkers: 1,
  imagingWorkers: 1,
  watchTimings: JSON.parse(process.env.LOUPE_TEST_WATCH_TIMINGS ?? '{}'),
})

const ops: Record<string, (...args: never[]) => unknown> = {
  /** Who this process is, and whether it can read a path (the test checks the drop worked). */
  whoami(file: string) {
    let readable = true
    try {
      fs.readFileSync(file)
    } catch {
      readable = false
    }
    return { uid: process.getuid?.() ?? null, gid: process.getgid?.() ?? null, readable }
  },
  async start() {
    return core.watch.start()
  },
  /** A contract call through the dispatcher: `{ result }` or `{ error }`. */
  async call(name: string, input: unknown) {
    return core.dispatch(name as never, input)
  },
  async whenIdle(ruleId: number) {
    await core.watch.whenIdle(ruleId)
    return true
  },
  gallery(productId: string, picName: string) {
    return core.galleries.get('local').get(productId, picName)
  },
  /** Every job item sent for pictures of `folder`: [relPath, op, state]. */
  sent(folder: string) {
    const q = core.jobs.queue()
    const out: [string, string, string][] = []
    for (const j of q.listJobs({ limit: 10_000 })) {
      if ((j.params as { sources?: string[] }).sources?.[0] !== folder) continue
      for (const it of q.listItems(j.id)) {
        const p = it.payload as { relPath?: string; op?: string }
        out.push([p.relPath ?? '?', p.op ?? '?', it.state])
      }
    }
    return out
  },
  async close() {
    await core.close()
    setTimeout(() => process.exit(0), 50)
    return true
  },
}

serveOps(ops)
