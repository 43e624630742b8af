import * as diagnostics from 'node:diagnostics_channel'
import type * as http from 'node:http'
import type { Socket } from 'node:net'
import { errorMessage } from './errors.js'

/**
 * Bounds on one network connection. Not a cap on total duration: a 1 GiB upload may take as long
 * as it needs while bytes flow. Defaults suit GitHub's services from a hosted runner:
 * - connect 30 s: a TCP/TLS handshake to GitHub takes well under a second; 30 s leaves room for
 *   a loaded runner and a slow proxy, and is far below Linux's own ~130 s SYN retry limit.
 * - idle 120 s: GitHub answers a release upload only after it has stored the whole body, and its
 *   front end gives up on a silent request after about 60 s; 120 s is past both, so a slow but
 *   live service is never cut off, while a dead connection ends the step in minutes, not at the
 *   job's 6 h limit.
 * Tests shorten them through the environment (read by the ports):
 * `GO_XBUILD_CONNECT_TIMEOUT` and `GO_XBUILD_IDLE_TIMEOUT`, in seconds (decimals allowed).
 */
export interface NetworkTimeouts {
  connectMs: number
  idleMs: number
}

/** See NetworkTimeouts. */
export const DEFAULT_TIMEOUTS: NetworkTimeouts = { connectMs: 30_000, idleMs: 120_000 }

/** The bounds the environment sets; an unset, empty or unusable value keeps the default. */
export function networkTimeouts(
  env: Readonly<Record<string, string | undefined>>
): NetworkTimeouts {
  const seconds = (value: string | undefined, fallback: number): number => {
    const n = Number(value)
    return value && Number.isFinite(n) && n > 0 ? Math.round(n * 1000) : fallback
  }
  return {
    connectMs: seconds(env.GO_XBUILD_CONNECT_TIMEOUT, DEFAULT_TIMEOUTS.connectMs),
    idleMs: seconds(env.GO_XBUILD_IDLE_TIMEOUT, DEFAULT_TIMEOUTS.idleMs)
  }
}

/** `1 s`, `1.5 s`, `120 s`. */
const describeMs = (ms: number): string => `${Number((ms / 1000).toFixed(1))} s`

/** A connection that stalled: nothing sent or received for the idle bound, or no connection. */
export class StallError extends Error {
  /** Node's word for a timed-out socket: retry policies (Azure SDK, http-client) know it. */
  readonly code = 'ETIMEDOUT'
  constructor(
    /** host[:port] of the connection */
    readonly host: string,
    readonly ms: number,
    /** what the connection was doing: `sending the body`, `waiting for the answer`, … */
    readonly phase: string,
    connect = false
  ) {
    super(
      connect
        ? `no connection to ${host} within ${describeMs(ms)}`
        : `no bytes to or from ${host} for ${describeMs(ms)} (${phase})`
    )
    this.name = 'StallError'
  }
}

/** The StallError in an error's cause chain, if any. */
export function stallOf(error: unknown): StallError | undefined {
  for (let e = error, depth = 0; e && depth < 8; depth++) {
    if (e instanceof StallError) return e
    e = (e as { cause?: unknown }).cause
  }
  return undefined
}

/** The shape of fetch Octokit calls. */
export type FetchLike = (url: string | URL, init?: RequestInit) => Promise<Response>

const isAsyncIterable = (x: unknown): x is AsyncIterable<Uint8Array> =>
  typeof x === 'object' && x !== null && Symbol.asyncIterator in x && !(x instanceof Uint8Array)

/** Statuses whose Response must have a null body. */
const NULL_BODY = new Set([101, 204, 205, 304])

/**
 * `inner` with an idle watchdog: the request is aborted with a StallError when no byte of the
 * request body is taken and no byte of the answer arrives for `idleMs`. The answer's body is read
 * inside the watchdog and handed on buffered: Octokit swallows errors while reading a body (an
 * aborted JSON body would come back as `''`, an aborted download as zero bytes), so a stall there
 * must fail the fetch itself. Bodies of the REST API are small; uploads stream out, not in.
 * The connect phase is bounded underneath by undici (10 s, @actions/github's fetch) and by this
 * watchdog, since nothing flows before a connection.
 */
export function watchFetch(inner: FetchLike, timeouts: NetworkTimeouts): FetchLike {
  return async (url, init = {}) => {
    const host = new URL(String(url)).host
    const controller = new AbortController()
    let phase = 'waiting for the answer'
    let stalled: StallError | undefined
    const timer = setTimeout(() => {
      stalled = new StallError(host, timeouts.idleMs, phase)
      controller.abort(stalled)
    }, timeouts.idleMs)
    const outer = init.signal
    if (outer?.aborted) controller.abort(outer.reason)
    outer?.addEventListener('abort', () => controller.abort(outer.reason), { once: true })
    let body = init.body
    let streamed: RequestInit = {}
    if (isAsyncIterable(body)) {
      // fetch clones a request to follow redirects, and the clone tees a streamed body: the
      // unread branch kept every byte, so a 1.5 GiB upload peaked at 1.6 GiB RSS (undici issue
      // #4058). With no window and redirects refused it sends the stream as is; a stream could
      // not be sent again on a redirect anyway.
      streamed = { redirect: 'error', window: null }
      const source = body
      body = (async function* () {
        phase = 'sending the body'
        for await (const chunk of source) {
          timer.refresh()
          yield chunk
        }
        phase = 'waiting for the answer'
        timer.refresh()
      })() as unknown as ReadableStream
    }
    try {
      const response = await inner(url, { ...init, ...streamed, body, signal: controller.signal })
      phase = 'receiving the answer'
      timer.refresh()
      const chunks: Uint8Array[] = []
      if (response.body) {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          timer.refresh()
          chunks.push(chunk)
        }
      }
      const buffered = new Response(NULL_BODY.has(response.status) ? null : Buffer.concat(chunks), {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers
      })
      // Octokit reports the final URL (after redirects); a constructed Response has none.
      Object.defineProperty(buffered, 'url', { value: response.url })
      return buffered
    } catch (error) {
      throw stalled ?? error
    } finally {
      clearTimeout(timer)
    }
  }
}

/** Uninstalls a guard. */
export type Unguard = () => void

let guarded: { timeouts: NetworkTimeouts; unguard: Unguard } | undefined
/** Every stall guardNodeHttp ended, oldest first: the toolkit words them without the host. */
const nodeHttpStalls: StallError[] = []

/** The stalls guardNodeHttp ended after the first `since` (pass the length seen before a call). */
export function nodeHttpStallsSince(since: number): { count: number; stalls: StallError[] } {
  return { count: nodeHttpStalls.length, stalls: nodeHttpStalls.slice(since) }
}

/**
 * Bounds every request made with node's http/https modules from now on (the toolkit's
 * @actions/http-client and the Azure Storage SDK under @actions/cache and @actions/artifact): a
 * socket that does not connect within `connectMs`, or that sends and receives nothing for
 * `idleMs`, is destroyed with a StallError (code ETIMEDOUT, which the toolkit and the Azure SDK
 * treat as a network timeout: the Azure SDK retries it, the toolkit's twirp clients give up).
 * Requests are seen on two diagnostics channels: `http.client.request.created`, published at
 * creation (Node ≥ 22.12, so the node24 the action runs on), and `http.client.request.start`,
 * which Node 20 publishes only when the request is ended. Under Node 20 a body still being piped —
 * an Azure SDK blob upload whose server stopped reading — is therefore watched only from its last
 * byte on; under node24 from the first. Each request is watched once. Installed once per process;
 * later calls keep the first bounds. undici (fetch) is not covered: see watchFetch.
 */
export function guardNodeHttp(timeouts: NetworkTimeouts): Unguard {
  if (guarded) return guarded.unguard
  const watched = new WeakSet<http.ClientRequest>()
  const onRequest = (message: unknown): void => {
    const request = (message as { request: http.ClientRequest }).request
    if (watched.has(request)) return
    watched.add(request)
    // The Host header is host[:port] as the request addresses it (a proxy's address would mislead).
    const host = String(request.getHeader('host') ?? request.host)
    const stop = (stall: StallError): void => {
      nodeHttpStalls.push(stall)
      request.destroy(stall)
    }
    const watchConnect = (socket: Socket): void => {
      // A pooled keep-alive socket is connected already.
      if (!socket.connecting) return
      const connectTimer = setTimeout(
        () => stop(new StallError(host, timeouts.connectMs, 'connecting', true)),
        timeouts.connectMs
      )
      socket.once('connect', () => clearTimeout(connectTimer))
      socket.once('close', () => clearTimeout(connectTimer))
    }
    // Seen at creation there is no socket yet; seen when ended (Node 20) there may be one.
    if (request.socket) watchConnect(request.socket)
    else request.once('socket', watchConnect)
    // ClientRequest.setTimeout arms the socket's idle timer once it is connected; every read and
    // write re-arms it.
    request.setTimeout(timeouts.idleMs, () => {
      const phase = request.writableFinished
        ? 'waiting for or receiving the answer'
        : 'sending the body'
      stop(new StallError(host, timeouts.idleMs, phase))
    })
  }
  const channels = ['http.client.request.created', 'http.client.request.start']
  for (const channel of channels) diagnostics.subscribe(channel, onRequest)
  const unguard = (): void => {
    for (const channel of channels) diagnostics.unsubscribe(channel, onRequest)
    guarded = undefined
  }
  guarded = { timeouts, unguard }
  return unguard
}

/**
 * Runs a toolkit call with node's http requests guarded (guardNodeHttp, bounds from the
 * environment's GO_XBUILD_CONNECT_TIMEOUT / GO_XBUILD_IDLE_TIMEOUT). The toolkit words a stall
 * without the host ("ETIMEDOUT"): `explain` adds the last stall of the call to a failure the
 * call returned, and a failure it threw is thrown again with that stall added.
 */
export async function withNodeHttpGuard<T>(
  env: Readonly<Record<string, string | undefined>>,
  fn: () => Promise<T>
): Promise<{ value: T; explain: (failure: string) => string }> {
  guardNodeHttp(networkTimeouts(env))
  const { count } = nodeHttpStallsSince(0)
  const explain = (failure: string): string => {
    const stall = nodeHttpStallsSince(count).stalls.pop()
    return stall ? `${failure} (${stall.message})` : failure
  }
  try {
    return { value: await fn(), explain }
  } catch (error) {
    const message = errorMessage(error)
    const explained = explain(message)
    if (explained === message) throw error
    throw new Error(explained, { cause: error })
  }
}
