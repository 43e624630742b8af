import { createHash } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { copyFixture, gitInit } from '../fakes/context.js'
import { runStep, type StepResult } from '../fakes/runner.js'
import { scoopValidator } from '../fakes/schemas.js'
import { githubEnvFor, startGitHubService, type GitHubService } from '../services/github.js'

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
  // Casks say #{version} where the URL holds it.
  const caskPairs = [...cask.matchAll(/sha256 "([0-9a-f]{64})"\n\s+url "([^"]+)"/g)].map(m => ({
    sha: m[1]!,
    url: m[2]!.replaceAll('#{version}', '1.4.0')
  }))
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
