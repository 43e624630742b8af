import * as fs from 'node:fs'
import * as path from 'node:path'
import { readBinaryHeader } from '../../src/binary-header.js'
import { realProcess } from '../../src/ports/process.js'
import { copyFixture, gitInit } from '../fakes/context.js'
import { sha256sumRelease } from '../fakes/release-check.js'
import { runStep, type StepResult } from '../fakes/runner.js'
import { startAzurite, type Azurite } from '../services/azurite.js'
import { githubEnvFor, startGitHubService } from '../services/github.js'
import {
  runnerEnvFor,
  startResultsService,
  type ResultsService
} from '../services/results-service.js'

/** universal-binaries and upx through the committed bundle, one job and a plan → legs → publish matrix. */
function ok(step: StepResult): StepResult {
  if (step.code !== 0) throw new Error(`step failed:\n${step.stdout}\n${step.stderr}`)
  return step
}

test('one job: darwin_all archive and checksum, linux binaries UPX-compressed, darwin skipped with a notice', async () => {
  const workspace = copyFixture('hello')
  const sha = await gitInit(workspace, { epoch: 1_750_000_000 })
  const step = ok(
    await runStep(
      'dist/main.js',
      {
        targets: 'linux/amd64,linux/arm64,darwin/amd64,darwin/arm64',
        'universal-binaries': 'true',
        upx: 'true',
        'upx-args': '--best'
      },
      {
        workspace,
        env: {
          GITHUB_REF: 'refs/tags/v5.0.1',
          GITHUB_REF_NAME: 'v5.0.1',
          GITHUB_REF_TYPE: 'tag',
          GITHUB_SHA: sha
        }
      }
    )
  )
  const artifacts = JSON.parse(step.outputs.artifacts!) as {
    target: string
    name: string
    binary: string
    sha256: string
  }[]
  expect(artifacts.map(a => a.name)).toEqual([
    'hello-fixture_5.0.1_linux_amd64.tar.gz',
    'hello-fixture_5.0.1_linux_arm64.tar.gz',
    'hello-fixture_5.0.1_darwin_amd64.tar.gz',
    'hello-fixture_5.0.1_darwin_arm64.tar.gz',
    'hello-fixture_5.0.1_darwin_all.tar.gz'
  ])
  const checksums = fs.readFileSync(step.outputs['checksums-file']!, 'utf8')
  for (const a of artifacts) expect(checksums).toContain(`${a.sha256}  ${a.name}\n`)
  const all = artifacts.find(a => a.target === 'darwin_all')!
  expect(await readBinaryHeader(all.binary)).toMatchObject({
    format: 'macho-fat',
    archs: ['amd64', 'arm64']
  })

  for (const group of ['compressing binaries with UPX', 'making universal binaries'])
    expect(step.stdout).toMatch(new RegExp(`^::group::${group}`, 'm'))
  for (const id of ['darwin_amd64', 'darwin_arm64'])
    expect(step.stdout).toContain(`::notice::upx: ${id} is not compressed: UPX 4 output`)
  const amd64 = artifacts.find(a => a.target === 'linux_amd64')!.binary
  expect(fs.readFileSync(amd64).includes('UPX!')).toBe(true)
  const out = await realProcess.run(amd64, ['--version'], { env: {} })
  expect([out.code, out.stdout]).toEqual([0, '5.0.1\n'])
})

test('universal-binaries with only darwin/arm64 fails before building, naming the missing slice', async () => {
  const workspace = copyFixture('hello')
  const step = await runStep(
    'dist/main.js',
    { targets: 'linux/amd64,darwin/arm64', 'universal-binaries': 'true', upx: 'linux/amd46' },
    { workspace }
  )
  expect(step.code).toBe(1)
  expect(step.stdout).toMatch(/^::error::2 invalid inputs:/m)
  expect(step.stdout).toContain(
    'universal-binaries: true needs both darwin/amd64 and darwin/arm64 in the targets; only darwin/arm64 is there'
  )
  expect(step.stdout).toContain('upx: "linux/amd46" matches none of the targets')
  expect(fs.existsSync(path.join(workspace, 'dist'))).toBe(false)
})

describe('plan → legs → publish with universal-binaries', () => {
  let azurite: Azurite
  let service: ResultsService

  beforeAll(async () => {
    azurite = await startAzurite()
    service = await startResultsService({ azurite })
  })

  afterAll(async () => {
    await service?.stop()
    await azurite?.stop()
  })

  test('the plan keeps both darwin slices in one leg, that leg makes darwin_all, the release has it', async () => {
    const gh = await startGitHubService()
    try {
      const TAG = 'v4.0.0'
      const workspace = copyFixture('hello')
      const sha = await gitInit(workspace, { tag: TAG })
      const env = {
        ...runnerEnvFor(service),
        GITHUB_REF: `refs/tags/${TAG}`,
        GITHUB_SHA: sha
      }
      const shared = { 'universal-binaries': 'true' }
      const plan = ok(
        await runStep(
          'dist/main.js',
          {
            ...shared,
            mode: 'plan',
            // 2 legs of 2 would split darwin/amd64 from darwin/arm64.
            targets: 'linux/amd64,darwin/amd64,darwin/arm64,windows/amd64',
            legs: '2'
          },
          { workspace, env }
        )
      )
      const matrix = JSON.parse(plan.outputs.matrix!) as {
        include: { shard: string; targets: string }[]
      }
      expect(matrix.include.map(l => l.targets)).toEqual([
        'linux/amd64,darwin/amd64,darwin/arm64',
        'windows/amd64'
      ])
      expect(plan.outputs.targets).toBe('linux/amd64,darwin/amd64,darwin/arm64,windows/amd64')
      const legs: StepResult[] = []
      for (const leg of matrix.include) {
        const dir = copyFixture('hello')
        expect(await gitInit(dir, { tag: TAG })).toBe(sha)
        legs.push(
          ok(
            await runStep(
              'dist/main.js',
              { ...shared, mode: 'build', shard: leg.shard, targets: leg.targets, cache: 'false' },
              { workspace: dir, env }
            )
          )
        )
      }
      expect(legs[0]!.stdout).toMatch(/^::group::making universal binaries/m)
      expect(legs[1]!.stdout).toMatch(/^skipped making universal binaries: /m)
      const publish = ok(
        await runStep(
          'dist/main.js',
          {
            ...shared,
            mode: 'publish',
            targets: plan.outputs.targets!,
            'github-token': gh.token
          },
          { workspace: copyFixture('hello'), env: { ...env, ...githubEnvFor(gh) } }
        )
      )
      expect(publish.stdout).not.toMatch(/^::group::building binaries/m)
      const release = gh.releases()[0]!
      expect(release.assets.map(a => a.name).sort()).toEqual([
        'checksums.txt',
        'hello-fixture_4.0.0_darwin_all.tar.gz',
        'hello-fixture_4.0.0_darwin_amd64.tar.gz',
        'hello-fixture_4.0.0_darwin_arm64.tar.gz',
        'hello-fixture_4.0.0_linux_amd64.tar.gz',
        'hello-fixture_4.0.0_windows_amd64.zip'
      ])
      expect(await sha256sumRelease(gh, release)).toEqual(
        release.assets
          .map(a => a.name)
          .filter(n => n !== 'checksums.txt')
          .sort()
      )
      expect(gh.contractViolations).toEqual([])
    } finally {
      await gh.stop()
    }
  })
})
