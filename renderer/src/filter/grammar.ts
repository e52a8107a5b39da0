/**
 * The filter language of Image Search, as the engines accept it: the grammar, the fields and their
 * operators are electron/domain/filter's (the one parser the local engine and the gallery cache
 * use too). The renderer validates as the user types with the same code, and words a problem in
 * the user's language from its code (`search.filterErrors.*`).
 */
export {
  FIELD_KEYS,
  FILTER_FIELDS,
  INT32_MAX,
  INT32_MIN,
  INT_FIELDS,
  INT_OPS,
  MAX_FILTER_DEPTH,
  MAX_FILTER_LENGTH,
  STR_FIELDS,
  STR_OPS,
  isIntField,
  isStrField,
  opsFor,
  type FilterField,
  type FilterOp,
  type IntField,
  type StrField,
} from '@domain/filter'
export {
  FILTER_ERROR_CODES,
  checkFilter as validateFilter,
  describeFilterProblem as describeProblem,
  type FilterAst as FilterNode,
  type FilterCheck,
  type FilterErrorCode,
  type FilterProblem,
} from '@domain/filter'
