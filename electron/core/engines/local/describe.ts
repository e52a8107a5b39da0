/** Where on a picture the engine looks: a given region, else the detected main subject. */
import type { EngineContext } from './context'
import type { Box } from './featurizer/types'
import { parseRegion } from './picture'

/** The box to describe for a picture: a given region wins, else the main subject when cropping. */
export async function subjectOf(
  ctx: EngineContext,
  bytes: Buffer,
  width: number,
  height: number,
  crop: boolean,
  region: string | undefined,
  wantAll: boolean,
): Promise<{ box: Box | null; all: Box[] }> {
  const { serviceType, featurizer } = ctx
  if (serviceType === 'fabric') return { box: null, all: [] }
  if (region !== undefined && region !== '')
    return { box: parseRegion(region, width, height), all: [] }
  if (!crop) return { box: null, all: [] }
  const det = await featurizer.detect(bytes)
  const box = det.main ?? { x1: 0, x2: width, y1: 0, y2: height }
  return { box, all: wantAll ? det.all : [] }
}
