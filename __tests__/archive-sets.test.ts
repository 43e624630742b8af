import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { binaryMember, plannedArchives, type ArchiveSet } from '../src/archive-sets.js'
import { parseInputs, type InputName } from '../src/inputs/index.js'
import { numbered, targetOf } from './fakes/targets.js'

// Archive sets from the inputs (the archives entries over the top-level archive inputs), and
// what each target publishes from them.
const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-sets-')))
afterAll(() => fs.rmSync(root, { recursive: true, force: true }))

function setsOf(values: Partial<Record<InputName, string>>): {
  sets: ArchiveSet[]
  problems: string[]
} {
  const { inputs, problems } = parseInputs(name => values[name] ?? '', {
    workspace: root,
    cpus: 2
  })
  return { sets: inputs.archiveSets, problems }
}

/** What a target publishes, as `set:format:binaries` words. */
function published(sets: ArchiveSet[], spec: string, binaries: string[]): string[] {
  return plannedArchives(sets, targetOf(spec), binaries).map(
    a => `${a.set}:${a.format}:${a.binaries.join('+')}`
  )
}

test('without archives: one set of the top-level inputs, every binary in one archive per target', () => {
  const { sets, problems } = setsOf({
    archive: 'tar.xz',
    'archive-overrides': 'windows/*: zip',
    'name-template': '{{.ProjectName}}_{{.Os}}',
    'archive-directory': '{{.Os}}'
  })
  expect(problems).toEqual([])
  expect(sets).toHaveLength(1)
  expect(sets[0]).toMatchObject({
    label: '',
    binaries: [],
    targets: [],
    formats: ['tar.xz'],
    nameTemplate: '{{.ProjectName}}_{{.Os}}',
    directory: '{{.Os}}',
    files: [{ src: 'LICENSE*' }, { src: 'README*' }],
    filesOptional: true,
    from: { name: 'name-template', directory: 'archive-directory', files: 'archive-files' }
  })
  expect(published(sets, 'linux/amd64', ['a', 'b'])).toEqual(['0:tar.xz:a+b'])
  expect(published(sets, 'windows/amd64', ['a', 'b'])).toEqual(['0:zip:a+b'])
})

test('each key an entry leaves out takes the top-level input; messages name where a value came from', () => {
  const { sets, problems } = setsOf({
    'name-template': '{{.Binary}}_{{.Os}}_{{.Arch}}',
    'archive-files': 'LICENSE*',
    archives: [
      '- id: one',
      '  binaries: [a]',
      '- binaries: b',
      '  formats: [zip, tar.gz]',
      '  name: "b-{{.Os}}"',
      '  files: []'
    ].join('\n')
  })
  expect(problems).toEqual([])
  expect(sets.map(s => [s.label, s.binaries, s.formats, s.nameTemplate, s.files])).toEqual([
    ['archives[0] (one)', ['a'], ['auto'], '{{.Binary}}_{{.Os}}_{{.Arch}}', [{ src: 'LICENSE*' }]],
    ['archives[1]', ['b'], ['zip', 'tar.gz'], 'b-{{.Os}}', []]
  ])
  expect(sets.map(s => s.from)).toEqual([
    {
      name: 'name-template',
      directory: 'archive-directory',
      files: 'archive-files',
      binaries: 'archives[0].binaries'
    },
    {
      name: 'archives[1].name',
      directory: 'archive-directory',
      files: 'archives[1].files',
      binaries: 'archives[1].binaries'
    }
  ])
  // A pattern a workflow writes must match a file; an empty list asks for none.
  expect(sets.map(s => s.filesOptional)).toEqual([false, true])
  expect(published(sets, 'linux/arm64', ['a', 'b'])).toEqual([
    '0:tar.gz:a',
    '1:zip:b',
    '1:tar.gz:b'
  ])
})

// kubectx: one set per binary. grype: one set per system. stern: a tar.gz of every target and a
// zip of windows too. An override of none leaves targets out; a set of binaries a target does
// not build is left out for it.
const shapes: [string, string, string, string[], string[]][] = [
  [
    'one set per binary',
    '- binaries: [kubectx]\n  overrides: {windows/*: zip}\n- binaries: [kubens]\n  overrides: {windows/*: zip}',
    'windows/arm64',
    ['kubectx', 'kubens'],
    ['0:zip:kubectx', '1:zip:kubens']
  ],
  [
    'per-system sets (linux)',
    '- targets: [linux/*]\n- targets: [darwin/*]\n- targets: [windows/amd64]\n  formats: zip',
    'linux/ppc64le',
    ['grype'],
    ['0:tar.gz:grype']
  ],
  [
    'per-system sets (windows)',
    '- targets: [linux/*]\n- targets: [darwin/*]\n- targets: [windows/amd64]\n  formats: zip',
    'windows/amd64',
    ['grype'],
    ['2:zip:grype']
  ],
  [
    'a tar.gz everywhere and a zip of windows',
    '- formats: tar.gz\n- targets: [windows/*]\n  formats: zip',
    'windows/arm64',
    ['stern'],
    ['0:tar.gz:stern', '1:zip:stern']
  ],
  [
    'an override of none',
    '- formats: tgz\n  overrides:\n    - "darwin/*: none"',
    'darwin/arm64',
    ['app'],
    []
  ],
  [
    'bare binaries and an archive of both',
    '- formats: binary\n- binaries: [a, b]\n  formats: txz',
    'linux/riscv64',
    ['a', 'b'],
    ['0:binary:a+b', '1:tar.xz:a+b']
  ],
  [
    "a set whose binaries the target doesn't build",
    '- binaries: [other]\n- {}',
    'linux/amd64',
    ['app'],
    ['1:tar.gz:app']
  ]
]

test.each(numbered(shapes))('[%d] %s: %j', (_n, _shape, archives, spec, binaries, want) => {
  const { sets, problems } = setsOf({ archives })
  expect(problems).toEqual([])
  expect(published(sets, spec, binaries)).toEqual(want)
})

test('files: patterns and {src, dst, strip_parent, info.mode} rules', () => {
  const { sets, problems } = setsOf({
    archives: [
      '- files:',
      '    - LICENSE*',
      '    - src: docs/*.md',
      '      dst: share/doc/',
      '      strip_parent: true',
      '      info: {mode: 0600}',
      '    - {src: scripts/install.sh, info: {mode: "0o755"}}'
    ].join('\n')
  })
  expect(problems).toEqual([])
  expect(sets[0]!.files).toEqual([
    { src: 'LICENSE*' },
    { src: 'docs/*.md', dst: 'share/doc', stripParent: true, mode: 0o600 },
    { src: 'scripts/install.sh', mode: 0o755 }
  ])
})

test('strip-binary-directory: a binary named with a sub-folder goes in at the top', () => {
  const { sets, problems } = setsOf({
    'binary-name': 'bin/tool',
    archives: '- id: kept\n- id: stripped\n  strip-binary-directory: true'
  })
  expect(problems).toEqual([])
  expect(sets.map(s => binaryMember(s, 'bin/tool'))).toEqual(['bin/tool', 'tool'])
  expect(binaryMember(sets[1]!, 'tool')).toBe('tool')
  expect(setsOf({ archives: '- strip-binary-directory: maybe' }).problems).toEqual([
    'archives[0].strip-binary-directory: "maybe" is not a boolean (allowed: true, false)'
  ])
})

test('binary-name: sub-folders with "/", nothing that leaves the archive', () => {
  expect(setsOf({ 'binary-name': 'bin/tool' }).problems).toEqual([])
  for (const name of ['../tool', '/tool', 'bin//tool', 'bin/', './tool', 'bin\\tool'])
    expect(setsOf({ 'binary-name': name }).problems).toEqual([
      expect.stringMatching(/^binary-name: .* is not allowed: use letters, digits/)
    ])
})

const bad: [string, string, string[]][] = [
  [
    'file rules without src, leaving the archive, with an owner or a bad mode',
    '- files:\n    - {dst: x}\n    - {src: a, dst: ../up}\n    - {src: a, info: {owner: root, mode: 999}}',
    [
      'archives[0].files[0]: has no src',
      'archives[0].files[1]: "../up" is not a folder inside the archive (relative, without "..")',
      'archives[0].files[2]: "owner" is not taken: archive members are owned by 0/0 and dated at the commit time',
      'archives[0].files[2]: "999" is not a file mode (octal, like 0644)'
    ]
  ],
  [
    'not a list',
    'binaries: [a]',
    ['archives: is not a YAML list of archive sets (- binaries: [...] ...)']
  ],
  [
    'an unknown key, a bad format and a bad pattern',
    '- format: zip\n  formats: [rar]\n  targets: [linux]',
    [
      'archives[0]: "format" is not a key of an archive set (id, binaries, targets, formats, overrides, name, directory, strip-binary-directory, files)',
      'archives[0].targets: "linux" is neither true, false nor a target pattern (linux/amd64, linux/*, */arm64, linux/arm/7)',
      'archives[0].formats: "rar" is not an archive format (allowed: auto, tar.gz, tar.xz, zip, binary, none)'
    ]
  ],
  [
    'a name template with an unknown field, an empty name',
    '- name: "{{ .Oss }}"\n- name: ""',
    [
      expect.stringMatching(
        /^archives\[0\]\.name: unknown template field \{\{\.Oss\}\} \(line 1, column 4\) .*did you mean \{\{\.Os\}\}\?$/
      ) as unknown as string,
      'archives[1].name: is empty'
    ]
  ],
  [
    'an override that is not goos/goarch: formats',
    '- overrides: ["windows: zip"]',
    [
      'archives[0].overrides: line 1: "windows: zip" is not goos/goarch[/variant]: value (goos/goarch or goos/goarch/variant, e.g. linux/arm64, linux/*, linux/arm/7)'
    ]
  ],
  [
    'a set that is not a mapping',
    '- zip',
    ['archives[0]: is not a mapping of id, binaries, targets, formats, …']
  ]
]

test.each(numbered(bad))(
  '[%d] %s is a problem naming the entry and key',
  (_n, _what, archives, want) => {
    const { problems } = setsOf({ archives })
    expect(problems).toEqual(want)
  }
)
