/**
 * Before the core starts, the native modules it needs are loaded once and exercised: SQLite (with
 * FTS5) through better-sqlite3, and libvips through sharp. If one cannot load (a wrong platform
 * build, a damaged install, a binary built for another Node ABI), the core reports one clear
 * reason naming the module and what to do — instead of an InternalError on every click.
 */

export interface NativeModuleProblem {
  module: string
  error: string
}

type Probe = { module: string; run: () => Promise<void> }

const PROBES: Probe[] = [
  {
    module: 'better-sqlite3',
    async run() {
      const { default: Database } = await import('better-sqlite3')
      const db = new Database(':memory:')
      try {
        db.exec('CREATE VIRTUAL TABLE probe USING fts5(t)')
      } finally {
        db.close()
      }
    },
  },
  {
    module: 'sharp',
    async run() {
      const { default: sharp } = await import('sharp')
      await sharp({ create: { width: 2, height: 2, channels: 3, background: '#fff' } })
        .png()
        .toBuffer()
    },
  },
]

/** The first line of a loader error, without the stack (paths of the install are kept). */
function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e)
  return text.split('\n')[0].trim().slice(0, 400)
}

export async function checkNativeModules(probes: Probe[] = PROBES): Promise<NativeModuleProblem[]> {
  const problems: NativeModuleProblem[] = []
  for (const p of probes) {
    try {
      await p.run()
    } catch (e) {
      problems.push({ module: p.module, error: firstLine(e) })
    }
  }
  return problems
}

/** The reason the desktop shows (and logs) when native modules cannot load. */
export function describeNativeProblems(problems: NativeModuleProblem[]): string {
  const names = problems.map((p) => p.module).join(' and ')
  const details = problems.map((p) => `${p.module}: ${p.error}`).join('; ')
  return (
    `The native module ${names} could not be loaded (${details}). ` +
    `Reinstall Loupe; from a source checkout run \`npm ci\` with Node 22.12 or newer ` +
    `(no compiler is needed: the modules ship prebuilt binaries for Windows, macOS and Linux on x64 and arm64).`
  )
}
