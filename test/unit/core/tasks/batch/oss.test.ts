import crypto from 'node:crypto'
import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { uploadToOss, type OssTarget } from '../../../../../electron/core/tasks/batch/oss'
import { startFakeOss, type FakeOss } from './oss-server'
import { item, tmp, cleanupTmp } from './helpers'

// Registered first, so it runs last (after hooks run in reverse order).
afterAll(() => cleanupTmp())

const KEY = 'LTAIoss0000000000test'
const SECRET = 'OssSecret0123456789abcdefXYZ'

let oss: FakeOss
const target = (over: Partial<OssTarget> = {}): OssTarget => ({
  endpoint: oss.endpoint,
  region: 'cn-shanghai',
  bucket: 'loupe-test',
  accessKeyId: KEY,
  accessKeySecret: SECRET,
  ...over,
})

beforeAll(async () => {
  oss = await startFakeOss({ keys: { [KEY]: SECRET }, failPartCalls: [2] })
})
afterAll(async () => {
  await oss.close()
})

describe('OSS upload (ali-oss against a server checking the V1 signature)', () => {
  it('puts small files and multipart-uploads big ones, byte for byte', async () => {
    const dir = tmp()
    const small = item(5)
    const big = path.join(dir, 'big.bin')
    fs.writeFileSync(big, crypto.randomBytes(700 * 1024))
    const progress: [string, number, boolean][] = []
    await uploadToOss(
      target(),
      [
        { file: small, key: 'batch/商品 a+b.jpg', size: fs.statSync(small).size },
        { file: big, key: 'batch/big.bin', size: fs.statSync(big).size },
      ],
      {
        multipartThreshold: 300 * 1024,
        partSize: 200 * 1024,
        backoffMs: 10,
        onProgress: (i, bytes, done) => progress.push([i.key, bytes, done]),
      },
    )
    const same = (a: string, b: string) => fs.readFileSync(a).equals(fs.readFileSync(b))
    expect(same(oss.objectPath('loupe-test', 'batch/商品 a+b.jpg'), small)).toBe(true)
    expect(same(oss.objectPath('loupe-test', 'batch/big.bin'), big)).toBe(true)
    expect(
      progress
        .filter((p) => p[2])
        .map((p) => p[0])
        .sort(),
    ).toEqual(['batch/big.bin', 'batch/商品 a+b.jpg'])
    // part progress was reported before the big file was done
    expect(progress.some((p) => p[0] === 'batch/big.bin' && !p[2] && p[1] > 0)).toBe(true)
  })

  it('resumes a multipart upload from its checkpoint after a failed part', async () => {
    // A fresh server failing its 3rd UploadPart call; parts go one at a time so the count is exact.
    const s = await startFakeOss({ keys: { [KEY]: SECRET }, failPartCalls: [3] })
    try {
      const dir = tmp()
      const big = path.join(dir, 'big.bin')
      fs.writeFileSync(big, crypto.randomBytes(1000 * 1024))
      const saved = new Map<string, unknown>()
      const cps = {
        get: (k: string) => saved.get(k) ?? null,
        set: (k: string, v: unknown) => void saved.set(k, JSON.parse(JSON.stringify(v))),
        delete: (k: string) => void saved.delete(k),
      }
      await uploadToOss(
        target({ endpoint: s.endpoint }),
        [{ file: big, key: 'r/big.bin', size: fs.statSync(big).size }],
        {
          multipartThreshold: 100 * 1024,
          partSize: 200 * 1024,
          partParallel: 1,
          backoffMs: 10,
          checkpoints: cps,
        },
      )
      expect(
        fs.readFileSync(s.objectPath('loupe-test', 'r/big.bin')).equals(fs.readFileSync(big)),
      ).toBe(true)
      const inits = s.log.filter((l) => l.method === 'POST' && 'uploads' in l.query)
      const parts = s.log.filter((l) => l.method === 'PUT' && 'partNumber' in l.query)
      // one upload id for the whole file: the retry continued the same multipart upload
      expect(inits).toHaveLength(1)
      // 5 parts + the one that failed; parts already sent were not sent again
      expect(parts).toHaveLength(6)
      expect(parts.filter((p) => p.status === 500)).toHaveLength(1)
      expect(saved.size).toBe(0) // checkpoint removed once complete
    } finally {
      await s.close()
    }
  })

  it('refuses a wrong secret with SignatureDoesNotMatch and a hint, without leaking it', async () => {
    const err = await uploadToOss(
      target({ accessKeySecret: 'not-the-secret' }),
      [{ file: item(1), key: 'x/1.jpg', size: fs.statSync(item(1)).size }],
      { backoffMs: 10 },
    ).catch((e) => e)
    expect(err.code).toBe('SignatureDoesNotMatch')
    expect(err.hint).toMatch(/secret/i)
    expect(JSON.stringify({ m: err.message, h: err.hint })).not.toContain('not-the-secret')
    expect(fs.existsSync(oss.objectPath('loupe-test', 'x/1.jpg'))).toBe(false)
  })

  it('refuses an unknown AccessKey id', async () => {
    const err = await uploadToOss(
      target({ accessKeyId: 'LTAIunknown000000000' }),
      [{ file: item(1), key: 'x/2.jpg', size: fs.statSync(item(1)).size }],
      { backoffMs: 10 },
    ).catch((e) => e)
    expect(err.code).toBe('InvalidAccessKeyId')
  })

  it('the server refuses a request signed correctly but with the body changed (Content-MD5)', async () => {
    // Sign a PutObject by hand per the spec, then send another body.
    const body = Buffer.from('the real body')
    const md5 = crypto.createHash('md5').update(body).digest('base64')
    const date = new Date().toUTCString()
    const sts = `PUT\n${md5}\nimage/jpeg\n${date}\n/loupe-test/hand.jpg`
    const sig = crypto.createHmac('sha1', SECRET).update(sts).digest('base64')
    const send = (b: Buffer) =>
      new Promise<number>((resolve, reject) => {
        const req = http.request(
          `${oss.endpoint}/hand.jpg`,
          {
            method: 'PUT',
            headers: {
              host: 'loupe-test.oss-cn-shanghai.aliyuncs.com',
              date,
              'content-md5': md5,
              'content-type': 'image/jpeg',
              authorization: `OSS ${KEY}:${sig}`,
              'content-length': b.length,
            },
          },
          (res) => {
            res.resume()
            resolve(res.statusCode ?? 0)
          },
        )
        req.on('error', reject)
        req.end(b)
      })
    expect(await send(Buffer.from('another body!'))).toBe(400)
    expect(await send(body)).toBe(200)
    expect(fs.readFileSync(oss.objectPath('loupe-test', 'hand.jpg'), 'utf8')).toBe('the real body')
  })

  it('rejects a bad bucket name before sending anything', async () => {
    const before = oss.log.length
    const err = await uploadToOss(target({ bucket: 'Bad_Bucket' }), []).catch((e) => e)
    expect(err.code).toBe('InvalidBucketName')
    expect(oss.log.length).toBe(before)
  })
})
