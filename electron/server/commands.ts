import type { ParseArgsConfig } from 'node:util'
import type { Core } from '../core/app'

export interface CommandContext {
  values: Record<string, string | boolean | string[] | undefined>
  positionals: string[]
  dataDir: string
  readonly core: Core
  profile(): string
  json: boolean
  out(text: string): void
  printJson(v: unknown): void
}

export interface Command {
  usage?: string
  summary: string
  options?: NonNullable<ParseArgsConfig['options']>
  run(ctx: CommandContext): Promise<number | void>
}

/** Wrong usage: the CLI prints the command's usage and exits 2. */
export class UsageError extends Error {}

/** Reads the whole of stdin (for secrets: never take them as arguments, they show in `ps`). */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const c of process.stdin) chunks.push(c as Buffer)
  return Buffer.concat(chunks).toString('utf8').trim()
}

export function str(ctx: CommandContext, name: string): string | undefined {
  const v = ctx.values[name]
  return typeof v === 'string' ? v : undefined
}

export function int(ctx: CommandContext, name: string): number | undefined {
  const v = str(ctx, name)
  if (v === undefined) return undefined
  if (!/^-?\d+$/.test(v)) throw new UsageError(`--${name} must be an integer, not "${v}"`)
  return Number(v)
}

/** The category / custom content / attribute options shared by add, update, bulk-add, batch and watch. */
export const ATTR_OPTIONS = {
  category: { type: 'string' },
  content: { type: 'string' },
  'int-attr': { type: 'string' },
  'int-attr2': { type: 'string' },
  'int-attr3': { type: 'string' },
  'int-attr4': { type: 'string' },
  'str-attr': { type: 'string' },
  'str-attr2': { type: 'string' },
  'str-attr3': { type: 'string' },
  'str-attr4': { type: 'string' },
} as const

/** Those options' values as the contract's fields (categoryId, customContent, intAttr…, strAttr…). */
export function attributeFields(ctx: CommandContext): Record<string, string | number> {
  const out: Record<string, string | number> = {}
  const c = int(ctx, 'category')
  if (c !== undefined) out.categoryId = c
  const content = str(ctx, 'content')
  if (content !== undefined) out.customContent = content
  for (const s of ['', '2', '3', '4']) {
    const i = int(ctx, `int-attr${s}`)
    if (i !== undefined) out[`intAttr${s}`] = i
    const v = str(ctx, `str-attr${s}`)
    if (v !== undefined) out[`strAttr${s}`] = v
  }
  return out
}

async function call<T>(p: Promise<T>): Promise<T> {
  return p
}

export const COMMANDS: Record<string, Command> = {
  'profiles list': {
    summary: 'list profiles (* = active)',
    async run(ctx) {
      const r = await call(ctx.core.api.profiles.list({}))
      if (ctx.json) return ctx.printJson(r)
      for (const p of r.profiles) {
        const where =
          p.kind === 'local'
            ? `local engine, capacity ${p.local?.capacity}`
            : `cloud ${p.cloud?.instanceName} @ ${p.cloud?.endpoint ?? p.cloud?.region} key ${p.cloud?.accessKeyIdMasked}${p.cloud?.hasSecret ? '' : ' (no secret)'}`
        ctx.out(
          `${p.name === r.active ? '*' : ' '} ${p.name.padEnd(20)} ${p.kind.padEnd(6)} ${p.serviceType.padEnd(9)} ${where}`,
        )
      }
    },
  },
  'profiles add': {
    usage:
      'NAME (--local [--capacity N] [--qps N] | --cloud --instance NAME (--region R | --endpoint HOST[:PORT] [--protocol http|https]) --access-key-id ID [--secret-stdin]) [--service-type product|generic|fabric|trademark]',
    summary: 'add a profile (cloud secret from stdin or ALIBABA_CLOUD_ACCESS_KEY_SECRET)',
    options: {
      local: { type: 'boolean' },
      cloud: { type: 'boolean' },
      capacity: { type: 'string' },
      qps: { type: 'string' },
      instance: { type: 'string' },
      region: { type: 'string' },
      endpoint: { type: 'string' },
      protocol: { type: 'string' },
      'access-key-id': { type: 'string' },
      'secret-stdin': { type: 'boolean' },
      'service-type': { type: 'string' },
      activate: { type: 'boolean' },
    },
    async run(ctx) {
      const name = ctx.positionals[0]
      if (!name || ctx.positionals.length > 1) throw new UsageError('Give exactly one profile NAME')
      const local = !!ctx.values.local
      const cloud = !!ctx.values.cloud
      if (local === cloud) throw new UsageError('Give either --local or --cloud')
      const serviceType = str(ctx, 'service-type') as 'product' | undefined
      let view
      if (local) {
        view = await ctx.core.api.profiles.create({
          kind: 'local',
          name,
          serviceType: serviceType ?? 'product',
          local: { capacity: int(ctx, 'capacity') ?? 100_000, qps: int(ctx, 'qps') ?? 0 },
        })
      } else {
        const instanceName = str(ctx, 'instance')
        const accessKeyId = str(ctx, 'access-key-id') ?? process.env.ALIBABA_CLOUD_ACCESS_KEY_ID
        if (!instanceName) throw new UsageError('--instance is required for a cloud profile')
        if (!accessKeyId) throw new UsageError('--access-key-id is required for a cloud profile')
        let secret: string | undefined
        if (ctx.values['secret-stdin']) secret = await readStdin()
        else if (process.env.ALIBABA_CLOUD_ACCESS_KEY_ID === accessKeyId) secret = undefined
        const protocol = str(ctx, 'protocol')
        if (protocol && protocol !== 'http' && protocol !== 'https') {
          throw new UsageError('--protocol must be http or https')
        }
        view = await ctx.core.api.profiles.create({
          kind: 'cloud',
          name,
          serviceType: serviceType ?? 'product',
          cloud: {
            instanceName,
            region: str(ctx, 'region'),
            endpoint: str(ctx, 'endpoint'),
            protocol: (protocol as 'http' | 'https' | undefined) ?? 'https',
            accessKeyId,
            ...(secret ? { accessKeySecret: secret } : {}),
          },
        })
      }
      if (ctx.values.activate) await ctx.core.api.profiles.activate({ name })
      if (ctx.json) return ctx.printJson(view)
      ctx.out(`Added profile ${view.name} (${view.kind})`)
    },
  },
  'profiles remove': {
    usage: 'NAME',
    summary: 'remove a profile (its secret too)',
    async run(ctx) {
      const name = ctx.positionals[0]
      if (!name || ctx.positionals.length > 1) throw new UsageError('Give exactly one profile NAME')
      const r = await ctx.core.api.profiles.remove({ name })
      if (ctx.json) return ctx.printJson(r)
      ctx.out(`Removed profile ${name}`)
    },
  },
  'profiles use': {
    usage: 'NAME',
    summary: 'make a profile the active one',
    async run(ctx) {
      const name = ctx.positionals[0]
      if (!name || ctx.positionals.length > 1) throw new UsageError('Give exactly one profile NAME')
      const r = await ctx.core.api.profiles.activate({ name })
      if (ctx.json) return ctx.printJson(r)
      ctx.out(`Active profile: ${r.active}`)
    },
  },
  detail: {
    summary: "show the instance's Detail (capacity, count, QPS, expiry)",
    async run(ctx) {
      if (ctx.positionals.length) throw new UsageError(`Unexpected argument: ${ctx.positionals[0]}`)
      const r = await ctx.core.api.instance.detail({ profile: ctx.profile() })
      if (ctx.json) return ctx.printJson(r)
      const i = r.instance
      ctx.out(
        [
          `Instance     ${i.name}`,
          `Region       ${i.region}`,
          `Service type ${i.serviceType}`,
          `Images       ${i.totalCount} / ${i.capacity} (${((100 * i.totalCount) / Math.max(1, i.capacity)).toFixed(1)} %)`,
          `QPS          ${i.qps || 'unlimited'}`,
          `Created      ${new Date(i.utcCreate).toISOString()}`,
          `Expires      ${i.utcExpireTime ? new Date(i.utcExpireTime).toISOString() : 'never'}`,
        ].join('\n'),
      )
    },
  },
}
