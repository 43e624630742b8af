import * as crypto from 'node:crypto'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { spawnSync } from 'node:child_process'
import { BlockBlobClient } from '@azure/storage-blob'
import * as cache from '@actions/cache'
import { startAzurite, type Azurite } from '../services/azurite.js'
import {
  ARTIFACT_SERVICE,
  BLOB_DOWNLOAD,
  CACHE_SERVICE,
  runnerEnvFor,
  startResultsService,
  type ResultsService
} from '../services/results-service.js'

/**
 * Proves the loopback stand-ins speak the real protocols: the cache half is driven by the real
 * @actions/cache 6 client in-process, the artifact half by direct twirp JSON calls plus an Azure
 * SDK block upload (the calls @actions/artifact 6 makes). Test names record what the client did.
 */

let azurite: Azurite
let service: ResultsService
let workspace: string
const savedEnv = { ...process.env }

/** What @actions/cache picks: zstd when the binary is on PATH (it never uses --long on save). */
const ZSTD = spawnSync('zstd', ['--version']).status === 0
const COMPRESSION = ZSTD ? 'zstd-without-long' : 'gzip'

/** What @actions/core wrote to stdout (workflow commands included) since the file started. */
let output = ''
const realWrite = process.stdout.write

beforeAll(async () => {
  // The client logs through process.stdout (::debug:: lines and all); keep it out of Jest's output.
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    output += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')
    const callback = rest.find(r => typeof r === 'function') as (() => void) | undefined
    callback?.()
    return true
  }) as typeof process.stdout.write
  azurite = await startAzurite()
  service = await startResultsService({ azurite })
  workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-services-'))
  fs.mkdirSync(path.join(workspace, 'tmp'))
  for (const name of Object.keys(process.env)) {
    if (name.startsWith('ACTIONS_') || name.startsWith('GITHUB_')) delete process.env[name]
  }
  Object.assign(process.env, runnerEnvFor(service), {
    GITHUB_WORKSPACE: workspace,
    RUNNER_TEMP: path.join(workspace, 'tmp')
  })
})

afterAll(async () => {
  process.stdout.write = realWrite
  process.env = savedEnv
  await service?.stop()
  await azurite?.stop()
  if (workspace) fs.rmSync(workspace, { recursive: true, force: true })
})

beforeEach(() => {
  service.calls.length = 0
  service.faults.clear()
})

afterEach(() => {
  // An armed fault that never fired means the test did not exercise what its name claims.
  expect(service.faults.pending()).toEqual([])
})

/** Runs `fn` and returns what it logged. */
async function captured<T>(fn: () => Promise<T>): Promise<{ result: T; out: string }> {
  const start = output.length
  const result = await fn()
  return { result, out: output.slice(start) }
}

/** Lines written with `::warning::` / `::error::` (annotations a user would see). */
function annotations(out: string): string[] {
  return out.split('\n').filter(l => /^::(warning|error)/.test(l))
}

/** Writes `files` under a fresh folder of the workspace and returns its absolute path. */
function folder(name: string, files: Record<string, string>): string {
  const dir = path.join(workspace, name)
  fs.rmSync(dir, { recursive: true, force: true })
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true })
    fs.writeFileSync(path.join(dir, file), text)
  }
  return dir
}

function read(dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const e of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) {
      const file = path.join(e.parentPath, e.name)
      out[path.relative(dir, file)] = fs.readFileSync(file, 'utf8')
    }
  }
  return out
}

const statuses = (): string[] => service.calls.map(c => `${c.method} ${c.status}`)

const GO_FILES = {
  'ab/abcdef-a': 'compiled object one\n'.repeat(50),
  'cd/cdef01-a': 'compiled object two\n'.repeat(50),
  'trim.txt': '1750000000\n'
}

describe('cache service v2 driven by the real @actions/cache 6 client', () => {
  // The fault tests restore this entry, so each of them also runs alone (jest -t).
  beforeAll(async () => {
    expect(await cache.saveCache([folder('seed', GO_FILES)], 'go-seed')).toBeGreaterThan(0)
  })

  test(`save then restore of the same key is an exact hit; version = sha256(paths|${COMPRESSION}|1.0)`, async () => {
    const dir = folder('exact', GO_FILES)
    const { result: id, out } = await captured(() => cache.saveCache([dir], 'go-exact-1'))
    expect(annotations(out)).toEqual([])
    expect(id).toBeGreaterThan(0)
    const entry = service.cacheEntries().find(e => e.id === id)
    expect(entry).toMatchObject({
      id,
      key: 'go-exact-1',
      finalized: true,
      scope: 'refs/heads/main'
    })
    expect(entry!.size).toBeGreaterThan(0)
    // The compression method is part of the version: a runner without zstd misses these entries.
    const version = crypto
      .createHash('sha256')
      .update([dir, COMPRESSION, '1.0'].join('|'))
      .digest('hex')
    expect(entry!.version).toBe(version)

    fs.rmSync(dir, { recursive: true })
    const restored = await captured(() => cache.restoreCache([dir], 'go-exact-1', ['go-']))
    expect(restored.result).toBe('go-exact-1')
    expect(restored.out).toContain('Cache hit for: go-exact-1')
    expect(read(dir)).toEqual(GO_FILES)
    expect(statuses()).toEqual([
      'CreateCacheEntry 200',
      'FinalizeCacheEntryUpload 200',
      'GetCacheEntryDownloadURL 200'
    ])
  })

  test('restore keys match as prefixes, newest first, an exact restore key first; the client returns the matched key and logs "Cache hit for restore-key"', async () => {
    const dir = path.join(workspace, 'prefix')
    folder('prefix', { 'v.txt': 'old\n' })
    expect(await cache.saveCache([dir], 'go-prefix-linux')).toBeGreaterThan(0)
    folder('prefix', { 'v.txt': 'new\n' })
    expect(await cache.saveCache([dir], 'go-prefix-linux-2')).toBeGreaterThan(0)

    fs.rmSync(dir, { recursive: true })
    const partial = await captured(() =>
      cache.restoreCache([dir], 'go-prefix-x', ['go-nothing-', 'go-prefix-'])
    )
    expect(partial.result).toBe('go-prefix-linux-2')
    expect(partial.out).toContain('Cache hit for restore-key: go-prefix-linux-2')
    expect(read(dir)).toEqual({ 'v.txt': 'new\n' })

    // An exact restore key beats a newer entry it is a prefix of.
    expect(await cache.restoreCache([dir], 'go-prefix-x', ['go-prefix-linux'])).toBe(
      'go-prefix-linux'
    )
    expect(read(dir)).toEqual({ 'v.txt': 'old\n' })
    // GitHub also matches the primary key itself as a prefix; the client reports it as partial.
    const byKey = await captured(() => cache.restoreCache([dir], 'go-prefix-linux-'))
    expect(byKey.result).toBe('go-prefix-linux-2')
    expect(byKey.out).toContain('Cache hit for restore-key: go-prefix-linux-2')
    // Another path list is another version: a miss, silently (no annotation).
    const miss = await captured(() => cache.restoreCache([dir, '/elsewhere'], 'go-prefix-linux-2'))
    expect(miss.result).toBeUndefined()
    expect(annotations(miss.out)).toEqual([])
  })

  test('caches saved on a feature branch are invisible to main; the branch restores main caches', async () => {
    const dir = folder('scoped', { 'f.txt': 'feature\n' })
    try {
      service.setScope('refs/heads/feature')
      expect(await cache.saveCache([dir], 'go-scoped-feature')).toBeGreaterThan(0)
      expect(service.cacheEntries().at(-1)).toMatchObject({
        key: 'go-scoped-feature',
        scope: 'refs/heads/feature'
      })
      expect(await cache.restoreCache([dir], 'go-scoped-feature', [], { lookupOnly: true })).toBe(
        'go-scoped-feature'
      )
      const seedDir = path.join(workspace, 'seed')
      expect(await cache.restoreCache([seedDir], 'go-seed', [], { lookupOnly: true })).toBe(
        'go-seed'
      )
    } finally {
      service.setScope('refs/heads/main')
    }
    expect(await cache.restoreCache([dir], 'go-scoped-feature', [], { lookupOnly: true })).toBe(
      undefined
    )
  })

  test('409 already_exists on a second save of the same key+version: saveCache returns -1 without throwing, logged as info "Failed to save: Unable to reserve cache", no annotation', async () => {
    const dir = folder('dup', { 'x.txt': 'x\n' })
    expect(await cache.saveCache([dir], 'go-dup')).toBeGreaterThan(0)
    service.calls.length = 0
    const { result, out } = await captured(() => cache.saveCache([dir], 'go-dup'))
    expect(result).toBe(-1)
    expect(statuses()).toEqual(['CreateCacheEntry 409'])
    expect(annotations(out)).toEqual([])
    expect(out).toContain(
      'Failed to save: Unable to reserve cache with key go-dup, another job may be creating this cache.'
    )
  })

  test('HTTP 500 (twirp internal) twice on CreateCacheEntry: the client retries after 3 s and 4.5-6.75 s and the save succeeds', async () => {
    service.faults.rpc('CreateCacheEntry', { kind: 'internal' }, 2)
    const dir = folder('retry', { 'r.txt': 'r\n' })
    const { result, out } = await captured(() => cache.saveCache([dir], 'go-retry'))
    expect(result).toBeGreaterThan(0)
    expect(statuses()).toEqual([
      'CreateCacheEntry 500',
      'CreateCacheEntry 500',
      'CreateCacheEntry 200',
      'FinalizeCacheEntryUpload 200'
    ])
    expect(out).toMatch(
      /Attempt 1 of 5 failed with error: Failed request: \(500\) Internal Server Error: injected fault: internal error\. Retrying request in 3000 ms/
    )
    expect(out).toMatch(/Attempt 2 of 5 failed with error: .*Retrying request in \d{4} ms/)
    expect(annotations(out)).toEqual([])
  })

  test('HTTP 500 after the reservation committed (response lost): the retry gets 409 and saveCache returns -1, leaving an unfinalized entry', async () => {
    service.faults.rpc('CreateCacheEntry', { kind: 'internal', afterCommit: true })
    const dir = folder('lost', { 'l.txt': 'l\n' })
    const { result, out } = await captured(() => cache.saveCache([dir], 'go-lost'))
    expect(result).toBe(-1)
    expect(statuses()).toEqual(['CreateCacheEntry 500', 'CreateCacheEntry 409'])
    expect(out).toContain('Failed to save: Unable to reserve cache with key go-lost')
    expect(service.cacheEntries().find(e => e.key === 'go-lost')).toMatchObject({
      finalized: false
    })
  })

  test('HTTP 429 (resource_exhausted, Retry-After 30) on GetCacheEntryDownloadURL: no retry, two warnings, restoreCache returns undefined', async () => {
    service.faults.rpc('GetCacheEntryDownloadURL', { kind: 'rate-limited', retryAfterSeconds: 30 })
    const dir = path.join(workspace, 'seed')
    const { result, out } = await captured(() => cache.restoreCache([dir], 'go-seed'))
    expect(result).toBeUndefined()
    expect(statuses()).toEqual(['GetCacheEntryDownloadURL 429'])
    expect(annotations(out)).toEqual([
      "::warning::You've hit a rate limit, your rate limit will reset in 30 seconds",
      '::warning::Failed to restore: Failed to GetCacheEntryDownloadURL: Rate limited: Failed request: (429) Too Many Requests: injected fault: rate limit exceeded'
    ])
  })

  test('HTTP 429 on CreateCacheEntry: no retry, a rate-limit warning, and the failure is logged as info "another job may be creating this cache"; saveCache returns -1', async () => {
    service.faults.rpc('CreateCacheEntry', { kind: 'rate-limited', retryAfterSeconds: 5 })
    const dir = folder('limited', { 'l.txt': 'l\n' })
    const { result, out } = await captured(() => cache.saveCache([dir], 'go-limited'))
    expect(result).toBe(-1)
    expect(statuses()).toEqual(['CreateCacheEntry 429'])
    expect(annotations(out)).toEqual([
      "::warning::You've hit a rate limit, your rate limit will reset in 5 seconds"
    ])
    expect(out).toContain('Failed to save: Unable to reserve cache with key go-limited')
  })

  test('connection reset on GetCacheEntryDownloadURL: no retry, a warning "Failed to restore: Failed to GetCacheEntryDownloadURL: Unable to make request: ECONNRESET", restoreCache returns undefined', async () => {
    service.faults.rpc('GetCacheEntryDownloadURL', { kind: 'reset' })
    const dir = path.join(workspace, 'seed')
    const { result, out } = await captured(() => cache.restoreCache([dir], 'go-seed'))
    expect(result).toBeUndefined()
    expect(statuses()).toEqual(['GetCacheEntryDownloadURL 0'])
    expect(annotations(out)).toEqual([
      expect.stringMatching(
        /^::warning::Failed to restore: Failed to GetCacheEntryDownloadURL: Unable to make request: ECONNRESET/
      )
    ])
  })

  test('corrupted archive download (same length, flipped bytes): no retry, unzstd makes tar exit 2, a warning, restoreCache returns undefined and nothing is extracted', async () => {
    const dir = path.join(workspace, 'seed')
    fs.rmSync(dir, { recursive: true, force: true })
    service.faults.download({ kind: 'corrupted' })
    const { result, out } = await captured(() => cache.restoreCache([dir], 'go-seed'))
    expect(result).toBeUndefined()
    expect(statuses()).toEqual(['GetCacheEntryDownloadURL 200', `${BLOB_DOWNLOAD} 200`])
    expect(annotations(out)).toEqual([
      `::warning::Failed to restore: "/usr/bin/tar" failed with error: The process '/usr/bin/tar' failed with exit code 2`
    ])
    // This archive is one zstd block, so tar got nothing; a large archive may be half extracted.
    expect(fs.existsSync(dir)).toBe(false)
  })

  test('truncated archive download (connection drops after half of Content-Length): no retry, a warning "Failed to restore: aborted", restoreCache returns undefined', async () => {
    const dir = path.join(workspace, 'seed')
    fs.rmSync(dir, { recursive: true, force: true })
    service.faults.download({ kind: 'truncated' })
    const { result, out } = await captured(() => cache.restoreCache([dir], 'go-seed'))
    expect(result).toBeUndefined()
    expect(statuses()).toEqual(['GetCacheEntryDownloadURL 200', `${BLOB_DOWNLOAD} 0`])
    expect(annotations(out)).toEqual(['::warning::Failed to restore: aborted'])
    expect(fs.existsSync(dir)).toBe(false)
  })

  test('blob storage 503 ServerBusy once on the download: the client retries after 5 s and restores', async () => {
    const dir = path.join(workspace, 'seed')
    fs.rmSync(dir, { recursive: true, force: true })
    service.faults.download({ kind: 'unavailable' })
    const { result, out } = await captured(() => cache.restoreCache([dir], 'go-seed'))
    expect(result).toBe('go-seed')
    expect(annotations(out)).toEqual([])
    expect(statuses()).toEqual([
      'GetCacheEntryDownloadURL 200',
      `${BLOB_DOWNLOAD} 503`,
      `${BLOB_DOWNLOAD} 200`
    ])
    expect(read(dir)).toEqual(GO_FILES)
  })
})

/** One twirp JSON call, as the toolkit's clients make it. */
async function twirp(
  service_: string,
  method: string,
  body: unknown,
  init: { token?: string | null; contentType?: string; httpMethod?: string } = {}
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const token = init.token === undefined ? service.token() : init.token
  const res = await fetch(new URL(`/twirp/${service_}/${method}`, service.url), {
    method: init.httpMethod ?? 'POST',
    headers: {
      'Content-Type': init.contentType ?? 'application/json',
      ...(token === null ? {} : { Authorization: `Bearer ${token}` })
    },
    body:
      init.httpMethod === 'GET' ? undefined : typeof body === 'string' ? body : JSON.stringify(body)
  })
  return {
    status: res.status,
    body: (await res.json()) as Record<string, unknown>,
    headers: res.headers
  }
}

const VERSION = 'a'.repeat(64)

describe('twirp protocol checks', () => {
  test.each([
    [404, 'bad_route', 'unknown method', CACHE_SERVICE, 'DeleteCacheEntry', {}, {}],
    [
      404,
      'bad_route',
      'unknown service',
      'github.actions.results.api.v1.Nope',
      'CreateCacheEntry',
      {},
      {}
    ],
    [
      404,
      'bad_route',
      'GET instead of POST',
      CACHE_SERVICE,
      'CreateCacheEntry',
      {},
      { httpMethod: 'GET' }
    ],
    [
      404,
      'bad_route',
      'protobuf content type',
      CACHE_SERVICE,
      'CreateCacheEntry',
      {},
      { contentType: 'application/protobuf' }
    ],
    [
      401,
      'unauthenticated',
      'no Authorization',
      CACHE_SERVICE,
      'CreateCacheEntry',
      { key: 'k', version: VERSION },
      { token: null }
    ],
    [
      401,
      'unauthenticated',
      'token not signed by this service',
      CACHE_SERVICE,
      'CreateCacheEntry',
      { key: 'k', version: VERSION },
      { token: 'e30.e30.c2ln' }
    ],
    [
      400,
      'malformed',
      'unknown field',
      CACHE_SERVICE,
      'CreateCacheEntry',
      { key: 'k', version: VERSION, scope: 'x' },
      {}
    ],
    [
      400,
      'malformed',
      'camelCase alias',
      CACHE_SERVICE,
      'GetCacheEntryDownloadURL',
      { key: 'k', version: VERSION, restoreKeys: [] },
      {}
    ],
    [
      400,
      'malformed',
      'number for a string',
      CACHE_SERVICE,
      'CreateCacheEntry',
      { key: 1, version: VERSION },
      {}
    ],
    [400, 'malformed', 'not JSON', CACHE_SERVICE, 'CreateCacheEntry', '{', {}],
    [
      400,
      'invalid_argument',
      'key with a comma',
      CACHE_SERVICE,
      'CreateCacheEntry',
      { key: 'a,b', version: VERSION },
      {}
    ],
    [
      400,
      'invalid_argument',
      'version not a sha256',
      CACHE_SERVICE,
      'CreateCacheEntry',
      { key: 'k', version: 'v1' },
      {}
    ],
    [
      404,
      'not_found',
      'finalize without create',
      CACHE_SERVICE,
      'FinalizeCacheEntryUpload',
      { key: 'never', version: VERSION, size_bytes: '1' },
      {}
    ],
    [
      400,
      'invalid_argument',
      'artifact name with a slash',
      ARTIFACT_SERVICE,
      'CreateArtifact',
      { name: 'a/b', version: 7 },
      {}
    ],
    [
      404,
      'not_found',
      'signed URL of a missing artifact',
      ARTIFACT_SERVICE,
      'GetSignedArtifactURL',
      { name: 'nope' },
      {}
    ]
  ] as const)('[%#] %i %s: %s', async (status, code, _name, svc, method, body, init) => {
    // The backend ids exist only once the service runs: fill them in for artifact rows.
    const ids = {
      workflow_run_backend_id: service.ids.runBackendId,
      workflow_job_run_backend_id: service.ids.jobBackendId
    }
    const res = await twirp(
      svc,
      method,
      svc === ARTIFACT_SERVICE ? { ...ids, ...(body as object) } : body,
      init
    )
    expect(res.status).toBe(status)
    expect(res.body).toEqual({ code, msg: expect.any(String) })
  })

  test('cache metadata as the generated client would send it is accepted', async () => {
    const res = await twirp(CACHE_SERVICE, 'GetCacheEntryDownloadURL', {
      metadata: { repository_id: '42', scope: [{ scope: 'refs/heads/main', permission: '3' }] },
      key: 'nothing-like-this',
      restore_keys: ['nothing-'],
      version: VERSION
    })
    expect(res).toMatchObject({ status: 200, body: { ok: false } })
  })

  test('a reserved cache entry is invisible until finalized; finalize checks the uploaded size', async () => {
    const created = await twirp(CACHE_SERVICE, 'CreateCacheEntry', {
      key: 'raw-1',
      version: VERSION
    })
    expect(created.status).toBe(200)
    const lookup = { key: 'raw-1', version: VERSION }
    expect((await twirp(CACHE_SERVICE, 'GetCacheEntryDownloadURL', lookup)).body).toEqual({
      ok: false
    })
    const early = await twirp(CACHE_SERVICE, 'FinalizeCacheEntryUpload', {
      ...lookup,
      size_bytes: '5'
    })
    expect(early).toMatchObject({ status: 412, body: { code: 'failed_precondition' } })

    await new BlockBlobClient(created.body.signed_upload_url as string).upload('hello', 5)
    const wrong = await twirp(CACHE_SERVICE, 'FinalizeCacheEntryUpload', {
      ...lookup,
      size_bytes: '6'
    })
    expect(wrong).toMatchObject({ status: 400, body: { code: 'invalid_argument' } })
    const done = await twirp(CACHE_SERVICE, 'FinalizeCacheEntryUpload', {
      ...lookup,
      size_bytes: 5
    })
    expect(done).toMatchObject({
      status: 200,
      body: { ok: true, entry_id: expect.stringMatching(/^\d+$/) }
    })
    const hit = await twirp(CACHE_SERVICE, 'GetCacheEntryDownloadURL', lookup)
    expect(hit.body).toMatchObject({ ok: true, matched_key: 'raw-1' })
    const blob = await fetch(hit.body.signed_download_url as string)
    expect(await blob.text()).toBe('hello')
  })

  test('an injected 503 answers twirp unavailable JSON; an injected 429 carries Retry-After', async () => {
    service.faults
      .rpc('ListArtifacts', { kind: 'unavailable' })
      .rpc('ListArtifacts', { kind: 'rate-limited', retryAfterSeconds: 7 })
    const ids = {
      workflow_run_backend_id: service.ids.runBackendId,
      workflow_job_run_backend_id: service.ids.jobBackendId
    }
    const first = await twirp(ARTIFACT_SERVICE, 'ListArtifacts', ids)
    expect(first).toMatchObject({ status: 503, body: { code: 'unavailable' } })
    const second = await twirp(ARTIFACT_SERVICE, 'ListArtifacts', ids)
    expect(second).toMatchObject({ status: 429, body: { code: 'resource_exhausted' } })
    expect(second.headers.get('retry-after')).toBe('7')
    expect((await twirp(ARTIFACT_SERVICE, 'ListArtifacts', ids)).status).toBe(200)
  })
})

describe('artifact service (the calls @actions/artifact 6 makes)', () => {
  const zip = Buffer.concat([Buffer.from('PK\x03\x04'), crypto.randomBytes(300_000)])
  const sha = crypto.createHash('sha256').update(zip).digest('hex')
  const ids = () => ({
    workflow_run_backend_id: service.ids.runBackendId,
    workflow_job_run_backend_id: service.ids.jobBackendId
  })

  /** Create, block upload (two blocks + block list, like BlockBlobClient.uploadStream), finalize. */
  async function upload(name: string): Promise<string> {
    const created = await twirp(ARTIFACT_SERVICE, 'CreateArtifact', {
      ...ids(),
      name,
      version: 7,
      mime_type: 'application/zip',
      expires_at: new Date(Date.now() + 86_400_000).toISOString()
    })
    expect(created).toMatchObject({ status: 200, body: { ok: true } })
    const blob = new BlockBlobClient(created.body.signed_upload_url as string)
    const blocks = [0, 1].map(i => Buffer.from(`block-${i}`).toString('base64'))
    await blob.stageBlock(blocks[0]!, zip.subarray(0, 150_000), 150_000)
    await blob.stageBlock(blocks[1]!, zip.subarray(150_000), zip.length - 150_000)
    await blob.commitBlockList(blocks, { blobHTTPHeaders: { blobContentType: 'application/zip' } })
    const finalized = await twirp(ARTIFACT_SERVICE, 'FinalizeArtifact', {
      ...ids(),
      name,
      size: String(zip.length),
      hash: `sha256:${sha}`
    })
    expect(finalized).toMatchObject({ status: 200, body: { ok: true } })
    return finalized.body.artifact_id as string
  }

  test('create, block upload, finalize, list, signed download, delete', async () => {
    const id = await upload('binaries-linux')
    expect(service.artifacts()).toEqual([
      expect.objectContaining({
        name: 'binaries-linux',
        finalized: true,
        size: zip.length,
        digest: `sha256:${sha}`,
        storedSha256: sha,
        contentType: 'application/zip',
        mimeType: 'application/zip',
        version: 7
      })
    ])
    const byName = await twirp(ARTIFACT_SERVICE, 'ListArtifacts', {
      ...ids(),
      name_filter: 'binaries-linux'
    })
    const byId = await twirp(ARTIFACT_SERVICE, 'ListArtifacts', { ...ids(), id_filter: id })
    expect(byId.body).toEqual(byName.body)
    expect(byName.body.artifacts).toEqual([
      {
        ...ids(),
        database_id: id,
        name: 'binaries-linux',
        size: String(zip.length),
        created_at: expect.stringMatching(/Z$/),
        digest: `sha256:${sha}`
      }
    ])
    const signed = await twirp(ARTIFACT_SERVICE, 'GetSignedArtifactURL', {
      ...ids(),
      name: 'binaries-linux'
    })
    const res = await fetch(signed.body.signed_url as string)
    expect(res.headers.get('content-type')).toBe('application/zip')
    expect(Buffer.from(await res.arrayBuffer()).equals(zip)).toBe(true)

    const deleted = await twirp(ARTIFACT_SERVICE, 'DeleteArtifact', {
      ...ids(),
      name: 'binaries-linux'
    })
    expect(deleted.body).toEqual({ ok: true, artifact_id: id })
    expect((await twirp(ARTIFACT_SERVICE, 'ListArtifacts', ids())).body).toEqual({ artifacts: [] })
  })

  test('names are unique per run: another job of the run gets 409, another run may reuse the name', async () => {
    await upload('checksums')
    const otherJob = crypto.randomUUID()
    const again = await twirp(
      ARTIFACT_SERVICE,
      'CreateArtifact',
      {
        workflow_run_backend_id: service.ids.runBackendId,
        workflow_job_run_backend_id: otherJob,
        name: 'checksums',
        version: 7
      },
      { token: service.token(service.ids.runBackendId, otherJob) }
    )
    expect(again).toMatchObject({ status: 409, body: { code: 'already_exists' } })
    const otherRun = crypto.randomUUID()
    const elsewhere = await twirp(
      ARTIFACT_SERVICE,
      'CreateArtifact',
      {
        workflow_run_backend_id: otherRun,
        workflow_job_run_backend_id: otherJob,
        name: 'checksums',
        version: 7
      },
      { token: service.token(otherRun, otherJob) }
    )
    expect(elsewhere.status).toBe(200)
    // The other run neither sees this run's artifacts nor its own unfinalized one.
    const list = await twirp(
      ARTIFACT_SERVICE,
      'ListArtifacts',
      { workflow_run_backend_id: otherRun, workflow_job_run_backend_id: otherJob },
      { token: service.token(otherRun, otherJob) }
    )
    expect(list.body).toEqual({ artifacts: [] })
  })

  test('the token scopes the ids: acting for another run is permission_denied', async () => {
    const res = await twirp(ARTIFACT_SERVICE, 'CreateArtifact', {
      workflow_run_backend_id: crypto.randomUUID(),
      workflow_job_run_backend_id: service.ids.jobBackendId,
      name: 'x',
      version: 7
    })
    expect(res).toMatchObject({ status: 403, body: { code: 'permission_denied' } })
    const list = await twirp(ARTIFACT_SERVICE, 'ListArtifacts', {
      workflow_run_backend_id: crypto.randomUUID()
    })
    expect(list.status).toBe(403)
  })

  test('a corrupted download keeps the length and changes the sha256; a truncated one drops the connection', async () => {
    await upload('faulty')
    service.faults.download({ kind: 'corrupted' }).download({ kind: 'truncated' })
    const signed = async () =>
      (await twirp(ARTIFACT_SERVICE, 'GetSignedArtifactURL', { ...ids(), name: 'faulty' })).body
        .signed_url as string
    const corrupted = Buffer.from(await (await fetch(await signed())).arrayBuffer())
    expect(corrupted.length).toBe(zip.length)
    expect(crypto.createHash('sha256').update(corrupted).digest('hex')).not.toBe(sha)
    await expect(fetch(await signed()).then(r => r.arrayBuffer())).rejects.toThrow()
    // Once the armed faults are used up, signed URLs point at Azurite again.
    expect(new URL(await signed()).port).toBe(String(azurite.port))
  })
})
