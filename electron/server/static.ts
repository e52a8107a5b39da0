import fs from 'node:fs'
import path from 'node:path'
import type http from 'node:http'
import { confine } from './gate'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.meta': 'text/plain; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
}

/** The same CSP as the desktop window: nothing but our own origin, images also from data:/blob:. */
export const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
  "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"

export function sendFile(
  res: http.ServerResponse,
  file: string,
  extraHeaders: Record<string, string> = {},
): boolean {
  let st: fs.Stats
  try {
    st = fs.statSync(file)
  } catch {
    return false
  }
  if (!st.isFile()) return false
  res.writeHead(200, {
    'content-type': TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
    'content-length': st.size,
    'x-content-type-options': 'nosniff',
    ...extraHeaders,
  })
  fs.createReadStream(file)
    .on('error', () => res.destroy())
    .pipe(res)
  return true
}

/**
 * Serves the built renderer: the file the decoded `segments` name inside `rendererDir` (confined
 * to it, real path included), `index.html` for `/` and for paths without an extension (the SPA's
 * routes); 404 for any other missing file.
 */
export async function serveRenderer(
  rendererDir: string,
  segments: readonly string[],
  res: http.ServerResponse,
): Promise<void> {
  const headers = { 'content-security-policy': CSP, 'referrer-policy': 'no-referrer' }
  const index = path.join(rendererDir, 'index.html')
  if (!fs.existsSync(index)) {
    res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' })
    res.end('The renderer is not built. Run `npm run build` first.\n')
    return
  }
  const file = segments.length ? await confine(rendererDir, segments, [rendererDir]) : index
  if (file && sendFile(res, file, headers)) return
  if (path.extname(segments.at(-1) ?? '')) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' })
    res.end('Not found\n')
    return
  }
  sendFile(res, index, { ...headers, 'cache-control': 'no-store' })
}
