import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { buildSettingsFor, overrideProblems } from '../src/build-settings.js'
import { parseInputs, type InputName, type Inputs } from '../src/inputs/index.js'
import { numbered, targetOf } from './fakes/targets.js'

// The build-overrides input: its parsing (each key checked as the top-level input it stands in
// for), which settings each binary and target is built with, and the problems found before a build.
const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-settings-')))
afterAll(() => fs.rmSync(root, { recursive: true, force: true }))

function inputsOf(values: Partial<Record<InputName, string>>): {
  inputs: Inputs
  problems: string[]
} {
  return parseInputs(name => values[name] ?? '', { workspace: root, cpus: 2 })
}

const OVERRIDES = [
  '- binaries: [server]',
  '  targets: [windows/*]',
  '  ldflags: -X main.mode=win',
  '- targets: linux/arm/6, linux/arm/7',
  '  tags: [netgo, osusergo]',
  '  trimpath: false',
  '- binaries: server',
  '  flags: ["-gcflags=all=-N -l", -race]',
  '  ldflags: ""'
].join('\n')

test('the first entry matching the binary and the target wins; keys it leaves out take the inputs', () => {
  const { inputs, problems } = inputsOf({
    ldflags: '-s -w',
    flags: '-p=4',
    tags: 'prod',
    'build-overrides': OVERRIDES
  })
  expect(problems).toEqual([])
  const at = (binary: string, target: string) => buildSettingsFor(inputs, binary, targetOf(target))
  expect(at('server', 'windows/amd64')).toEqual({
    ldflags: '-X main.mode=win',
    flags: ['-p=4'],
    tags: ['prod'],
    trimpath: true,
    ldflagsFrom: 'build-overrides[0].ldflags'
  })
  // Entry 0 is for server only: client on windows takes the inputs.
  expect(at('client', 'windows/amd64')).toEqual({
    ldflags: '-s -w',
    flags: ['-p=4'],
    tags: ['prod'],
    trimpath: true,
    ldflagsFrom: 'ldflags'
  })
  expect(at('client', 'linux/arm/7')).toMatchObject({
    tags: ['netgo', 'osusergo'],
    trimpath: false,
    ldflags: '-s -w'
  })
  // GOARM 5 is not in entry 1's patterns; entry 2 takes server there, with empty ldflags.
  expect(at('server', 'linux/arm/5')).toEqual({
    ldflags: '',
    flags: ['-gcflags=all=-N -l', '-race'],
    tags: ['prod'],
    trimpath: true,
    ldflagsFrom: 'build-overrides[2].ldflags'
  })
  expect(at('client', 'linux/arm/5').ldflagsFrom).toBe('ldflags')
})

test('without build-overrides every build takes the top-level inputs', () => {
  const { inputs } = inputsOf({})
  expect(inputs.buildOverrides).toEqual([])
  expect(buildSettingsFor(inputs, 'app', targetOf('darwin/arm64'))).toEqual({
    ldflags: '-s -w -X main.version={{.Version}}',
    flags: [],
    tags: [],
    trimpath: true,
    ldflagsFrom: 'ldflags'
  })
})

const bad: [string, string, string[]][] = [
  [
    'not a list',
    'ldflags: -s',
    ['build-overrides: is not a YAML list of build overrides (- targets: [linux/*] ...)']
  ],
  [
    'an unknown key, a bad pattern, a bad tag, a refused flag, a bad boolean',
    '- cgo: true\n  targets: [linux]\n  tags: [a-b]\n  flags: -o out\n  trimpath: maybe',
    [
      'build-overrides[0]: "cgo" is not a key of a build override (binaries, targets, ldflags, flags, tags, trimpath)',
      'build-overrides[0].targets: "linux" is neither true, false nor a target pattern (linux/amd64, linux/*, */arm64, linux/arm/7)',
      expect.stringMatching(/^build-overrides\[0\]\.flags: .*-o/) as unknown as string,
      'build-overrides[0].tags: "a-b" is not a build tag (letters, digits, "_" and ".")',
      expect.stringMatching(/^build-overrides\[0\]\.trimpath: "maybe"/) as unknown as string
    ]
  ],
  [
    'an ldflags template with an unknown field',
    '- ldflags: "-X main.v={{ .Versoin }}"',
    [
      expect.stringMatching(
        /^build-overrides\[0\]\.ldflags: unknown template field \{\{\.Versoin\}\}.*did you mean \{\{\.Version\}\}\?$/
      ) as unknown as string
    ]
  ],
  [
    'an entry that is not a mapping',
    '- -s -w',
    ['build-overrides[0]: is not a mapping of binaries, targets, ldflags, flags, …']
  ]
]

test.each(numbered(bad))(
  '[%d] %s is a problem naming the entry and key',
  (_n, _what, text, want) => {
    const { problems } = inputsOf({ 'build-overrides': text })
    expect(problems).toEqual(want)
  }
)

test('an unknown binary, -mod in one build, and entries no build reaches are problems', () => {
  const { inputs } = inputsOf({
    'build-overrides': [
      '- binaries: [srv]',
      '  ldflags: -s',
      '- targets: [linux/*]',
      '  flags: -mod=vendor',
      '- targets: [linux/amd64]',
      '  tags: [x]',
      '- targets: [freebsd/*]',
      '  tags: [y]'
    ].join('\n')
  })
  const targets = ['linux/amd64', 'linux/arm64', 'darwin/arm64'].map(targetOf)
  expect(overrideProblems(inputs.buildOverrides, ['server', 'client'], targets)).toEqual([
    'build-overrides[0].binaries: "srv" is not a binary of this build (server, client)',
    'build-overrides[1].flags: -mod cannot differ between builds; give it in flags',
    'build-overrides[2]: applies to no build (its binaries and targets are not built, or an earlier entry takes them all)',
    'build-overrides[3]: applies to no build (its binaries and targets are not built, or an earlier entry takes them all)'
  ])
  // A matrix leg builds only some of the release's targets: reach is not its call.
  expect(overrideProblems(inputs.buildOverrides, ['server', 'client'], undefined)).toEqual([
    'build-overrides[0].binaries: "srv" is not a binary of this build (server, client)',
    'build-overrides[1].flags: -mod cannot differ between builds; give it in flags'
  ])
})
