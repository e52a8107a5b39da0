export interface PackageProblem {
  what: string
  file: string
  fix: string
}
export interface PackageTarget {
  root?: string
  platform: string
  arch: string
  libc?: 'glibc' | 'musl'
  /** Main-process input names (out/main/<name>.js); default: read from electron.vite.config.ts. */
  entries?: string[]
}
export const WORKER_ENTRIES: string[]
export const TFJS_WASM: string[]
export const MODEL_FILES: string[]
export function mainInputs(root?: string): string[]
export function checkPackage(opts: PackageTarget): PackageProblem[]
export function formatProblems(problems: PackageProblem[], target: string): string
export function assertPackage(opts: PackageTarget): string
