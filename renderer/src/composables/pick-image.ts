import { getBridge } from '@renderer/bridge'
import { ImageRejected, readImage, releaseImage, type PickedImage } from '@renderer/lib/image-file'
import { toUiError, type UiError } from '@renderer/lib/errors'

/** Why a chosen file is not taken: a local check (empty, too large…) or the core's verdict. */
export type PickProblem = { reason: ImageRejected['reason'] } | { error: UiError }

export class PickRefused extends Error {
  constructor(readonly problem: PickProblem) {
    super('reason' in problem ? problem.reason : problem.error.code)
    this.name = 'PickRefused'
  }
}

/**
 * A file the user chose (drop, paste, file picker, "Open with") checked at once: read, then sniffed
 * and decoded by the core (`images.inspect`, nothing sent to an engine). A file that is not a
 * picture is refused here with the catalogue's explanation, never kept as the query. The picked
 * image carries what the core found (`info`); for a format the browser cannot show (TIFF, BMP,
 * PPM) its `url` is the core's small preview.
 */
export async function pickImage(file: File, profile: string): Promise<PickedImage> {
  let img: PickedImage
  try {
    img = await readImage(file)
  } catch (e) {
    throw new PickRefused({ reason: e instanceof ImageRejected ? e.reason : 'unreadable' })
  }
  try {
    const info = await getBridge().api.images.inspect({
      profile,
      image: { base64: img.base64, name: img.name },
    })
    if (info.browserShows) return { ...img, info }
    releaseImage(img)
    return { ...img, info, url: `data:${info.preview.mime};base64,${info.preview.base64}` }
  } catch (e) {
    releaseImage(img)
    throw new PickRefused({ error: toUiError(e) })
  }
}

/** Anything `pickImage` threw, as a problem to show. */
export function pickProblem(e: unknown): PickProblem {
  return e instanceof PickRefused ? e.problem : { error: toUiError(e) }
}
