import type { Engine } from '../engines/types'
import { CoreError } from '../errors'

/**
 * A call naming one image (SearchImageByName, UpdateImage) that the engine refused with
 * `BadRequest`: when the image does not exist, the user is told so — `ImageNotFound` naming the
 * product ID and the picture name — instead of "A parameter is invalid".
 *
 * Both engines keep the cloud's wire answer: the cloud says only "The request has invalid
 * parameters." (it documents no code for an unknown image), the local engine says the same code
 * naming the pair (its README). Neither answer is matched by its words: the engine is asked
 * (CheckImageExists), so the mapping holds for either engine and any wording. Any other
 * BadRequest (a bad filter, a bad attribute) — or a failed check — is passed on as it came.
 */
export async function withKnownImage<T>(
  engine: Pick<Engine, 'checkImageExists'>,
  key: { productId: string; picName: string },
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call()
  } catch (e) {
    if (!(e instanceof CoreError) || e.code !== 'BadRequest') throw e
    const exists = await engine.checkImageExists(key).then(
      (r) => r.exist,
      () => true,
    )
    if (exists) throw e
    throw new CoreError(
      'ImageNotFound',
      `The instance has no image with ProductId "${key.productId}" and PicName "${key.picName}".`,
      {
        hint: 'Check the product ID and the picture name (both must match exactly), the active profile, or add the picture first.',
        details: { productId: key.productId, picName: key.picName },
        ...(e.requestId ? { requestId: e.requestId } : {}),
        cause: e,
      },
    )
  }
}
