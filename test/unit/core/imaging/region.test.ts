import { describe, expect, it } from 'vitest'
import sharp from 'sharp'
import {
  mapRegion,
  orientedSize,
  parseRegion,
  regionToOriginal,
  regionToProcessed,
  unmapRegion,
  validateRegion,
} from '../../../../electron/core/imaging/region'
import type { Geometry } from '../../../../electron/core/imaging/types'
import { decodeRaw, findColour, fromRaw, marked } from './fixtures'

const RED = [220, 20, 20]

function near(
  a: string,
  b: { x1: number; x2: number; y1: number; y2: number } | null,
  tol: number,
) {
  expect(b).not.toBeNull()
  const [x1, x2, y1, y2] = a.split(',').map(Number)
  for (const [p, q] of [
    [x1, b!.x1],
    [x2, b!.x2],
    [y1, b!.y1],
    [y2, b!.y2],
  ]) {
    expect(Math.abs(p - q), `${a} vs ${JSON.stringify(b)}`).toBeLessThanOrEqual(tol)
  }
}

describe('parseRegion / validateRegion', () => {
  it('parses x1,x2,y1,y2 and boxes', () => {
    expect(parseRegion(' 10, 200 ,5,300')).toEqual({ x1: 10, x2: 200, y1: 5, y2: 300 })
    expect(parseRegion({ x1: 1, x2: 2, y1: 3, y2: 4 })).toEqual({ x1: 1, x2: 2, y1: 3, y2: 4 })
  })

  it('refuses malformed, empty and outside regions with InvalidRegion', () => {
    for (const bad of ['1,2,3', 'a,b,c,d', '-1,5,0,5', '10,10,0,5', '20,10,0,5', '0,5,9,3']) {
      expect(() => parseRegion(bad), bad).toThrow(
        expect.objectContaining({ code: 'InvalidRegion' }),
      )
    }
    expect(() => validateRegion('0,101,0,50', { width: 100, height: 80 })).toThrow(
      /crosses the edge of the 100 × 80/,
    )
    expect(validateRegion('0,100,0,80', { width: 100, height: 80 })).toEqual({
      x1: 0,
      x2: 100,
      y1: 0,
      y2: 80,
    })
  })
})

describe('mapRegion', () => {
  const stored = { width: 300, height: 200 }
  const box = { x1: 30, x2: 120, y1: 20, y2: 70 }

  it('follows sharp through every EXIF orientation and a resize', async () => {
    const base = await fromRaw(marked(stored.width, stored.height, box))
      .jpeg({ quality: 100 })
      .toBuffer()
    for (let orientation = 1; orientation <= 8; orientation++) {
      const tagged = await sharp(base)
        .withMetadata({ orientation })
        .jpeg({ quality: 100 })
        .toBuffer()
      const o = orientedSize(stored, orientation)
      const to = { width: Math.round(o.width / 2), height: Math.round(o.height / 2) }
      const out = await decodeRaw(
        await sharp(tagged, { autoOrient: true })
          .resize(to.width, to.height, { fit: 'fill' })
          .png()
          .toBuffer(),
      )
      expect([out.width, out.height]).toEqual([to.width, to.height])
      const mapped = mapRegion('30,120,20,70', stored, to, orientation)
      near(mapped, findColour(out, RED, 60), 1)
      // and back onto the stored grid
      near(unmapRegion(mapped, stored, to, orientation), box, 2)
    }
  })

  it('round-trips through rotation, downscale and padding via a geometry', () => {
    // 3000 x 1000 stored, orientation 6 → 1000 x 3000 shown → scaled 0.4 → 400 x 1200, padded 10 left
    const g: Geometry = {
      stored: { width: 3000, height: 1000 },
      orientation: 6,
      oriented: { width: 1000, height: 3000 },
      resized: { width: 400, height: 1200 },
      pad: { left: 10, top: 0, right: 10, bottom: 0 },
      final: { width: 420, height: 1200 },
    }
    const onShown = '100,600,250,2000'
    const processed = regionToProcessed(onShown, g, 'oriented')
    expect(processed).toBe('50,250,100,800')
    expect(regionToOriginal(processed, g, 'oriented')).toBe(onShown)
    // the same picture addressed on the stored grid: shown (x, y) = (1000 - y_s, x_s)
    const onStored = '250,2000,400,900'
    expect(regionToProcessed(onStored, g, 'stored')).toBe(processed)
    expect(regionToOriginal(processed, g, 'stored')).toBe(onStored)
    // a region reaching into the padding is clipped to the picture
    expect(regionToOriginal('0,420,0,1200', g, 'oriented')).toBe('0,1000,0,3000')
    expect(() => regionToOriginal('0,10,0,100', g)).toThrow(
      expect.objectContaining({ code: 'InvalidRegion' }),
    )
    // outside the original
    expect(() => regionToProcessed('0,1001,0,10', g)).toThrow(/crosses the edge/)
  })

  it('rounds outwards and stays inside the processed picture', () => {
    // 1000 → 333: a 1 px region still covers at least 1 px
    expect(
      mapRegion('500,501,500,501', { width: 1000, height: 1000 }, { width: 333, height: 333 }),
    ).toBe('166,167,166,167')
    expect(
      mapRegion('0,1000,0,1000', { width: 1000, height: 1000 }, { width: 333, height: 333 }),
    ).toBe('0,333,0,333')
  })
})
