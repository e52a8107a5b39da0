/**
 * The package layout, built for real by electron-builder (`--linux dir`, this repo's
 * electron-builder.yml, its beforePack check) with a stand-in Electron binary: electron-builder's
 * `electronDist` points at a folder holding a fake `electron` executable that carries the fuse
 * wire, so the fuses are flipped as in a release. Then the asar and the unpacked folder are listed
 * and checked against where the code looks for each file, and the packaged node_modules are
 * exercised with Node: the worker threads run from the extracted package (sharp + libvips, tfjs
 * wasm, the model, projection.bin) and better-sqlite3 loads its prebuild.
 *
 * Slow (electron-builder copies ~250 MB, about a minute): the last step of `npm test`, or alone
 * with `npm run test:package`.
 * Linux only (the stand-in binary is a Linux-layout Electron).
 */
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import * as asar from '@electron/asar'
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { appIconPath, trayIconPath } from '../../electron/main/icons'
import { mainInputs } from '../../scripts/check-package.mjs'
import { tempDir } from '../helpers/tmp'

const ROOT = path.resolve(__dirname, '../..')
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'
/** Electron 45's fuse defaults, in FuseV1Options order ('1' on, '0' off). */
const DEFAULT_WIRE = '10110001'

/** A folder electron-builder accepts as an unpacked Linux Electron (electronDist). */
function standInElectron(dir: string) {
  fs.mkdirSync(path.join(dir, 'locales'), { recursive: true })
  fs.mkdirSync(path.join(dir, 'resources'), { recursive: true })
  const wire = Buffer.concat([
    Buffer.from('#!/bin/sh\necho "stand-in Electron: nothing to run"\nexit 1\n# '),
    Buffer.from(SENTINEL),
    Buffer.from([1, DEFAULT_WIRE.length]),
    Buffer.from(DEFAULT_WIRE + '\n'),
  ])
  fs.writeFileSync(path.join(dir, 'electron'), wire, { mode: 0o755 })
  for (const f of ['locales/en-US.pak', 'LICENSE', 'LICENSES.chromium.html', 'chrome-sandbox'])
    fs.writeFileSync(path.join(dir, f), '')
  fs.writeFileSync(path.join(dir, 'version'), '45.4.1')
}

/** The archive's files: path (with a leading /) -> whether it is unpacked. */
function asarFiles(archive: string): Map<string, boolean> {
  type Node = { files?: Record<string, Node>; unpacked?: boolean }
  const out = new Map<string, boolean>()
  const walk = (n: Node, at: string) => {
    for (const [name, child] of Object.entries(n.files ?? {})) {
      const p = `${at}/${name}`
      if (child.files) walk(child, p)
      else out.set(p, !!child.unpacked)
    }
  }
  walk(asar.getRawHeader(archive).header as Node, '')
  return out
}

function runWorker<T>(entry: string, msg: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const w = new Worker(pathToFileURL(entry))
    const timer = setTimeout(() => reject(new Error(`${entry}: no reply`)), 90_000)
    w.once('message', (m: T) => {
      clearTimeout(timer)
      void w.terminate()
      resolve(m)
    })
    w.once('error', (e) => {
      clearTimeout(timer)
      reject(e)
    })
    w.postMessage(msg)
  })
}

describe.skipIf(process.platform !== 'linux')('the packaged app (electron-builder --dir)', () => {
  const t = tempDir('loupe-package-')
  const dist = path.join(t.dir, 'electron-dist')
  const out = path.join(t.dir, 'out')
  const app = path.join(out, 'linux-unpacked')
  const resources = path.join(app, 'resources')
  const archive = path.join(resources, 'app.asar')
  const extracted = path.join(t.dir, 'extracted')
  let files: Map<string, boolean>

  beforeAll(() => {
    if (!fs.existsSync(path.join(ROOT, 'out/renderer/index.html')))
      throw new Error('The app is not built: run `npm run build` first (npm run test:package does)')
    standInElectron(dist)
    const t0 = Date.now()
    const r = spawnSync(
      process.execPath,
      [
        require.resolve('electron-builder/cli.js'),
        '--linux',
        'dir',
        '--x64',
        `--config.electronDist=${dist}`,
        `--config.directories.output=${out}`,
      ],
      { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CI: '1' }, timeout: 600_000 },
    )
    if (r.status !== 0)
      throw new Error(`electron-builder failed (${r.status}):\n${r.stdout}\n${r.stderr}`)
    process.stdout.write(`electron-builder --dir: ${((Date.now() - t0) / 1000).toFixed(1)} s\n`)
    files = asarFiles(archive)
    asar.extractAll(archive, extracted)
  }, 600_000)
  afterAll(() => t.cleanup())

  const inAsar = (p: string) => files.has(`/${p}`)
  const unpacked = (p: string) =>
    files.get(`/${p}`) === true && fs.existsSync(path.join(resources, 'app.asar.unpacked', p))

  it('flipped every fuse we ask for in the Electron binary', async () => {
    const wire = await getCurrentFuseWire(path.join(app, 'loupe'))
    const state = (o: FuseV1Options) => String.fromCharCode(wire[o] as unknown as number)
    expect({
      runAsNode: state(FuseV1Options.RunAsNode),
      cookieEncryption: state(FuseV1Options.EnableCookieEncryption),
      nodeOptions: state(FuseV1Options.EnableNodeOptionsEnvironmentVariable),
      inspectArguments: state(FuseV1Options.EnableNodeCliInspectArguments),
      asarIntegrity: state(FuseV1Options.EnableEmbeddedAsarIntegrityValidation),
      onlyLoadAppFromAsar: state(FuseV1Options.OnlyLoadAppFromAsar),
      fileProtocolPrivileges: state(FuseV1Options.GrantFileProtocolExtraPrivileges),
    }).toEqual({
      runAsNode: '0',
      cookieEncryption: '1',
      nodeOptions: '0',
      inspectArguments: '0',
      asarIntegrity: '1',
      onlyLoadAppFromAsar: '1',
      fileProtocolPrivileges: '0',
    })
  })

  it('has the entries the host starts: main, core process, workers, preload, renderer', () => {
    const pkg = JSON.parse(asar.extractFile(archive, 'package.json').toString()) as {
      main: string
      dependencies: Record<string, string>
    }
    expect(inAsar(pkg.main)).toBe(true)
    const inputs = mainInputs(ROOT)
    expect(inputs).toEqual(expect.arrayContaining(['index', 'featurizer-worker', 'imaging-worker']))
    for (const name of inputs) expect(inAsar(`out/main/${name}.js`), name).toBe(true)
    expect(inAsar('out/preload/index.cjs')).toBe(true)
    expect(inAsar('out/renderer/index.html')).toBe(true)
    // JavaScript stays inside the archive, under its integrity check: the packages with native
    // code excepted (sharp documents unpacking sharp/** and @img/**; electron-builder unpacks
    // better-sqlite3 whole because it holds .node files).
    for (const [p, isUnpacked] of files)
      if (/\.[cm]?js$/.test(p) && !/^\/node_modules\/(sharp|@img|better-sqlite3)\//.test(p))
        expect(isUnpacked, p).toBe(false)
  })

  it('puts projection.bin beside the chunk that reads it, unpacked', () => {
    const readers = [...files.keys()].filter(
      (p) =>
        p.startsWith('/out/main/') &&
        p.endsWith('.js') &&
        asar.extractFile(archive, p.slice(1)).toString().includes('projection.bin'),
    )
    expect(readers.length).toBeGreaterThan(0)
    const size = fs.statSync(
      path.join(ROOT, 'electron/core/engines/local/featurizer/projection.bin'),
    ).size
    for (const reader of readers) {
      const bin = path.posix.join(path.posix.dirname(reader.slice(1)), 'projection.bin')
      expect(unpacked(bin), bin).toBe(true)
      expect(fs.statSync(path.join(resources, 'app.asar.unpacked', bin)).size).toBe(size)
    }
  })

  it("unpacks better-sqlite3's prebuild where its loader looks (prebuilds/<platform>-<arch>.node)", () => {
    expect(inAsar('node_modules/better-sqlite3/lib/binding.js')).toBe(true)
    expect(unpacked('node_modules/better-sqlite3/prebuilds/linux-x64.node')).toBe(true)
    // Its C sources and the SQLite amalgamation stay out.
    expect(
      [...files.keys()].filter((p) => p.startsWith('/node_modules/better-sqlite3/deps/')),
    ).toEqual([])
  })

  it("unpacks sharp's addon and libvips side by side in @img/", () => {
    const img = [...files.keys()].filter((p) => p.startsWith('/node_modules/@img/'))
    const addon = img.find((p) => /\/@img\/sharp-linux-x64\/lib\/sharp-linux-x64.*\.node$/.test(p))
    const vips = img.find((p) => /\/@img\/sharp-libvips-linux-x64\/lib\/libvips-cpp\.so/.test(p))
    expect(addon).toBeDefined()
    expect(vips).toBeDefined()
    for (const p of [addon!, vips!]) expect(unpacked(p.slice(1)), p).toBe(true)
    // The addon finds libvips through its RUNPATH, relative to itself.
    const elf = fs.readFileSync(path.join(resources, 'app.asar.unpacked', addon!.slice(1)))
    expect(elf.includes(Buffer.from('$ORIGIN/../../sharp-libvips-linux-x64/lib'))).toBe(true)
  })

  it('unpacks the TensorFlow.js wasm binaries and ships the model the featurizer loads', () => {
    for (const wasm of ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm'])
      expect(unpacked(`node_modules/@tensorflow/tfjs-backend-wasm/dist/${wasm}`), wasm).toBe(true)
    for (const f of [
      'node_modules/nsfwjs/dist/esm/models/mobilenet_v2_mid.js',
      'node_modules/nsfwjs/dist/models/mobilenet_v2_mid/model.min.js',
      'node_modules/nsfwjs/dist/models/mobilenet_v2_mid/group1-shard1of2.min.js',
      'node_modules/nsfwjs/dist/models/mobilenet_v2_mid/group1-shard2of2.min.js',
    ])
      expect(inAsar(f), f).toBe(true)
  })

  it('puts the window and tray icons where electron/main/icons.ts looks in a packaged app', () => {
    const ctx = { isPackaged: true, resourcesPath: resources, appPath: archive }
    expect(fs.existsSync(appIconPath(ctx))).toBe(true)
    for (const platform of ['linux', 'win32'] as const) {
      const tray = trayIconPath({ ...ctx, platform })
      expect(fs.existsSync(tray), tray).toBe(true)
      expect(fs.existsSync(tray.replace(/\.png$/, '@2x.png')), tray).toBe(true)
    }
  })

  it('leaves out what the app never loads: the CLI build, tsx, renderer packages, source maps', () => {
    const all = [...files.keys()]
    expect(all.filter((p) => p.startsWith('/out/cli/'))).toEqual([])
    expect(all.filter((p) => p.endsWith('.map'))).toEqual([])
    for (const dev of ['tsx', 'vue', 'naive-ui', 'pinia', 'esbuild', 'electron', 'vitest'])
      expect(
        all.filter((p) => p.startsWith(`/node_modules/${dev}/`)),
        dev,
      ).toEqual([])
    expect(fs.existsSync(path.join(resources, 'native'))).toBe(false)
  })

  it('runs from the packaged node_modules: better-sqlite3 with FTS5, and the imaging worker with sharp', async () => {
    const req = createRequire(path.join(extracted, 'out/main/index.js'))
    expect(req.resolve('better-sqlite3')).toContain(extracted)
    const Database = req('better-sqlite3') as typeof import('better-sqlite3')
    const db = new Database(':memory:')
    db.exec("CREATE VIRTUAL TABLE t USING fts5(x); INSERT INTO t VALUES ('red shoe')")
    expect(db.prepare("SELECT x FROM t WHERE t MATCH 'shoe'").get()).toEqual({ x: 'red shoe' })
    db.close()

    const photo = path.join(t.dir, 'photo.png')
    await sharp({
      create: { width: 400, height: 300, channels: 3, background: { r: 200, g: 40, b: 40 } },
    })
      .png()
      .toFile(photo)
    const reply = await runWorker<{ ok: boolean; result?: { format: string; width: number } }>(
      path.join(extracted, 'out/main/imaging-worker.js'),
      { id: 1, input: { path: photo }, opts: { thumbnail: false }, mode: 'preview' },
    )
    expect(reply.ok).toBe(true)
    expect(reply.result?.width).toBe(400)
  })

  it('runs the featurizer worker from the package: tfjs wasm, the model and projection.bin', async () => {
    const side = 240
    const px = Buffer.alloc(side * side * 3)
    for (let i = 0; i < px.length; i++) px[i] = (i * 37) % 251
    const image = await sharp(px, { raw: { width: side, height: side, channels: 3 } })
      .jpeg()
      .toBuffer()
    const reply = await runWorker<{
      ok: boolean
      error?: { message: string }
      result?: { vector: Float32Array }
    }>(path.join(extracted, 'out/main/featurizer-worker.js'), {
      id: 1,
      op: 'embed',
      image: new Uint8Array(image),
      box: null,
    })
    expect(reply.error?.message).toBeUndefined()
    expect(reply.ok).toBe(true)
    const v = reply.result!.vector
    expect(v.length).toBe(256)
    expect(Math.hypot(...v)).toBeCloseTo(1, 3)
  })
})
