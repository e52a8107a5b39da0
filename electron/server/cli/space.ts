import { Option, InvalidArgumentError, type CommandUnknownOpts } from '@commander-js/extra-typings'
import type { SpaceInfo, SpaceStatus } from '../../api/domains/space'
import { followJob, stopSignal, when, type CommandContext } from './context'
import type { Runner } from './runner'

/**
 * `loupe space`: the local engine's gallery-adapted space (engines/local/space.ts) — learn one from
 * the gallery (a job), see its before → after figures, switch it on, switch back.
 */

const pct = (x: number) => `${(x * 100).toFixed(1)} %`

const REASONS: Record<string, string> = {
  improves:
    'recommended: the held-out views improve and your products’ own pictures do not match each other less well',
  improvesViewsOnly:
    'recommended, with a caveat: the held-out views improve, but no product has several pictures to check it against',
  ownProductsWorse:
    'not recommended: your products’ own pictures match each other less well after adapting',
  viewsNotBetter: 'not recommended: the held-out views do not improve',
}

function printSpace(ctx: CommandContext, s: SpaceInfo, active: boolean) {
  const f = s.figures
  ctx.out(
    `space ${s.id}  ${active ? 'ON' : s.state}  ${s.pictures} pictures sampled  ` +
      when(s.createdAt),
  )
  if (!f) return
  const line = (name: string, m: NonNullable<typeof f>['heldOutViews']) =>
    ctx.out(
      `    ${name.padEnd(28)} R@1 ${pct(m.before)} → ${pct(m.after)}  (${m.queries} queries: ${m.better} better, ${m.worse} worse)`,
    )
  line('held-out views', f.heldOutViews)
  if (f.ownProducts) line('own products', f.ownProducts)
  else ctx.out('    own products                 – (fewer than 20 pictures share a product)')
  ctx.out(`    ${REASONS[f.reason] ?? f.reason}`)
}

function printStatus(ctx: CommandContext, st: SpaceStatus) {
  ctx.out(
    st.active
      ? `Searches use adapted space ${st.active.id}.`
      : 'Searches use the plain descriptor (no adapted space on).',
  )
  ctx.out(
    st.pictures >= st.minPictures
      ? `${st.pictures} pictures can teach a space (at least ${st.minPictures}; a few thousand is best).`
      : `${st.pictures} pictures: too few to learn a space (it needs at least ${st.minPictures}; a few thousand is best).`,
  )
  for (const s of st.spaces) printSpace(ctx, s, st.active?.id === s.id)
}

function idArg(v: string): number {
  const n = Number(v)
  if (!/^\d+$/.test(v.trim()) || n < 1) throw new InvalidArgumentError(`not a space id: "${v}"`)
  return n
}

export function registerSpaceCommands(program: CommandUnknownOpts, run: Runner) {
  const space = program
    .command('space')
    .description("the local engine's gallery-adapted space: learn, compare, switch on and off")
    .addHelpText(
      'after',
      `
A space is learned from the gallery's own pictures (no labels: each picture and an augmented view
of it), measured on the gallery before → after, and switched on only when that measure says it
helps (--force otherwise). The stored vectors never change: switching back is exact.`,
    )
  space
    .command('status', { isDefault: true })
    .description('the space in use and the learned ones, with their figures')
    .action((_o, cmd) =>
      run.contract(cmd, async (ctx) => {
        const st = await ctx.api.space.status({ profile: await ctx.profile() })
        if (ctx.json) return ctx.printJson(st)
        printStatus(ctx, st)
      }),
    )
  space
    .command('learn')
    .description('learn a space from the gallery (a job) and print its figures')
    .addOption(
      new Option('--max-pictures <n>', 'pictures sampled at most (whole products)')
        .argParser((v) => {
          const n = Number(v)
          if (!Number.isInteger(n) || n < 100 || n > 20_000)
            throw new InvalidArgumentError(`must be a whole number from 100 to 20000, not "${v}"`)
          return n
        })
        .default(2000),
    )
    .option('--apply', 'switch it on when it is recommended')
    .action((o, cmd) =>
      run.contract(cmd, async (ctx) => {
        const profile = await ctx.profile()
        const signal = stopSignal()
        let started: { jobId: number; spaceId: number }
        try {
          started = await ctx.api.space.learn({ profile, maxPictures: o.maxPictures as number })
        } catch (e) {
          signal.dispose()
          throw e
        }
        const { jobId, spaceId } = started
        const outcome = await followJob(
          ctx,
          jobId,
          (p) => `learning adapted space ${spaceId}: ${p.done}/${p.total} steps`,
          signal,
        )
        if ('signal' in outcome) {
          process.stderr.write(
            `Stopped (${outcome.signal}): learning (job ${jobId}) is paused; resume it in the app's Jobs panel.\n`,
          )
          return 130
        }
        if (outcome.job.state !== 'done') {
          const e = outcome.job.error
          process.stderr.write(
            `Learning (job ${jobId}) ended ${outcome.job.state}${e ? `: ${e.code}: ${e.message}` : ''}\n`,
          )
          return 1
        }
        let st = await ctx.api.space.status({ profile })
        const learned = st.spaces.find((s) => s.id === spaceId)!
        if (o.apply && learned.figures?.recommended)
          st = await ctx.api.space.apply({ profile, spaceId })
        if (ctx.json) return ctx.printJson({ space: learned, status: st })
        printSpace(ctx, learned, st.active?.id === spaceId)
        if (st.active?.id === spaceId) ctx.out(`Switched on: searches use space ${spaceId}.`)
        else if (learned.figures?.recommended)
          ctx.out(`Switch it on with: loupe space apply ${spaceId}`)
      }),
    )
  space
    .command('apply')
    .description('switch a learned space on')
    .argument('<id>', 'the space (see loupe space status)', idArg)
    .option('--force', 'even when the gallery’s own measure does not recommend it')
    .action((id, o, cmd) =>
      run.contract(cmd, async (ctx) => {
        const st = await ctx.api.space.apply({
          profile: await ctx.profile(),
          spaceId: id,
          force: !!o.force,
        })
        if (ctx.json) return ctx.printJson(st)
        ctx.out(`Searches use adapted space ${id}. Switch back with: loupe space revert`)
      }),
    )
  space
    .command('revert')
    .description('back to the plain descriptor')
    .action((_o, cmd) =>
      run.contract(cmd, async (ctx) => {
        const st = await ctx.api.space.revert({ profile: await ctx.profile() })
        if (ctx.json) return ctx.printJson(st)
        ctx.out('Searches use the plain descriptor.')
      }),
    )
}
