import * as crypto from 'node:crypto'
import { createHash } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { copyFixture, gitInit } from '../fakes/context.js'
import { runStep, type StepResult } from '../fakes/runner.js'
import { scoopValidator } from '../fakes/schemas.js'
import { startAzurite, type Azurite } from '../services/azurite.js'
import { githubEnvFor, startGitHubService, type GitHubService } from '../services/github.js'
import {
  runnerEnvFor,
  startResultsService,
  type ResultsService
} from '../services/results-service.js'

/**
 * dist/main.js publishing a release to the loopback GitHub service, then committing a Homebrew
 * cask, a formula and a Scoop manifest to a tap and a bucket (the service's other repositories,
 * every request and answer checked against GitHub's OpenAPI description). The manifests' URLs
 * are downloaded from the service and must give the release's bytes and the sha256 they state.
 */
const TAG = 'v1.4.0'
const TARGETS = 'linux/amd64,linux/arm64,darwin/amd64,darwin/arm64,windows/amd64,windows/arm64'
const TAP = { owner: 'octo-org', repo: 'homebrew-tap' }
const BUCKET = { owner: 'octo-org', repo: 'scoop-bucket' }

const CASKS = `
- repository: {owner: octo-org, name: homebrew-tap}
  description: Says hello
  homepage: https://example.com/hello
  caveats: Run {{ .ProjectName }} --help to start.
`
const FORMULAS = `
- repository: {owner: octo-org, name: homebrew-tap}
  name: hello-cli
  directory: Formula
  description: Says hello
  license: MIT
  test: system "#{bin}/hello-fixture"
`
const SCOOPS = `
- repository: {owner: octo-org, name: scoop-bucket}
  description: Says hello
  homepage: https://example.com/hello
  license: MIT
`

let service: GitHubService
let workspace: string
let sha: string

beforeAll(async () => {
  workspace = copyFixture('hello')
  sha = await gitInit(workspace, { tag: TAG })
})

beforeEach(async () => {
  service = await startGitHubService({ repositories: [TAP, BUCKET] })
  fs.rmSync(path.join(workspace, 'dist'), { recursive: true, force: true })
})

afterEach(async () => {
  expect(service.contractViolations).toEqual([])
  await service.stop()
})

afterAll(() => {
  fs.rmSync(workspace, { recursive: true, force: true })
})

function publish(inputs: Record<string, string> = {}, tag = TAG): Promise<StepResult> {
  return runStep(
    'dist/main.js',
    {
      targets: TARGETS,
      'github-token': service.token,
      'upload-artifacts': 'false',
      'homebrew-casks': CASKS,
      'homebrew-formulas': FORMULAS,
      'scoop-manifests': SCOOPS,
      'homebrew-token': service.tapToken,
      'scoop-token': service.tapToken,
      ...inputs
    },
    {
      workspace,
      env: {
        ...githubEnvFor(service),
        GITHUB_SERVER_URL: service.webUrl,
        GITHUB_REF: `refs/tags/${tag}`,
        GITHUB_SHA: sha,
        GITHUB_EVENT_NAME: 'push'
      }
    }
  )
}

function ok(step: StepResult): StepResult {
  if (step.code !== 0) throw new Error(`step failed:\n${step.stdout}\n${step.stderr}`)
  return step
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex')

/** Every url/sha256 pair of a Ruby manifest, downloaded: the bytes must hash to the sha256. */
async function checkDownloads(pairs: { url: string; sha: string }[]): Promise<void> {
  expect(pairs.length).toBeGreaterThan(0)
  for (const { url, sha } of pairs) {
    const response = await fetch(url)
    expect(response.status).toBe(200)
    expect(sha256(Buffer.from(await response.arrayBuffer()))).toBe(sha)
  }
}

/** A cask's digest and URL pairs; casks say #{version} where the URL holds it. */
function pairsOfCask(cask: string): { url: string; sha: string }[] {
  return [...cask.matchAll(/sha256 "([0-9a-f]{64})"\n\s+url "([^"]+)"/g)].map(m => ({
    sha: m[1]!,
    url: m[2]!.replaceAll('#{version}', '1.4.0')
  }))
}

function rubyOk(text: string): void {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ruby-')), 'm.rb')
  fs.writeFileSync(file, text)
  expect(execFileSync('ruby', ['-c', file], { encoding: 'utf8' }).trim()).toBe('Syntax OK')
  fs.rmSync(path.dirname(file), { recursive: true })
}

test('a published release gets its cask, formula and Scoop manifest committed, pointing at its files', async () => {
  const step = ok(await publish())
  const release = service.releases().find(r => r.tagName === TAG)!
  expect(release.draft).toBe(false)

  const cask = service.repos.file(TAP.owner, TAP.repo, 'Casks/hello-fixture.rb')!
  expect(cask).toContain('cask "hello-fixture" do')
  expect(cask).toContain('  version "1.4.0"')
  expect(cask).toContain('Run hello-fixture --help to start.')
  rubyOk(cask)
  const caskPairs = pairsOfCask(cask)
  expect(caskPairs.map(p => path.basename(p.url)).sort()).toEqual([
    'hello-fixture_1.4.0_darwin_amd64.tar.gz',
    'hello-fixture_1.4.0_darwin_arm64.tar.gz',
    'hello-fixture_1.4.0_linux_amd64.tar.gz',
    'hello-fixture_1.4.0_linux_arm64.tar.gz'
  ])
  expect(
    caskPairs[0]!.url.startsWith(`${service.webUrl}/octo-org/octo-repo/releases/download/v1.4.0/`)
  ).toBe(true)
  await checkDownloads(caskPairs)

  const formula = service.repos.file(TAP.owner, TAP.repo, 'Formula/hello-cli.rb')!
  expect(formula).toContain('class HelloCli < Formula')
  rubyOk(formula)
  await checkDownloads(
    [...formula.matchAll(/url "([^"]+)"\n\s+sha256 "([0-9a-f]{64})"/g)].map(m => ({
      url: m[1]!,
      sha: m[2]!
    }))
  )

  const scoop = JSON.parse(
    service.repos.file(BUCKET.owner, BUCKET.repo, 'hello-fixture.json')!
  ) as {
    architecture: Record<string, { url: string; hash: string; bin: string[] }>
  }
  expect(Object.keys(scoop.architecture)).toEqual(['64bit', 'arm64'])
  expect(scoop.architecture['64bit']!.bin).toEqual(['hello-fixture.exe'])
  await checkDownloads(Object.values(scoop.architecture).map(a => ({ url: a.url, sha: a.hash })))
  const validScoop = scoopValidator()
  expect(validScoop(scoop)).toBe(true)

  // One commit per manifest, each named after the version, by the Actions bot.
  expect(
    service.repos
      .log(TAP.owner, TAP.repo)
      .map(c => c.message)
      .sort()
  ).toEqual([
    'Brew cask update for hello-fixture version v1.4.0',
    'Brew formula update for hello-fixture version v1.4.0'
  ])
  expect(service.repos.log(BUCKET.owner, BUCKET.repo)).toEqual([
    expect.objectContaining({
      message: 'Scoop update for hello-fixture version v1.4.0',
      committer: {
        name: 'github-actions[bot]',
        email: '41898282+github-actions[bot]@users.noreply.github.com'
      },
      changed: ['hello-fixture.json']
    })
  ])
  // The same files are in the dist folder, where GoReleaser writes them.
  expect(
    fs.readFileSync(path.join(workspace, 'dist', 'homebrew', 'Casks', 'hello-fixture.rb'), 'utf8')
  ).toBe(cask)
  expect(step.stdout).toContain(
    'homebrew-casks[0]: octo-org/homebrew-tap Casks/hello-fixture.rb: committed'
  )

  // A re-run of the release changes nothing: no empty commits.
  const again = ok(await publish())
  expect(service.repos.log(TAP.owner, TAP.repo)).toHaveLength(2)
  expect(service.repos.log(BUCKET.owner, BUCKET.repo)).toHaveLength(1)
  expect(again.stdout).toContain('Casks/hello-fixture.rb: unchanged: main already holds it')
}, 600_000)

test('a newer release in the tap is never overwritten; a concurrent edit is retried on its new sha', async () => {
  service.repos.push(
    TAP.owner,
    TAP.repo,
    'Casks/hello-fixture.rb',
    'cask "hello-fixture" do\n  version "2.0.0"\nend\n'
  )
  // The bucket holds 1.2.0; someone else commits 1.3.0 between our read and our write.
  service.repos.push(BUCKET.owner, BUCKET.repo, 'hello-fixture.json', '{"version": "1.2.0"}\n')
  service.repos.interleave(
    BUCKET.owner,
    BUCKET.repo,
    'hello-fixture.json',
    '{"version": "1.3.0"}\n'
  )
  const step = ok(await publish({ 'homebrew-formulas': '' }))
  expect(service.repos.file(TAP.owner, TAP.repo, 'Casks/hello-fixture.rb')).toContain(
    'version "2.0.0"'
  )
  expect(step.stdout).toContain('left as it is: main holds version 2.0.0, newer than 1.4.0')
  // Our write named 1.2.0's sha (409), read 1.3.0 and wrote on top of it.
  const log = service.repos.log(BUCKET.owner, BUCKET.repo)
  expect(log.map(c => c.message)).toEqual([
    'Scoop update for hello-fixture version v1.4.0',
    'edit hello-fixture.json',
    'edit hello-fixture.json'
  ])
  const writes = service.calls.filter(c => c.operationId === 'repos/create-or-update-file-contents')
  expect(writes.map(c => c.status)).toEqual([409, 200])
  expect(
    JSON.parse(service.repos.file(BUCKET.owner, BUCKET.repo, 'hello-fixture.json')!)
  ).toMatchObject({ version: '1.4.0' })
}, 600_000)

test('pull-request: the cask is committed to its own branch and proposed to the default one', async () => {
  const casks = `
- repository:
    owner: octo-org
    name: homebrew-tap
    branch: hello-fixture-update
    pull-request: {enabled: true, draft: true}
  description: Says hello
`
  const inputs = { 'homebrew-casks': casks, 'homebrew-formulas': '', 'scoop-manifests': '' }
  const step = ok(await publish(inputs))
  expect(step.stdout).toMatch(
    /homebrew-casks\[0\]: octo-org\/homebrew-tap Casks\/hello-fixture.rb: opened pull request #1 \(\S+\/octo-org\/homebrew-tap\/pull\/1\) from hello-fixture-update, committed [0-9a-f]{7}/
  )
  expect(service.repos.pulls(TAP.owner, TAP.repo)).toEqual([
    {
      number: 1,
      head: 'octo-org:hello-fixture-update',
      base: 'main',
      title: 'Brew cask update for hello-fixture version v1.4.0',
      body: expect.stringContaining('Casks/hello-fixture.rb for hello-fixture v1.4.0'),
      draft: true
    }
  ])
  // The branch holds the cask; main does not until the pull request is merged.
  const cask = service.repos.file(
    TAP.owner,
    TAP.repo,
    'Casks/hello-fixture.rb',
    'hello-fixture-update'
  )!
  rubyOk(cask)
  expect(cask).toBe(
    fs.readFileSync(path.join(workspace, 'dist', 'homebrew', 'Casks', 'hello-fixture.rb'), 'utf8')
  )
  expect(service.repos.file(TAP.owner, TAP.repo, 'Casks/hello-fixture.rb')).toBeUndefined()

  // A re-run: no commit, no second pull request.
  const again = ok(await publish(inputs))
  expect(again.stdout).toContain('pull request already open #1')
  expect(service.repos.log(TAP.owner, TAP.repo, 'hello-fixture-update')).toHaveLength(1)
  expect(service.repos.pulls(TAP.owner, TAP.repo)).toHaveLength(1)
}, 600_000)

test('bad input is refused before anything is built or published', async () => {
  const cases: { inputs: Record<string, string>; says: string }[] = [
    {
      inputs: { 'homebrew-casks': '- repository: {owner: octo-org/x, name: tap}' },
      says: 'homebrew-casks[0].repository.owner: "octo-org/x" is not a GitHub owner'
    },
    {
      inputs: { 'homebrew-token': '' },
      says: 'homebrew-token: empty; homebrew-formulas[0] commits to octo-org/homebrew-tap, which needs a token with contents: write on it'
    },
    {
      inputs: { 'scoop-token': service.readOnlyToken },
      says: 'scoop-token: may not push to octo-org/scoop-bucket (scoop-manifests[0]): give it contents: write there'
    },
    {
      inputs: {
        'homebrew-casks':
          '- repository: {owner: octo-org, name: homebrew-tap}\n  name: "hello world!"'
      },
      says: 'homebrew-casks[0].name: "hello world!" is not a name Homebrew or Scoop takes'
    },
    {
      inputs: { 'scoop-manifests': '- repository: {owner: octo-org, name: nowhere}' },
      says: 'scoop-manifests[0].repository: octo-org/nowhere is not there, or scoop-token cannot see it (HTTP 404)'
    }
  ]
  for (const c of cases) {
    const step = await publish(c.inputs)
    expect(step.code).not.toBe(0)
    expect(step.stdout + step.stderr).toContain(c.says)
    expect(step.stdout).not.toContain('building binaries')
  }
  expect(service.releases()).toEqual([])
  expect(service.repos.log(TAP.owner, TAP.repo)).toEqual([])
}, 600_000)

describe('plan → legs → publish: the publish job writes the manifests of every leg’s files', () => {
  let azurite: Azurite
  let results: ResultsService

  beforeAll(async () => {
    azurite = await startAzurite()
    results = await startResultsService({ azurite })
  })

  afterAll(async () => {
    await results?.stop()
    await azurite?.stop()
  })

  test('darwin from one leg, windows from the other: one cask and one Scoop manifest with both', async () => {
    // A run of its own, so other tests' artifacts are not listed.
    const env = {
      ...runnerEnvFor(results),
      ACTIONS_RUNTIME_TOKEN: results.token(crypto.randomUUID(), crypto.randomUUID()),
      // No GITHUB_SERVER_URL: the artifact client takes any other server for GHES. The URLs
      // then name github.com, whose paths the service answers too.
      ...githubEnvFor(service),
      GITHUB_REF: `refs/tags/${TAG}`,
      GITHUB_SHA: sha,
      GITHUB_EVENT_NAME: 'push'
    }
    // Every job of the workflow gets the same inputs; only the publish job commits.
    const common = {
      cache: 'false',
      'homebrew-casks': CASKS,
      'scoop-manifests': SCOOPS,
      'homebrew-token': service.tapToken,
      'scoop-token': service.tapToken
    }
    const legs = [
      { shard: '1-of-2', targets: 'darwin/amd64,darwin/arm64' },
      { shard: '2-of-2', targets: 'windows/amd64,linux/amd64' }
    ]
    for (const leg of legs) {
      const dir = copyFixture('hello')
      await gitInit(dir, { tag: TAG })
      const step = await runStep(
        'dist/main.js',
        { mode: 'build', ...common, ...leg },
        { workspace: dir, env }
      )
      fs.rmSync(dir, { recursive: true, force: true })
      expect([leg.shard, step.code, step.code === 0 ? '' : step.stdout]).toEqual([leg.shard, 0, ''])
      expect(step.stdout).toContain(
        'skipped publishing install manifests: a mode: build leg; the publish job writes them'
      )
      expect(service.repos.log(TAP.owner, TAP.repo)).toEqual([])
    }
    const publish = ok(
      await runStep(
        'dist/main.js',
        {
          mode: 'publish',
          ...common,
          targets: 'darwin/amd64,darwin/arm64,windows/amd64,linux/amd64',
          'github-token': service.token
        },
        { workspace, env }
      )
    )
    expect(publish.stdout).toContain(
      'homebrew-casks[0]: octo-org/homebrew-tap Casks/hello-fixture.rb: committed'
    )
    const cask = service.repos.file(TAP.owner, TAP.repo, 'Casks/hello-fixture.rb')!
    rubyOk(cask)
    const onGitHub = `https://github.com/${githubEnvFor(service).GITHUB_REPOSITORY}/releases/download/${TAG}/`
    const pairs = pairsOfCask(cask).map(p => {
      expect(p.url.startsWith(onGitHub)).toBe(true)
      return { ...p, url: p.url.replace('https://github.com', service.webUrl) }
    })
    // darwin amd64 and arm64 (leg 1), linux amd64 (leg 2).
    expect(pairs.map(p => path.basename(p.url))).toEqual([
      'hello-fixture_1.4.0_darwin_amd64.tar.gz',
      'hello-fixture_1.4.0_darwin_arm64.tar.gz',
      'hello-fixture_1.4.0_linux_amd64.tar.gz'
    ])
    await checkDownloads(pairs)
    const scoop = JSON.parse(
      service.repos.file(BUCKET.owner, BUCKET.repo, 'hello-fixture.json')!
    ) as {
      architecture: Record<string, { url: string; hash: string }>
    }
    expect(Object.keys(scoop.architecture)).toEqual(['64bit'])
    await checkDownloads(
      Object.values(scoop.architecture).map(a => ({
        url: a.url.replace('https://github.com', service.webUrl),
        sha: a.hash
      }))
    )
  }, 900_000)

  test('self-publishing legs: the leg that completes the release writes them, with the other leg’s files', async () => {
    const env = {
      ...githubEnvFor(service),
      GITHUB_SERVER_URL: service.webUrl,
      GITHUB_REF: `refs/tags/${TAG}`,
      GITHUB_SHA: sha,
      GITHUB_EVENT_NAME: 'push'
    }
    const leg = (shard: string, targets: string) =>
      runStep(
        'dist/main.js',
        {
          mode: 'build',
          shard,
          targets,
          'planned-targets': 'darwin/amd64,darwin/arm64,windows/amd64,linux/amd64',
          release: 'true',
          'github-token': service.token,
          cache: 'false',
          'upload-artifacts': 'false',
          'homebrew-casks': CASKS,
          'scoop-manifests': SCOOPS,
          'homebrew-token': service.tapToken,
          'scoop-token': service.tapToken
        },
        { workspace, env }
      )
    const first = ok(await leg('1-of-2', 'darwin/amd64,darwin/arm64'))
    expect(first.stdout).toContain(
      'the release is not published by this job; the job that publishes it writes them'
    )
    expect(service.repos.log(TAP.owner, TAP.repo)).toEqual([])
    fs.rmSync(path.join(workspace, 'dist'), { recursive: true, force: true })
    const second = ok(await leg('2-of-2', 'windows/amd64,linux/amd64'))
    expect(second.stdout).toContain(
      'homebrew-casks[0]: octo-org/homebrew-tap Casks/hello-fixture.rb: committed'
    )
    expect(service.releases()[0]!.draft).toBe(false)
    const pairs = pairsOfCask(service.repos.file(TAP.owner, TAP.repo, 'Casks/hello-fixture.rb')!)
    expect(pairs.map(p => path.basename(p.url))).toEqual([
      'hello-fixture_1.4.0_darwin_amd64.tar.gz',
      'hello-fixture_1.4.0_darwin_arm64.tar.gz',
      'hello-fixture_1.4.0_linux_amd64.tar.gz'
    ])
    await checkDownloads(pairs)
    expect(service.repos.log(BUCKET.owner, BUCKET.repo)).toHaveLength(1)
  }, 900_000)
})
