import { ApiError } from '../../src/ports/github-client.js'
import { consoleLog } from '../../src/ports/log.js'
import { githubRepoFiles, type RepoFilesApi } from '../../src/ports/repo-files.js'
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
      { owner: 'octo-org', repo: 'scoop-bucket', defaultBranch: 'master' }
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
