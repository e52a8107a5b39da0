/**
 * electron-builder `beforePack` hook: refuses to package a target (platform + arch) for which a
 * native binary or data file the app loads is missing (scripts/check-package.mjs), with a message
 * naming each file and the fix, instead of shipping an app that fails on first use.
 */
import { assertPackage } from './check-package.mjs'

/** builder-util's Arch enum, by value. */
const ARCH = ['ia32', 'x64', 'armv7l', 'arm64', 'universal']

export default async function beforePack(context) {
  const platform = context.electronPlatformName === 'mas' ? 'darwin' : context.electronPlatformName
  const arch = ARCH[context.arch] ?? String(context.arch)
  for (const a of arch === 'universal' ? ['x64', 'arm64'] : [arch])
    assertPackage({ platform, arch: a })
}
