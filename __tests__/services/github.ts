import * as crypto from 'node:crypto'
import * as fs from 'node:fs'
import * as http from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import * as os from 'node:os'
import * as path from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import {
  loadGitHubContract,
  REPO_FILES_OPERATIONS,
  type GitHubContract,
  type OperationId
} from './github-openapi.js'
import { RepoStore, type RepoSeed } from './github-repos.js'
import { readBody, sendJson as sendJsonWith } from './http.js'

/** The operations served, by OpenAPI operationId (re-exported so tests need one import). */
export type { OperationId } from './github-openapi.js'
export type { RepoCommitView, RepoSeed } from './github-repos.js'

/**
 * A loopback stand-in for the GitHub REST API's releases and release assets, for the release
 * feature (issue 4). Behaviour follows GitHub's REST docs and the threads where users met the
 * real service (sources beside each rule; summary in ../../../shared/notes/github-runtime.md).
 * Every JSON response it sends, and every JSON request body it gets, is checked against the
 * official OpenAPI description (see github-openapi.ts); a mismatch is recorded in
 * `contractViolations` and answered with a 500 so no test can pass over it.
 *
 * Layout, like GitHub Enterprise Server: API under `<server>/api/v3`, web links and
 * `browser_download_url` under `<server>/`, uploads on a second server at its root (like
 * uploads.github.com) or, with `uploadsOnApiHost`, under `<server>/api/uploads` (GHES). Either
 * way only the release's `upload_url` tells a client where to upload.
 */

/** Name in `calls` of downloads through `browser_download_url`. */
export const BROWSER_DOWNLOAD = 'browser-download' as const
/** Name in `calls` of requests no route matched (GitHub answers them 404). */
export const UNROUTED = 'unrouted' as const

/** The message GitHub sends to a GITHUB_TOKEN without the permission an endpoint needs. */
export const NOT_ACCESSIBLE = 'Resource not accessible by integration'
/** GitHub's answer to an upload to a published immutable release (seen in softprops/action-gh-release #653, concourse/github-release-resource #151). */
export const IMMUTABLE_UPLOAD = 'Cannot upload assets to an immutable release.'
/** Answer to deleting or editing an asset of a published immutable release; GitHub's exact wording is not documented. */
export const IMMUTABLE_ASSET_CHANGE = 'Cannot modify assets of an immutable release.'
/** Message of GitHub's secondary rate limit responses (403 or 429). */
export const SECONDARY_RATE_LIMIT =
  'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID'

/**
 * A fault the real service, or the front end before it, produces; answered instead of the normal
 * response. `afterCommit` lets the call take effect first and then loses the answer, as when a
 * gateway times out after the backend committed.
 */
export type GitHubFault =
  /** A JSON 5xx: an unhandled error (500), a bad upstream (502), a deploy or overload (503). */
  | { kind: 'server-error'; status: 500 | 502 | 503; afterCommit?: boolean }
  /** The connection is destroyed with no response (ECONNRESET at the client). */
  | { kind: 'reset'; afterCommit?: boolean }
  /**
   * Upload only: about half the body is read, then the connection is destroyed. With
   * `leaveStarter` the half-made asset stays in state `starter`, as after a 502.
   */
  | { kind: 'reset-mid-upload'; leaveStarter?: boolean }
  /**
   * Upload only: the asset is recorded empty in state `starter` and the answer is 502, what the
   * upload docs describe ("This may leave an empty asset with a state of starter").
   */
  | { kind: 'starter-then-502' }
  /**
   * GitHub's secondary rate limit: 403 (default) or 429 with its message, with `retry-after`
   * only when `retryAfterSeconds` is given (GitHub sends it sometimes, not always).
   */
  | { kind: 'secondary-rate-limit'; status?: 403 | 429; retryAfterSeconds?: number }
  /** The primary rate limit: 403 with `x-ratelimit-remaining: 0` and `x-ratelimit-reset`. */
  | { kind: 'primary-rate-limit'; resetInSeconds?: number }
  /** Get-by-tag only: 404 although the release is published (the lag right after a create). */
  | { kind: 'lag' }
  /** Drops a field from the response body (from the first item of a list): proves the validator bites. */
  | { kind: 'break-contract'; drop: string }
  /**
   * The connection is accepted and the request never answered (nor an upload's body read): a
   * front end or proxy that hangs, what a client sees as a request that never ends.
   */
  | { kind: 'stall' }
  /** The status line, headers and half the JSON body are sent, then nothing more. */
  | { kind: 'stall-body' }

const UPLOAD_ONLY = new Set(['reset-mid-upload', 'starter-then-502'])

/** Faults armed by a test, consumed first-in first-out, one per call of the operation. */
export class FaultPlan {
  private readonly faults = new Map<OperationId, GitHubFault[]>()
  /** Upload faults for one asset name, taken before the operation's own queue. */
  private readonly assetFaults = new Map<string, GitHubFault[]>()

  /**
   * Arms `fault` for the next `times` uploads of the asset `name` (whatever their order among
   * concurrent uploads): a failure that follows one file, as a corrupt or oversized file does.
   */
  onAsset(name: string, fault: GitHubFault, times = 1): this {
    const queue = this.assetFaults.get(name) ?? []
    for (let i = 0; i < times; i++) queue.push(fault)
    this.assetFaults.set(name, queue)
    return this
  }

  /** Arms `fault` for the next `times` calls of `operationId`, after faults already armed for it. */
  on(operationId: OperationId, fault: GitHubFault, times = 1): this {
    if (UPLOAD_ONLY.has(fault.kind) && operationId !== 'repos/upload-release-asset') {
      throw new Error(`${fault.kind} applies to repos/upload-release-asset only`)
    }
    if (fault.kind === 'lag' && operationId !== 'repos/get-release-by-tag') {
      throw new Error('lag applies to repos/get-release-by-tag only')
    }
    const queue = this.faults.get(operationId) ?? []
    for (let i = 0; i < times; i++) queue.push(fault)
    this.faults.set(operationId, queue)
    return this
  }

  /** Faults not consumed yet; a test asserts this is empty so an unused fault cannot pass silently. */
  pending(): { operationId: OperationId; kind: GitHubFault['kind']; asset?: string }[] {
    return [
      ...[...this.faults].flatMap(([operationId, faults]) =>
        faults.map(f => ({ operationId, kind: f.kind }))
      ),
      ...[...this.assetFaults].flatMap(([asset, faults]) =>
        faults.map(f => ({
          operationId: 'repos/upload-release-asset' as OperationId,
          kind: f.kind,
          asset
        }))
      )
    ]
  }

  /** Disarms everything. */
  clear(): void {
    this.faults.clear()
    this.assetFaults.clear()
  }

  /** Consumes the next fault armed for `operationId` (for uploads: for the asset first). */
  take(operationId: OperationId, assetName?: string | null): GitHubFault | undefined {
    if (operationId === 'repos/upload-release-asset' && assetName) {
      const fault = this.assetFaults.get(assetName)?.shift()
      if (fault) return fault
    }
    return this.faults.get(operationId)?.shift()
  }
}

/** One request the service answered; status 0 means the connection was destroyed instead. */
export interface Call {
  /** The OpenAPI operationId, or `browser-download` / `unrouted`. */
  operationId: OperationId | typeof BROWSER_DOWNLOAD | typeof UNROUTED
  /** HTTP method. */
  method: string
  /** Path and query as requested. */
  path: string
  /** HTTP status sent, 0 when the socket was destroyed. */
  status: number
  /** Kind of the injected fault that shaped the answer, if any. */
  fault?: GitHubFault['kind']
  /** The request was held by a {@link Hold} and then dropped or committed without an answer. */
  held?: HoldEnd
}

/** How a {@link Hold} ends its requests. */
export type HoldEnd = 'drop' | 'commit' | 'starter'

/** A request a {@link Hold} matched, as the matcher sees it. */
export interface HeldRequest {
  /** The OpenAPI operationId. */
  operationId: OperationId
  /** HTTP method. */
  method: string
  /** Path and query as requested. */
  path: string
  /** The `name` query parameter (the asset name of an upload), null when absent. */
  asset: string | null
}

/**
 * Requests held unanswered: a test's way to stop a client at an exact request, without timing,
 * and kill it there (issue 13). A held request has no effect until it is released.
 */
export interface Hold {
  /** Resolves with the first request held. */
  reached: Promise<HeldRequest>
  /**
   * Stops holding and ends every held request without an answer (connection reset): with `drop`
   * (default) the request never takes effect, as when its client died before the service
   * processed it; with `commit` the change is made and the answer is lost, as when the client
   * died while waiting for it (JSON requests only: an upload's body is gone with its client);
   * with `starter` (uploads only) the asset stays empty in state `starter`, what the upload docs
   * say a failed upload may leave.
   */
  release(how?: HoldEnd): Promise<void>
}

/** The states an asset can be in; GitHub's description lists only the first two (SPEC_GAPS). */
export type AssetState = 'uploaded' | 'open' | 'starter'

/** An asset as the service holds it. */
export interface AssetView {
  /** Asset id. */
  id: number
  /** Name after GitHub's renaming (see {@link githubAssetName}). */
  name: string
  /** Label, null when none was given. */
  label: string | null
  /** `uploaded` when complete, `starter` when an upload failed part-way. */
  state: AssetState
  /** Content-Type sent with the upload. */
  contentType: string
  /** Bytes stored (0 for a starter). */
  size: number
  /** `sha256:<hex>` of the bytes, null for a starter. */
  digest: string | null
  /** sha256 hex of the bytes actually stored, to compare with files on disk. */
  sha256: string
  /** Downloads through `browser_download_url`. */
  downloadCount: number
}

/** A release as the service holds it. */
export interface ReleaseView {
  /** Release id. */
  id: number
  /** Tag name. */
  tagName: string
  /** Commitish the tag points at (the request's, or `main`). */
  targetCommitish: string
  /** Title, null when none was set. */
  name: string | null
  /** Notes, null when none were set. */
  body: string | null
  /** Unpublished. */
  draft: boolean
  /** Marked as a pre-release. */
  prerelease: boolean
  /** Published while the repository had immutable releases on; assets and tag are then frozen. */
  immutable: boolean
  /** The repository's latest release (what get-latest answers). */
  latest: boolean
  /** Publication time, null for drafts. */
  publishedAt: Date | null
  /** Assets, oldest first. */
  assets: AssetView[]
}

/** A release to put in place before a test runs (a previous run's leftovers, say). */
export interface ReleaseSeed {
  /** Tag name. */
  tagName: string
  /** Default false: published. */
  draft?: boolean
  /** Default false. */
  prerelease?: boolean
  /** Default: the repository's immutable setting when published, false for drafts. */
  immutable?: boolean
  /** Default null. */
  name?: string | null
  /** Assets with their bytes; `state: 'starter'` stores an empty failed upload. */
  assets?: { name: string; data?: Buffer | string; contentType?: string; state?: AssetState }[]
}

/** Options of {@link startGitHubService}. */
export interface GitHubServiceOptions {
  /** Repository owner, default `octo-org`. */
  owner?: string
  /** Repository name, default `octo-repo`. */
  repo?: string
  /** The token with `contents: write`; default a random `ghs_` token. */
  token?: string
  /** A token with `contents: read` only (a fork PR's GITHUB_TOKEN); default a random one. */
  readOnlyToken?: string
  /**
   * Other repositories with files (a Homebrew tap, a Scoop bucket). The main token reads them but
   * may not write them, as a GITHUB_TOKEN may not; `tapToken` writes them.
   */
  repositories?: RepoSeed[]
  /** A token with `contents: write` on the other repositories only; default a random one. */
  tapToken?: string
  /** Check requests and responses against the OpenAPI description (default true). */
  validate?: boolean
  /** The repository's "immutable releases" setting at start (default false). */
  immutable?: boolean
  /** Serve uploads under `<server>/api/uploads` as GHES does instead of on a second server. */
  uploadsOnApiHost?: boolean
  /** Primary rate limit per token and hour; GITHUB_TOKEN gets 1,000 per repository. */
  rateLimit?: number
  /**
   * When set, more than this many writes in any 60 s answer 403 secondary rate limit without
   * `retry-after` (GitHub documents about 80 content-creating requests a minute). Off by default.
   */
  secondaryWritesPerMinute?: number
  /**
   * Whether the write token holds `attestations: write` (default true); without it
   * create-attestation answers 403 as GitHub does.
   */
  attestationsWrite?: boolean
}

/** An attestation the stand-in stored. */
export interface StoredAttestation {
  id: number
  /** the Sigstore bundle as posted */
  bundle: Record<string, unknown>
  /** `sha256:<hex>` (and `sha512:<hex>`) of each subject of its in-toto statement */
  subjectDigests: string[]
}

/** A running GitHub REST stand-in. */
export interface GitHubService {
  /** API base URL, `http://127.0.0.1:<port>/api/v3`: Octokit's `baseUrl` and GITHUB_API_URL. */
  url: string
  /** Web base (`html_url`, `browser_download_url`); not for GITHUB_SERVER_URL, see github-runtime.md. */
  webUrl: string
  /** Base the release's `upload_url` points at. */
  uploadsUrl: string
  /** `owner/repo` (GITHUB_REPOSITORY). */
  repository: string
  /** Repository owner. */
  owner: string
  /** Repository name. */
  repo: string
  /** The `contents: write` token. */
  token: string
  /** The read-only token: reads work (drafts stay hidden), writes get 403. */
  readOnlyToken: string
  /** The token that writes the other repositories (and reads the main one). */
  tapToken: string
  /** The other repositories' files and commits, and a way to commit as someone else. */
  repos: Pick<RepoStore, 'file' | 'log' | 'push' | 'interleave' | 'branches' | 'pulls'>
  /** Snapshot of the releases, newest first (the order list-releases uses). */
  releases(): ReleaseView[]
  /** The bytes of an asset, undefined when there is no such asset. */
  assetBytes(assetId: number): Buffer | undefined
  /** Puts a release in place without going through the API (no call recorded). */
  addRelease(seed: ReleaseSeed): ReleaseView
  /** Turns the repository's immutable releases setting on or off; it applies at publication. */
  setImmutable(on: boolean): void
  /** The attestations stored, oldest first. */
  attestations(): StoredAttestation[]
  /** Faults to inject. */
  faults: FaultPlan
  /**
   * Holds every authenticated request `match` accepts (before faults, rate limits or effects)
   * until the hold is released. JSON bodies are read first, so `commit` has the whole request.
   */
  hold(match: (request: HeldRequest) => boolean): Hold
  /** Resolves with the first call (answered request, in `calls`) `match` accepts, past or future. */
  waitForCall(match: (call: Call) => boolean): Promise<Call>
  /** Every request answered, in order (a test may clear it with `calls.length = 0`). */
  calls: Call[]
  /** Requests and responses that broke the OpenAPI description; a test asserts this is empty. */
  contractViolations: string[]
  /** Closes the servers and their connections; safe to call twice. */
  stop(): Promise<void>
}

/** The variables a runner gives a JS action so @actions/github talks to `service`. */
export function githubEnvFor(service: GitHubService): Record<string, string> {
  return { GITHUB_API_URL: service.url, GITHUB_REPOSITORY: service.repository }
}

/**
 * The name GitHub stores for an uploaded asset. GitHub "renames asset filenames that have special
 * characters, non-alphanumeric characters, and leading or trailing periods" without listing them
 * (upload docs). Observed: space, `~`, `:`, `(`, `)` each become `.` (softprops/action-gh-release
 * #159, actions/upload-release-asset #57, cli/cli #10585); `+` is kept since 2018 (JMRI PR #5544).
 * Modelled: every character outside `[A-Za-z0-9._+-]` becomes `.`; leading and trailing periods
 * are dropped (an assumption: the docs say they are renamed, not how); nothing left → `default`.
 */
export function githubAssetName(name: string): string {
  const renamed = name.replace(/[^A-Za-z0-9._+-]/g, '.').replace(/^\.+|\.+$/g, '')
  return renamed === '' ? 'default' : renamed
}

// ---- internals ----

interface Asset {
  id: number
  name: string
  label: string | null
  state: AssetState
  contentType: string
  /** The bytes when held in memory; empty when they are in `file`. */
  bytes: Buffer
  /** Uploads above KEEP_IN_MEMORY: the bytes are in this temp file. */
  file?: string
  size: number
  /** sha256 hex of the bytes, computed as they arrived. */
  sha256: string
  digest: string | null
  downloadCount: number
  createdAt: Date
  updatedAt: Date
}

interface Release {
  id: number
  tag: string
  target: string
  name: string | null
  body: string | null
  draft: boolean
  prerelease: boolean
  immutable: boolean
  createdAt: Date
  updatedAt: Date
  publishedAt: Date | null
  /** Drafts' web links use `untagged-<hex>` instead of the tag, as on github.com. */
  untagged: string
  assets: Asset[]
}

/** An error answered with GitHub's JSON error shape. */
class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {}
  ) {
    super(message)
  }
}

/** What a handler answers; `body` undefined sends no body (204, 302). */
interface Reply {
  status: number
  body?: unknown
  headers?: Record<string, string>
}

interface Auth {
  token: string
  write: boolean
  /** may write the other repositories (the tap token) */
  taps?: boolean
}

interface Ctx {
  operationId: OperationId
  req: http.IncomingMessage
  url: URL
  auth: Auth
  /** Path parameter after the repository prefix (release id, asset id or tag). */
  param: string | undefined
  /** The JSON request body (POST/PATCH), `{}` when empty. */
  json: Record<string, unknown>
  /** The other repository addressed, for their operations. */
  other?: { owner: string; repo: string }
  fault: GitHubFault | undefined
}

/** Writes need `contents: write`; GitHub's REST docs list the permission per endpoint. */
const WRITES = new Set<OperationId>([
  'repos/create-release',
  'repos/update-release',
  'repos/delete-release',
  'repos/generate-release-notes',
  'repos/upload-release-asset',
  'repos/update-release-asset',
  'repos/delete-release-asset',
  'repos/create-or-update-file-contents',
  'git/create-ref',
  'pulls/create'
])

/** Routes under `/repos/{owner}/{repo}` (or `/repositories/{id}`, what GitHub's Link headers use). */
const ROUTES: { method: string; pattern: RegExp; operationId: OperationId }[] = [
  { method: 'GET', pattern: /^\/releases$/, operationId: 'repos/list-releases' },
  { method: 'POST', pattern: /^\/releases$/, operationId: 'repos/create-release' },
  {
    method: 'POST',
    pattern: /^\/releases\/generate-notes$/,
    operationId: 'repos/generate-release-notes'
  },
  { method: 'GET', pattern: /^\/releases\/latest$/, operationId: 'repos/get-latest-release' },
  { method: 'GET', pattern: /^\/releases\/tags\/(.+)$/, operationId: 'repos/get-release-by-tag' },
  { method: 'GET', pattern: /^\/releases\/assets\/(\d+)$/, operationId: 'repos/get-release-asset' },
  {
    method: 'PATCH',
    pattern: /^\/releases\/assets\/(\d+)$/,
    operationId: 'repos/update-release-asset'
  },
  {
    method: 'DELETE',
    pattern: /^\/releases\/assets\/(\d+)$/,
    operationId: 'repos/delete-release-asset'
  },
  { method: 'GET', pattern: /^\/releases\/(\d+)$/, operationId: 'repos/get-release' },
  { method: 'PATCH', pattern: /^\/releases\/(\d+)$/, operationId: 'repos/update-release' },
  { method: 'DELETE', pattern: /^\/releases\/(\d+)$/, operationId: 'repos/delete-release' },
  {
    method: 'GET',
    pattern: /^\/releases\/(\d+)\/assets$/,
    operationId: 'repos/list-release-assets'
  },
  {
    method: 'GET',
    pattern: /^\/immutable-releases$/,
    operationId: 'repos/check-immutable-releases'
  },
  { method: 'POST', pattern: /^\/attestations$/, operationId: 'repos/create-attestation' },
  { method: 'GET', pattern: /^\/attestations\/([^/]+)$/, operationId: 'repos/list-attestations' }
]

/** Routes under `/repos/{owner}/{repo}` of the other repositories (the rest may be empty). */
const OTHER_ROUTES: { method: string; pattern: RegExp; operationId: OperationId }[] = [
  { method: 'GET', pattern: /^$/, operationId: 'repos/get' },
  { method: 'GET', pattern: /^\/contents\/(.+)$/, operationId: 'repos/get-content' },
  {
    method: 'PUT',
    pattern: /^\/contents\/(.+)$/,
    operationId: 'repos/create-or-update-file-contents'
  },
  { method: 'GET', pattern: /^\/git\/ref\/(.+)$/, operationId: 'git/get-ref' },
  { method: 'POST', pattern: /^\/git\/refs$/, operationId: 'git/create-ref' },
  { method: 'POST', pattern: /^\/pulls$/, operationId: 'pulls/create' },
  { method: 'GET', pattern: /^\/pulls$/, operationId: 'pulls/list' }
]
const OTHER_OPERATIONS = new Set<OperationId>(REPO_FILES_OPERATIONS)
/** A body over the limit: GitHub's 413. */
const tooLarge = (message: string): Error => new ApiError(413, message)

/** JSON the way GitHub's REST API answers it. */
function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {}
): number {
  return sendJsonWith(res, status, body, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'x-github-media-type': 'github.v3; format=json',
    'x-github-api-version-selected': '2022-11-28'
  })
}

const UPLOAD_ROUTE = /^\/repos\/([^/]+)\/([^/]+)\/releases\/(\d+)\/assets$/

/** No JSON request of these endpoints is near 1 MiB. */
const MAX_JSON = 1024 * 1024
/** GitHub's cap: each asset must be under 2 GiB. */
const MAX_UPLOAD = 2 * 1024 ** 3 - 1
/**
 * Larger uploads are hashed as they arrive and written to a temp file, so a test can upload a
 * 1.5 GiB asset without this process (Jest's) holding it.
 */
const KEEP_IN_MEMORY = 64 * 1024 * 1024
/** GitHub's default and maximum page sizes. */
const PER_PAGE_DEFAULT = 30
const PER_PAGE_MAX = 100
const RATE_WINDOW_MS = 3600 * 1000
const ANONYMOUS_RATE_LIMIT = 60
const DOCS_REST = 'https://docs.github.com/rest'
const DOCS_RATE_LIMITS =
  'https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api'

/** Starts the stand-in on free ports of 127.0.0.1. */
export async function startGitHubService(opts: GitHubServiceOptions = {}): Promise<GitHubService> {
  const owner = opts.owner ?? 'octo-org'
  const repo = opts.repo ?? 'octo-repo'
  const token = opts.token ?? randomToken()
  const readOnlyToken = opts.readOnlyToken ?? randomToken()
  const tapToken = opts.tapToken ?? randomToken()
  const validate = opts.validate ?? true
  const rateLimit = opts.rateLimit ?? 1000
  const contract: GitHubContract | undefined = validate ? loadGitHubContract() : undefined
  let immutableSetting = opts.immutable ?? false

  const repoId = 100000 + crypto.randomInt(900000)
  const faults = new FaultPlan()
  const holds: {
    match: (request: HeldRequest) => boolean
    reached: (request: HeldRequest) => void
    released?: HoldEnd
    /** held requests: how to resume each, and its end */
    waiting: { resume: (how: HoldEnd) => void; ended: Promise<void> }[]
  }[] = []
  const callWaiters: { match: (call: Call) => boolean; resolve: (call: Call) => void }[] = []
  const calls: Call[] = []
  const contractViolations: string[] = []
  const releases: Release[] = []
  const attestations: StoredAttestation[] = []
  let nextAttestationId = 5000001
  /** Tags of deleted immutable releases: GitHub never lets them be used again. */
  const burnedTags = new Set<string>()
  let latestId: number | undefined
  // Distinct id ranges so a release id passed as an asset id (or back) finds nothing.
  let nextReleaseId = 200000001
  let nextAssetId = 300000001
  const rate = new Map<string, { used: number; resetAt: number }>()
  const writeTimes: number[] = []
  const signingKey = crypto.randomBytes(32)

  let base = ''
  let api = ''
  let uploads = ''
  /** Where uploads above KEEP_IN_MEMORY go; removed by stop(). */
  let spillDir: string | undefined

  const repoPath = `/repos/${owner}/${repo}`
  const author = (): Record<string, unknown> => botUser(base)

  // ---- JSON shapes (components/schemas/release, release-asset) ----

  const tagPath = (r: Release): string => encodeURIComponent(r.draft ? r.untagged : r.tag)
  const assetJson = (r: Release, a: Asset): Record<string, unknown> => ({
    url: `${api}${repoPath}/releases/assets/${a.id}`,
    id: a.id,
    node_id: nodeId('RA', a.id),
    name: a.name,
    label: a.label,
    uploader: author(),
    content_type: a.contentType,
    state: a.state,
    size: a.size,
    digest: a.digest,
    download_count: a.downloadCount,
    created_at: iso(a.createdAt),
    updated_at: iso(a.updatedAt),
    browser_download_url: `${base}/${owner}/${repo}/releases/download/${tagPath(r)}/${encodeURIComponent(a.name)}`
  })
  const releaseJson = (r: Release): Record<string, unknown> => ({
    url: `${api}${repoPath}/releases/${r.id}`,
    assets_url: `${api}${repoPath}/releases/${r.id}/assets`,
    upload_url: `${uploads}${repoPath}/releases/${r.id}/assets{?name,label}`,
    html_url: `${base}/${owner}/${repo}/releases/tag/${tagPath(r)}`,
    id: r.id,
    author: author(),
    node_id: nodeId('RE', r.id),
    tag_name: r.tag,
    target_commitish: r.target,
    name: r.name,
    draft: r.draft,
    immutable: r.immutable,
    prerelease: r.prerelease,
    created_at: iso(r.createdAt),
    updated_at: iso(r.updatedAt),
    published_at: r.publishedAt ? iso(r.publishedAt) : null,
    assets: r.assets.map(a => assetJson(r, a)),
    // Drafts have no tag yet, so no source archives.
    tarball_url: r.draft ? null : `${api}${repoPath}/tarball/${encodeURIComponent(r.tag)}`,
    zipball_url: r.draft ? null : `${api}${repoPath}/zipball/${encodeURIComponent(r.tag)}`,
    body: r.body
  })

  // ---- model ----

  /** Releases newest first, drafts hidden from tokens without push access (list-releases docs). */
  const visible = (auth: Auth): Release[] =>
    [...releases].reverse().filter(r => auth.write || !r.draft)
  const findRelease = (auth: Auth, id: string | undefined): Release => {
    const r = visible(auth).find(x => String(x.id) === id)
    if (!r) throw new ApiError(404, 'Not Found')
    return r
  }
  const findAsset = (auth: Auth, id: string | undefined): { r: Release; a: Asset } => {
    for (const r of visible(auth)) {
      const a = r.assets.find(x => String(x.id) === id)
      if (a) return { r, a }
    }
    throw new ApiError(404, 'Not Found')
  }
  const publishedWithTag = (tag: string, except?: Release): Release | undefined =>
    releases.find(r => r !== except && !r.draft && r.tag === tag)
  const frozen = (r: Release): boolean => r.immutable && !r.draft

  /** The 422s GitHub gives when a tag cannot be published (create-release docs; community #178351). */
  const checkTagFree = (tag: string, except?: Release): void => {
    if (publishedWithTag(tag, except)) throw alreadyExists('Release', 'tag_name')
    if (burnedTags.has(tag)) {
      throw validationFailed({
        resource: 'Release',
        code: 'custom',
        field: 'tag_name',
        message: 'tag_name was used by an immutable release'
      })
    }
  }

  /** "legacy": the newest published non-prerelease (by creation; GitHub uses the commit date). */
  const recomputeLatest = (except?: Release): void => {
    const candidates = releases.filter(r => r !== except && !r.draft && !r.prerelease)
    candidates.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || b.id - a.id)
    latestId = candidates[0]?.id
  }
  /** `make_latest` (create/update docs): drafts and pre-releases can never be the latest. */
  const applyMakeLatest = (r: Release, makeLatest: unknown): void => {
    if (r.draft || r.prerelease || makeLatest === 'false') {
      if (latestId === r.id) recomputeLatest(r)
    } else if (makeLatest === 'legacy') recomputeLatest()
    else latestId = r.id
  }

  const publish = (r: Release, now: Date): void => {
    r.draft = false
    r.publishedAt = now
    r.immutable = immutableSetting
  }

  const newRelease = (tag: string, now: Date): Release => ({
    id: nextReleaseId++,
    tag,
    target: 'main',
    name: null,
    body: null,
    draft: true,
    prerelease: false,
    immutable: false,
    createdAt: now,
    updatedAt: now,
    publishedAt: null,
    untagged: `untagged-${crypto.randomBytes(10).toString('hex')}`,
    assets: []
  })

  const generatedNotes = (tag: string, previous: unknown): { name: string; body: string } => {
    const range = typeof previous === 'string' ? `compare/${previous}...${tag}` : `commits/${tag}`
    return {
      name: tag,
      body: `## What's Changed\n* Build and release by @octocat in ${base}/${owner}/${repo}/pull/1\n\n\n**Full Changelog**: ${base}/${owner}/${repo}/${range}`
    }
  }

  // ---- handlers ----

  const store = new RepoStore(
    () => ({ api, web: base }),
    (status, message, extra = {}) => new ApiError(status, message, extra)
  )
  for (const seed of opts.repositories ?? []) store.add(seed)
  const otherRepo = (c: Ctx): NonNullable<ReturnType<RepoStore['find']>> =>
    store.find(c.other!.owner, c.other!.repo)!

  const handlers: Record<Exclude<OperationId, 'repos/upload-release-asset'>, (c: Ctx) => Reply> = {
    'repos/get'(c) {
      return { status: 200, body: store.get(otherRepo(c), c.auth.taps === true) }
    },
    'repos/get-content'(c) {
      const body = store.getContent(
        otherRepo(c),
        decodePath(c.param!),
        c.url.searchParams.get('ref')
      )
      return { status: 200, body }
    },
    'repos/create-or-update-file-contents'(c) {
      return store.putContent(otherRepo(c), decodePath(c.param!), c.json)
    },
    'git/get-ref'(c) {
      return { status: 200, body: store.getRef(otherRepo(c), decodePath(c.param!)) }
    },
    'git/create-ref'(c) {
      return { status: 201, body: store.createRef(otherRepo(c), c.json) }
    },
    'pulls/create'(c) {
      return { status: 201, body: store.createPull(otherRepo(c), c.json) }
    },
    'pulls/list'(c) {
      return { status: 200, body: store.listPulls(otherRepo(c), c.url.searchParams) }
    },
    'repos/create-attestation'(c) {
      // GitHub reads the subjects from the bundle's in-toto statement to index it by digest.
      const bundle = c.json.bundle as Record<string, unknown>
      const envelope = bundle.dsseEnvelope as { payload?: unknown; payloadType?: unknown }
      let subjectDigests: string[]
      try {
        if (envelope?.payloadType !== 'application/vnd.in-toto+json') throw new Error()
        const statement = JSON.parse(
          Buffer.from(String(envelope.payload), 'base64').toString()
        ) as {
          subject: { digest: Record<string, string> }[]
        }
        subjectDigests = statement.subject.flatMap(x =>
          Object.entries(x.digest).map(([alg, hex]) => `${alg}:${hex}`)
        )
        if (subjectDigests.length === 0) throw new Error()
      } catch {
        throw new ApiError(
          422,
          'Validation Failed: the bundle holds no in-toto statement with subjects'
        )
      }
      const id = nextAttestationId++
      attestations.push({ id, bundle: structuredClone(bundle), subjectDigests })
      return { status: 201, body: { id } }
    },

    'repos/list-attestations'(c) {
      const digest = decodeURIComponent(c.param!)
      const perPage = Math.min(
        PER_PAGE_MAX,
        positiveInt(c.url.searchParams.get('per_page')) ?? PER_PAGE_DEFAULT
      )
      const found = attestations
        .filter(a => a.subjectDigests.includes(digest))
        .reverse()
        .slice(0, perPage)
      return {
        status: 200,
        body: {
          attestations: found.map(a => ({
            bundle: a.bundle,
            repository_id: repoId,
            bundle_url: `${api}${repoPath}/attestations/${a.id}/bundle`
          }))
        }
      }
    },

    'repos/list-releases'(c) {
      const page = paginate(visible(c.auth), c.url, `${api}/repositories/${repoId}/releases`)
      return { status: 200, body: page.items.map(releaseJson), headers: page.headers }
    },

    'repos/create-release'(c) {
      const j = c.json
      const tag = checkTagName(j.tag_name)
      // Drafts do not own their tag, so several may share one (github-runtime.md).
      if (j.draft !== true) checkTagFree(tag)
      const now = new Date()
      const r = newRelease(tag, now)
      if (typeof j.target_commitish === 'string') r.target = j.target_commitish
      r.prerelease = j.prerelease === true
      r.name = typeof j.name === 'string' ? j.name : null
      r.body = typeof j.body === 'string' ? j.body : null
      if (j.generate_release_notes === true) {
        // Docs: the given name wins; a given body is put before the generated notes.
        const notes = generatedNotes(tag, undefined)
        r.name ??= notes.name
        r.body = r.body ? `${r.body}\n\n${notes.body}` : notes.body
      }
      if (j.draft !== true) publish(r, now)
      releases.push(r)
      // Docs: make_latest defaults to true for newly published releases.
      if (!r.draft) applyMakeLatest(r, j.make_latest ?? 'true')
      return {
        status: 201,
        body: releaseJson(r),
        headers: { Location: `${api}${repoPath}/releases/${r.id}` }
      }
    },

    'repos/get-release'(c) {
      return { status: 200, body: releaseJson(findRelease(c.auth, c.param)) }
    },

    'repos/update-release'(c) {
      const r = findRelease(c.auth, c.param)
      const j = c.json
      const tag = j.tag_name === undefined ? r.tag : checkTagName(j.tag_name)
      if (frozen(r)) {
        // Docs: only the title, notes, pre-release and latest flags of an immutable release change.
        const blocked = (['tag_name', 'target_commitish'] as const).find(
          f => j[f] !== undefined && j[f] !== (f === 'tag_name' ? r.tag : r.target)
        )
        if (blocked || j.draft === true) {
          throw validationFailed({
            resource: 'Release',
            code: 'custom',
            field: blocked ?? 'draft',
            message: `${blocked ?? 'draft'} cannot be changed on an immutable release`
          })
        }
      }
      const willPublish = j.draft === false && r.draft
      if (willPublish || (!r.draft && j.draft !== true && tag !== r.tag)) checkTagFree(tag, r)
      const now = new Date()
      r.tag = tag
      if (typeof j.target_commitish === 'string') r.target = j.target_commitish
      if (typeof j.name === 'string') r.name = j.name
      if (typeof j.body === 'string') r.body = j.body
      if (typeof j.prerelease === 'boolean') r.prerelease = j.prerelease
      if (willPublish) publish(r, now)
      else if (j.draft === true && !r.draft) {
        r.draft = true
        r.publishedAt = null
      }
      r.updatedAt = now
      if (willPublish) applyMakeLatest(r, j.make_latest ?? 'true')
      else if (j.make_latest !== undefined) applyMakeLatest(r, j.make_latest)
      else if (latestId === r.id && (r.draft || r.prerelease)) recomputeLatest(r)
      return { status: 200, body: releaseJson(r) }
    },

    'repos/delete-release'(c) {
      const r = findRelease(c.auth, c.param)
      // Docs: an immutable release may be deleted, but its tag can never be used again.
      if (r.immutable) burnedTags.add(r.tag)
      releases.splice(releases.indexOf(r), 1)
      if (latestId === r.id) recomputeLatest()
      return { status: 204 }
    },

    'repos/get-release-by-tag'(c) {
      if (c.fault?.kind === 'lag') throw new ApiError(404, 'Not Found')
      // Published releases only: a draft has no tag yet (the docs' note on drafts).
      const r = publishedWithTag(decodeURIComponent(c.param ?? ''))
      if (!r) throw new ApiError(404, 'Not Found')
      return { status: 200, body: releaseJson(r) }
    },

    'repos/get-latest-release'() {
      const r = releases.find(x => x.id === latestId)
      if (!r) throw new ApiError(404, 'Not Found')
      return { status: 200, body: releaseJson(r) }
    },

    'repos/generate-release-notes'(c) {
      return {
        status: 200,
        body: generatedNotes(checkTagName(c.json.tag_name), c.json.previous_tag_name)
      }
    },

    'repos/list-release-assets'(c) {
      const r = findRelease(c.auth, c.param)
      const page = paginate(
        r.assets,
        c.url,
        `${api}/repositories/${repoId}/releases/${r.id}/assets`
      )
      return { status: 200, body: page.items.map(a => assetJson(r, a)), headers: page.headers }
    },

    'repos/get-release-asset'(c) {
      const { r, a } = findAsset(c.auth, c.param)
      // Docs: with Accept application/octet-stream the answer is a 302 to the bytes.
      if ((c.req.headers.accept ?? '').includes('application/octet-stream')) {
        return { status: 302, headers: { Location: signedObjectUrl(a) } }
      }
      return { status: 200, body: assetJson(r, a) }
    },

    'repos/update-release-asset'(c) {
      const { r, a } = findAsset(c.auth, c.param)
      if (frozen(r)) throw new ApiError(422, IMMUTABLE_ASSET_CHANGE)
      if (typeof c.json.name === 'string') {
        const name = githubAssetName(c.json.name)
        if (r.assets.some(x => x !== a && x.name === name)) {
          throw alreadyExists('ReleaseAsset', 'name')
        }
        a.name = name
      }
      if (typeof c.json.label === 'string') a.label = c.json.label
      a.updatedAt = new Date()
      return { status: 200, body: assetJson(r, a) }
    },

    'repos/delete-release-asset'(c) {
      const { r, a } = findAsset(c.auth, c.param)
      if (frozen(r)) throw new ApiError(422, IMMUTABLE_ASSET_CHANGE)
      r.assets.splice(r.assets.indexOf(a), 1)
      return { status: 204 }
    },

    'repos/check-immutable-releases'() {
      // Needs admin read access, which no GITHUB_TOKEN has: clients must read `immutable` from
      // the releases instead (check-immutable-releases docs).
      throw new ApiError(
        403,
        NOT_ACCESSIBLE,
        {},
        { 'x-accepted-github-permissions': 'administration=read' }
      )
    }
  }

  async function upload(c: Ctx, releaseId: string): Promise<Reply | 'destroyed'> {
    const r = findRelease(c.auth, releaseId)
    const rawName = c.url.searchParams.get('name')
    if (!rawName) {
      throw validationFailed({ resource: 'ReleaseAsset', code: 'missing_field', field: 'name' })
    }
    // The docs require Content-Length; a chunked stream has none.
    if (c.req.headers['content-length'] === undefined) {
      throw new ApiError(400, 'Content-Length header is required')
    }
    const length = Number(c.req.headers['content-length'])
    if (!Number.isSafeInteger(length) || length > MAX_UPLOAD) {
      throw new ApiError(400, `Content-Length must be at most ${MAX_UPLOAD} bytes here`)
    }
    if (frozen(r)) throw new ApiError(422, IMMUTABLE_UPLOAD)
    const name = githubAssetName(rawName)
    // A starter left by a failed upload holds the name until it is deleted.
    if (r.assets.some(a => a.name === name)) throw alreadyExists('ReleaseAsset', 'name')
    const now = new Date()
    const label = c.url.searchParams.get('label')
    // The asset exists from the first byte on, in state starter, as GitHub's 502 leftovers show.
    const asset: Asset = {
      id: nextAssetId++,
      name,
      label: label || null,
      state: 'starter',
      contentType: c.req.headers['content-type'] ?? 'application/octet-stream',
      bytes: Buffer.alloc(0),
      size: 0,
      sha256: sha256(Buffer.alloc(0)),
      digest: null,
      downloadCount: 0,
      createdAt: now,
      updatedAt: now
    }
    r.assets.push(asset)
    const drop = (): void => {
      const i = r.assets.indexOf(asset)
      if (i >= 0) r.assets.splice(i, 1)
    }
    if (c.fault?.kind === 'starter-then-502') {
      await drain(c.req)
      throw new ApiError(502, 'Bad Gateway')
    }
    if (c.fault?.kind === 'reset-mid-upload') {
      const socket = c.req.socket
      await readSome(c.req, Math.max(1, length >> 1))
      if (!c.fault.leaveStarter) drop()
      reset(socket)
      return 'destroyed'
    }
    try {
      if (length <= KEEP_IN_MEMORY) {
        asset.bytes = await readBody(c.req, MAX_UPLOAD, tooLarge)
        asset.size = asset.bytes.length
        asset.sha256 = sha256(asset.bytes)
      } else {
        Object.assign(asset, await spill(c.req, asset.id))
      }
    } catch (e) {
      drop()
      throw e
    }
    asset.digest = `sha256:${asset.sha256}`
    asset.state = 'uploaded'
    asset.updatedAt = new Date()
    return { status: 201, body: assetJson(r, asset) }
  }

  /** Writes an upload to a temp file, hashing it on the way; at most MAX_UPLOAD bytes. */
  async function spill(
    req: http.IncomingMessage,
    id: number
  ): Promise<{ file: string; size: number; sha256: string }> {
    spillDir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'github-assets-'))
    const file = path.join(spillDir, String(id))
    const hash = crypto.createHash('sha256')
    let size = 0
    const count = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length
        if (size > MAX_UPLOAD) return done(tooLarge(`request body exceeds ${MAX_UPLOAD} bytes`))
        hash.update(chunk)
        done(null, chunk)
      }
    })
    await pipeline(req, count, fs.createWriteStream(file))
    return { file, size, sha256: hash.digest('hex') }
  }

  // ---- HTTP ----

  function authenticate(header: string | undefined): Auth {
    if (!header) throw new ApiError(401, 'Requires authentication')
    const m = /^(?:token|bearer) (\S+)$/i.exec(header)
    if (m && m[1] === token) return { token, write: true }
    if (m && m[1] === readOnlyToken) return { token: readOnlyToken, write: false }
    if (m && m[1] === tapToken) return { token: tapToken, write: false, taps: true }
    throw new ApiError(401, 'Bad credentials')
  }

  /**
   * Counts the call against the token's hour; the headers go on every answer. Refused tokens
   * count against the anonymous limit of 60, as GitHub's do.
   */
  function meter(auth: Auth | undefined, nowMs: number): Record<string, string> {
    const key = auth?.token ?? ''
    let r = rate.get(key)
    if (!r || r.resetAt <= nowMs) {
      r = { used: 0, resetAt: nowMs + RATE_WINDOW_MS }
      rate.set(key, r)
    }
    r.used++
    return rateHeaders(auth ? rateLimit : ANONYMOUS_RATE_LIMIT, r.used, r.resetAt)
  }

  const serve =
    (host: 'api' | 'uploads') =>
    (req: http.IncomingMessage, res: http.ServerResponse): void => {
      handle(req, res, host).catch((e: unknown) => {
        contractViolations.push(`the stand-in crashed on ${req.method} ${req.url}: ${String(e)}`)
        res.destroy()
      })
    }
  const server = http.createServer(serve('api'))
  const uploadServer = opts.uploadsOnApiHost ? undefined : http.createServer(serve('uploads'))

  async function handle(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    host: 'api' | 'uploads'
  ): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const method = req.method ?? 'GET'
    let held: Call['held']
    const record = (
      operationId: Call['operationId'],
      status: number,
      fault?: GitHubFault
    ): void => {
      const call: Call = {
        operationId,
        method,
        path: url.pathname + url.search,
        status,
        ...(fault ? { fault: fault.kind } : {}),
        ...(held ? { held } : {})
      }
      calls.push(call)
      for (const w of callWaiters.filter(x => x.match(call))) {
        callWaiters.splice(callWaiters.indexOf(w), 1)
        w.resolve(call)
      }
    }

    let pathname = url.pathname
    let isUpload = host === 'uploads'
    if (host === 'api') {
      if (opts.uploadsOnApiHost && pathname.startsWith('/api/uploads/')) {
        pathname = pathname.slice('/api/uploads'.length)
        isUpload = true
      } else if (pathname.startsWith('/api/v3/')) {
        pathname = pathname.slice('/api/v3'.length)
      } else if (pathname.startsWith('/_objects/')) {
        return record(BROWSER_DOWNLOAD, await serveObject(pathname, req, res))
      } else if (pathname.startsWith(`/${owner}/${repo}/releases/download/`)) {
        return record(BROWSER_DOWNLOAD, await serveDownload(pathname, req, res))
      } else pathname = '' // routes nowhere: 404 like any unknown path
    }

    let operationId: OperationId | undefined
    let param: string | undefined
    let otherTarget: Ctx['other']
    if (isUpload) {
      const m = UPLOAD_ROUTE.exec(pathname)
      if (m && method === 'POST' && sameRepo(m[1]!, m[2]!)) {
        operationId = 'repos/upload-release-asset'
        param = m[3]
      }
    } else {
      const rest = repoRest(pathname)
      const other = rest === undefined ? /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(pathname) : null
      const stored = other ? store.find(other[1]!, other[2]!) : undefined
      if (stored) otherTarget = { owner: stored.owner, repo: stored.name }
      const routes = rest !== undefined ? ROUTES : stored ? OTHER_ROUTES : []
      const tail = rest ?? other?.[3] ?? ''
      for (const route of routes) {
        const m = route.method === method ? route.pattern.exec(tail) : null
        if (m) {
          operationId = route.operationId
          param = m[1]
          break
        }
      }
    }
    if (!operationId) {
      await drain(req).catch(() => undefined)
      sendJson(res, 404, errorBody(404, 'Not Found', DOCS_REST))
      return record(UNROUTED, 404)
    }

    const op = operationId
    const docsUrl = contract?.operations[op].docsUrl ?? DOCS_REST
    const nowMs = Date.now()
    let auth: Auth | undefined
    let authError: unknown
    try {
      auth = authenticate(req.headers.authorization)
    } catch (e) {
      authError = e
    }
    const request: HeldRequest = {
      operationId: op,
      method,
      path: url.pathname + url.search,
      asset: url.searchParams.get('name')
    }
    const hold = auth ? holds.find(h => h.released === undefined && h.match(request)) : undefined
    if (hold) {
      let json: Record<string, unknown> | undefined
      if (op !== 'repos/upload-release-asset') {
        json = await readJson(req, op, contract, docsUrl, text =>
          contractViolations.push(`${method} ${url.pathname} (${op}) request: ${text}`)
        ).catch(() => undefined)
      }
      let end!: () => void
      const ended = new Promise<void>(resolve => (end = resolve))
      const resumed = new Promise<HoldEnd>(resume => hold.waiting.push({ resume, ended }))
      hold.reached(request)
      held = await resumed
      if (held === 'commit') {
        if (json === undefined || op === 'repos/upload-release-asset') {
          contractViolations.push(`a hold cannot commit ${method} ${url.pathname} (${op})`)
        } else {
          try {
            handlers[op as Exclude<OperationId, 'repos/upload-release-asset'>]({
              operationId: op,
              req,
              url,
              auth: auth!,
              param,
              json,
              fault: undefined
            })
          } catch {
            // Refused: nothing changed, and the client would not have seen why either.
          }
        }
      }
      if (held === 'starter') {
        const r = releases.find(x => String(x.id) === param)
        const name = githubAssetName(request.asset ?? '')
        if (op !== 'repos/upload-release-asset' || !r || r.assets.some(a => a.name === name)) {
          contractViolations.push(`a hold cannot leave a starter for ${method} ${url.pathname}`)
        } else {
          const now = new Date()
          r.assets.push({
            id: nextAssetId++,
            name,
            label: null,
            state: 'starter',
            contentType: req.headers['content-type'] ?? 'application/octet-stream',
            bytes: Buffer.alloc(0),
            size: 0,
            sha256: crypto.createHash('sha256').digest('hex'),
            digest: null,
            downloadCount: 0,
            createdAt: now,
            updatedAt: now
          })
        }
      }
      reset(req.socket)
      record(op, 0)
      end()
      return
    }
    // Faults come after authentication: a refused token does not consume one.
    const fault = auth ? faults.take(op, url.searchParams.get('name')) : undefined
    const headers = { 'x-github-request-id': requestId(), ...meter(auth, nowMs) }
    const answer = (reply: Reply): number => {
      let { status, body } = reply
      if (fault?.kind === 'break-contract' && body !== undefined) body = dropField(body, fault.drop)
      if (contract) {
        const problems = contract.checkResponse(op, status, body)
        if (problems.length > 0) {
          const text = `${method} ${url.pathname}${url.search} (${op}) answered ${status}: ${problems.join('; ')}`
          contractViolations.push(text)
          status = 500
          body = errorBody(500, `contract violation: ${text}`, docsUrl)
        }
      }
      const all = { ...headers, ...reply.headers }
      if (fault?.kind === 'stall-body' && body !== undefined) {
        const text = JSON.stringify(body)
        res.writeHead(status, {
          ...all,
          'Content-Type': 'application/json; charset=utf-8',
          'Content-Length': Buffer.byteLength(text)
        })
        res.write(text.slice(0, text.length >> 1))
        return status
      }
      return body === undefined ? sendEmpty(res, status, all) : sendJson(res, status, body, all)
    }
    const fail = (e: unknown): number => {
      if (e instanceof ApiError) {
        return answer({
          status: e.status,
          body: { ...errorBody(e.status, e.message, docsUrl), ...e.extra },
          headers: e.headers
        })
      }
      // A bug in the stand-in must fail the test as loudly as a contract violation.
      contractViolations.push(`${method} ${url.pathname} (${op}) threw: ${(e as Error).stack}`)
      return answer({ status: 500, body: errorBody(500, 'Server Error', docsUrl) })
    }

    if (!auth) {
      await drain(req).catch(() => undefined)
      return record(op, fail(authError))
    }
    if (fault?.kind === 'stall') {
      // Never answered; the client's abort (or stop()) closes the connection.
      req.pause()
      return record(op, 0, fault)
    }
    const early = earlyAnswer(op, auth, nowMs, fault)
    if (early === 'reset') {
      reset(req.socket)
      return record(op, 0, fault)
    }
    if (early) {
      await drain(req).catch(() => undefined)
      return record(op, fail(early), fault)
    }

    const ctx: Ctx = {
      operationId: op,
      req,
      url,
      auth,
      param,
      json: {},
      fault,
      ...(otherTarget ? { other: otherTarget } : {})
    }
    let reply: Reply | 'destroyed'
    try {
      if (op === 'repos/upload-release-asset') reply = await upload(ctx, param!)
      else {
        ctx.json = await readJson(req, op, contract, docsUrl, text =>
          contractViolations.push(`${method} ${url.pathname} (${op}) request: ${text}`)
        )
        reply = handlers[op](ctx)
      }
    } catch (e) {
      await drain(req).catch(() => undefined)
      if (fault?.kind === 'reset' || (e as { code?: string }).code === 'ECONNRESET') {
        reset(req.socket)
        return record(op, 0, fault)
      }
      if (fault?.kind === 'server-error') return record(op, fail(serverError(fault.status)), fault)
      return record(op, fail(e), fault)
    }
    if (reply === 'destroyed') return record(op, 0, fault)
    // afterCommit faults: the change above stands, the answer is lost.
    if (fault?.kind === 'reset') {
      reset(req.socket)
      return record(op, 0, fault)
    }
    if (fault?.kind === 'server-error') return record(op, fail(serverError(fault.status)), fault)
    return record(op, answer(reply), fault)
  }

  /**
   * Answers decided before the endpoint runs: permission, rate limits and faults that do not let
   * the call take effect. Returns 'reset' to destroy the connection.
   */
  function earlyAnswer(
    op: OperationId,
    auth: Auth,
    nowMs: number,
    fault: GitHubFault | undefined
  ): ApiError | 'reset' | undefined {
    const used = rate.get(auth.token)!
    if (used.used > rateLimit) return primaryLimit(rateLimit, used.used, used.resetAt)
    if (fault?.kind === 'primary-rate-limit') {
      return primaryLimit(rateLimit, used.used, nowMs + (fault.resetInSeconds ?? 60) * 1000)
    }
    if (fault?.kind === 'secondary-rate-limit') {
      return secondaryLimit(fault.status ?? 403, fault.retryAfterSeconds)
    }
    if (WRITES.has(op) && opts.secondaryWritesPerMinute !== undefined) {
      while (writeTimes.length > 0 && writeTimes[0]! <= nowMs - 60000) writeTimes.shift()
      if (writeTimes.length >= opts.secondaryWritesPerMinute) return secondaryLimit(403, undefined)
      writeTimes.push(nowMs)
    }
    if (fault?.kind === 'reset' && !fault.afterCommit) return 'reset'
    if (fault?.kind === 'server-error' && !fault.afterCommit) return serverError(fault.status)
    if (WRITES.has(op) && !(OTHER_OPERATIONS.has(op) ? auth.taps : auth.write)) {
      return new ApiError(
        403,
        NOT_ACCESSIBLE,
        {},
        { 'x-accepted-github-permissions': 'contents=write' }
      )
    }
    if (op === 'repos/create-attestation' && (!auth.write || opts.attestationsWrite === false)) {
      return new ApiError(
        403,
        NOT_ACCESSIBLE,
        {},
        { 'x-accepted-github-permissions': 'attestations=write' }
      )
    }
    return undefined
  }

  // ---- downloads ----

  function signedObjectUrl(a: Asset): string {
    return `${base}/_objects/${a.id}/${hmac(signingKey, String(a.id))}`
  }

  /** `browser_download_url`: a 302 to the bytes, as github.com redirects to its object store. */
  async function serveDownload(
    pathname: string,
    req: http.IncomingMessage,
    res: http.ServerResponse
  ): Promise<number> {
    await drain(req).catch(() => undefined)
    const prefix = `/${owner}/${repo}/releases/download/`
    if (req.method !== 'GET') return sendText(res, 404, 'Not Found')
    const [tag, name, ...rest] = pathname.slice(prefix.length).split('/').map(decodeURIComponent)
    let auth: Auth | undefined
    try {
      auth = req.headers.authorization ? authenticate(req.headers.authorization) : undefined
    } catch {
      auth = undefined
    }
    // Drafts' files are only for those who may see the draft.
    const r = releases.find(x => (x.draft ? auth?.write && x.untagged === tag : x.tag === tag))
    const a = r?.assets.find(x => x.name === name && x.state === 'uploaded')
    if (!a || rest.length > 0) return sendText(res, 404, 'Not Found')
    res.writeHead(302, { Location: signedObjectUrl(a), 'Content-Length': 0 })
    res.end()
    return 302
  }

  async function serveObject(
    pathname: string,
    req: http.IncomingMessage,
    res: http.ServerResponse
  ): Promise<number> {
    await drain(req).catch(() => undefined)
    const [id, sig] = pathname.slice('/_objects/'.length).split('/')
    const a = releases.flatMap(r => r.assets).find(x => String(x.id) === id)
    if (req.method !== 'GET' || !a || sig !== hmac(signingKey, String(a.id))) {
      return sendText(res, 404, 'Not Found')
    }
    a.downloadCount++
    res.writeHead(200, {
      'Content-Type': 'application/octet-stream',
      'Content-Length': a.size,
      'Content-Disposition': `attachment; filename=${a.name}`
    })
    if (a.file) await pipeline(fs.createReadStream(a.file), res)
    else res.end(a.bytes)
    return 200
  }

  // ---- helpers bound to this service ----

  function sameRepo(o: string, r: string): boolean {
    // Docs: owner and repo are not case sensitive.
    return o.toLowerCase() === owner.toLowerCase() && r.toLowerCase() === repo.toLowerCase()
  }

  /** The path after `/repos/{owner}/{repo}` or `/repositories/{id}`, undefined for other repos. */
  function repoRest(pathname: string): string | undefined {
    const byName = /^\/repos\/([^/]+)\/([^/]+)(\/.*)$/.exec(pathname)
    if (byName && sameRepo(byName[1]!, byName[2]!)) return byName[3]
    const byId = /^\/repositories\/(\d+)(\/.*)$/.exec(pathname)
    if (byId && Number(byId[1]) === repoId) return byId[2]
    return undefined
  }

  function paginate<T>(
    items: T[],
    url: URL,
    linkBase: string
  ): { items: T[]; headers: Record<string, string> } {
    // GitHub clamps per_page to 100 and treats junk as the default.
    const perPage = Math.min(
      PER_PAGE_MAX,
      positiveInt(url.searchParams.get('per_page')) ?? PER_PAGE_DEFAULT
    )
    const page = positiveInt(url.searchParams.get('page')) ?? 1
    const last = Math.max(1, Math.ceil(items.length / perPage))
    const link = (n: number, rel: string): string => {
      const q = new URLSearchParams(url.searchParams)
      q.set('per_page', String(perPage))
      q.set('page', String(n))
      return `<${linkBase}?${q.toString()}>; rel="${rel}"`
    }
    const links: string[] = []
    if (page > 1) links.push(link(Math.min(page - 1, last), 'prev'))
    if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'))
    if (page > 1) links.push(link(1, 'first'))
    return {
      items: items.slice((page - 1) * perPage, page * perPage),
      headers: links.length > 0 ? { Link: links.join(', ') } : {}
    }
  }

  // ---- seeding and snapshots ----

  function addRelease(seed: ReleaseSeed): ReleaseView {
    const now = new Date()
    const r = newRelease(checkTagName(seed.tagName), now)
    r.name = seed.name ?? null
    r.prerelease = seed.prerelease ?? false
    for (const s of seed.assets ?? []) {
      const starter = s.state === 'starter'
      const bytes = starter ? Buffer.alloc(0) : Buffer.from(s.data ?? '')
      r.assets.push({
        id: nextAssetId++,
        name: githubAssetName(s.name),
        label: null,
        state: s.state ?? 'uploaded',
        contentType: s.contentType ?? 'application/octet-stream',
        bytes,
        size: bytes.length,
        sha256: sha256(bytes),
        digest: starter ? null : `sha256:${sha256(bytes)}`,
        downloadCount: 0,
        createdAt: now,
        updatedAt: now
      })
    }
    if (!seed.draft) {
      checkTagFree(r.tag)
      publish(r, now)
      if (seed.immutable !== undefined) r.immutable = seed.immutable
    }
    releases.push(r)
    if (!r.draft) applyMakeLatest(r, 'true')
    return view(r)
  }

  const view = (r: Release): ReleaseView => ({
    id: r.id,
    tagName: r.tag,
    targetCommitish: r.target,
    name: r.name,
    body: r.body,
    draft: r.draft,
    prerelease: r.prerelease,
    immutable: r.immutable,
    latest: r.id === latestId,
    publishedAt: r.publishedAt,
    assets: r.assets.map(a => ({
      id: a.id,
      name: a.name,
      label: a.label,
      state: a.state,
      contentType: a.contentType,
      size: a.size,
      digest: a.digest,
      sha256: a.sha256,
      downloadCount: a.downloadCount
    }))
  })

  // ---- listen ----

  const servers = uploadServer ? [server, uploadServer] : [server]
  for (const s of servers) {
    s.keepAliveTimeout = 1000
    s.headersTimeout = 10000
    s.requestTimeout = 60000
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject)
      s.listen(0, '127.0.0.1', () => resolve())
    })
    // A test that forgets stop() must not keep Jest's process alive.
    s.unref()
  }
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  api = `${base}/api/v3`
  uploads = uploadServer
    ? `http://127.0.0.1:${(uploadServer.address() as AddressInfo).port}`
    : `${base}/api/uploads`
  let stopping: Promise<void> | undefined

  return {
    url: api,
    webUrl: base,
    uploadsUrl: uploads,
    repository: `${owner}/${repo}`,
    owner,
    repo,
    token,
    readOnlyToken,
    tapToken,
    repos: store,
    releases: () => [...releases].reverse().map(view),
    assetBytes: id => {
      const a = releases.flatMap(r => r.assets).find(x => x.id === id)
      if (!a) return undefined
      return a.file ? fs.readFileSync(a.file) : Buffer.from(a.bytes)
    },
    addRelease,
    setImmutable(on) {
      immutableSetting = on
    },
    attestations: () => structuredClone(attestations),
    faults,
    hold(match) {
      let reached!: (request: HeldRequest) => void
      const promise = new Promise<HeldRequest>(resolve => (reached = resolve))
      const h: (typeof holds)[number] = { match, reached, waiting: [] }
      holds.push(h)
      return {
        reached: promise,
        async release(how = 'drop') {
          h.released = how
          const held = h.waiting.splice(0)
          for (const w of held) w.resume(how)
          await Promise.all(held.map(w => w.ended))
        }
      }
    },
    waitForCall(match) {
      const past = calls.find(match)
      if (past) return Promise.resolve(past)
      return new Promise(resolve => callWaiters.push({ match, resolve }))
    },
    calls,
    contractViolations,
    stop() {
      stopping ??= Promise.all(
        servers.map(
          s =>
            new Promise<void>(resolve => {
              s.close(() => resolve())
              s.closeAllConnections()
            })
        )
      ).then(() => {
        if (spillDir) fs.rmSync(spillDir, { recursive: true, force: true })
      })
      return stopping
    }
  }
}

// ---- request reading ----

/** Reads and checks a JSON body the way GitHub answers bad ones: 400 unparsable, 422 invalid. */
async function readJson(
  req: http.IncomingMessage,
  op: OperationId,
  contract: GitHubContract | undefined,
  docsUrl: string,
  violation: (text: string) => void
): Promise<Record<string, unknown>> {
  if (req.method === 'GET' || req.method === 'DELETE') {
    await drain(req)
    return {}
  }
  const raw = (await readBody(req, MAX_JSON, tooLarge)).toString('utf8')
  let json: unknown = {}
  if (raw.trim() !== '') {
    try {
      json = JSON.parse(raw)
    } catch {
      throw new ApiError(400, 'Problems parsing JSON')
    }
  }
  const problems = contract?.checkRequest(op, json) ?? []
  if (problems.length > 0) {
    // Our own client sent what GitHub refuses: a defect to fail the test on, not only a 422.
    violation(problems.join('; '))
    throw new ApiError(422, `Invalid request.\n\n${problems.join('\n')}`, {
      documentation_url: docsUrl
    })
  }
  return typeof json === 'object' && json !== null && !Array.isArray(json)
    ? (json as Record<string, unknown>)
    : {}
}

/**
 * Reads at least `n` bytes (or to the end) and stops reading, leaving the socket open so the
 * caller can reset it (leaving a for-await loop would close it politely instead).
 */
function readSome(req: http.IncomingMessage, n: number): Promise<void> {
  return new Promise(resolve => {
    let got = 0
    const done = (): void => {
      req.off('data', onData)
      req.off('end', done)
      req.off('error', done)
      req.pause()
      resolve()
    }
    const onData = (chunk: Buffer): void => {
      got += chunk.length
      if (got >= n) done()
    }
    req.on('data', onData)
    req.once('end', done)
    req.once('error', done)
  })
}

/** Discards the rest of a request so the answer reaches a client still sending; bounded. */
async function drain(req: http.IncomingMessage): Promise<void> {
  if (req.readableEnded) return
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > MAX_UPLOAD) {
      req.socket.destroy()
      return
    }
  }
}

/** Drops the connection with a TCP RST, what a client reports as ECONNRESET. */
function reset(socket: Socket | null): void {
  if (socket && !socket.destroyed) socket.resetAndDestroy()
}

// ---- GitHub's shapes ----

/** GitHub's error body: `message`, `documentation_url`, and the status as a string. */
function errorBody(status: number, message: string, docsUrl: string): Record<string, unknown> {
  return { message, documentation_url: docsUrl, status: String(status) }
}

function validationFailed(...errors: Record<string, unknown>[]): ApiError {
  return new ApiError(422, 'Validation Failed', { errors })
}

/** The 422 of a duplicate tag or asset name (create-release and upload docs). */
function alreadyExists(resource: string, field: string): ApiError {
  return validationFailed({ resource, code: 'already_exists', field })
}

function serverError(status: 500 | 502 | 503): ApiError {
  const message = { 500: 'Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable' }[status]
  return new ApiError(status, message)
}

function primaryLimit(limit: number, used: number, resetAtMs: number): ApiError {
  return new ApiError(
    403,
    'API rate limit exceeded for installation. If you reach out to GitHub Support for help, please include the request ID.',
    { documentation_url: DOCS_RATE_LIMITS },
    { ...rateHeaders(limit, Math.max(used, limit), resetAtMs), 'x-ratelimit-remaining': '0' }
  )
}

function secondaryLimit(status: 403 | 429, retryAfterSeconds: number | undefined): ApiError {
  return new ApiError(
    status,
    SECONDARY_RATE_LIMIT,
    { documentation_url: `${DOCS_RATE_LIMITS}#about-secondary-rate-limits` },
    retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) }
  )
}

function rateHeaders(limit: number, used: number, resetAtMs: number): Record<string, string> {
  return {
    'x-ratelimit-limit': String(limit),
    'x-ratelimit-remaining': String(Math.max(0, limit - used)),
    'x-ratelimit-reset': String(Math.ceil(resetAtMs / 1000)),
    'x-ratelimit-used': String(used),
    'x-ratelimit-resource': 'core'
  }
}

/** Tag names as `git check-ref-format` takes them; GitHub refuses others with a 422. */
function checkTagName(value: unknown): string {
  if (typeof value !== 'string' || value === '') {
    throw validationFailed({ resource: 'Release', code: 'missing_field', field: 'tag_name' })
  }
  const bad =
    /[\s~^:?*[\\\p{Cc}]|\.\.|@\{|\/\/|^[/.]|[/.]$|\.lock$|\/\./u.test(value) || value === '@'
  if (bad) {
    throw validationFailed({
      resource: 'Release',
      code: 'custom',
      field: 'tag_name',
      message: 'tag_name is not a valid tag'
    })
  }
  return value
}

/** The author of releases made with GITHUB_TOKEN (components/schemas/simple-user). */
function botUser(base: string): Record<string, unknown> {
  const url = `${base}/api/v3/users/github-actions%5Bbot%5D`
  return {
    login: 'github-actions[bot]',
    id: 41898282,
    node_id: 'MDM6Qm90NDE4OTgyODI=',
    avatar_url: 'https://avatars.githubusercontent.com/in/15368?v=4',
    gravatar_id: '',
    url,
    html_url: `${base}/apps/github-actions`,
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type: 'Bot',
    user_view_type: 'public',
    site_admin: false
  }
}

function dropField(body: unknown, field: string): unknown {
  const target = Array.isArray(body) ? body[0] : body
  if (typeof target === 'object' && target !== null) {
    delete (target as Record<string, unknown>)[field]
  }
  return body
}

// ---- small utilities ----

/** GitHub's timestamps: ISO 8601 in UTC without milliseconds. */
/** A path parameter as the client sent it, percent-decoded per segment. */
function decodePath(p: string): string {
  return p.split('/').map(decodeURIComponent).join('/')
}

function iso(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

function nodeId(prefix: string, id: number): string {
  return `${prefix}_kwDO${Buffer.from(String(id)).toString('base64url')}`
}

function positiveInt(s: string | null): number | undefined {
  const n = s === null ? NaN : Number(s)
  return Number.isInteger(n) && n > 0 ? n : undefined
}

function sha256(data: Buffer): string {
  return crypto.createHash('sha256').update(data).digest('hex')
}

function hmac(key: Buffer, data: string): string {
  return crypto.createHmac('sha256', key).update(data).digest('hex').slice(0, 32)
}

function randomToken(): string {
  return `ghs_${crypto.randomBytes(18).toString('base64url')}`
}

function requestId(): string {
  return crypto.randomBytes(8).toString('hex').toUpperCase()
}

function sendEmpty(
  res: http.ServerResponse,
  status: number,
  headers: Record<string, string>
): number {
  res.writeHead(status, { ...headers, 'Content-Length': 0 })
  res.end()
  return status
}

function sendText(res: http.ServerResponse, status: number, text: string): number {
  res.writeHead(status, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(text) })
  res.end(text)
  return status
}
