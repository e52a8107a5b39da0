import crypto from 'node:crypto'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { CoreError } from '../../core/errors'
import { explainError, type ErrorCode, type ErrorDetails } from '../../domain/errors'

/** An error with the catalogue's en-US hint (the CLI prints it under the message). */
export function explained(code: ErrorCode, message: string, details?: ErrorDetails): CoreError {
  const hint = explainError(code, 'en-US', details)?.hint
  return new CoreError(code, message, {
    ...(hint ? { hint } : {}),
    ...(details ? { details } : {}),
  })
}

export interface TlsFiles {
  cert: string
  key: string
}

export interface TlsMaterial {
  cert: Buffer
  key: Buffer
}

/** Whether an address to listen on is reachable from this machine only. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
  if (h === 'localhost' || h.endsWith('.localhost')) return true
  if (net.isIPv4(h)) return h.startsWith('127.')
  if (net.isIPv6(h)) {
    if (h === '::1') return true
    const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h)
    return !!v4 && v4[1].startsWith('127.')
  }
  return false
}

function reason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code
  if (code === 'ENOENT') return 'no such file'
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied'
  if (code === 'EISDIR') return 'it is a folder'
  return (e as Error).message
}

function readTlsFile(file: string): Buffer {
  const abs = path.resolve(file)
  try {
    const st = fs.statSync(abs)
    if (st.isDirectory()) throw Object.assign(new Error('folder'), { code: 'EISDIR' })
    return fs.readFileSync(abs)
  } catch (e) {
    throw explained('TlsFileUnreadable', `Cannot read ${abs}: ${reason(e)}`, {
      file: abs,
      reason: reason(e),
    })
  }
}

/** One line of what OpenSSL said, without its internal error codes. */
function cryptoReason(e: unknown): string {
  const m = (e as Error).message.split('\n')[0] ?? ''
  return m.replace(/^error:[0-9A-F]+:[^:]*:[^:]*:/i, '').trim() || 'unreadable'
}

/**
 * Reads and checks `--tls-cert` / `--tls-key`: both readable, a PEM certificate, a private key,
 * and the key the certificate's. Each failure is its own error naming the file.
 */
export function loadTls(files: TlsFiles): TlsMaterial {
  const cert = readTlsFile(files.cert)
  const key = readTlsFile(files.key)
  let x509: crypto.X509Certificate
  try {
    x509 = new crypto.X509Certificate(cert)
  } catch (e) {
    const abs = path.resolve(files.cert)
    throw explained(
      'TlsCertificateInvalid',
      `${abs} is not a PEM certificate: ${cryptoReason(e)}`,
      {
        file: abs,
        reason: cryptoReason(e),
      },
    )
  }
  let pk: crypto.KeyObject
  try {
    pk = crypto.createPrivateKey(key)
  } catch (e) {
    const abs = path.resolve(files.key)
    throw explained('TlsKeyInvalid', `${abs} is not a PEM private key: ${cryptoReason(e)}`, {
      file: abs,
      reason: cryptoReason(e),
    })
  }
  if (!x509.checkPrivateKey(pk)) {
    throw explained(
      'TlsKeyMismatch',
      `The key in ${path.resolve(files.key)} does not belong to the certificate in ${path.resolve(files.cert)}`,
    )
  }
  return { cert, key }
}
