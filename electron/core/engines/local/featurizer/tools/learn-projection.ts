/**
 * Re-learn projection.bin (the featurizer's learned whitening) from a labelled image list:
 *
 *   npx tsx electron/core/engines/local/featurizer/tools/learn-projection.ts \
 *     "$LOUPE_DATASETS"/grocery-dev/train.txt [out.bin]
 *
 * The list has lines `relative/path.jpg, class_id, ...` (relative to the list's folder), like the
 * Grocery Store Dataset's train.txt. Never learn on the images you evaluate on. Changing the
 * projection changes the featurizer's output: bump VERSION in constants.ts.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { WHITENING_REG } from '../constants'
import { decode } from '../decode'
import { fusedDecoded } from '../pipeline'
import { PROJECTION_IN, PROJECTION_OUT } from '../projection'
import { learnWhitening } from '../whitening'

const list = process.argv[2]
if (!list) {
  console.error('usage: learn-projection.ts LIST.txt [OUT.bin]')
  process.exit(2)
}
const out = process.argv[3] ?? fileURLToPath(new URL('../projection.bin', import.meta.url))
const entries = readFileSync(list, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => {
    const [p, label] = line.split(',').map((s) => s.trim())
    return { file: path.resolve(path.dirname(list), p), label: Number(label) }
  })

const x = new Float32Array(entries.length * PROJECTION_IN)
const t = performance.now()
for (let i = 0; i < entries.length; i++) {
  const fused = await fusedDecoded(await decode(readFileSync(entries[i].file)))
  x.set(fused, i * PROJECTION_IN)
  if (i % 250 === 0) console.log(`described ${i}/${entries.length}`)
}
console.log(
  `described ${entries.length} images in ${((performance.now() - t) / 1000).toFixed(0)} s`,
)
const p = learnWhitening(
  x,
  entries.map((e) => e.label),
  entries.length,
  PROJECTION_IN,
  { k: PROJECTION_OUT, reg: WHITENING_REG },
)
const buf = Buffer.alloc((p.mean.length + p.matrix.length) * 4)
Buffer.from(p.mean.buffer, p.mean.byteOffset, p.mean.byteLength).copy(buf, 0)
Buffer.from(p.matrix.buffer, p.matrix.byteOffset, p.matrix.byteLength).copy(buf, p.mean.byteLength)
writeFileSync(out, buf)
console.log(`wrote ${out} (${p.dim} -> ${p.k})`)
