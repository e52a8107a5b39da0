// `npm run serve` needs the built renderer: build it once if it is missing.
import fs from 'node:fs'
import { execSync } from 'node:child_process'

if (!fs.existsSync('out/renderer/index.html')) {
  process.stderr.write('Building the renderer (first run)…\n')
  execSync('npx electron-vite build', { stdio: ['ignore', 'ignore', 'inherit'] })
}
