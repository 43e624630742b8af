import * as crypto from 'node:crypto'
import * as http from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Azurite } from './azurite.js'
import { readBody, sendJson } from './http.js'

/**
 * A loopback stand-in for GitHub's results service: the twirp JSON protocol that @actions/cache 6
 * (cache service v2) and @actions/artifact 2+ ("artifacts v4") speak, with Azurite as the blob
 * store behind the signed URLs. Messages and field names follow the generated clients:
 * node_modules/@actions/cache/lib/generated/results/api/v1/cache.js and actions/toolkit
 * packages/artifact/src/generated/results/api/v1/artifact.ts.
 */

/** Fully qualified twirp name of the cache service. */
export const CACHE_SERVICE = 'github.actions.results.api.v1.CacheService'
/** Fully qualified twirp name of the artifact service. */
export const ARTIFACT_SERVICE = 'github.actions.results.api.v1.ArtifactService'
/** Azurite container that holds cache archives. */
export const CACHE_CONTAINER = 'actions-cache'
/** Azurite container that holds artifact blobs. */
export const ARTIFACT_CONTAINER = 'actions-results'
/** The branch whose caches every ref may restore (GitHub's default-branch fallback). */
export const DEFAULT_BRANCH_REF = 'refs/heads/main'

/** RPCs of the cache service. */
export type CacheMethod =
  'CreateCacheEntry' | 'FinalizeCacheEntryUpload' | 'GetCacheEntryDownloadURL'
/** RPCs of the artifact service. */
export type ArtifactMethod =
  | 'CreateArtifact'
  | 'FinalizeArtifact'
  | 'ListArtifacts'
  | 'GetSignedArtifactURL'
  | 'DeleteArtifact'
/** Any RPC the stand-in serves. */
export type RpcMethod = CacheMethod | ArtifactMethod

/** Twirp error codes the stand-in answers with (https://twitchtv.github.io/twirp/docs/spec_v7.html). */
export type TwirpCode =
  | 'bad_route'
  | 'malformed'
  | 'invalid_argument'
  | 'unauthenticated'
  | 'permission_denied'
  | 'not_found'
  | 'already_exists'
  | 'failed_precondition'
  | 'resource_exhausted'
  | 'internal'
  | 'unavailable'

const HTTP_STATUS: Record<TwirpCode, number> = {
  bad_route: 404,
  malformed: 400,
  invalid_argument: 400,
  unauthenticated: 401,
  permission_denied: 403,
  not_found: 404,
  already_exists: 409,
  failed_precondition: 412,
  resource_exhausted: 429,
  internal: 500,
  unavailable: 503
}

/**
 * A fault that GitHub's results service, or the front end before it, really produces; answered
 * instead of the RPC's normal response. `afterCommit` makes the call take effect first and then
 * loses the response, as when a gateway times out after the backend committed.
 */
export type RpcFault =
  /** HTTP 500 twirp `internal`: an unhandled error in the service. */
  | { kind: 'internal'; afterCommit?: boolean }
  /** HTTP 503 twirp `unavailable`: a deploy or an overloaded backend. */
  | { kind: 'unavailable'; afterCommit?: boolean }
  /** HTTP 429 twirp `resource_exhausted` with `Retry-After`: the documented Actions rate limit. */
  | { kind: 'rate-limited'; retryAfterSeconds?: number }
  /** The connection is destroyed with no response: a load balancer dropping it mid-request. */
  | { kind: 'reset'; afterCommit?: boolean }

/**
 * A fault on the blob download behind a signed URL. While one is armed, signed download URLs
 * point at this service's `/_blob/` proxy, which reads the blob from Azurite and damages it.
 */
export type DownloadFault =
  /** Content-Length of the whole blob, half the bytes, then the connection drops. */
  | { kind: 'truncated' }
  /** The whole length, with bytes in the middle inverted: damage at rest or in a broken proxy. */
  | { kind: 'corrupted' }
  /** HTTP 503 `ServerBusy`: Azure Storage throttling an account. */
  | { kind: 'unavailable' }

/**
 * A fault on the blob upload behind a signed URL: the URL handed out points at this service's
 * `/_upload/` endpoint instead of Azurite.
 */
export type UploadFault =
  /**
   * Reads the request's headers, then never reads its body and never answers: a storage front
   * end that hung mid-upload. A body larger than the socket buffers stalls the sender half-way.
   */
  { kind: 'stall' }

/** Name under which blob downloads through the fault proxy appear in `calls`. */
export const BLOB_DOWNLOAD = 'BlobDownload' as const

/** Name under which uploads to a faulty signed URL appear in `calls`. */
export const BLOB_UPLOAD = 'BlobUpload' as const

/** Faults armed by a test, consumed first-in first-out, one per call. */
export class FaultPlan {
  private readonly rpcFaults = new Map<RpcMethod, RpcFault[]>()
  private readonly downloadFaults: DownloadFault[] = []
  private readonly uploadFaults: UploadFault[] = []

  /** Arms `fault` for the next `times` calls of `method`, after faults already armed for it. */
  rpc(method: RpcMethod, fault: RpcFault, times = 1): this {
    const queue = this.rpcFaults.get(method) ?? []
    for (let i = 0; i < times; i++) queue.push(fault)
    this.rpcFaults.set(method, queue)
    return this
  }

  /** Arms `fault` for the next `times` blob downloads (cache archives and artifacts alike). */
  download(fault: DownloadFault, times = 1): this {
    for (let i = 0; i < times; i++) this.downloadFaults.push(fault)
    return this
  }

  /**
   * Arms `fault` for the signed upload URLs of the next `times` uploads (cache entries and
   * artifacts alike); every request to such a URL, retries included, meets the fault.
   */
  upload(fault: UploadFault, times = 1): this {
    for (let i = 0; i < times; i++) this.uploadFaults.push(fault)
    return this
  }

  /** Faults not consumed yet; a test asserts this is empty so an unused fault cannot pass silently. */
  pending(): { method: RpcMethod | typeof BLOB_DOWNLOAD | typeof BLOB_UPLOAD; kind: string }[] {
    const rpc = [...this.rpcFaults].flatMap(([method, faults]) =>
      faults.map(f => ({ method, kind: f.kind }))
    )
    return [
      ...rpc,
      ...this.downloadFaults.map(f => ({ method: BLOB_DOWNLOAD, kind: f.kind })),
      ...this.uploadFaults.map(f => ({ method: BLOB_UPLOAD, kind: f.kind }))
    ]
  }

  /** Disarms everything. */
  clear(): void {
    this.rpcFaults.clear()
    this.downloadFaults.length = 0
    this.uploadFaults.length = 0
  }

  /** Consumes the next upload fault, if one is armed. */
  takeUpload(): UploadFault | undefined {
    return this.uploadFaults.shift()
  }

  /** Consumes the next fault armed for `method`. */
  takeRpc(method: RpcMethod): RpcFault | undefined {
    return this.rpcFaults.get(method)?.shift()
  }

  /** Consumes the next download fault. */
  takeDownload(): DownloadFault | undefined {
    return this.downloadFaults.shift()
  }

  /** Whether a download fault is armed (signed URLs then go through the proxy). */
  hasDownloadFault(): boolean {
    return this.downloadFaults.length > 0
  }
}

/** One request the service answered; status 0 means the connection was reset instead. */
export interface Call {
  /** RPC name, `BlobDownload` for the fault proxy, or the raw path of an unroutable request. */
  method: string
  /** HTTP status sent, 0 when the socket was destroyed. */
  status: number
}

/** A cache entry as the service holds it. */
export interface CacheEntryView {
  /** Entry id returned by FinalizeCacheEntryUpload. */
  id: number
  /** The cache key. */
  key: string
  /** The client's version hash (paths + compression method + salt). */
  version: string
  /** Git ref the entry was saved from. */
  scope: string
  /** Archive size reported at finalize, 0 before. */
  size: number
  /** Only finalized entries can be restored. */
  finalized: boolean
  /** When CreateCacheEntry reserved it. */
  createdAt: Date
}

/** An artifact as the service holds it. */
export interface ArtifactView {
  /** Database id (ListArtifacts `database_id`). */
  id: number
  /** Run that created it (from the token's `Actions.Results` scope). */
  runBackendId: string
  /** Job that created it. */
  jobBackendId: string
  /** Artifact name, unique within the run. */
  name: string
  /** Client protocol version sent at create (7 for @actions/artifact 2.x-6.x). */
  version: number
  /** `mime_type` sent at create (sent by @actions/artifact 6.2+). */
  mimeType: string | undefined
  /** `expires_at` sent at create, RFC 3339. */
  expiresAt: string | undefined
  /** Size reported at finalize. */
  size: number
  /** `hash` reported at finalize (`sha256:<hex>`). */
  digest: string | undefined
  /** sha256 of the blob as stored, computed at finalize (compare with `digest`). */
  storedSha256: string | undefined
  /** Content type Azure stored for the blob (the client sets it at upload). */
  contentType: string | undefined
  /** Only finalized artifacts are listed and downloadable. */
  finalized: boolean
  /** When CreateArtifact was called. */
  createdAt: Date
}

/** Options of {@link startResultsService}. */
export interface ResultsServiceOptions {
  /** Blob store behind the signed URLs; the caller starts and stops it. */
  azurite: Azurite
  /** Git ref the run's caches are saved to and restored from first (GITHUB_REF). */
  scope?: string
  /** Ref every run may also restore from. */
  defaultBranch?: string
}

/** A running results-service stand-in. */
export interface ResultsService {
  /** Base URL, `http://127.0.0.1:<port>/` (what the runner puts in ACTIONS_RESULTS_URL). */
  url: string
  /** Backend ids `token()` uses when called without arguments. */
  ids: { runBackendId: string; jobBackendId: string }
  /** An ACTIONS_RUNTIME_TOKEN: a JWT, signed by this service, with the `Actions.Results` scope. */
  token(runBackendId?: string, jobBackendId?: string): string
  /** Changes the ref that later saves go to and restores look in first. */
  setScope(ref: string): void
  /** Snapshot of the cache entries, oldest first. */
  cacheEntries(): CacheEntryView[]
  /** Snapshot of the artifacts, oldest first. */
  artifacts(): ArtifactView[]
  /** Faults to inject. */
  faults: FaultPlan
  /** Every request answered, in order (a test may clear it with `calls.length = 0`). */
  calls: Call[]
  /** Closes the server and its connections; safe to call twice. Does not stop Azurite. */
  stop(): Promise<void>
}

/** The variables a runner gives a JS action so the toolkit talks to `service`. */
export function runnerEnvFor(service: ResultsService): Record<string, string> {
  return {
    ACTIONS_RESULTS_URL: service.url,
    ACTIONS_RUNTIME_TOKEN: service.token(),
    ACTIONS_CACHE_SERVICE_V2: 'true',
    // Any other host counts as GHES: @actions/cache falls back to the v1 protocol and
    // @actions/artifact refuses to run.
    GITHUB_SERVER_URL: 'https://github.com'
  }
}

class TwirpError extends Error {
  constructor(
    readonly code: TwirpCode,
    message: string,
    readonly headers: Record<string, string> = {}
  ) {
    super(message)
  }
}

/** Twirp's JSON protocol caps nothing, but no legitimate request of these services is near 1 MiB. */
const MAX_BODY = 1024 * 1024
const MAX_KEY_LENGTH = 512
const MAX_CACHE_KEYS = 10
/** Characters @actions/artifact and the backend refuse in artifact names. */
const FORBIDDEN_NAME_CHARS = ['"', ':', '<', '>', '|', '*', '?', '\r', '\n', '\\', '/']
const SIGNED_URL_MINUTES = 60

/** Starts the stand-in on a free port of 127.0.0.1. */
export async function startResultsService(opts: ResultsServiceOptions): Promise<ResultsService> {
  const { azurite } = opts
  const defaultBranch = opts.defaultBranch ?? DEFAULT_BRANCH_REF
  let scope = opts.scope ?? DEFAULT_BRANCH_REF
  await azurite.ensureContainer(CACHE_CONTAINER)
  await azurite.ensureContainer(ARTIFACT_CONTAINER)

  const secret = crypto.randomBytes(32)
  const ids = { runBackendId: crypto.randomUUID(), jobBackendId: crypto.randomUUID() }
  const faults = new FaultPlan()
  const calls: Call[] = []
  const entries: (CacheEntryView & { blob: string })[] = []
  const artifacts: (ArtifactView & { blob: string })[] = []
  /** Download ids handed out while a download fault was armed. */
  const proxied = new Map<string, { container: string; blob: string }>()
  /** Upload ids handed out while an upload fault was armed, with that fault. */
  const faultyUploads = new Map<string, UploadFault>()
  let nextEntryId = 1
  let nextArtifactId = 1000
  let baseUrl = ''

  const signedDownloadUrl = (container: string, blob: string): string => {
    if (!faults.hasDownloadFault()) return azurite.sas(container, blob, 'r', SIGNED_URL_MINUTES)
    const id = crypto.randomUUID()
    proxied.set(id, { container, blob })
    return `${baseUrl}_blob/${id}`
  }

  const signedUploadUrl = (container: string, blob: string): string => {
    const fault = faults.takeUpload()
    if (!fault) return azurite.sas(container, blob, 'cw', SIGNED_URL_MINUTES)
    const id = crypto.randomUUID()
    faultyUploads.set(id, fault)
    return `${baseUrl}_upload/${id}`
  }

  // ---- cache service ----

  const cacheMethods: Record<CacheMethod, Handler> = {
    async CreateCacheEntry(body) {
      const key = checkKey(body.key)
      const version = checkVersion(body.version)
      if (entries.some(e => e.scope === scope && e.key === key && e.version === version)) {
        throw new TwirpError(
          'already_exists',
          `cache entry with key ${key} and version ${version} already exists in ${scope}`
        )
      }
      const id = nextEntryId++
      const entry = {
        id,
        key,
        version,
        scope,
        size: 0,
        finalized: false,
        createdAt: new Date(),
        blob: `${id}.cache`
      }
      entries.push(entry)
      return {
        ok: true,
        signed_upload_url: signedUploadUrl(CACHE_CONTAINER, entry.blob)
      }
    },

    async FinalizeCacheEntryUpload(body) {
      const key = checkKey(body.key)
      const version = checkVersion(body.version)
      const size = Number(body.size_bytes ?? '0')
      const entry = entries.find(e => e.scope === scope && e.key === key && e.version === version)
      if (!entry) {
        throw new TwirpError('not_found', `no cache entry reserved for key ${key} in ${scope}`)
      }
      if (entry.finalized) {
        throw new TwirpError('failed_precondition', `cache entry ${key} is already finalized`)
      }
      const stored = await azurite.blobProperties(CACHE_CONTAINER, entry.blob)
      if (!stored) throw new TwirpError('failed_precondition', `nothing was uploaded for ${key}`)
      if (stored.size !== size) {
        throw new TwirpError(
          'invalid_argument',
          `size_bytes ${size} does not match the uploaded ${stored.size} bytes`
        )
      }
      entry.size = size
      entry.finalized = true
      return { ok: true, entry_id: String(entry.id) }
    },

    async GetCacheEntryDownloadURL(body) {
      const key = checkKey(body.key)
      const version = checkVersion(body.version)
      const restoreKeys = (body.restore_keys as string[] | undefined) ?? []
      if (restoreKeys.length + 1 > MAX_CACHE_KEYS) {
        throw new TwirpError('invalid_argument', `at most ${MAX_CACHE_KEYS} keys are allowed`)
      }
      // GitHub's documented order: in the run's own ref, the key exactly, then as a prefix, then
      // each restore key (exact, then newest prefix match); then all of that in the default branch.
      for (const ref of new Set([scope, defaultBranch])) {
        for (const k of [key, ...restoreKeys]) {
          const matches = entries.filter(
            e => e.finalized && e.scope === ref && e.version === version && e.key.startsWith(k)
          )
          const hit = matches.find(e => e.key === k) ?? matches.at(-1)
          if (hit) {
            return {
              ok: true,
              signed_download_url: signedDownloadUrl(CACHE_CONTAINER, hit.blob),
              matched_key: hit.key
            }
          }
        }
      }
      return { ok: false }
    }
  }

  // ---- artifact service ----

  const findArtifact = (run: string, job: string, name: string) => {
    const a = artifacts.find(
      x => x.finalized && x.runBackendId === run && x.jobBackendId === job && x.name === name
    )
    if (!a) throw new TwirpError('not_found', `artifact ${name} not found`)
    return a
  }

  const artifactMethods: Record<ArtifactMethod, Handler> = {
    async CreateArtifact(body, token) {
      const { run, job } = ownIds(body, token)
      const name = checkArtifactName(body.name)
      const version = (body.version as number | undefined) ?? 0
      if (version < 4) {
        throw new TwirpError('invalid_argument', `version ${version} is not an artifacts v4 client`)
      }
      if (artifacts.some(a => a.runBackendId === run && a.name === name)) {
        throw new TwirpError(
          'already_exists',
          `an artifact named ${name} already exists in this run`
        )
      }
      const id = nextArtifactId++
      const artifact = {
        id,
        runBackendId: run,
        jobBackendId: job,
        name,
        version,
        mimeType: body.mime_type as string | undefined,
        expiresAt: body.expires_at as string | undefined,
        size: 0,
        digest: undefined,
        storedSha256: undefined,
        contentType: undefined,
        finalized: false,
        createdAt: new Date(),
        blob: `${run}/${id}`
      }
      artifacts.push(artifact)
      return {
        ok: true,
        signed_upload_url: signedUploadUrl(ARTIFACT_CONTAINER, artifact.blob)
      }
    },

    async FinalizeArtifact(body, token) {
      const { run, job } = ownIds(body, token)
      const name = checkArtifactName(body.name)
      const size = Number(body.size ?? '0')
      const hash = body.hash as string | undefined
      if (hash !== undefined && !/^sha256:[0-9a-f]{64}$/.test(hash)) {
        throw new TwirpError('invalid_argument', `hash ${hash} is not sha256:<hex>`)
      }
      const a = artifacts.find(
        x => x.runBackendId === run && x.jobBackendId === job && x.name === name
      )
      if (!a) throw new TwirpError('not_found', `artifact ${name} was not created`)
      if (a.finalized) throw new TwirpError('failed_precondition', `artifact ${name} is finalized`)
      const data = await azurite.readBlob(ARTIFACT_CONTAINER, a.blob)
      if (!data) throw new TwirpError('failed_precondition', `nothing was uploaded for ${name}`)
      if (data.length !== size) {
        throw new TwirpError(
          'invalid_argument',
          `size ${size} does not match the uploaded ${data.length} bytes`
        )
      }
      const stored = await azurite.blobProperties(ARTIFACT_CONTAINER, a.blob)
      Object.assign(a, {
        size,
        digest: hash,
        storedSha256: crypto.createHash('sha256').update(data).digest('hex'),
        contentType: stored?.contentType,
        finalized: true
      })
      return { ok: true, artifact_id: String(a.id) }
    },

    async ListArtifacts(body, token) {
      const run = sameRun(body, token)
      const nameFilter = body.name_filter as string | undefined
      const idFilter = body.id_filter as string | undefined
      // A run lists every job's artifacts: download-artifact fetches other jobs' uploads.
      const listed = artifacts.filter(
        a =>
          a.finalized &&
          a.runBackendId === run &&
          (nameFilter === undefined || a.name === nameFilter) &&
          (idFilter === undefined || String(a.id) === idFilter)
      )
      return {
        artifacts: listed.map(a => ({
          workflow_run_backend_id: a.runBackendId,
          workflow_job_run_backend_id: a.jobBackendId,
          database_id: String(a.id),
          name: a.name,
          size: String(a.size),
          created_at: a.createdAt.toISOString(),
          ...(a.digest ? { digest: a.digest } : {})
        }))
      }
    },

    async GetSignedArtifactURL(body, token) {
      const run = sameRun(body, token)
      const a = findArtifact(
        run,
        requireString(body, 'workflow_job_run_backend_id'),
        checkArtifactName(body.name)
      )
      return { signed_url: signedDownloadUrl(ARTIFACT_CONTAINER, a.blob) }
    },

    async DeleteArtifact(body, token) {
      const run = sameRun(body, token)
      const a = findArtifact(
        run,
        requireString(body, 'workflow_job_run_backend_id'),
        checkArtifactName(body.name)
      )
      await azurite.deleteBlob(ARTIFACT_CONTAINER, a.blob)
      artifacts.splice(artifacts.indexOf(a), 1)
      return { ok: true, artifact_id: String(a.id) }
    }
  }

  // ---- HTTP ----

  const routes = new Map<string, { method: RpcMethod; handler: Handler; artifact: boolean }>()
  for (const [m, handler] of Object.entries(cacheMethods)) {
    routes.set(`/twirp/${CACHE_SERVICE}/${m}`, { method: m as RpcMethod, handler, artifact: false })
  }
  for (const [m, handler] of Object.entries(artifactMethods)) {
    routes.set(`/twirp/${ARTIFACT_SERVICE}/${m}`, {
      method: m as RpcMethod,
      handler,
      artifact: true
    })
  }

  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!
    const done = (method: string, status: number): void => {
      calls.push({ method, status })
    }
    if (path.startsWith('/_blob/')) {
      serveBlob(path.slice('/_blob/'.length), req, res).then(
        status => done(BLOB_DOWNLOAD, status),
        () => {
          res.destroy()
          done(BLOB_DOWNLOAD, 0)
        }
      )
      return
    }
    if (path.startsWith('/_upload/') && faultyUploads.has(path.slice('/_upload/'.length))) {
      // 'stall': the headers were read; the body never is, and no answer comes (status 0).
      req.pause()
      done(BLOB_UPLOAD, 0)
      return
    }
    const route = routes.get(path)
    serveTwirp(route, req, res).then(
      status => done(route?.method ?? path, status),
      () => {
        res.destroy()
        done(route?.method ?? path, 0)
      }
    )
  })

  async function serveTwirp(
    route: { method: RpcMethod; handler: Handler; artifact: boolean } | undefined,
    req: http.IncomingMessage,
    res: http.ServerResponse
  ): Promise<number> {
    const fail = (e: TwirpError): number =>
      sendJson(res, HTTP_STATUS[e.code], { code: e.code, msg: e.message }, e.headers)
    // twirp-go answers bad_route (404) for unknown paths, non-POST methods and foreign content types.
    if (!route) {
      req.resume()
      return fail(new TwirpError('bad_route', `no handler for path ${req.url}`))
    }
    if (req.method !== 'POST') {
      req.resume()
      return fail(
        new TwirpError('bad_route', `unsupported method ${req.method} (only POST is allowed)`)
      )
    }
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim()
    if (contentType !== 'application/json') {
      req.resume()
      return fail(
        new TwirpError(
          'bad_route',
          `unexpected Content-Type: ${JSON.stringify(contentType)} (only JSON is served)`
        )
      )
    }
    let raw: Buffer
    try {
      raw = await readBody(req, MAX_BODY, message => new TwirpError('malformed', message))
    } catch (e) {
      if (e instanceof TwirpError) return fail(e)
      throw e
    }
    const fault = faults.takeRpc(route.method)
    if (fault && !('afterCommit' in fault && fault.afterCommit)) return sendFault(res, fault)
    let status: number
    try {
      const token = authenticate(req.headers.authorization, secret, route.artifact)
      const body = decode(route.method, raw)
      const out = await route.handler(body, token)
      status = fault ? 0 : sendJson(res, 200, out)
    } catch (e) {
      const err =
        e instanceof TwirpError
          ? e
          : new TwirpError('internal', `internal error: ${(e as Error).message}`)
      status = fault ? 0 : fail(err)
    }
    return fault ? sendFault(res, fault) : status
  }

  async function serveBlob(
    id: string,
    req: http.IncomingMessage,
    res: http.ServerResponse
  ): Promise<number> {
    req.resume()
    const target = proxied.get(id)
    if (req.method !== 'GET' || !target)
      return sendAzureError(res, 404, 'BlobNotFound', 'The specified blob does not exist.')
    const fault = faults.takeDownload()
    if (fault?.kind === 'unavailable') {
      return sendAzureError(
        res,
        503,
        'ServerBusy',
        'The server is currently unable to receive requests. Please retry your request.'
      )
    }
    const data = await azurite.readBlob(target.container, target.blob)
    if (!data) return sendAzureError(res, 404, 'BlobNotFound', 'The specified blob does not exist.')
    const props = await azurite.blobProperties(target.container, target.blob)
    res.writeHead(200, {
      'Content-Type': props?.contentType ?? 'application/octet-stream',
      'Content-Length': data.length,
      'x-ms-blob-type': 'BlockBlob'
    })
    if (fault?.kind === 'truncated') {
      // Flush half, then drop the connection: the client holds fewer bytes than Content-Length.
      await new Promise<void>(resolve =>
        res.write(data.subarray(0, data.length >> 1), () => resolve())
      )
      res.destroy()
      return 0
    }
    if (fault?.kind === 'corrupted') {
      const damaged = Buffer.from(data)
      const from = damaged.length >> 2
      const to = Math.min(damaged.length, from + 64)
      for (let i = from; i < to; i++) damaged[i] = damaged[i]! ^ 0xff
      res.end(damaged)
      return 200
    }
    res.end(data)
    return 200
  }

  function sendFault(res: http.ServerResponse, fault: RpcFault): number {
    switch (fault.kind) {
      case 'internal':
        return sendJson(res, 500, { code: 'internal', msg: 'injected fault: internal error' })
      case 'unavailable':
        return sendJson(res, 503, {
          code: 'unavailable',
          msg: 'injected fault: service unavailable'
        })
      case 'rate-limited': {
        const seconds = fault.retryAfterSeconds ?? 60
        return sendJson(
          res,
          429,
          { code: 'resource_exhausted', msg: 'injected fault: rate limit exceeded' },
          { 'Retry-After': String(seconds) }
        )
      }
      case 'reset':
        res.destroy()
        return 0
    }
  }

  server.keepAliveTimeout = 1000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  // A test that forgets stop() must not keep Jest's process alive.
  server.unref()
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
  let stopping: Promise<void> | undefined

  return {
    url: baseUrl,
    ids,
    token: (run = ids.runBackendId, job = ids.jobBackendId) => signToken(secret, run, job),
    setScope(ref) {
      scope = ref
    },
    cacheEntries: () => entries.map(({ blob: _blob, ...e }) => ({ ...e })),
    artifacts: () => artifacts.map(({ blob: _blob, ...a }) => ({ ...a })),
    faults,
    calls,
    stop() {
      stopping ??= new Promise<void>(resolve => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
      return stopping
    }
  }
}

/** A decoded request: proto field names with proto3 JSON values normalised (int64 as string). */
type Body = Record<string, unknown>
/** The claims the service relies on. */
interface Token {
  run?: string
  job?: string
}
type Handler = (body: Body, token: Token) => Promise<object>

// ---- request decoding ----

type FieldType =
  | 'string'
  | 'int32'
  | 'int64'
  | 'string[]'
  | 'StringValue'
  | 'Int64Value'
  | 'Timestamp'
  | 'CacheMetadata'

const ARTIFACT_IDS = {
  workflow_run_backend_id: 'string',
  workflow_job_run_backend_id: 'string'
} as const

/** Request fields per RPC, as in the generated clients; anything else is rejected. */
const REQUEST_FIELDS: Record<RpcMethod, Record<string, FieldType>> = {
  CreateCacheEntry: { metadata: 'CacheMetadata', key: 'string', version: 'string' },
  FinalizeCacheEntryUpload: {
    metadata: 'CacheMetadata',
    key: 'string',
    size_bytes: 'int64',
    version: 'string'
  },
  GetCacheEntryDownloadURL: {
    metadata: 'CacheMetadata',
    key: 'string',
    restore_keys: 'string[]',
    version: 'string'
  },
  CreateArtifact: {
    ...ARTIFACT_IDS,
    name: 'string',
    expires_at: 'Timestamp',
    version: 'int32',
    mime_type: 'StringValue'
  },
  FinalizeArtifact: { ...ARTIFACT_IDS, name: 'string', size: 'int64', hash: 'StringValue' },
  ListArtifacts: { ...ARTIFACT_IDS, name_filter: 'StringValue', id_filter: 'Int64Value' },
  GetSignedArtifactURL: { ...ARTIFACT_IDS, name: 'string' },
  DeleteArtifact: { ...ARTIFACT_IDS, name: 'string' }
}

/**
 * Decodes a JSON request strictly. twirp-go itself discards unknown JSON fields; this stand-in
 * rejects them (and lowerCamel aliases, which the toolkit never sends) so that a misspelt field
 * in our own code fails a test instead of being ignored. Fields the real clients send, such as
 * `mime_type` from @actions/artifact 6.2, are all known (nektos/act issue #6022 is the counter
 * example).
 */
function decode(method: RpcMethod, raw: Buffer): Body {
  let json: unknown
  try {
    json = JSON.parse(raw.toString('utf8') || '{}')
  } catch (e) {
    throw new TwirpError(
      'malformed',
      `the json request could not be decoded: ${(e as Error).message}`
    )
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new TwirpError('malformed', 'the json request is not an object')
  }
  const fields = REQUEST_FIELDS[method]
  const body: Body = {}
  for (const [name, value] of Object.entries(json)) {
    const type = fields[name]
    if (!type) throw new TwirpError('malformed', `unknown field "${name}" in ${method}Request`)
    if (value === null) continue
    body[name] = decodeField(`${method}Request.${name}`, type, value)
  }
  return body
}

function decodeField(where: string, type: FieldType, value: unknown): unknown {
  const bad = (): never => {
    throw new TwirpError(
      'malformed',
      `invalid value for ${type} field ${where}: ${JSON.stringify(value)}`
    )
  }
  switch (type) {
    case 'string':
    case 'StringValue':
      return typeof value === 'string' ? value : bad()
    case 'int32':
      if (typeof value === 'number' && Number.isInteger(value)) return value
      return typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : bad()
    case 'int64':
    case 'Int64Value':
      if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value)
      return typeof value === 'string' && /^-?\d+$/.test(value) ? value : bad()
    case 'string[]':
      return Array.isArray(value) && value.every(v => typeof v === 'string') ? value : bad()
    case 'Timestamp':
      return typeof value === 'string' &&
        /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$/.test(value) &&
        !Number.isNaN(Date.parse(value))
        ? value
        : bad()
    case 'CacheMetadata': {
      // results.entities.v1.CacheMetadata { repository_id int64, scope repeated CacheScope }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return bad()
      for (const [k, v] of Object.entries(value)) {
        if (k === 'repository_id') decodeField(`${where}.${k}`, 'int64', v)
        else if (k === 'scope') {
          if (!Array.isArray(v)) return bad()
          for (const s of v) {
            if (typeof s !== 'object' || s === null) return bad()
            for (const [sk, sv] of Object.entries(s)) {
              if (sk === 'scope') decodeField(`${where}.scope.scope`, 'string', sv)
              else if (sk === 'permission') decodeField(`${where}.scope.permission`, 'int64', sv)
              else throw new TwirpError('malformed', `unknown field "${sk}" in CacheScope`)
            }
          }
        } else throw new TwirpError('malformed', `unknown field "${k}" in CacheMetadata`)
      }
      return value
    }
  }
}

// ---- validation ----

function requireString(body: Body, field: string): string {
  const v = body[field]
  if (typeof v !== 'string' || v === '')
    throw new TwirpError('invalid_argument', `${field} is required`)
  return v
}

function checkKey(value: unknown): string {
  if (typeof value !== 'string' || value === '')
    throw new TwirpError('invalid_argument', 'key is required')
  if (value.length > MAX_KEY_LENGTH || value.includes(',')) {
    throw new TwirpError(
      'invalid_argument',
      `key ${value} is longer than ${MAX_KEY_LENGTH} or has a comma`
    )
  }
  return value
}

/** The toolkit's version is a sha256 in hex (cacheUtils.getCacheVersion). */
function checkVersion(value: unknown): string {
  if (typeof value !== 'string' || !/^[0-9a-f]{64}$/.test(value)) {
    throw new TwirpError(
      'invalid_argument',
      `version ${JSON.stringify(value)} is not a sha256 hex digest`
    )
  }
  return value
}

function checkArtifactName(value: unknown): string {
  if (typeof value !== 'string' || value === '')
    throw new TwirpError('invalid_argument', 'name is required')
  const bad = FORBIDDEN_NAME_CHARS.filter(c => value.includes(c))
  if (bad.length > 0) {
    throw new TwirpError(
      'invalid_argument',
      `artifact name ${JSON.stringify(value)} contains ${JSON.stringify(bad.join(''))}`
    )
  }
  return value
}

/** Create and Finalize act for the token's own job only. */
function ownIds(body: Body, token: Token): { run: string; job: string } {
  const run = requireString(body, 'workflow_run_backend_id')
  const job = requireString(body, 'workflow_job_run_backend_id')
  if (run !== token.run || job !== token.job) {
    throw new TwirpError('permission_denied', `the token is not scoped to run ${run} job ${job}`)
  }
  return { run, job }
}

/** Reads (list, download, delete) may touch any job of the token's run. */
function sameRun(body: Body, token: Token): string {
  const run = requireString(body, 'workflow_run_backend_id')
  if (run !== token.run)
    throw new TwirpError('permission_denied', `the token is not scoped to run ${run}`)
  return run
}

// ---- tokens ----

function signToken(secret: Buffer, run: string, job: string): string {
  const now = Math.floor(Date.now() / 1000)
  const header = b64url({ alg: 'HS256', typ: 'JWT' })
  // Shaped like a runner's ACTIONS_RUNTIME_TOKEN; @actions/artifact parses `scp` without verifying.
  const payload = b64url({
    scp: `Actions.GenericRead:00000000-0000-0000-0000-000000000000 Actions.UploadArtifacts:${run}:${job} Actions.Results:${run}:${job}`,
    iss: 'go-xbuild-action-tests',
    aud: 'go-xbuild-action-tests',
    nbf: now - 60,
    exp: now + 6 * 3600
  })
  return `${header}.${payload}.${hmac(secret, `${header}.${payload}`)}`
}

/** Verifies the signature and expiry, as the real service does, and reads the Actions.Results scope. */
function authenticate(header: string | undefined, secret: Buffer, needScope: boolean): Token {
  const m = /^Bearer (\S+)$/.exec(header ?? '')
  if (!m) throw new TwirpError('unauthenticated', 'missing bearer token')
  const parts = m[1]!.split('.')
  if (parts.length !== 3) throw new TwirpError('unauthenticated', 'the token is not a JWT')
  const expected = Buffer.from(hmac(secret, `${parts[0]}.${parts[1]}`))
  const given = Buffer.from(parts[2]!)
  if (expected.length !== given.length || !crypto.timingSafeEqual(expected, given)) {
    throw new TwirpError('unauthenticated', 'the token signature is invalid')
  }
  const claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as {
    scp?: string
    exp?: number
  }
  if (typeof claims.exp !== 'number' || claims.exp * 1000 < Date.now()) {
    throw new TwirpError('unauthenticated', 'the token has expired')
  }
  for (const s of (claims.scp ?? '').split(' ')) {
    const [name, run, job, ...rest] = s.split(':')
    if (name === 'Actions.Results' && run && job && rest.length === 0) return { run, job }
  }
  if (needScope) throw new TwirpError('permission_denied', 'the token has no Actions.Results scope')
  return {}
}

function b64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

function hmac(secret: Buffer, data: string): string {
  return crypto.createHmac('sha256', secret).update(data).digest('base64url')
}

// ---- responses ----

/** Azure Storage's error shape: XML body plus `x-ms-error-code`. */
function sendAzureError(
  res: http.ServerResponse,
  status: number,
  code: string,
  message: string
): number {
  const text = `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`
  res.writeHead(status, {
    'Content-Type': 'application/xml',
    'Content-Length': Buffer.byteLength(text),
    'x-ms-error-code': code
  })
  res.end(text)
  return status
}
