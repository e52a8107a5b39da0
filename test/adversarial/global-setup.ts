/**
 * Global setup of the `adversarial` project: a folder where each test file leaves its tally, the
 * seed printed once, and — after every file ran — the run's total tally
 * (tried / rejected correctly / answered correctly / misbehaved, per family).
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { TestProject } from 'vitest/node'
import { freshDataDir, serveChild } from './host'
import { formatTally, seed, type FamilyTally } from './tally'

export default async function setup(project: TestProject) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-adv-tally-'))
  project.provide('advTallyDir', dir)
  project.provide('advSeed', seed())
  console.log(`adversarial suite: seed ${seed()} (set LOUPE_ADV_SEED=<n> to replay another run)`)
  // One `loupe serve` for the families that only need a server (a–d); f, g and e start their own.
  const data = freshDataDir()
  const shared = await serveChild(data.dir)
  project.provide('advShared', { port: shared.port, dataDir: data.dir, url: shared.url })
  return async () => {
    const up = await shared.alive()
    await shared.stop()
    data.cleanup()
    if (!up) {
      console.log('adversarial suite: the shared loupe serve was DOWN at the end of the run')
      process.exitCode = 1
    }
    const all: Record<string, FamilyTally> = {}
    for (const f of fs
      .readdirSync(dir)
      .filter((n) => n.endsWith('.json'))
      .sort()) {
      const part = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as Record<
        string,
        FamilyTally
      >
      for (const [family, t] of Object.entries(part)) {
        const acc = (all[family] ??= {
          tried: 0,
          rejected: 0,
          answered: 0,
          misbehaved: 0,
          pending: 0,
          failures: [],
        })
        acc.tried += t.tried
        acc.rejected += t.rejected
        acc.answered += t.answered
        acc.misbehaved += t.misbehaved
        acc.pending += t.pending ?? 0
        acc.failures.push(...t.failures)
        ;(acc.pendingLines ??= []).push(...(t.pendingLines ?? []))
      }
    }
    fs.rmSync(dir, { recursive: true, force: true })
    if (Object.keys(all).length) {
      console.log(
        formatTally(all, `\nadversarial suite — total tally (seed ${seed()})`, {
          pendingDetail: false,
        }),
      )
    }
  }
}
