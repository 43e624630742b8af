import { ApiError } from '../../src/ports/github-client.js'
import { consoleLog } from '../../src/ports/log.js'
import { githubRepoFiles, type RepoFilesApi } from '../../src/ports/repo-files.js'
import { proposeManifest } from '../../src/tap-manifests.js'
import { gitBlobSha } from '../services/github-repos.js'
import { githubEnvFor, startGitHubService, type GitHubService } from '../services/github.js'

/**
 * The files port (a Homebrew tap, a Scoop bucket) on the real Octokit client against the
 * loopback GitHub service's other repositories, every answer checked against GitHub's OpenAPI
 * description.
 */
let service: GitHubService

beforeEach(async () => {
  service = await startGitHubService({
    repositories: [
      {
        owner: 'octo-org',
        repo: 'homebrew-tap',
        files: { 'Casks/old.rb': 'cask "old" do\nend\n' }
      },
      { owner: 'octo-org', repo: 'scoop-bucket', defaultBranch: 'master' },
      // A fork of a shared tap, whose branches are proposed upstream.
      { owner: 'octo-bot', repo: 'homebrew-tap', files: { 'Casks/old.rb': 'cask "old" do\nend\n' } }
    ]
  })
})

afterEach(async () => {
  expect(service.contractViolations).toEqual([])
  await service.stop()
})

const files = (token: string, repository = 'octo-org/homebrew-tap'): RepoFilesApi =>
  githubRepoFiles(repository, token, githubEnvFor(service), consoleLog({ write: () => {} }), {
    retryAfterBaseMs: 10
  })

const failure = (p: Promise<unknown>): Promise<ApiError> =>
  p.then(
    () => {
      throw new Error('expected a failure')
    },
    (e: unknown) => e as ApiError
  )

test('describe: the default branch, and whether the token may push', async () => {
  expect(await files(service.tapToken).describe()).toEqual({
    defaultBranch: 'main',
    canPush: true
  })
  expect(await files(service.token, 'octo-org/scoop-bucket').describe()).toEqual({
    defaultBranch: 'master',
    canPush: false
  })
  const missing = await failure(files(service.tapToken, 'octo-org/nothing').describe())
  expect(missing.status).toBe(404)
})

test('a new file, then its update: one commit each, by the given committer', async () => {
  const api = files(service.tapToken)
  expect(await api.readFile('Casks/tool.rb', 'main')).toBeUndefined()
  const committer = { name: 'Release Bot', email: 'bot@example.com' }
  const first = await api.writeFile({
    path: 'Casks/tool.rb',
    branch: 'main',
    content: Buffer.from('v1\n'),
    message: 'tool 1.0.0',
    committer
  })
  expect(first.commit).toMatch(/^[0-9a-f]{40}$/)
  const read = await api.readFile('Casks/tool.rb', 'main')
  expect(read).toEqual({ sha: gitBlobSha(Buffer.from('v1\n')), content: Buffer.from('v1\n') })
  await api.writeFile({
    path: 'Casks/tool.rb',
    branch: 'main',
    content: Buffer.from('v2\n'),
    message: 'tool 2.0.0',
    sha: read!.sha
  })
  expect(service.repos.file('octo-org', 'homebrew-tap', 'Casks/tool.rb')).toBe('v2\n')
  expect(service.repos.log('octo-org', 'homebrew-tap')).toEqual([
    expect.objectContaining({ message: 'tool 2.0.0', changed: ['Casks/tool.rb'] }),
    { sha: first.commit, message: 'tool 1.0.0', committer, changed: ['Casks/tool.rb'] }
  ])
  const statuses = service.calls
    .filter(c => c.operationId === 'repos/create-or-update-file-contents')
    .map(c => c.status)
  expect(statuses).toEqual([201, 200])
})

test('a stale or missing sha is refused (409, 422), as when another writer got there first', async () => {
  const api = files(service.tapToken)
  const before = await api.readFile('Casks/old.rb', 'main')
  service.repos.push('octo-org', 'homebrew-tap', 'Casks/old.rb', 'changed by someone\n')
  const stale = await failure(
    api.writeFile({
      path: 'Casks/old.rb',
      branch: 'main',
      content: Buffer.from('mine\n'),
      message: 'm',
      sha: before!.sha
    })
  )
  expect(stale.status).toBe(409)
  expect(stale.message).toMatch(/^writing Casks\/old.rb to octo-org\/homebrew-tap: HTTP 409: /)
  const unnamed = await failure(
    api.writeFile({ path: 'Casks/old.rb', branch: 'main', content: Buffer.from('x'), message: 'm' })
  )
  expect(unnamed.status).toBe(422)
  expect(service.repos.file('octo-org', 'homebrew-tap', 'Casks/old.rb')).toBe(
    'changed by someone\n'
  )
})

test('the workflow token reads the tap but may not write it', async () => {
  const api = files(service.token)
  expect((await api.readFile('Casks/old.rb', 'main'))?.content.toString()).toBe(
    'cask "old" do\nend\n'
  )
  const refused = await failure(
    api.writeFile({ path: 'x.rb', branch: 'main', content: Buffer.from('x'), message: 'm' })
  )
  expect(refused.status).toBe(403)
  expect(refused.message).toContain('Resource not accessible by integration')
  expect(refused.message).not.toContain(service.token)
})

test('branches: read a head, create a branch from it, write there', async () => {
  const api = files(service.tapToken)
  const head = await api.branchHead('main')
  expect(head).toMatch(/^[0-9a-f]{40}$/)
  expect(await api.branchHead('update-tool')).toBeUndefined()
  await api.createBranch('update-tool', head!)
  await api.writeFile({
    path: 'Casks/tool.rb',
    branch: 'update-tool',
    content: Buffer.from('v1\n'),
    message: 'tool 1.0.0'
  })
  expect(service.repos.file('octo-org', 'homebrew-tap', 'Casks/tool.rb', 'update-tool')).toBe(
    'v1\n'
  )
  expect(service.repos.file('octo-org', 'homebrew-tap', 'Casks/tool.rb')).toBeUndefined()
  const again = await failure(api.createBranch('update-tool', head!))
  expect(again.status).toBe(422)
})

describe('pull requests (proposeManifest on the real client)', () => {
  const cask = (version: string): Buffer =>
    Buffer.from(`cask "tool" do\n  version "${version}"\nend\n`)
  const proposal = (version: string, over: { headBranch?: string; draft?: boolean } = {}) => ({
    kind: 'cask' as const,
    path: 'Casks/tool.rb',
    content: cask(version),
    version,
    message: `Brew cask update for tool version v${version}`,
    headBranch: over.headBranch ?? 'tool-update',
    baseBranch: 'main',
    body: 'from the release',
    draft: over.draft ?? false
  })

  test('within the tap: a branch from main, one commit, one pull request kept open across releases', async () => {
    const tap = files(service.tapToken)
    const first = await proposeManifest(tap, tap, proposal('1.0.0', { draft: true }))
    expect(first).toEqual({
      outcome: 'proposed',
      number: 1,
      url: expect.stringMatching(/\/octo-org\/homebrew-tap\/pull\/1$/),
      existing: false,
      commit: expect.stringMatching(/^[0-9a-f]{40}$/)
    })
    expect(service.repos.pulls('octo-org', 'homebrew-tap')).toEqual([
      {
        number: 1,
        head: 'octo-org:tool-update',
        base: 'main',
        title: 'Brew cask update for tool version v1.0.0',
        body: 'from the release',
        draft: true
      }
    ])
    // main is untouched until someone merges.
    expect(service.repos.file('octo-org', 'homebrew-tap', 'Casks/tool.rb')).toBeUndefined()

    // The same release again: nothing committed, the open pull request answered.
    expect(await proposeManifest(tap, tap, proposal('1.0.0'))).toEqual({
      outcome: 'proposed',
      number: 1,
      url: first.outcome === 'proposed' ? first.url : '',
      existing: true
    })
    // A newer release before the merge: its commit goes on the same branch and pull request.
    const second = await proposeManifest(tap, tap, proposal('1.1.0'))
    expect(second).toMatchObject({ outcome: 'proposed', number: 1, existing: true })
    expect(
      service.repos.log('octo-org', 'homebrew-tap', 'tool-update').map(c => c.message)
    ).toEqual([
      'Brew cask update for tool version v1.1.0',
      'Brew cask update for tool version v1.0.0'
    ])
    expect(service.repos.pulls('octo-org', 'homebrew-tap')).toHaveLength(1)
  })

  test('from a fork: the branch made from the fork, the pull request opened upstream', async () => {
    const fork = files(service.tapToken, 'octo-bot/homebrew-tap')
    const upstream = files(service.tapToken)
    const outcome = await proposeManifest(
      fork,
      upstream,
      proposal('2.0.0', { headBranch: 'tool-2.0.0' })
    )
    expect(outcome).toMatchObject({ outcome: 'proposed', number: 1, existing: false })
    expect(service.repos.file('octo-bot', 'homebrew-tap', 'Casks/tool.rb', 'tool-2.0.0')).toBe(
      cask('2.0.0').toString()
    )
    expect(service.repos.pulls('octo-org', 'homebrew-tap')).toMatchObject([
      { head: 'octo-bot:tool-2.0.0', base: 'main' }
    ])
  })

  test('nothing to propose: the base holds the same bytes, or a newer version', async () => {
    const tap = files(service.tapToken)
    service.repos.push('octo-org', 'homebrew-tap', 'Casks/tool.rb', cask('1.0.0').toString())
    expect(await proposeManifest(tap, tap, proposal('1.0.0'))).toEqual({ outcome: 'unchanged' })
    expect(await proposeManifest(tap, tap, proposal('0.9.0'))).toEqual({
      outcome: 'newer-there',
      version: '1.0.0'
    })
    expect(service.repos.branches('octo-org', 'homebrew-tap')).toEqual(['main'])
    expect(service.repos.pulls('octo-org', 'homebrew-tap')).toEqual([])
  })

  test("GitHub's refusals reach the caller: no commits between the branches", async () => {
    const tap = files(service.tapToken)
    await tap.createBranch('same', (await tap.branchHead('main'))!)
    const refused = await failure(
      tap.openPullRequest({ head: 'same', base: 'main', title: 't', body: '', draft: false })
    )
    expect(refused.status).toBe(422)
    expect(refused.message).toContain('No commits between main and same')
  })
})
