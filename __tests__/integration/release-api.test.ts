import { consoleLog } from '../../src/ports/log.js'
import { ApiError, githubReleaseApi, type ReleaseApi } from '../../src/ports/release-api.js'
import { findOrCreateRelease } from '../../src/release.js'
import { githubEnvFor, startGitHubService, type GitHubService } from '../services/github.js'

/**
 * The real Octokit client with its throttling and retry plugins against the loopback GitHub
 * service. Waits the server asks for are scaled down (retryAfterBaseMs) so a 60 s fallback takes
 * 0.6 s; everything else is as shipped.
 */
let service: GitHubService
let lines: string[]

beforeEach(async () => {
  service = await startGitHubService()
  lines = []
})

afterEach(async () => {
  expect(service.contractViolations).toEqual([])
  expect(service.faults.pending()).toEqual([])
  await service.stop()
})

function api(options: { rateLimitRetries?: number } = {}): ReleaseApi {
  return githubReleaseApi(
    service.token,
    githubEnvFor(service),
    consoleLog({ write: line => lines.push(line) }),
    { retryAfterBaseMs: 10, ...options }
  )
}

const statuses = (op: string): number[] =>
  service.calls.filter(c => c.operationId === op).map(c => c.status)

test('secondary rate limit without retry-after: waits the 60 s fallback (scaled) and retries', async () => {
  service.addRelease({ tagName: 'v1.0.0' })
  service.faults.on('repos/list-releases', { kind: 'secondary-rate-limit' })
  const releases = await api().listReleases()
  expect(releases.map(r => r.tagName)).toEqual(['v1.0.0'])
  expect(statuses('repos/list-releases')).toEqual([403, 200])
  expect(lines.join('\n')).toMatch(/secondary rate limit on GET .*: retrying in 60 s/)
})

test('a rate limit that does not lift gives up after the allowed retries with a clear error', async () => {
  service.faults.on(
    'repos/list-releases',
    { kind: 'secondary-rate-limit', status: 429, retryAfterSeconds: 1 },
    3
  )
  const error = await api({ rateLimitRetries: 2 })
    .listReleases()
    .catch((e: unknown) => e)
  expect(error).toBeInstanceOf(ApiError)
  expect((error as ApiError).status).toBe(429)
  expect((error as ApiError).message).toMatch(
    /^listing releases: HTTP 429: You have exceeded a secondary rate limit/
  )
  expect(statuses('repos/list-releases')).toEqual([429, 429, 429])
})

test('lost race at create (another job published the tag after the listing): converge on its release, delete the own draft', async () => {
  const real = api()
  const racing: ReleaseApi = {
    ...real,
    async createRelease(params) {
      // The other job's publication lands between this job's listing and its create.
      service.addRelease({ tagName: params.tag_name })
      return real.createRelease(params)
    }
  }
  const { release, created } = await findOrCreateRelease(
    racing,
    'v2.0.0',
    () => ({}),
    consoleLog({ write: l => lines.push(l) })
  )
  expect(created).toBe(false)
  expect(release.draft).toBe(false)
  // Drafts do not own their tag: the create succeeds, and the draft goes again.
  expect(statuses('repos/create-release')).toEqual([201])
  expect(statuses('repos/delete-release')).toEqual([204])
  expect(service.releases().map(r => [r.tagName, r.draft])).toEqual([['v2.0.0', false]])
})

test('two jobs creating drafts at once converge on the older draft; the newer one is deleted', async () => {
  const log = consoleLog({ write: l => lines.push(l) })
  const [a, b] = await Promise.all([
    findOrCreateRelease(api(), 'v3.0.0', () => ({}), log),
    findOrCreateRelease(api(), 'v3.0.0', () => ({}), log)
  ])
  expect(a.release.id).toBe(b.release.id)
  expect(service.releases().map(r => [r.id, r.draft])).toEqual([[a.release.id, true]])
})

test('5xx on a read is retried by the retry plugin; a 404 is not', async () => {
  service.faults.on('repos/list-releases', { kind: 'server-error', status: 502 })
  expect(await api().listReleases()).toEqual([])
  expect(statuses('repos/list-releases')).toEqual([502, 200])
  const error = await api()
    .listAssets(999)
    .catch((e: unknown) => e)
  expect((error as ApiError).status).toBe(404)
  expect(statuses('repos/list-release-assets')).toEqual([404])
})
