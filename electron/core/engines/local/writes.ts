/** The local engine's writes: AddImage (also used by batch tasks), UpdateImage, DeleteImage. */
import { attrsOrNull } from '../../../domain'
import { OTHER_CATEGORY_ID } from '../categories'
import { EngineError } from '../errors'
import type {
  AddImageRequest,
  AddImageResult,
  CheckImageExistsRequest,
  CheckImageExistsResult,
  DeleteImageRequest,
  DeleteImageResult,
  SetCategoryRequest,
  UpdateImageRequest,
} from '../types'
import type { EngineContext } from './context'
import { describePicture } from './describe'
import { filterToSql, parseFilter } from './filter'
import { entryOf } from './load-index'
import { formatRegion, makeSource, probePicture } from './picture'
import { predictCategory } from './ranking'
import { toSpace } from './space'
import { IMAGE_FILTER_COLUMNS, type ImageRow } from './store'
import {
  LIMITS,
  badRequest,
  cleanAttributes,
  cleanFilterText,
  optionalBool,
  optionalString,
  requireString,
} from './validate'

/** The row of productId + picName; BadRequest naming them when there is none. */
export function requireExisting(ctx: EngineContext, productId: string, picName: string): ImageRow {
  const row = ctx.store.get(productId, picName)
  if (!row) {
    throw badRequest(
      `The image ProductId "${productId}", PicName "${picName}" does not exist in the instance.`,
      'Check the ProductId and PicName, or add the image first.',
    )
  }
  return row
}

export function checkCapacity(n: number): number {
  if (!Number.isInteger(n) || n < 1)
    throw new RangeError(`Capacity must be a positive integer, got ${n}`)
  return n
}

function overQuota(capacity: number): EngineError {
  return new EngineError(
    'InstanceOverQuota',
    `The number of items exceeds the limit: the instance holds at most ${capacity} images.`,
    { hint: 'Delete images or raise the local engine’s capacity in the profile settings.' },
  )
}

export function createWrites(ctx: EngineContext) {
  const { store, index, featurizer, serviceType, isProduct } = ctx

  function removeIds(ids: { id: number; picName: string }[]): string[] {
    store.tx(() => {
      for (const { id } of ids) store.deleteById(id)
    })
    for (const { id } of ids) index.remove(id)
    return ids.map((x) => x.picName)
  }

  /** Adds or replaces one image (shared by AddImage and batch tasks). */
  async function add(req: AddImageRequest) {
    const productId = requireString(req?.productId, 'ProductId', LIMITS.productId)
    const picName = requireString(req.picName, 'PicName', LIMITS.picName)
    const attrs = cleanAttributes(req)
    const crop = optionalBool(req.crop, 'Crop') ?? true
    const region = optionalString(req.region, 'Region', 100)
    const info = await probePicture(req.picContent, serviceType, 'PicContent', 'NoSpecifiedPic')
    const exists = () => store.idOf(productId, picName) !== null
    if (!exists() && store.count() >= ctx.capacity) throw overQuota(ctx.capacity)
    const { vector: vec, box } = await describePicture(ctx, info, crop, region, false)
    // The index holds vectors through the adapted space, if one is on; the store the plain ones.
    const spaced = toSpace(ctx, vec)
    const predicted = isProduct && attrs.categoryId == null ? predictCategory(ctx, spaced) : null
    const categoryId = isProduct ? (attrs.categoryId ?? predicted!.categoryId) : OTHER_CATEGORY_ID
    const source = await makeSource(info.bytes, info)
    if (ctx.closed)
      throw new EngineError('InstanceStatusError', 'The local engine is closed.', {
        httpStatus: 409,
      })
    const regionText = box ? formatRegion(box) : null
    const row = {
      productId,
      picName,
      categoryId,
      customContent: attrs.customContent ?? null,
      ...attrsOrNull(attrs),
      region: regionText,
      width: info.width,
      height: info.height,
      // A category given with the picture is the user's (labelled); a predicted one is not.
      labelled: isProduct && attrs.categoryId != null,
      categoryNote: predicted?.noLabelledNeighbours ? ('noLabelledNeighbours' as const) : null,
    }
    const id = store.tx(() => {
      // Checked again here: other adds may have landed while this one was being described.
      if (!exists() && store.count() >= ctx.capacity) throw overQuota(ctx.capacity)
      return store.upsert({ ...row, vector: vec, fversion: featurizer.version, source }, Date.now())
    })
    index.upsert({ rowId: id, ...row }, spaced)
    return {
      categoryId,
      region: regionText,
      ...(predicted?.noLabelledNeighbours ? { categoryNote: 'noLabelledNeighbours' as const } : {}),
    }
  }

  /** Removes one picture of a product, or all of them when picName is empty. */
  async function removeByKey(productId: string, picName: string | undefined): Promise<string[]> {
    if (picName !== undefined && picName !== '') {
      const id = store.idOf(productId, picName)
      return id === null ? [] : removeIds([{ id, picName }])
    }
    return removeIds(store.idsByProduct(productId))
  }

  /**
   * Sets the category of one image as the user's (labelled) without describing the picture
   * again: the vector, region and attributes stay. Product search only (other service types
   * have no categories, as on the cloud).
   */
  function setCategory(req: SetCategoryRequest): { categoryId: number } {
    const productId = requireString(req?.productId, 'ProductId', LIMITS.productId)
    const picName = requireString(req.picName, 'PicName', LIMITS.picName)
    const { categoryId } = cleanAttributes({ categoryId: req.categoryId })
    if (categoryId === undefined) throw badRequest('CategoryId is required.')
    if (!isProduct) {
      throw badRequest(
        `The ${serviceType} service type has no categories.`,
        'Categories belong to product search instances.',
      )
    }
    const row = requireExisting(ctx, productId, picName)
    store.setCategory(row.id, categoryId, true, null, Date.now())
    index.updateEntry(entryOf({ ...row, categoryId }))
    return { categoryId }
  }

  return {
    add,
    removeByKey,
    setCategory,

    async addImage(requestId: string, req: AddImageRequest): Promise<AddImageResult> {
      const picInfo = await add(req)
      return { requestId, picInfo }
    },

    async updateImage(requestId: string, req: UpdateImageRequest) {
      const productId = requireString(req?.productId, 'ProductId', LIMITS.productId)
      const picName = requireString(req.picName, 'PicName', LIMITS.picName)
      const attrs = cleanAttributes(req)
      const row = requireExisting(ctx, productId, picName)
      const patch: Record<string, unknown> = {}
      for (const [k, v] of Object.entries(attrs)) if (v !== undefined) patch[k] = v
      if (!isProduct) delete patch.categoryId
      const now = Date.now()
      store.tx(() => {
        const { categoryId, ...rest } = patch
        store.patch(row.id, rest, now)
        // A category given here is the user's: labelled, no longer a prediction.
        if (typeof categoryId === 'number') store.setCategory(row.id, categoryId, true, null, now)
      })
      const updated = store.getById(row.id)!
      index.updateEntry(entryOf(updated))
      return { requestId }
    },

    async deleteImage(requestId: string, req: DeleteImageRequest): Promise<DeleteImageResult> {
      const byFilter = optionalBool(req?.isDeleteByFilter, 'IsDeleteByFilter') ?? false
      if (byFilter) {
        if (req.filter !== undefined && typeof req.filter !== 'string')
          throw badRequest('Filter must be a string.')
        const text = cleanFilterText(req.filter)
        if (text === undefined)
          throw badRequest('Filter is required when IsDeleteByFilter is true.')
        const { sql, params } = filterToSql(parseFilter(text), IMAGE_FILTER_COLUMNS)
        const picNames = removeIds(store.idsWhere(sql, params))
        return { requestId, picNames }
      }
      const productId = requireString(req?.productId, 'ProductId', LIMITS.productId)
      const picName = optionalString(req.picName, 'PicName', LIMITS.picName)
      const picNames = await removeByKey(productId, picName)
      return { requestId, picNames }
    },

    async checkImageExists(
      requestId: string,
      req: CheckImageExistsRequest,
    ): Promise<CheckImageExistsResult> {
      const productId = requireString(req?.productId, 'ProductId', LIMITS.productId)
      const picName = requireString(req.picName, 'PicName', LIMITS.picName)
      return { requestId, exist: store.idOf(productId, picName) !== null }
    },
  }
}

export type Writes = ReturnType<typeof createWrites>
