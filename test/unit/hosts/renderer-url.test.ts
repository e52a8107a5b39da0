import { describe, expect, it } from 'vitest'
import { rendererUrl } from '../../../electron/main/renderer-url'

describe('rendererUrl (ELECTRON_RENDERER_URL)', () => {
  const dev = { ELECTRON_RENDERER_URL: 'http://localhost:5173' }

  it('loads the dev server in an unpackaged app', () => {
    expect(rendererUrl({ isPackaged: false, env: dev })).toBe('http://localhost:5173')
  })

  it('ignores the variable in a packaged app', () => {
    expect(rendererUrl({ isPackaged: true, env: dev })).toBeUndefined()
    expect(
      rendererUrl({ isPackaged: true, env: { ELECTRON_RENDERER_URL: 'https://evil.test/' } }),
    ).toBeUndefined()
  })

  it('loads the bundled page when the variable is unset or blank', () => {
    expect(rendererUrl({ isPackaged: false, env: {} })).toBeUndefined()
    expect(rendererUrl({ isPackaged: false, env: { ELECTRON_RENDERER_URL: '  ' } })).toBeUndefined()
  })

  it('accepts only http(s) dev servers', () => {
    for (const bad of [
      'file:///etc/passwd',
      'javascript:alert(1)',
      'data:text/html,x',
      'not a url',
    ])
      expect(rendererUrl({ isPackaged: false, env: { ELECTRON_RENDERER_URL: bad } }), bad).toBe(
        undefined,
      )
    expect(
      rendererUrl({ isPackaged: false, env: { ELECTRON_RENDERER_URL: 'https://127.0.0.1:5173/' } }),
    ).toBe('https://127.0.0.1:5173/')
  })
})
