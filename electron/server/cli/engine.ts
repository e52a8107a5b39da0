import path from 'node:path'
import type { CommandUnknownOpts } from '@commander-js/extra-typings'
import type { SearchResult } from '../../api/schemas'
import { createKeyStore } from '../../core/engines/wire/keys'
import {
  UsageError,
  attrOptions,
  attributeFields,
  intArg,
  type AttrValues,
  type CommandContext,
} from './context'
import type { Runner } from './runner'
import { escapeLogText } from '../../core/log-text'

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

function needKey(o: { product?: string; name?: string }): { productId: string; picName: string } {
  if (!o.product || !o.name) throw new UsageError('--product and --name are required')
  return { productId: o.product, picName: o.name }
}

/** add, search, update, delete, exists, compare and `keys …`. */
export function registerEngineCommands(program: CommandUnknownOpts, run: Runner): void {
  const add = program
    .command('add')
    .description('add one image (prepared to the engine limits first)')
    .argument('<file>', 'the picture')
    .option('--product <id>', 'ProductId')
    .option('--name <name>', 'PicName')
    .option('--region <x1,x2,y1,y2>', 'the subject region on the picture')
    .option('--no-crop', 'do not detect the subject: the whole picture is indexed')
  for (const o of attrOptions()) add.addOption(o)
  add.action((file, o, cmd) =>
    run.contract(cmd, async (ctx) => {
      const key = needKey(o)
      const r = await ctx.api.images.add({
        profile: await ctx.profile(),
        image: image(file),
        ...key,
        ...attributeFields(o as AttrValues),
        ...(o.region ? { region: o.region } : {}),
        crop: o.crop,
      })
      if (ctx.json) return ctx.printJson(r)
      ctx.out(
        `Added ${key.productId} / ${key.picName}: category ${r.picInfo.categoryId}, region ${r.regionOnOriginal ?? r.picInfo.region ?? 'whole image'}`,
      )
      if (r.preprocessing.length) ctx.out(`Preprocessing: ${r.preprocessing.join('; ')}`)
    }),
  )

  program
    .command('search')
    .description('search by image (--image), by name (--product/--name), or by filter (--filter)')
    .option('--image <file>', 'search with this picture')
    .option('--product <id>', 'search with a picture of the gallery: its ProductId…')
    .option('--name <name>', '…and its PicName')
    .option('--region <x1,x2,y1,y2>', 'the subject region on the picture')
    .option('--no-crop', 'do not detect the subject: search with the whole picture')
    .option('--category <n>', 'category id', intArg)
    .option('--num <n>', 'how many results', intArg)
    .option('--start <n>', 'first result (paging)', intArg)
    .option('--filter <expr>', 'the filter language, e.g. int_attr>=100 AND str_attr="red"')
    .option('--distinct', 'one result per ProductId')
    .option('--score-threshold <s>', 'drop results scoring less')
    .action((o, cmd) =>
      run.contract(cmd, async (ctx) => {
        const common = {
          profile: await ctx.profile(),
          ...(o.category !== undefined ? { categoryId: o.category } : {}),
          ...(o.num !== undefined ? { num: o.num } : {}),
          ...(o.start !== undefined ? { start: o.start } : {}),
          ...(o.filter ? { filter: o.filter } : {}),
          ...(o.distinct ? { distinctProductId: true } : {}),
          ...(o.scoreThreshold ? { scoreThreshold: Number(o.scoreThreshold) } : {}),
        }
        const byName = o.product || o.name
        if (o.image && byName) {
          throw new UsageError('Give either --image or --product/--name, not both')
        }
        if (o.image) {
          return printSearch(
            ctx,
            await ctx.api.search.byPic({
              ...common,
              image: image(o.image),
              ...(o.region ? { region: o.region } : {}),
              crop: o.crop,
            }),
          )
        }
        if (byName) {
          return printSearch(ctx, await ctx.api.search.byName({ ...common, ...needKey(o) }))
        }
        if (!o.filter) throw new UsageError('Give --image, --product and --name, or --filter')
        return printSearch(
          ctx,
          await ctx.api.search.byFilter({
            profile: common.profile,
            filter: o.filter,
            num: o.num,
            start: o.start,
          }),
        )
      }),
    )

  const update = program
    .command('update')
    .description("update an image's category, attributes or custom content")
    .option('--product <id>', 'ProductId')
    .option('--name <name>', 'PicName')
  for (const o of attrOptions()) update.addOption(o)
  update.action((o, cmd) =>
    run.contract(cmd, async (ctx) => {
      const key = needKey(o)
      const attrs = attributeFields(o as AttrValues)
      if (!Object.keys(attrs).length) {
        throw new UsageError('Nothing to update: give at least one attribute')
      }
      const r = await ctx.api.images.update({ profile: await ctx.profile(), ...key, ...attrs })
      if (ctx.json) return ctx.printJson(r)
      ctx.out(`Updated ${key.productId} / ${key.picName}`)
    }),
  )

  program
    .command('delete')
    .description('delete a product, one picture, or every image matching a filter')
    .option('--product <id>', 'ProductId: the whole product…')
    .option('--name <name>', '…or only this picture of it')
    .option('--filter <expr>', 'every image matching the filter')
    .action((o, cmd) =>
      run.contract(cmd, async (ctx) => {
        if (!!o.product === !!o.filter) {
          throw new UsageError('Give either --product [--name] or --filter')
        }
        if (o.name && !o.product) throw new UsageError('--name needs --product')
        const r = await ctx.api.images.remove({
          profile: await ctx.profile(),
          ...(o.product ? { productId: o.product } : {}),
          ...(o.name ? { picName: o.name } : {}),
          ...(o.filter ? { filter: o.filter } : {}),
        })
        if (ctx.json) return ctx.printJson(r)
        ctx.out(
          `Deleted${r.picNames.length ? ` ${r.picNames.length} picture(s): ${r.picNames.join(', ')}` : ''}`,
        )
      }),
    )

  program
    .command('exists')
    .description('tell whether an image is in the gallery (exit 0 yes, 3 no)')
    .option('--product <id>', 'ProductId')
    .option('--name <name>', 'PicName')
    .action((o, cmd) =>
      run.contract(cmd, async (ctx) => {
        const r = await ctx.api.images.exists({ profile: await ctx.profile(), ...needKey(o) })
        if (ctx.json) ctx.printJson(r)
        else ctx.out(r.exist ? 'exists' : 'not found')
        return r.exist ? 0 : 3
      }),
    )

  program
    .command('compare')
    .description('similarity score (0..1) of two images')
    .argument('<a>', 'a picture')
    .argument('<b>', 'another picture')
    .action((a, b, _o, cmd) =>
      run.contract(cmd, async (ctx) => {
        const r = await ctx.api.search.compare({
          profile: await ctx.profile(),
          primary: image(a),
          secondary: image(b),
        })
        if (ctx.json) return ctx.printJson(r)
        ctx.out(r.score.toFixed(4))
      }),
    )

  // AccessKeys of `loupe serve`'s engine API: a file of the data folder, never a method of the
  // contract (a browser reaching the UI must not be able to mint keys for the signed API).
  const keys = program
    .command('keys')
    .description("manage the AccessKeys of the engine API (`loupe serve`'s POST /)")
  keys
    .command('create')
    .description('create an AccessKey (the secret is shown once)')
    .option('--description <text>', 'what the key is for')
    .action((o, cmd) =>
      run.plain(cmd, async (ctx) => {
        const k = await createKeyStore(ctx.dataDir).create({ description: o.description })
        if (ctx.json) return ctx.printJson(k)
        ctx.out(
          `AccessKey ID:     ${k.accessKeyId}\nAccessKey secret: ${k.accessKeySecret}\n\nThe secret is shown only now: store it safely.`,
        )
      }),
    )
  keys
    .command('list')
    .description('list the AccessKeys (secrets masked)')
    .action((_o, cmd) =>
      run.plain(cmd, async (ctx) => {
        const list = await createKeyStore(ctx.dataDir).list()
        if (ctx.json) return ctx.printJson({ keys: list })
        if (!list.length) {
          ctx.out(
            'No AccessKeys. Create one with `loupe keys create`, or set LOUPE_ACCESS_KEY_ID / LOUPE_ACCESS_KEY_SECRET.',
          )
        }
        for (const k of list) ctx.out(JSON.stringify(k))
      }),
    )
  keys
    .command('revoke')
    .description('revoke an AccessKey')
    .argument('<access-key-id>', 'the AccessKey ID')
    .action((id, _o, cmd) =>
      run.plain(cmd, async (ctx) => {
        const ok = await createKeyStore(ctx.dataDir).revoke(id)
        if (!ok) {
          process.stderr.write(
            escapeLogText(
              `KeyNotFound: no managed AccessKey ${id} (keys from the environment cannot be revoked)`,
            ) + '\n',
          )
          return 1
        }
        ctx.out(`Revoked ${id}`)
      }),
    )
}
