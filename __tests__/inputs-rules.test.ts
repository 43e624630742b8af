import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { firstGiven, parseInputs, type InputSource } from '../src/inputs/parse.js'
import * as rules from '../src/inputs/rules.js'
import { RULES, type InputRule } from '../src/inputs/rules.js'
import { INPUT_TABLE, isSecret, type InputName } from '../src/inputs/table.js'
import { numbered } from './fakes/targets.js'

type Values = Partial<Record<InputName, string>>

const ws = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-rules-')))
fs.mkdirSync(path.join(ws, 'mod'))
afterAll(() => fs.rmSync(ws, { recursive: true, force: true }))

const sourceOf =
  (values: Values): InputSource =>
  name =>
    values[name]
const parse = (values: Values) => parseInputs(sourceOf(values), { workspace: ws, cpus: 2 })

const sources =
  'dist: would be emptied before building, and it holds the sources; choose a folder of its own such as "dist"'
const distHolds = (raw: string): string => sources.replace('dist:', `dist: "${raw}"`)

// [rule, inputs given, its problem (undefined: the combination is fine)]
const rows: [InputRule, Values, string | undefined][] = [
  [
    rules.binaryNamePerPackage,
    { package: './a, ./b', 'binary-name': 'a' },
    'binary-name: 1 names for 2 packages; give one name per package, in the same order'
  ],
  [
    rules.binaryNamePerPackage,
    { 'binary-name': 'a, b' },
    'binary-name: 2 names for 1 packages; give one name per package, in the same order'
  ],
  [rules.binaryNamePerPackage, { package: './a, ./b', 'binary-name': 'x, y' }, undefined],
  [rules.binaryNamePerPackage, { package: './a, ./b' }, undefined],
  [rules.distHoldsNoSources, { dist: '.' }, distHolds('.')],
  [rules.distHoldsNoSources, { 'working-directory': 'mod', dist: '..' }, distHolds('..')],
  [rules.distHoldsNoSources, { 'working-directory': 'mod/cmd', dist: '..' }, distHolds('..')],
  [rules.distHoldsNoSources, { 'working-directory': 'mod', dist: '../out' }, undefined],
  [
    rules.oneWayToSplit,
    { mode: 'plan', legs: '2', 'split-by': 'goos' },
    'legs, targets-per-leg and split-by: give one of them'
  ],
  [rules.oneWayToSplit, { mode: 'plan', 'targets-per-leg': '4' }, undefined],
  [rules.splitOnlyForPlan, { 'targets-per-leg': '3' }, 'targets-per-leg: only for mode: plan'],
  [rules.splitOnlyForPlan, { mode: 'build', 'split-by': 'goos' }, 'split-by: only for mode: plan'],
  [rules.splitOnlyForPlan, { mode: 'plan', 'split-by': 'goos' }, undefined],
  [rules.shardOnlyForBuild, { mode: 'publish', shard: '1-of-2' }, 'shard: only for mode: build'],
  [rules.shardOnlyForBuild, { mode: 'build', shard: '1-of-2' }, undefined],
  [
    rules.plannedTargetsOnlyForBuild,
    { 'planned-targets': 'linux/amd64' },
    'planned-targets: only for mode: build'
  ],
  [
    rules.plannedTargetsOnlyForBuild,
    { mode: 'build', 'planned-targets': 'linux/amd64' },
    undefined
  ],
  [
    rules.publishingLegNeedsPlan,
    { mode: 'build', shard: '1-of-2', release: 'True', 'github-token': 't' },
    "release: a leg that publishes without a fan-in job needs planned-targets (the plan's targets output: ${{ needs.<plan job>.outputs.targets }}), so it publishes only when every leg's files are there"
  ],
  [rules.publishingLegNeedsPlan, { mode: 'build', shard: '1-of-2', release: 'auto' }, undefined],
  [rules.releaseNeedsToken, { release: 'TRUE' }, 'release: "true" needs a token: set github-token'],
  [
    rules.releaseNeedsToken,
    { release: 'true', 'github-token': ' ' },
    'release: "true" needs a token: set github-token'
  ],
  [rules.releaseNeedsToken, { release: 'true', 'github-token': 'ghs_x' }, undefined],
  [rules.upxArgsNeedUpx, { 'upx-args': '--best' }, 'upx-args: given, but upx is false'],
  [
    rules.upxArgsNeedUpx,
    { 'upx-args': '--best', upx: 'False' },
    'upx-args: given, but upx is false'
  ],
  [rules.upxArgsNeedUpx, { 'upx-args': '--best', upx: 'linux/*' }, undefined],
  [
    rules.smokeExpectNeedsSmokeTest,
    { 'smoke-test-expect': 'v{{.Version}}' },
    'smoke-test-expect: needs smoke-test, the arguments to run each binary with (like --version)'
  ],
  // Given but badly quoted: that input's own problem is enough.
  [rules.smokeExpectNeedsSmokeTest, { 'smoke-test-expect': 'v', 'smoke-test': "'x" }, undefined],
  [
    rules.cosignPasswordNeedsKey,
    { 'cosign-password': 'pw' },
    "cosign-password: given, but cosign-key is empty (is the key's secret set, and available to this workflow?)"
  ],
  [rules.cosignPasswordNeedsKey, { 'cosign-password': 'pw', 'cosign-key': 'not a key' }, undefined],
  [rules.cosignPasswordNeedsKey, { 'cosign-tlog': 'false' }, undefined]
]

test.each(
  numbered(
    rows.map(
      ([rule, values, problem]) => [rule.name, values, problem ?? 'fine', rule, problem] as const
    )
  )
)('[%d] %s: %j -> %s', (_n, _name, values, _shown, rule, problem) => {
  const { inputs, problems } = parse(values)
  const given = (name: InputName): boolean => (values[name] ?? '').trim() !== ''
  expect(rule({ inputs, given, raw: name => values[name] ?? '' })).toBe(problem)
  // The rule is in the list parseInputs runs.
  if (problem !== undefined) expect(problems).toContain(problem)
})

test('RULES holds every rule the module defines, once', () => {
  const defined = Object.entries(rules)
    .filter(([name, value]) => typeof value === 'function' && name !== 'RULES')
    .map(([, value]) => value)
  expect(new Set(RULES)).toEqual(new Set(defined))
  expect(RULES).toHaveLength(defined.length)
})

test('every problem is collected at once: inputs in table order, then the rules', () => {
  const { problems } = parse({
    targets: 'linux/amd64',
    version: 'v 1',
    trimpath: 'yes',
    archive: 'rar',
    dist: '.',
    'retention-days': '0',
    release: 'true',
    overwrite: 'keep',
    mode: 'merge',
    shard: '1-of-2',
    'max-binary-size': 'big',
    'cosign-tlog': 'maybe'
  })
  expect(problems.map(p => p.slice(0, p.indexOf(':')))).toEqual([
    'version',
    'trimpath',
    'archive',
    'retention-days',
    'overwrite',
    'mode',
    'max-binary-size',
    'cosign-tlog',
    'dist',
    'shard',
    'release'
  ])
})

// [secret input, value holding the marker S3CR3T, other inputs]: every row makes a problem.
const secretRows: [InputName, string, Values][] = [
  ['github-token', 'ghp_S3CR3T other', {}],
  ['github-token', 'ghp_S3CR3T\nghp_second', { release: 'true' }],
  ['github-token', '\tghp_S3CR3T x', { release: 'true', 'release-tag': 'a b' }],
  ['cosign-key', 'S3CR3T.key', {}],
  ['cosign-key', '-----BEGIN PUBLIC KEY-----\nS3CR3T\n-----END PUBLIC KEY-----', {}],
  ['cosign-key', 'env://S3CR3T', { 'cosign-password': 'pw' }],
  ['cosign-password', 'S3CR3T-pw', {}],
  ['cosign-password', ' S3CR3T ', { 'cosign-key': 'bad S3CR3T' }]
]

test.each(numbered(secretRows))('[%d] %s %j is never in a problem', (_n, name, value, others) => {
  const { problems } = parse({ ...others, [name]: value })
  expect(problems.length).toBeGreaterThan(0)
  expect(problems.join('\n')).not.toContain('S3CR3T')
})

test.each(numbered(INPUT_TABLE.filter(isSecret).map(r => [r.name] as const)))(
  '[%d] %s: bad values of every kind elsewhere still never show the secret',
  (_n, name) => {
    const values: Values = { [name]: 'S3CR3T x\ny' }
    for (const row of INPUT_TABLE) if (!isSecret(row)) values[row.name] = 'S3CR3T?'
    expect(
      parse(values)
        .problems.join('\n')
        .match(/S3CR3T(?!\?)/g)
    ).toBeNull()
  }
)

test('another source (a config file) fills the same Inputs through the same checks', () => {
  const config: Values = { archive: 'zip', 'checksum-algorithms': 'md5', targets: 'linux/arm64' }
  const action: Values = { targets: 'linux/amd64' }
  const { inputs, problems } = parseInputs(firstGiven(sourceOf(action), sourceOf(config)), {
    workspace: ws,
    cpus: 2
  })
  // The action's own value wins; the config fills what the action leaves blank.
  expect(inputs).toMatchObject({ targets: ['linux/amd64'], archive: 'zip' })
  expect(problems).toEqual([
    'checksum-algorithms: "md5" is not supported (allowed: sha256, sha512)'
  ])
})
