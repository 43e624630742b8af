import type { TargetPlan } from '../src/facts.js'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { parseInputs, type InputName } from '../src/inputs/index.js'
import { checkUpxArgs, upxSkipReason, upxSelection } from '../src/upx.js'
import { archivesOf, numbered, planOf } from './fakes/targets.js'

// [target, packed?, reason fragment when skipped]
const table: [string, boolean, string][] = [
  ['linux/amd64', true, ''],
  ['linux/arm64', true, ''],
  ['linux/arm', true, ''],
  ['linux/386', true, ''],
  ['linux/ppc64le', true, ''],
  ['windows/amd64', true, ''],
  ['windows/386', true, ''],
  ['darwin/amd64', false, 'macOS 13'],
  ['darwin/arm64', false, 'macOS 13'],
  ['ios/arm64', false, 'macOS 13'],
  ['windows/arm64', false, 'no packer for ARM64 PE'],
  ['linux/mips', false, 'crashes at start'],
  ['linux/mipsle', false, 'crashes at start'],
  ['linux/ppc64', false, 'crashes at start'],
  ['linux/riscv64', false, 'no packer for linux/riscv64'],
  ['linux/loong64', false, 'no packer for linux/loong64'],
  ['linux/s390x', false, 'no packer for linux/s390x'],
  ['linux/mips64le', false, 'no packer'],
  ['freebsd/amd64', false, 'no packer for freebsd/amd64'],
  ['freebsd/arm64', false, 'no packer'],
  ['openbsd/amd64', false, 'no packer'],
  ['js/wasm', false, 'no packer for js/wasm']
]

test.each(numbered(table))('[%d] %s packed by UPX: %s %s', (_n, spec, packed, reason) => {
  const [goos, goarch] = spec.split('/') as [string, string]
  const why = upxSkipReason({ goos, goarch })
  if (packed) expect(why).toBeUndefined()
  else expect(why).toContain(reason)
})

// [upx input, targets, packed ids, skipped ids]
const selections: [string[], string[], string[], string[]][] = [
  [
    ['*/*'],
    ['linux/amd64', 'darwin/arm64', 'windows/arm64'],
    ['linux_amd64'],
    ['darwin_arm64', 'windows_arm64']
  ],
  [
    ['linux/*'],
    ['linux/amd64', 'linux/arm/7', 'linux/riscv64', 'windows/amd64'],
    ['linux_amd64', 'linux_arm_7'],
    ['linux_riscv64']
  ],
  [['*/arm64'], ['linux/arm64', 'linux/amd64', 'darwin/arm64'], ['linux_arm64'], ['darwin_arm64']],
  [['linux/arm/7'], ['linux/arm/6', 'linux/arm/7'], ['linux_arm_7'], []],
  [[], ['linux/amd64'], [], []]
]

test.each(numbered(selections))(
  '[%d] upx %j over %j packs %j and skips %j',
  (_n, upx, targets, pack, skip) => {
    const plans = targets.map(planOf)
    const selected = upxSelection({ upx }, plans)
    expect(selected.pack.map(t => t.id)).toEqual(pack)
    expect(selected.skip.map(s => s.target.id)).toEqual(skip)
  }
)

test('the darwin_all plan is never compressed (its slices are darwin)', () => {
  const universal: TargetPlan = {
    kind: 'universal',
    target: planOf('darwin/all').target,
    archives: archivesOf(),
    slices: [planOf('darwin/amd64').target, planOf('darwin/arm64').target]
  }
  expect(upxSelection({ upx: ['*/*'] }, [universal])).toEqual({ pack: [], skip: [] })
})

test.each(
  numbered([
    [['--best', '--lzma'], []],
    [['-9', '--brute', '--no-lzma', '--overlay=strip', '-q'], []],
    [
      ['-o', 'x'],
      ['"-o"', '"x"']
    ],
    [['-d'], ['"-d"']],
    [['-k'], ['"-k"']],
    [['--output=/tmp/x'], ['"--output=/tmp/x"']],
    [['/etc/passwd'], ['"/etc/passwd"']]
  ])
)('[%d] upx-args %j: refused %j', (_n, args, refused) => {
  const problems = checkUpxArgs('upx-args', args)
  expect(problems.map(p => /"[^"]*"/.exec(p)![0])).toEqual(refused)
})

const ws = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-upx-inputs-')))
afterAll(() => fs.rmSync(ws, { recursive: true, force: true }))
const parse = (values: Partial<Record<InputName, string>>) =>
  parseInputs(name => values[name] ?? '', { workspace: ws, cpus: 2 })

// [upx, upx-args, universal-binaries, expected fields, problems]
const inputRows: [Partial<Record<InputName, string>>, object, string[]][] = [
  [{}, { upx: [], upxArgs: [], universalBinaries: 'false' }, []],
  [{ upx: 'true', 'universal-binaries': 'true' }, { upx: ['*/*'], universalBinaries: 'true' }, []],
  [{ upx: 'false' }, { upx: [] }, []],
  [
    { upx: 'linux/amd64, linux/*\n# comment\n*/arm64' },
    { upx: ['linux/amd64', 'linux/*', '*/arm64'] },
    []
  ],
  [{ upx: 'true', 'upx-args': "--best '--lzma'" }, { upxArgs: ['--best', '--lzma'] }, []],
  [{ upx: 'yes' }, {}, ['upx: "yes" is neither true, false nor a target pattern']],
  [{ upx: 'linux amd64' }, {}, ['upx: "linux amd64" is neither true']],
  [{ upx: 'true', 'upx-args': "--best '--lzma" }, {}, ["upx-args: unterminated ' string"]],
  [
    { upx: 'true', 'upx-args': '-o /tmp/x' },
    {},
    ['upx-args: "-o" is not allowed', 'upx-args: "/tmp/x" is not allowed']
  ],
  [{ 'upx-args': '--best' }, {}, ['upx-args: given, but upx is false']],
  [{ 'universal-binaries': 'TRUE' }, { universalBinaries: 'true' }, []],
  [{ 'universal-binaries': 'replace' }, { universalBinaries: 'replace' }, []],
  [
    { 'universal-binaries': 'maybe' },
    {},
    ['universal-binaries: "maybe" is not allowed (allowed: false, true, replace)']
  ]
]

test.each(numbered(inputRows))('[%d] inputs %j', (_n, values, fields, problems) => {
  const parsed = parse(values)
  expect(parsed.inputs).toMatchObject(fields)
  expect(parsed.problems).toHaveLength(problems.length)
  problems.forEach((p, i) => expect(parsed.problems[i]).toContain(p))
})
