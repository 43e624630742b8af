import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import {
  DEFAULT_TARGETS,
  PORTS_NEEDING_CGO,
  binaryExtension,
  formatTarget,
  parseDistList,
  resolveTargets,
  splitList,
  targetId,
  variantEnv,
  variantLabel,
  type Target
} from '../src/targets.js'
import { matchesTargetPattern } from '../src/lib/target-patterns.js'

// Captured from go1.26.8 linux/amd64: `go tool dist list -json`.
const FIXTURE = readFileSync(new URL('./fixtures/dist-list-go1.26.json', import.meta.url), 'utf8')
const PORTS = parseDistList(FIXTURE)
const GO = 'go1.26.8'

const FIRST_CLASS_IDS = [
  'darwin_amd64',
  'darwin_arm64',
  'linux_386',
  'linux_amd64',
  'linux_arm',
  'linux_arm64',
  'windows_386',
  'windows_amd64'
]
const LINUX_IDS = [
  'linux_386',
  'linux_amd64',
  'linux_arm',
  'linux_arm64',
  'linux_loong64',
  'linux_mips',
  'linux_mips64',
  'linux_mips64le',
  'linux_mipsle',
  'linux_ppc64',
  'linux_ppc64le',
  'linux_riscv64',
  'linux_s390x'
]
const ARM64_IDS = [
  'android_arm64',
  'darwin_arm64',
  'freebsd_arm64',
  'linux_arm64',
  'netbsd_arm64',
  'openbsd_arm64',
  'windows_arm64'
]

const notPair = (spec: string): string =>
  `targets: "${spec}" is not a GOOS/GOARCH pair of go1.26.8 (see \`go tool dist list\`)`

const resolveTable: [number, string, string[], string[], string[]][] = [
  [1, 'plain pair', ['linux/amd64'], ['linux_amd64'], []],
  [2, 'GOARM variant', ['linux/arm/7'], ['linux_arm_7'], []],
  [3, 'GOARM with float mode', ['linux/arm/6,softfloat'], ['linux_arm_6-softfloat'], []],
  [4, 'GOAMD64 variant', ['linux/amd64/v3'], ['linux_amd64_v3'], []],
  [5, 'GOARM64 with ,lse', ['linux/arm64/v8.2,lse'], ['linux_arm64_v8.2-lse'], []],
  [
    6,
    'GOARM64 on windows/arm64, features in any order',
    ['windows/arm64/v9.5,crypto,lse'],
    ['windows_arm64_v9.5-crypto-lse'],
    []
  ],
  [
    7,
    'GO386, GOMIPS, GOMIPS64',
    ['linux/386/softfloat', 'windows/386/sse2', 'linux/mipsle/softfloat', 'linux/mips64/hardfloat'],
    ['linux_386_softfloat', 'windows_386_sse2', 'linux_mipsle_softfloat', 'linux_mips64_hardfloat'],
    []
  ],
  [
    8,
    'GOPPC64, GORISCV64',
    ['linux/ppc64le/power10', 'aix/ppc64/power9', 'linux/riscv64/rva22u64'],
    ['linux_ppc64le_power10', 'aix_ppc64_power9', 'linux_riscv64_rva22u64'],
    []
  ],
  [
    9,
    'default and explicit variant are distinct targets',
    ['linux/arm', 'linux/arm/7', 'linux/arm/5'],
    ['linux_arm', 'linux_arm_7', 'linux_arm_5'],
    []
  ],
  [10, 'preset first-class in dist-list order', ['first-class'], FIRST_CLASS_IDS, []],
  [
    11,
    'explicit entry before a preset keeps its place, overlap merged',
    ['windows/amd64', 'first-class'],
    ['windows_amd64', ...FIRST_CLASS_IDS.filter(id => id !== 'windows_amd64')],
    []
  ],
  [12, 'GOOS wildcard', ['linux/*'], LINUX_IDS, []],
  [13, 'GOARCH wildcard skips ios/arm64', ['*/arm64'], ARM64_IDS, []],
  [
    14,
    'explicit entry after a wildcard merges silently',
    ['*/arm64', 'linux/arm64'],
    ARM64_IDS,
    []
  ],
  [
    15,
    'wildcard and preset overlap',
    ['linux/*', 'first-class'],
    [...LINUX_IDS, 'darwin_amd64', 'darwin_arm64', 'windows_386', 'windows_amd64'],
    []
  ],
  [16, 'a port needing cgo may be named explicitly', ['ios/arm64'], ['ios_arm64'], []],
  [
    17,
    'same pair twice',
    ['linux/amd64', 'linux/amd64'],
    ['linux_amd64'],
    ['targets: "linux/amd64" is listed twice']
  ],
  [
    18,
    'same variant twice',
    ['linux/arm/7', 'darwin/arm64', 'linux/arm/7'],
    ['linux_arm_7', 'darwin_arm64'],
    ['targets: "linux/arm/7" is listed twice']
  ],
  [19, 'unknown pair', ['linux/amd46'], [], [notPair('linux/amd46')]],
  [
    20,
    'upper case gets a hint',
    ['Linux/AMD64'],
    [],
    [`${notPair('Linux/AMD64')}; GOOS and GOARCH are lower case`]
  ],
  [
    21,
    'bad GOARM',
    ['linux/arm/8'],
    [],
    ['targets: "linux/arm/8": GOARM must be 5, 6 or 7, optionally with ,softfloat or ,hardfloat']
  ],
  [
    22,
    'GOARM with two float modes',
    ['linux/arm/7,softfloat,hardfloat'],
    [],
    [
      'targets: "linux/arm/7,softfloat,hardfloat": GOARM must be 5, 6 or 7, optionally with ,softfloat or ,hardfloat'
    ]
  ],
  [
    23,
    'GOAMD64 value on arm64',
    ['linux/arm64/v3'],
    [],
    [
      'targets: "linux/arm64/v3": GOARM64 must be v8.0..v8.9 or v9.0..v9.5, optionally with ,lse and/or ,crypto'
    ]
  ],
  [
    24,
    'GOARM64 v9.6 and a repeated feature',
    ['linux/arm64/v9.6', 'linux/arm64/v8.1,lse,lse'],
    [],
    [
      'targets: "linux/arm64/v9.6": GOARM64 must be v8.0..v8.9 or v9.0..v9.5, optionally with ,lse and/or ,crypto',
      'targets: "linux/arm64/v8.1,lse,lse": GOARM64 must be v8.0..v8.9 or v9.0..v9.5, optionally with ,lse and/or ,crypto'
    ]
  ],
  [
    25,
    'bad GOAMD64',
    ['darwin/amd64/v5'],
    [],
    ['targets: "darwin/amd64/v5": GOAMD64 must be v1, v2, v3 or v4']
  ],
  [
    26,
    'bad GO386, GOMIPS, GOMIPS64',
    ['linux/386/sse3', 'linux/mips/power9', 'linux/mips64le/x'],
    [],
    [
      'targets: "linux/386/sse3": GO386 must be sse2 or softfloat',
      'targets: "linux/mips/power9": GOMIPS must be hardfloat or softfloat',
      'targets: "linux/mips64le/x": GOMIPS64 must be hardfloat or softfloat'
    ]
  ],
  [
    27,
    'bad GOPPC64, GORISCV64',
    ['linux/ppc64/power7', 'linux/riscv64/rva21u64'],
    [],
    [
      'targets: "linux/ppc64/power7": GOPPC64 must be power8, power9 or power10',
      'targets: "linux/riscv64/rva21u64": GORISCV64 must be rva20u64, rva22u64 or rva23u64'
    ]
  ],
  [
    28,
    'variant on an arch that has none',
    ['js/wasm/x'],
    [],
    ['targets: "js/wasm/x": GOARCH wasm has no sub-architecture variant; write js/wasm']
  ],
  [
    29,
    'wildcard with a variant',
    ['linux/*/7'],
    [],
    ['targets: "linux/*/7": a wildcard cannot take a variant; list each target, e.g. linux/arm/7']
  ],
  [
    30,
    'partial wildcard',
    ['lin*/amd64'],
    [],
    ['targets: "lin*/amd64": a wildcard must be a whole GOOS or GOARCH, as in linux/* or */arm64']
  ],
  [
    31,
    'wildcard matching nothing',
    ['plan10/*'],
    [],
    ['targets: "plan10/*" matches no GOOS/GOARCH pair of go1.26.8 (see `go tool dist list`)']
  ],
  [
    32,
    'wildcard matching only ports that need cgo',
    ['ios/*'],
    [],
    [
      'targets: "ios/*" matches only ports that need cgo (ios/amd64, ios/arm64); list them one by one and set up a C toolchain'
    ]
  ],
  [
    33,
    'no slash',
    ['linux'],
    [],
    [
      'targets: "linux" is not GOOS/GOARCH, GOOS/GOARCH/variant, a wildcard such as linux/* or */arm64, or the preset first-class'
    ]
  ],
  [
    34,
    'too many parts and an empty part',
    ['linux/amd64/v3/x', 'linux/amd64/'],
    [],
    [
      'targets: "linux/amd64/v3/x" is not GOOS/GOARCH, GOOS/GOARCH/variant, a wildcard such as linux/* or */arm64, or the preset first-class',
      'targets: "linux/amd64/" is not GOOS/GOARCH, GOOS/GOARCH/variant, a wildcard such as linux/* or */arm64, or the preset first-class'
    ]
  ],
  [
    35,
    'empty list',
    [],
    [],
    ['targets: the list is empty; give at least one GOOS/GOARCH pair, e.g. linux/amd64']
  ],
  [
    36,
    'every bad spec is reported, good ones still resolve',
    ['linux/amd46', 'linux/arm/8', 'linux/amd64', 'plan10/*', 'linux/amd64'],
    ['linux_amd64'],
    [
      notPair('linux/amd46'),
      'targets: "linux/arm/8": GOARM must be 5, 6 or 7, optionally with ,softfloat or ,hardfloat',
      'targets: "plan10/*" matches no GOOS/GOARCH pair of go1.26.8 (see `go tool dist list`)',
      'targets: "linux/amd64" is listed twice'
    ]
  ],
  [37, 'a broken port is not a pair', ['linux/sparc64'], [], [notPair('linux/sparc64')]],
  [38, 'a wasm pair', ['wasip1/wasm', 'js/wasm'], ['wasip1_wasm', 'js_wasm'], []],
  [
    39,
    'specs are trimmed',
    [' linux/amd64 ', 'linux/amd64\t'],
    ['linux_amd64'],
    ['targets: "linux/amd64" is listed twice']
  ]
]

test.each(resolveTable)('[%d] resolveTargets %s', (_n, _name, specs, ids, errors) => {
  const got = resolveTargets(specs, PORTS, GO)
  expect(got.errors).toEqual(errors)
  expect(got.targets.map(t => t.id)).toEqual(ids)
})

test('resolveTargets returns whole Target objects, variant only when given', () => {
  const got = resolveTargets(['linux/arm/7', 'linux/amd64'], PORTS, GO)
  expect(got.targets).toStrictEqual([
    { goos: 'linux', goarch: 'arm', variant: '7', id: 'linux_arm_7' },
    { goos: 'linux', goarch: 'amd64', id: 'linux_amd64' }
  ])
})

test('resolveTargets names the version with a go prefix when given without one', () => {
  expect(resolveTargets(['linux/amd46'], PORTS, '1.26.8').errors).toEqual([notPair('linux/amd46')])
})

test('*/* expands to every port except those needing cgo, in dist-list order', () => {
  const got = resolveTargets(['*/*'], PORTS, GO)
  const expected = PORTS.map(p => `${p.goos}/${p.goarch}`).filter(
    p => !PORTS_NEEDING_CGO.includes(p)
  )
  expect(got.errors).toEqual([])
  expect(got.targets.map(formatTarget)).toEqual(expected)
  expect(got.targets).toHaveLength(PORTS.length - PORTS_NEEDING_CGO.length)
})

test('every port needing cgo is a real port of the fixture', () => {
  const all = new Set(PORTS.map(p => `${p.goos}/${p.goarch}`))
  expect(PORTS_NEEDING_CGO.filter(p => !all.has(p))).toEqual([])
})

test('DEFAULT_TARGETS resolve without errors', () => {
  const got = resolveTargets([...DEFAULT_TARGETS], PORTS, GO)
  expect(got.errors).toEqual([])
  expect(got.targets.map(formatTarget)).toEqual([
    'linux/amd64',
    'linux/arm64',
    'darwin/amd64',
    'darwin/arm64',
    'windows/amd64'
  ])
})

const parseTable: [number, string, string, string[] | RegExp][] = [
  [
    1,
    'fields mapped, Broken ports dropped',
    JSON.stringify([
      { GOOS: 'linux', GOARCH: 'amd64', CgoSupported: true, FirstClass: true },
      { GOOS: 'linux', GOARCH: 'sparc64', CgoSupported: true, FirstClass: false, Broken: true },
      { GOOS: 'js', GOARCH: 'wasm', CgoSupported: false, FirstClass: false }
    ]),
    ['linux/amd64 cgo first', 'js/wasm - -']
  ],
  [2, 'empty array', '[]', []],
  [3, 'not JSON', 'go: unknown command', /output is not JSON/],
  [4, 'not an array', '{"GOOS":"linux"}', /expected a JSON array/],
  [5, 'entry without GOARCH', '[{"GOOS":"linux"}]', /entry 0 lacks string GOOS and GOARCH/],
  [6, 'null entry', '[null]', /entry 0 lacks/]
]

test.each(parseTable)('[%d] parseDistList %s', (_n, _name, json, expected) => {
  if (expected instanceof RegExp) {
    expect(() => parseDistList(json)).toThrow(expected)
    return
  }
  const summary = parseDistList(json).map(
    p => `${p.goos}/${p.goarch} ${p.cgoSupported ? 'cgo' : '-'} ${p.firstClass ? 'first' : '-'}`
  )
  expect(summary).toEqual(expected)
})

test('parseDistList reads the fixture: 47 ports, 8 first class', () => {
  expect(PORTS).toHaveLength(47)
  expect(PORTS.filter(p => p.firstClass)).toHaveLength(8)
  expect(PORTS.find(p => p.goos === 'js')).toEqual({
    goos: 'js',
    goarch: 'wasm',
    cgoSupported: false,
    firstClass: false
  })
})

test('the installed toolchain lists exactly the documented first-class ports', () => {
  const json = execFileSync('go', ['tool', 'dist', 'list', '-json'], {
    encoding: 'utf8',
    env: { ...process.env, GOTOOLCHAIN: 'local' }
  })
  const firstClass = parseDistList(json)
    .filter(p => p.firstClass)
    .map(p => `${p.goos}/${p.goarch}`)
    .sort()
  expect(firstClass).toEqual(
    [
      'linux/386',
      'linux/amd64',
      'linux/arm',
      'linux/arm64',
      'darwin/amd64',
      'darwin/arm64',
      'windows/386',
      'windows/amd64'
    ].sort()
  )
})

const splitTable: [number, string, string, string[]][] = [
  [1, 'commas', 'linux/amd64,linux/arm64', ['linux/amd64', 'linux/arm64']],
  [2, 'newlines and CRLF', 'linux/amd64\r\nlinux/arm64\n', ['linux/amd64', 'linux/arm64']],
  [3, 'mixed, trimmed, blanks dropped', ' a , b\n\n c ,, \n', ['a', 'b', 'c']],
  [
    4,
    'comment lines',
    '# all of linux\nlinux/*\n  # indented, with, commas\nfirst-class',
    ['linux/*', 'first-class']
  ],
  [5, 'a # inside a line is data', 'a#b', ['a#b']],
  [6, 'empty', '', []]
]

test.each(splitTable)('[%d] splitList %s', (_n, _name, text, expected) => {
  expect(splitList(text)).toEqual(expected)
})

const t = (goos: string, goarch: string, variant?: string): Target => ({
  goos,
  goarch,
  ...(variant === undefined ? {} : { variant }),
  id: targetId(goos, goarch, variant)
})

const namingTable: [number, Target, string, string, Record<string, string>, string][] = [
  [1, t('linux', 'amd64'), 'linux_amd64', 'linux/amd64', {}, ''],
  [2, t('linux', 'arm', '7'), 'linux_arm_7', 'linux/arm/7', { GOARM: '7' }, 'v7'],
  [
    3,
    t('linux', 'arm', '6,softfloat'),
    'linux_arm_6-softfloat',
    'linux/arm/6,softfloat',
    { GOARM: '6,softfloat' },
    'v6-softfloat'
  ],
  [4, t('linux', 'amd64', 'v3'), 'linux_amd64_v3', 'linux/amd64/v3', { GOAMD64: 'v3' }, 'v3'],
  [
    5,
    t('linux', 'arm64', 'v8.2,lse'),
    'linux_arm64_v8.2-lse',
    'linux/arm64/v8.2,lse',
    { GOARM64: 'v8.2,lse' },
    'v8.2-lse'
  ],
  [
    6,
    t('windows', '386', 'sse2'),
    'windows_386_sse2',
    'windows/386/sse2',
    { GO386: 'sse2' },
    'sse2'
  ],
  [
    7,
    t('linux', 'mipsle', 'softfloat'),
    'linux_mipsle_softfloat',
    'linux/mipsle/softfloat',
    { GOMIPS: 'softfloat' },
    'softfloat'
  ],
  [
    8,
    t('linux', 'mips64', 'hardfloat'),
    'linux_mips64_hardfloat',
    'linux/mips64/hardfloat',
    { GOMIPS64: 'hardfloat' },
    'hardfloat'
  ],
  [
    9,
    t('linux', 'ppc64le', 'power9'),
    'linux_ppc64le_power9',
    'linux/ppc64le/power9',
    { GOPPC64: 'power9' },
    'power9'
  ],
  [
    10,
    t('linux', 'riscv64', 'rva22u64'),
    'linux_riscv64_rva22u64',
    'linux/riscv64/rva22u64',
    { GORISCV64: 'rva22u64' },
    'rva22u64'
  ],
  [11, t('js', 'wasm'), 'js_wasm', 'js/wasm', {}, '']
]

test.each(namingTable)(
  '[%d] %j -> id %s, written %s, env %j, label %j',
  (_n, target, id, written, env, label) => {
    expect(target.id).toBe(id)
    expect(formatTarget(target)).toBe(written)
    expect(variantEnv(target)).toEqual(env)
    expect(variantLabel(target)).toBe(label)
  }
)

const extensionTable: [number, string, string, string][] = [
  [1, 'windows', 'amd64', '.exe'],
  [2, 'windows', 'arm64', '.exe'],
  [3, 'js', 'wasm', '.wasm'],
  [4, 'wasip1', 'wasm', '.wasm'],
  [5, 'linux', 'amd64', ''],
  [6, 'darwin', 'arm64', '']
]

test.each(extensionTable)('[%d] binaryExtension %s/%s -> %j', (_n, goos, goarch, ext) => {
  expect(binaryExtension(goos, goarch)).toBe(ext)
})

const patternTable: [number, string, Target, boolean][] = [
  [1, 'linux/arm64', t('linux', 'arm64'), true],
  [2, 'linux/arm64', t('linux', 'amd64'), false],
  [3, 'linux/*', t('linux', 'riscv64'), true],
  [4, 'linux/*', t('darwin', 'arm64'), false],
  [5, '*/arm64', t('windows', 'arm64'), true],
  [6, '*/arm64', t('windows', 'amd64'), false],
  [7, '*/*', t('js', 'wasm'), true],
  [8, 'linux/arm', t('linux', 'arm', '7'), true],
  [9, 'linux/arm/7', t('linux', 'arm', '7'), true],
  [10, 'linux/arm/7', t('linux', 'arm', '6'), false],
  [11, 'linux/arm/7', t('linux', 'arm'), false],
  [12, ' linux/amd64 ', t('linux', 'amd64'), true],
  [13, 'linux', t('linux', 'amd64'), false],
  [14, 'linux/amd64/v3/x', t('linux', 'amd64', 'v3'), false]
]

test.each(patternTable)('[%d] matchesTargetPattern %j on %j -> %s', (_n, pattern, target, ok) => {
  expect(matchesTargetPattern(pattern, target)).toBe(ok)
})
