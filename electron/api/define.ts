import type { z } from 'zod'

/** One method of the contract: a zod schema for its argument and one for its result. */
export interface MethodDef<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  readonly input: I
  readonly output: O
  /** Long-running methods get a longer client timeout. */
  readonly slow?: boolean
  /**
   * The paths on the serving machine the method reads or writes, from its (parsed) argument: an
   * image given by `path`, a folder to watch, sources of a bulk add or batch task, a dump file.
   * Remote callers of a host only send bytes: a host refuses them these paths (RemotePathRefused),
   * except those it hands out itself (a browser's staged uploads). Declared once, here.
   */
  serverPaths?(input: z.output<I>): string[]
}

export function method<I extends z.ZodType, O extends z.ZodType>(
  input: I,
  output: O,
  opts: { slow?: boolean; serverPaths?: (input: z.output<I>) => string[] } = {},
): MethodDef<I, O> {
  return { input, output, ...opts }
}

/**
 * The server paths a call names (see `MethodDef.serverPaths`): [] for a method that names none or
 * an argument its schema refuses (the dispatcher answers that one with InvalidArgument).
 */
export function serverPathsOf(def: MethodDef | undefined, input: unknown): string[] {
  if (!def?.serverPaths) return []
  const parsed = def.input.safeParse(input ?? {})
  return parsed.success ? def.serverPaths(parsed.data) : []
}

/** The `path` of an image given by path (`{ path }`), for `serverPaths`. */
export function imagePaths(...images: unknown[]): string[] {
  return images.flatMap((i) =>
    typeof i === 'object' && i !== null && typeof (i as { path?: unknown }).path === 'string'
      ? [(i as { path: string }).path]
      : [],
  )
}

export type Domain = Record<string, MethodDef>
export type ContractShape = Record<string, Domain>

/** `domain.method` names of a contract. */
export type MethodName<C extends ContractShape> = {
  [D in keyof C & string]: `${D}.${keyof C[D] & string}`
}[keyof C & string]

/** What the core implements: one async function per method. */
export type Implementation<C extends ContractShape> = {
  [D in keyof C]: {
    [M in keyof C[D]]: (input: z.output<C[D][M]['input']>) => Promise<z.input<C[D][M]['output']>>
  }
}

/** What a caller (renderer, preload consumer, tests) sees: same shape, typed results. */
export type Client<C extends ContractShape> = {
  [D in keyof C]: {
    [M in keyof C[D]]: (input: z.input<C[D][M]['input']>) => Promise<z.output<C[D][M]['output']>>
  }
}

/** Every `[name, def]` of a contract, in declaration order. */
export function listMethods<C extends ContractShape>(contract: C): [MethodName<C>, MethodDef][] {
  const out: [MethodName<C>, MethodDef][] = []
  for (const [domain, methods] of Object.entries(contract)) {
    for (const [name, def] of Object.entries(methods)) {
      out.push([`${domain}.${name}` as MethodName<C>, def])
    }
  }
  return out
}

export function lookupMethod<C extends ContractShape>(
  contract: C,
  name: string,
): MethodDef | undefined {
  const dot = name.indexOf('.')
  if (dot <= 0) return undefined
  const domain = name.slice(0, dot)
  const m = name.slice(dot + 1)
  if (!Object.prototype.hasOwnProperty.call(contract, domain)) return undefined
  const d = contract[domain]
  if (!Object.prototype.hasOwnProperty.call(d, m)) return undefined
  return d[m]
}
