import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  isLoopbackAddress,
  loadPicContent,
} from '../../../../../electron/core/engines/wire/pic-content'
import { listen, type Listening } from './sdk'

describe('isLoopbackAddress', () => {
  it('accepts 127/8 and ::1 (also IPv4-mapped), nothing else', () => {
    for (const a of ['127.0.0.1', '127.255.0.9', '::1', '::ffff:127.0.0.1', '::ffff:7f00:1']) {
      expect(isLoopbackAddress(a), a).toBe(true)
    }
    for (const a of [
      '10.0.0.1',
      '169.254.169.254',
      '0.0.0.0',
      '::',
      '::ffff:10.0.0.1',
      'fe80::1',
      'localhost',
    ]) {
      expect(isLoopbackAddress(a), a).toBe(false)
    }
  })
})

describe('loadPicContent', () => {
  let srv: Listening
  const big = Buffer.alloc(3 * 1024 * 1024, 1)
  beforeAll(async () => {
    srv = await listen((req, res) => {
      if (req.url === '/big') {
        res.writeHead(200)
        res.end(big)
      } else if (req.url === '/hang') {
        // never answers
      } else {
        res.writeHead(200)
        res.end('img')
      }
    })
  })
  afterAll(() => srv.close())

  it('decodes base64 (with line breaks or url-safe alphabet)', async () => {
    const bytes = Buffer.from([0xff, 0xd8, 0xff, 0xfe, 0x10, 0x3f])
    expect(await loadPicContent(bytes.toString('base64'), 'PicContent')).toEqual(bytes)
    const wrapped = bytes.toString('base64').replace(/(.{4})/g, '$1\n')
    expect(await loadPicContent(wrapped, 'PicContent')).toEqual(bytes)
    expect(await loadPicContent(bytes.toString('base64url'), 'PicContent')).toEqual(bytes)
    // A '+' sent without percent-encoding arrives as a space in a form body.
    const plus = Buffer.from([0xfb, 0xef, 0xbe, 0xfb])
    expect(plus.toString('base64')).toContain('+')
    expect(await loadPicContent(plus.toString('base64').replace(/\+/g, ' '), 'PicContent')).toEqual(
      plus,
    )
  })

  it('rejects text that is not base64', async () => {
    await expect(loadPicContent('not base64 ☃', 'PicContent')).rejects.toMatchObject({
      code: 'BadRequest',
    })
    await expect(loadPicContent('', 'PicContent')).rejects.toMatchObject({ code: 'BadRequest' })
  })

  it('enforces the size cap and the timeout on URLs', async () => {
    await expect(
      loadPicContent(`${srv.url}/big`, 'PicContent', { maxBytes: 1024 * 1024 }),
    ).rejects.toMatchObject({ code: 'BadRequest', message: expect.stringContaining('exceeds') })
    expect(await loadPicContent(`${srv.url}/big`, 'PicContent')).toHaveLength(big.length)
    await expect(
      loadPicContent(`${srv.url}/hang`, 'PicContent', { timeoutMs: 300 }),
    ).rejects.toMatchObject({ code: 'BadRequest', message: expect.stringContaining('longer') })
  })

  it('an empty allow-list disables URLs; a listed name must still match host:port', async () => {
    await expect(
      loadPicContent(`${srv.url}/a`, 'PicContent', { allowedHosts: [] }),
    ).rejects.toMatchObject({ code: 'BadRequest' })
    await expect(
      loadPicContent(`${srv.url}/a`, 'PicContent', { allowedHosts: ['127.0.0.1:1'] }),
    ).rejects.toMatchObject({ code: 'BadRequest' })
    expect(
      (
        await loadPicContent(`${srv.url}/a`, 'PicContent', { allowedHosts: ['127.0.0.1'] })
      ).toString(),
    ).toBe('img')
  })
})
