export * from './types'
export {
  parseNamingRule,
  deriveIds,
  normalizeRelPath,
  type NamingRule,
  type DerivedIds,
  type DeriveContext,
} from './naming'
export {
  FIELD_LIMITS,
  canonicalKey,
  fieldsFromRecord,
  mergeFields,
  validateItem,
  type ValidateOptions,
} from './fields'
export { readSources, detectSourceType, normalizeSource, type SourceEntry } from './sources'
export {
  planBulkAdd,
  collectPlan,
  itemKey,
  outcomeKind,
  sha256File,
  DEFAULT_NEAR_DISTANCE,
} from './plan'
export {
  BULK_ADD_KIND,
  bulkAddFingerprint,
  findResumableBulkAdd,
  bulkAddHandler,
  registerBulkAdd,
  enqueueBulkAdd,
  toQueueItem,
  type EnqueueBulkAddOptions,
  type EnqueueResult,
} from './run'
