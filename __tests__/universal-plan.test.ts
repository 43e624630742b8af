import type { Inputs } from '../src/inputs/index.js'
import { splitLegs } from '../src/plan.js'
import { archivesOf, numbered, oneSet, planOf, targetOf } from './fakes/targets.js'
import { publishedNames } from '../src/naming.js'
import { addUniversalPlan, planUniversal } from '../src/universal-plan.js'

// [universal-binaries, mode, targets, slices of darwin_all (or null), problem]
const rows: [Inputs['universalBinaries'], Inputs['mode'], string[], string[] | null, string][] = [
  ['false', 'all', ['darwin/amd64', 'darwin/arm64'], null, ''],
  [
    'true',
    'all',
    ['linux/amd64', 'darwin/amd64', 'darwin/arm64'],
    ['darwin_amd64', 'darwin_arm64'],
    ''
  ],
  ['true', 'all', ['darwin/arm64', 'darwin/amd64/v3'], ['darwin_amd64_v3', 'darwin_arm64'], ''],
  [
    'true',
    'all',
    ['darwin/arm64'],
    null,
    'universal-binaries: true needs both darwin/amd64 and darwin/arm64 in the targets; only darwin/arm64 is there'
  ],
  [
    'true',
    'all',
    ['linux/amd64'],
    null,
    'universal-binaries: true needs both darwin/amd64 and darwin/arm64 in the targets; neither is there'
  ],
  [
    'true',
    'all',
    ['darwin/amd64/v1', 'darwin/amd64/v3', 'darwin/arm64'],
    null,
    'universal-binaries: darwin/amd64/v1 and darwin/amd64/v3 would both be slices'
  ],
  [
    'true',
    'plan',
    ['darwin/amd64'],
    null,
    'needs both darwin/amd64 and darwin/arm64 in the targets; only darwin/amd64'
  ],
  // A leg without darwin leaves darwin_all to the leg that has both slices.
  ['true', 'build', ['linux/amd64'], null, ''],
  ['true', 'build', ['darwin/amd64', 'darwin/arm64'], ['darwin_amd64', 'darwin_arm64'], ''],
  [
    'true',
    'build',
    ['linux/amd64', 'darwin/amd64'],
    null,
    'in the targets of this leg (plan with split-by: goos'
  ]
]

test.each(numbered(rows))(
  '[%d] universal-binaries %s, mode %s, targets %j → %j %s',
  (_n, universalBinaries, mode, specs, slices, problem) => {
    const problems: string[] = []
    const made = planUniversal(
      { universalBinaries, mode },
      specs.map(targetOf),
      archivesOf(),
      problems
    )
    expect(made?.slices.map(t => t.id) ?? null).toEqual(slices)
    if (made) expect(made.target).toEqual({ goos: 'darwin', goarch: 'all', id: 'darwin_all' })
    if (problem) expect(problems).toEqual([expect.stringContaining(problem)])
    else expect(problems).toEqual([])
  }
)

const base = { legs: 0, targetsPerLeg: 0, splitBy: '' as const, cgo: 'false' as const }
const SIX = [
  'linux/amd64',
  'linux/arm64',
  'darwin/amd64',
  'darwin/arm64',
  'windows/amd64',
  'windows/arm64'
]

type LegOptions = Partial<Pick<Inputs, 'legs' | 'targetsPerLeg' | 'splitBy' | 'universalBinaries'>>

test.each(
  numbered<[LegOptions, string[], string[]]>([
    // 2 legs of 3 split the pair apart without universal binaries…
    [
      { legs: 2, universalBinaries: 'false' },
      SIX,
      ['linux/amd64,linux/arm64,darwin/amd64', 'darwin/arm64,windows/amd64,windows/arm64']
    ],
    // …and keep it in darwin/amd64's leg with them.
    [
      { legs: 2, universalBinaries: 'true' },
      SIX,
      ['linux/amd64,linux/arm64,darwin/amd64,darwin/arm64', 'windows/amd64,windows/arm64']
    ],
    // A leg that held only darwin/arm64 disappears.
    [
      { targetsPerLeg: 1, universalBinaries: 'true' },
      ['darwin/amd64', 'darwin/arm64'],
      ['darwin/amd64,darwin/arm64']
    ],
    [
      { splitBy: 'goos' as const, universalBinaries: 'true' },
      SIX,
      ['linux/amd64,linux/arm64', 'darwin/amd64,darwin/arm64', 'windows/amd64,windows/arm64']
    ]
  ])
)('[%d] splitLegs %j over %j', (_n, options, specs, legs) => {
  const result = splitLegs(specs.map(planOf), { ...base, ...options })
  expect(result.map(l => l.targets)).toEqual(legs)
  expect(result.map(l => l.shard)).toEqual(
    legs.map((_, i) => expect.stringMatching(new RegExp(`^${i + 1}-of-${legs.length}`)))
  )
})

test.each(
  numbered<[Inputs['universalBinaries'], boolean[]]>([
    ['true', [false, false, false]],
    ['replace', [false, true, true]]
  ])
)(
  '[%d] universal-binaries: %s marks the thin darwin plans slice-only: %j',
  (_n, universalBinaries, sliceOnly) => {
    const plans = ['linux/amd64', 'darwin/amd64', 'darwin/arm64'].map(planOf)
    addUniversalPlan({ universalBinaries, mode: 'all' }, plans, archivesOf(), [])
    expect(plans.map(p => p.target.id)).toEqual([
      'linux_amd64',
      'darwin_amd64',
      'darwin_arm64',
      'darwin_all'
    ])
    expect(plans.slice(0, 3).map(p => p.sliceOnly ?? false)).toEqual(sliceOnly)
    const names = plans.map(p =>
      publishedNames(
        {
          inputs: {
            archiveSets: oneSet('{{.Binary}}_{{.Os}}_{{.Arch}}'),
            sbom: [],
            env: [],
            linuxPackages: []
          },
          env: {},
          binaries: [{ name: 'app', pkg: '.' }],
          stamp: {
            version: '1.0.0',
            tag: 'v1.0.0',
            commit: 'c',
            shortCommit: 'c',
            date: '',
            epoch: 0,
            snapshot: false,
            previousTag: '',
            summary: '',
            dirty: false
          },
          projectName: 'app'
        },
        p
      ).map(n => n.name)
    )
    expect(names).toEqual([
      ['app_linux_amd64.tar.gz'],
      sliceOnly[1] ? [] : ['app_darwin_amd64.tar.gz'],
      sliceOnly[2] ? [] : ['app_darwin_arm64.tar.gz'],
      ['app_darwin_all.tar.gz']
    ])
  }
)
