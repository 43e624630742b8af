import * as fs from 'node:fs'
import * as path from 'node:path'
import { USAGE } from '../src/cli-args.js'
import {
  renderActionInputs,
  renderReadmeInputs,
  updateActionYml,
  updateReadme
} from '../src/inputs/docs.js'
import { boolean } from '../src/inputs/kinds.js'
import { INPUT, INPUT_TABLE, isSecret, type InputRow } from '../src/inputs/table.js'
import { numbered } from './fakes/targets.js'

const repo = path.join(import.meta.dirname, '..')
const actionYml = fs.readFileSync(path.join(repo, 'action.yml'), 'utf8')
const readme = fs.readFileSync(path.join(repo, 'README.md'), 'utf8')

/**
 * The inputs' descriptions as action.yml holds them, read back without the generator: plain
 * one-line values, quoted ones, or folded `>-` blocks (each line break reads as one space).
 */
function descriptionsOf(yml: string): Map<string, string> {
  const lines = yml.slice(yml.search(/^inputs:$/m), yml.search(/^outputs:$/m)).split('\n')
  const found = new Map<string, string>()
  let name: string | undefined
  for (let i = 0; i < lines.length; i++) {
    const input = /^ {2}([a-z0-9-]+):$/.exec(lines[i]!)
    if (input) name = input[1]
    const field = /^ {4}description: (.*)$/.exec(lines[i]!)
    if (!field || name === undefined) continue
    const value = field[1]!
    if (value === '>-') {
      const folded: string[] = []
      while (lines[i + 1]?.startsWith('      ')) folded.push(lines[++i]!.slice(6))
      found.set(name, folded.join(' '))
    } else if (value.startsWith("'")) {
      found.set(name, value.slice(1, -1).replace(/''/g, "'"))
    } else {
      found.set(name, value.startsWith('"') ? (JSON.parse(value) as string) : value)
    }
  }
  return found
}

test('action.yml inputs are exactly what `npm run gen:inputs` writes from the table', () => {
  expect(actionYml).toBe(updateActionYml(actionYml))
})

test('the README inputs table is exactly what `npm run gen:inputs` writes from the table', () => {
  expect(readme).toBe(updateReadme(readme))
})

const described = descriptionsOf(actionYml)

test('action.yml lists the table inputs, in the table order', () => {
  expect([...described.keys()]).toEqual(INPUT_TABLE.map(r => r.name))
})

test.each(numbered(INPUT_TABLE.map(r => [r.name, r.description] as const)))(
  '[%d] %s -> action.yml describes it as the table does',
  (_n, name, description) => {
    expect(described.get(name)).toBe(description)
  }
)

test.each(numbered(INPUT_TABLE.map(r => [r.name, r.field, r] as const)))(
  '[%d] %s -> %s: a well-formed row',
  (_n, name, field, row) => {
    expect(name).toMatch(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/)
    expect(field).toMatch(/^[a-z][A-Za-z0-9]*$/)
    // One line with single spaces: the folded YAML block reads it back unchanged.
    expect(row.description).toMatch(/^\S+( \S+)*$/)
    // Runners evaluate or refuse expressions in descriptions (nektos/act refuses them).
    expect(row.description).not.toContain('${{')
    expect(row.readme.meaning).not.toBe('')
    expect(`${row.readme.default ?? ''}${row.readme.meaning}`).not.toMatch(/[|\n]/)
  }
)

test.each(
  numbered(INPUT_TABLE.filter(r => r.kind.default).map(r => [r.name, r.kind.default!, r] as const))
)(
  '[%d] %s -> %s: the README shows the default the parser uses, and allows it',
  (_n, _name, fallback, row) => {
    // Derived, never written twice: a row with a kind default has no README default of its own.
    expect(row.readme.default).toBeUndefined()
    expect(readme).toContain(`| \`${row.name}\` | \`${fallback}\` |`)
    expect(row.kind.allowed).toContain(fallback)
  }
)

test('names and fields are unique, and INPUT maps camelCase keys to every name', () => {
  const names = INPUT_TABLE.map(r => r.name)
  expect(new Set(names).size).toBe(names.length)
  expect(new Set(INPUT_TABLE.map(r => r.field)).size).toBe(names.length)
  expect(Object.values(INPUT)).toEqual(names)
  expect(INPUT.workingDirectory).toBe('working-directory')
  expect(INPUT.binaryName).toBe('binary-name')
})

test('only the token has an action.yml default, and only the token, keys and passwords are secret', () => {
  expect(INPUT_TABLE.filter(r => r.actionDefault !== undefined).map(r => r.name)).toEqual([
    'github-token'
  ])
  expect(INPUT_TABLE.filter(isSecret).map(r => r.name)).toEqual([
    'github-token',
    'package-gpg-key',
    'package-rsa-key',
    'package-key-passphrase',
    'cosign-key',
    'cosign-password',
    'image-password',
    'homebrew-token',
    'scoop-token'
  ])
})

test("the CLI's usage lists every input of the table", () => {
  expect(/^inputs: (.*)$/m.exec(USAGE)![1]!.split(', ')).toEqual(INPUT_TABLE.map(r => r.name))
})

const demo = (name: string, description: string, extra: Partial<InputRow> = {}): InputRow => ({
  name,
  field: name,
  kind: boolean(false),
  group: 'build',
  description,
  readme: { default: '', meaning: 'm' },
  ...extra
})
const long = Array.from({ length: 30 }, (_, i) => `word${i}`).join(' ')

// [description, rows, action.yml section expected]
const renderRows: [string, InputRow[], string][] = [
  [
    'a short plain description on one line',
    [demo('a', 'Short text. Default true.')],
    'inputs:\n  a:\n    description: Short text. Default true.\n    required: false\n'
  ],
  [
    'a leading "-" is folded, not a YAML sequence',
    [demo('a', '-ldflags text')],
    'inputs:\n  a:\n    description: >-\n      -ldflags text\n    required: false\n'
  ],
  [
    'a ": " is folded, not a mapping',
    [demo('a', 'mode: plan')],
    'inputs:\n  a:\n    description: >-\n      mode: plan\n    required: false\n'
  ],
  [
    'a " #" is folded, not a comment',
    [demo('a', 'see #12')],
    'inputs:\n  a:\n    description: >-\n      see #12\n    required: false\n'
  ],
  [
    'a long description is wrapped within 100 columns',
    [demo('a', long)],
    'inputs:\n  a:\n    description: >-\n' +
      '      word0 word1 word2 word3 word4 word5 word6 word7 word8 word9 word10 word11 word12 word13 word14\n' +
      '      word15 word16 word17 word18 word19 word20 word21 word22 word23 word24 word25 word26 word27\n' +
      '      word28 word29\n    required: false\n'
  ],
  [
    'a blank line between groups, and the default',
    [demo('a', 'A.'), demo('b', 'B.', { group: 'release', actionDefault: '${{ github.token }}' })],
    'inputs:\n  a:\n    description: A.\n    required: false\n\n  b:\n    description: B.\n    required: false\n    default: ${{ github.token }}\n'
  ]
]

const renderCases = renderRows.map(
  ([what, rows, expected], i) =>
    [i + 1, what, expected.split('\n').length - 1, rows, expected] as const
)

test.each(renderCases)('[%d] %s -> %d lines', (_n, _what, _lines, rows, expected) => {
  const section = renderActionInputs(rows)
  expect(section).toBe(expected)
  expect(section.split('\n').every(l => l.length <= 100)).toBe(true)
  const readBack = descriptionsOf(`${section}\noutputs:\n`)
  expect([...readBack.values()]).toEqual(rows.map(r => r.description))
})

test('the README table has one line per input, empty cells left blank', () => {
  expect(renderReadmeInputs([demo('a', 'A.'), demo('b-c', 'B.')])).toBe(
    '| input | default | meaning |\n| --- | --- | --- |\n| `a` | | m |\n| `b-c` | | m |\n'
  )
})
