/**
 * Warm-up of one thread's featurizer (the pool sends it to every worker at start): load the model,
 * then run the whole single-picture path — decode, detection, crop, the network at its real input
 * size, colour histogram, projection — on a small generated picture, so that the first real
 * request pays neither the model load nor the first run's set-up (the network's kernels are
 * prepared on their first run at a shape; sharp's and the JIT's first calls are slow too).
 */
import sharp from 'sharp'
import { backbone } from './backbone'
import { describeImage, embedImage } from './pipeline'

let picture: Promise<Buffer> | null = null

/** A 320 x 240 JPEG: a coloured box on a light background, so detection finds a subject. */
function warmPicture(): Promise<Buffer> {
  picture ??= sharp({
    create: { width: 320, height: 240, channels: 3, background: { r: 236, g: 236, b: 232 } },
  })
    .composite([
      {
        input: {
          create: { width: 120, height: 150, channels: 3, background: { r: 180, g: 40, b: 60 } },
        },
        left: 110,
        top: 50,
      },
    ])
    .jpeg({ quality: 90 })
    .toBuffer()
  return picture
}

/** Load the model and run the picture path once; resolves with the time it took (ms). */
export async function warmUp(): Promise<{ ms: number }> {
  const t = performance.now()
  const [pic] = await Promise.all([warmPicture(), backbone()])
  await describeImage(pic, { detect: true })
  await embedImage(pic)
  return { ms: Math.round(performance.now() - t) }
}
