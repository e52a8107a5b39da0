/**
 * The domains of bench/quality.ts: which pictures, which label, which role (gallery or query).
 *
 * - COIL-100: gallery = views at multiples of 40°, queries = the others; label = object.
 * - Grocery: `train`, `val` and `iconic` pictures; label = fine class. A: val → train + iconic;
 *   B: val → iconic only.
 * - Objects (the general-object proxy): each catalogue-hm picture (`orig`) and VIEWS generated
 *   phone photos of it (`view`, quality-views.ts); label = the catalogue picture.
 */
import { readFileSync, readdirSync } from 'node:fs'
import path from 'node:path'
import type { Job } from './quality-describe'

export type Role = 'gallery' | 'query' | 'train' | 'val' | 'iconic' | 'orig' | 'view'

export interface Item extends Job {
  label: number
  role: Role
}

export function coilItems(data: string): Item[] {
  const dir = path.join(data, 'coil100-dev')
  return readdirSync(dir)
    .filter((f) => f.endsWith('.png'))
    .sort()
    .map((f) => {
      const m = /obj(\d+)__(\d+)\.png/.exec(f)!
      const file = path.join(dir, f)
      return {
        key: file,
        file,
        label: Number(m[1]),
        role: Number(m[2]) % 40 === 0 ? 'gallery' : 'query',
      }
    })
}

export function groceryItems(data: string): Item[] {
  const dir = path.join(data, 'grocery-dev')
  const split = (name: 'train' | 'val'): Item[] =>
    readFileSync(path.join(dir, `${name}.txt`), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [p, fine] = line.split(',').map((s) => s.trim())
        const file = path.join(dir, p)
        return { key: file, file, label: Number(fine), role: name }
      })
  const iconic = readFileSync(path.join(dir, 'classes.csv'), 'utf8')
    .split('\n')
    .slice(1)
    .filter(Boolean)
    .map((line): Item => {
      const c = line.split(',')
      const file = path.join(dir, 'iconic', `${c[0]}_Iconic.jpg`)
      return { key: file, file, label: Number(c[1]), role: 'iconic' }
    })
  return [...split('train'), ...split('val'), ...iconic]
}

/** Shelf photos used as cluttered backgrounds of the generated views. */
export function backgroundFiles(data: string): string[] {
  return groceryItems(data)
    .filter((i) => i.role === 'train')
    .map((i) => i.file)
}

export const VIEWS = 3

export function objectItems(data: string, views = VIEWS): Item[] {
  const dir = path.join(data, 'catalogue-hm')
  const files = readdirSync(dir)
    .filter((f) => /^item\d+\.jpg$/.test(f))
    .sort()
  const out: Item[] = []
  files.forEach((f, label) => {
    const file = path.join(dir, f)
    out.push({ key: file, file, label, role: 'orig' })
    for (let v = 1; v <= views; v++) {
      out.push({ key: `${file}#p3-view${v}`, file, item: label, view: v, label, role: 'view' })
    }
  })
  return out
}
