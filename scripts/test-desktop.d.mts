export function electronBinary(env?: NodeJS.ProcessEnv, root?: string): string | null
export function skipReason(
  env?: NodeJS.ProcessEnv,
  platform?: NodeJS.Platform,
  root?: string,
): string | null
