/** A line of counts as the dialogs that preview a change show them (components/StatRow.vue). */
export interface Stat {
  label: string
  value: number
  testid?: string
}

/** Which counts to show, in order; `ifAny` leaves a zero count out. */
export type StatField<K extends string> = { key: K; testid?: string; ifAny?: boolean }

/** The stats of `counts` for `fields`, each labelled by `label(key)`. */
export function countStats<K extends string>(
  counts: Record<NoInfer<K>, number>,
  label: (k: K) => string,
  fields: readonly StatField<K>[],
): Stat[] {
  return fields
    .filter((f) => !f.ifAny || counts[f.key])
    .map((f) => ({ label: label(f.key), value: counts[f.key], testid: f.testid }))
}
