import { nearest } from './lib/nearest.js'

/** Fields known to templates; each input allows a subset. */
export type TemplateField =
  | 'Version'
  | 'Tag'
  | 'Commit'
  | 'ShortCommit'
  | 'Date'
  | 'Os'
  | 'Arch'
  | 'Variant'
  | 'Target'
  | 'Binary'
  | 'ProjectName'

/** Every template field; name templates, ldflags and smoke-test-expect may use all of them. */
export const TEMPLATE_FIELDS: readonly TemplateField[] = [
  'Version',
  'Tag',
  'Commit',
  'ShortCommit',
  'Date',
  'Os',
  'Arch',
  'Variant',
  'Target',
  'Binary',
  'ProjectName'
]

type Piece = { text: string } | { field: string }

// Go's text/template trims around "{{- " and " -}}" only when the dash touches whitespace;
// "{{-3}}" is a number, which we reject anyway as an unsupported action.
const LEFT_TRIM = /^-[ \t\r\n]/
const RIGHT_TRIM = /[ \t\r\n]-$/
const FIELD = /^\.([A-Za-z_][A-Za-z0-9_]*)$/

/** Splits a template into text and field references; problems are sentences without the input name. */
function parse(text: string): { pieces: Piece[]; problems: string[] } {
  const pieces: Piece[] = []
  const problems: string[] = []
  let pos = 0
  let trimNext = false
  while (pos <= text.length) {
    const open = text.indexOf('{{', pos)
    let literal = text.slice(pos, open < 0 ? text.length : open)
    // Go prints a stray "}}" literally; here it is nearly always a typo like "{.Version}}".
    if (literal.includes('}}')) {
      problems.push(`"}}" without a matching "{{" in "${text}"`)
    }
    if (trimNext) literal = literal.trimStart()
    trimNext = false
    if (open < 0) {
      pieces.push({ text: literal })
      break
    }
    const close = text.indexOf('}}', open + 2)
    const nested = text.indexOf('{{', open + 2)
    if (close < 0 || (nested >= 0 && nested < close)) {
      pieces.push({ text: literal })
      problems.push(
        `"{{" at offset ${open} is never closed with "}}" in "${text}"; write fields like {{.Version}}`
      )
      break
    }
    let inner = text.slice(open + 2, close)
    const raw = text.slice(open, close + 2)
    if (LEFT_TRIM.test(inner)) {
      literal = literal.trimEnd()
      inner = inner.slice(1)
    }
    if (RIGHT_TRIM.test(inner)) {
      trimNext = true
      inner = inner.slice(0, -1)
    }
    pieces.push({ text: literal })
    const match = FIELD.exec(inner.trim())
    if (match) {
      pieces.push({ field: match[1] })
    } else {
      problems.push(`"${raw}" is not supported: only field references like {{.Version}} are`)
    }
    pos = close + 2
  }
  return { pieces, problems }
}

function suggestion(name: string, allowed: readonly TemplateField[]): string {
  const lower = name.toLowerCase()
  // Two edits on a short name reach unrelated fields (.Arm would suggest .Arch).
  const limit = lower.length <= 4 ? 1 : 2
  const near = nearest(lower, allowed, limit)
  return near ? `; did you mean {{.${near}}}?` : ''
}

/** Problems in a template (unknown fields, unsupported actions, unbalanced braces), each a full sentence naming `input`. */
export function checkTemplate(
  input: string,
  text: string,
  allowed: readonly TemplateField[]
): string[] {
  const { pieces, problems } = parse(text)
  const out = problems.map(p => `${input}: ${p}`)
  const list = allowed.map(f => `.${f}`).join(', ')
  for (const piece of pieces) {
    if (!('field' in piece)) continue
    const name = piece.field
    if ((allowed as readonly string[]).includes(name)) continue
    if ((TEMPLATE_FIELDS as readonly string[]).includes(name)) {
      out.push(`${input}: template field {{.${name}}} is not available here (available: ${list})`)
    } else {
      out.push(
        `${input}: unknown template field {{.${name}}} (known: ${list})${suggestion(name, allowed)}`
      )
    }
  }
  return out
}

/** Substitutes `{{.Field}}` / `{{ .Field }}`; throws on anything checkTemplate would reject. */
export function renderTemplate(
  text: string,
  values: Partial<Record<TemplateField, string>>
): string {
  const problems = checkTemplate('template', text, TEMPLATE_FIELDS)
  if (problems.length > 0) throw new Error(problems[0])
  let out = ''
  for (const piece of parse(text).pieces) {
    if ('text' in piece) {
      out += piece.text
      continue
    }
    const value = values[piece.field as TemplateField]
    // A missing value is a caller bug; rendering '' would silently ship "app__linux".
    if (value === undefined)
      throw new Error(`template: no value for {{.${piece.field}}} in "${text}"`)
    out += value
  }
  return out
}
