import { MAX_FILTER_LENGTH, type FilterProblem } from './grammar'

type Translate = (key: string, params?: Record<string, unknown>) => string

/** A filter problem in the user's language (`search.filterErrors.<code>`), from its code. */
export function filterProblemText(t: Translate, p: FilterProblem): string {
  return t(`search.filterErrors.${p.code}`, {
    pos: p.pos,
    field: p.field ?? '',
    max: MAX_FILTER_LENGTH,
    found: p.found === null ? t('search.filterErrors.endOfInput') : `“${p.found}”`,
  })
}
