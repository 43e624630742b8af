import * as crypto from 'node:crypto'
import { getOctokit } from '@actions/github'
import { retry } from '@octokit/plugin-retry'
import { throttling, type ThrottlingOptions } from '@octokit/plugin-throttling'
import {
  githubAssetName,
  IMMUTABLE_UPLOAD,
  NOT_ACCESSIBLE,
  SECONDARY_RATE_LIMIT,
  startGitHubService,
  type GitHubService,
  type GitHubServiceOptions
} from '../services/github.js'
import { loadGitHubContract, RELEASE_OPERATIONS } from '../services/github-openapi.js'

/**
 * Proves the loopback GitHub REST stand-in behaves like GitHub for the release feature, driven by
 * the client the action ships: @actions/github's getOctokit with @octokit/plugin-throttling and
 * @octokit/plugin-retry. Every response is checked against the OpenAPI description on the way
 * out; afterEach fails a test that left a contract violation or an unconsumed fault.
 */

let service: GitHubService
/** What Octokit logged at warn or error level; nothing is expected. */
const warnings: string[] = []

async function start(opts: GitHubServiceOptions = {}): Promise<GitHubService> {
  await service?.stop()
  service = await startGitHubService(opts)
  return service
}

beforeEach(async () => {
  warnings.length = 0
  await start()
})

afterEach(async () => {
  try {
    expect(service.contractViolations).toEqual([])
    // An armed fault that never fired means the test did not exercise what its name claims.
    expect(service.faults.pending()).toEqual([])
    expect(warnings).toEqual([])
  } finally {
    await service.stop()
  }
})

/**
 * plugin-throttling runs every write through module-wide limiters: 1 s apart for writes and 3 s
 * apart for writes that notify (creating a release). That is GitHub's guidance and a real client
 * keeps it; these tests replace only the spacing, which is a Bottleneck Group with `key().schedule()`.
 */
const NO_SPACING = {
  key: () => ({
    schedule: (_options: unknown, fn: (...args: unknown[]) => unknown, ...args: unknown[]) =>
      Promise.resolve().then(() => fn(...args))
  })
} as unknown as NonNullable<ThrottlingOptions['write']>

interface ClientOptions {
  token?: string
  /** plugin-throttling: ms per second of `retry-after` / reset wait (default 1000: real time). */
  throttleBase?: number
  /** plugin-retry: attempts after the first (default 3). */
  retries?: number
  /** How many retries the rate-limit handlers allow (default 2). */
  limitRetries?: number
}

/** The Octokit the action builds, with the limit handlers recording what they were told. */
function client(opts: ClientOptions = {}) {
  const seen = { secondary: [] as number[], primary: [] as number[] }
  const octokit = getOctokit(
    opts.token ?? service.token,
    {
      baseUrl: service.url,
      log: {
        debug: () => undefined,
        info: () => undefined,
        warn: (m: string) => warnings.push(m),
        error: (m: string) => warnings.push(m)
      },
      throttle: {
        onRateLimit: (after: number, _o: unknown, _k: unknown, count: number) => {
          seen.primary.push(after)
          return count < (opts.limitRetries ?? 2)
        },
        onSecondaryRateLimit: (after: number, _o: unknown, _k: unknown, count: number) => {
          seen.secondary.push(after)
          return count < (opts.limitRetries ?? 2)
        },
        // GitHub says wait at least 60 s when a secondary limit names no retry-after.
        fallbackSecondaryRateRetryAfter: 1,
        retryAfterBaseValue: opts.throttleBase ?? 1000,
        write: NO_SPACING,
        notifications: NO_SPACING
      },
      // plugin-retry waits (attempt)^2 × base ms: 10, 40, 90 instead of 1 s, 4 s, 9 s.
      retry: { retryAfterBaseValue: 10, retries: opts.retries ?? 3 }
    },
    throttling,
    retry
  )
  return { octokit, seen }
}

type Octokit = ReturnType<typeof client>['octokit']
type Release = Awaited<ReturnType<Octokit['rest']['repos']['createRelease']>>['data']

const repoArgs = () => ({ owner: service.owner, repo: service.repo })

/** Uploads to the base taken from the release's `upload_url` (never uploads.github.com). */
function upload(octokit: Octokit, release: Release, name: string, data: Buffer) {
  const baseUrl = release.upload_url.replace(/\/repos\/.*$/, '')
  return octokit.rest.repos.uploadReleaseAsset({
    ...repoArgs(),
    release_id: release.id,
    name,
    // Octokit types the body as string; a Buffer goes to fetch as is, with its Content-Length.
    data: data as unknown as string,
    baseUrl,
    headers: { 'content-type': 'application/gzip' }
  })
}

async function draft(octokit: Octokit, tag = 'v1.2.3'): Promise<Release> {
  return (await octokit.rest.repos.createRelease({ ...repoArgs(), tag_name: tag, draft: true }))
    .data
}

const sha256 = (b: Buffer): string => crypto.createHash('sha256').update(b).digest('hex')
const statuses = (): string[] =>
  service.calls.map(c => `${c.operationId} ${c.status}${c.fault ? ` (${c.fault})` : ''}`)

/** Awaits a request expected to fail and returns the RequestError. */
async function failure(
  p: Promise<unknown>
): Promise<{ status: number; message: string; response?: { headers: Record<string, string> } }> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err
  )
  if (!e) throw new Error('the request succeeded')
  return e as { status: number; message: string }
}

describe('releases and assets through the real Octokit', () => {
  test('draft → 35 uploads to the upload_url origin → paginated asset list (Link rel=next/last) → publish → download by browser_download_url', async () => {
    const { octokit } = client()
    const release = await draft(octokit)
    expect(release).toMatchObject({ draft: true, tarball_url: null, published_at: null })
    // The upload host comes from upload_url only: a client using GITHUB_API_URL misses it.
    expect(release.upload_url.startsWith(`${service.uploadsUrl}/repos/`)).toBe(true)
    expect(service.uploadsUrl.startsWith(service.url)).toBe(false)

    const files = Array.from({ length: 35 }, (_, i) => ({
      name: `app_${i}_linux_amd64.tar.gz`,
      data: crypto.randomBytes(1000 + i)
    }))
    // Four at a time, as the action's bounded upload pool would.
    for (let i = 0; i < files.length; i += 4) {
      await Promise.all(files.slice(i, i + 4).map(f => upload(octokit, release, f.name, f.data)))
    }

    const first = await octokit.rest.repos.listReleaseAssets({
      ...repoArgs(),
      release_id: release.id
    })
    expect(first.data).toHaveLength(30) // GitHub's default page size
    expect(first.headers.link).toMatch(
      /\/repositories\/\d+\/releases\/\d+\/assets\?per_page=30&page=2>; rel="next"/
    )
    expect(first.headers.link).toContain('page=2>; rel="last"')

    service.calls.length = 0
    const all = await octokit.paginate(octokit.rest.repos.listReleaseAssets, {
      ...repoArgs(),
      release_id: release.id,
      per_page: 10
    })
    expect(statuses()).toEqual(Array(4).fill('repos/list-release-assets 200'))
    expect(all.map(a => a.name).sort()).toEqual(files.map(f => f.name).sort())
    for (const f of files) {
      const a = all.find(x => x.name === f.name)!
      expect(a).toMatchObject({
        state: 'uploaded',
        size: f.data.length,
        digest: `sha256:${sha256(f.data)}`,
        content_type: 'application/gzip'
      })
    }

    const published = await octokit.rest.repos.updateRelease({
      ...repoArgs(),
      release_id: release.id,
      draft: false
    })
    expect(published.data.draft).toBe(false)
    expect(published.data.published_at).not.toBeNull()
    const byTag = await octokit.rest.repos.getReleaseByTag({ ...repoArgs(), tag: 'v1.2.3' })
    expect(byTag.data.id).toBe(release.id)
    expect((await octokit.rest.repos.getLatestRelease(repoArgs())).data.id).toBe(release.id)

    const asset = byTag.data.assets.find(a => a.name === files[7]!.name)!
    expect(asset.browser_download_url).toBe(
      `${service.webUrl}/${service.repository}/releases/download/v1.2.3/${files[7]!.name}`
    )
    const download = await fetch(asset.browser_download_url)
    expect(download.status).toBe(200)
    expect(Buffer.from(await download.arrayBuffer())).toEqual(files[7]!.data)
    expect(service.releases()[0]!.assets.find(a => a.id === asset.id)!.downloadCount).toBe(1)
  })

  test('drafts are invisible to get-by-tag (404) and to a read-only token, listed for the writer', async () => {
    const { octokit } = client()
    const d = await draft(octokit, 'v2.0.0')
    expect(
      (await failure(octokit.rest.repos.getReleaseByTag({ ...repoArgs(), tag: 'v2.0.0' }))).status
    ).toBe(404)
    const listed = await octokit.rest.repos.listReleases(repoArgs())
    expect(listed.data.map(r => r.id)).toEqual([d.id])
    const reader = client({ token: service.readOnlyToken }).octokit
    expect((await reader.rest.repos.listReleases(repoArgs())).data).toEqual([])
    expect(
      (await failure(reader.rest.repos.getRelease({ ...repoArgs(), release_id: d.id }))).status
    ).toBe(404)
  })

  test('422 already_exists on a second create of a published tag; drafts may share the tag; publishing a second one → 422', async () => {
    const { octokit } = client()
    await octokit.rest.repos.createRelease({ ...repoArgs(), tag_name: 'v3.0.0' })
    const e = await failure(octokit.rest.repos.createRelease({ ...repoArgs(), tag_name: 'v3.0.0' }))
    expect(e.status).toBe(422)
    expect(e.message).toContain('already_exists')
    const d1 = await draft(octokit, 'v3.0.0')
    const d2 = await draft(octokit, 'v3.0.0')
    expect(d1.id).not.toBe(d2.id)
    const publish = await failure(
      octokit.rest.repos.updateRelease({ ...repoArgs(), release_id: d1.id, draft: false })
    )
    expect(publish.status).toBe(422)
    // plugin-retry never retries a 422: one call each.
    expect(statuses().filter(s => s.endsWith(' 422'))).toEqual([
      'repos/create-release 422',
      'repos/update-release 422'
    ])
  })

  test('a duplicate asset name → 422 already_exists, not retried', async () => {
    const { octokit } = client()
    const release = await draft(octokit)
    await upload(octokit, release, 'a.tar.gz', Buffer.from('one'))
    const e = await failure(upload(octokit, release, 'a.tar.gz', Buffer.from('two')))
    expect(e.status).toBe(422)
    expect(e.message).toContain('already_exists')
    expect(statuses()).toEqual([
      'repos/create-release 201',
      'repos/upload-release-asset 201',
      'repos/upload-release-asset 422'
    ])
    expect(service.assetBytes(service.releases()[0]!.assets[0]!.id)!.toString()).toBe('one')
  })

  test("a draft's files download only with the token: Accept application/octet-stream → 302 → bytes", async () => {
    const { octokit } = client()
    const release = await draft(octokit)
    const data = crypto.randomBytes(4096)
    const asset = (await upload(octokit, release, 'a.zip', data)).data
    expect(asset.browser_download_url).toMatch(
      /\/releases\/download\/untagged-[0-9a-f]{20}\/a\.zip$/
    )
    expect((await fetch(asset.browser_download_url)).status).toBe(404)
    const res = await octokit.rest.repos.getReleaseAsset({
      ...repoArgs(),
      asset_id: asset.id,
      headers: { accept: 'application/octet-stream' }
    })
    expect(Buffer.from(res.data as unknown as ArrayBuffer)).toEqual(data)
    expect(service.calls.at(-2)!.status).toBe(302)
  })

  test('GitHub renames special characters in asset names; the list shows the stored name', async () => {
    const { octokit } = client()
    const release = await draft(octokit)
    const res = await upload(octokit, release, 'my app (x64)~1:2.tar.gz', Buffer.from('x'))
    expect(res.data.name).toBe('my.app..x64..1.2.tar.gz')
    const list = await octokit.rest.repos.listReleaseAssets({
      ...repoArgs(),
      release_id: release.id
    })
    expect(list.data.map(a => a.name)).toEqual(['my.app..x64..1.2.tar.gz'])
  })

  test.each(
    [
      ['app_linux_amd64.tar.gz', 'app_linux_amd64.tar.gz'],
      ['My App 1.0.0 Setup.exe', 'My.App.1.0.0.Setup.exe'],
      ['pkg-1.0-1~buster_amd64.deb', 'pkg-1.0-1.buster_amd64.deb'],
      ['app.prod-v1.3.0-(15-5)-release.apk', 'app.prod-v1.3.0-.15-5.-release.apk'],
      ['v1.0.0+build.1.zip', 'v1.0.0+build.1.zip'],
      ['.hidden.', 'hidden']
    ].map((row, i) => [i, ...row] as const)
  )('[%d] githubAssetName(%j) -> %j', (_i, name, stored) => {
    expect(githubAssetName(name)).toBe(stored)
  })
})

describe('faults real GitHub produces, handled by the plugins', () => {
  test('502 on create (a bad upstream) then success: plugin-retry retries', async () => {
    service.faults.on('repos/create-release', { kind: 'server-error', status: 502 })
    const { octokit } = client()
    const r = await draft(octokit)
    expect(r.draft).toBe(true)
    expect(statuses()).toEqual([
      'repos/create-release 502 (server-error)',
      'repos/create-release 201'
    ])
  })

  test('ECONNRESET mid-upload: plugin-retry sends the whole body again', async () => {
    const { octokit } = client()
    const release = await draft(octokit)
    service.faults.on('repos/upload-release-asset', { kind: 'reset-mid-upload' })
    const data = crypto.randomBytes(256 * 1024)
    const res = await upload(octokit, release, 'big.tar.gz', data)
    expect(res.data.digest).toBe(`sha256:${sha256(data)}`)
    expect(statuses().slice(1)).toEqual([
      'repos/upload-release-asset 0 (reset-mid-upload)',
      'repos/upload-release-asset 201'
    ])
  })

  test('ECONNRESET mid-upload that leaves a starter: the retry meets 422 already_exists', async () => {
    const { octokit } = client()
    const release = await draft(octokit)
    service.faults.on('repos/upload-release-asset', {
      kind: 'reset-mid-upload',
      leaveStarter: true
    })
    const e = await failure(upload(octokit, release, 'big.tar.gz', crypto.randomBytes(64 * 1024)))
    expect(e.status).toBe(422)
    expect(service.releases()[0]!.assets).toMatchObject([
      { name: 'big.tar.gz', state: 'starter', size: 0 }
    ])
  })

  test('a reset after the create committed: the retry meets 422 already_exists (the lost race)', async () => {
    service.faults.on('repos/create-release', { kind: 'reset', afterCommit: true })
    const { octokit } = client()
    const e = await failure(octokit.rest.repos.createRelease({ ...repoArgs(), tag_name: 'v4.0.0' }))
    expect(e.status).toBe(422)
    expect(service.releases()).toHaveLength(1)
  })

  test('429 secondary limit with retry-after: 1 is honoured by plugin-throttling', async () => {
    service.faults.on('repos/list-releases', {
      kind: 'secondary-rate-limit',
      status: 429,
      retryAfterSeconds: 1
    })
    const { octokit, seen } = client()
    await octokit.rest.repos.listReleases(repoArgs())
    // The wait the plugin was told to make (it sleeps it before the retry); no clock is read.
    expect(seen.secondary).toEqual([1])
    expect(statuses()).toEqual([
      'repos/list-releases 429 (secondary-rate-limit)',
      'repos/list-releases 200'
    ])
  })

  test('403 secondary limit without headers: onSecondaryRateLimit gets the fallback wait', async () => {
    service.faults.on('repos/create-release', { kind: 'secondary-rate-limit' })
    const { octokit, seen } = client({ throttleBase: 20 })
    await draft(octokit)
    expect(seen.secondary).toEqual([1]) // fallbackSecondaryRateRetryAfter
    expect(statuses()).toEqual([
      'repos/create-release 403 (secondary-rate-limit)',
      'repos/create-release 201'
    ])
  })

  test('403 secondary limit the handler declines: the error carries GitHub message, no retry by plugin-retry', async () => {
    service.faults.on('repos/list-releases', { kind: 'secondary-rate-limit' }, 3)
    const { octokit, seen } = client({ throttleBase: 20 })
    const e = await failure(octokit.rest.repos.listReleases(repoArgs()))
    expect(e.status).toBe(403)
    expect(e.message).toContain(SECONDARY_RATE_LIMIT)
    expect(seen.secondary).toEqual([1, 1, 1])
    expect(service.calls).toHaveLength(3)
  })

  test('a 429 secondary limit the handler declines is still retried by plugin-retry (429 is not in its doNotRetry): 3 + 3 calls', async () => {
    service.faults.on('repos/list-releases', { kind: 'secondary-rate-limit', status: 429 }, 6)
    const { octokit, seen } = client({ throttleBase: 20 })
    const e = await failure(octokit.rest.repos.listReleases(repoArgs()))
    expect(e.status).toBe(429)
    // plugin-throttling tries 3 times (the handler allows retries 0 and 1), then plugin-retry
    // re-runs the request 3 times; the handler refuses each at once.
    expect(seen.secondary).toHaveLength(6)
    expect(service.calls).toHaveLength(6)
  })

  test('primary rate limit (403, x-ratelimit-remaining: 0): onRateLimit waits for x-ratelimit-reset', async () => {
    service.faults.on('repos/get-release', { kind: 'primary-rate-limit', resetInSeconds: 0 })
    const { octokit, seen } = client({ throttleBase: 20 })
    const r = await draft(octokit)
    await octokit.rest.repos.getRelease({ ...repoArgs(), release_id: r.id })
    expect(seen.primary).toHaveLength(1)
    expect(seen.primary[0]).toBeLessThanOrEqual(2)
  })

  test('the real limits: more writes a minute than allowed → 403 secondary; the hour used up → 403 primary', async () => {
    await start({ secondaryWritesPerMinute: 2, rateLimit: 3 })
    const { octokit, seen } = client({ throttleBase: 20, limitRetries: 0 })
    await draft(octokit)
    await draft(octokit)
    const secondary = await failure(draft(octokit))
    expect(secondary.status).toBe(403)
    expect(secondary.message).toContain(SECONDARY_RATE_LIMIT)
    expect(seen.secondary).toEqual([1])
    const primary = await failure(octokit.rest.repos.listReleases(repoArgs()))
    expect(primary.status).toBe(403)
    expect(primary.response!.headers['x-ratelimit-remaining']).toBe('0')
    expect(seen.primary).toHaveLength(1)
    expect(seen.primary[0]).toBeGreaterThan(3500) // the rest of the hour
  })

  test('403 for a read-only token (a fork PR): GitHub message and x-accepted-github-permissions, no retry', async () => {
    const { octokit } = client({ token: service.readOnlyToken })
    const e = await failure(draft(octokit))
    expect(e.status).toBe(403)
    expect(e.message).toContain(NOT_ACCESSIBLE)
    expect(e.response!.headers['x-accepted-github-permissions']).toBe('contents=write')
    expect(statuses()).toEqual(['repos/create-release 403'])
  })

  test('401 for a wrong token, no retry', async () => {
    const { octokit } = client({ token: 'ghs_wrong' })
    const e = await failure(octokit.rest.repos.listReleases(repoArgs()))
    expect(e.status).toBe(401)
    expect(e.message).toContain('Bad credentials')
    expect(e.response!.headers['x-ratelimit-limit']).toBe('60')
    expect(statuses()).toEqual(['repos/list-releases 401'])
  })

  test('a 502 upload leaves a starter asset: the retry meets 422, the list shows it, delete then upload works', async () => {
    const { octokit } = client()
    const release = await draft(octokit)
    service.faults.on('repos/upload-release-asset', { kind: 'starter-then-502' })
    const data = Buffer.from('archive bytes')
    const e = await failure(upload(octokit, release, 'a.zip', data))
    expect(e.status).toBe(422)
    expect(statuses().slice(1)).toEqual([
      'repos/upload-release-asset 502 (starter-then-502)',
      'repos/upload-release-asset 422'
    ])
    const [starter] = (
      await octokit.rest.repos.listReleaseAssets({ ...repoArgs(), release_id: release.id })
    ).data
    expect(starter).toMatchObject({ name: 'a.zip', state: 'starter', size: 0, digest: null })
    await octokit.rest.repos.deleteReleaseAsset({ ...repoArgs(), asset_id: starter!.id })
    const ok = await upload(octokit, release, 'a.zip', data)
    expect(ok.data).toMatchObject({ state: 'uploaded', size: data.length })
  })

  test('get-by-tag lags right after a create: 404 twice, then found', async () => {
    const { octokit } = client()
    await octokit.rest.repos.createRelease({ ...repoArgs(), tag_name: 'v5.0.0' })
    service.faults.on('repos/get-release-by-tag', { kind: 'lag' }, 2)
    const statusesSeen: number[] = []
    for (let i = 0; i < 3; i++) {
      const r = await octokit.rest.repos.getReleaseByTag({ ...repoArgs(), tag: 'v5.0.0' }).then(
        x => x.status,
        (err: { status: number }) => err.status
      )
      statusesSeen.push(r)
    }
    expect(statusesSeen).toEqual([404, 404, 200])
  })
})

describe('immutable releases', () => {
  test('once published, uploads and asset deletes get 422; the tag of a deleted immutable release is burned', async () => {
    service.setImmutable(true)
    const { octokit } = client()
    const release = await draft(octokit, 'v6.0.0')
    expect(release.immutable).toBe(false)
    const asset = await upload(octokit, release, 'a.tar.gz', Buffer.from('a'))
    const published = await octokit.rest.repos.updateRelease({
      ...repoArgs(),
      release_id: release.id,
      draft: false
    })
    expect(published.data.immutable).toBe(true)

    const e = await failure(upload(octokit, release, 'b.tar.gz', Buffer.from('b')))
    expect(e.status).toBe(422)
    expect(e.message).toContain(IMMUTABLE_UPLOAD)
    const del = await failure(
      octokit.rest.repos.deleteReleaseAsset({ ...repoArgs(), asset_id: asset.data.id })
    )
    expect(del.status).toBe(422)
    // Title and notes stay editable.
    await octokit.rest.repos.updateRelease({ ...repoArgs(), release_id: release.id, body: 'notes' })

    await octokit.rest.repos.deleteRelease({ ...repoArgs(), release_id: release.id })
    const again = await failure(
      octokit.rest.repos.createRelease({ ...repoArgs(), tag_name: 'v6.0.0' })
    )
    expect(again.status).toBe(422)
    expect(again.message).toContain('tag_name was used by an immutable release')
  })
})

/** Each operation's success status (GitHub's REST docs). */
const SUCCESS: Record<(typeof RELEASE_OPERATIONS)[number], number> = {
  'repos/list-releases': 200,
  'repos/create-release': 201,
  'repos/get-release': 200,
  'repos/update-release': 200,
  'repos/delete-release': 204,
  'repos/get-release-by-tag': 200,
  'repos/get-latest-release': 200,
  'repos/generate-release-notes': 200,
  'repos/list-release-assets': 200,
  'repos/upload-release-asset': 201,
  'repos/get-release-asset': 200,
  'repos/update-release-asset': 200,
  'repos/delete-release-asset': 204,
  'repos/check-immutable-releases': 200
}

describe('the contract check', () => {
  // A schema that accepts anything would let every other test pass vacuously.
  test.each(RELEASE_OPERATIONS.map((op, i) => [i, op, SUCCESS[op]] as const))(
    '[%d] %s %d: an empty object is refused',
    (_i, op, status) => {
      expect(loadGitHubContract().checkResponse(op, status, {})).not.toEqual([])
    }
  )

  test('a response missing a required field is caught: recorded and answered 500', async () => {
    const { octokit } = client({ retries: 0 })
    const r = await draft(octokit)
    service.faults.on('repos/get-release', { kind: 'break-contract', drop: 'upload_url' })
    const e = await failure(octokit.rest.repos.getRelease({ ...repoArgs(), release_id: r.id }))
    expect(e.status).toBe(500)
    expect(service.contractViolations).toHaveLength(1)
    expect(service.contractViolations[0]).toMatch(/repos\/get-release.*upload_url/)
    service.contractViolations.length = 0
  })

  test('a request body GitHub would refuse is a violation and a 422', async () => {
    const { octokit } = client()
    const e = await failure(
      octokit.request('POST /repos/{owner}/{repo}/releases', {
        ...repoArgs(),
        tag_name: 'v7.0.0',
        draft: 'yes' as unknown as boolean
      })
    )
    expect(e.status).toBe(422)
    expect(service.contractViolations).toHaveLength(1)
    expect(service.contractViolations[0]).toContain('/draft must be boolean')
    service.contractViolations.length = 0
  })

  test('generate-notes, make_latest and get-latest conform; GHES layout puts uploads under /api/uploads', async () => {
    await start({ uploadsOnApiHost: true })
    const { octokit } = client()
    const notes = await octokit.rest.repos.generateReleaseNotes({
      ...repoArgs(),
      tag_name: 'v8.0.0'
    })
    expect(notes.data.name).toBe('v8.0.0')
    const a = await octokit.rest.repos.createRelease({
      ...repoArgs(),
      tag_name: 'v8.0.0',
      generate_release_notes: true
    })
    expect(a.data.body).toContain('**Full Changelog**')
    await octokit.rest.repos.createRelease({
      ...repoArgs(),
      tag_name: 'v8.0.1',
      make_latest: 'false'
    })
    await octokit.rest.repos.createRelease({
      ...repoArgs(),
      tag_name: 'v9.0.0-rc.1',
      prerelease: true
    })
    expect((await octokit.rest.repos.getLatestRelease(repoArgs())).data.tag_name).toBe('v8.0.0')

    expect(a.data.upload_url.startsWith(`${service.webUrl}/api/uploads/repos/`)).toBe(true)
    const up = await upload(octokit, a.data, 'x.tar.gz', Buffer.from('x'))
    expect(up.status).toBe(201)
    // A published non-immutable release still takes assets.
    expect(service.releases().find(r => r.tagName === 'v8.0.0')!.assets).toHaveLength(1)
  })
})

describe('attestations', () => {
  /** A bundle as @actions/attest posts it, around an in-toto statement of `digests`. */
  const bundleOf = (digests: string[]): Record<string, unknown> => ({
    mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
    verificationMaterial: { certificate: { rawBytes: 'AAAA' }, tlogEntries: [] },
    dsseEnvelope: {
      payloadType: 'application/vnd.in-toto+json',
      payload: Buffer.from(
        JSON.stringify({
          _type: 'https://in-toto.io/Statement/v1',
          subject: digests.map((d, i) => ({ name: `f${i}`, digest: { sha256: d } })),
          predicateType: 'https://slsa.dev/provenance/v1',
          predicate: {}
        })
      ).toString('base64'),
      signatures: [{ sig: 'AAAA', keyid: '' }]
    }
  })
  const a = crypto.randomBytes(32).toString('hex')
  const b = crypto.randomBytes(32).toString('hex')

  test('stored with an id and found by each subject digest, newest first', async () => {
    const { octokit } = client()
    const first = await octokit.request('POST /repos/{owner}/{repo}/attestations', {
      ...repoArgs(),
      bundle: bundleOf([a, b])
    })
    const second = await octokit.request('POST /repos/{owner}/{repo}/attestations', {
      ...repoArgs(),
      bundle: bundleOf([a])
    })
    expect(first.status).toBe(201)
    expect(second.data.id).toBe(first.data.id! + 1)
    const listed = await octokit.request(
      'GET /repos/{owner}/{repo}/attestations/{subject_digest}',
      { ...repoArgs(), subject_digest: `sha256:${a}` }
    )
    expect(listed.data.attestations!.map(x => x.bundle)).toEqual([bundleOf([a]), bundleOf([a, b])])
    const none = await octokit.request('GET /repos/{owner}/{repo}/attestations/{subject_digest}', {
      ...repoArgs(),
      subject_digest: `sha256:${'0'.repeat(64)}`
    })
    expect(none.data.attestations).toEqual([])
    expect(service.attestations().map(x => x.subjectDigests)).toEqual([
      [`sha256:${a}`, `sha256:${b}`],
      [`sha256:${a}`]
    ])
  })

  test('without attestations: write, or with a read-only token: 403 naming the permission', async () => {
    for (const [opts, token] of [
      [{ attestationsWrite: false }, undefined],
      [{}, 'read-only']
    ] as const) {
      await start(opts)
      const { octokit } = client({ token: token ? service.readOnlyToken : undefined, retries: 0 })
      const e = await failure(
        octokit.request('POST /repos/{owner}/{repo}/attestations', {
          ...repoArgs(),
          bundle: bundleOf([a])
        })
      )
      expect(e.status).toBe(403)
      expect(e.message).toContain(NOT_ACCESSIBLE)
      expect(e.response?.headers['x-accepted-github-permissions']).toBe('attestations=write')
      expect(service.attestations()).toEqual([])
    }
  })

  test('a bundle without an in-toto statement is refused with 422', async () => {
    const { octokit } = client({ retries: 0 })
    const e = await failure(
      octokit.request('POST /repos/{owner}/{repo}/attestations', {
        ...repoArgs(),
        bundle: { mediaType: 'x', dsseEnvelope: { payloadType: 'text/plain', payload: 'AA==' } }
      })
    )
    expect(e.status).toBe(422)
    expect(service.attestations()).toEqual([])
  })

  test('the contract check covers both operations', () => {
    const contract = loadGitHubContract()
    expect(contract.checkResponse('repos/create-attestation', 201, { id: 7 })).toEqual([])
    expect(contract.checkResponse('repos/create-attestation', 201, { id: 'x' })).not.toEqual([])
    expect(
      contract.checkResponse('repos/list-attestations', 200, { attestations: 'x' })
    ).not.toEqual([])
    expect(contract.checkRequest('repos/create-attestation', {})).not.toEqual([])
  })
})
