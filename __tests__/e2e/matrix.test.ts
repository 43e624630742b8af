import * as crypto from 'node:crypto'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { copyFixture, gitInit } from '../fakes/context.js'
import { sha256sumRelease } from '../fakes/release-check.js'
import { runStep, type StepResult } from '../fakes/runner.js'
import { startAzurite, type Azurite } from '../services/azurite.js'
import { githubEnvFor, startGitHubService, type GitHubService } from '../services/github.js'
import {
  runnerEnvFor,
  startResultsService,
  type ResultsService
} from '../services/results-service.js'

/** mode: plan and mode: build legs of dist/main.js, against the loopback results service. */
let azurite: Azurite
let service: ResultsService
let root: string

beforeAll(async () => {
  azurite = await startAzurite()
  service = await startResultsService({ azurite })
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-matrix-'))
})

afterAll(async () => {
  await service?.stop()
  await azurite?.stop()
})

function ok(step: StepResult): StepResult {
  if (step.code !== 0) throw new Error(`step failed:\n${step.stdout}\n${step.stderr}`)
  return step
}

test('mode: plan validates the targets and writes the matrix; nothing is built, no C compiler needed', async () => {
  const workspace = copyFixture('hello')
  await gitInit(workspace, { tag: 'v2.1.0' })
  const step = ok(
    await runStep(
      'dist/main.js',
      {
        mode: 'plan',
        targets: 'linux/amd64,linux/arm64,darwin/arm64,windows/amd64,darwin/amd64',
        cgo: 'true',
        'split-by': 'goos'
      },
      { workspace, env: { GITHUB_REF: 'refs/tags/v2.1.0' } }
    )
  )
  expect(JSON.parse(step.outputs.matrix!)).toEqual({
    include: [
      { shard: '1-of-3-linux', targets: 'linux/amd64,linux/arm64', 'runs-on': 'ubuntu-latest' },
      { shard: '2-of-3-darwin', targets: 'darwin/arm64,darwin/amd64', 'runs-on': 'macos-latest' },
      { shard: '3-of-3-windows', targets: 'windows/amd64', 'runs-on': 'windows-latest' }
    ]
  })
  expect(step.outputs.targets).toBe(
    'linux/amd64,linux/arm64,darwin/arm64,windows/amd64,darwin/amd64'
  )
  expect(step.outputs.version).toBe('2.1.0')
  expect(step.stdout).not.toMatch(/^::group::(building|checking the release)/m)
  expect(fs.existsSync(path.join(workspace, 'dist'))).toBe(false)
  expect(step.summary).toContain('go-xbuild plan: 3 legs')
})

test('mode: plan still refuses a target the toolchain does not know, naming it', async () => {
  const workspace = copyFixture('hello')
  const step = await runStep(
    'dist/main.js',
    { mode: 'plan', targets: 'linux/amd64,linux/amd46', legs: '2' },
    { workspace }
  )
  expect(step.code).toBe(1)
  expect(step.stdout).toMatch(/::error::.*"linux\/amd46" is not a GOOS\/GOARCH pair/)
})

describe('mode: build legs', () => {
  const runner = () => ({
    gocache: path.join(root, 'runner', 'go-build'),
    gomodcache: path.join(root, 'runner', 'go-mod')
  })

  async function leg(workspace: string, sha: string, shard: string): Promise<StepResult[]> {
    const dirs = runner()
    for (const d of Object.values(dirs)) {
      if (fs.existsSync(d)) {
        for (const p of fs.readdirSync(d, { recursive: true }) as string[]) {
          fs.chmodSync(path.join(d, p), 0o755)
        }
        fs.rmSync(d, { recursive: true, force: true })
      }
    }
    const event = path.join(root, 'event.json')
    fs.writeFileSync(event, JSON.stringify({ repository: { default_branch: 'main' } }))
    const env = {
      ...runnerEnvFor(service),
      GOCACHE: dirs.gocache,
      GOMODCACHE: dirs.gomodcache,
      GOPROXY: `file://${path.join(import.meta.dirname, '..', 'fixtures', 'goproxy')}`,
      GITHUB_EVENT_NAME: 'push',
      GITHUB_REF: 'refs/heads/main',
      GITHUB_EVENT_PATH: event,
      GITHUB_SHA: sha
    }
    const inputs = { mode: 'build', shard, targets: 'linux/amd64' }
    const main = ok(await runStep('dist/main.js', inputs, { workspace, env }))
    const post = ok(await runStep('dist/post.js', inputs, { workspace, env, state: main.state }))
    return [main, post]
  }

  test('each leg uploads one artifact named for its shard; only the first leg saves the module cache; build caches carry the shard', async () => {
    const workspace = copyFixture('deps')
    const sha = await gitInit(workspace)
    const [second, secondPost] = await leg(workspace, sha, '2-of-2')
    expect(secondPost!.stdout).not.toMatch(/^module cache: saved/m)
    expect(secondPost!.stdout).toMatch(/^build cache base: saved/m)
    const [first, firstPost] = await leg(workspace, sha, '1-of-2')
    expect(firstPost!.stdout).toMatch(/^module cache: saved go-xbuild-mod-v2-/m)
    // Same targets, another shard: another build cache entry, never a fight over one key.
    expect(first!.stdout).toMatch(/^build cache base: no entry for /m)
    expect(firstPost!.stdout).toMatch(/^build cache base: saved/m)

    const names = service
      .artifacts()
      .filter(a => a.finalized)
      .map(a => a.name)
    expect(names.sort()).toEqual(['deps_shard-1-of-2', 'deps_shard-2-of-2'])
    for (const step of [first!, second!]) {
      expect(JSON.parse(step.outputs['artifact-ids']!)).toHaveLength(1)
      expect(step.stdout).toMatch(/^skipped checking the release: /m)
    }
    const keys = service
      .cacheEntries()
      .filter(e => e.finalized)
      .map(e => e.key)
    expect(keys.filter(k => k.startsWith('go-xbuild-mod-'))).toHaveLength(1)
    expect(keys.filter(k => k.startsWith('go-xbuild-base-'))).toHaveLength(2)
  })
})

describe('plan → legs → publish (the fan-in)', () => {
  const TAG = 'v3.0.0'

  async function flow(
    gh: GitHubService,
    runEnv: Record<string, string>,
    legsToRun: (shards: string[]) => string[],
    /** inputs of one leg over the shared ones */
    legInputs: (shard: string) => Record<string, string> = () => ({}),
    publishInputs: Record<string, string> = {}
  ): Promise<{ plan: StepResult; legs: StepResult[]; publish: StepResult }> {
    const workspace = copyFixture('hello')
    const sha = await gitInit(workspace, { tag: TAG })
    const env = { ...runEnv, GITHUB_REF: `refs/tags/${TAG}`, GITHUB_SHA: sha }
    const plan = ok(
      await runStep(
        'dist/main.js',
        { mode: 'plan', targets: 'linux/amd64,linux/arm64,windows/amd64,darwin/arm64', legs: '2' },
        { workspace, env }
      )
    )
    const matrix = JSON.parse(plan.outputs.matrix!) as {
      include: { shard: string; targets: string }[]
    }
    const run = legsToRun(matrix.include.map(l => l.shard))
    const legs: StepResult[] = []
    for (const leg of matrix.include.filter(l => run.includes(l.shard))) {
      // Each leg on its own runner: a fresh checkout.
      const dir = copyFixture('hello')
      expect(await gitInit(dir, { tag: TAG })).toBe(sha)
      legs.push(
        ok(
          await runStep(
            'dist/main.js',
            {
              mode: 'build',
              shard: leg.shard,
              targets: leg.targets,
              cache: 'false',
              ...legInputs(leg.shard)
            },
            { workspace: dir, env }
          )
        )
      )
    }
    const publish = await runStep(
      'dist/main.js',
      {
        mode: 'publish',
        targets: plan.outputs.targets!,
        'github-token': gh.token,
        ...publishInputs
      },
      { workspace: copyFixture('hello', {}), env: { ...env, ...githubEnvFor(gh) } }
    )
    return { plan, legs, publish }
  }

  test('one release with every leg’s files and one checksums file that sha256sum -c accepts', async () => {
    const gh = await startGitHubService()
    try {
      const { legs, publish } = await flow(gh, runnerEnvFor(service), shards => shards)
      expect(legs).toHaveLength(2)
      for (const leg of legs)
        expect(leg.stdout).toMatch(
          /^skipped checking the release: a mode: build leg publishes only with release: true$/m
        )
      ok(publish)
      expect(publish.stdout).not.toMatch(/^::group::building binaries/m)
      const releases = gh.releases()
      expect(releases).toHaveLength(1)
      const release = releases[0]!
      expect(release).toMatchObject({ tagName: TAG, draft: false })
      const names = release.assets.map(a => a.name).sort()
      expect(names).toEqual([
        'checksums.txt',
        'hello-fixture_3.0.0_darwin_arm64.tar.gz',
        'hello-fixture_3.0.0_linux_amd64.tar.gz',
        'hello-fixture_3.0.0_linux_arm64.tar.gz',
        'hello-fixture_3.0.0_windows_amd64.zip'
      ])
      expect(await sha256sumRelease(gh, release)).toEqual(names.filter(n => n !== 'checksums.txt'))
      // The publish job's summary: the release, and the legs it collected with their files.
      expect(publish.summary).toMatch(/^<h3>go-xbuild released v3\.0\.0<\/h3>/)
      expect(publish.summary).toContain('<h4>Legs collected (2)</h4>')
      const collected = [
        ...publish.summary.matchAll(
          /<tr><td>(hello-fixture[^<]*)<\/td><td align="right">(\d+)<\/td><\/tr>/g
        )
      ]
      expect(collected).toHaveLength(2)
      expect(collected.reduce((n, m) => n + Number(m[2]), 0)).toBe(4)
      expect(gh.contractViolations).toEqual([])
    } finally {
      await gh.stop()
    }
  })

  test('Linux packages: the legs make them, the publish job collects and publishes them with the archives', async () => {
    const gh = await startGitHubService()
    try {
      const packages = {
        'linux-packages': '- formats: [deb, rpm]\n  maintainer: M <m@example.com>'
      }
      const { publish } = await flow(
        gh,
        runnerEnvFor(service),
        shards => shards,
        () => packages,
        packages
      )
      ok(publish)
      const release = gh.releases()[0]!
      const names = release.assets.map(a => a.name).sort()
      expect(names.filter(n => /\.(deb|rpm)$/.test(n))).toEqual([
        'hello-fixture_3.0.0_linux_amd64.deb',
        'hello-fixture_3.0.0_linux_amd64.rpm',
        'hello-fixture_3.0.0_linux_arm64.deb',
        'hello-fixture_3.0.0_linux_arm64.rpm'
      ])
      expect(await sha256sumRelease(gh, release)).toEqual(names.filter(n => n !== 'checksums.txt'))
      expect(gh.contractViolations).toEqual([])
    } finally {
      await gh.stop()
    }
  })

  test('a missing leg is an error naming its targets; nothing is published', async () => {
    const gh = await startGitHubService()
    try {
      // Another run: its own artifacts.
      const runEnv = {
        ...runnerEnvFor(service),
        ACTIONS_RUNTIME_TOKEN: service.token(crypto.randomUUID(), crypto.randomUUID())
      }
      const { publish } = await flow(gh, runEnv, shards => shards.slice(0, 1))
      expect(publish.code).toBe(1)
      expect(publish.stdout).toMatch(
        /::error::.*missing from every leg: windows\/amd64, darwin\/arm64 \(hello-fixture_3\.0\.0_windows_amd64\.zip, hello-fixture_3\.0\.0_darwin_arm64\.tar\.gz\)/
      )
      expect(gh.releases().every(r => r.assets.length === 0)).toBe(true)
      expect(gh.releases().every(r => r.draft)).toBe(true)
    } finally {
      await gh.stop()
    }
  })

  test('the publish job writes the release’s checksums files: it reads each leg’s by the name and algorithm the leg recorded', async () => {
    const gh = await startGitHubService()
    try {
      const runEnv = {
        ...runnerEnvFor(service),
        ACTIONS_RUNTIME_TOKEN: service.token(crypto.randomUUID(), crypto.randomUUID())
      }
      const { publish } = await flow(
        gh,
        runEnv,
        shards => shards,
        () => ({ 'checksums-name': 'SHA256SUMS' }),
        { 'checksum-algorithms': 'sha256,sha512' }
      )
      ok(publish)
      const [release] = gh.releases()
      expect(release!.draft).toBe(false)
      expect(release!.assets.map(a => a.name).sort()).toEqual([
        'checksums.sha512.txt',
        'checksums.txt',
        'hello-fixture_3.0.0_darwin_arm64.tar.gz',
        'hello-fixture_3.0.0_linux_amd64.tar.gz',
        'hello-fixture_3.0.0_linux_arm64.tar.gz',
        'hello-fixture_3.0.0_windows_amd64.zip'
      ])
      expect(publish.stdout).toMatch(
        /^hello-fixture_shard-1-of-2: \d+ bytes, checked against its SHA256SUMS$/m
      )
    } finally {
      await gh.stop()
    }
  })

  test('legs built with other ldflags: the publish job fails naming the input, both legs and both values; nothing is uploaded', async () => {
    const gh = await startGitHubService()
    try {
      const runEnv = {
        ...runnerEnvFor(service),
        ACTIONS_RUNTIME_TOKEN: service.token(crypto.randomUUID(), crypto.randomUUID())
      }
      // A workflow whose second leg got another ldflags (a matrix include, a copied step).
      const { publish } = await flow(
        gh,
        runEnv,
        shards => shards,
        (shard): Record<string, string> => (shard.startsWith('2-') ? { ldflags: '-s -w' } : {})
      )
      expect(publish.code).toBe(1)
      expect(publish.stdout).toMatch(
        /::error::.*legs disagree on ldflags: shard-1-of-2 "-s -w -X main\.version=\{\{\.Version\}\}", shard-2-of-2 "-s -w"/
      )
      // Only the one input: every other field of the fingerprints agrees.
      expect(publish.stdout).not.toMatch(/disagree on (?!ldflags)/)
      expect(gh.calls.map(c => c.operationId)).not.toContain('repos/upload-release-asset')
      expect(gh.releases().every(r => r.draft && r.assets.length === 0)).toBe(true)
      expect(gh.contractViolations).toEqual([])
    } finally {
      await gh.stop()
    }
  })
})

describe('legs that publish without a fan-in job', () => {
  const TAG = 'v3.1.0'
  const TARGETS = 'linux/amd64,windows/amd64'

  test('a leg with another sbom refuses before uploading, naming both; once alike, the last leg publishes', async () => {
    const gh = await startGitHubService()
    try {
      const workspace = copyFixture('hello')
      const sha = await gitInit(workspace, { tag: TAG })
      const env = {
        ...runnerEnvFor(service),
        ...githubEnvFor(gh),
        // A run of its own: only its legs' records are listed.
        ACTIONS_RUNTIME_TOKEN: service.token(crypto.randomUUID(), crypto.randomUUID()),
        GITHUB_REF: `refs/tags/${TAG}`,
        GITHUB_SHA: sha
      }
      const leg = (shard: string, targets: string, extra: Record<string, string> = {}) =>
        runStep(
          'dist/main.js',
          {
            mode: 'build',
            shard,
            targets,
            'planned-targets': TARGETS,
            release: 'true',
            'github-token': gh.token,
            cache: 'false',
            'upload-artifacts': 'false',
            ...extra
          },
          { workspace, env }
        )
      const first = ok(await leg('1-of-2', 'linux/amd64'))
      expect(first.stdout).toMatch(/^0 other legs recorded so far used the same inputs/m)
      expect(first.stdout).toContain('1 planned file is not there yet')

      const uploadsBefore = gh.calls.filter(c => c.operationId === 'repos/upload-release-asset')
      const second = await leg('2-of-2', 'windows/amd64', { sbom: 'cyclonedx-json' })
      expect(second.code).toBe(1)
      expect(second.stdout).toMatch(
        /::error::.*legs disagree on sbom: shard-1-of-2 \(none\), shard-2-of-2 cyclonedx-json/
      )
      // Refused before building, and nothing uploaded: the release still waits, a draft.
      expect(second.stdout).not.toMatch(/^::group::building binaries/m)
      expect(gh.calls.filter(c => c.operationId === 'repos/upload-release-asset')).toEqual(
        uploadsBefore
      )
      let [release] = gh.releases()
      expect(release!.draft).toBe(true)
      expect(release!.assets.map(a => a.name)).toEqual(['hello-fixture_3.1.0_linux_amd64.tar.gz'])
      // The records are workflow artifacts, never release assets.
      expect(
        service
          .artifacts()
          .filter(a => a.finalized)
          .map(a => a.name)
          .filter(n => n.startsWith('go-xbuild-leg-record_'))
          .sort()
      ).toEqual([
        'go-xbuild-leg-record_hello-fixture_shard-1-of-2',
        'go-xbuild-leg-record_hello-fixture_shard-2-of-2'
      ])

      // The leg run again as the others: its record is replaced, and it publishes.
      const again = ok(await leg('2-of-2', 'windows/amd64'))
      expect(again.stdout).toMatch(/^1 other leg recorded so far used the same inputs/m)
      ;[release] = gh.releases()
      expect(release!.draft).toBe(false)
      expect(release!.assets.map(a => a.name).sort()).toEqual([
        'checksums.txt',
        'hello-fixture_3.1.0_linux_amd64.tar.gz',
        'hello-fixture_3.1.0_windows_amd64.zip'
      ])
      expect(await sha256sumRelease(gh, release!)).toEqual([
        'hello-fixture_3.1.0_linux_amd64.tar.gz',
        'hello-fixture_3.1.0_windows_amd64.zip'
      ])
      expect(gh.contractViolations).toEqual([])
    } finally {
      await gh.stop()
    }
  })
})
