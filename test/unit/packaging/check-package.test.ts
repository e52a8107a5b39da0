import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  checkPackage,
  formatProblems,
  mainInputs,
  type PackageTarget,
} from '../../../scripts/check-package.mjs'
import beforePack from '../../../scripts/before-pack.mjs'
import { tempDir } from '../../helpers/tmp'

const ROOT = path.resolve(__dirname, '../../..')
const SCRIPT = path.join(ROOT, 'scripts/check-package.mjs')

function put(root: string, rel: string, content: string | Buffer = 'x') {
  const p = path.join(root, rel)
  fs.mkdirSync(path.dirname(p), { recursive: true })
  fs.writeFileSync(p, content)
}

/** A complete package layout for linux-x64, every file where the app looks for it. */
function layout(root: string) {
  put(root, 'package.json', JSON.stringify({ main: 'out/main/index.js', devDependencies: {} }))
  put(
    root,
    'electron.vite.config.ts',
    `export default defineConfig({\n  main: {\n    build: { rollupOptions: { input: {\n` +
      `      index: resolve(__dirname, 'electron/main/index.ts'),\n` +
      `      'core-host': resolve(__dirname, 'electron/core-host/entry.ts'),\n` +
      `      'featurizer-worker': resolve(__dirname, 'w.ts'),\n` +
      `      'imaging-worker': resolve(__dirname, 'i.ts'),\n` +
      `    } } },\n  },\n  preload: { build: { rollupOptions: { input: { index: resolve(__dirname, 'p.ts') } } } },\n})\n`,
  )
  for (const e of ['index', 'core-host', 'featurizer-worker', 'imaging-worker'])
    put(root, `out/main/${e}.js`, 'export {}')
  put(root, 'out/main/chunks/pipeline-abc.js', "new URL('./projection.bin', import.meta.url)")
  put(root, 'out/main/chunks/projection.bin', Buffer.alloc(64))
  put(root, 'electron/core/engines/local/featurizer/projection.bin', Buffer.alloc(64))
  put(root, 'out/preload/index.cjs')
  put(root, 'out/renderer/index.html')
  put(root, 'node_modules/better-sqlite3/prebuilds/linux-x64.node')
  put(
    root,
    'node_modules/sharp/package.json',
    JSON.stringify({
      version: '0.35.5',
      optionalDependencies: { '@img/sharp-linux-x64': '0.35.5' },
    }),
  )
  put(root, 'node_modules/@img/sharp-linux-x64/package.json', JSON.stringify({ version: '0.35.5' }))
  put(root, 'node_modules/@img/sharp-linux-x64/lib/sharp-linux-x64-0.35.5.node')
  put(root, 'node_modules/@img/sharp-libvips-linux-x64/lib/libvips-cpp.so.8.18.7')
  for (const w of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm'])
    put(root, `node_modules/@tensorflow/tfjs-backend-wasm/dist/${w}`)
  for (const m of [
    'nsfwjs/dist/esm/models/mobilenet_v2_mid.js',
    'nsfwjs/dist/esm/model_imports/mobilenet_v2_mid.js',
    'nsfwjs/dist/models/mobilenet_v2_mid/model.min.js',
    'nsfwjs/dist/models/mobilenet_v2_mid/group1-shard1of2.min.js',
    'nsfwjs/dist/models/mobilenet_v2_mid/group1-shard2of2.min.js',
  ])
    put(root, `node_modules/${m}`)
  for (const i of [
    'icon.ico',
    'icon.icns',
    'icon.png',
    'icons/512x512.png',
    'tray/tray.png',
    'tray/trayTemplate.png',
  ])
    put(root, `resources/${i}`)
}

describe('check-package: what the packaged app loads', () => {
  let t: ReturnType<typeof tempDir>
  let target: PackageTarget
  beforeEach(() => {
    t = tempDir('loupe-check-package-')
    layout(t.dir)
    target = { root: t.dir, platform: 'linux', arch: 'x64' }
  })
  afterEach(() => t.cleanup())
  const files = () => checkPackage(target).map((p) => p.file)

  it('passes a complete layout', () => {
    expect(checkPackage(target)).toEqual([])
  })

  it('reads the main-process entries from electron.vite.config.ts', () => {
    expect(mainInputs(t.dir)).toEqual(['index', 'core-host', 'featurizer-worker', 'imaging-worker'])
    expect(mainInputs(ROOT)).toEqual(
      expect.arrayContaining(['index', 'featurizer-worker', 'imaging-worker']),
    )
  })

  it.each([
    ['better-sqlite3 prebuild', 'node_modules/better-sqlite3/prebuilds/linux-x64.node'],
    ['sharp addon package', 'node_modules/@img/sharp-linux-x64'],
    ['libvips', 'node_modules/@img/sharp-libvips-linux-x64/lib/libvips-cpp.so.8.18.7'],
    ['tfjs wasm', 'node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'],
    ['model weights', 'node_modules/nsfwjs/dist/models/mobilenet_v2_mid/group1-shard2of2.min.js'],
    ['projection.bin', 'out/main/chunks/projection.bin'],
    ['featurizer worker entry', 'out/main/featurizer-worker.js'],
    ['imaging worker entry', 'out/main/imaging-worker.js'],
    ['core process entry', 'out/main/core-host.js'],
    ['renderer', 'out/renderer/index.html'],
    ['Windows icon', 'resources/icon.ico'],
  ])('fails naming the missing %s', (_what, rel) => {
    fs.rmSync(path.join(t.dir, rel), { recursive: true })
    const problems = checkPackage(target)
    expect(problems.length).toBeGreaterThan(0)
    const named = problems.map((p) => p.file).join('\n')
    // The report names the missing file (libvips: its folder).
    expect(named).toContain(rel.endsWith('.so.8.18.7') ? path.dirname(rel) : rel)
    for (const p of problems) expect(p.fix).toMatch(/\w/)
  })

  it('wants the prebuilds and sharp packages of the target, not of this machine', () => {
    const mac = checkPackage({ ...target, platform: 'darwin', arch: 'arm64' }).map((p) => p.file)
    expect(mac).toEqual([
      'node_modules/better-sqlite3/prebuilds/darwin-arm64.node',
      'node_modules/@img/sharp-darwin-arm64',
      'node_modules/@img/sharp-libvips-darwin-arm64/lib',
    ])
    const musl = checkPackage({ ...target, libc: 'musl' }).map((p) => p.file)
    expect(musl).toContain('node_modules/better-sqlite3/prebuilds/linuxmusl-x64.node')
    expect(musl).toContain('node_modules/@img/sharp-linuxmusl-x64')
  })

  it('finds libvips inside the Windows package', () => {
    put(t.dir, 'node_modules/better-sqlite3/prebuilds/win32-x64.node')
    put(
      t.dir,
      'node_modules/@img/sharp-win32-x64/package.json',
      JSON.stringify({ version: '0.35.5' }),
    )
    put(t.dir, 'node_modules/@img/sharp-win32-x64/lib/sharp-win32-x64-0.35.5.node')
    const win = { ...target, platform: 'win32' }
    expect(checkPackage(win).map((p) => p.what)).toEqual(['libvips for win32-x64'])
    put(t.dir, 'node_modules/@img/sharp-win32-x64/lib/libvips-42.dll')
    expect(checkPackage(win)).toEqual([])
  })

  it('refuses a sharp addon of another version than sharp wants', () => {
    put(
      t.dir,
      'node_modules/@img/sharp-linux-x64/package.json',
      JSON.stringify({ version: '0.34.1' }),
    )
    expect(checkPackage(target).map((p) => p.what)).toEqual([
      '@img/sharp-linux-x64 0.34.1 does not match sharp 0.35.5 (wants 0.35.5)',
    ])
  })

  it('refuses projection.bin of the wrong size and a module reading it with none beside it', () => {
    put(t.dir, 'out/main/chunks/projection.bin', Buffer.alloc(10))
    expect(files()).toEqual(['out/main/chunks/projection.bin'])
    put(t.dir, 'out/main/other.js', "readFileSync(new URL('./projection.bin', import.meta.url))")
    expect(files()).toContain('out/main/projection.bin')
  })

  it('refuses tsx as a runtime dependency', () => {
    put(
      t.dir,
      'package.json',
      JSON.stringify({ main: 'out/main/index.js', dependencies: { tsx: '^4' } }),
    )
    expect(checkPackage(target).map((p) => p.what)).toEqual(['tsx listed in "dependencies"'])
  })

  it('prints one report naming every missing file and exits 1 (CLI)', () => {
    fs.rmSync(path.join(t.dir, 'node_modules/better-sqlite3'), { recursive: true })
    fs.rmSync(path.join(t.dir, 'node_modules/@tensorflow'), { recursive: true })
    const r = spawnSync(
      process.execPath,
      [SCRIPT, '--root', t.dir, '--platform', 'linux', '--arch', 'x64'],
      {
        encoding: 'utf8',
      },
    )
    expect(r.status).toBe(1)
    expect(r.stderr).toContain('Loupe cannot be packaged for linux-x64: 3 thing(s)')
    expect(r.stderr).toContain('node_modules/better-sqlite3/prebuilds/linux-x64.node')
    expect(r.stderr).toContain('tfjs-backend-wasm.wasm')
    expect(r.stderr).toContain('tfjs-backend-wasm-simd.wasm')
    fs.rmSync(t.dir, { recursive: true })
    layout(t.dir)
    const ok = spawnSync(
      process.execPath,
      [SCRIPT, '--root', t.dir, '--platform', 'linux', '--arch', 'x64'],
      {
        encoding: 'utf8',
      },
    )
    expect([ok.status, ok.stdout]).toEqual([
      0,
      'check-package: everything the app loads is there for linux-x64\n',
    ])
  })

  it('formats nothing when nothing is missing', () => {
    expect(formatProblems([], 'linux-x64')).toBe('')
  })
})

describe('check-package on this checkout', () => {
  const host = { platform: process.platform, arch: process.arch }
  const natives = (problems: { file: string }[]) =>
    problems.filter((p) => p.file.startsWith('node_modules')).map((p) => p.file)

  it("has every native binary and data file for this machine's platform", () => {
    expect(natives(checkPackage(host))).toEqual([])
  })

  it('the beforePack hook stops electron-builder for a target whose binaries are not installed', async () => {
    // better-sqlite3 ships no prebuild for 32-bit x86: packaging linux-ia32 must stop, naming it.
    await expect(beforePack({ electronPlatformName: 'linux', arch: 0 })).rejects.toThrow(
      'node_modules/better-sqlite3/prebuilds/linux-ia32.node',
    )
    // darwin arm64: sharp's package for it is named, unless this machine is one.
    if (process.platform !== 'darwin')
      await expect(beforePack({ electronPlatformName: 'darwin', arch: 3 })).rejects.toThrow(
        '@img/sharp-darwin-arm64',
      )
  })
})
