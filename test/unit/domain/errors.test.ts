import fs from 'node:fs'
import path from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'
import { CoreError } from '../../../electron/core/errors'
import { EngineError, foreignCode } from '../../../electron/core/engines/errors'
import {
  ERROR_CATALOGUE,
  ERROR_CATALOGUE_PARTS,
  ERROR_CODES,
  explainError,
  isErrorCode,
  isRetryable,
  retryClass,
} from '../../../electron/domain/errors'

const ROOT = path.resolve(__dirname, '../../..')

/**
 * Codes written as string literals where an error is made: `new …Error('Code', …)`, `code: 'Code'`
 * (also as a branch of `?:` or the right side of `??` / `||`), `errorCode: 'Code'`, and
 * `code = 'Code'` (a default or an assignment). Typing catches the rest: CoreError, EngineError
 * and the helpers that take a code accept only catalogue codes or an explicit `foreignCode()`.
 */
function literalCodes(): Map<string, string[]> {
  const found = new Map<string, string[]>()
  const add = (code: string, where: string) => {
    if (!/^[A-Z][A-Za-z0-9_.]*$/.test(code)) return // prose ("Limiter closed"), columns ("code")
    found.set(code, [...(found.get(code) ?? []), where])
  }
  const literals = (n: ts.Expression): string[] => {
    if (ts.isStringLiteralLike(n)) return [n.text]
    if (ts.isParenthesizedExpression(n)) return literals(n.expression)
    if (ts.isConditionalExpression(n)) return [...literals(n.whenTrue), ...literals(n.whenFalse)]
    if (
      ts.isBinaryExpression(n) &&
      (n.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken ||
        n.operatorToken.kind === ts.SyntaxKind.BarBarToken)
    ) {
      return literals(n.right)
    }
    return []
  }
  const scan = (file: string) => {
    let text = fs.readFileSync(file, 'utf8')
    if (file.endsWith('.vue')) text = /<script[^>]*>([\s\S]*?)<\/script>/.exec(text)?.[1] ?? ''
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true)
    const rel = path.relative(ROOT, file)
    const visit = (n: ts.Node) => {
      const where = `${rel}:${sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1}`
      if (
        ts.isNewExpression(n) &&
        /Error$/.test(n.expression.getText(sf)) &&
        n.arguments?.[0] &&
        ts.isStringLiteralLike(n.arguments[0])
      ) {
        add(n.arguments[0].text, where)
      }
      if (ts.isPropertyAssignment(n) && /^(code|errorCode)$/.test(n.name.getText(sf))) {
        for (const c of literals(n.initializer)) add(c, where)
      }
      if (ts.isParameter(n) && n.name.getText(sf) === 'code' && n.initializer) {
        for (const c of literals(n.initializer)) add(c, where)
      }
      if (
        ts.isBinaryExpression(n) &&
        n.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
        /^(code|\w+\.code)$/.test(n.left.getText(sf))
      ) {
        for (const c of literals(n.right)) add(c, where)
      }
      ts.forEachChild(n, visit)
    }
    visit(sf)
  }
  const walk = (dir: string) => {
    for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, d.name)
      if (d.isDirectory()) walk(p)
      else if (/\.(ts|vue)$/.test(d.name) && !d.name.endsWith('.d.ts')) scan(p)
    }
  }
  walk(path.join(ROOT, 'electron'))
  walk(path.join(ROOT, 'renderer/src'))
  return found
}

/** Literals that look like codes but are never shown as an error's code. */
const NOT_ERROR_CODES: Record<string, string> = {
  // A synthetic Node error for a folder given as a picture: unreadable() turns it into ImageUnreadable.
  EISDIR: 'imaging/pipeline.ts',
  // The wire server's access log notes a client that hung up; no answer is sent.
  ClientAborted: 'engines/wire/server.ts',
}

describe('the error catalogue', () => {
  it('lists no code twice across its parts', () => {
    const seen = new Map<string, string>()
    for (const [part, entries] of Object.entries(ERROR_CATALOGUE_PARTS)) {
      for (const code of Object.keys(entries)) {
        expect(seen.get(code), `${code} is in ${seen.get(code)} and ${part}`).toBeUndefined()
        seen.set(code, part)
      }
    }
    expect(seen.size).toBe(ERROR_CODES.length)
  })

  it('explains every code in en-US and zh-CN, with a status and a retry class', () => {
    for (const code of ERROR_CODES) {
      const e = ERROR_CATALOGUE[code]
      expect(Number.isInteger(e.status) && e.status >= 400 && e.status < 600, code).toBe(true)
      expect(['invalid', 'transient', 'throttled', 'fatal']).toContain(e.retry)
      const en = e['en-US']
      const zh = e['zh-CN']
      expect(en.message.trim(), code).not.toBe('')
      expect(zh.message, `${code} zh-CN`).toMatch(/[\u4e00-\u9fff]/)
      // A hint in one language has its translation in the other.
      expect(en.hint === undefined, `${code}: hint in one language only`).toBe(
        zh.hint === undefined,
      )
      if (zh.hint !== undefined) expect(zh.hint, `${code} zh-CN hint`).toMatch(/[\u4e00-\u9fff]/)
      // Placeholders match between the languages.
      const names = (t: string) => [...t.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()
      expect(names(zh.message + (zh.hint ?? '')), code).toEqual(names(en.message + (en.hint ?? '')))
    }
  })

  it('lists every code written in the sources of every layer', () => {
    const missing: string[] = []
    const found = literalCodes()
    for (const [code, where] of found) {
      if (isErrorCode(code) || code in NOT_ERROR_CODES) continue
      missing.push(`${code} (${where.join(', ')})`)
    }
    expect(missing).toEqual([])
    // The scan does find the codes of every layer (guards against a scan that finds nothing).
    for (const code of [
      'InvalidArgument',
      'HostUnreachable',
      'JobsBusy',
      'EmptyImage',
      'Forbidden',
    ]) {
      expect(found.has(code), code).toBe(true)
    }
  })

  it('refuses an unlisted code at typecheck; a code from outside is passed on as foreignCode()', () => {
    // @ts-expect-error 'NoSuchCode' is not in the catalogue (tsc checks this line)
    const bad = new CoreError('NoSuchCode', 'x')
    expect(bad.httpStatus).toBe(400)
    const relayed = new EngineError(foreignCode('Throttling.Custom'), 'from the cloud', {
      httpStatus: 503,
    })
    expect(relayed.toApiError()).toMatchObject({
      code: 'Throttling.Custom',
      httpStatus: 503,
      retryable: true,
    })
    const listed = new CoreError('JobsBusy', 'held by pid 42')
    expect(listed.toApiError()).toMatchObject({ httpStatus: 409, retryable: false })
  })

  it('classes retries: flow control, credentials, network, validation; unlisted codes by status', () => {
    expect(retryClass('DeniedRequest')).toBe('throttled')
    expect(retryClass('InvalidAccessKeyId.NotFound')).toBe('fatal')
    expect(retryClass('ECONNRESET')).toBe('transient')
    expect(retryClass('InvalidRegion')).toBe('invalid')
    expect(isRetryable('ReadTimeout')).toBe(true)
    expect(isRetryable('InvalidFilterClause')).toBe(false)
    expect(isRetryable('OssHttp503', 503)).toBe(true)
    expect(isRetryable('OssHttp404', 404)).toBe(false)
  })

  it('explains in the chosen language and fills placeholders from details', () => {
    expect(explainError('InvalidFilterClause', 'zh-CN')?.message).toBe('过滤条件无效。')
    expect(explainError('InvalidNamingRule', 'en-US', { product: 'sku' })?.hint).toContain(
      'with a sku placeholder',
    )
    expect(explainError('InvalidNamingRule', 'en-US')?.hint).toContain('{product}')
    expect(explainError('NoSuchCode', 'en-US')).toBeNull()
  })
})
