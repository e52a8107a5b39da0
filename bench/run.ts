/**
 * Runs every benchmark of bench/ in sequence (`npm run bench`), each in its own process so one
 * does not warm or load the next: `npx tsx bench/run.ts [--only NAME[,NAME…]] [--list]
 * [-- args for each bench]`. NAME is a file name without `.ts` (e.g. `bulk-add`). Prints each
 * bench's output as it comes, then a summary with durations; exits 1 if any bench failed. A bench
 * that cannot run here (datasets or a model missing: exit `SKIPPED_EXIT`) is listed as skipped
 * with the first line of its reason, not as failed.
 */
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { SKIPPED_EXIT } from './lib/datasets'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '..')

function benches(): string[] {
  return fs
    .readdirSync(here)
    .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.endsWith('.d.ts'))
    .map((f) => f.slice(0, -3))
    .sort()
}

function parse(argv: string[]): { only: string[] | null; list: boolean; rest: string[] } {
  const dd = argv.indexOf('--')
  const own = dd >= 0 ? argv.slice(0, dd) : argv
  const rest = dd >= 0 ? argv.slice(dd + 1) : []
  let only: string[] | null = null
  let list = false
  for (let i = 0; i < own.length; i++) {
    const a = own[i]
    if (a === '--list') list = true
    else if (a === '--only' && own[i + 1]) only = own[++i].split(',').map((s) => s.trim())
    else if (a.startsWith('--only=')) only = a.slice(7).split(',')
    else {
      process.stderr.write(
        `Unknown argument ${a}\nUsage: tsx bench/run.ts [--only NAME[,NAME…]] [--list] [-- bench args]\n`,
      )
      process.exit(2)
    }
  }
  return { only: only?.map((n) => n.replace(/\.ts$/, '')) ?? null, list, rest }
}

/** Runs one bench; its stderr is passed through and its first line kept (a skip's reason). */
function run(name: string, args: string[]): Promise<{ code: number; firstError: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(here, `${name}.ts`), ...args],
      { cwd: root, stdio: ['inherit', 'inherit', 'pipe'] },
    )
    let err = ''
    child.stderr!.on('data', (d: Buffer) => {
      process.stderr.write(d)
      if (err.length < 4096) err += d.toString()
    })
    child.on('close', (code, signal) =>
      resolve({ code: code ?? (signal ? 128 : 1), firstError: err.split('\n')[0].trim() }),
    )
  })
}

const { only, list, rest } = parse(process.argv.slice(2))
const all = benches()
if (list) {
  process.stdout.write(all.join('\n') + '\n')
  process.exit(0)
}
const unknown = (only ?? []).filter((n) => !all.includes(n))
if (unknown.length) {
  process.stderr.write(`No bench named ${unknown.join(', ')} (there are: ${all.join(', ')})\n`)
  process.exit(2)
}
const chosen = only ? all.filter((n) => only.includes(n)) : all
const results: { name: string; code: number; firstError: string; seconds: number }[] = []
for (const name of chosen) {
  process.stdout.write(`\n=== bench/${name}.ts ${'='.repeat(Math.max(3, 60 - name.length))}\n`)
  const t0 = performance.now()
  const { code, firstError } = await run(name, rest)
  results.push({ name, code, firstError, seconds: (performance.now() - t0) / 1000 })
}
process.stdout.write('\n=== summary\n')
const outcome = (r: (typeof results)[number]): string =>
  r.code === 0
    ? `ok      ${r.seconds.toFixed(1)} s`
    : r.code === SKIPPED_EXIT
      ? `skipped — ${r.firstError || 'needs something this machine does not have'}`
      : `FAILED (exit ${r.code}) ${r.seconds.toFixed(1)} s`
for (const r of results) process.stdout.write(`  ${r.name.padEnd(16)} ${outcome(r)}\n`)
const skipped = results.filter((r) => r.code === SKIPPED_EXIT).length
if (skipped)
  process.stdout.write(`  (${skipped} skipped: not a failure of Loupe, see each reason)\n`)
process.exit(results.every((r) => r.code === 0 || r.code === SKIPPED_EXIT) ? 0 : 1)
