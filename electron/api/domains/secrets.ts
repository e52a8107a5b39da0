import { z } from 'zod'
import { method } from '../define'

/* ---------- where AccessKey secrets are kept (Settings → Security) ---------- */

/**
 * How the host protects AccessKey secrets. Never carries a secret.
 * `backend`: `keychain` (macOS), `dpapi` (Windows), a Linux safeStorage backend
 * (`gnome_libsecret`, `kwallet`, `kwallet5`, `kwallet6`, `basic_text`, `unknown`), `file` (the
 * headless host's 0600 file) or `memory`.
 */
export const SecretStatus = z.object({
  backend: z.string(),
  /** Protected by the operating system's keychain / keyring (or a private file, or memory only). */
  secure: z.boolean(),
  /** Secrets can be saved and read now. */
  usable: z.boolean(),
  /**
   * The Linux fallback when no keyring is found: secrets are encrypted with a key hard-coded in
   * Electron, i.e. readable by anyone who can read the data folder. Only usable once accepted.
   */
  plainTextFallback: z.boolean(),
  /** The user accepted the plain-text fallback (Settings → Security). */
  plainTextAccepted: z.boolean(),
  /** When the user last accepted or revoked it (ISO 8601), or null when never asked. */
  decidedAt: z.string().nullable(),
  /** Secrets stored, and how many of them were saved with the plain-text fallback. */
  stored: z.number().int().min(0),
  storedPlainText: z.number().int().min(0),
  /** The file holding them (null in memory). */
  file: z.string().nullable(),
})
export type SecretStatus = z.infer<typeof SecretStatus>

export const secretsDomain = {
  status: method(z.object({}).strict(), SecretStatus),
  /**
   * Accept (or revoke) the plain-text fallback; the choice persists. Revoking takes the secrets
   * saved with it off the disk: re-encrypted with a keyring if one is available now, deleted
   * otherwise (their profiles then ask for the AccessKey secret again). Refused
   * (NoPlainTextChoice) where the host has no such fallback.
   */
  setPlainText: method(z.object({ accept: z.boolean() }).strict(), SecretStatus),
}
