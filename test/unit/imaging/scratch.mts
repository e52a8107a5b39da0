import fs from 'node:fs'
import sharp from 'sharp'
const dir = '/work/shared/datasets/catalogue-hm'
const files = fs.readdirSync(dir).slice(0, 100).map((f) => fs.readFileSync(`${dir}/${f}`))
const raws = await Promise.all(files.map((b) => sharp(b).raw().toBuffer({ resolveWithObject: true })))
const variants: Record<string, (i: number) => Promise<Buffer>> = {
  'jpeg q90 raw': (i) => sharp(raws[i].data, { raw: raws[i].info }).jpeg({ quality: 90 }).toBuffer(),
  'webp q75 e0': (i) => sharp(raws[i].data, { raw: raws[i].info }).webp({ quality: 75, effort: 0 }).toBuffer(),
  'webp q75 e2': (i) => sharp(raws[i].data, { raw: raws[i].info }).webp({ quality: 75, effort: 2 }).toBuffer(),
  'webp q75 e4': (i) => sharp(raws[i].data, { raw: raws[i].info }).webp({ quality: 75, effort: 4 }).toBuffer(),
  'webp q60 e0': (i) => sharp(raws[i].data, { raw: raws[i].info }).webp({ quality: 60, effort: 0 }).toBuffer(),
}
const acc: Record<string, number[]> = {}
const size: Record<string, number> = {}
for (let rep = 0; rep < 5; rep++) for (const [k, fn] of Object.entries(variants)) {
  const t = performance.now(); let s = 0
  for (let i = 0; i < files.length; i++) s += (await fn(i)).length
  ;(acc[k] ??= []).push((performance.now() - t) / files.length); size[k] = s / files.length
}
for (const [k, v] of Object.entries(acc)) console.log(k.padEnd(14), Math.min(...v).toFixed(2), 'ms min', (v.sort()[2]).toFixed(2), 'med', Math.round(size[k]), 'B')
