/**
 * Naming rules: how a picture's path (relative to its source root) becomes productId + picName.
 *
 * - `folder`: productId = the parent folder's name, picName = the file name.
 * - `file`: productId = the file name without its extension, picName = the file name.
 * - a template such as `{product}/{name}` or `{product}_{view}.{ext}`: matched against the end of
 *   the relative path (leading folders may be left out). `{product}` is required; `{name}` gives
 *   the picName (default: the file name); `{ext}` matches an extension (no dot); `{*}` matches
 *   anything within one path segment without capturing; any other `{word}` matches within one
 *   segment. Placeholders are greedy: in `{product}_{view}`, `a_b_c` gives product `a_b`.
 * - a regular expression, written `/…/flags` or `re:…`, with named groups `product` (required)
 *   and `name` (optional), tested against the relative path with forward slashes.
 */

import { CoreError } from '../../errors'

export type NamingRule =
  | { kind: 'folder'; text: 'folder' }
  | { kind: 'file'; text: 'file' }
  | { kind: 'template'; text: string; regex: RegExp }
  | { kind: 'regex'; text: string; regex: RegExp }

export type DerivedIds = { productId: string; picName: string } | { error: string }

export interface DeriveContext {
  /** Name of the source root folder: the parent of files lying directly in it. */
  rootName?: string
}

function ruleError(text: string, detail: string): CoreError {
  return new CoreError('InvalidNamingRule', `The naming rule "${text}" is invalid: ${detail}.`, {
    hint: 'Use folder, file, a template such as {product}/{name} or {product}_{view}.{ext}, or a regular expression /(?<product>…)/ with a named group "product".',
  })
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** Parse a naming rule; throws CoreError('InvalidNamingRule') with the reason. */
export function parseNamingRule(text: string): NamingRule {
  const t = (text ?? '').trim()
  if (t === '' || t.toLowerCase() === 'folder') return { kind: 'folder', text: 'folder' }
  if (t.toLowerCase() === 'file') return { kind: 'file', text: 'file' }

  const slashed = /^\/(.+)\/([a-z]*)$/s.exec(t)
  if (slashed || t.startsWith('re:')) {
    const source = slashed ? slashed[1] : t.slice(3)
    const flags = slashed ? slashed[2] : ''
    if (/[gy]/.test(flags)) throw ruleError(t, 'the g and y flags are not allowed')
    let regex: RegExp
    try {
      regex = new RegExp(source, flags)
    } catch (e) {
      throw ruleError(t, (e as Error).message)
    }
    if (!/\(\?<product>/.test(source)) throw ruleError(t, 'it needs a named group (?<product>…)')
    return { kind: 'regex', text: t, regex }
  }

  if (!t.includes('{'))
    throw ruleError(t, 'expected folder, file, a {product} template or a /regex/')
  const seen = new Set<string>()
  let pattern = ''
  let last = 0
  const token = /\{([^{}]*)\}/g
  for (let m = token.exec(t); m; m = token.exec(t)) {
    pattern += escapeRe(t.slice(last, m.index))
    last = m.index + m[0].length
    const name = m[1].trim()
    if (name === '*') {
      pattern += '[^/]*'
      continue
    }
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw ruleError(t, `"{${m[1]}}" is not a placeholder (letters, digits and _ only, or {*})`)
    }
    if (seen.has(name)) throw ruleError(t, `{${name}} appears twice`)
    seen.add(name)
    pattern += name === 'ext' ? '(?<ext>[^/.]+)' : `(?<${name}>[^/]+)`
  }
  const rest = t.slice(last)
  if (/[{}]/.test(rest) || /[{}]/.test(t.replace(token, '')))
    throw ruleError(t, 'unbalanced { or }')
  pattern += escapeRe(rest)
  if (!seen.has('product')) throw ruleError(t, 'it needs a {product} placeholder')
  if (t.startsWith('/'))
    throw ruleError(t, 'a template is relative to the source folder (no leading /)')
  return { kind: 'template', text: t, regex: new RegExp(`(?:^|/)${pattern}$`) }
}

function baseName(p: string): string {
  const i = p.lastIndexOf('/')
  return i < 0 ? p : p.slice(i + 1)
}

function stripExt(name: string): string {
  const i = name.lastIndexOf('.')
  return i > 0 ? name.slice(0, i) : name
}

/** Forward slashes, no leading './' or '/'. */
export function normalizeRelPath(p: string): string {
  return p
    .replace(/\\/g, '/')
    .replace(/^(\.\/)+/, '')
    .replace(/^\/+/, '')
}

/** productId + picName for a path relative to its source root, or why the rule does not apply. */
export function deriveIds(
  relPath: string,
  rule: NamingRule | string,
  ctx: DeriveContext = {},
): DerivedIds {
  const r = typeof rule === 'string' ? parseNamingRule(rule) : rule
  const rel = normalizeRelPath(relPath)
  const file = baseName(rel)
  if (!file) return { error: `"${relPath}" has no file name` }

  switch (r.kind) {
    case 'folder': {
      const parts = rel.split('/')
      const parent = parts.length > 1 ? parts[parts.length - 2] : ctx.rootName
      if (!parent)
        return { error: `"${rel}" is not inside a folder, so the folder rule gives no productId` }
      return { productId: parent, picName: file }
    }
    case 'file': {
      const id = stripExt(file)
      return id
        ? { productId: id, picName: file }
        : { error: `"${file}" has no name before its extension` }
    }
    case 'template':
    case 'regex': {
      let m = r.regex.exec(rel)
      if (!m && ctx.rootName) m = r.regex.exec(`${ctx.rootName}/${rel}`)
      if (!m) return { error: `"${rel}" does not match the naming rule ${r.text}` }
      const productId = m.groups?.product
      if (!productId)
        return { error: `the naming rule ${r.text} gave an empty productId for "${rel}"` }
      const name = m.groups?.name
      return { productId, picName: name ? name : file }
    }
  }
}
