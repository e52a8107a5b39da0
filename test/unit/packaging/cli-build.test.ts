import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildCli } from '../../../scripts/build-cli'
import { tempDir } from '../../helpers/tmp'

const ROOT = path.resolve(__dirname, '../../..')

/**
 * A production-like install: the built CLI with every package of node_modules except tsx (and the
 * other devDependencies only matter if imported, which the built code never does).
 */
function productionInstall(dir: string) {
  fs.mkdirSync(path.join(dir, 'node_modules'), { recursive: true })
  for (const name of fs.readdirSync(path.join(ROOT, 'node_modules'))) {
    if (name === 'tsx' || name.startsWith('.')) continue
    fs.symlinkSync(path.join(ROOT, 'node_modules', name), path.join(dir, 'node_modules', name))
  }
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ type: 'module' }))
  fs.mkdirSync(path.join(dir, 'bin'))
  fs.copyFileSync(path.join(ROOT, 'bin/loupe.js'), path.join(dir, 'bin/loupe.js'))
}

function run(bin: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    encoding: 'utf8',
    env: { ...process.env, LOUPE_CLI: '', ...env },
    timeout: 120_000,
  })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

describe('the built CLI (out/cli) runs without tsx', { timeout: 180_000 }, () => {
  const t = tempDir('loupe-cli-build-')
  const app = path.join(t.dir, 'app')
  const data = path.join(t.dir, 'data')
  const photo = path.join(t.dir, 'photo.jpg')
  beforeAll(async () => {
    productionInstall(app)
    await buildCli(path.join(app, 'out/cli'))
    // A picture with some structure for the featurizer: coloured blocks and a gradient.
    const side = 240
    const px = Buffer.alloc(side * side * 3)
    for (let y = 0; y < side; y++)
      for (let x = 0; x < side; x++) {
        const i = (y * side + x) * 3
        px[i] = x < side / 2 ? 220 : (x * 255) / side
        px[i + 1] = y < side / 3 ? 40 : 180
        px[i + 2] = (x + y) % 64 < 32 ? 30 : 200
      }
    await sharp(px, { raw: { width: side, height: side, channels: 3 } })
      .jpeg()
      .toFile(photo)
  })
  afterAll(() => t.cleanup())

  it('has its worker entries and projection.bin beside it', () => {
    for (const f of ['cli.js', 'featurizer-worker.js', 'imaging-worker.js', 'projection.bin'])
      expect(fs.existsSync(path.join(app, 'out/cli', f)), f).toBe(true)
    expect(fs.existsSync(path.join(app, 'node_modules/tsx'))).toBe(false)
  })

  it('adds a picture and finds it by image, workers and all, with no tsx installed', () => {
    const bin = path.join(app, 'bin/loupe.js')
    const add = run(bin, [
      '--data',
      data,
      'add',
      photo,
      '--product',
      'blocks-1',
      '--name',
      'blocks.jpg',
    ])
    expect(add.stderr).toBe('')
    expect(add.code).toBe(0)
    const found = run(bin, ['--data', data, 'search', '--image', photo, '--json'])
    expect(found.stderr).toBe('')
    expect(found.code).toBe(0)
    const result = JSON.parse(found.stdout) as { auctions: Array<{ productId: string }> }
    expect(result.auctions[0].productId).toBe('blocks-1')
  })

  it('says what to do when neither the build nor tsx is there', () => {
    const bare = path.join(t.dir, 'bare')
    fs.mkdirSync(path.join(bare, 'bin'), { recursive: true })
    fs.copyFileSync(path.join(ROOT, 'bin/loupe.js'), path.join(bare, 'bin/loupe.js'))
    const r = run(path.join(bare, 'bin/loupe.js'), ['--help'])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('the CLI is not built')
    expect(r.stderr).toContain('npm run build')
  })
})

describe('bin/loupe.js in a checkout', () => {
  const t = tempDir('loupe-cli-choice-')
  const bin = path.join(t.dir, 'bin/loupe.js')
  const built = path.join(t.dir, 'out/cli/cli.js')
  const source = path.join(t.dir, 'electron/server/cli.ts')
  beforeAll(() => {
    fs.mkdirSync(path.dirname(bin), { recursive: true })
    fs.copyFileSync(path.join(ROOT, 'bin/loupe.js'), bin)
    // Resolves tsx from the real checkout, like a dev install.
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(t.dir, 'node_modules'))
    fs.writeFileSync(path.join(t.dir, 'package.json'), JSON.stringify({ type: 'module' }))
    fs.mkdirSync(path.dirname(built), { recursive: true })
    fs.mkdirSync(path.dirname(source), { recursive: true })
    const body = (who: string) =>
      `export async function main(args${who === 'source' ? ': string[]' : ''}) {\n` +
      `  process.stdout.write('${who} ' + args.join(' ') + '\\n')\n  return 0\n}\n`
    fs.writeFileSync(built, body('built'))
    fs.writeFileSync(source, body('source'))
  })
  afterAll(() => t.cleanup())
  const at = (file: string, secondsAgo: number) => {
    const when = new Date(Date.now() - secondsAgo * 1000)
    fs.utimesSync(file, when, when)
  }

  it('runs the build when it is newer than the sources', () => {
    at(source, 60)
    at(built, 10)
    expect(run(bin, ['a', 'b']).stdout).toBe('built a b\n')
  })

  it('runs the sources through tsx when they changed after the build', () => {
    at(built, 60)
    at(source, 10)
    expect(run(bin, ['x']).stdout).toBe('source x\n')
  })

  it('LOUPE_CLI forces one or the other', () => {
    at(built, 60)
    at(source, 10)
    expect(run(bin, [], { LOUPE_CLI: 'built' }).stdout).toBe('built \n')
    at(built, 10)
    at(source, 60)
    expect(run(bin, [], { LOUPE_CLI: 'source' }).stdout).toBe('source \n')
  })
})
