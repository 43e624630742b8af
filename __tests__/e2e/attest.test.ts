import * as crypto from 'node:crypto'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { parseChecksums } from '../../src/checksums.js'
import { realProcess } from '../../src/ports/process.js'
import { findOnPath } from '../../src/lib/which.js'
import { trustedRootFor, verifyAttestationBundle } from '../fakes/attestation-check.js'
import { findCosign, processEnv } from '../fakes/go-tools.js'
import { copyFixture, gitInit } from '../fakes/context.js'
import { sha256sumRelease } from '../fakes/release-check.js'
import { startDistribution } from '../services/distribution.js'
import { runStep, type StepResult } from '../fakes/runner.js'
import {
  githubEnvFor,
  startGitHubService,
  type GitHubService,
  type GitHubServiceOptions
} from '../services/github.js'
import { startAzurite, type Azurite } from '../services/azurite.js'
import {
  runnerEnvFor,
  startResultsService,
  type ResultsService
} from '../services/results-service.js'
import { startSigstoreServices, type SigstoreService } from '../services/sigstore.js'

/**
 * attest: true with dist/main.js spawned like a runner and @actions/attest unchanged: the job's
 * OIDC token from a loopback token endpoint, and the fixed public endpoints it calls
 * (token.actions.githubusercontent.com for the JWKS, fulcio.sigstore.dev, rekor.sigstore.dev)
 * reached through a real HTTPS proxy (HTTPS_PROXY, as on a runner behind one) that terminates TLS
 * with a test CA (NODE_EXTRA_CA_CERTS) and answers with loopback Fulcio and Rekor services; the
 * attestation is stored in the loopback GitHub service, checked against GitHub's OpenAPI
 * description. Besides the test's own checks, the pinned cosign (sigstore-go) verifies the stored
 * bundle with a trusted root of the loopback keys. What cannot run offline: the real Sigstore
 * roots and CT log, GitHub's private-repository Sigstore instance (fulcio/timestamp.githubapp.com)
 * and `gh attestation verify`, which fetches its trusted root from GitHub.
 */
const TAG = 'v1.2.3'
const WORKFLOW = `octo-org/octo-repo/.github/workflows/release.yml@refs/tags/${TAG}`

let gh: GitHubService
let sigstore: SigstoreService
let workspace: string
let sha: string
let event: string

beforeAll(async () => {
  workspace = copyFixture('hello')
  sha = await gitInit(workspace, { tag: TAG })
  // The instance @actions/attest picks follows the repository's visibility in the event payload.
  event = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-attest-event-')), 'event.json')
  fs.writeFileSync(event, JSON.stringify({ repository: { visibility: 'public' } }))
})

afterEach(async () => {
  await gh?.stop()
  await sigstore?.stop()
})

/** Starts the services for one job and spawns it; `env` overrides the runner's variables. */
async function job(
  inputs: Record<string, string>,
  options: {
    github?: GitHubServiceOptions
    env?: Record<string, string>
    /** arms faults on the services before the job starts */
    before?: () => void
  } = {}
): Promise<StepResult> {
  gh = await startGitHubService(options.github)
  sigstore = await startSigstoreServices({
    claims: { sha, ref: `refs/tags/${TAG}`, repository: gh.repository }
  })
  options.before?.()
  return runStep(
    'dist/main.js',
    {
      targets: 'linux/amd64, linux/arm64, windows/amd64',
      cache: 'false',
      'upload-artifacts': 'false',
      'github-token': gh.token,
      attest: 'true',
      ...inputs
    },
    {
      workspace,
      env: {
        ...githubEnvFor(gh),
        ...sigstore.env,
        GITHUB_REF: `refs/tags/${TAG}`,
        GITHUB_SHA: sha,
        GITHUB_EVENT_NAME: 'push',
        GITHUB_EVENT_PATH: event,
        RUNNER_DEBUG: '1',
        ...options.env
      }
    }
  )
}

function ok(step: StepResult): void {
  if (step.code !== 0) throw new Error(`step failed:\n${step.stdout}\n${step.stderr}`)
}

/** Everything the step printed or left for the workflow. */
const printed = (step: StepResult): string =>
  [step.stdout, step.stderr, JSON.stringify(step.outputs), step.summary]
    .join('\n')
    .split('\n')
    // @actions/core's getIDToken tells the runner to hide the token: the one place it may be.
    .filter(line => !line.startsWith('::add-mask::'))
    .join('\n')

describe('attest: true on a release', () => {
  let step: StepResult

  beforeAll(async () => {
    step = await job({ sbom: 'cyclonedx-json' })
    ok(step)
  })
  // afterEach stops the services after the first test; what they recorded stays readable.

  test('one attestation, stored, whose signed statement lists exactly the released checksums', async () => {
    const [release] = gh.releases()
    expect(release!.draft).toBe(false)
    const checked = await sha256sumRelease(gh, release!)
    const sums = parseChecksums(
      gh.assetBytes(release!.assets.find(a => a.name === 'checksums.txt')!.id)!.toString(),
      'sha256'
    )
    // 3 archives and their 3 SBOMs.
    expect(sums).toHaveLength(6)
    expect(checked).toEqual(sums.map(s => s.name).sort())

    const stored = gh.attestations()
    expect(stored).toHaveLength(1)
    const verified = verifyAttestationBundle(stored[0]!.bundle, sigstore)
    expect(verified.statement.subject).toEqual(
      sums.map(s => ({ name: s.name, digest: { sha256: s.digest } }))
    )
    expect(stored[0]!.subjectDigests.sort()).toEqual(sums.map(s => `sha256:${s.digest}`).sort())
  })

  test('the provenance names the workflow, the tag and the commit; the certificate the workflow', () => {
    const verified = verifyAttestationBundle(gh.attestations()[0]!.bundle, sigstore)
    expect(verified.san).toBe(`https://github.com/${WORKFLOW}`)
    expect(verified.statement.predicateType).toBe('https://slsa.dev/provenance/v1')
    const predicate = verified.statement.predicate as {
      buildDefinition: {
        externalParameters: { workflow: { ref: string; repository: string; path: string } }
        resolvedDependencies: { uri: string; digest: { gitCommit: string } }[]
      }
    }
    expect(predicate.buildDefinition.externalParameters.workflow).toEqual({
      ref: `refs/tags/${TAG}`,
      repository: 'https://github.com/octo-org/octo-repo',
      path: '.github/workflows/release.yml'
    })
    expect(predicate.buildDefinition.resolvedDependencies[0]!.digest.gitCommit).toBe(sha)
  })

  test('outputs and summary give the attestation, and it was made before any upload', () => {
    const [stored] = gh.attestations()
    expect(JSON.parse(step.outputs.attestations!)).toEqual([
      {
        id: stored!.id,
        url: `https://github.com/octo-org/octo-repo/attestations/${stored!.id}`,
        subjects: 6
      }
    ])
    expect(step.summary).toContain(
      'build provenance attested (6 files): https://github.com/octo-org/octo-repo/attestations/'
    )
    // The summary is HTML: <file> is escaped.
    expect(step.summary).toContain('gh attestation verify &lt;file&gt; -R octo-org/octo-repo')
    const ops = gh.calls.map(c => c.operationId)
    expect(ops.indexOf('repos/create-attestation')).toBeLessThan(
      ops.indexOf('repos/upload-release-asset')
    )
    expect(ops.filter(o => o === 'repos/create-attestation')).toHaveLength(1)
    expect(gh.contractViolations).toEqual([])
  })

  test('cosign verify-blob-attestation (sigstore-go) accepts every released file, and only those', async () => {
    // An independent verifier: the pinned cosign, trusting only the loopback Fulcio root and
    // Rekor key, checks the bundle as stored, its identity, the SLSA predicate type and each file.
    const cosign = await findCosign()
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-attest-verify-'))
    try {
      fs.writeFileSync(path.join(dir, 'bundle.json'), JSON.stringify(gh.attestations()[0]!.bundle))
      fs.writeFileSync(path.join(dir, 'trusted_root.json'), trustedRootFor(sigstore))
      const verify = (file: string, identity = `https://github.com/${WORKFLOW}`) =>
        realProcess.run(
          cosign,
          [
            'verify-blob-attestation',
            '--bundle=bundle.json',
            '--trusted-root=trusted_root.json',
            `--certificate-identity=${identity}`,
            '--certificate-oidc-issuer=https://token.actions.githubusercontent.com',
            '--insecure-ignore-sct=true',
            '--type=slsaprovenance1',
            file
          ],
          { cwd: dir, env: processEnv() }
        )
      const [release] = gh.releases()
      const files = release!.assets.filter(a => a.name !== 'checksums.txt')
      expect(files).toHaveLength(6)
      for (const asset of files) {
        fs.writeFileSync(path.join(dir, asset.name), gh.assetBytes(asset.id)!)
        const ok = await verify(asset.name)
        expect([asset.name, ok.code, ok.stderr]).toEqual([
          asset.name,
          0,
          expect.stringContaining('Verified OK')
        ])
      }
      const first = files[0]!.name
      fs.writeFileSync(
        path.join(dir, 'changed'),
        Buffer.concat([gh.assetBytes(files[0]!.id)!, Buffer.from('x')])
      )
      const changed = await verify('changed')
      expect([changed.code, changed.stderr]).toEqual([
        1,
        expect.stringContaining('digests do not match')
      ])
      const other = await verify(
        first,
        'https://github.com/evil/repo/.github/workflows/release.yml@refs/tags/v1.2.3'
      )
      expect([other.code, other.stderr]).toEqual([
        1,
        expect.stringContaining('no matching CertificateIdentity')
      ])
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })

  test('only the Sigstore and token hosts went through the proxy; no OIDC token was printed', () => {
    expect(sigstore.requests.filter(r => r.kind === 'connect' && !r.allowed)).toEqual([])
    const hosts = new Set(sigstore.requests.filter(r => r.kind === 'request').map(r => r.host))
    // 127.0.0.1: the job's OIDC token endpoint (ACTIONS_ID_TOKEN_REQUEST_URL), never proxied.
    expect([...hosts].sort()).toEqual([
      '127.0.0.1',
      'fulcio.sigstore.dev',
      'rekor.sigstore.dev',
      'token.actions.githubusercontent.com'
    ])
    expect(sigstore.tokensIssued.length).toBeGreaterThan(0)
    for (const token of sigstore.tokensIssued) expect(printed(step)).not.toContain(token)
  })

  test('every OIDC token issued, the sigstore one included, was masked (::add-mask::) as it arrived', () => {
    // One for the provenance's claims, one for Fulcio: none fetched behind the action's back.
    expect(sigstore.tokensIssued.map(audienceOf).sort()).toEqual(['nobody', 'sigstore'])
    for (const token of sigstore.tokensIssued) {
      expect([audienceOf(token), step.stdout.split('\n')]).toEqual([
        audienceOf(token),
        expect.arrayContaining([`::add-mask::${token}`])
      ])
    }
  })
})

/** The `aud` claim of a JWT. */
function audienceOf(jwt: string): string {
  return String(
    (JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as { aud: unknown }).aud
  )
}

/**
 * A `go` first on PATH that appends its environment to a file, then runs the real go: what the
 * action hands every go command it starts.
 */
function recordingGo(): { path: string; seen: () => string } {
  const real = findOnPath('go', process.env.PATH)
  if (!real) throw new Error('go is not on PATH')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-go-env-'))
  const log = path.join(dir, 'env.log')
  fs.writeFileSync(log, '')
  fs.writeFileSync(
    path.join(dir, 'go'),
    `#!/bin/sh\nenv >> '${log}'\necho ---- >> '${log}'\nexec '${real}' "$@"\n`,
    { mode: 0o755 }
  )
  return {
    path: `${dir}${path.delimiter}${process.env.PATH ?? ''}`,
    seen: () => fs.readFileSync(log, 'utf8')
  }
}

test('with an image, the attestation also names the image by its index digest', async () => {
  // image-push false: the image is written as an OCI layout only, no registry is needed.
  const step = await job({
    image: 'ghcr.io/octo-org/octo-repo',
    'image-base': 'scratch',
    'image-push': 'false'
  })
  ok(step)
  const digest = step.outputs['image-digest']!
  expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/)
  const layout = JSON.parse(
    fs.readFileSync(path.join(workspace, 'dist', 'image', 'index.json'), 'utf8')
  )
  expect(layout.manifests[0].digest).toBe(digest)
  const [stored] = gh.attestations()
  const verified = verifyAttestationBundle(stored!.bundle, sigstore)
  expect(verified.statement.subject).toContainEqual({
    name: 'ghcr.io/octo-org/octo-repo',
    digest: { sha256: digest.slice('sha256:'.length) }
  })
  expect(JSON.parse(step.outputs['image-refs']!)).toEqual([])
  expect(step.summary).toContain('<h4>Image</h4>')
  expect(step.summary).toContain('not pushed; OCI layout folder:')
})

describe('SIGSTORE_ID_TOKEN in the job’s environment', () => {
  test('attest on, a malformed SIGSTORE_ID_TOKEN: the job fails naming it, the token is printed nowhere, and go never sees it', async () => {
    const token = `not-a-jwt-${crypto.randomUUID()}`
    const go = recordingGo()
    const step = await job({}, { env: { SIGSTORE_ID_TOKEN: token, PATH: go.path } })
    expect(step.code).not.toBe(0)
    expect(step.stdout).toContain(
      "::error::go-xbuild: attest: the identity token to sign with is not a JWT (invalid identity token: *** (SIGSTORE_ID_TOKEN of the job's environment)); nothing was uploaded"
    )
    // Masked before anything else was written: the one line it may appear on.
    expect(step.stdout.split('\n')).toContain(`::add-mask::${token}`)
    expect(printed(step)).not.toContain(token)
    expect(go.seen()).toMatch(/^GOOS=linux$/m)
    expect(go.seen()).not.toContain(token)
    expect(go.seen()).not.toMatch(/^SIGSTORE_ID_TOKEN=/m)
    expect(gh.attestations()).toEqual([])
    expect(gh.calls.map(c => c.operationId)).not.toContain('repos/upload-release-asset')
  })

  test('attest off: SIGSTORE_ID_TOKEN is masked and dropped; go commands do not get it', async () => {
    const token = `eyJhbGciOiJub25lIn0.${crypto.randomUUID()}.x`
    const go = recordingGo()
    const step = await job(
      { attest: 'false' },
      { env: { SIGSTORE_ID_TOKEN: token, PATH: go.path } }
    )
    ok(step)
    expect(step.stdout.split('\n')).toContain(`::add-mask::${token}`)
    expect(printed(step)).not.toContain(token)
    // go env, go list and every go build ran, none with the variable.
    expect(go.seen().split('----\n').length).toBeGreaterThan(3)
    expect(go.seen()).toMatch(/^GOOS=windows$/m)
    expect(go.seen()).not.toMatch(/^SIGSTORE_ID_TOKEN=/m)
    expect(go.seen()).not.toContain(token)
    expect(sigstore.requests).toEqual([])
  })
})

describe('attest refused, nothing published', () => {
  test('without id-token: write (no OIDC request variables): fails before building', async () => {
    const step = await job(
      {},
      { env: { ACTIONS_ID_TOKEN_REQUEST_URL: '', ACTIONS_ID_TOKEN_REQUEST_TOKEN: '' } }
    )
    expect(step.code).not.toBe(0)
    expect(step.stdout).toContain(
      'attest: this job cannot get an OIDC token to sign attestations with; give the job `permissions: id-token: write` and `attestations: write`'
    )
    expect(step.stdout).not.toContain('building binaries')
    expect(gh.releases()).toEqual([])
    expect(gh.calls).toEqual([])
    expect(sigstore.requests).toEqual([])
  })

  test('without attestations: write: fails naming it; the release stays an empty draft', async () => {
    const step = await job({}, { github: { attestationsWrite: false } })
    expect(step.code).not.toBe(0)
    expect(step.stdout).toContain(
      'attest: GitHub refused to store the attestation (Failed to persist attestation: Resource not accessible by integration'
    )
    expect(step.stdout).toContain('give the job `permissions: attestations: write`')
    expect(gh.attestations()).toEqual([])
    const releases = gh.releases()
    expect(releases.every(r => r.draft && r.assets.length === 0)).toBe(true)
    expect(gh.calls.map(c => c.operationId)).not.toContain('repos/upload-release-asset')
  })

  test('Fulcio refusing the certificate fails the job before any upload', async () => {
    const step = await job({}, { before: () => sigstore.failFulcio(403, 10) })
    expect(step.code).not.toBe(0)
    expect(step.stdout).toMatch(/attest: .*signing certificate.*; nothing was uploaded/)
    expect(sigstore.certificates).toEqual([])
    expect(gh.attestations()).toEqual([])
    expect(gh.calls.map(c => c.operationId)).not.toContain('repos/upload-release-asset')
  })
})

describe('attest in the fan-in: legs → publish', () => {
  let azurite: Azurite
  let results: ResultsService

  beforeAll(async () => {
    azurite = await startAzurite()
    results = await startResultsService({ azurite })
  })

  afterAll(async () => {
    await results?.stop()
    await azurite?.stop()
  })

  test('legs without OIDC build; the publish job makes one attestation of every leg’s files', async () => {
    gh = await startGitHubService()
    sigstore = await startSigstoreServices({
      claims: { sha, ref: `refs/tags/${TAG}`, repository: gh.repository }
    })
    const env = {
      ...runnerEnvFor(results),
      // A run of its own, so artifacts of other runs are not listed.
      ACTIONS_RUNTIME_TOKEN: results.token(crypto.randomUUID(), crypto.randomUUID()),
      GITHUB_REF: `refs/tags/${TAG}`,
      GITHUB_SHA: sha,
      GITHUB_EVENT_NAME: 'push',
      GITHUB_EVENT_PATH: event
    }
    for (const leg of [
      { shard: '1-of-2', targets: 'linux/amd64' },
      { shard: '2-of-2', targets: 'linux/arm64, windows/amd64' }
    ]) {
      // Build legs hold no OIDC token: no id-token: write there.
      const step = await runStep(
        'dist/main.js',
        { mode: 'build', cache: 'false', ...leg },
        { workspace, env }
      )
      expect([leg.shard, step.code, step.stderr]).toEqual([leg.shard, 0, ''])
    }
    const publish = await runStep(
      'dist/main.js',
      {
        mode: 'publish',
        targets: 'linux/amd64, linux/arm64, windows/amd64',
        'github-token': gh.token,
        attest: 'true'
      },
      { workspace, env: { ...env, ...githubEnvFor(gh), ...sigstore.env } }
    )
    ok(publish)
    const [release] = gh.releases()
    const sums = parseChecksums(
      gh.assetBytes(release!.assets.find(a => a.name === 'checksums.txt')!.id)!.toString(),
      'sha256'
    )
    expect(sums).toHaveLength(3)
    const stored = gh.attestations()
    expect(stored).toHaveLength(1)
    const verified = verifyAttestationBundle(stored[0]!.bundle, sigstore)
    expect(verified.statement.subject).toEqual(
      sums.map(s => ({ name: s.name, digest: { sha256: s.digest } }))
    )
    expect(JSON.parse(publish.outputs.attestations!)).toHaveLength(1)
  })

  test('legs that publish themselves: the leg that completes the release attests the image index too', async () => {
    const registry = await startDistribution('none')
    try {
      gh = await startGitHubService()
      sigstore = await startSigstoreServices({
        claims: { sha, ref: `refs/tags/${TAG}`, repository: gh.repository }
      })
      const env = {
        ...runnerEnvFor(results),
        ACTIONS_RUNTIME_TOKEN: results.token(crypto.randomUUID(), crypto.randomUUID()),
        ...githubEnvFor(gh),
        ...sigstore.env,
        GITHUB_REF: `refs/tags/${TAG}`,
        GITHUB_SHA: sha,
        GITHUB_EVENT_NAME: 'push',
        GITHUB_EVENT_PATH: event
      }
      const repository = `${registry.host}/acme/attested`
      const steps: StepResult[] = []
      for (const leg of [
        { shard: '1-of-2', targets: 'linux/amd64' },
        { shard: '2-of-2', targets: 'linux/arm64, windows/amd64' }
      ]) {
        const step = await runStep(
          'dist/main.js',
          {
            mode: 'build',
            cache: 'false',
            'upload-artifacts': 'false',
            ...leg,
            'planned-targets': 'linux/amd64, linux/arm64, windows/amd64',
            release: 'true',
            'github-token': gh.token,
            attest: 'true',
            image: repository,
            'image-base': 'scratch',
            'image-push': 'true'
          },
          { workspace, env }
        )
        ok(step)
        steps.push(step)
      }
      const [first, last] = steps as [StepResult, StepResult]
      expect(first.outputs['image-digest']).toBe('')
      const digest = last.outputs['image-digest']!
      expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/)
      expect(gh.releases()[0]!.draft).toBe(false)
      // One attestation of each leg's files, and the completing leg's of the image index.
      const stored = gh.attestations()
      expect(stored).toHaveLength(3)
      const subjects = stored.flatMap(
        a => verifyAttestationBundle(a.bundle, sigstore).statement.subject
      )
      expect(subjects.filter(s => s.name === repository)).toEqual([
        { name: repository, digest: { sha256: digest.slice('sha256:'.length) } }
      ])
      expect(JSON.parse(last.outputs.attestations!)).toHaveLength(2)
    } finally {
      await registry.stop()
    }
  })
})
