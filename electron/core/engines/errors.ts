import { CoreError } from '../errors'

export { foreignCode } from '../../domain/errors'
export type { ErrorCode, ForeignCode } from '../../domain/errors'

/**
 * An error an engine answers with (the local engine, the cloud engine, the wire layer that serves
 * the local engine as the cloud's API): the cloud's error code and HTTP status. The local engine
 * throws the same codes the cloud documents, so the wire layer and the UI treat both alike. The
 * rest of the core throws `CoreError`.
 */
export class EngineError extends CoreError {
  constructor(...args: ConstructorParameters<typeof CoreError>) {
    super(...args)
    this.name = 'EngineError'
  }
}
