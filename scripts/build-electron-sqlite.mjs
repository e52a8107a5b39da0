// Builds better-sqlite3 for Electron's ABI into resources/native/electron/, leaving the Node build
// in node_modules untouched (the tests and the CLI keep using it). The desktop app loads this binary
// through better-sqlite3's `nativeBinding` option.
import { execSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const electronVersion = require('electron/package.json').version
const src = path.dirname(require.resolve('better-sqlite3/package.json'))
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'loupe-sqlite-'))
fs.cpSync(src, work, { recursive: true, filter: (p) => !p.includes(`${path.sep}build${path.sep}`) })
console.log(`Building better-sqlite3 for Electron ${electronVersion} in ${work}`)
execSync(
  `npx node-gyp rebuild --release --target=${electronVersion} --dist-url=https://electronjs.org/headers --arch=${process.arch}`,
  { cwd: work, stdio: 'inherit' },
)
const out = path.resolve('resources/native/electron')
fs.mkdirSync(out, { recursive: true })
fs.copyFileSync(
  path.join(work, 'build/Release/better_sqlite3.node'),
  path.join(out, 'better_sqlite3.node'),
)
console.log(`Wrote ${path.join(out, 'better_sqlite3.node')}`)
