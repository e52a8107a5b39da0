/**
 * Describing a picture for the engine: where to look (a given region, else the detected main
 * subject when cropping) and its vector, in ONE featurizer round trip on ONE decode.
 */
import { checkVector, type EngineContext } from './context'
import type { Box } from './featurizer/types'
import { parseRegion, type PictureInfo } from './picture'

export interface Described {
  vector: Float32Array
  /** The box described (null: the whole picture). */
  box: Box | null
  /** Every detected subject, main first (only with `wantAll`, and when detection ran). */
  all: Box[]
}

/** A given region wins, else the main subject when cropping; fabric search uses the whole picture. */
export async function describePicture(
  ctx: EngineContext,
  info: PictureInfo,
  crop: boolean,
  region: string | undefined,
  wantAll: boolean,
): Promise<Described> {
  let box: Box | null = null
  let detect = false
  if (ctx.serviceType !== 'fabric') {
    if (region !== undefined && region !== '') box = parseRegion(region, info.width, info.height)
    else detect = crop
  }
  const d = await ctx.featurizer.describe(info.bytes, { box, detect })
  return { vector: checkVector(ctx, d.vector), box: d.box, all: wantAll ? d.subjects : [] }
}
