import { describe, expect, it } from 'vitest'
import { METHODS } from '../../../electron/api/contract'
import { METHOD_SCOPES, requiredScope, scopeAllows } from '../../../electron/api/access'

describe('the scope each contract method needs', () => {
  it('classifies every method of the contract, and nothing else', () => {
    const names = METHODS.map(([n]) => n)
    for (const n of names) expect(['read', 'full'], n).toContain(METHOD_SCOPES[n])
    expect(Object.keys(METHOD_SCOPES).sort()).toEqual([...names].sort())
  })

  it('lets a read-only session look but not change anything', () => {
    for (const n of ['search.byPic', 'search.byName', 'gallery.list', 'gallery.get', 'jobs.list']) {
      expect(scopeAllows('read', n), n).toBe(true)
    }
    for (const n of [
      'images.add',
      'images.remove',
      'gallery.remove',
      'gallery.update',
      'profiles.create',
      'profiles.activate',
      'profiles.test',
      'watch.add',
      'bulk.start',
      'jobs.cancel',
      'secrets.setPlainText',
    ]) {
      expect(scopeAllows('read', n), n).toBe(false)
      expect(scopeAllows('full', n), n).toBe(true)
    }
  })

  it('fails closed for a name the contract does not know', () => {
    expect(requiredScope('nope.nothing')).toBe('full')
    expect(requiredScope('__proto__')).toBe('full')
    expect(requiredScope('constructor')).toBe('full')
    expect(scopeAllows('read', 'toString')).toBe(false)
  })
})
