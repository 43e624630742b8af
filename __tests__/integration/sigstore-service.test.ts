import { spawn } from 'node:child_process'
import * as crypto from 'node:crypto'
import * as fs from 'node:fs'
import * as http from 'node:http'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { verifyAttestationBundle } from '../fakes/attestation-check.js'
import { startSigstoreServices, type SigstoreService } from '../services/sigstore.js'

/**
 * Proves the loopback Sigstore stand-ins speak the real protocols: the real @actions/attest 3.2
 * (with @sigstore/sign, make-fetch-happen and @actions/http-client) runs in a child process whose
 * only way out is the stand-ins' proxy, and the bundle it returns passes the offline checker.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const ATTEST = path.join(ROOT, 'node_modules/@actions/attest/lib/index.js')
/** A hung child fails its test instead of Jest's (10 minute) timeout. */
const CHILD_TIMEOUT_MS = 120_000

// The child prints the result to a file: @actions/core writes ::debug:: and ::add-mask:: to stdout.
const SCRIPT = `import * as fs from 'node:fs'
import { attestProvenance } from ${JSON.stringify(ATTEST)}
const [resultPath, subjects] = process.argv.slice(2)
try {
  const result = await attestProvenance({ subjects: JSON.parse(subjects), token: 'x', skipWrite: true })
  fs.writeFileSync(resultPath, JSON.stringify(result))
} catch (error) {
  console.error('attestProvenance failed: ' + error.message)
  process.exitCode = 1
}
`

const sha256 = (text: string): string => crypto.createHash('sha256').update(text).digest('hex')
const SUBJECTS = [
  { name: 'hello_1.2.3_linux_amd64.tar.gz', digest: { sha256: sha256('linux/amd64 archive') } },
  { name: 'hello_1.2.3_windows_arm64.zip', digest: { sha256: sha256('windows/arm64 archive') } }
]

interface Run {
  code: number | null
  stdout: string
  stderr: string
  ms: number
  /** The attestation attestProvenance returned, when it succeeded. */
  result?: { bundle: Record<string, unknown>; certificate: string; tlogID?: string }
}

let workspace: string
let script: string
let eventPath: string
let runs = 0

beforeAll(() => {
  workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-attest-'))
  script = path.join(workspace, 'attest.mjs')
  fs.writeFileSync(script, SCRIPT)
  eventPath = path.join(workspace, 'event.json')
  fs.writeFileSync(eventPath, JSON.stringify({ repository: { visibility: 'public' } }))
})

afterAll(() => {
  fs.rmSync(workspace, { recursive: true, force: true })
})

/** Runs attestProvenance in a fresh node with exactly the variables a runner step would have. */
function attest(service: SigstoreService): Promise<Run> {
  const resultPath = path.join(workspace, `result-${++runs}.json`)
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? workspace,
    ...service.env,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_REPOSITORY: 'octo-org/octo-repo',
    GITHUB_EVENT_PATH: eventPath
  }
  const started = Date.now()
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, resultPath, JSON.stringify(SUBJECTS)], {
      env,
      cwd: workspace,
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')))
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')))
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS)
    child.on('error', reject)
    child.on('close', code => {
      clearTimeout(timer)
      const run: Run = { code, stdout, stderr, ms: Date.now() - started }
      if (fs.existsSync(resultPath)) {
        run.result = JSON.parse(fs.readFileSync(resultPath, 'utf8')) as Run['result']
      }
      resolve(run)
    })
  })
}

function expectSucceeded(run: Run): NonNullable<Run['result']> {
  if (run.code !== 0 || !run.result) {
    throw new Error(`attest exited ${run.code}:\n${run.stderr}\n${run.stdout}`)
  }
  return run.result
}

/** The tokens may reach stdout only inside ::add-mask:: (@actions/core masks the `nobody` one). */
function expectNoTokenLeaked(service: SigstoreService, run: Run): void {
  const visible = `${run.stdout}\n${run.stderr}`
    .split('\n')
    .filter(line => !line.startsWith('::add-mask::'))
    .join('\n')
  expect(service.tokensIssued.length).toBeGreaterThan(0)
  for (const token of service.tokensIssued) expect(visible).not.toContain(token)
}

function httpGet(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, res => {
        res.resume()
        res.on('end', () => resolve(res.statusCode ?? 0))
      })
      .on('error', reject)
  })
}

type Predicate = {
  buildDefinition: {
    externalParameters: { workflow: { ref: string; repository: string; path: string } }
    resolvedDependencies: { uri: string; digest: { gitCommit: string } }[]
  }
  runDetails: { builder: { id: string }; metadata: { invocationId: string } }
}

describe('Sigstore stand-ins with the real @actions/attest', () => {
  let service: SigstoreService
  // A commit that is not the default: the predicate must carry the token's claims.
  const sha = 'c0ffee0000000000000000000000000000000042'

  beforeAll(async () => {
    service = await startSigstoreServices({ claims: { sha, workflow_sha: sha } })
  })

  afterAll(async () => {
    await service.stop()
  })

  test('attestProvenance gets a token, a certificate and a log entry; the bundle verifies', async () => {
    const run = await attest(service)
    const result = expectSucceeded(run)

    const verified = verifyAttestationBundle(result.bundle, service)
    expect(verified.statement.subject).toEqual(SUBJECTS)
    expect(verified.statement.predicateType).toBe('https://slsa.dev/provenance/v1')
    const predicate = verified.statement.predicate as unknown as Predicate
    expect(predicate.buildDefinition.externalParameters.workflow).toEqual({
      ref: 'refs/tags/v1.2.3',
      repository: 'https://github.com/octo-org/octo-repo',
      path: '.github/workflows/release.yml'
    })
    expect(predicate.buildDefinition.resolvedDependencies[0]!.digest.gitCommit).toBe(sha)
    expect(predicate.runDetails.builder.id).toBe(
      `https://github.com/${String(service.claims.job_workflow_ref)}`
    )
    expect(predicate.runDetails.metadata.invocationId).toBe(
      'https://github.com/octo-org/octo-repo/actions/runs/9876543210/attempts/1'
    )
    expect(verified.san).toBe(
      'https://github.com/octo-org/octo-repo/.github/workflows/release.yml@refs/tags/v1.2.3'
    )
    expect(verified.issuer).toBe('https://token.actions.githubusercontent.com')
    expect(result.certificate).toBe(service.certificates[0])
    expect(result.tlogID).toBe('0')

    expect(service.certificates).toHaveLength(1)
    expect(service.entries).toHaveLength(1)
    expect(service.entries[0]!.logIndex).toBe(0)
    // Nothing but the stand-ins was contacted, and every call they answered succeeded.
    expect(service.requests.filter(r => r.kind === 'connect' && !r.allowed)).toEqual([])
    const served = service.requests.flatMap(r =>
      r.kind === 'request' ? [`${r.status} ${r.method} ${r.host}${r.path.replace(/\?.*/, '')}`] : []
    )
    expect(served.filter(s => !/^2\d\d /.test(s))).toEqual([])
    expect(new Set(served.map(s => s.replace(/\/_apis\/.*/, '/_apis/…')))).toEqual(
      new Set([
        '200 GET 127.0.0.1/_apis/…',
        '200 GET token.actions.githubusercontent.com/.well-known/openid-configuration',
        '200 GET token.actions.githubusercontent.com/.well-known/jwks',
        '200 POST fulcio.sigstore.dev/api/v2/signingCert',
        '201 POST rekor.sigstore.dev/api/v1/log/entries'
      ])
    )
    // One token for the claims (audience nobody), one for Fulcio (audience sigstore).
    expect(service.tokensIssued).toHaveLength(2)
    expectNoTokenLeaked(service, run)
  })

  test('a flipped byte in the DSSE payload fails verification', async () => {
    const { bundle } = expectSucceeded(await attest(service))
    const tampered = structuredClone(bundle) as { dsseEnvelope: { payload: string } }
    const payload = Buffer.from(tampered.dsseEnvelope.payload, 'base64')
    payload[payload.length >> 1] ^= 0x01
    tampered.dsseEnvelope.payload = payload.toString('base64')
    expect(() => verifyAttestationBundle(tampered, service)).toThrow(/DSSE signature/)
  })

  test('a certificate from another CA fails verification', async () => {
    const { bundle } = expectSucceeded(await attest(service))
    const other = await startSigstoreServices()
    try {
      // The same bundle, judged against another Fulcio root...
      expect(() => verifyAttestationBundle(bundle, other)).toThrow(/not issued by the Fulcio root/)
      // ...and this bundle with its certificate swapped for one the other CA issued.
      const foreign = expectSucceeded(await attest(other)).bundle as {
        verificationMaterial: { certificate: { rawBytes: string } }
      }
      const swapped = structuredClone(bundle) as typeof foreign
      swapped.verificationMaterial.certificate.rawBytes =
        foreign.verificationMaterial.certificate.rawBytes
      expect(() => verifyAttestationBundle(swapped, service)).toThrow(
        /not issued by the Fulcio root/
      )
    } finally {
      await other.stop()
    }
  })

  test('tampering with the log entry or its proof fails verification', async () => {
    const { bundle } = expectSucceeded(await attest(service))
    type Entry = {
      integratedTime: string
      canonicalizedBody: string
      inclusionPromise: { signedEntryTimestamp: string }
      inclusionProof: { rootHash: string; checkpoint: { envelope: string } }
    }
    const tamper = (change: (e: Entry) => void): unknown => {
      const copy = structuredClone(bundle) as { verificationMaterial: { tlogEntries: Entry[] } }
      change(copy.verificationMaterial.tlogEntries[0]!)
      return copy
    }
    const flip = (b64: string): string => {
      const bytes = Buffer.from(b64, 'base64')
      bytes[bytes.length - 1] ^= 0x01
      return bytes.toString('base64')
    }
    const cases: [string, (e: Entry) => void, RegExp][] = [
      ['integratedTime', e => (e.integratedTime = String(Number(e.integratedTime) + 1)), /signedEntryTimestamp/],
      ['signedEntryTimestamp', e => (e.inclusionPromise.signedEntryTimestamp = flip(e.inclusionPromise.signedEntryTimestamp)), /signedEntryTimestamp/],
      ['canonicalizedBody', e => (e.canonicalizedBody = Buffer.from(Buffer.from(e.canonicalizedBody, 'base64').toString().replace('"dsse"', '"dssf"')).toString('base64')), /signedEntryTimestamp/],
      ['rootHash', e => (e.inclusionProof.rootHash = flip(e.inclusionProof.rootHash)), /inclusion proof/],
      ['checkpoint', e => (e.inclusionProof.checkpoint.envelope = e.inclusionProof.checkpoint.envelope.replace(/ (\S+)\n$/, (_, sig: string) => ` ${flip(sig)}\n`)), /checkpoint signature/]
    ] // prettier-ignore
    const outcomes = cases.map(([what, change]) => {
      try {
        verifyAttestationBundle(tamper(change), service)
        return `${what}: verified`
      } catch (e) {
        return `${what}: ${(e as Error).message}`
      }
    })
    expect(outcomes).toEqual(
      cases.map(([what, , error]) => expect.stringMatching(`^${what}: .*${error.source}`))
    )
    // The untouched bundle verifies, but not against another log's key or before it was logged.
    verifyAttestationBundle(bundle, service)
    const other = await startSigstoreServices()
    try {
      const otherRekor = { ...service, rekorPublicKeyPem: other.rekorPublicKeyPem }
      expect(() => verifyAttestationBundle(bundle, otherRekor)).toThrow(/not the Rekor key/)
    } finally {
      await other.stop()
    }
    expect(() => verifyAttestationBundle(bundle, service, new Date(Date.now() - 3600_000))).toThrow(
      /in the future/
    )
  })

  test('the proxy refuses every destination it does not serve, and records it', async () => {
    const proxy = new URL(service.env.HTTPS_PROXY!)
    const connect = (target: string): Promise<number> =>
      new Promise((resolve, reject) => {
        http
          .request({ host: proxy.hostname, port: proxy.port, method: 'CONNECT', path: target })
          .on('connect', (res, socket) => {
            socket.destroy()
            resolve(res.statusCode ?? 0)
          })
          .on('error', reject)
          .end()
      })
    const before = service.requests.length
    expect(await connect('example.com:443')).toBe(403)
    expect(await connect('fulcio.sigstore.dev:8443')).toBe(403)
    expect(await connect('rekor.sigstore.dev:443')).toBe(200)
    expect(await httpGet(`${service.env.HTTPS_PROXY}`.replace(/\/?$/, ''), {})).toBe(404)
    const absolute = await new Promise<number>((resolve, reject) => {
      http
        .get({ host: proxy.hostname, port: proxy.port, path: 'http://example.com/x' }, res => {
          res.resume()
          resolve(res.statusCode ?? 0)
        })
        .on('error', reject)
    })
    expect(absolute).toBe(403)
    expect(service.requests.slice(before)).toEqual([
      { kind: 'connect', host: 'example.com', port: 443, allowed: false },
      { kind: 'connect', host: 'fulcio.sigstore.dev', port: 8443, allowed: false },
      { kind: 'connect', host: 'rekor.sigstore.dev', port: 443, allowed: true },
      { kind: 'request', host: '127.0.0.1', method: 'GET', path: '/', status: 404 },
      {
        kind: 'request',
        host: 'example.com',
        method: 'GET',
        path: 'http://example.com/x',
        status: 403
      }
    ])
  })

  test('the token endpoint refuses a wrong bearer token with 401', async () => {
    const url = `${service.env.ACTIONS_ID_TOKEN_REQUEST_URL}&audience=sigstore`
    const issued = service.tokensIssued.length
    expect(await httpGet(url, { Authorization: 'Bearer not-the-job-token' })).toBe(401)
    expect(await httpGet(url, {})).toBe(401)
    expect(
      await httpGet(url, {
        Authorization: `Bearer ${service.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN}`
      })
    ).toBe(200)
    expect(service.tokensIssued).toHaveLength(issued + 1)
  })

  test('Fulcio answering 403 fails the attestation at once, without retries', async () => {
    const before = service.requests.length
    service.failFulcio(403)
    const run = await attest(service)
    expect(run.code).not.toBe(0)
    expect(run.result).toBeUndefined()
    expect(run.stderr).toMatch(/error creating signing certificate - \(403\)/)
    const calls = service.requests
      .slice(before)
      .filter(r => r.kind === 'request' && r.path === '/api/v2/signingCert')
    expect(calls).toHaveLength(1)
    expectNoTokenLeaked(service, run)
  })

  test('Fulcio answering 500 is retried 3 times (1 s, 2 s, 4 s apart) before failing', async () => {
    const before = service.requests.length
    const entries = service.entries.length
    service.failFulcio(500, 4)
    const run = await attest(service)
    expect(run.code).not.toBe(0)
    expect(run.stderr).toMatch(/error creating signing certificate - \(500\)/)
    const calls = service.requests
      .slice(before)
      .filter(r => r.kind === 'request' && r.path === '/api/v2/signingCert')
    expect(calls.map(c => c.kind === 'request' && c.status)).toEqual([500, 500, 500, 500])
    expect(run.ms).toBeGreaterThanOrEqual(7000)
    expect(service.entries).toHaveLength(entries)
  })

  test('a transient Fulcio 503 is retried and the attestation still succeeds', async () => {
    service.failFulcio(503)
    const run = await attest(service)
    verifyAttestationBundle(expectSucceeded(run).bundle, service)
  })
})

describe('Rekor stand-in log', () => {
  test('two attestations in a row get logIndex 0 and 1, proven in trees of size 1 and 2', async () => {
    const service = await startSigstoreServices()
    try {
      const first = expectSucceeded(await attest(service))
      const second = expectSucceeded(await attest(service))
      for (const r of [first, second]) verifyAttestationBundle(r.bundle, service)
      const proofOf = (r: NonNullable<Run['result']>) => {
        const material = r.bundle.verificationMaterial as {
          tlogEntries: {
            logIndex?: string
            inclusionProof: { logIndex?: string; treeSize: string; hashes?: string[] }
          }[]
        }
        const entry = material.tlogEntries[0]!
        return {
          logIndex: entry.logIndex ?? '0',
          proofIndex: entry.inclusionProof.logIndex ?? '0',
          treeSize: entry.inclusionProof.treeSize,
          hashes: entry.inclusionProof.hashes?.length ?? 0
        }
      }
      expect(proofOf(first)).toEqual({ logIndex: '0', proofIndex: '0', treeSize: '1', hashes: 0 })
      expect(proofOf(second)).toEqual({ logIndex: '1', proofIndex: '1', treeSize: '2', hashes: 1 })
      expect(service.entries.map(e => e.logIndex)).toEqual([0, 1])
      expect(service.certificates).toHaveLength(2)
    } finally {
      await service.stop()
      await service.stop()
    }
  })
})
