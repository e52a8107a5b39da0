import fs from 'node:fs'
import path from 'node:path'
import { DebugLogger } from 'builder-util'
import type { Configuration } from 'electron-builder'
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config'
import { beforeAll, describe, expect, it } from 'vitest'

const ROOT = path.resolve(__dirname, '../../..')

/** electron-builder.yml as electron-builder itself reads it. */
let config: Configuration
beforeAll(async () => {
  config = await getConfig(ROOT, null, null)
})

describe('electron-builder.yml', () => {
  it("is valid against electron-builder's schema", async () => {
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined()
  })

  it('flips the fuses a shipped app needs', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    })
  })

  it('no longer ships a separately built better_sqlite3.node; checks the package before packing', () => {
    const extra = JSON.stringify(config.extraResources)
    expect(extra).not.toContain('better_sqlite3')
    expect(extra).not.toContain('native')
    expect(config.beforePack).toBe('./scripts/before-pack.mjs')
    expect(fs.existsSync(path.join(ROOT, 'scripts/before-pack.mjs'))).toBe(true)
  })

  it('unpacks native code and the data files the engine reads', () => {
    expect(config.asar).toBe(true)
    expect(config.asarUnpack).toEqual(
      expect.arrayContaining([
        'node_modules/sharp/**',
        'node_modules/@img/**',
        'node_modules/better-sqlite3/prebuilds/**',
        'node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm',
        'out/main/chunks/projection.bin',
        '**/*.node',
      ]),
    )
  })

  it('signs macOS builds with the hardened runtime and only the JIT entitlement', () => {
    expect(config.mac?.hardenedRuntime).toBe(true)
    const plist = fs.readFileSync(path.join(ROOT, config.mac!.entitlements!), 'utf8')
    expect([...plist.matchAll(/<key>([^<]+)<\/key>/g)].map((m) => m[1])).toEqual([
      'com.apple.security.cs.allow-jit',
    ])
    expect(config.mac?.entitlementsInherit).toBe(config.mac?.entitlements)
  })

  it('uses the generated icons', () => {
    const res = path.join(ROOT, config.directories!.buildResources!)
    expect(fs.existsSync(path.join(res, config.win!.icon!))).toBe(true)
    expect(fs.existsSync(path.join(res, config.mac!.icon!))).toBe(true)
    expect(fs.existsSync(path.join(res, config.linux!.icon!, '512x512.png'))).toBe(true)
  })

  it('gives the deb an AppArmor profile granting userns to /opt/Loupe/loupe (Ubuntu 24.04+)', () => {
    expect(config.linux?.executableName).toBe('loupe')
    const tpl = fs.readFileSync(path.join(ROOT, config.deb!.appArmorProfile!), 'utf8')
    // electron-builder fills these in as it writes the package's resources/apparmor-profile.
    const profile = tpl
      .replaceAll('${executable}', 'loupe')
      .replaceAll('${sanitizedProductName}', config.productName!)
      .split('\n')
      .filter((l) => l.trim() && !l.trim().startsWith('#'))
      .join('\n')
    expect(profile).toBe(
      [
        'abi <abi/4.0>,',
        'include <tunables/global>',
        'profile loupe "/opt/Loupe/loupe" flags=(unconfined) {',
        '  userns,',
        '  include if exists <local/loupe>',
        '}',
      ].join('\n'),
    )
    // The sandbox stays on: nothing passes --no-sandbox.
    expect(fs.readFileSync(path.join(ROOT, 'electron-builder.yml'), 'utf8')).not.toMatch(
      /^[^#]*no-sandbox/m,
    )
  })

  it('has the metadata a deb needs (author email, homepage) and no runtime tsx', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'))
    expect(pkg.author.email).toMatch(/@/)
    expect(pkg.homepage).toMatch(/^https:\/\//)
    expect(pkg.description).toBeTruthy()
    expect(pkg.engines.node).toBe('>=22.12')
    expect(pkg.dependencies.tsx).toBeUndefined()
    expect(pkg.devDependencies.tsx).toBeDefined()
  })
})
