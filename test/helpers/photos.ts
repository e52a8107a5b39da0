/**
 * Real photos that ship with the repository, in test/fixtures/grocery (Grocery Store Dataset, MIT
 * licence; provenance and the exact selection in its README.md):
 * - products: 30 packaged grocery products (milk, juice, yoghurt …), 5 phone photos of each taken
 *   in stores (JPEG, ≤ 256 px): the same product seen again, for tests about finding it.
 * - iconic: the dataset's 81 catalogue images (198 × 198 JPEG, product on white), byte for byte.
 * For "some pictures" without a particular content, see test/helpers/images.ts.
 */
import fs from 'node:fs'
import path from 'node:path'

// vitest defines __dirname; benches run as ES modules under tsx, where only import.meta.dirname exists.
const HERE = typeof __dirname === 'string' ? __dirname : import.meta.dirname

export const GROCERY_DIR = path.resolve(HERE, '../fixtures/grocery')
const PHOTOS = path.join(GROCERY_DIR, 'photos')
const ICONIC_DIR = path.join(GROCERY_DIR, 'iconic')

const photoFiles = fs
  .readdirSync(PHOTOS)
  .filter((f) => f.endsWith('.jpg'))
  .sort()

/** The products with store photos, in name order (product i of productPhoto). */
export const PRODUCTS: readonly string[] = [
  ...new Set(photoFiles.map((f) => f.replace(/_\d+\.jpg$/, ''))),
]
/** Store photos of each product (views 0 … 4). */
export const VIEWS_PER_PRODUCT = 5

/** Path of view `view` (0 … 4) of product `product` (0 … 29): a real store photo. */
export function productPhotoPath(product: number, view: number): string {
  const name = PRODUCTS[product]
  const files = photoFiles.filter((f) => f.replace(/_\d+\.jpg$/, '') === name)
  if (!name || !files[view]) {
    throw new Error(
      `no photo ${view} of product ${product} in ${PHOTOS} (${PRODUCTS.length} products, ${VIEWS_PER_PRODUCT} views each)`,
    )
  }
  return path.join(PHOTOS, files[view])
}

/** Bytes of view `view` of product `product`. */
export function productPhoto(product: number, view: number): Buffer {
  return fs.readFileSync(productPhotoPath(product, view))
}

/** Paths of the 81 catalogue ("iconic") images, in name order. */
export const ICONIC: readonly string[] = fs
  .readdirSync(ICONIC_DIR)
  .filter((f) => f.endsWith('.jpg'))
  .sort()
  .map((f) => path.join(ICONIC_DIR, f))

/** Path of the catalogue image of a class, e.g. iconicPath('Oatly-Oat-Milk'). */
export function iconicPath(className: string): string {
  const p = path.join(ICONIC_DIR, `${className}_Iconic.jpg`)
  if (!fs.existsSync(p)) throw new Error(`no catalogue image for ${className} in ${ICONIC_DIR}`)
  return p
}

/** Every shipped real photo (iconic images and store photos). */
export function realPhotos(): string[] {
  return [...ICONIC, ...photoFiles.map((f) => path.join(PHOTOS, f))]
}
