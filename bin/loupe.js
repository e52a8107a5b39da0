#!/usr/bin/env node
// The `loupe` command: runs the TypeScript CLI through tsx (no build step needed in a checkout).
import { register } from 'tsx/esm/api'

register()
const { main } = await import('../electron/server/cli.ts')
process.exitCode = await main(process.argv.slice(2))
