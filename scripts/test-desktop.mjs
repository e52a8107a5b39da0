#!/usr/bin/env node
/**
 * `npm run test:desktop`: the desktop smoke test (test/desktop/, playwright-core's `_electron`)
 * against the built app in a real Electron. Where no Electron binary is installed
 * (ELECTRON_SKIP_BINARY_DOWNLOAD, offline machines, this project's CI) it says so and exits 0.
 *
 * The binary is looked up the way the `electron` package does (node_modules/electron/path.txt,
 * ELECTRON_OVERRIDE_DIST_PATH) without `require('electron')`, which would try to download it.
 */
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/** The installed Electron executable, or null. */
export function electronBinary(env = process.env, root = ROOT) {
  const dir = path.join(root, 'node_modules/electron')
  const pathTxt = path.join(dir, 'path.txt')
  const name = fs.existsSync(pathTxt) ? fs.readFileSync(pathTxt, 'utf8').trim() : null
  const bin = env.ELECTRON_OVERRIDE_DIST_PATH
    ? path.join(env.ELECTRON_OVERRIDE_DIST_PATH, name ?? 'electron')
    : name && path.join(dir, 'dist', name)
  return bin && fs.existsSync(bin) ? bin : null
}

/** Why the test cannot run here (null when it can). */
export function skipReason(env = process.env, platform = process.platform, root = ROOT) {
  if (!electronBinary(env, root))
    return (
      'skipped: no Electron binary (ELECTRON_SKIP_BINARY_DOWNLOAD / offline) — install it with ' +
      '`node node_modules/electron/install.js` (downloads Electron for this machine), then run ' +
      '`npm run test:desktop` again'
    )
  if (platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY)
    return (
      'skipped: no display (DISPLAY / WAYLAND_DISPLAY unset) — run it in a desktop session or ' +
      'under a virtual one: `xvfb-run -a npm run test:desktop` (apt-get install xvfb)'
    )
  return null
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const reason = skipReason()
  if (reason) {
    process.stdout.write(`test:desktop ${reason}\n`)
    process.exit(0)
  }
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
  const run = (cmd, args, env = process.env) =>
    spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', env, shell: process.platform === 'win32' })
      .status ?? 1
  if (run(npm, ['run', 'build']) !== 0) process.exit(1)
  const vitest = path.join(ROOT, 'node_modules/vitest/vitest.mjs')
  process.exit(
    run(process.execPath, [vitest, 'run', '--config', 'vitest.desktop.config.ts'], {
      ...process.env,
      LOUPE_ELECTRON_BINARY: electronBinary(),
    }),
  )
}
