/**
 * Where the desktop host finds its icons at run time. They are generated from resources/icon.svg by
 * `npm run icons` (scripts/make-icons.ts). A packaged app carries them outside the asar, as
 * electron-builder `extraResources` (<resources>/icons, <resources>/tray); a checkout reads them
 * from <appPath>/resources. (electron-builder's own build resources — icon.ico, icon.icns, the
 * Linux icon set — are baked into the installers and are not readable by the running app.)
 */
import path from 'node:path'

export interface IconContext {
  /** `app.isPackaged`. */
  isPackaged: boolean
  /** `process.resourcesPath`. */
  resourcesPath: string
  /** `app.getAppPath()`: the project root in a checkout. */
  appPath: string
  platform?: NodeJS.Platform
}

function root(ctx: IconContext): string {
  return ctx.isPackaged ? ctx.resourcesPath : path.join(ctx.appPath, 'resources')
}

/** The window icon (BrowserWindow `icon` on Linux and Windows; the Dock icon in a macOS checkout). */
export function appIconPath(ctx: IconContext): string {
  return path.join(root(ctx), 'icons', '512x512.png')
}

/**
 * The tray icon: a black template image on macOS (the menu bar tints it), the coloured 16 px icon
 * elsewhere. Electron picks the `@2x` file beside it on high-density screens.
 */
export function trayIconPath(ctx: IconContext): string {
  const platform = ctx.platform ?? process.platform
  return path.join(root(ctx), 'tray', platform === 'darwin' ? 'trayTemplate.png' : 'tray.png')
}
