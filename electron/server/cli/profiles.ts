import { Option, type CommandUnknownOpts } from '@commander-js/extra-typings'
import { UsageError, intArg } from './context'
import type { Runner } from './runner'

/** Reads the whole of stdin (for secrets: never take them as arguments, they show in `ps`). */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const c of process.stdin) chunks.push(c as Buffer)
  return Buffer.concat(chunks).toString('utf8').trim()
}

const SERVICE_TYPES = ['product', 'generic', 'fabric', 'trademark'] as const

/** `loupe profiles …` and `loupe detail`. */
export function registerProfileCommands(program: CommandUnknownOpts, run: Runner): void {
  const profiles = program
    .command('profiles')
    .description('list, add, remove and choose profiles (a local engine or a cloud instance)')

  profiles
    .command('list')
    .description('list profiles (* = active)')
    .action((_o, cmd) =>
      run.contract(cmd, async (ctx) => {
        const r = await ctx.api.profiles.list({})
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
      }),
    )

  profiles
    .command('add')
    .description(
      'add a profile (a cloud secret from stdin with --secret-stdin, or ALIBABA_CLOUD_ACCESS_KEY_SECRET)',
    )
    .argument('<name>', 'profile name')
    .option('--local', 'a local engine on this machine')
    .option('--cloud', 'an Alibaba Cloud Image Search instance')
    .option('--capacity <n>', 'local: how many images (default 100000)', intArg)
    .option('--qps <n>', 'local: requests per second, 0 = unlimited', intArg)
    .option('--instance <name>', 'cloud: the instance name')
    .option('--region <region>', 'cloud: the region, e.g. cn-shanghai')
    .option('--endpoint <host[:port]>', 'cloud: an endpoint instead of the region')
    .addOption(new Option('--protocol <p>', 'cloud: protocol').choices(['http', 'https'] as const))
    .option('--access-key-id <id>', 'cloud: AccessKey ID (default: ALIBABA_CLOUD_ACCESS_KEY_ID)')
    .option('--secret-stdin', 'cloud: read the AccessKey secret from stdin')
    .addOption(new Option('--service-type <type>', 'service type').choices(SERVICE_TYPES))
    .option('--activate', 'make it the active profile')
    .action((name, o, cmd) =>
      run.contract(cmd, async (ctx) => {
        const local = !!o.local
        if (local === !!o.cloud) throw new UsageError('Give either --local or --cloud')
        const serviceType = o.serviceType ?? 'product'
        let view
        if (local) {
          view = await ctx.api.profiles.create({
            kind: 'local',
            name,
            serviceType,
            local: { capacity: o.capacity ?? 100_000, qps: o.qps ?? 0 },
          })
        } else {
          const accessKeyId = o.accessKeyId ?? process.env.ALIBABA_CLOUD_ACCESS_KEY_ID
          if (!o.instance) throw new UsageError('--instance is required for a cloud profile')
          if (!accessKeyId) throw new UsageError('--access-key-id is required for a cloud profile')
          const secret = o.secretStdin ? await readStdin() : undefined
          view = await ctx.api.profiles.create({
            kind: 'cloud',
            name,
            serviceType,
            cloud: {
              instanceName: o.instance,
              region: o.region,
              endpoint: o.endpoint,
              protocol: o.protocol ?? 'https',
              accessKeyId,
              ...(secret ? { accessKeySecret: secret } : {}),
            },
          })
        }
        if (o.activate) await ctx.api.profiles.activate({ name })
        if (ctx.json) return ctx.printJson(view)
        ctx.out(`Added profile ${view.name} (${view.kind})`)
      }),
    )

  profiles
    .command('remove')
    .description('remove a profile (its secret too)')
    .argument('<name>', 'profile name')
    .action((name, _o, cmd) =>
      run.contract(cmd, async (ctx) => {
        const r = await ctx.api.profiles.remove({ name })
        if (ctx.json) return ctx.printJson(r)
        ctx.out(`Removed profile ${name}`)
      }),
    )

  profiles
    .command('use')
    .description('make a profile the active one')
    .argument('<name>', 'profile name')
    .action((name, _o, cmd) =>
      run.contract(cmd, async (ctx) => {
        const r = await ctx.api.profiles.activate({ name })
        if (ctx.json) return ctx.printJson(r)
        ctx.out(`Active profile: ${r.active}`)
      }),
    )

  program
    .command('detail')
    .description("show the instance's Detail (capacity, count, QPS, expiry)")
    .action((_o, cmd) =>
      run.contract(cmd, async (ctx) => {
        const r = await ctx.api.instance.detail({ profile: await ctx.profile() })
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
      }),
    )
}
