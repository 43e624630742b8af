import * as fs from 'node:fs'
import * as http from 'node:http'
import type { AddressInfo } from 'node:net'
import * as os from 'node:os'
import * as path from 'node:path'
import { consoleLog } from '../../src/ports/log.js'
import {
  ApiError,
  githubReleaseApi,
  type ReleaseApi,
  type ReleaseInfo
} from '../../src/ports/release-api.js'
import { githubEnvFor, startGitHubService } from '../services/github.js'

/**
 * The release API client against loopback servers that stall the way a hung front end or proxy
 * does: each case is ended by the server's behaviour and the configured idle bound (small here,
 * 120 s shipped), never by the test's clock. Outcomes only: the error names the host and what was
 * being done, safe calls are retried, and a slow but steady transfer is not cut off.
 */
const IDLE_S = 1
const timeouts = { connectMs: 30_000, idleMs: IDLE_S * 1000 }

let server: http.Server | undefined
let requests: number
let dir: string

beforeEach(() => {
  requests = 0
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'net-stalls-'))
})

afterEach(async () => {
  if (server) {
    server.closeAllConnections()
    await new Promise(resolve => server!.close(resolve))
    server = undefined
  }
  fs.rmSync(dir, { recursive: true, force: true })
})

/** A raw HTTP server on 127.0.0.1 answering with `handler`; returns its `host:port`. */
async function serve(
  handler: (req: http.IncomingMessage, res: http.ServerResponse) => void
): Promise<string> {
  server = http.createServer((req, res) => {
    requests++
    handler(req, res)
  })
  await new Promise<void>(resolve => server!.listen(0, '127.0.0.1', resolve))
  return `127.0.0.1:${(server.address() as AddressInfo).port}`
}

function api(host: string, idleMs = timeouts.idleMs): ReleaseApi {
  return githubReleaseApi(
    'ghs_test',
    { GITHUB_API_URL: `http://${host}`, GITHUB_REPOSITORY: 'octo/hello' },
    consoleLog({ write: () => undefined }),
    { retryAfterBaseMs: 10, retries: 1, timeouts: { ...timeouts, idleMs } }
  )
}

const failure = (p: Promise<unknown>): Promise<ApiError> =>
  p.then(
    () => {
      throw new Error('expected a failure')
    },
    (e: unknown) => e as ApiError
  )

test('a server that accepts the connection and never answers (hung front end): aborted, named, retried', async () => {
  const host = await serve(() => undefined)
  const error = await failure(api(host).listReleases())
  expect(error).toBeInstanceOf(ApiError)
  expect(error.status).toBe(0)
  expect(error.message).toBe(
    `listing releases: no bytes to or from ${host} for ${IDLE_S} s (waiting for the answer)`
  )
  // retries: 1 — the retry plugin tried once more.
  expect(requests).toBe(2)
})

test('headers, then the body stalls half-way (proxy stuck mid-answer): aborted, named, retried', async () => {
  const host = await serve((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': 100 })
    res.write('[{"id": 1')
  })
  const error = await failure(api(host).listReleases())
  expect(error.status).toBe(0)
  expect(error.message).toBe(
    `listing releases: no bytes to or from ${host} for ${IDLE_S} s (receiving the answer)`
  )
  expect(requests).toBe(2)
})

test('an answer trickled slowly but steadily for longer than the idle bound is not cut off', async () => {
  const body = Buffer.from(JSON.stringify([]).padEnd(120, ' '))
  const host = await serve((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': body.length })
    let sent = 0
    // One byte per 25 ms: 3 s in all, against an idle bound of 2 s (a gap 80 times shorter than
    // the bound: a busy machine delays ticks by far less).
    const tick = setInterval(() => {
      res.write(body.subarray(sent, sent + 1))
      if (++sent === body.length) {
        clearInterval(tick)
        res.end()
      }
    }, 25)
    res.on('close', () => clearInterval(tick))
  })
  await expect(api(host, 2000).listReleases()).resolves.toEqual([])
  expect(requests).toBe(1)
})

/** A release whose upload_url points at `host`. */
const releaseAt = (host: string): ReleaseInfo => ({
  id: 1,
  tagName: 'v1.0.0',
  name: null,
  draft: true,
  prerelease: false,
  immutable: false,
  htmlUrl: `http://${host}/octo/hello/releases/tag/v1.0.0`,
  uploadUrl: `http://${host}/repos/octo/hello/releases/1/assets{?name,label}`,
  assets: []
})

test('an upload whose body the server stops reading (hung upload host): aborted once, naming file and host', async () => {
  const service = await startGitHubService()
  try {
    const file = path.join(dir, 'app_1.0.0_linux_amd64.tar.gz')
    // Larger than the loopback socket buffers, so the client is stuck sending.
    fs.writeFileSync(file, Buffer.alloc(32 * 1024 * 1024, 7))
    const real = githubReleaseApi(
      service.token,
      githubEnvFor(service),
      consoleLog({ write: () => undefined }),
      { retryAfterBaseMs: 10, timeouts }
    )
    const release = await real.createRelease({ tag_name: 'v1.0.0', draft: true })
    service.faults.on('repos/upload-release-asset', { kind: 'stall' })
    const error = await failure(real.uploadAsset(release, 'app_1.0.0_linux_amd64.tar.gz', file))
    const uploads = new URL(service.uploadsUrl).host
    expect(error.status).toBe(0)
    expect(error.message).toBe(
      `uploading app_1.0.0_linux_amd64.tar.gz: no bytes to or from ${uploads} for ${IDLE_S} s (sending the body)`
    )
    // The port makes one attempt: the release stage's loop decides about retrying uploads.
    expect(service.calls.filter(c => c.operationId === 'repos/upload-release-asset')).toHaveLength(
      1
    )
    expect(service.faults.pending()).toEqual([])
  } finally {
    await service.stop()
  }
})

test('an upload the server reads slowly but steadily for longer than the idle bound completes', async () => {
  const size = 48 * 1024 * 1024
  const host = await serve((req, res) => {
    let got = 0
    // 1 MiB per 100 ms: about 5 s in all, against an idle bound of 3 s.
    req.on('data', (chunk: Buffer) => {
      got += chunk.length
      req.pause()
      setTimeout(() => req.resume(), chunk.length >= 65536 ? (100 * chunk.length) / 2 ** 20 : 0)
    })
    req.on('end', () => {
      const asset = {
        id: 9,
        name: 'big.bin',
        size: got,
        state: 'uploaded',
        digest: null,
        browser_download_url: `http://127.0.0.1/big.bin`
      }
      res.writeHead(201, { 'Content-Type': 'application/json' })
      res.end(JSON.stringify(asset))
    })
  })
  const file = path.join(dir, 'big.bin')
  fs.writeFileSync(file, Buffer.alloc(size, 1))
  const asset = await api(host, 3000).uploadAsset(releaseAt(host), 'big.bin', file)
  expect(asset.size).toBe(size)
  expect(requests).toBe(1)
})
