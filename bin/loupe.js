#!/usr/bin/env node
// The `loupe` command. Runs the built CLI (out/cli/cli.js, made by `npm run build`) with plain
// Node: tsx is not needed at run time. In a checkout whose TypeScript sources are newer than that
// build (or with no build yet), it runs the sources through tsx (a devDependency) instead, so a
// stale build is never used. LOUPE_CLI=built or LOUPE_CLI=source forces one or the other.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

/** The command word of `argv` (global options and their values skipped), e.g. 'serve'. */
function commandOf(argv) {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--data' || a === '--profile') i++
    else if (!a.startsWith('-')) return a
  }
  return null
}

// `loupe serve` decodes pictures for hours: on Linux it restarts itself once, in place (same pid),
// with glibc's allocator settings that keep its memory from creeping under huge pictures (the
// values and the measurement: electron/core/util/malloc-env.ts, DECODE_MALLOC_ENV).
if (
  process.platform === 'linux' &&
  process.env.MALLOC_MMAP_THRESHOLD_ === undefined &&
  typeof process.execve === 'function' &&
  commandOf(process.argv.slice(2)) === 'serve'
) {
  process.execve(
    process.execPath,
    [process.execPath, ...process.execArgv, ...process.argv.slice(1)],
    {
      ...process.env,
      MALLOC_MMAP_THRESHOLD_: '131072',
    },
  )
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const built = path.join(root, 'out/cli/cli.js')
const source = path.join(root, 'electron/server/cli.ts')

function mtime(file) {
  try {
    return fs.statSync(file).mtimeMs
  } catch {
    return -1
  }
}

/** The newest modification time of the TypeScript sources the CLI is built from. */
function newestSource(dir) {
  let newest = -1
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p))
    else if (e.name.endsWith('.ts') || e.name.endsWith('.bin')) newest = Math.max(newest, mtime(p))
  }
  return newest
}

function tsxInstalled() {
  try {
    import.meta.resolve('tsx/esm/api')
    return true
  } catch {
    return false
  }
}

function choose() {
  const forced = process.env.LOUPE_CLI
  if (forced === 'built' || forced === 'source') return forced
  const builtAt = mtime(built)
  const hasSource = fs.existsSync(source)
  if (builtAt < 0) return hasSource && tsxInstalled() ? 'source' : 'missing'
  if (hasSource && tsxInstalled() && newestSource(path.join(root, 'electron')) > builtAt)
    return 'source'
  return 'built'
}

let main
switch (choose()) {
  case 'built':
    if (!fs.existsSync(built)) {
      process.stderr.write(`loupe: ${built} is missing: run \`npm run build\` first\n`)
      process.exit(1)
    }
    ;({ main } = await import(pathToFileURL(built).href))
    break
  case 'source': {
    const { register } = await import('tsx/esm/api')
    register()
    ;({ main } = await import(pathToFileURL(source).href))
    break
  }
  default:
    process.stderr.write(
      'loupe: the CLI is not built (out/cli/cli.js) and tsx is not installed to run its sources: ' +
        'run `npm run build` (in a checkout: `npm ci && npm run build`)\n',
    )
    process.exit(1)
}
process.exitCode = await main(process.argv.slice(2))
