// action.yml's inputs section and the README's inputs table, rendered from the input table.
// `npm run gen:inputs` writes them; a test fails when either file differs from what is rendered
// here, so no input exists without its row, and no row without its documentation.
import { INPUT_TABLE, type InputRow } from './table.js'

/** The width prettier keeps action.yml within. */
const WIDTH = 100

/** The README line that starts the inputs table. */
const README_HEADER = '| input | default | meaning |'

/**
 * A YAML plain scalar we may write without quotes: starts with a letter, digit or "(", holds no
 * ": " or " #" and does not end in ":". Anything else goes in a folded block, which needs no escapes.
 */
function isPlainSafe(text: string): boolean {
  return /^[A-Za-z0-9(]/.test(text) && !/: | #|:$|\s$/.test(text)
}

/** Splits text into lines of at most `width` characters at spaces (a longer word keeps its line). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line)
      line = word
    } else {
      line = line === '' ? word : `${line} ${word}`
    }
  }
  return [...lines, line]
}

/** `key: value` at `indent` spaces: plain when it fits on one line, else a folded `>-` block. */
function yamlField(key: string, value: string, indent: number): string[] {
  const pad = ' '.repeat(indent)
  const line = `${pad}${key}: ${value}`
  if (line.length <= WIDTH && isPlainSafe(value)) return [line]
  // Folded: each line break reads as one space, so the value must be one line with single spaces.
  return [`${pad}${key}: >-`, ...wrap(value, WIDTH - indent - 2).map(l => `${pad}  ${l}`)]
}

/** action.yml's `inputs:` section, rows in table order, a blank line between groups. */
export function renderActionInputs(rows: readonly InputRow[] = INPUT_TABLE): string {
  const lines = ['inputs:']
  rows.forEach((row, i) => {
    if (i > 0 && rows[i - 1]!.group !== row.group) lines.push('')
    lines.push(`  ${row.name}:`, ...yamlField('description', row.description, 4))
    lines.push('    required: false')
    if (row.actionDefault !== undefined) lines.push(`    default: ${row.actionDefault}`)
  })
  return `${lines.join('\n')}\n`
}

/** The README's default column: the row's own text, or the kind's default word in code style. */
function readmeDefault(row: InputRow): string {
  if (row.readme.default !== undefined) return row.readme.default
  return row.kind.default ? `\`${row.kind.default}\`` : ''
}

/** The README's inputs table (header, separator, one line per input). */
export function renderReadmeInputs(rows: readonly InputRow[] = INPUT_TABLE): string {
  const line = (cells: string[]): string => `|${cells.map(c => (c ? ` ${c} ` : ' ')).join('|')}|`
  return [
    README_HEADER,
    '| --- | --- | --- |',
    ...rows.map(r => line([`\`${r.name}\``, readmeDefault(r), r.readme.meaning]))
  ]
    .map(l => `${l}\n`)
    .join('')
}

/** action.yml with its inputs section (from `inputs:` to `outputs:`) rendered from the table. */
export function updateActionYml(yml: string): string {
  const start = yml.search(/^inputs:$/m)
  const end = yml.search(/^outputs:$/m)
  if (start < 0 || end < start)
    throw new Error('action.yml: no "inputs:" section before "outputs:"')
  return `${yml.slice(0, start)}${renderActionInputs()}\n${yml.slice(end)}`
}

/** README.md with its inputs table (from the header line to the table's last line) rendered. */
export function updateReadme(readme: string): string {
  const start = readme.indexOf(`\n${README_HEADER}\n`) + 1
  if (start === 0) throw new Error(`README.md: no line "${README_HEADER}"`)
  const rest = readme.slice(start)
  const length = /^(?:\|.*\n)+/.exec(rest)![0].length
  return `${readme.slice(0, start)}${renderReadmeInputs()}${rest.slice(length)}`
}
