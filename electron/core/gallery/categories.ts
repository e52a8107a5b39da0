/**
 * Categories of gallery pictures, as the user sets them ("Set category…" on a selection) and
 * "predict the rest" (local engine). Both go through the registry's engine, so the write-through
 * wrapper keeps the cache in step (write-through.ts, op 'category').
 *
 * - Local engine: `setCategory` changes the stored category without describing the picture again
 *   and marks it labelled; `predictCategories` re-predicts every unlabelled picture from the
 *   labelled ones (engines/local/predict-rest.ts).
 * - Cloud: UpdateImage cannot change a category (the API refuses CategoryId there), so the picture
 *   is added again with the new category — which needs the picture itself: only where Loupe knows
 *   its source file and the file is unchanged (same SHA-256 as when it was added). Otherwise the
 *   item fails and says why (CategoryNeedsSourceFile, CategorySourceFileMissing, CategorySourceFileChanged).
 */
import fs from 'node:fs'
import { createHash } from 'node:crypto'
import type { z } from 'zod'
import { ATTR_KEYS } from '../../domain'
import type * as S from '../../api/schemas'
import { CoreError } from '../errors'
import type { EngineRegistry } from '../engines/registry'
import type { PredictCategoriesResult, SetCategoryRequest } from '../engines/types'
import type { Galleries } from '../galleries'
import type { ProfileStore } from '../profiles/store'
import type { ImageKey } from './types'

type AddInput = z.input<typeof S.AddImageInput>

export interface CategoryDeps {
  profiles: ProfileStore
  engines: EngineRegistry
  galleries: Galleries
  /** `images.add`: the cloud's way to change a category (adding the picture again). */
  addImage: (input: AddInput) => Promise<unknown>
}

/** The local engine's category operations (engines/local), when the profile's engine has them. */
interface LocalCategoryOps {
  setCategory(req: SetCategoryRequest): Promise<{ requestId: string; categoryId: number }>
  predictCategories(opts?: {
    signal?: AbortSignal
    onProgress?: (done: number, total: number) => void
  }): Promise<PredictCategoriesResult>
}

function localOps(engine: unknown): LocalCategoryOps | null {
  const e = engine as Partial<LocalCategoryOps>
  return typeof e.setCategory === 'function' && typeof e.predictCategories === 'function'
    ? (e as LocalCategoryOps)
    : null
}

export async function sha256Of(file: string): Promise<string> {
  const h = createHash('sha256')
  for await (const chunk of fs.createReadStream(file)) h.update(chunk as Buffer)
  return h.digest('hex')
}

export function createCategoryOps(d: CategoryDeps) {
  /** Sets one picture's category (see the file's top); throws why it cannot. */
  async function setOne(profile: string, key: ImageKey, categoryId: number): Promise<void> {
    const engine = await d.engines.get(profile)
    const local = localOps(engine)
    if (local) {
      await local.setCategory({ ...key, categoryId })
      return
    }
    const img = d.galleries.get(profile).get(key.productId, key.picName)
    const who = `${key.productId} / ${key.picName}`
    if (!img?.sourcePath) {
      throw new CoreError(
        'CategoryNeedsSourceFile',
        `The category of ${who} cannot be changed on the cloud: the cloud cannot change a category in place, and Loupe does not know the picture's source file to add it again.`,
        { hint: 'Add the picture again from its file with the category you want.' },
      )
    }
    if (!fs.existsSync(img.sourcePath)) {
      throw new CoreError(
        'CategorySourceFileMissing',
        `The category of ${who} cannot be changed on the cloud: its source file ${img.sourcePath} no longer exists, and the cloud cannot change a category in place.`,
        { hint: 'Add the picture again from its file with the category you want.' },
      )
    }
    if (!img.sha256 || (await sha256Of(img.sourcePath)) !== img.sha256) {
      throw new CoreError(
        'CategorySourceFileChanged',
        `The category of ${who} was not changed: its source file ${img.sourcePath} changed since it was added, so adding it again would index another picture.`,
        { hint: 'Add the picture again from its file on purpose (with the category you want).' },
      )
    }
    const attrs: Record<string, unknown> = { customContent: img.customContent ?? undefined }
    for (const k of ATTR_KEYS) if (img[k] !== null) attrs[k] = img[k]
    await d.addImage({
      profile,
      ...key,
      image: { path: img.sourcePath },
      categoryId,
      ...(img.region ? { region: img.region } : {}),
      ...attrs,
    } as AddInput)
  }

  /** Predicts the category of every unlabelled picture (local engine only). */
  async function predictRest(
    profile: string,
    opts: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void },
  ): Promise<PredictCategoriesResult> {
    const local = localOps(await d.engines.get(profile))
    if (!local) {
      throw new CoreError(
        'PredictNeedsLocalEngine',
        `Profile "${profile}" uses the cloud, which predicts categories itself: there is nothing to predict again.`,
      )
    }
    return local.predictCategories(opts)
  }

  return { setOne, predictRest }
}
