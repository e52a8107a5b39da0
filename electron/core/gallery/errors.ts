import type { ErrorCode, ForeignCode } from '../../domain/errors'
import { CoreError } from '../errors'

/**
 * An error of the gallery cache. It extends CoreError so every host maps it to the contract's
 * error shape the same way (`toApiError()`); codes are the gallery's own:
 * - InvalidDumpLine (400): a dump line is not a JSON object with ProductId/PicName and valid
 *   attribute types; `line` is its 1-based number. Nothing was applied.
 * - DumpReadFailed (400): the dump file could not be read.
 * - GallerySchemaTooNew (400): the database was written by a newer Loupe.
 * - GallerySchemaOutdated (400): a read-only open found a schema that needs migrating.
 * - Aborted (400): the caller's AbortSignal fired; nothing was applied.
 */
export class GalleryError extends CoreError {
  readonly line?: number

  constructor(
    code: ErrorCode | ForeignCode,
    message: string,
    opts: { hint?: string; cause?: unknown; line?: number; httpStatus?: number } = {},
  ) {
    super(code, message, opts)
    this.name = 'GalleryError'
    if (opts.line !== undefined) this.line = opts.line
  }
}
