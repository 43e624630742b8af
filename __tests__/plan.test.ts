import type { TargetPlan } from '../src/facts.js'
import { shardIndex, splitLegs } from '../src/plan.js'
import { parseInputs, type InputName } from '../src/inputs/index.js'
import { planOf } from './fakes/targets.js'

const TWELVE = [
  'linux/amd64',
  'linux/arm64',
  'linux/arm/7',
  'linux/386',
  'linux/riscv64',
  'darwin/amd64',
  'darwin/arm64',
  'windows/amd64',
  'windows/arm64',
  'freebsd/amd64',
  'openbsd/amd64',
  'netbsd/amd64'
].map(planOf)
const base = { legs: 0, targetsPerLeg: 0, splitBy: '' as const, cgo: 'false' as const }

// [description, options, targets, expected legs as "shard runs-on targets"]
const rows: [
  string,
  Partial<typeof base> | { splitBy: 'goos'; cgo?: 'true' | 'false' },
  TargetPlan[],
  string[]
][] = [
  [
    'nothing given: one leg',
    {},
    TWELVE.slice(0, 3),
    ['1-of-1 ubuntu-latest linux/amd64,linux/arm64,linux/arm/7']
  ],
  [
    '12 targets in 3 legs of 4, in order',
    { legs: 3 },
    TWELVE,
    [
      '1-of-3 ubuntu-latest linux/amd64,linux/arm64,linux/arm/7,linux/386',
      '2-of-3 ubuntu-latest linux/riscv64,darwin/amd64,darwin/arm64,windows/amd64',
      '3-of-3 ubuntu-latest windows/arm64,freebsd/amd64,openbsd/amd64,netbsd/amd64'
    ]
  ],
  [
    '5 targets in 2 legs: the first takes the extra one',
    { legs: 2 },
    TWELVE.slice(0, 5),
    [
      '1-of-2 ubuntu-latest linux/amd64,linux/arm64,linux/arm/7',
      '2-of-2 ubuntu-latest linux/386,linux/riscv64'
    ]
  ],
  [
    'more legs than targets: one target each',
    { legs: 9 },
    TWELVE.slice(0, 2),
    ['1-of-2 ubuntu-latest linux/amd64', '2-of-2 ubuntu-latest linux/arm64']
  ],
  [
    'at most 5 per leg of 12: 3 legs, balanced 4, 4, 4 (not 5, 5, 2)',
    { targetsPerLeg: 5 },
    TWELVE,
    [
      '1-of-3 ubuntu-latest linux/amd64,linux/arm64,linux/arm/7,linux/386',
      '2-of-3 ubuntu-latest linux/riscv64,darwin/amd64,darwin/arm64,windows/amd64',
      '3-of-3 ubuntu-latest windows/arm64,freebsd/amd64,openbsd/amd64,netbsd/amd64'
    ]
  ],
  [
    'by goos with cgo: native runners for darwin and windows',
    { splitBy: 'goos', cgo: 'true' },
    TWELVE.slice(0, 9),
    [
      '1-of-3-linux ubuntu-latest linux/amd64,linux/arm64,linux/arm/7,linux/386,linux/riscv64',
      '2-of-3-darwin macos-latest darwin/amd64,darwin/arm64',
      '3-of-3-windows windows-latest windows/amd64,windows/arm64'
    ]
  ],
  [
    'by goos without cgo: every leg cross-compiles on ubuntu',
    { splitBy: 'goos' },
    TWELVE.slice(5, 9),
    [
      '1-of-2-darwin ubuntu-latest darwin/amd64,darwin/arm64',
      '2-of-2-windows ubuntu-latest windows/amd64,windows/arm64'
    ]
  ]
]

test.each(rows.map((r, i) => [i + 1, ...r] as const))(
  '[%d] %s',
  (_n, _d, options, plans, expected) => {
    const legs = splitLegs(plans, { ...base, ...options })
    expect(legs.map(l => `${l.shard} ${l['runs-on']} ${l.targets}`)).toEqual(expected)
    // Every target lands in exactly one leg.
    expect(legs.flatMap(l => l.targets.split(',')).sort()).toEqual(
      plans
        .map(p => [p.target.goos, p.target.goarch, p.target.variant].filter(Boolean).join('/'))
        .sort()
    )
  }
)

test.each([
  ['1-of-3', 1],
  ['12-of-12-linux', 12],
  ['', 0]
])('[%#] shardIndex(%j) -> %d', (shard, index) => {
  expect(shardIndex(shard)).toBe(index)
})

// [description, inputs, problems]
const inputRows: [string, Partial<Record<InputName, string>>, string[]][] = [
  ['plan with legs', { mode: 'plan', legs: '3' }, []],
  ['the fan-in', { mode: 'publish' }, []],
  [
    'no such mode',
    { mode: 'merge' },
    ['mode: "merge" is not allowed (allowed: all, plan, build, publish)']
  ],
  [
    'legs and targets-per-leg together',
    { mode: 'plan', legs: '3', 'targets-per-leg': '4' },
    ['legs, targets-per-leg and split-by: give one of them']
  ],
  ['legs outside plan mode', { legs: '3' }, ['legs: only for mode: plan']],
  [
    'split-by not goos',
    { mode: 'plan', 'split-by': 'goarch' },
    ['split-by: "goarch" is not allowed (allowed: , goos)']
  ],
  ['a build leg with its shard', { mode: 'build', shard: '2-of-3' }, []],
  ['a shard by goos', { mode: 'build', shard: '1-of-2-darwin' }, []],
  [
    'a shard not from a plan',
    { mode: 'build', shard: '../x' },
    ['shard: "../x" is not a shard of the plan\'s matrix (like 2-of-3 or 1-of-2-darwin)']
  ],
  ['a shard outside build mode', { shard: '1-of-2' }, ['shard: only for mode: build']],
  [
    'a publishing leg with the plan',
    {
      mode: 'build',
      shard: '1-of-2',
      release: 'true',
      'github-token': 'ghs_x',
      'planned-targets': 'linux/amd64,linux/arm64'
    },
    []
  ],
  [
    'a publishing leg without the plan',
    { mode: 'build', shard: '1-of-2', release: 'true', 'github-token': 'ghs_x' },
    [
      "release: a leg that publishes without a fan-in job needs planned-targets (the plan's targets output: ${{ needs.<plan job>.outputs.targets }}), so it publishes only when every leg's files are there"
    ]
  ],
  [
    'a leg that does not publish needs no plan',
    { mode: 'build', shard: '1-of-2', release: 'false' },
    []
  ],
  [
    'planned targets outside build mode',
    { mode: 'publish', 'planned-targets': 'linux/amd64' },
    ['planned-targets: only for mode: build']
  ],
  ['legs of 0', { mode: 'plan', legs: '0' }, ['legs: "0" is not a whole number from 1 to 256']]
]

test.each(inputRows.map((r, i) => [i + 1, ...r] as const))(
  '[%d] inputs: %s',
  (_n, _d, values, problems) => {
    const parsed = parseInputs(name => values[name] ?? '', { workspace: process.cwd(), cpus: 2 })
    expect(parsed.problems).toEqual(problems)
  }
)
