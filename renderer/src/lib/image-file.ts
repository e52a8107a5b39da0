/** Images the user picks, drops or pastes, ready for the contract (`{ base64, name }`). */

import { PICTURE_EXTENSIONS } from '@domain/picture'
import type { InspectImageResult } from '@api/schemas'

export const ACCEPT = ['image/*', ...PICTURE_EXTENSIONS.map((e) => `.${e}`)].join(',')

/** Largest file accepted: the contract's base64 limit (8 MiB × 1.4 characters) in bytes. */
export const MAX_IMAGE_BYTES = 8 * 1024 * 1024

export interface PickedImage {
  name: string
  size: number
  type: string
  /** The bytes in base64, as the contract takes them. */
  base64: string
  /** An object URL to show the picture (revoke with `releaseImage`), or the core's preview. */
  url: string
  /** What the core found when the picture was chosen (composables/pick-image.ts). */
  info?: InspectImageResult
}

export type RejectReason = 'notImage' | 'tooLarge' | 'empty' | 'unreadable'

/** Why a file cannot be used as an image, or null when it can. */
export function checkImageFile(f: {
  name: string
  size: number
  type: string
}): RejectReason | null {
  if (f.size === 0) return 'empty'
  if (f.size > MAX_IMAGE_BYTES) return 'tooLarge'
  const ext = f.name.toLowerCase().split('.').pop() ?? ''
  if (f.type.startsWith('image/') || (PICTURE_EXTENSIONS as readonly string[]).includes(ext)) {
    return null
  }
  return 'notImage'
}

export function bytesToBase64(bytes: Uint8Array): string {
  let s = ''
  const chunk = 0x8000
  for (let i = 0; i < bytes.length; i += chunk) {
    s += String.fromCharCode(...bytes.subarray(i, i + chunk))
  }
  return btoa(s)
}

/** Reads a picked file; throws a RejectReason string when it cannot be used. */
export async function readImage(file: File): Promise<PickedImage> {
  const bad = checkImageFile(file)
  if (bad) throw new ImageRejected(bad)
  let buf: ArrayBuffer
  try {
    buf = await file.arrayBuffer()
  } catch {
    throw new ImageRejected('unreadable')
  }
  const name = file.name || `pasted.${(file.type.split('/')[1] || 'png').replace('jpeg', 'jpg')}`
  return {
    name,
    size: file.size,
    type: file.type,
    base64: bytesToBase64(new Uint8Array(buf)),
    url: URL.createObjectURL(file),
  }
}

export function releaseImage(img: PickedImage | null | undefined): void {
  if (img?.url.startsWith('blob:')) URL.revokeObjectURL(img.url)
}

export class ImageRejected extends Error {
  constructor(readonly reason: RejectReason) {
    super(reason)
    this.name = 'ImageRejected'
  }
}

/** The first image file of a paste or drop, if any. */
export function firstImageFile(
  list: FileList | DataTransferItemList | null | undefined,
): File | null {
  if (!list) return null
  for (let i = 0; i < list.length; i++) {
    const it = list[i]
    const f =
      it instanceof File
        ? it
        : (it as DataTransferItem).kind === 'file'
          ? (it as DataTransferItem).getAsFile()
          : null
    if (f) return f
  }
  return null
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`
  return `${(n / 1024 / 1024).toFixed(2)} MB`
}
