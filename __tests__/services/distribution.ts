import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { createPrivateKey, randomBytes, sign, X509Certificate } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import * as http from 'node:http'
import * as net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { findGoTool } from '../fakes/go-tools.js'

/**
 * The CNCF distribution registry (v3.1.2, `go install`ed by .ci/run) on 127.0.0.1, with htpasswd
 * (Basic) auth or the registry token scheme behind a Node token service that signs ES256 JWTs
 * with an x5c chain, as the distribution token spec describes. Its data lives in a temp folder.
 */

const run = promisify(execFile)

export const DISTRIBUTION = {
  name: 'registry',
  module: 'github.com/distribution/distribution/v3/cmd/registry',
  version: 'v3.1.2',
  versionArgs: ['--version'],
  versionOf: (out: string): string => /\bv\d+\.\d+\.\d+\b/.exec(out)?.[0] ?? ''
}

export interface RunningRegistry {
  /** 127.0.0.1:port */
  host: string
  username: string
  password: string
  /** the registry process (a benchmark counts its CPU as the measured code's, not as noise) */
  pid: number
  stop(): Promise<void>
}

/** skopeo against a registry of the tests: inspect takes --creds, copy --src-creds for its source. */
export async function skopeo(r: RunningRegistry, args: string[]): Promise<string> {
  const [command, ...rest] = args
  const source = command === 'copy' ? 'src-' : ''
  const auth = [`--${source}tls-verify=false`, `--${source}creds`, `${r.username}:${r.password}`]
  return (await run('skopeo', [command!, ...auth, ...rest], { maxBuffer: 1 << 26 })).stdout
}

async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise(resolve => server.close(resolve))
  return port
}

/** Waits until the registry answers /v2/ (200 or 401), or its process ends. */
async function ready(child: ChildProcess, host: string, log: () => string): Promise<void> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`registry exited ${child.exitCode}: ${log()}`)
    const status = await new Promise<number>(resolve => {
      const req = http.get(`http://${host}/v2/`, res => {
        res.resume()
        resolve(res.statusCode ?? 0)
      })
      req.on('error', () => resolve(0))
    })
    if (status === 200 || status === 401) return
    await new Promise(resolve => setTimeout(resolve, 100))
  }
}

/**
 * Starts a registry with `auth: 'basic'` (htpasswd), `'token'` (with its token service) or
 * `'none'` (anonymous pull and push, as a public base image's registry answers pulls).
 */
export async function startDistribution(
  auth: 'basic' | 'token' | 'none'
): Promise<RunningRegistry> {
  const binary = await findGoTool(DISTRIBUTION)
  const dir = await mkdtemp(path.join(os.tmpdir(), 'distribution-'))
  const username = 'ci'
  const password = randomBytes(8).toString('hex')
  const port = await freePort()
  const host = `127.0.0.1:${port}`
  let tokenServer: http.Server | undefined
  let authYaml = ''
  if (auth === 'basic') {
    // bcrypt cost 4: the registry checks the hash on every request, and cost 12 takes ~250 ms.
    const { stdout } = await run('htpasswd', ['-nbB', '-C', '4', username, password])
    await writeFile(path.join(dir, 'htpasswd'), stdout.trim() + '\n')
    authYaml = `  htpasswd:\n    realm: basic-realm\n    path: ${path.join(dir, 'htpasswd')}\n`
  } else if (auth === 'token') {
    const key = path.join(dir, 'token.key')
    const cert = path.join(dir, 'token.pem')
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '2',
      '-subj',
      '/CN=go-xbuild-test-token'
    ])
    tokenServer = await startTokenService({
      username,
      password,
      key: createPrivateKey(await readFile(key)),
      cert: new X509Certificate(await readFile(cert))
    })
    const tokenPort = (tokenServer.address() as net.AddressInfo).port
    // A localhost realm: a client may refuse private IP literals as a realm other than the registry.
    authYaml = `  token:\n    realm: http://localhost:${tokenPort}/token\n    service: test-registry\n    issuer: test-issuer\n    rootcertbundle: ${cert}\n`
  }
  const config = path.join(dir, 'config.yml')
  await writeFile(
    config,
    `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${path.join(dir, 'data')}\n  delete:\n    enabled: true\nhttp:\n  addr: ${host}\n${authYaml ? `auth:\n${authYaml}` : ''}`
  )
  let output = ''
  const child = spawn(binary, ['serve', config], {
    // v3 exports traces to localhost:4318 unless told not to.
    env: { ...process.env, OTEL_TRACES_EXPORTER: 'none' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  child.stdout!.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-4000)))
  child.stderr!.on('data', (c: Buffer) => (output = (output + c.toString()).slice(-4000)))
  await ready(child, host, () => output)
  return {
    host,
    username,
    password,
    pid: child.pid!,
    async stop() {
      child.kill()
      if (child.exitCode === null) await new Promise(resolve => child.once('exit', resolve))
      if (tokenServer) await new Promise(resolve => tokenServer.close(resolve))
      await rm(dir, { recursive: true, force: true })
    }
  }
}

const base64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url')

/**
 * The token service of the distribution token spec: Basic credentials in, an ES256 JWT out with
 * the requested repository actions (all of them for the right user, none otherwise), its header
 * carrying the certificate (x5c) the registry checks against its rootcertbundle.
 */
async function startTokenService(options: {
  username: string
  password: string
  key: ReturnType<typeof createPrivateKey>
  cert: X509Certificate
}): Promise<http.Server> {
  const expected = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`
  const server = http.createServer((req, res) => {
    const url = new URL(req.url!, 'http://localhost')
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'Content-Type': 'application/json' })
      res.end(JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'bad credentials' }] }))
      return
    }
    const access = url.searchParams.getAll('scope').map(scope => {
      const [type, name, actions] = scope.split(':')
      return { type, name, actions: actions.split(',') }
    })
    const now = Math.floor(Date.now() / 1000)
    const header = { typ: 'JWT', alg: 'ES256', x5c: [options.cert.raw.toString('base64')] }
    const claims = {
      iss: 'test-issuer',
      sub: options.username,
      aud: url.searchParams.get('service'),
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: randomBytes(8).toString('hex'),
      access
    }
    const signed = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`
    const signature = sign('sha256', Buffer.from(signed), {
      key: options.key,
      dsaEncoding: 'ieee-p1363'
    })
    const token = `${signed}.${base64url(signature)}`
    res.writeHead(200, { 'Content-Type': 'application/json' })
    res.end(JSON.stringify({ token, access_token: token, expires_in: 300 }))
  })
  await new Promise<void>(resolve => server.listen(0, 'localhost', resolve))
  return server
}
