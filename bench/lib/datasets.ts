/**
 * The large real-image datasets some benches measure on (read only): catalogue-hm/, coil100-dev/
 * and grocery-dev/, described in bench/README.md. They are not part of the repository (their
 * licences or size forbid it) and the tests never need them. Found at `LOUPE_DATASETS`, else in
 * `../shared/datasets` beside the checkout; a bench that needs them stops with a message saying
 * what to set.
 */
import fs from 'node:fs'
import path from 'node:path'

const REPO = path.resolve(import.meta.dirname, '../..')

/**
 * Exit code of a bench that cannot run on this machine (datasets or a model missing): `npm run
 * bench` lists it as skipped with the reason it printed, not as failed.
 */
export const SKIPPED_EXIT = 3

export type DatasetName = 'catalogue-hm' | 'coil100-dev' | 'grocery-dev'

/** The datasets folder holding every set in `needs`, or null (for benches that can do without). */
export function findDatasets(needs: DatasetName[]): string | null {
  const candidates = [process.env.LOUPE_DATASETS, path.resolve(REPO, '../shared/datasets')]
  for (const c of candidates) {
    if (c && needs.every((n) => fs.existsSync(path.join(c, n)))) return c
  }
  return null
}

/** The datasets folder holding every set in `needs`; exits the bench with advice when missing. */
export function requireDatasets(bench: string, needs: DatasetName[]): string {
  const found = findDatasets(needs)
  if (found) return found
  const where = process.env.LOUPE_DATASETS
    ? `LOUPE_DATASETS=${process.env.LOUPE_DATASETS} does not hold ${needs.join('/, ')}/`
    : `LOUPE_DATASETS is not set and ${path.resolve(REPO, '../shared/datasets')} does not exist`
  process.stderr.write(
    `bench/${bench} needs the real-image datasets ${needs.map((n) => `${n}/`).join(', ')} (see bench/README.md, "Datasets"): ${where}.\n` +
      `Set LOUPE_DATASETS to the folder that holds them, e.g. LOUPE_DATASETS=/data/loupe-datasets npx tsx bench/${bench}.ts\n`,
  )
  process.exit(SKIPPED_EXIT)
}

/**
 * The catalogue photos a throughput bench runs on: catalogue-hm (1,006 real photos) when the
 * datasets are there, else `count` pictures generated like the tests' (test/helpers/images.ts:
 * same size, format and kind), with a note that the figures are then not those of bench/README.md.
 */
export async function catalogueForBench(bench: string, count = 1006): Promise<string> {
  const found = findDatasets(['catalogue-hm'])
  if (found) return path.join(found, 'catalogue-hm')
  process.stderr.write(
    `bench/${bench}: catalogue-hm not found (set LOUPE_DATASETS to the folder holding catalogue-hm/ to measure on the photos bench/README.md reports); using ${count} generated catalogue pictures instead.\n`,
  )
  const { ensureCatalogue } = await import('../../test/helpers/images')
  return ensureCatalogue(count)
}
