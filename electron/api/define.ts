import type { z } from 'zod'

/** One method of the contract: a zod schema for its argument and one for its result. */
export interface MethodDef<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  readonly input: I
  readonly output: O
  /** Long-running methods get a longer client timeout. */
  readonly slow?: boolean
}

export function method<I extends z.ZodType, O extends z.ZodType>(
  input: I,
  output: O,
  opts: { slow?: boolean } = {},
): MethodDef<I, O> {
  return { input, output, ...opts }
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
