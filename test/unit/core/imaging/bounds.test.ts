import { describe, expect, it } from 'vitest'
import { SERVICE_BOUNDS, boundsFor, planFit } from '../../../../electron/core/imaging/bounds'
import { describeAction } from '../../../../electron/core/imaging/describe'

describe('service bounds', () => {
  it('follows the cloud docs per service type', () => {
    expect(SERVICE_BOUNDS).toEqual({
      product: { min: 100, max: 4096 },
      generic: { min: 100, max: 4096 },
      fabric: { min: 448, max: 4096 },
      trademark: { min: 200, max: 4095 },
    })
    expect(boundsFor(undefined)).toEqual(SERVICE_BOUNDS.product)
  })
})

describe('planFit', () => {
  const b = SERVICE_BOUNDS.product

  it('leaves pictures within bounds alone and downscales big ones keeping the aspect ratio', () => {
    expect(planFit({ width: 100, height: 4096 }, b, 'reject', 'product')).toMatchObject({
      final: { width: 100, height: 4096 },
      downscaled: false,
    })
    expect(planFit({ width: 8192, height: 6000 }, b, 'reject', 'product')).toMatchObject({
      resized: { width: 4096, height: 3000 },
      downscaled: true,
    })
  })

  it('refuses, upscales or pads small pictures as asked, never silently', () => {
    expect(() => planFit({ width: 60, height: 80 }, b, 'reject', 'product', 'a.png')).toThrow(
      /"a\.png" is 60 × 80 px; product search needs at least 100 px on each side/,
    )
    expect(planFit({ width: 60, height: 80 }, b, 'upscale', 'product')).toMatchObject({
      resized: { width: 100, height: 133 },
      upscaled: true,
    })
    expect(planFit({ width: 60, height: 80 }, b, 'pad', 'product')).toMatchObject({
      resized: { width: 60, height: 80 },
      pad: { left: 20, right: 20, top: 10, bottom: 10 },
      final: { width: 100, height: 100 },
      padded: true,
    })
  })

  it('handles pictures too elongated to fit by scaling', () => {
    // 60 × 5000: upscaling the short side to 100 makes the long one 8333
    expect(() => planFit({ width: 60, height: 5000 }, b, 'upscale', 'product')).toThrow(
      expect.objectContaining({
        code: 'UnsupportedPicPixels',
        message: expect.stringMatching(/too elongated/),
      }),
    )
    // 20000 × 300 fits within 4096 only as 4096 × 61: refused, or padded to 4096 × 100
    expect(() => planFit({ width: 20000, height: 300 }, b, 'reject', 'product')).toThrow(
      /would be 4096 × 61 px once fitted within 4096 px/,
    )
    expect(planFit({ width: 20000, height: 300 }, b, 'pad', 'product')).toMatchObject({
      resized: { width: 4096, height: 61 },
      final: { width: 4096, height: 100 },
      downscaled: true,
      padded: true,
    })
  })
})

describe('describeAction', () => {
  it('says what was done in a sentence', () => {
    expect(describeAction({ kind: 'kept' })).toMatch(/as is/)
    expect(describeAction({ kind: 'oriented', orientation: 6 })).toMatch(/rotated 90° clockwise/)
    expect(describeAction({ kind: 're-encoded', format: 'jpeg', quality: 80, reason: 'x' })).toBe(
      'Saved as JPEG at quality 80.',
    )
  })
})
