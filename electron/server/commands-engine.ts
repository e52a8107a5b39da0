import path from 'node:path'
import type { Command, CommandContext } from './commands'
import { ATTR_OPTIONS, UsageError, attributeFields, int, str } from './commands'
import { createKeyStore } from '../core/engines/wire/keys'
import type { SearchResult } from '../api/schemas'

const SEARCH_OPTIONS = {
  image: { type: 'string' },
  product: { type: 'string' },
  name: { type: 'string' },
  region: { type: 'string' },
  'no-crop': { type: 'boolean' },
  category: { type: 'string' },
  num: { type: 'string' },
  start: { type: 'string' },
  filter: { type: 'string' },
  distinct: { type: 'boolean' },
  'score-threshold': { type: 'string' },
} as const

function image(file: string) {
  return { path: path.resolve(file) }
}

function printSearch(ctx: CommandContext, r: SearchResult) {
  if (ctx.json) return ctx.printJson(r)
  ctx.out(`${r.head.docsFound} found, ${r.head.docsReturn} returned in ${r.head.searchTime} ms`)
  if (r.picInfo?.region)
    ctx.out(`subject region: ${r.picInfo.region}  category: ${r.picInfo.categoryId}`)
  r.auctions.forEach((a, i) => {
    ctx.out(
      `${String(i + 1).padStart(3)}  ${a.score.toFixed(4)}  ${a.productId}  ${a.picName}  cat ${a.categoryId}${a.customContent ? `  ${a.customContent.slice(0, 40)}` : ''}`,
    )
  })
}

function needKey(ctx: CommandContext): { productId: string; picName: string } {
  const productId = str(ctx, 'product')
  const picName = str(ctx, 'name')
  if (!productId || !picName) throw new UsageError('--product and --name are required')
  return { productId, picName }
}

export const ENGINE_COMMANDS: Record<string, Command> = {
  add: {
    usage:
      'FILE --product ID --name NAME [--category N] [--content TEXT] [--int-attr N] … [--str-attr S] … [--region x1,x2,y1,y2] [--no-crop]',
    summary: 'add one image (prepared to the engine limits first)',
    options: {
      product: { type: 'string' },
      name: { type: 'string' },
      region: { type: 'string' },
      'no-crop': { type: 'boolean' },
      ...ATTR_OPTIONS,
    },
    async run(ctx) {
      if (ctx.positionals.length !== 1) throw new UsageError('Give exactly one image FILE')
      const key = needKey(ctx)
      const r = await ctx.core.api.images.add({
        profile: ctx.profile(),
        image: image(ctx.positionals[0]),
        ...key,
        ...attributeFields(ctx),
        ...(str(ctx, 'region') ? { region: str(ctx, 'region') } : {}),
        crop: !ctx.values['no-crop'],
      })
      if (ctx.json) return ctx.printJson(r)
      ctx.out(
        `Added ${key.productId} / ${key.picName}: category ${r.picInfo.categoryId}, region ${r.regionOnOriginal ?? r.picInfo.region ?? 'whole image'}`,
      )
      if (r.preprocessing.length) ctx.out(`Preprocessing: ${r.preprocessing.join('; ')}`)
    },
  },
  search: {
    usage:
      '(--image FILE [--region R] [--no-crop] | --product ID --name NAME | --filter EXPR) [--category N] [--num N] [--start N] [--filter EXPR] [--distinct] [--score-threshold S] [--json]',
    summary: 'search by image, by name, or by filter',
    options: SEARCH_OPTIONS,
    async run(ctx) {
      if (ctx.positionals.length) throw new UsageError(`Unexpected argument: ${ctx.positionals[0]}`)
      const common = {
        profile: ctx.profile(),
        ...(int(ctx, 'category') !== undefined ? { categoryId: int(ctx, 'category') } : {}),
        ...(int(ctx, 'num') !== undefined ? { num: int(ctx, 'num') } : {}),
        ...(int(ctx, 'start') !== undefined ? { start: int(ctx, 'start') } : {}),
        ...(str(ctx, 'filter') ? { filter: str(ctx, 'filter') } : {}),
        ...(ctx.values.distinct ? { distinctProductId: true } : {}),
        ...(str(ctx, 'score-threshold')
          ? { scoreThreshold: Number(str(ctx, 'score-threshold')) }
          : {}),
      }
      const file = str(ctx, 'image')
      const byName = str(ctx, 'product') || str(ctx, 'name')
      if (file && byName) throw new UsageError('Give either --image or --product/--name, not both')
      if (file) {
        return printSearch(
          ctx,
          await ctx.core.api.search.byPic({
            ...common,
            image: image(file),
            ...(str(ctx, 'region') ? { region: str(ctx, 'region') } : {}),
            crop: !ctx.values['no-crop'],
          }),
        )
      }
      if (byName)
        return printSearch(ctx, await ctx.core.api.search.byName({ ...common, ...needKey(ctx) }))
      const filter = str(ctx, 'filter')
      if (!filter) throw new UsageError('Give --image, --product and --name, or --filter')
      return printSearch(
        ctx,
        await ctx.core.api.search.byFilter({
          profile: common.profile,
          filter,
          num: common.num,
          start: common.start,
        }),
      )
    },
  },
  update: {
    usage:
      '--product ID --name NAME [--category N] [--content TEXT] [--int-attr N] … [--str-attr S] …',
    summary: "update an image's category, attributes or custom content",
    options: { product: { type: 'string' }, name: { type: 'string' }, ...ATTR_OPTIONS },
    async run(ctx) {
      const key = needKey(ctx)
      const attrs = attributeFields(ctx)
      if (!Object.keys(attrs).length)
        throw new UsageError('Nothing to update: give at least one attribute')
      const r = await ctx.core.api.images.update({ profile: ctx.profile(), ...key, ...attrs })
      if (ctx.json) return ctx.printJson(r)
      ctx.out(`Updated ${key.productId} / ${key.picName}`)
    },
  },
  delete: {
    usage: '--product ID [--name NAME] | --filter EXPR',
    summary: 'delete a product, one picture, or every image matching a filter',
    options: { product: { type: 'string' }, name: { type: 'string' }, filter: { type: 'string' } },
    async run(ctx) {
      const productId = str(ctx, 'product')
      const filter = str(ctx, 'filter')
      if (!!productId === !!filter)
        throw new UsageError('Give either --product [--name] or --filter')
      if (str(ctx, 'name') && !productId) throw new UsageError('--name needs --product')
      const r = await ctx.core.api.images.remove({
        profile: ctx.profile(),
        ...(productId ? { productId } : {}),
        ...(str(ctx, 'name') ? { picName: str(ctx, 'name') } : {}),
        ...(filter ? { filter } : {}),
      })
      if (ctx.json) return ctx.printJson(r)
      ctx.out(
        `Deleted${r.picNames.length ? ` ${r.picNames.length} picture(s): ${r.picNames.join(', ')}` : ''}`,
      )
    },
  },
  exists: {
    usage: '--product ID --name NAME',
    summary: 'tell whether an image is in the gallery (exit 0 yes, 3 no)',
    options: { product: { type: 'string' }, name: { type: 'string' } },
    async run(ctx) {
      const r = await ctx.core.api.images.exists({ profile: ctx.profile(), ...needKey(ctx) })
      if (ctx.json) ctx.printJson(r)
      else ctx.out(r.exist ? 'exists' : 'not found')
      return r.exist ? 0 : 3
    },
  },
  compare: {
    usage: 'A B',
    summary: 'similarity score (0..1) of two images',
    async run(ctx) {
      if (ctx.positionals.length !== 2) throw new UsageError('Give two image files')
      const r = await ctx.core.api.search.compare({
        profile: ctx.profile(),
        primary: image(ctx.positionals[0]),
        secondary: image(ctx.positionals[1]),
      })
      if (ctx.json) return ctx.printJson(r)
      ctx.out(r.score.toFixed(4))
    },
  },
  'keys create': {
    usage: '[--description TEXT]',
    summary: 'create an AccessKey for the engine API (the secret is shown once)',
    options: { description: { type: 'string' } },
    async run(ctx) {
      const k = await createKeyStore(ctx.dataDir).create({ description: str(ctx, 'description') })
      if (ctx.json) return ctx.printJson(k)
      ctx.out(
        `AccessKey ID:     ${k.accessKeyId}\nAccessKey secret: ${k.accessKeySecret}\n\nThe secret is shown only now: store it safely.`,
      )
    },
  },
  'keys list': {
    summary: 'list the AccessKeys of the engine API (secrets masked)',
    async run(ctx) {
      const keys = await createKeyStore(ctx.dataDir).list()
      if (ctx.json) return ctx.printJson({ keys })
      if (!keys.length)
        ctx.out(
          'No AccessKeys. Create one with `loupe keys create`, or set LOUPE_ACCESS_KEY_ID / LOUPE_ACCESS_KEY_SECRET.',
        )
      for (const k of keys) ctx.out(JSON.stringify(k))
    },
  },
  'keys revoke': {
    usage: 'ACCESS_KEY_ID',
    summary: 'revoke an AccessKey of the engine API',
    async run(ctx) {
      if (ctx.positionals.length !== 1) throw new UsageError('Give one AccessKey ID')
      const ok = await createKeyStore(ctx.dataDir).revoke(ctx.positionals[0])
      if (!ok) {
        process.stderr.write(
          `KeyNotFound: no managed AccessKey ${ctx.positionals[0]} (keys from the environment cannot be revoked)\n`,
        )
        return 1
      }
      ctx.out(`Revoked ${ctx.positionals[0]}`)
    },
  },
}
