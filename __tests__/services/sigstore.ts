import { execFile } from 'node:child_process'
import * as crypto from 'node:crypto'
import * as fs from 'node:fs'
import * as http from 'node:http'
import * as https from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import * as os from 'node:os'
import * as path from 'node:path'
import { promisify } from 'node:util'
import { readBody, sendJson } from './http.js'

/**
 * Loopback stand-ins for what @actions/attest 3 talks to: GitHub's OIDC token endpoint and
 * issuer (token.actions.githubusercontent.com), Fulcio (signing certificates) and Rekor (the
 * transparency log). The library uses fixed https URLs, so the spawned process is pointed at an
 * HTTP CONNECT proxy (HTTPS_PROXY) that terminates TLS for those hosts with a test CA
 * (NODE_EXTRA_CA_CERTS) and refuses every other destination. Wire formats follow
 * node_modules/@sigstore/sign/dist (external/*.js, witness/tlog/entry.js), Fulcio's v2 gRPC
 * gateway and Rekor's dsse v0.0.1 type (pkg/types/dsse/v0.0.1/entry.go).
 */

/** GitHub's OIDC issuer for github.com. */
export const OIDC_ISSUER = 'https://token.actions.githubusercontent.com'
/** Where Fulcio's GitHub identities point (the issuer's server URL). */
const GITHUB_URL = 'https://github.com'
/** The hosts the proxy terminates; any other CONNECT is refused. */
export const SERVED_HOSTS = [
  'token.actions.githubusercontent.com',
  'fulcio.sigstore.dev',
  'rekor.sigstore.dev',
  'fulcio.githubapp.com',
  'timestamp.githubapp.com'
] as const
const FULCIO_HOSTS = new Set(['fulcio.sigstore.dev', 'fulcio.githubapp.com'])
/** Name in Rekor's signed-note checkpoints. */
const REKOR_ORIGIN = 'rekor.sigstore.dev'
/** Fulcio's signing certificates live 10 minutes. */
const CERT_LIFETIME_MS = 10 * 60 * 1000
/** Fulcio's root is P-384 and signs with SHA-384, as sigstore's public-good root does. */
const FULCIO_DIGEST = 'sha384'
const TOKEN_LIFETIME_S = 5 * 60
const MAX_BODY = 1024 * 1024

const SHA = '4f1c5b2a9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b'
const WORKFLOW_REF = 'octo-org/octo-repo/.github/workflows/release.yml@refs/tags/v1.2.3'

/** Claims of a tag push in octo-org/octo-repo, shaped like a real Actions token. */
export const DEFAULT_CLAIMS: Readonly<Record<string, unknown>> = Object.freeze({
  sub: 'repo:octo-org/octo-repo:ref:refs/tags/v1.2.3',
  ref: 'refs/tags/v1.2.3',
  sha: SHA,
  repository: 'octo-org/octo-repo',
  repository_owner: 'octo-org',
  repository_owner_id: '1234567',
  run_id: '9876543210',
  run_number: '42',
  run_attempt: '1',
  repository_visibility: 'public',
  repository_id: '123456789',
  actor_id: '7654321',
  actor: 'octocat',
  workflow: 'release',
  head_ref: '',
  base_ref: '',
  event_name: 'push',
  ref_protected: 'false',
  ref_type: 'tag',
  workflow_ref: WORKFLOW_REF,
  workflow_sha: SHA,
  job_workflow_ref: WORKFLOW_REF,
  job_workflow_sha: SHA,
  runner_environment: 'github-hosted'
})

/** Options of {@link startSigstoreServices}. */
export interface SigstoreServiceOptions {
  /** claims merged over the defaults in every OIDC token issued */
  claims?: Record<string, unknown>
}

/** One request the services saw: a proxy CONNECT, or a request they answered. */
export type SigstoreRequest =
  | { kind: 'connect'; host: string; port: number; allowed: boolean }
  | { kind: 'request'; host: string; method: string; path: string; status: number }

/** A Rekor entry as logged. */
export interface RekorEntryView {
  /** Hex RFC 6962 leaf hash of the body. */
  uuid: string
  logIndex: number
  /** Base64 canonical body. */
  body: string
}

/** Running stand-ins. */
export interface SigstoreService {
  /** variables for the spawned step: HTTPS_PROXY (and https_proxy), NO_PROXY (and no_proxy) = '127.0.0.1,localhost', NODE_EXTRA_CA_CERTS (a PEM file path), ACTIONS_ID_TOKEN_REQUEST_URL (an http://127.0.0.1:port/... URL that already has a query string, as GitHub's does, so `&audience=` can be appended), ACTIONS_ID_TOKEN_REQUEST_TOKEN */
  env: Record<string, string>
  /** The claims every token carries (defaults with `opts.claims` merged over them). */
  claims: Readonly<Record<string, unknown>>
  /** PEM of Fulcio's root CA that issues signing certificates (a separate CA from the TLS one) */
  fulcioRootPem: string
  /** Rekor's log key (PEM SPKI, ECDSA P-256) and log id (hex SHA-256 of the DER SPKI) */
  rekorPublicKeyPem: string
  rekorLogId: string
  /** every OIDC JWT handed out, to assert none appears in logs */
  tokensIssued: string[]
  /** every request seen: proxy CONNECTs ({kind:'connect', host, port, allowed}) and served requests ({kind:'request', host, method, path, status}) */
  requests: SigstoreRequest[]
  /** certificates Fulcio issued (PEM, leaf) */
  certificates: string[]
  /** Rekor entries created, in order */
  entries: RekorEntryView[]
  /** make the next N signing-certificate requests fail with this HTTP status (for error-path tests) */
  failFulcio(status: number, times?: number): void
  /** Closes the servers and every socket, removes the key folder; safe to call twice. */
  stop(): Promise<void>
}

/** An error answered as JSON; `body` is the service's own error shape. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
    readonly headers: Record<string, string> = {}
  ) {
    super(String(body.message ?? status))
  }
}

/** gRPC codes Fulcio's gateway puts in its error bodies, by HTTP status. */
const GRPC_CODE: Record<number, number> = {
  400: 3,
  401: 16,
  403: 7,
  404: 5,
  408: 4,
  409: 6,
  429: 8,
  500: 13,
  501: 12,
  503: 14,
  504: 4
}

function fulcioError(status: number, message: string): HttpError {
  return new HttpError(status, { code: GRPC_CODE[status] ?? 2, message, details: [] })
}

/** Rekor's go-swagger error model. */
function rekorError(status: number, message: string, headers?: Record<string, string>): HttpError {
  return new HttpError(status, { code: status, message }, headers)
}

/** Starts the proxy and the services behind it on a free port of 127.0.0.1. */
export async function startSigstoreServices(
  opts: SigstoreServiceOptions = {}
): Promise<SigstoreService> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-sigstore-'))
  try {
    return await start(dir, opts)
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true })
    throw error
  }
}

async function start(dir: string, opts: SigstoreServiceOptions): Promise<SigstoreService> {
  const claims = Object.freeze({ ...DEFAULT_CLAIMS, ...opts.claims })
  const tokensIssued: string[] = []
  const requests: SigstoreRequest[] = []
  const certificates: string[] = []
  const entries: (RekorEntryView & { leaf: Buffer; integratedTime: number })[] = []
  const fulcioFaults: number[] = []

  // ---- keys and certificates ----

  const pki = await makePki(dir)
  const oidcKey = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })
  const oidcKid = crypto
    .createHash('sha256')
    .update(oidcKey.publicKey.export({ format: 'der', type: 'spki' }))
    .digest('hex')
    .slice(0, 40)
  const jwks = {
    keys: [
      { ...oidcKey.publicKey.export({ format: 'jwk' }), kid: oidcKid, alg: 'RS256', use: 'sig' }
    ]
  }
  const rekorKey = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const rekorSpki = rekorKey.publicKey.export({ format: 'der', type: 'spki' })
  const rekorLogId = crypto.createHash('sha256').update(rekorSpki).digest('hex')
  // Rekor's tree ids are random int64s; the checkpoint origin names it.
  const treeId = BigInt.asUintN(63, crypto.randomBytes(8).readBigUInt64BE()).toString()
  const requestToken = crypto.randomBytes(20).toString('hex')
  const tokenPath = `/_apis/distributedtask/hubs/Actions/plans/${crypto.randomUUID()}/jobs/${crypto.randomUUID()}/idtoken`

  // ---- OIDC ----

  const issueToken = (audience: string): string => {
    const now = Math.floor(Date.now() / 1000)
    const payload = {
      jti: crypto.randomUUID(),
      ...DEFAULT_CLAIMS,
      iss: OIDC_ISSUER,
      aud: audience,
      nbf: now - 5,
      iat: now,
      exp: now + TOKEN_LIFETIME_S,
      ...opts.claims
    }
    const header = { typ: 'JWT', alg: 'RS256', kid: oidcKid }
    const signingInput = `${b64url(header)}.${b64url(payload)}`
    const signature = crypto.sign('sha256', Buffer.from(signingInput), oidcKey.privateKey)
    const jwt = `${signingInput}.${signature.toString('base64url')}`
    tokensIssued.push(jwt)
    return jwt
  }

  /** Verifies a token as Fulcio's issuer pool does: signature, issuer, audience, lifetime. */
  const verifyToken = (jwt: unknown, audience: string): Record<string, unknown> => {
    const fail = (why: string): never => {
      throw fulcioError(401, `There was an error processing the identity token: ${why}`)
    }
    if (typeof jwt !== 'string') return fail('no token')
    const parts = jwt.split('.')
    if (parts.length !== 3) return fail('not a JWS compact serialization')
    const [h, p, s] = parts as [string, string, string]
    let header: { alg?: unknown; kid?: unknown }
    let payload: Record<string, unknown>
    try {
      header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as typeof header
      payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as typeof payload
    } catch {
      return fail('malformed token')
    }
    if (header.alg !== 'RS256' || header.kid !== oidcKid) return fail('unknown signing key')
    const ok = crypto.verify(
      'sha256',
      Buffer.from(`${h}.${p}`),
      oidcKey.publicKey,
      Buffer.from(s, 'base64url')
    )
    if (!ok) return fail('invalid signature')
    if (payload.iss !== OIDC_ISSUER) return fail(`unexpected issuer ${String(payload.iss)}`)
    const aud = Array.isArray(payload.aud) ? payload.aud : [payload.aud]
    if (!aud.includes(audience)) return fail(`audience is not ${audience}`)
    const now = Date.now() / 1000
    if (typeof payload.exp !== 'number' || payload.exp < now) return fail('token expired')
    if (typeof payload.nbf === 'number' && payload.nbf > now + 60)
      return fail('token not valid yet')
    return payload
  }

  // ---- Fulcio ----

  let issued = 0
  const signingCert = async (body: unknown): Promise<Record<string, unknown>> => {
    const fault = fulcioFaults.shift()
    if (fault !== undefined) {
      throw fulcioError(fault, fault >= 500 ? 'error communicating with CA backend' : 'forbidden')
    }
    const req = asRecord(body)
    const credentials = asRecord(req.credentials)
    const keyRequest = asRecord(req.publicKeyRequest)
    const publicKeyField = asRecord(keyRequest.publicKey)
    const token = verifyToken(credentials.oidcIdentityToken, 'sigstore')

    let publicKey: crypto.KeyObject
    try {
      publicKey = crypto.createPublicKey(String(publicKeyField.content))
    } catch {
      throw fulcioError(400, 'The public key supplied in the request could not be parsed')
    }
    if (publicKey.asymmetricKeyType !== 'ec') {
      throw fulcioError(400, 'The public key supplied in the request is insecure')
    }
    // The challenge is the token's subject (the principal's name), signed with the new key.
    const subject = typeof token.sub === 'string' ? token.sub : ''
    const proof = Buffer.from(String(keyRequest.proofOfPossession ?? ''), 'base64')
    if (!subject || !crypto.verify('sha256', Buffer.from(subject), publicKey, proof)) {
      throw fulcioError(400, 'The signature supplied in the request could not be verified')
    }

    const leafPem = await pki.issueLeaf(publicKey, token, ++issued)
    certificates.push(leafPem)
    // The v2 gateway answers 200; only the legacy v1 handler sets 201.
    return {
      signedCertificateEmbeddedSct: { chain: { certificates: [leafPem, pki.fulcioRootPem] } }
    }
  }

  // ---- Rekor ----

  const entryResponse = (e: (typeof entries)[number]): Record<string, unknown> => {
    const leaves = entries.map(x => x.leaf)
    const treeSize = leaves.length
    const root = merkleRoot(leaves)
    const note = `${REKOR_ORIGIN} - ${treeId}\n${treeSize}\n${root.toString('base64')}\n`
    const noteSig = Buffer.concat([
      Buffer.from(rekorLogId, 'hex').subarray(0, 4),
      crypto.sign('sha256', Buffer.from(note), rekorKey.privateKey)
    ])
    const set = crypto.sign(
      'sha256',
      Buffer.from(
        canonicalJson({
          body: e.body,
          integratedTime: e.integratedTime,
          logID: rekorLogId,
          logIndex: e.logIndex
        })
      ),
      rekorKey.privateKey
    )
    return {
      [e.uuid]: {
        body: e.body,
        integratedTime: e.integratedTime,
        logID: rekorLogId,
        logIndex: e.logIndex,
        verification: {
          signedEntryTimestamp: set.toString('base64'),
          inclusionProof: {
            checkpoint: `${note}\n\u2014 ${REKOR_ORIGIN} ${noteSig.toString('base64')}\n`,
            hashes: auditPath(e.logIndex, leaves).map(h => h.toString('hex')),
            logIndex: e.logIndex,
            rootHash: root.toString('hex'),
            treeSize
          }
        }
      }
    }
  }

  const createEntry = (proposed: unknown): Record<string, unknown> => {
    const body = canonicalDsseBody(proposed)
    const leaf = leafHash(Buffer.from(body))
    const uuid = leaf.toString('hex')
    if (entries.some(e => e.uuid === uuid)) {
      throw rekorError(
        409,
        `an equivalent entry already exists in the transparency log with UUID ${uuid}`,
        { Location: `/api/v1/log/entries/${uuid}` }
      )
    }
    const entry = {
      uuid,
      logIndex: entries.length,
      body: Buffer.from(body).toString('base64'),
      leaf,
      integratedTime: Math.floor(Date.now() / 1000)
    }
    entries.push(entry)
    return entryResponse(entry)
  }

  // ---- HTTPS routes, by Host ----

  /** Every socket of both servers: CONNECT tunnels leave the proxy's bookkeeping. */
  const sockets = new Set<Socket>()

  const oidcConfig = {
    issuer: OIDC_ISSUER,
    jwks_uri: `${OIDC_ISSUER}/.well-known/jwks`,
    subject_types_supported: ['public', 'pairwise'],
    response_types_supported: ['id_token'],
    claims_supported: [
      'sub',
      'aud',
      'exp',
      'iat',
      'iss',
      'jti',
      'nbf',
      ...Object.keys(DEFAULT_CLAIMS)
    ],
    id_token_signing_alg_values_supported: ['RS256'],
    scopes_supported: ['openid']
  }

  const route = async (
    host: string,
    method: string,
    pathname: string,
    req: http.IncomingMessage
  ): Promise<{ status: number; body: unknown; headers?: Record<string, string> }> => {
    if (host === 'token.actions.githubusercontent.com' && method === 'GET') {
      if (pathname === '/.well-known/openid-configuration') return { status: 200, body: oidcConfig }
      if (pathname === '/.well-known/jwks') return { status: 200, body: jwks }
    }
    if (FULCIO_HOSTS.has(host) && pathname === '/api/v2/signingCert') {
      if (method !== 'POST') throw fulcioError(501, 'Method Not Allowed')
      return { status: 200, body: await signingCert(await readJson(req, fulcioError)) }
    }
    if (host === 'rekor.sigstore.dev' && pathname === '/api/v1/log/entries' && method === 'POST') {
      const created = createEntry(await readJson(req, rekorError))
      const uuid = Object.keys(created)[0]!
      return {
        status: 201,
        body: created,
        headers: { Location: `/api/v1/log/entries/${uuid}`, ETag: uuid }
      }
    }
    const m = /^\/api\/v1\/log\/entries\/([0-9a-f]{64})$/.exec(pathname)
    if (host === 'rekor.sigstore.dev' && m && method === 'GET') {
      const entry = entries.find(e => e.uuid === m[1])
      if (!entry) throw rekorError(404, 'entry not found')
      return { status: 200, body: entryResponse(entry) }
    }
    // timestamp.githubapp.com, the RFC 3161 TSA of GitHub's Sigstore instance, is not implemented:
    // attestations for non-public repositories fail with "error creating timestamp - (404)".
    return { status: 404, body: { code: 404, message: `no route for ${method} ${pathname}` } }
  }

  const record = (host: string, req: http.IncomingMessage, res: http.ServerResponse): void => {
    const method = req.method ?? ''
    const p = req.url ?? ''
    res.once('finish', () => {
      requests.push({ kind: 'request', host, method, path: p, status: res.statusCode })
    })
  }

  const tlsServer = https.createServer({ key: pki.tlsKeyPem, cert: pki.tlsCertPem }, (req, res) => {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase()
    record(host, req, res)
    const pathname = (req.url ?? '/').replace(/[?#].*/, '')
    route(host, req.method ?? '', pathname, req)
      .then(r => sendJson(res, r.status, r.body, r.headers))
      .catch((error: unknown) => sendError(res, error))
  })
  tlsServer.keepAliveTimeout = 1000
  tlsServer.on('secureConnection', (s: Socket) => {
    sockets.add(s)
    s.once('close', () => sockets.delete(s))
  })

  // ---- the proxy and the token endpoint ----

  const proxy = http.createServer((req, res) => {
    const url = req.url ?? ''
    if (!url.startsWith('/')) {
      // An absolute URI: someone used this as a plain http proxy. Nothing may leave the machine.
      let host = url
      try {
        host = new URL(url).hostname
      } catch {
        // keep the raw target
      }
      record(host, req, res)
      sendJson(res, 403, { message: `proxying ${url} is not allowed` })
      return
    }
    record('127.0.0.1', req, res)
    try {
      const u = new URL(url, 'http://127.0.0.1')
      if (u.pathname !== tokenPath || req.method !== 'GET') {
        sendJson(res, 404, { message: 'Not Found' })
      } else if (req.headers.authorization !== `Bearer ${requestToken}`) {
        sendJson(res, 401, { message: 'Unauthorized: the bearer token is not this job’s' })
      } else {
        // Without `audience` GitHub uses the repository owner's URL.
        const audience =
          u.searchParams.get('audience') ?? `${GITHUB_URL}/${String(claims.repository_owner)}`
        sendJson(res, 200, { value: issueToken(audience) })
      }
    } catch (error) {
      sendError(res, error)
    }
  })
  proxy.on('connection', (s: Socket) => {
    sockets.add(s)
    s.once('close', () => sockets.delete(s))
  })
  proxy.on('connect', (req: http.IncomingMessage, socket: Socket, head: Buffer) => {
    const target = req.url ?? ''
    const colon = target.lastIndexOf(':')
    const host = (colon > 0 ? target.slice(0, colon) : target).toLowerCase()
    const port = colon > 0 ? Number(target.slice(colon + 1)) : 443
    const allowed = port === 443 && (SERVED_HOSTS as readonly string[]).includes(host)
    requests.push({ kind: 'connect', host, port, allowed })
    socket.on('error', () => socket.destroy())
    if (!allowed) {
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n')
      return
    }
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n')
    if (head.length > 0) socket.unshift(head)
    tlsServer.emit('connection', socket)
  })
  proxy.keepAliveTimeout = 1000
  proxy.headersTimeout = 10000
  proxy.requestTimeout = 60000

  await new Promise<void>((resolve, reject) => {
    proxy.once('error', reject)
    proxy.listen(0, '127.0.0.1', () => resolve())
  })
  // A test that forgets stop() must not keep Jest's process alive.
  proxy.unref()
  const port = (proxy.address() as AddressInfo).port
  const proxyUrl = `http://127.0.0.1:${port}`

  let stopping: Promise<void> | undefined
  return {
    env: {
      HTTPS_PROXY: proxyUrl,
      https_proxy: proxyUrl,
      // @npmcli/agent sends even http:// URLs through https_proxy unless no_proxy lists them.
      NO_PROXY: '127.0.0.1,localhost',
      no_proxy: '127.0.0.1,localhost',
      NODE_EXTRA_CA_CERTS: pki.tlsCaPath,
      ACTIONS_ID_TOKEN_REQUEST_URL: `${proxyUrl}${tokenPath}?api-version=2.0`,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: requestToken
    },
    claims,
    fulcioRootPem: pki.fulcioRootPem,
    rekorPublicKeyPem: rekorKey.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
    rekorLogId,
    tokensIssued,
    requests,
    certificates,
    entries,
    failFulcio(status, times = 1) {
      for (let i = 0; i < times; i++) fulcioFaults.push(status)
    },
    stop() {
      stopping ??= new Promise<void>(resolve => {
        proxy.close(() => resolve())
        proxy.closeAllConnections()
        for (const s of sockets) s.destroy()
      }).then(() => fs.rmSync(dir, { recursive: true, force: true }))
      return stopping
    }
  }
}

// ---- PKI: the TLS CA and Fulcio's root, made with the openssl CLI ----

const execFileAsync = promisify(execFile)

async function openssl(dir: string, args: string[]): Promise<void> {
  try {
    await execFileAsync('openssl', args, { cwd: dir })
  } catch (error) {
    const e = error as { stderr?: string; message: string }
    throw new Error(`openssl ${args[0]} failed: ${e.stderr || e.message}`, { cause: error })
  }
}

function writeKey(dir: string, name: string, key: crypto.KeyObject): string {
  const file = path.join(dir, name)
  fs.writeFileSync(file, key.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 })
  return file
}

function writePublicKey(dir: string, name: string, key: crypto.KeyObject): string {
  const file = path.join(dir, name)
  fs.writeFileSync(file, key.export({ format: 'pem', type: 'spki' }))
  return file
}

/** A config for `openssl req` that does not depend on the system openssl.cnf. */
const CA_REQ_CONFIG = `[req]
distinguished_name = dn
x509_extensions = ca
prompt = no
[dn]
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
`

interface Pki {
  tlsCaPath: string
  tlsKeyPem: string
  tlsCertPem: string
  fulcioRootPem: string
  issueLeaf(
    publicKey: crypto.KeyObject,
    claims: Record<string, unknown>,
    n: number
  ): Promise<string>
}

async function makePki(dir: string): Promise<Pki> {
  fs.writeFileSync(path.join(dir, 'req.cnf'), CA_REQ_CONFIG)
  const selfSigned = (key: string, subj: string, out: string, digest: string) =>
    openssl(dir, [
      'req', '-x509', '-new', '-config', 'req.cnf', '-key', key, '-subj', subj,
      `-${digest}`, '-days', '2', '-out', out
    ]) // prettier-ignore

  // The TLS CA the spawned process trusts, and one server certificate for every served host.
  const tlsCaKey = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })
  writeKey(dir, 'tls-ca.key', tlsCaKey.privateKey)
  await selfSigned('tls-ca.key', '/O=go-xbuild-action tests/CN=Test TLS CA', 'tls-ca.pem', 'sha256')
  const tlsKey = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })
  writePublicKey(dir, 'tls.pub', tlsKey.publicKey)
  fs.writeFileSync(
    path.join(dir, 'tls.cnf'),
    `[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = ${SERVED_HOSTS.map(h => `DNS:${h}`).join(', ')}
`
  )
  await openssl(dir, [
    'x509', '-new', '-force_pubkey', 'tls.pub', '-subj', '/CN=sigstore stand-ins',
    '-CA', 'tls-ca.pem', '-CAkey', 'tls-ca.key', '-set_serial', '1', '-days', '2',
    '-extfile', 'tls.cnf', '-extensions', 'server', '-out', 'tls.pem'
  ]) // prettier-ignore

  // Fulcio's root, a separate CA: a TLS-trusted certificate must not pass as a signing one.
  const fulcioKey = crypto.generateKeyPairSync('ec', { namedCurve: 'P-384' })
  writeKey(dir, 'fulcio-root.key', fulcioKey.privateKey)
  await selfSigned(
    'fulcio-root.key',
    '/O=sigstore.dev/CN=sigstore',
    'fulcio-root.pem',
    FULCIO_DIGEST
  )
  const fulcioRootPem = fs.readFileSync(path.join(dir, 'fulcio-root.pem'), 'utf8')

  return {
    tlsCaPath: path.join(dir, 'tls-ca.pem'),
    tlsKeyPem: tlsKey.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    tlsCertPem: fs.readFileSync(path.join(dir, 'tls.pem'), 'utf8'),
    fulcioRootPem,
    async issueLeaf(publicKey, claims, n) {
      const base = `leaf-${n}`
      writePublicKey(dir, `${base}.pub`, publicKey)
      fs.writeFileSync(path.join(dir, `${base}.cnf`), leafExtensions(claims))
      const serialHex = crypto.randomBytes(19).toString('hex')
      await openssl(dir, [
        'x509', '-new', '-force_pubkey', `${base}.pub`, '-subj', '/',
        '-CA', 'fulcio-root.pem', '-CAkey', 'fulcio-root.key', `-${FULCIO_DIGEST}`,
        '-set_serial', `0x${serialHex}`, '-days', '1',
        '-extfile', `${base}.cnf`, '-extensions', 'leaf', '-outform', 'DER', '-out', `${base}.der`
      ]) // prettier-ignore
      // OpenSSL 3.0 sets validity in whole days only (-not_after came in 3.4), and its
      // `x509 -in … -preserve_dates -CA` re-signs only certificates still self-signed after
      // -force_pubkey; so the validity is rewritten here and the TBSCertificate signed again.
      const drafted = fs.readFileSync(path.join(dir, `${base}.der`))
      const now = Date.now()
      const der = redate(
        drafted,
        new Date(now),
        new Date(now + CERT_LIFETIME_MS),
        fulcioKey.privateKey
      )
      return new crypto.X509Certificate(der).toString()
    }
  }
}

/** The OpenSSL extension section of a Fulcio leaf for a GitHub Actions token. */
function leafExtensions(claims: Record<string, unknown>): string {
  const str = (k: string): string | undefined => {
    const v = claims[k]
    return typeof v === 'string' && v !== '' ? v : undefined
  }
  const gh = (v: string | undefined): string | undefined => (v ? `${GITHUB_URL}/${v}` : undefined)
  const runUri =
    str('repository') && str('run_id') && str('run_attempt')
      ? `${GITHUB_URL}/${str('repository')}/actions/runs/${str('run_id')}/attempts/${str('run_attempt')}`
      : undefined
  const oid = (n: number): string => `1.3.6.1.4.1.57264.1.${n}`
  // Fulcio's 1.1-1.6 hold the raw string; 1.8 onwards a DER UTF8String.
  const raw: [number, string | undefined][] = [
    [1, str('iss')],
    [2, str('event_name')],
    [3, str('sha')],
    [4, str('workflow')],
    [5, str('repository')],
    [6, str('ref')]
  ]
  const utf8: [number, string | undefined][] = [
    [8, str('iss')],
    [9, gh(str('job_workflow_ref'))],
    [10, str('job_workflow_sha')],
    [11, str('runner_environment')],
    [12, gh(str('repository'))],
    [13, str('sha')],
    [14, str('ref')],
    [15, str('repository_id')],
    [16, gh(str('repository_owner'))],
    [17, str('repository_owner_id')],
    [18, gh(str('workflow_ref'))],
    [19, str('workflow_sha')],
    [20, str('event_name')],
    [21, runUri],
    [22, str('repository_visibility')]
  ]
  const signer = gh(str('job_workflow_ref'))
  if (!signer) throw fulcioError(400, 'the token has no job_workflow_ref claim')
  // Claim text goes in as DER hex, so nothing in it is parsed as OpenSSL config syntax.
  const san = tlv(0x30, tlv(0x86, Buffer.from(signer, 'ascii')))
  const lines = [
    '[leaf]',
    'keyUsage = critical, digitalSignature',
    'extendedKeyUsage = codeSigning',
    'subjectKeyIdentifier = hash',
    'authorityKeyIdentifier = keyid',
    `subjectAltName = critical, DER:${san.toString('hex')}`
  ]
  for (const [n, v] of raw) if (v) lines.push(`${oid(n)} = DER:${Buffer.from(v).toString('hex')}`)
  for (const [n, v] of utf8) {
    if (v) lines.push(`${oid(n)} = DER:${tlv(0x0c, Buffer.from(v)).toString('hex')}`)
  }
  return `${lines.join('\n')}\n`
}

// ---- DER, just enough to re-date and re-sign a certificate ----

interface Tlv {
  start: number
  contentStart: number
  end: number
  tag: number
}

function readTlv(buf: Buffer, start: number): Tlv {
  const tag = buf[start]!
  let length = buf[start + 1]!
  let contentStart = start + 2
  if (length & 0x80) {
    const n = length & 0x7f
    length = 0
    for (let i = 0; i < n; i++) length = length * 256 + buf[start + 2 + i]!
    contentStart += n
  }
  return { start, contentStart, end: contentStart + length, tag }
}

function childrenOf(buf: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = []
  for (let at = parent.contentStart; at < parent.end;) {
    const child = readTlv(buf, at)
    out.push(child)
    at = child.end
  }
  return out
}

function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length
  let header: number[]
  if (n < 0x80) header = [tag, n]
  else {
    const bytes: number[] = []
    for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256)
    header = [tag, 0x80 | bytes.length, ...bytes]
  }
  return Buffer.concat([Buffer.from(header), content])
}

function utcTime(d: Date): Buffer {
  const iso = d.toISOString() // YYYY-MM-DDTHH:MM:SS.sssZ
  const s = iso.slice(2, 4) + iso.slice(5, 7) + iso.slice(8, 10) + iso.slice(11, 13)
  return tlv(0x17, Buffer.from(`${s}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`, 'ascii'))
}

/** Replaces a certificate's validity and signs the new TBSCertificate with `caKey`. */
function redate(der: Buffer, notBefore: Date, notAfter: Date, caKey: crypto.KeyObject): Buffer {
  const [tbs, sigAlg] = childrenOf(der, readTlv(der, 0)) as [Tlv, Tlv]
  const fields = childrenOf(der, tbs)
  // [0] version, serial, signature, issuer, validity, ...
  const validity = fields[0]!.tag === 0xa0 ? 4 : 3
  const parts = fields.map(f => der.subarray(f.start, f.end))
  parts[validity] = tlv(0x30, Buffer.concat([utcTime(notBefore), utcTime(notAfter)]))
  const newTbs = tlv(0x30, Buffer.concat(parts))
  const signature = crypto.sign(FULCIO_DIGEST, newTbs, caKey)
  return tlv(
    0x30,
    Buffer.concat([
      newTbs,
      der.subarray(sigAlg.start, sigAlg.end),
      tlv(0x03, Buffer.concat([Buffer.from([0]), signature]))
    ])
  )
}

// ---- Rekor: dsse v0.0.1 and RFC 6962 ----

/** Verifies a proposed dsse entry and returns its canonical body, as Rekor stores it. */
function canonicalDsseBody(proposed: unknown): string {
  const bad = (why: string): never => {
    throw rekorError(400, why)
  }
  const p = asRecord(proposed)
  if (p.kind !== 'dsse' || p.apiVersion !== '0.0.1') {
    return bad(`unsupported entry type ${String(p.kind)} ${String(p.apiVersion)}`)
  }
  const content = asRecord(asRecord(p.spec).proposedContent)
  if (typeof content.envelope !== 'string') return bad('missing proposed DSSE envelope')
  const verifiers = content.verifiers
  if (!Array.isArray(verifiers) || verifiers.length === 0) return bad('missing proposed verifiers')
  let envelope: Record<string, unknown>
  try {
    envelope = asRecord(JSON.parse(content.envelope))
  } catch {
    return bad('the envelope is not JSON')
  }
  const payloadType = envelope.payloadType
  const signatures = envelope.signatures
  if (typeof payloadType !== 'string' || typeof envelope.payload !== 'string') {
    return bad('the envelope has no payload')
  }
  if (!Array.isArray(signatures) || signatures.length === 0) {
    return bad('DSSE envelope must contain 1 or more signatures')
  }
  const payload = Buffer.from(envelope.payload, 'base64')
  const pae = Buffer.concat([
    Buffer.from(`DSSEv1 ${Buffer.byteLength(payloadType)} ${payloadType} ${payload.length} `),
    payload
  ])

  // Each verifier is a base64 PEM: a certificate (what @sigstore/sign sends) or a public key.
  const keys = verifiers.map(v => {
    const pem = Buffer.from(String(v), 'base64').toString('utf8')
    try {
      const cert = new crypto.X509Certificate(pem)
      return { key: cert.publicKey, canonical: cert.toString() }
    } catch {
      try {
        const key = crypto.createPublicKey(pem)
        return { key, canonical: key.export({ format: 'pem', type: 'spki' }).toString() }
      } catch {
        return bad('could not parse public key as x509')
      }
    }
  })
  const signed = signatures.map(s => {
    const sig = String(asRecord(s).sig ?? '')
    const by = keys.find(k => crypto.verify('sha256', pae, k.key, Buffer.from(sig, 'base64')))
    if (!by)
      return bad('could not verify envelope: all signatures must have a key that verifies it')
    return { signature: sig, verifier: Buffer.from(by.canonical).toString('base64') }
  })
  signed.sort((a, b) => (a.signature < b.signature ? -1 : a.signature > b.signature ? 1 : 0))
  return canonicalJson({
    apiVersion: '0.0.1',
    kind: 'dsse',
    spec: {
      envelopeHash: { algorithm: 'sha256', value: sha256Hex(Buffer.from(content.envelope)) },
      payloadHash: { algorithm: 'sha256', value: sha256Hex(payload) },
      signatures: signed
    }
  })
}

/** RFC 8785 for the values used here: sorted keys, no whitespace. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>
    const keys = Object.keys(obj)
      .filter(k => obj[k] !== undefined)
      .sort()
    return `{${keys.map(k => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`
  }
  return JSON.stringify(value)
}

function sha256Hex(data: Buffer): string {
  return crypto.createHash('sha256').update(data).digest('hex')
}

function leafHash(data: Buffer): Buffer {
  return crypto
    .createHash('sha256')
    .update(Buffer.from([0]))
    .update(data)
    .digest()
}

function nodeHash(left: Buffer, right: Buffer): Buffer {
  return crypto
    .createHash('sha256')
    .update(Buffer.from([1]))
    .update(left)
    .update(right)
    .digest()
}

/** Largest power of two smaller than n (n > 1). */
function split(n: number): number {
  let k = 1
  while (k * 2 < n) k *= 2
  return k
}

/** RFC 6962 MTH over leaf hashes. */
function merkleRoot(leaves: Buffer[]): Buffer {
  if (leaves.length === 0) return crypto.createHash('sha256').digest()
  if (leaves.length === 1) return leaves[0]!
  const k = split(leaves.length)
  return nodeHash(merkleRoot(leaves.slice(0, k)), merkleRoot(leaves.slice(k)))
}

/** RFC 6962 PATH(m, D[n]), nearest sibling first. */
function auditPath(m: number, leaves: Buffer[]): Buffer[] {
  if (leaves.length <= 1) return []
  const k = split(leaves.length)
  return m < k
    ? [...auditPath(m, leaves.slice(0, k)), merkleRoot(leaves.slice(k))]
    : [...auditPath(m - k, leaves.slice(k)), merkleRoot(leaves.slice(0, k))]
}

// ---- HTTP plumbing ----

function b64url(value: object): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url')
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {}
}

async function readJson(
  req: http.IncomingMessage,
  error: (status: number, message: string) => HttpError
): Promise<unknown> {
  const body = await readBody(req, MAX_BODY, message => error(413, message))
  try {
    return JSON.parse(body.toString('utf8')) as unknown
  } catch {
    throw error(400, 'the request body is not JSON')
  }
}

function sendError(res: http.ServerResponse, error: unknown): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  if (error instanceof HttpError) sendJson(res, error.status, error.body, error.headers)
  else sendJson(res, 500, { code: 500, message: (error as Error).message })
}
