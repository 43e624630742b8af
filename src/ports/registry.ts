import { errorMessage } from '../lib/errors.js'
import {
  networkTimeouts,
  watchFetch,
  type FetchLike,
  type NetworkTimeouts
} from '../lib/net-timeouts.js'
import { MANIFEST_TYPES, sha256Digest, type ImageRepository } from '../lib/oci.js'

/**
 * The container registry port: the OCI distribution API (distribution-spec v1.1) over fetch,
 * with the registry token scheme. Every request goes through one place that adds credentials,
 * answers challenges, follows redirects by hand and retries what a registry asks to be retried.
 */
export interface RegistryPort {
  /** A manifest by tag or digest with its raw bytes; undefined when the registry has none. */
  manifest(repo: ImageRepository, reference: string): Promise<FetchedManifest | undefined>
  /** A blob, checked against its digest. */
  blob(repo: ImageRepository, digest: string): Promise<Buffer>
  /**
   * Makes a blob present in the repository: nothing when it is already there, a cross-repository
   * mount when `mountFrom` (a repository name on the same registry) holds it, else an upload.
   */
  pushBlob(
    repo: ImageRepository,
    digest: string,
    bytes: () => Promise<Buffer>,
    mountFrom?: string
  ): Promise<'present' | 'mounted' | 'uploaded'>
  /** Stores manifest bytes under a tag or their digest; says whether the registry took a `subject`. */
  pushManifest(
    repo: ImageRepository,
    reference: string,
    bytes: Buffer,
    mediaType: string
  ): Promise<{ digest: string; subjectAccepted: boolean }>
  /** Fails, naming the fix, when the credentials may not push to the repository (nothing is written). */
  checkPush(repo: ImageRepository): Promise<void>
  /** The repository's tags (every page); none when the repository does not exist yet. */
  tags(repo: ImageRepository): Promise<string[]>
}

/** A manifest as the registry stored it. */
export interface FetchedManifest {
  bytes: Buffer
  mediaType: string
  digest: string
}

/** A user name and password (or token) for one registry host. */
export interface RegistryCredentials {
  username: string
  password: string
}

/** What the registry client is made of; tests shorten the waits and count the requests. */
export interface RegistryOptions {
  /** credentials for a registry host, undefined for anonymous access */
  credentials: (host: string) => RegistryCredentials | undefined
  fetch?: FetchLike
  timeouts?: NetworkTimeouts
  /** attempts per request for 429, 5xx and connection failures */
  attempts?: number
  sleep?: (ms: number) => Promise<void>
  /** longest wait a Retry-After may ask for before the request fails instead */
  maxRetryAfterMs?: number
}

/** A registry's answer that ends the request. */
export class RegistryError extends Error {
  constructor(
    message: string,
    readonly status: number,
    /** the registry's error codes (UNAUTHORIZED, DENIED, BLOB_UNKNOWN, …) */
    readonly codes: string[] = []
  ) {
    super(message)
    this.name = 'RegistryError'
  }
}

/** Loopback hosts, reached over plain HTTP as ko and crane do; every other host over HTTPS only. */
export function isLoopback(host: string): boolean {
  const name = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '')
  return name === 'localhost' || name === '::1' || /^127\.\d+\.\d+\.\d+$/.test(name)
}

/** Hosts that hand out tokens for a registry on another host. */
const REALM_HOSTS: Readonly<Record<string, readonly string[]>> = {
  'docker.io': ['auth.docker.io'],
  'registry-1.docker.io': ['auth.docker.io'],
  'index.docker.io': ['auth.docker.io']
}

/** One parsed `WWW-Authenticate` challenge. */
export interface Challenge {
  scheme: string
  params: Record<string, string>
}

/**
 * Parses a `WWW-Authenticate` header: `Bearer realm="…",service="…",scope="…"`, with values
 * quoted or not (gcr.io sends `service=gcr.io`).
 */
export function parseChallenge(header: string): Challenge | undefined {
  const match = /^\s*([A-Za-z]+)\s*(.*)$/s.exec(header)
  if (!match) return undefined
  const params: Record<string, string> = {}
  const pattern = /([A-Za-z_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*(?:,|$)/g
  for (const m of match[2].matchAll(pattern)) {
    params[m[1].toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]
  }
  return { scheme: match[1].toLowerCase(), params }
}

/** Seconds or an HTTP date of a Retry-After header, as milliseconds from `now`; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000
  const at = Date.parse(header)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

const RETRIED = new Set([408, 429, 500, 502, 503, 504])
const MAX_REDIRECTS = 5

interface Call {
  method: string
  /** a path under /v2/<name>/ or an absolute URL the registry gave (Location) */
  target: string
  actions: string
  headers?: Record<string, string>
  body?: Buffer
  /** extra scope (a mount's source repository) */
  alsoPull?: string
}

/** The registry client over fetch; see RegistryPort. */
export function registryClient(options: RegistryOptions): RegistryPort {
  const fetchImpl = watchFetch(
    options.fetch ?? ((url, init) => fetch(url, init)),
    options.timeouts ?? networkTimeouts(process.env)
  )
  const attempts = options.attempts ?? 4
  const sleep = options.sleep ?? ((ms: number) => new Promise(r => setTimeout(r, ms)))
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 60_000
  /** Authorization header per host and scope set. */
  const authorizations = new Map<string, string>()

  const origin = (repo: ImageRepository): string =>
    `${isLoopback(repo.host) ? 'http' : 'https'}://${repo.host}`

  const scopeOf = (repo: ImageRepository, call: Call): string[] => [
    `repository:${repo.name}:${call.actions}`,
    ...(call.alsoPull ? [`repository:${call.alsoPull}:pull`] : [])
  ]

  /** Whether credentials of `repo` may be sent to `url` (a realm or a redirect target). */
  const trusted = (repo: ImageRepository, url: URL): boolean => {
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopback(url.host))) {
      return false
    }
    if (isLoopback(repo.host)) return isLoopback(url.host)
    return url.host === repo.host || (REALM_HOSTS[repo.host] ?? []).includes(url.host)
  }

  async function token(
    repo: ImageRepository,
    challenge: Challenge,
    scopes: string[]
  ): Promise<string> {
    const realm = challenge.params.realm
    if (!realm) throw new RegistryError(`${repo.host} sent a Bearer challenge without a realm`, 401)
    const url = new URL(realm)
    if (challenge.params.service) url.searchParams.set('service', challenge.params.service)
    for (const scope of scopes) url.searchParams.append('scope', scope)
    const credentials = options.credentials(repo.host)
    const headers: Record<string, string> = {}
    if (credentials) {
      if (!trusted(repo, url)) {
        throw new RegistryError(
          `${repo.host} asks for credentials at ${url.origin}, which is not the registry's own host over HTTPS; they are not sent there`,
          401
        )
      }
      headers.authorization = basic(credentials)
    }
    const response = await fetchImpl(url, { headers, redirect: 'error' })
    const text = await response.text()
    if (!response.ok) {
      throw new RegistryError(
        `${repo.host}: the token service ${url.origin}${url.pathname} answered ${response.status}${credentials ? ' to the given credentials' : ' (no credentials given)'}${detail(text)}`,
        response.status
      )
    }
    const body = JSON.parse(text) as { token?: string; access_token?: string }
    const value = body.token ?? body.access_token
    if (!value)
      throw new RegistryError(`${repo.host}: the token service answered without a token`, 401)
    return `Bearer ${value}`
  }

  async function send(repo: ImageRepository, call: Call): Promise<Response> {
    const scopes = scopeOf(repo, call)
    const key = `${repo.host} ${scopes.join(' ')}`
    let challenged = false
    for (let attempt = 1; ; attempt++) {
      let url = new URL(
        /^https?:\/\//.test(call.target)
          ? call.target
          : `${origin(repo)}/v2/${repo.name}/${call.target}`,
        origin(repo)
      )
      let authorization = authorizations.get(key)
      let response: Response
      try {
        let hops = 0
        for (;;) {
          const headers: Record<string, string> = { ...call.headers }
          if (authorization) headers.authorization = authorization
          response = await fetchImpl(url, {
            method: call.method,
            headers,
            body: call.body,
            redirect: 'manual'
          })
          const location = response.headers.get('location')
          if (
            response.status < 300 ||
            response.status >= 400 ||
            response.status === 304 ||
            !location
          )
            break
          if (++hops > MAX_REDIRECTS)
            throw new RegistryError(`${repo.host}: too many redirects`, response.status)
          await response.arrayBuffer()
          const next = new URL(location, url)
          // Credentials never follow a redirect to another origin (storage hosts get none).
          if (next.origin !== url.origin) authorization = undefined
          if (next.protocol !== 'https:' && !(next.protocol === 'http:' && isLoopback(next.host))) {
            throw new RegistryError(
              `${repo.host} redirected to ${next.origin}, which is not HTTPS`,
              response.status
            )
          }
          url = next
        }
      } catch (err) {
        if (err instanceof RegistryError || attempt >= attempts) {
          throw err instanceof RegistryError
            ? err
            : new Error(`${call.method} ${url.origin}${url.pathname}: ${errorMessage(err)}`, {
                cause: err
              })
        }
        await sleep(backoff(attempt))
        continue
      }
      if (response.status === 401 && !challenged) {
        const challenge = parseChallenge(response.headers.get('www-authenticate') ?? '')
        await response.arrayBuffer()
        if (!challenge) {
          throw new RegistryError(
            `${repo.host} refused the request (401) without saying how to authenticate`,
            401
          )
        }
        challenged = true
        if (challenge.scheme === 'basic') {
          const credentials = options.credentials(repo.host)
          if (!credentials)
            throw new RegistryError(
              `${repo.host} needs credentials (Basic) and none were given`,
              401
            )
          if (!trusted(repo, url)) {
            throw new RegistryError(
              `${repo.host} asks for Basic credentials over plain HTTP; they are not sent`,
              401
            )
          }
          authorizations.set(key, basic(credentials))
        } else if (challenge.scheme === 'bearer') {
          authorizations.set(key, await token(repo, challenge, scopes))
        } else {
          throw new RegistryError(
            `${repo.host} asks for "${challenge.scheme}" authentication, which is not supported`,
            401
          )
        }
        attempt--
        continue
      }
      if (RETRIED.has(response.status) && attempt < attempts) {
        const asked = retryAfterMs(response.headers.get('retry-after'))
        await response.arrayBuffer()
        if (asked !== undefined && asked > maxRetryAfterMs) {
          throw new RegistryError(
            `${repo.host} answered ${response.status} and asks to wait ${Math.round(asked / 1000)} s`,
            response.status
          )
        }
        await sleep(asked ?? backoff(attempt))
        continue
      }
      return response
    }
  }

  async function fail(repo: ImageRepository, what: string, response: Response): Promise<never> {
    const text = await response.text()
    const codes = errorCodes(text)
    throw new RegistryError(
      `${what} on ${repo.host}/${repo.name}: ${response.status}${detail(text)}${hint(repo, response.status, codes)}`,
      response.status,
      codes
    )
  }

  return {
    async manifest(repo, reference) {
      const response = await send(repo, {
        method: 'GET',
        target: `manifests/${reference}`,
        actions: 'pull',
        headers: { accept: MANIFEST_TYPES.join(', ') }
      })
      if (response.status === 404) {
        await response.arrayBuffer()
        return undefined
      }
      if (!response.ok) return fail(repo, `reading manifest ${reference}`, response)
      const bytes = Buffer.from(await response.arrayBuffer())
      const digest = sha256Digest(bytes)
      if (reference.startsWith('sha256:') && digest !== reference) {
        throw new RegistryError(
          `${repo.host}/${repo.name}: manifest ${reference} came back as ${digest}`,
          200
        )
      }
      const mediaType =
        (response.headers.get('content-type') ?? '').split(';')[0].trim() ||
        ((JSON.parse(bytes.toString('utf8')) as { mediaType?: string }).mediaType ?? '')
      return { bytes, mediaType, digest }
    },

    async blob(repo, digest) {
      const response = await send(repo, {
        method: 'GET',
        target: `blobs/${digest}`,
        actions: 'pull'
      })
      if (!response.ok) return fail(repo, `reading blob ${digest}`, response)
      const bytes = Buffer.from(await response.arrayBuffer())
      if (sha256Digest(bytes) !== digest) {
        throw new RegistryError(
          `${repo.host}/${repo.name}: blob ${digest} came back with other content`,
          200
        )
      }
      return bytes
    },

    async pushBlob(repo, digest, bytes, mountFrom) {
      const head = await send(repo, {
        method: 'HEAD',
        target: `blobs/${digest}`,
        actions: 'pull,push'
      })
      await head.arrayBuffer()
      if (head.ok) return 'present'
      if (head.status !== 404) return fail(repo, `checking blob ${digest}`, head)
      const query = mountFrom
        ? `?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(mountFrom)}`
        : ''
      const started = await send(repo, {
        method: 'POST',
        target: `blobs/uploads/${query}`,
        actions: 'pull,push',
        alsoPull: mountFrom,
        headers: { 'content-length': '0' }
      })
      await started.arrayBuffer()
      if (mountFrom && started.status === 201) return 'mounted'
      if (started.status !== 202) return fail(repo, `starting the upload of ${digest}`, started)
      const location = started.headers.get('location')
      if (!location)
        throw new RegistryError(`${repo.host}: an upload started without a Location`, 202)
      const url = new URL(location, `${origin(repo)}/v2/${repo.name}/blobs/uploads/`)
      url.searchParams.set('digest', digest)
      const body = await bytes()
      const put = await send(repo, {
        method: 'PUT',
        target: url.toString(),
        actions: 'pull,push',
        headers: { 'content-type': 'application/octet-stream' },
        body
      })
      await (put.ok ? put.arrayBuffer() : Promise.resolve())
      if (put.status !== 201) return fail(repo, `uploading blob ${digest}`, put)
      return 'uploaded'
    },

    async pushManifest(repo, reference, bytes, mediaType) {
      const response = await send(repo, {
        method: 'PUT',
        target: `manifests/${reference}`,
        actions: 'pull,push',
        headers: { 'content-type': mediaType },
        body: bytes
      })
      if (response.status !== 201) return fail(repo, `storing manifest ${reference}`, response)
      await response.arrayBuffer()
      const digest = sha256Digest(bytes)
      const stored = response.headers.get('docker-content-digest')
      if (stored && stored !== digest) {
        throw new RegistryError(
          `${repo.host}/${repo.name}: manifest ${reference} was stored as ${stored}, not as the ${digest} that was sent`,
          201
        )
      }
      return { digest, subjectAccepted: response.headers.has('oci-subject') }
    },

    async tags(repo) {
      const found: string[] = []
      let target = 'tags/list?n=1000'
      for (let page = 0; page < 100; page++) {
        const response = await send(repo, { method: 'GET', target, actions: 'pull' })
        if (response.status === 404 && page === 0) {
          await response.arrayBuffer()
          return []
        }
        if (!response.ok) return fail(repo, 'listing tags', response)
        const body = JSON.parse(await response.text()) as { tags?: string[] | null }
        found.push(...(body.tags ?? []))
        // Pagination: `Link: </v2/<name>/tags/list?n=1000&last=x>; rel="next"`.
        const next = /<([^>]+)>\s*;\s*rel="?next"?/.exec(response.headers.get('link') ?? '')
        if (!next) return found
        target = new URL(next[1], origin(repo)).toString()
      }
      return found
    },

    async checkPush(repo) {
      // An upload session proves push rights without writing anything; it is cancelled at once.
      const started = await send(repo, {
        method: 'POST',
        target: 'blobs/uploads/',
        actions: 'pull,push',
        headers: { 'content-length': '0' }
      })
      if (started.status !== 202) return fail(repo, 'checking push access', started)
      await started.arrayBuffer()
      const location = started.headers.get('location')
      if (location) {
        const cancel = await send(repo, {
          method: 'DELETE',
          target: new URL(location, `${origin(repo)}/v2/${repo.name}/blobs/uploads/`).toString(),
          actions: 'pull,push'
        })
        await cancel.arrayBuffer()
      }
    }
  }
}

function basic(credentials: RegistryCredentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`
}

function backoff(attempt: number): number {
  return Math.min(8_000, 500 * 2 ** (attempt - 1))
}

/** The codes of a distribution-spec error body. */
function errorCodes(text: string): string[] {
  try {
    const body = JSON.parse(text) as { errors?: { code?: string }[] }
    return (body.errors ?? []).map(e => String(e.code ?? '')).filter(Boolean)
  } catch {
    return []
  }
}

/** The first line of the registry's message, quoted. */
function detail(text: string): string {
  try {
    const body = JSON.parse(text) as { errors?: { code?: string; message?: string }[] }
    const first = body.errors?.[0]
    if (first) return `: ${[first.code, first.message].filter(Boolean).join(' ')}`
  } catch {
    // not JSON: quote the text
  }
  const line = text.trim().split('\n')[0]?.slice(0, 200)
  return line ? `: ${line}` : ''
}

/** What to do about a refusal to push, where the registry is known. */
function hint(repo: ImageRepository, status: number, codes: string[]): string {
  if (status !== 401 && status !== 403 && !codes.includes('DENIED')) return ''
  if (repo.host === 'ghcr.io') {
    return '. The job\'s token may not write this package: give the job `permissions: packages: write`; if the package already exists, add this repository under the package\'s settings, "Manage Actions access", with the Write role'
  }
  return '. Check image-username and image-password: the account needs push access to this repository'
}
