import { artifactNameFor } from '../src/naming.js'
import { projectNameOf } from '../src/lib/project-name.js'

/** Numbers the rows and moves each row's last column (the outcome) after its description. */
const numberedOutcome = <D, T extends unknown[], E>(rows: [D, ...T, E][]): [number, D, E, ...T][] =>
  rows.map((r, i) => [i + 1, r[0], r[r.length - 1], ...r.slice(1, -1)] as [number, D, E, ...T])

/** The artifact name of a job of the module with these targets (and shard). */
const nameOf = (modulePath: string, ids: readonly string[], shard = ''): string =>
  artifactNameFor(projectNameOf(modulePath), shard, ids)

const FIRST_CLASS = [
  'linux_386',
  'linux_amd64',
  'linux_arm',
  'linux_arm64',
  'darwin_amd64',
  'darwin_arm64',
  'windows_386',
  'windows_amd64'
]

// [description, module path, target ids, artifact name]
const rows: [string, string, string[], string][] = [
  ['one target', 'example.com/hello', ['linux_amd64'], 'hello_linux_amd64'],
  [
    'two targets, in build order',
    'example.com/hello',
    ['linux_amd64', 'darwin_arm64'],
    'hello_linux_amd64-darwin_arm64'
  ],
  ['a variant', 'example.com/hello', ['linux_arm_7'], 'hello_linux_arm_7'],
  ['a major version suffix', 'github.com/octo/tool/v2', ['linux_amd64'], 'tool_linux_amd64'],
  [
    'a 100-character name stays joined',
    'example.com/hello',
    ['x'.repeat(94)],
    `hello_${'x'.repeat(94)}`
  ],
  [
    '8 first-class targets of a short project: 98 characters',
    'example.com/hi',
    FIRST_CLASS,
    `hi_${FIRST_CLASS.join('-')}`
  ],
  [
    '8 first-class targets: 101 characters, hashed',
    'example.com/hello',
    FIRST_CLASS,
    'hello_8-targets-905a11fa'
  ],
  ['9 targets', 'example.com/hello', [...FIRST_CLASS, 'windows_arm64'], 'hello_9-targets-e42adad3'],
  [
    'a 101-character name is hashed',
    'example.com/hello',
    ['x'.repeat(95)],
    // the first 8 hex digits of sha256 of the ids joined with ","
    'hello_1-targets-69b93880'
  ]
]

test.each(numberedOutcome(rows))(
  '[%d] artifactNameFor: %s -> %s',
  (_n, _what, name, modulePath, ids) => {
    const got = nameOf(modulePath, ids)
    expect(got).toBe(name)
    // Valid as an artifact name: no forbidden character, short enough.
    expect(got).not.toMatch(/[":<>|*?\r\n\\/]/)
    expect(got.length).toBeLessThanOrEqual(100)
  }
)

test('a long list: the same list gives the same name, another list another name', () => {
  const many = [...FIRST_CLASS, 'freebsd_amd64', 'freebsd_arm64', 'linux_riscv64']
  const name = nameOf('example.com/hello', many)
  expect(name).toMatch(/^hello_11-targets-[0-9a-f]{8}$/)
  expect(nameOf('example.com/hello', [...many])).toBe(name)

  const others = [
    [...many.slice(0, -1), 'linux_s390x'],
    [...many, 'linux_s390x'],
    [...many].reverse(),
    many.map(id => (id === 'linux_arm' ? 'linux_arm_7' : id))
  ]
  const names = others.map(ids => nameOf('example.com/hello', ids))
  for (const other of names) expect(other).toMatch(/^hello_1[12]-targets-[0-9a-f]{8}$/)
  expect(new Set([name, ...names]).size).toBe(1 + others.length)
})

test('a matrix leg is named for its shard, whatever its targets', () => {
  expect(nameOf('example.com/hello', ['linux_amd64'], '2-of-3')).toBe('hello_shard-2-of-3')
  expect(nameOf('example.com/hello', FIRST_CLASS, '1-of-2-darwin')).toBe(
    'hello_shard-1-of-2-darwin'
  )
})
