// One way to talk to GitHub's REST API for every port that does: Octokit with the throttling and
// retry plugins, an idle watchdog on every request, debug lines without secrets, and errors as
// ApiError with the token cut out.
import * as github from '@actions/github'
import { retry } from '@octokit/plugin-retry'
import { throttling } from '@octokit/plugin-throttling'
import Bottleneck from 'bottleneck/light.js'
import {
  networkTimeouts,
  stallOf,
  watchFetch,
  type FetchLike,
  type NetworkTimeouts
} from '../lib/net-timeouts.js'
import type { LogPort } from './log.js'

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

/** Limits of the client. */
export interface GitHubClientOptions {
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

/** An authenticated Octokit. */
export type Octokit = ReturnType<typeof github.getOctokit>

/**
 * Octokit with the throttling and retry plugins against GITHUB_API_URL. `request:` must not be
 * passed to getOctokit: it would replace @actions/github's proxy-aware fetch. `call` runs one
 * API call and turns its failure into an ApiError saying what was being done.
 */
export function githubClient(
  token: string,
  env: Readonly<Record<string, string | undefined>>,
  log: LogPort,
  options: GitHubClientOptions = {}
): { octokit: Octokit; call: <T>(what: string, fn: () => Promise<T>) => Promise<T> } {
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
  return { octokit, call }
}

interface RequestInfo {
  method: string
  url: string
}

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
    response?: {
      data?: { message?: string; errors?: { code?: string; field?: string; message?: string }[] }
    }
  }
  const status = typeof e.status === 'number' ? e.status : 0
  const data = e.response?.data
  const errors = Array.isArray(data?.errors) ? data.errors : []
  const codes = errors.map(x => x.code ?? '')
  // A `custom` validation error says what is wrong in its own message ("A pull request already
  // exists for …"); the others by their code.
  const said = errors.map(x => (x.code === 'custom' && x.message ? x.message : (x.code ?? '')))
  const detail = [data?.message ?? e.message ?? String(error), ...said.filter(Boolean)].join(': ')
  const message = redact(`${what}: ${status ? `HTTP ${status}: ` : ''}${detail}`, token)
  return new ApiError(status, message, codes)
}

/** Replaces every occurrence of the secret (and its URL-encoded form) with ***. */
export function redact(text: string, secret: string): string {
  if (!secret) return text
  return text.split(secret).join('***').split(encodeURIComponent(secret)).join('***')
}
