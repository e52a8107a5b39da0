/**
 * Where the shared real-image datasets live (read only: copy what a test needs into a temp folder).
 * `LOUPE_DATASETS` wins; otherwise `../shared/datasets` beside the checkout, then `/work/shared/datasets`
 * (a checkout elsewhere on the development machine). Fails loudly, naming every place it looked.
 */
import fs from 'node:fs'
import path from 'node:path'

// vitest defines __dirname (and happy-dom's URL cannot make file paths); benches run as ES modules
// under tsx, where only import.meta.dirname exists.
const HERE = typeof __dirname === 'string' ? __dirname : import.meta.dirname
const REPO = path.resolve(HERE, '../..')

function locate(): string {
  const candidates = [
    process.env.LOUPE_DATASETS,
    path.resolve(REPO, '../shared/datasets'),
    '/work/shared/datasets',
  ].filter((c): c is string => !!c)
  for (const c of candidates) {
    if (fs.existsSync(path.join(c, 'catalogue-hm'))) return c
  }
  throw new Error(
    `test datasets not found; looked in ${candidates.join(', ')} (set LOUPE_DATASETS to the folder holding catalogue-hm/, coil100-dev/, grocery-dev/)`,
  )
}

export const DATASETS = locate()
export const CATALOGUE_DIR = path.join(DATASETS, 'catalogue-hm')
export const COIL_DIR = path.join(DATASETS, 'coil100-dev')
export const GROCERY_DIR = path.join(DATASETS, 'grocery-dev')
