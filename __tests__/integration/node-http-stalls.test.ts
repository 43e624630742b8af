import * as http from 'node:http'
import type { AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { guardNodeHttp, nodeHttpStallsSince, type Unguard } from '../../src/lib/net-timeouts.js'
import { actionsCache } from '../../src/ports/cache.js'

/**
 * The guard on node's http module (what @actions/cache and @actions/artifact send through)
 * against loopback servers that stall as a hung front end does. The idle bound is 1 s here (120 s
 * shipped); every case is ended by the server's behaviour and that bound, never by the test's
 * clock. The guard is process-wide, so this file installs it once, first.
 */
const IDLE_S = 1
let unguard: Unguard
let server: http.Server | undefined
const saved = { ...process.env }

beforeAll(() => {
  unguard = guardNodeHttp({ connectMs: 30_000, idleMs: IDLE_S * 1000 })
})

afterAll(() => {
  unguard()
})

afterEach(async () => {
  process.env = { ...saved }
  if (server) {
    server.closeAllConnections()
    await new Promise(resolve => server!.close(resolve))
    server = undefined
  }
})

async function serve(
  handler: (req: http.IncomingMessage, res: http.ServerResponse) => void
): Promise<string> {
  server = http.createServer(handler)
  await new Promise<void>(resolve => server!.listen(0, '127.0.0.1', resolve))
  return `127.0.0.1:${(server.address() as AddressInfo).port}`
}

/** A GET whose body is piped to a sink, as the cache download does; resolves to the byte count. */
function download(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(`http://${host}/blob`, async res => {
      let n = 0
      const sink = new Writable({
        write(chunk: Buffer, _e, done) {
          n += chunk.length
          done()
        }
      })
      await pipeline(res, sink).then(() => resolve(n), reject)
    })
    req.on('error', reject)
  })
}

test('a server that accepts the connection and never answers (hung front end): the request fails, naming host and phase', async () => {
  const host = await serve(() => undefined)
  const before = nodeHttpStallsSince(0).count
  const error = (await download(host).catch((e: unknown) => e)) as Error & { code?: string }
  expect(error.message).toBe(
    `no bytes to or from ${host} for ${IDLE_S} s (waiting for or receiving the answer)`
  )
  expect(error.code).toBe('ETIMEDOUT')
  expect(nodeHttpStallsSince(before).stalls.map(s => s.host)).toEqual([host])
})

test('headers, then the body stalls half-way: the download fails instead of hanging', async () => {
  const host = await serve((_req, res) => {
    res.writeHead(200, { 'Content-Length': 1000 })
    res.write(Buffer.alloc(100))
  })
  const error = (await download(host).catch((e: unknown) => e)) as Error
  expect(error.message).toMatch(new RegExp(`^no bytes to or from ${host} for ${IDLE_S} s`))
})

test('a body trickled slowly but steadily for longer than the idle bound arrives whole', async () => {
  const host = await serve((_req, res) => {
    res.writeHead(200, { 'Content-Length': 60 })
    let sent = 0
    // One byte per 25 ms: 1.5 s in all, against an idle bound of 1 s. A gap 40 times shorter than
    // the bound: a busy machine delays ticks by far less than a second.
    const tick = setInterval(() => {
      res.write('x')
      if (++sent === 60) {
        clearInterval(tick)
        res.end()
      }
    }, 25)
    res.on('close', () => clearInterval(tick))
  })
  await expect(download(host)).resolves.toBe(60)
})

test('cache restore against a results service that never answers: a warning-level failure naming the host, after the toolkit retries', async () => {
  const host = await serve(() => undefined)
  Object.assign(process.env, {
    ACTIONS_CACHE_SERVICE_V2: 'true',
    ACTIONS_RESULTS_URL: `http://${host}/`,
    ACTIONS_RUNTIME_TOKEN: 'token',
    GITHUB_SERVER_URL: 'https://github.com'
  })
  const result = await actionsCache.restore(['/tmp/nothing'], 'key-1', [])
  expect(result.matchedKey).toBeUndefined()
  expect(result.failure).toContain(
    `(no bytes to or from ${host} for ${IDLE_S} s (waiting for or receiving the answer))`
  )
})
