import * as http from 'node:http'
import type { AddressInfo } from 'node:net'
import { jsonBytes, OCI, sha256Digest, type ImageRepository } from '../src/lib/oci.js'
import {
  isLoopback,
  parseChallenge,
  registryClient,
  retryAfterMs,
  type RegistryOptions
} from '../src/ports/registry.js'
import { startFakeRegistry, type FakeRegistry, type RegistryAuth } from './services/registry.js'

const USER = { username: 'ci', password: 's3cret' }
const BLOB = Buffer.from('layer bytes')
const DIGEST = sha256Digest(BLOB)

let registry: FakeRegistry | undefined
afterEach(async () => {
  await registry?.close()
  registry = undefined
})

async function setUp(
  auth: RegistryAuth,
  options: Partial<RegistryOptions> = {}
): Promise<{ repo: ImageRepository; client: ReturnType<typeof registryClient>; waits: number[] }> {
  registry = await startFakeRegistry(auth)
  const waits: number[] = []
  const client = registryClient({
    credentials: host => (host === registry!.host ? USER : undefined),
    sleep: ms => {
      waits.push(ms)
      return Promise.resolve()
    },
    ...options
  })
  return { repo: { host: registry.host, name: 'acme/hello' }, client, waits }
}

describe('parsing', () => {
  test.each([
    [
      'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:o/r:pull"',
      {
        scheme: 'bearer',
        params: { realm: 'https://ghcr.io/token', service: 'ghcr.io', scope: 'repository:o/r:pull' }
      }
    ],
    [
      // gcr.io, 2026: unquoted values (cloudflare/serverless-registry#122)
      'Bearer realm="https://gcr.io/v2/token",service=gcr.io',
      { scheme: 'bearer', params: { realm: 'https://gcr.io/v2/token', service: 'gcr.io' } }
    ],
    ['Basic realm="basic-realm"', { scheme: 'basic', params: { realm: 'basic-realm' } }],
    ['', undefined]
  ])('[%#] challenge %s', (header, expected) => {
    expect(parseChallenge(header)).toEqual(expected)
  })

  test.each([
    [null, undefined],
    ['3', 3000],
    ['Wed, 21 Oct 2015 07:28:10 GMT', 10_000],
    ['soon', undefined]
  ])('[%#] Retry-After %s -> %s ms', (header, expected) => {
    expect(retryAfterMs(header, Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(expected)
  })

  test.each([
    ['localhost:5000', true],
    ['127.0.0.1:5000', true],
    ['[::1]:5000', true],
    ['ghcr.io', false],
    ['localhost.example.com', false],
    ['127.0.0.1.nip.io', false]
  ])('[%#] %s is loopback: %s', (host, expected) => {
    expect(isLoopback(host)).toBe(expected)
  })
})

describe.each([
  [
    'token auth (distribution token scheme, as ghcr.io and Docker Hub)',
    { kind: 'bearer', ...USER } as RegistryAuth
  ],
  [
    'token auth with unquoted challenge parameters (as gcr.io)',
    { kind: 'bearer', unquoted: true, ...USER } as RegistryAuth
  ],
  ['basic auth (htpasswd)', { kind: 'basic', ...USER } as RegistryAuth]
])('%s', (_name, auth) => {
  test('uploads a blob once, then finds it; mounts it into another repository', async () => {
    const { repo, client } = await setUp(auth)
    expect(await client.pushBlob(repo, DIGEST, () => Promise.resolve(BLOB))).toBe('uploaded')
    expect(await client.pushBlob(repo, DIGEST, () => Promise.reject(new Error('not read')))).toBe(
      'present'
    )
    const other = { ...repo, name: 'acme/other' }
    registry!.requests.length = 0
    expect(await client.pushBlob(other, DIGEST, () => Promise.resolve(BLOB), repo.name)).toBe(
      'mounted'
    )
    expect(registry!.requests.some(r => r.method === 'PUT')).toBe(false)
    expect(registry!.blobs.get(DIGEST)).toEqual(BLOB)
    expect(await client.blob(repo, DIGEST)).toEqual(BLOB)
  })

  test('stores a manifest by tag and reads it back by tag and digest', async () => {
    const { repo, client } = await setUp(auth)
    const bytes = jsonBytes({ schemaVersion: 2, mediaType: OCI.index, manifests: [] })
    const stored = await client.pushManifest(repo, '1.2.3', bytes, OCI.index)
    expect(stored).toEqual({ digest: sha256Digest(bytes), subjectAccepted: false })
    for (const reference of ['1.2.3', stored.digest]) {
      expect(await client.manifest(repo, reference)).toEqual({
        bytes,
        mediaType: OCI.index,
        digest: stored.digest
      })
    }
    expect(await client.manifest(repo, 'missing')).toBeUndefined()
  })

  test('tags follows the Link header through every page; a new repository has none', async () => {
    const { repo, client } = await setUp(auth)
    expect(await client.tags(repo)).toEqual([])
    for (const tag of ['1.0.0', '1.1.0', 'latest']) {
      await client.pushManifest(repo, tag, Buffer.from(`{"t":"${tag}"}`), OCI.manifest)
    }
    expect(await client.tags(repo)).toEqual(['1.0.0', '1.1.0', 'latest'])
  })

  test('checkPush opens and cancels an upload session and writes nothing', async () => {
    const { repo, client } = await setUp(auth)
    await client.checkPush(repo)
    const methods = registry!.requests.filter(r => r.url.includes('/uploads/')).map(r => r.method)
    expect(methods.at(-1)).toBe('DELETE')
    expect(registry!.blobs.size).toBe(0)
  })
})

test('a token is fetched once per scope with the credentials and reused', async () => {
  const { repo, client } = await setUp({ kind: 'bearer', ...USER })
  await client.manifest(repo, 'a')
  await client.manifest(repo, 'b')
  const tokenCalls = registry!.requests.filter(r => r.url.startsWith('/token'))
  expect(tokenCalls).toHaveLength(1)
  expect(tokenCalls[0].url).toContain('scope=repository%3Aacme%2Fhello%3Apull')
  expect(tokenCalls[0].authorization).toBe(`Basic ${Buffer.from('ci:s3cret').toString('base64')}`)
})

test('a mount asks one token for both repositories', async () => {
  const { repo, client } = await setUp({ kind: 'bearer', ...USER })
  await client.pushBlob({ ...repo, name: 'acme/base' }, DIGEST, () => Promise.resolve(BLOB))
  expect(await client.pushBlob(repo, DIGEST, () => Promise.resolve(BLOB), 'acme/base')).toBe(
    'mounted'
  )
  const mountToken = registry!.requests.filter(r => r.url.startsWith('/token')).at(-1)!
  expect(decodeURIComponent(mountToken.url)).toContain('scope=repository:acme/base:pull')
})

test('wrong credentials fail at the token service, naming it', async () => {
  registry = await startFakeRegistry({ kind: 'bearer', ...USER })
  const client = registryClient({ credentials: () => ({ username: 'ci', password: 'wrong' }) })
  await expect(client.manifest({ host: registry.host, name: 'acme/hello' }, 'x')).rejects.toThrow(
    /token service http:\/\/localhost:\d+\/token answered 401 to the given credentials/
  )
})

test('credentials are not sent to a realm on another host', async () => {
  const { repo, client } = await setUp({ kind: 'bearer', realmHost: 'auth.example.com', ...USER })
  await expect(client.manifest(repo, 'x')).rejects.toThrow(
    /asks for credentials at http:\/\/auth\.example\.com:\d+, which is not the registry's own host/
  )
  expect(registry!.requests.every(r => !r.url.startsWith('/token'))).toBe(true)
})

test('429 with Retry-After (Docker Hub rate limit) waits as asked, then succeeds', async () => {
  const { repo, client, waits } = await setUp({ kind: 'none' })
  let left = 1
  registry!.faults.push((_req, res) => {
    if (left-- <= 0) return false
    res.writeHead(429, { 'Retry-After': '2', 'Content-Length': 0 })
    res.end()
    return true
  })
  expect(await client.manifest(repo, 'x')).toBeUndefined()
  expect(waits).toEqual([2000])
})

test('503 (a registry behind a load balancer) is retried with backoff, then fails naming the status', async () => {
  const { repo, client, waits } = await setUp({ kind: 'none' }, { attempts: 3 })
  registry!.faults.push((_req, res) => {
    res.writeHead(503, { 'Content-Length': 0 })
    res.end()
    return true
  })
  await expect(client.manifest(repo, 'x')).rejects.toThrow(
    /reading manifest x on 127\.0\.0\.1:\d+\/acme\/hello: 503/
  )
  expect(waits).toEqual([500, 1000])
})

test('a Retry-After longer than allowed fails instead of hanging', async () => {
  const { repo, client, waits } = await setUp({ kind: 'none' }, { maxRetryAfterMs: 10_000 })
  registry!.faults.push((_req, res) => {
    res.writeHead(429, { 'Retry-After': '3600', 'Content-Length': 0 })
    res.end()
    return true
  })
  await expect(client.manifest(repo, 'x')).rejects.toThrow(/asks to wait 3600 s/)
  expect(waits).toEqual([])
})

test('a blob redirected to a storage host (as Docker Hub and gcr.io do) is fetched there without credentials', async () => {
  const seen: (string | undefined)[] = []
  const storage = http.createServer((req, res) => {
    seen.push(req.headers.authorization)
    res.writeHead(200, { 'Content-Length': BLOB.length })
    res.end(BLOB)
  })
  await new Promise<void>(resolve => storage.listen(0, 'localhost', resolve))
  try {
    const { repo, client } = await setUp({ kind: 'basic', ...USER })
    const port = (storage.address() as AddressInfo).port
    registry!.faults.push((req, res) => {
      if (req.method !== 'GET' || !req.url?.includes('/blobs/') || !req.headers.authorization)
        return false
      res.writeHead(307, {
        Location: `http://localhost:${port}/storage/blob?sig=1`,
        'Content-Length': 0
      })
      res.end()
      return true
    })
    expect(await client.blob(repo, DIGEST)).toEqual(BLOB)
    expect(seen).toEqual([undefined])
  } finally {
    await new Promise(resolve => storage.close(resolve))
  }
})

test('a blob whose content does not match its digest is refused', async () => {
  const { repo, client } = await setUp({ kind: 'none' })
  registry!.blobs.set(DIGEST, Buffer.from('other bytes'))
  registry!.link(repo.name, DIGEST)
  await expect(client.blob(repo, DIGEST)).rejects.toThrow(/came back with other content/)
})

test('ghcr.io DENIED without a challenge (no packages: write) fails naming the fix', async () => {
  registry = await startFakeRegistry({ kind: 'none' })
  const fake = registry
  fake.faults.push((req, res) => {
    if (req.method !== 'POST') return false
    res.writeHead(403, { 'Content-Type': 'application/json' })
    res.end(
      JSON.stringify({ errors: [{ code: 'DENIED', message: 'permission_denied: write_package' }] })
    )
    return true
  })
  const client = registryClient({
    credentials: () => USER,
    fetch: (url, init) => fetch(String(url).replace('https://ghcr.io', `http://${fake.host}`), init)
  })
  await expect(client.checkPush({ host: 'ghcr.io', name: 'acme/hello' })).rejects.toThrow(
    /checking push access on ghcr\.io\/acme\/hello: 403: DENIED permission_denied: write_package\. .*permissions: packages: write.*Manage Actions access/
  )
})

test('the registry storing a manifest under another digest is an error', async () => {
  const { repo, client } = await setUp({ kind: 'none' })
  registry!.faults.push((req, res) => {
    if (req.method !== 'PUT' || !req.url?.includes('/manifests/')) return false
    res.writeHead(201, { 'Docker-Content-Digest': `sha256:${'0'.repeat(64)}`, 'Content-Length': 0 })
    res.end()
    return true
  })
  await expect(client.pushManifest(repo, 'x', Buffer.from('{}'), OCI.manifest)).rejects.toThrow(
    /was stored as sha256:0+, not as/
  )
})
