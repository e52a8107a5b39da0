/**
 * A run's exports: CSV (one line per query × profile), JSON (the run, and per profile its figures
 * and rows) and a self-contained HTML report (report-html.ts).
 */

import type { CategoryFigures, EvalRunView, EvalSummary } from '../../api/domains/eval'
import { csvRow } from '../jobs/csv'
import { perCategory, recallByRank, summarize } from './figures'
import { renderHtml } from './report-html'
import type { StoredRow } from './store'
import type { Thumbs } from './thumbs'

export type ExportFormat = 'csv' | 'json' | 'html'

export interface ExportInput {
  run: EvalRunView
  profiles: { profile: string; rows: StoredRow[] }[]
  thumbs: Thumbs
}

export interface ProfileFigures {
  profile: string
  summary: EvalSummary
  recallByRank: number[]
  perCategory: CategoryFigures[]
  rows: StoredRow[]
}

export function figuresOf(input: ExportInput): ProfileFigures[] {
  return input.profiles.map(({ profile, rows }) => ({
    profile,
    summary: summarize(rows),
    recallByRank: recallByRank(rows, input.run.options.num),
    perCategory: perCategory(rows),
    rows,
  }))
}

export const CSV_COLUMNS = [
  'profile',
  'index',
  'file',
  'productId',
  'state',
  'rank',
  'firstProductId',
  'firstPicName',
  'firstScore',
  'latencyMs',
  'apiCalls',
  'reason',
  'reasonDetail',
  'detectedCategoryId',
  'expectedCategoryId',
  'errorCode',
  'errorMessage',
] as const

function csv(figs: ProfileFigures[]): string {
  const lines = [csvRow(CSV_COLUMNS)]
  for (const f of figs) {
    for (const r of f.rows) {
      const first = r.top[0]
      lines.push(
        csvRow(
          [
            f.profile,
            r.index,
            r.query.file,
            r.query.productId,
            r.state,
            r.rank,
            first?.productId,
            first?.picName,
            first ? first.score.toFixed(4) : null,
            r.latencyMs === null ? null : Math.round(r.latencyMs),
            r.apiCalls,
            r.reason,
            r.reasonDetail,
            r.detected.categoryId,
            r.expectedCategory,
            r.error?.code,
            r.error?.message,
          ],
          { safe: true },
        ),
      )
    }
  }
  return lines.join('\r\n') + '\r\n'
}

function json(run: EvalRunView, figs: ProfileFigures[]): string {
  return (
    JSON.stringify(
      {
        run,
        profiles: Object.fromEntries(
          figs.map((f) => [
            f.profile,
            {
              summary: f.summary,
              recallByRank: f.recallByRank,
              perCategory: f.perCategory,
              rows: f.rows.map(({ source: _s, ...r }) => r),
            },
          ]),
        ),
      },
      null,
      2,
    ) + '\n'
  )
}

export async function buildExport(format: ExportFormat, input: ExportInput): Promise<string> {
  const figs = figuresOf(input)
  if (format === 'csv') return csv(figs)
  if (format === 'json') return json(input.run, figs)
  return renderHtml(input.run, figs, input.thumbs)
}
