/**
 * A quality-lab test set from real grocery photos, for the eval tests (and the Quality view's):
 * queries = store photos of the validation split, one folder per class (the folder naming rule
 * gives the product id); gallery = train photos of the same classes plus each class's catalogue
 * ("iconic") image, laid out the same way for a bulk add. From the Grocery Store Dataset in
 * `grocery-dev/` (LOUPE_DATASETS, else ../shared/datasets beside the checkout) when it is there;
 * else from the photos that ship in test/fixtures/grocery (views 0–2 of each product in the
 * gallery, views 3–4 as queries), so the tests run anywhere — `source` says which.
 */
import fs from 'node:fs'
import path from 'node:path'
import { PRODUCTS, iconicPath, productPhotoPath } from './photos'

const HERE = typeof __dirname === 'string' ? __dirname : import.meta.dirname

export interface QualitySet {
  /** Folder of query photos: `<class>/<file>.jpg`. */
  testSet: string
  /** Folder of gallery pictures: `<class>/<file>.jpg` (train photos and the iconic image). */
  gallery: string
  classes: string[]
  queries: number
  galleryPictures: number
  source: 'grocery-dev' | 'fixtures'
}

export interface QualitySetOptions {
  classes?: number
  queriesPerClass?: number
  galleryPerClass?: number
}

/** The grocery-dev folder of the shared datasets, or null. */
export function groceryDev(): string | null {
  for (const c of [process.env.LOUPE_DATASETS, path.resolve(HERE, '../../../shared/datasets')]) {
    if (c && fs.existsSync(path.join(c, 'grocery-dev', 'val.txt')))
      return path.join(c, 'grocery-dev')
  }
  return null
}

/** Split list lines `path, fine, coarse` grouped by class folder name, in file order. */
function splitByClass(root: string, list: string): Map<string, string[]> {
  const out = new Map<string, string[]>()
  for (const line of fs.readFileSync(path.join(root, list), 'utf8').split(/\r?\n/)) {
    const rel = line.split(',')[0]?.trim()
    if (!rel) continue
    const cls = path.basename(path.dirname(rel))
    const files = out.get(cls) ?? []
    files.push(path.join(root, rel))
    out.set(cls, files)
  }
  return out
}

function copyInto(dir: string, cls: string, file: string, name = path.basename(file)): void {
  fs.mkdirSync(path.join(dir, cls), { recursive: true })
  fs.copyFileSync(file, path.join(dir, cls, name))
}

/** Builds the test set and the gallery folders under `dir`. */
export function makeQualitySet(dir: string, o: QualitySetOptions = {}): QualitySet {
  const nClasses = o.classes ?? 12
  const perQuery = o.queriesPerClass ?? 2
  const perGallery = o.galleryPerClass ?? 3
  const testSet = path.join(dir, 'testset')
  const gallery = path.join(dir, 'gallery')
  let queries = 0
  let galleryPictures = 0
  const root = groceryDev()
  const classes: string[] = []
  if (root) {
    const val = splitByClass(root, 'val.txt')
    const train = splitByClass(root, 'train.txt')
    const usable = [...val.keys()].filter(
      (c) =>
        (val.get(c)?.length ?? 0) >= perQuery &&
        (train.get(c)?.length ?? 0) >= perGallery &&
        fs.existsSync(path.join(root, 'iconic', `${c}_Iconic.jpg`)),
    )
    // Spread over the dataset (fruit, vegetables, packages), not its first classes only.
    const step = Math.max(1, Math.floor(usable.length / nClasses))
    for (let i = 0; i < usable.length && classes.length < nClasses; i += step)
      classes.push(usable[i])
    for (const c of classes) {
      const q = val.get(c)!.slice(0, perQuery)
      const g = train.get(c)!.slice(0, perGallery)
      for (const f of q) copyInto(testSet, c, f)
      for (const f of g) copyInto(gallery, c, f)
      copyInto(gallery, c, path.join(root, 'iconic', `${c}_Iconic.jpg`))
      queries += q.length
      galleryPictures += g.length + 1
    }
    return { testSet, gallery, classes, queries, galleryPictures, source: 'grocery-dev' }
  }
  const step = Math.max(1, Math.floor(PRODUCTS.length / nClasses))
  for (let p = 0; p < PRODUCTS.length && classes.length < nClasses; p += step) {
    const c = PRODUCTS[p]
    classes.push(c)
    for (let v = 0; v < Math.min(perGallery, 3); v++) copyInto(gallery, c, productPhotoPath(p, v))
    for (let v = 3; v < 3 + Math.min(perQuery, 2); v++) copyInto(testSet, c, productPhotoPath(p, v))
    copyInto(gallery, c, iconicPath(c))
    queries += Math.min(perQuery, 2)
    galleryPictures += Math.min(perGallery, 3) + 1
  }
  return { testSet, gallery, classes, queries, galleryPictures, source: 'fixtures' }
}
