/**
 * The core describes preprocessing in English ("resized 5000×3000 → 4096×2458", see
 * electron/core/images/service.ts describeActions); this puts the known forms into the user's
 * language and leaves anything else as the core wrote it.
 */
type T = (key: string, params?: Record<string, unknown>) => string

const FORMS: [RegExp, (m: RegExpExecArray, t: T) => string][] = [
  [/^kept as is$/, (_m, t) => t('add.steps.kept')],
  [/^EXIF orientation (\d+) applied$/, (m, t) => t('add.steps.oriented', { o: m[1] })],
  [/^first of (\d+) frames$/, (m, t) => t('add.steps.firstFrame', { n: m[1] })],
  [/^colour (.+) → sRGB$/, (m, t) => t('add.steps.colour', { from: m[1] })],
  [
    /^(resized|upscaled|padded) (\d+)×(\d+) → (\d+)×(\d+)$/,
    (m, t) => t(`add.steps.${m[1]}`, { from: `${m[2]}×${m[3]}`, to: `${m[4]}×${m[5]}` }),
  ],
  [
    /^converted (\S+) → (\S+) \((.+)\)$/,
    (m, t) => t('add.steps.converted', { from: m[1], to: m[2], why: reasons(m[3], t) }),
  ],
  [
    /^re-encoded as (\S+)(?: q(\d+))? \((.+)\)$/,
    (m, t) =>
      t('add.steps.reencoded', {
        format: m[1] + (m[2] ? ` q${m[2]}` : ''),
        why: reasons(m[3], t),
      }),
  ],
]

/** The pipeline's reasons (electron/core/imaging/pipeline.ts), joined with "; ". */
const REASONS: [RegExp, (m: RegExpExecArray, t: T) => string][] = [
  [/^smaller than (\d+) px$/, (m, t) => t('add.steps.why.smaller', { n: m[1] })],
  [/^larger than (\d+) px$/, (m, t) => t('add.steps.why.larger', { n: m[1] })],
  [/^over ([\d.]+) MB$/, (m, t) => t('add.steps.why.overMb', { n: m[1] })],
  [/^orientation baked into the pixels$/, (_m, t) => t('add.steps.why.orientation')],
  [
    /^invalid orientation flag \((\d+)\) removed$/,
    (m, t) => t('add.steps.why.badFlag', { n: m[1] }),
  ],
  [/^first frame only$/, (_m, t) => t('add.steps.why.firstFrame')],
  [/^CMYK converted to RGB$/, (_m, t) => t('add.steps.why.cmyk')],
  [/^(\S+) is converted for the engines$/, (m, t) => t('add.steps.why.format', { f: m[1] })],
]

function reasons(text: string, t: T): string {
  return text
    .split('; ')
    .map((r) => {
      for (const [re, f] of REASONS) {
        const m = re.exec(r)
        if (m) return f(m, t)
      }
      return r
    })
    .join(t('add.steps.why.sep'))
}

export function translateStep(step: string, t: T): string {
  for (const [re, f] of FORMS) {
    const m = re.exec(step)
    if (m) return f(m, t)
  }
  return step
}
