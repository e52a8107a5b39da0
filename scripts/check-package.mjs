#!/usr/bin/env node
/**
 * Fails the packaging loudly when something the packaged app loads at run time is missing for the
 * target platform/arch: the built entries (main, core process, worker threads, preload, renderer),
 * the featurizer's projection.bin beside the chunk that reads it, better-sqlite3's Node-API
 * prebuild, sharp's addon and libvips, the TensorFlow.js .wasm binaries, the model files and the
 * icons. Each problem names the file and what to do.
 *
 * Runs as electron-builder's `beforePack` hook (scripts/before-pack.mjs: once per target
 * platform/arch) and on its own: `npm run check:package -- [--platform P] [--arch A] [--libc musl]`.
 */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/** Worker-thread entries the pools look for next to the main bundle (findWorkerEntry). */
export const WORKER_ENTRIES = ['featurizer-worker.js', 'imaging-worker.js']
/** TensorFlow.js wasm binaries the backend picks from (plain and SIMD; no threads). */
export const TFJS_WASM = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm']
/** The featurizer's backbone (nsfwjs/models/mobilenet_v2_mid) and its weights. */
export const MODEL_FILES = [
  'nsfwjs/dist/esm/models/mobilenet_v2_mid.js',
  'nsfwjs/dist/esm/model_imports/mobilenet_v2_mid.js',
  'nsfwjs/dist/models/mobilenet_v2_mid/model.min.js',
  'nsfwjs/dist/models/mobilenet_v2_mid/group1-shard1of2.min.js',
  'nsfwjs/dist/models/mobilenet_v2_mid/group1-shard2of2.min.js',
]

const exists = (p) => fs.existsSync(p)
const readJson = (p) => JSON.parse(fs.readFileSync(p, 'utf8'))

function walk(dir) {
  if (!exists(dir)) return []
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name)
    return e.isDirectory() ? walk(p) : [p]
  })
}

/**
 * The names of electron-vite's main-process inputs (out/main/<name>.js), read from
 * electron.vite.config.ts: the entries between `main:` and `preload:` written `name: resolve(`.
 */
export function mainInputs(root = ROOT) {
  const file = path.join(root, 'electron.vite.config.ts')
  if (!exists(file)) return []
  const text = fs.readFileSync(file, 'utf8')
  const start = text.indexOf('main:')
  const end = text.indexOf('preload:', start)
  const block = text.slice(start, end < 0 ? undefined : end)
  return [...block.matchAll(/['"]?([\w-]+)['"]?\s*:\s*resolve\(/g)].map((m) => m[1])
}

/** sharp's platform package names for a target (`linuxmusl` on musl Linux). */
function sharpTarget(platform, arch, libc) {
  const os = platform === 'linux' && libc === 'musl' ? 'linuxmusl' : platform
  return `${os}-${arch}`
}

/**
 * Every problem found for one target, as `{ what, file, fix }`. Empty when the package can be built.
 * @param {{ root?: string, platform: string, arch: string, libc?: 'glibc' | 'musl', entries?: string[] }} opts
 */
export function checkPackage(opts) {
  const root = opts.root ?? ROOT
  const { platform, arch } = opts
  const libc = opts.libc ?? 'glibc'
  const problems = []
  const need = (what, file, fix) => {
    if (!exists(file)) problems.push({ what, file: path.relative(root, file) || file, fix })
  }
  const nm = (...p) => path.join(root, 'node_modules', ...p)
  const build = 'run `npm run build`'

  // The built app: package.json main, every main-process input, preload, renderer.
  const pkg = readJson(path.join(root, 'package.json'))
  need(
    'the main bundle (package.json "main")',
    path.join(root, pkg.main ?? 'out/main/index.js'),
    build,
  )
  const entries = new Set([
    ...(opts.entries ?? mainInputs(root)),
    ...WORKER_ENTRIES.map((w) => w.replace(/\.js$/, '')),
  ])
  for (const name of entries)
    need(`the main-process entry "${name}"`, path.join(root, 'out/main', `${name}.js`), build)
  need('the preload script', path.join(root, 'out/preload/index.cjs'), build)
  need('the renderer', path.join(root, 'out/renderer/index.html'), build)

  // projection.bin beside every built module that reads it (new URL('./projection.bin', …)).
  const source = path.join(root, 'electron/core/engines/local/featurizer/projection.bin')
  const readers = walk(path.join(root, 'out/main')).filter(
    (f) => f.endsWith('.js') && fs.readFileSync(f, 'utf8').includes('projection.bin'),
  )
  if (exists(path.join(root, 'out/main')) && readers.length === 0)
    problems.push({
      what: 'the featurizer module that reads projection.bin',
      file: 'out/main/**/*.js',
      fix: build,
    })
  for (const reader of readers) {
    const bin = path.join(path.dirname(reader), 'projection.bin')
    need(`the featurizer's projection.bin (read by ${path.relative(root, reader)})`, bin, build)
    if (exists(bin) && exists(source) && fs.statSync(bin).size !== fs.statSync(source).size)
      problems.push({
        what: 'projection.bin differs in size from electron/core/engines/local/featurizer/projection.bin',
        file: path.relative(root, bin),
        fix: build,
      })
  }

  // better-sqlite3 13: one Node-API prebuild for Node and Electron per platform/arch.
  const sqlite = sharpTarget(platform, arch, libc)
  need(
    `better-sqlite3's prebuilt binary for ${sqlite}`,
    nm('better-sqlite3', 'prebuilds', `${sqlite}.node`),
    'reinstall better-sqlite3 >= 13 (`npm ci`); it ships prebuilds for linux/darwin/win32 x64/arm64',
  )

  // sharp: @img/sharp-<target> (the addon) and libvips (a separate package except on Windows).
  const target = sharpTarget(platform, arch, libc)
  const sharpPkg = exists(nm('sharp', 'package.json'))
    ? readJson(nm('sharp', 'package.json'))
    : null
  const installFor = `npm install --os=${platform} --cpu=${arch}${platform === 'linux' ? ` --libc=${libc}` : ''}`
  const sharpFix = `install sharp's binaries for the target: build on a ${platform}-${arch} machine or run \`${installFor}\` (sharp's cross-platform install)`
  const addonDir = nm('@img', `sharp-${target}`)
  need(`sharp's package for ${target} (@img/sharp-${target})`, addonDir, sharpFix)
  if (exists(addonDir)) {
    const lib = path.join(addonDir, 'lib')
    const addons = exists(lib) ? fs.readdirSync(lib).filter((f) => f.endsWith('.node')) : []
    if (addons.length === 0)
      problems.push({
        what: `sharp's addon (.node) for ${target}`,
        file: path.relative(root, lib),
        fix: sharpFix,
      })
    const want = sharpPkg?.optionalDependencies?.[`@img/sharp-${target}`]
    const have = readJson(path.join(addonDir, 'package.json')).version
    if (want && have !== want)
      problems.push({
        what: `@img/sharp-${target} ${have} does not match sharp ${sharpPkg.version} (wants ${want})`,
        file: path.relative(root, addonDir),
        fix: sharpFix,
      })
  }
  const vipsDir =
    platform === 'win32' ? path.join(addonDir, 'lib') : nm('@img', `sharp-libvips-${target}`, 'lib')
  const vipsName = {
    linux: /^libvips-cpp\.so/,
    darwin: /^libvips-cpp\..*dylib$/,
    win32: /^libvips.*\.dll$/,
  }[platform]
  if (!vipsName)
    problems.push({
      what: `a supported platform (got ${platform})`,
      file: '-',
      fix: 'target linux, darwin or win32',
    })
  else if (!exists(vipsDir) || !fs.readdirSync(vipsDir).some((f) => vipsName.test(f)))
    problems.push({
      what: `libvips for ${target}`,
      file: path.relative(root, vipsDir),
      fix: sharpFix,
    })

  // TensorFlow.js wasm backend and the backbone model.
  for (const wasm of TFJS_WASM)
    need(
      `TensorFlow.js wasm binary ${wasm}`,
      nm('@tensorflow', 'tfjs-backend-wasm', 'dist', wasm),
      'reinstall @tensorflow/tfjs-backend-wasm (`npm ci`)',
    )
  for (const file of MODEL_FILES)
    need('the featurizer model file', nm(file), 'reinstall nsfwjs (`npm ci`)')

  // Installer icons (generated from resources/icon.svg).
  for (const icon of [
    'icon.ico',
    'icon.icns',
    'icon.png',
    'icons/512x512.png',
    'tray/tray.png',
    'tray/trayTemplate.png',
  ])
    need('an icon', path.join(root, 'resources', icon), 'run `npm run icons`')

  // tsx is a development tool: never a runtime dependency of the packaged app.
  if (pkg.dependencies?.tsx)
    problems.push({
      what: 'tsx listed in "dependencies"',
      file: 'package.json',
      fix: 'move it to devDependencies',
    })
  return problems
}

/** One readable report; empty string when nothing is missing. */
export function formatProblems(problems, target) {
  if (problems.length === 0) return ''
  return (
    `Loupe cannot be packaged for ${target}: ${problems.length} thing(s) the app needs at run time ${problems.length === 1 ? 'is' : 'are'} missing.\n` +
    problems.map((p) => `  - ${p.what}: ${p.file}\n    fix: ${p.fix}`).join('\n') +
    '\n'
  )
}

/** Throws with the report when anything is missing (the beforePack hook and the CLI). */
export function assertPackage(opts) {
  const target = `${opts.platform}-${opts.arch}`
  const report = formatProblems(checkPackage(opts), target)
  if (report) throw new Error(report)
  return target
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(`--${name}`)
    return i > 0 ? process.argv[i + 1] : fallback
  }
  try {
    const target = assertPackage({
      platform: arg('platform', process.platform),
      arch: arg('arch', process.arch),
      libc: arg('libc', 'glibc'),
      root: arg('root', ROOT),
    })
    process.stdout.write(`check-package: everything the app loads is there for ${target}\n`)
  } catch (e) {
    process.stderr.write(e.message)
    process.exit(1)
  }
}
