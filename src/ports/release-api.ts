import * as github from '@actions/github'
import { retry } from '@octokit/plugin-retry'
import { throttling } from '@octokit/plugin-throttling'
import Bottleneck from 'bottleneck/light.js'
import * as fs from 'node:fs'
import {
  networkTimeouts,
  stallOf,
  watchFetch,
  type FetchLike,
  type NetworkTimeouts
} from '../lib/net-timeouts.js'
import type { LogPort } from './log.js'

/** The fields of a release the release stage reads. */
export interface ReleaseInfo {
  id: number
  tagName: string
  name: string | null
  draft: boolean
  prerelease: boolean
  /** published while the repository had immutable releases on: assets are frozen */
  immutable: boolean
  htmlUrl: string
  /** `https://uploads.github.com/repos/o/r/releases/1/assets{?name,label}` */
  uploadUrl: string
  assets: AssetInfo[]
}

/** The fields of a release asset the release stage reads. */
export interface AssetInfo {
  id: number
  name: string
  size: number
  /** `uploaded`, or `starter`/`open` for an upload that did not finish */
  state: string
  /** `sha256:<hex>`, null where the server has none (older GHES, starters) */
  digest: string | null
  browserDownloadUrl: string
}

/** A refused or failed API call; the message never holds the token. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** GitHub's validation error codes (`already_exists`, `invalid`, …) */
    readonly codes: readonly string[] = [],
    options?: { cause?: unknown }
  ) {
    super(message, options)
    this.name = 'ApiError'
  }
}

/** The releases REST API of one repository. */
export interface ReleaseApi {
  owner: string
  repo: string
  /** Every release, drafts included (get-by-tag hides drafts), newest first. */
  listReleases(): Promise<ReleaseInfo[]>
  createRelease(params: CreateReleaseParams): Promise<ReleaseInfo>
  /** GitHub's generated notes (Markdown) of a release of `tag` at `target`, as create would write them. */
  generateNotes(tag: string, target: string): Promise<string>
  updateRelease(id: number, params: Partial<CreateReleaseParams>): Promise<ReleaseInfo>
  deleteRelease(id: number): Promise<void>
  listAssets(releaseId: number): Promise<AssetInfo[]>
  /** One upload attempt: the file is opened anew and streamed (memory does not grow with its size). */
  uploadAsset(release: ReleaseInfo, name: string, file: string): Promise<AssetInfo>
  deleteAsset(assetId: number): Promise<void>
  downloadAsset(assetId: number): Promise<Buffer>
}

/** Body of create-release (and the fields update-release takes). */
export interface CreateReleaseParams {
  tag_name: string
  target_commitish?: string
  name?: string
  body?: string
  draft?: boolean
  prerelease?: boolean
  generate_release_notes?: boolean
  make_latest?: 'true' | 'false' | 'legacy'
}

/** Limits of the client. */
export interface ReleaseApiOptions {
  /** Multiplies every wait the server asks for (`retry-after`, resets); tests shorten it. */
  retryAfterBaseMs?: number
  /** Attempts after a rate limit before giving up. */
  rateLimitRetries?: number
  /** Retries of 5xx and network errors for calls other than uploads (they have their own loop). */
  retries?: number
  /** Connect and idle bounds of every request; default from the environment (networkTimeouts). */
  timeouts?: NetworkTimeouts
}

/**
 * GitHub's secondary limits allow about 80 content-creating requests a minute: writes start at
 * most that often, several at once, instead of the throttling plugin's one write a second.
 */
const WRITES_PER_MINUTE = 80

/**
 * Octokit with the throttling and retry plugins. `request:` must not be passed to getOctokit:
 * it would replace @actions/github's proxy-aware fetch.
 */
export function githubReleaseApi(
  token: string,
  env: Readonly<Record<string, string | undefined>>,
  log: LogPort,
  options: ReleaseApiOptions = {}
): ReleaseApi {
  const [owner, repo] = (env.GITHUB_REPOSITORY ?? '').split('/')
  if (!owner || !repo) throw new Error('GITHUB_REPOSITORY is not set to owner/repo')
  const baseMs = options.retryAfterBaseMs ?? 1000
  const rateLimitRetries = options.rateLimitRetries ?? 3
  const octokit = github.getOctokit(
    token,
    {
      baseUrl: env.GITHUB_API_URL || 'https://api.github.com',
      retry: {
        retries: options.retries ?? 3,
        retryAfterBaseValue: baseMs,
        // Rate limits (403/429) are the throttling plugin's: it honours retry-after and resets.
        doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451]
      },
      throttle: {
        retryAfterBaseValue: baseMs,
        write: new Bottleneck.Group({
          maxConcurrent: 8,
          reservoir: WRITES_PER_MINUTE,
          reservoirRefreshAmount: WRITES_PER_MINUTE,
          reservoirRefreshInterval: 60_000
        }),
        onRateLimit: (retryAfter: number, request: RequestInfo, _o: unknown, count: number) => {
          log.info(
            `GitHub rate limit on ${request.method} ${request.url}: retrying in ${retryAfter} s`
          )
          return count < rateLimitRetries
        },
        onSecondaryRateLimit: (
          retryAfter: number,
          request: RequestInfo,
          _o: unknown,
          count: number
        ) => {
          log.info(
            `GitHub secondary rate limit on ${request.method} ${request.url}: retrying in ${retryAfter} s`
          )
          return count < rateLimitRetries
        }
      }
    },
    throttling,
    retry
  )
  // Every request, retries included, runs under an idle watchdog around @actions/github's own
  // (proxy-aware) fetch: a stalled connection fails as a network error, which the retry plugin
  // and the release stage's upload loop retry.
  const timeouts = options.timeouts ?? networkTimeouts(env)
  octokit.hook.before('request', requestOptions => {
    const inner = (requestOptions.request?.fetch as FetchLike | undefined) ?? globalThis.fetch
    requestOptions.request = { ...requestOptions.request, fetch: watchFetch(inner, timeouts) }
  })
  // Debug lines name method, URL and status only: request options also hold the token.
  octokit.hook.after('request', (response, request) => {
    log.debug(`GitHub ${request.method} ${request.url} → ${response.status}`)
  })
  octokit.hook.error('request', (error, request) => {
    log.debug(
      `GitHub ${request.method} ${request.url} → ${(error as { status?: number }).status ?? 'no answer'}`
    )
    throw error
  })
  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn()
    } catch (error) {
      throw toApiError(what, error, token)
    }
  }
  const repoParams = { owner, repo }

  return {
    owner,
    repo,
    listReleases: () =>
      call('listing releases', async () =>
        (
          await octokit.paginate(octokit.rest.repos.listReleases, { ...repoParams, per_page: 100 })
        ).map(toRelease)
      ),
    createRelease: params =>
      call(`creating release ${params.tag_name}`, async () =>
        toRelease((await octokit.rest.repos.createRelease({ ...repoParams, ...params })).data)
      ),
    generateNotes: (tag, target) =>
      call(`generating the notes of ${tag}`, async () => {
        const out = await octokit.rest.repos.generateReleaseNotes({
          ...repoParams,
          tag_name: tag,
          target_commitish: target
        })
        return out.data.body
      }),
    updateRelease: (id, params) =>
      call(`updating release ${id}`, async () =>
        toRelease(
          (await octokit.rest.repos.updateRelease({ ...repoParams, release_id: id, ...params }))
            .data
        )
      ),
    deleteRelease: id =>
      call(`deleting release ${id}`, async () => {
        await octokit.rest.repos.deleteRelease({ ...repoParams, release_id: id })
      }),
    listAssets: releaseId =>
      call(`listing the assets of release ${releaseId}`, async () =>
        (
          await octokit.paginate(octokit.rest.repos.listReleaseAssets, {
            ...repoParams,
            release_id: releaseId,
            per_page: 100
          })
        ).map(toAsset)
      ),
    uploadAsset: (release, name, file) =>
      call(`uploading ${name}`, async () => {
        // Streamed from a fresh read of the file on every attempt: a 1 GiB asset read whole
        // peaked at 3.1 GiB RSS. GitHub requires Content-Length, so it comes from the file.
        const { size } = await fs.promises.stat(file)
        const body = fs.createReadStream(file)
        try {
          const response = await octokit.rest.repos.uploadReleaseAsset({
            ...repoParams,
            release_id: release.id,
            name,
            // The upload host comes from the release (GHES, tests): Octokit's default is uploads.github.com.
            baseUrl: uploadOrigin(release.uploadUrl),
            data: body as unknown as string,
            headers: { 'content-type': contentTypeOf(name), 'content-length': size },
            // A failed upload can leave a `starter` asset a plain retry would collide with (422):
            // the release stage retries uploads itself.
            request: { retries: 0 }
          })
          return toAsset(response.data)
        } finally {
          body.destroy()
        }
      }),
    deleteAsset: assetId =>
      call(`deleting asset ${assetId}`, async () => {
        await octokit.rest.repos.deleteReleaseAsset({ ...repoParams, asset_id: assetId })
      }),
    downloadAsset: assetId =>
      call(`downloading asset ${assetId}`, async () => {
        const response = await octokit.rest.repos.getReleaseAsset({
          ...repoParams,
          asset_id: assetId,
          headers: { accept: 'application/octet-stream' }
        })
        return Buffer.from(response.data as unknown as ArrayBuffer)
      })
  }
}

interface RequestInfo {
  method: string
  url: string
}

/** `https://uploads.github.com/repos/o/r/releases/1/assets{?name,label}` → `https://uploads.github.com`. */
export function uploadOrigin(uploadUrl: string): string {
  const i = uploadUrl.indexOf('/repos/')
  if (i < 0) throw new Error(`unexpected upload_url ${uploadUrl}`)
  return uploadUrl.slice(0, i)
}

/** Content type of an asset by its name. */
export function contentTypeOf(name: string): string {
  if (name.endsWith('.tar.gz') || name.endsWith('.tgz')) return 'application/gzip'
  if (name.endsWith('.tar.xz')) return 'application/x-xz'
  if (name.endsWith('.zip')) return 'application/zip'
  if (name.endsWith('.txt') || name.endsWith('.sha256') || name.endsWith('.sha512'))
    return 'text/plain'
  if (name.endsWith('.json')) return 'application/json'
  return 'application/octet-stream'
}

/* eslint-disable @typescript-eslint/no-explicit-any -- Octokit's response types, narrowed here */
function toRelease(r: any): ReleaseInfo {
  return {
    id: r.id,
    tagName: r.tag_name,
    name: r.name ?? null,
    draft: r.draft,
    prerelease: r.prerelease,
    immutable: r.immutable === true,
    htmlUrl: r.html_url,
    uploadUrl: r.upload_url,
    assets: (r.assets ?? []).map(toAsset)
  }
}

function toAsset(a: any): AssetInfo {
  return {
    id: a.id,
    name: a.name,
    size: a.size,
    state: a.state,
    digest: a.digest ?? null,
    browserDownloadUrl: a.browser_download_url
  }
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/**
 * An Octokit error as an ApiError: status, GitHub's message and validation codes, what was being
 * done. The token is cut out of everything, also of bodies the server echoes.
 */
export function toApiError(what: string, error: unknown, token: string): ApiError {
  // A stalled connection: no HTTP status, say which host and what it was doing.
  const stall = stallOf(error)
  if (stall)
    return new ApiError(0, redact(`${what}: ${stall.message}`, token), [], { cause: error })
  const e = (error ?? {}) as {
    status?: number
    message?: string
    response?: { data?: { message?: string; errors?: { code?: string; field?: string }[] } }
  }
  const status = typeof e.status === 'number' ? e.status : 0
  const data = e.response?.data
  const codes = (Array.isArray(data?.errors) ? data.errors : []).map(x => x.code ?? '')
  const detail = [data?.message ?? e.message ?? String(error), ...codes.filter(Boolean)].join(': ')
  const message = redact(`${what}: ${status ? `HTTP ${status}: ` : ''}${detail}`, token)
  return new ApiError(status, message, codes)
}

/** Replaces every occurrence of the secret (and its URL-encoded form) with ***. */
export function redact(text: string, secret: string): string {
  if (!secret) return text
  return text.split(secret).join('***').split(encodeURIComponent(secret)).join('***')
}
