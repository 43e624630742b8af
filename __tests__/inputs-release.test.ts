import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { checkTagName, parseInputs, type InputName, type Inputs } from '../src/inputs/index.js'
import { numbered } from './fakes/targets.js'

/** Numbers the rows and moves each row's last column (the outcome) after its description. */
const numberedOutcome = <D, T extends unknown[], E>(rows: [D, ...T, E][]): [number, D, E, ...T][] =>
  rows.map((r, i) => [i + 1, r[0], r[r.length - 1], ...r.slice(1, -1)] as [number, D, E, ...T])

type Values = Partial<Record<InputName, string>>

// A real workspace: notes files inside it, one file beside it, a symlink leading out of it.
const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-inputs-')))
const ws = path.join(root, 'ws')
fs.mkdirSync(path.join(ws, 'docs'), { recursive: true })
fs.writeFileSync(path.join(ws, 'NOTES.md'), '# Notes\n')
fs.writeFileSync(path.join(ws, 'docs', 'notes.md'), '# Notes\n')
fs.writeFileSync(path.join(ws, 'max.md'), 'x'.repeat(125_000))
fs.writeFileSync(path.join(ws, 'big.md'), 'x'.repeat(125_001))
fs.writeFileSync(path.join(root, 'outside.md'), '# Not in the workspace\n')
fs.symlinkSync(path.join(root, 'outside.md'), path.join(ws, 'link.md'))

afterAll(() => fs.rmSync(root, { recursive: true, force: true }))

const parse = (values: Values): { inputs: Inputs; problems: string[] } =>
  parseInputs(name => values[name] ?? '', { workspace: ws, cpus: 2 })

test('defaults of the release and artifact inputs', () => {
  const { inputs, problems } = parse({})
  expect(problems).toEqual([])
  expect(inputs).toMatchObject({
    uploadArtifacts: true,
    artifactName: '',
    retentionDays: undefined,
    release: 'auto',
    releaseTag: '',
    releaseName: '',
    draft: false,
    prerelease: 'auto',
    makeLatest: 'true',
    releaseNotes: { kind: 'generate' },
    overwrite: 'replace',
    githubToken: ''
  })
})

const badTag = (tag: string): string =>
  `release-tag: "${tag}" is not a valid tag name (git check-ref-format: no spaces, ~ ^ : ? * [ \\, "..", "@{", leading "-" or ".", trailing "." or ".lock")`
const artifactNameRule = (name: string): string =>
  `artifact-name: "${name}" is not allowed: up to 200 characters, none of " : < > | * ? \\ / or line breaks`
const outside = (raw: string): string =>
  `release-notes: "${raw}" is outside the workspace ${ws}; paths must stay inside it (symlinks are followed)`
const notAFile = (raw: string): string =>
  `release-notes: "${raw}" is neither generate, none, nor a file in the workspace`

// [description, inputs given, parsed fields expected, problems (exact)]
const rows: [string, Values, Partial<Inputs>, string[]][] = [
  // upload-artifacts
  ['upload-artifacts false', { 'upload-artifacts': 'false' }, { uploadArtifacts: false }, []],
  ['upload-artifacts FALSE', { 'upload-artifacts': 'FALSE' }, { uploadArtifacts: false }, []],
  ['upload-artifacts True', { 'upload-artifacts': ' True ' }, { uploadArtifacts: true }, []],
  [
    'upload-artifacts yes',
    { 'upload-artifacts': 'yes' },
    { uploadArtifacts: true },
    ['upload-artifacts: "yes" is not a boolean (allowed: true, false)']
  ],

  // artifact-name
  [
    'artifact-name with spaces and parentheses',
    { 'artifact-name': ' hello binaries (linux) ' },
    { artifactName: 'hello binaries (linux)' },
    []
  ],
  ['artifact-name of 200 characters', { 'artifact-name': 'a'.repeat(200) }, {}, []],
  [
    'artifact-name of 201 characters',
    { 'artifact-name': 'a'.repeat(201) },
    {},
    [artifactNameRule('a'.repeat(201))]
  ],
  ...['"', ':', '<', '>', '|', '*', '?', '\\', '/', '\n', '\r'].map(
    (c): [string, Values, Partial<Inputs>, string[]] => [
      `artifact-name with ${JSON.stringify(c)}`,
      { 'artifact-name': `hello${c}linux` },
      {},
      [artifactNameRule(`hello${c}linux`)]
    ]
  ),

  // retention-days
  ['retention-days 1', { 'retention-days': '1' }, { retentionDays: 1 }, []],
  ['retention-days 90', { 'retention-days': '90' }, { retentionDays: 90 }, []],
  ['retention-days padded', { 'retention-days': ' 030 ' }, { retentionDays: 30 }, []],
  ...['0', '91', '1.5', '-1', '1e1', '0x10', 'week'].map(
    (raw): [string, Values, Partial<Inputs>, string[]] => [
      `retention-days ${raw}`,
      { 'retention-days': raw },
      { retentionDays: undefined },
      [`retention-days: "${raw}" is not a whole number from 1 to 90`]
    ]
  ),

  // release
  ['release false', { release: 'false' }, { release: 'false' }, []],
  [
    'release true with a token',
    { release: 'true', 'github-token': 'ghs_x' },
    { release: 'true' },
    []
  ],
  [
    'release true without a token',
    { release: 'true' },
    { release: 'true', githubToken: '' },
    ['release: "true" needs a token: set github-token']
  ],
  [
    'release true with a blank token',
    { release: 'true', 'github-token': '  ' },
    { githubToken: '' },
    ['release: "true" needs a token: set github-token']
  ],
  ['release auto without a token', { release: 'auto' }, { release: 'auto' }, []],
  [
    'release yes',
    { release: 'yes' },
    { release: 'auto' },
    ['release: "yes" is not allowed (allowed: auto, true, false)']
  ],

  // release-tag
  ['release-tag', { 'release-tag': ' v1.2.3 ' }, { releaseTag: 'v1.2.3' }, []],
  ['release-tag with a pre-release', { 'release-tag': 'v1.2.3-rc.1' }, {}, []],
  ['release-tag of a Go submodule', { 'release-tag': 'cmd/tool/v1.2.3' }, {}, []],
  ['release-tag with build metadata', { 'release-tag': 'v1.2.3+build.7' }, {}, []],
  ...[
    'v1 2',
    'v1..2',
    'v1~2',
    'v1^2',
    'v1:2',
    'v1?',
    'v1*',
    'v1[2]',
    'v1\\2',
    '-v1',
    'v1.lock',
    'v1@{2}',
    'v1.',
    '.v1',
    'v1/',
    'a//b',
    'a/.b',
    '@',
    'v1\t2',
    'v1\x7f'
  ].map((tag): [string, Values, Partial<Inputs>, string[]] => [
    `release-tag ${JSON.stringify(tag)}`,
    { 'release-tag': tag },
    {},
    [badTag(tag)]
  ]),

  // release-name
  ['release-name', { 'release-name': ' Hello 1.0 ' }, { releaseName: 'Hello 1.0' }, []],
  ['release-name of 1000 characters', { 'release-name': 'n'.repeat(1000) }, {}, []],
  // A template: its lines may render as one (trim markers); the rendered title is checked
  // before the build (src/release.ts renderReleaseText).
  [
    'release-name over two lines joined by a trim marker',
    { 'release-name': 'Hello\n{{- " World" }}' },
    { releaseName: 'Hello\n{{- " World" }}' },
    []
  ],
  [
    'release-name with an unknown field',
    { 'release-name': 'v{{ .Versoin }}' },
    {},
    [
      expect.stringMatching(
        /^release-name: unknown template field \{\{\.Versoin\}\}/
      ) as unknown as string
    ]
  ],

  // draft, prerelease, make-latest, overwrite
  ['draft true', { draft: 'true' }, { draft: true }, []],
  [
    'draft maybe',
    { draft: 'maybe' },
    { draft: false },
    ['draft: "maybe" is not a boolean (allowed: true, false)']
  ],
  ['prerelease true', { prerelease: 'true' }, { prerelease: 'true' }, []],
  ['prerelease false', { prerelease: 'false' }, { prerelease: 'false' }, []],
  [
    'prerelease yes',
    { prerelease: 'yes' },
    { prerelease: 'auto' },
    ['prerelease: "yes" is not allowed (allowed: auto, true, false)']
  ],
  ['make-latest legacy', { 'make-latest': 'legacy' }, { makeLatest: 'legacy' }, []],
  ['make-latest false', { 'make-latest': 'false' }, { makeLatest: 'false' }, []],
  [
    'make-latest auto',
    { 'make-latest': 'auto' },
    { makeLatest: 'true' },
    ['make-latest: "auto" is not allowed (allowed: true, false, legacy)']
  ],
  ['overwrite skip', { overwrite: 'skip' }, { overwrite: 'skip' }, []],
  ['overwrite fail', { overwrite: 'fail' }, { overwrite: 'fail' }, []],
  [
    'overwrite keep',
    { overwrite: 'keep' },
    { overwrite: 'replace' },
    ['overwrite: "keep" is not allowed (allowed: replace, skip, fail)']
  ],

  // release-notes
  [
    'release-notes generate',
    { 'release-notes': 'generate' },
    { releaseNotes: { kind: 'generate' } },
    []
  ],
  ['release-notes none', { 'release-notes': ' none ' }, { releaseNotes: { kind: 'none' } }, []],
  [
    'release-notes file',
    { 'release-notes': 'NOTES.md' },
    { releaseNotes: { kind: 'file', path: path.join(ws, 'NOTES.md') } },
    []
  ],
  [
    'release-notes file in a folder',
    { 'release-notes': './docs/notes.md' },
    { releaseNotes: { kind: 'file', path: path.join(ws, 'docs', 'notes.md') } },
    []
  ],
  [
    'release-notes absolute path inside',
    { 'release-notes': path.join(ws, 'NOTES.md') },
    { releaseNotes: { kind: 'file', path: path.join(ws, 'NOTES.md') } },
    []
  ],
  [
    "release-notes file of GitHub's largest body",
    { 'release-notes': 'max.md' },
    { releaseNotes: { kind: 'file', path: path.join(ws, 'max.md') } },
    []
  ],
  [
    'release-notes file too large',
    { 'release-notes': 'big.md' },
    {},
    [`release-notes: "big.md" is larger than GitHub's 125,000 characters`]
  ],
  [
    'release-notes missing file',
    { 'release-notes': 'CHANGES.md' },
    { releaseNotes: { kind: 'file', path: path.join(ws, 'CHANGES.md') } },
    [notAFile('CHANGES.md')]
  ],
  ['release-notes a folder', { 'release-notes': 'docs' }, {}, [notAFile('docs')]],
  [
    'release-notes misspelled generate',
    { 'release-notes': 'generated' },
    {},
    [notAFile('generated')]
  ],
  [
    'release-notes file beside the workspace',
    { 'release-notes': '../outside.md' },
    {},
    [outside('../outside.md')]
  ],
  [
    'release-notes symlink leading out',
    { 'release-notes': 'link.md' },
    { releaseNotes: { kind: 'file', path: path.join(root, 'outside.md') } },
    [outside('link.md')]
  ],
  [
    'release-notes absolute path outside, missing',
    { 'release-notes': path.join(root, 'missing.md') },
    {},
    [outside(path.join(root, 'missing.md')), notAFile(path.join(root, 'missing.md'))]
  ],

  // github-token
  ['github-token', { 'github-token': ' ghs_abc123 ' }, { githubToken: 'ghs_abc123' }, []],
  [
    'github-token holding a space',
    { 'github-token': 'ghs_abc123 ghs_def456' },
    {},
    ['github-token: the token holds whitespace; pass the token alone']
  ],
  [
    'github-token holding a line break',
    { 'github-token': 'ghs_abc123\nghs_def456' },
    {},
    ['github-token: the token holds whitespace; pass the token alone']
  ],
  [
    'github-token holding whitespace with release true',
    { release: 'true', 'github-token': 'ghs_abc123\tx' },
    {},
    ['github-token: the token holds whitespace; pass the token alone']
  ],

  // several problems at once: all listed, in input order
  [
    'several bad release inputs',
    { 'retention-days': '0', release: 'true', 'release-tag': 'a b', overwrite: 'never' },
    {},
    [
      'retention-days: "0" is not a whole number from 1 to 90',
      badTag('a b'),
      'overwrite: "never" is not allowed (allowed: replace, skip, fail)',
      'release: "true" needs a token: set github-token'
    ]
  ]
]

test.each(numberedOutcome(rows))('[%d] %s -> %j', (_n, _what, problems, values, expected) => {
  const parsed = parse(values)
  expect(parsed.problems).toEqual(problems)
  expect(parsed.inputs).toMatchObject(expected)
})

// [token given] - a problem about the token never shows it, not even a part of it.
const secretRows: [string][] = [
  ['ghs_abc123 ghs_def456'],
  ['ghs_abc123\nghs_def456'],
  ['ghp_0123456789abcdef\t']
]

test.each(numbered(secretRows))('[%d] github-token %j is never echoed', (_n, token) => {
  const { problems } = parse({ 'github-token': `${token} x`, release: 'true' })
  expect(problems).toHaveLength(1)
  const shown = problems.join('\n')
  for (const part of token.split(/\s+/).filter(Boolean)) expect(shown).not.toContain(part)
})

// [tag, valid]
const tagRows: [string, boolean][] = [
  ['v1.0.0', true],
  ['v1.lock/x', false],
  ['cmd/tool/v1.0.0', true],
  ['v1.0.0-rc.1', true],
  ['v1.0.0+build.1', true],
  ['cmd/tool/v1.0.0', true],
  ['release_2024.10', true],
  ['héllo', true],
  ['a@b', true],
  ['x'.repeat(250), true],
  ['x'.repeat(251), false],
  ['v1 0', false],
  ['v1..0', false],
  ['v1~1', false],
  ['v1^1', false],
  ['v1:1', false],
  ['v1?', false],
  ['v*', false],
  ['v[1]', false],
  ['v1\\0', false],
  ['-v1', false],
  ['v1.lock', false],
  ['v1@{0}', false],
  ['v1.', false],
  ['.v1', false],
  ['/v1', false],
  ['v1/', false],
  ['a//b', false],
  ['a/.b', false],
  ['@', false],
  ['v1\x00', false],
  ['v1\x1b', false]
]

test.each(numbered(tagRows))('[%d] checkTagName %j -> %s', (_n, tag, valid) => {
  const problems = checkTagName('release-tag', tag)
  expect(problems).toEqual(valid ? [] : [badTag(tag)])
})
