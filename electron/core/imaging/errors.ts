/**
 * The errors the imaging pipeline raises. All are `CoreError`s with HTTP status 400, a message
 * naming what is wrong with this particular file and a hint saying what to do about it.
 */
import { foreignCode } from '../../domain/errors'
import { CoreError } from '../errors'

export const ACCEPTED = 'PNG, JPG, BMP, GIF, WebP, TIFF or PPM'

function label(name?: string): string {
  return name ? `"${name}"` : 'The image'
}

export function emptyImage(name?: string): CoreError {
  return new CoreError('EmptyImage', `${label(name)} is empty (0 bytes).`, {
    hint: 'The file may still be downloading or copying; choose it again once it is complete.',
  })
}

export function unsupportedFormat(detected: string, name?: string): CoreError {
  const ext = name ? /\.([A-Za-z0-9]{1,5})$/.exec(name)?.[1] : undefined
  const named = ext ? `, although it is named .${ext.toLowerCase()}` : ''
  return new CoreError(
    'UnsupportedPicFormat',
    `${label(name)} is ${detected}${named}: not a supported picture format (${ACCEPTED}).`,
    { hint: `Convert it to JPG or PNG first, or choose another file.` },
  )
}

export function corruptImage(format: string, detail: string, name?: string): CoreError {
  return new CoreError(
    'CorruptImage',
    `${label(name)} looks like ${format} but cannot be read: ${detail}.`,
    {
      hint: 'The file is damaged or incomplete. Open it in an image editor and save it again, or copy it again from its source.',
    },
  )
}

export function tooManyPixels(
  width: number,
  height: number,
  limit: number,
  name?: string,
): CoreError {
  const mp = (n: number) => `${Math.round((n / 1e6) * 10) / 10} MP`
  // The cloud's code for a picture of unsupported pixel dimensions (refused from its header alone).
  return new CoreError(
    'UnsupportedPicPixels',
    `${label(name)} declares ${width} × ${height} pixels (${mp(width * height)}); the limit is ${mp(limit)}.`,
    {
      hint: 'Such a picture could exhaust memory (it may be a decompression bomb). Reduce it in an image editor first.',
    },
  )
}

export function fileTooLarge(bytes: number, limit: number, name?: string): CoreError {
  const mb = (n: number) => `${Math.round(n / 1e5) / 10} MB`
  return new CoreError(
    'ImageTooLarge',
    `${label(name)} is ${mb(bytes)}; files above ${mb(limit)} are not read.`,
    {
      hint: 'Reduce the picture in an image editor first.',
    },
  )
}

export function tooSmall(
  size: { width: number; height: number },
  min: number,
  serviceType: string,
  name?: string,
  why?: string,
): CoreError {
  return new CoreError(
    'UnsupportedPicPixels',
    `${label(name)} is ${size.width} × ${size.height} px; ${serviceType} search needs at least ${min} px on each side${why ? ` (${why})` : ''}.`,
    { hint: `Use a larger picture, or choose to upscale or pad small pictures.` },
  )
}

export function cannotFit(
  size: { width: number; height: number },
  min: number,
  max: number,
  serviceType: string,
  name?: string,
): CoreError {
  return new CoreError(
    'UnsupportedPicPixels',
    `${label(name)} is ${size.width} × ${size.height} px: too elongated to fit ${serviceType} search's ${min}–${max} px per side by scaling alone.`,
    { hint: 'Crop the picture, or choose to pad small pictures.' },
  )
}

export function invalidRegion(region: string, detail: string): CoreError {
  return new CoreError('InvalidRegion', `The region "${region}" is invalid: ${detail}.`, {
    hint: 'A region is x1,x2,y1,y2 in pixels of the picture, with x1 < x2 and y1 < y2, inside the picture.',
  })
}

export function unreadable(file: string, err: NodeJS.ErrnoException): CoreError {
  const why =
    err.code === 'ENOENT'
      ? 'it does not exist'
      : err.code === 'EACCES' || err.code === 'EPERM'
        ? 'permission denied'
        : err.code === 'EISDIR'
          ? 'it is a folder'
          : err.message
  return new CoreError('ImageUnreadable', `Cannot read "${file}": ${why}.`, {
    hint: 'Check that the file exists and that Loupe may read it.',
  })
}

export function cannotShrink(bytes: number, maxBytes: number, name?: string): CoreError {
  return new CoreError(
    'ImageTooLarge',
    `${label(name)} could not be brought under ${maxBytes} bytes (best: ${bytes}).`,
    { hint: 'Reduce the picture in an image editor first.' },
  )
}

/** Plain data for an error crossing a thread boundary. */
export interface ErrorData {
  code: string
  message: string
  hint?: string
  httpStatus?: number
}

export function toErrorData(err: unknown): ErrorData {
  if (err instanceof CoreError) {
    return { code: err.code, message: err.message, hint: err.hint, httpStatus: err.httpStatus }
  }
  const e = err as Error
  return {
    code: 'InternalError',
    message: `Image processing failed: ${e?.message ?? String(err)}`,
    httpStatus: 500,
  }
}

export function fromErrorData(d: ErrorData): CoreError {
  return new CoreError(foreignCode(d.code), d.message, { hint: d.hint, httpStatus: d.httpStatus })
}
