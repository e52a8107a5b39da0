import type { Action } from './types'

const ORIENTATION: Record<number, string> = {
  2: 'mirrored',
  3: 'rotated 180°',
  4: 'flipped vertically',
  5: 'mirrored and rotated 90° anticlockwise',
  6: 'rotated 90° clockwise',
  7: 'mirrored and rotated 90° clockwise',
  8: 'rotated 90° anticlockwise',
}

const dims = (d: [number, number]) => `${d[0]} × ${d[1]} px`

/** One English sentence for a preprocessing step (the renderer translates by `kind`). */
export function describeAction(a: Action): string {
  switch (a.kind) {
    case 'kept':
      return 'Sent as is: nothing needed changing.'
    case 'oriented':
      return `Turned upright (${ORIENTATION[a.orientation] ?? `orientation ${a.orientation}`}) and the rotation flag removed.`
    case 'first-frame':
      return `Only the first of ${a.frames} frames is used.`
    case 'colour':
      return `Colours converted from ${a.from.toUpperCase()} to sRGB.`
    case 'resized':
      return `Reduced from ${dims(a.from)} to ${dims(a.to)}.`
    case 'upscaled':
      return `Enlarged from ${dims(a.from)} to ${dims(a.to)} (as chosen for small pictures).`
    case 'padded':
      return `Padded from ${dims(a.from)} to ${dims(a.to)} (as chosen for small pictures).`
    case 'converted':
      return `Converted from ${a.from.toUpperCase()} to ${a.to.toUpperCase()} (${a.reason}).`
    case 're-encoded':
      return `Saved as ${a.format.toUpperCase()}${a.quality !== undefined ? ` at quality ${a.quality}` : ''}${a.palette ? ' with a 256-colour palette' : ''}.`
  }
}
