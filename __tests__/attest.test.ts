import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import type { Artifact } from '../src/artifacts.js'
import { parseInputs, type InputName } from '../src/inputs/index.js'
import { redact, type AttestPort, type AttestationSubject } from '../src/ports/attest.js'
import { explainAttestFailure } from '../src/attestation.js'
import { ATTEST_BATCH, attest, attestationSubjects, batches } from '../src/stages/attest.js'
import { prepareProblems, testContext } from './fakes/context.js'

type Values = Partial<Record<InputName, string>>

const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-attest-')))
afterAll(() => fs.rmSync(root, { recursive: true, force: true }))

/** What a GitHub job with `id-token: write` has. */
const OIDC = {
  ACTIONS_ID_TOKEN_REQUEST_URL: 'https://pipelines.example/idtoken?api-version=2.0',
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'request-token',
  GITHUB_REPOSITORY: 'octo-org/octo-repo',
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_EVENT_NAME: 'push',
  GITHUB_EVENT_PATH: ''
}

const hex = (n: number, length = 64): string => n.toString(16).padStart(length, '0')

/** Published files as the checksum stage leaves them. */
function published(count: number, sha512 = false): Artifact[] {
  return Array.from({ length: count }, (_, i) => ({
    kind: i % 2 === 0 ? 'archive' : 'sbom',
    path: path.join(root, `f${i}`),
    name: `hello_${i}.tar.gz`,
    digests: { sha256: hex(i), ...(sha512 ? { sha512: hex(i, 128) } : {}) }
  }))
}

describe('attest input', () => {
  const parse = (values: Values) =>
    parseInputs(name => values[name] ?? '', { workspace: root, cpus: 2 })
  it.each([
    ['', false, []],
    ['true', true, []],
    ['false', false, []],
    ['yes', false, ['attest: "yes" is not a boolean (allowed: true, false)']]
  ])('attest: "%s" -> %s', (value, parsed, problems) => {
    const result = parse({ attest: value })
    expect(result.inputs.attest).toBe(parsed)
    expect(result.problems).toEqual(problems)
  })
})

describe('attest prepare: refused before any build', () => {
  const permissions = '`permissions: id-token: write` and `attestations: write`'
  const check = (values: Values, env: Record<string, string>): Promise<string[]> => {
    const { ctx } = testContext(values, { workspace: root, env })
    return prepareProblems(ctx, attest)
  }
  const fork = path.join(root, 'fork.json')
  fs.writeFileSync(fork, JSON.stringify({ pull_request: { head: { repo: { full_name: 'x/y' } } } }))

  it.each<[string, Values, Record<string, string>, string[]]>([
    ['all set', { attest: 'true', 'github-token': 't' }, OIDC, []],
    ['attest false needs nothing', { 'github-token': 't' }, {}, []],
    ['a plan attests nothing', { attest: 'true', mode: 'plan' }, {}, []],
    [
      'no OIDC token (no id-token: write)',
      { attest: 'true', 'github-token': 't' },
      { ...OIDC, ACTIONS_ID_TOKEN_REQUEST_URL: '', ACTIONS_ID_TOKEN_REQUEST_TOKEN: '' },
      [
        `attest: this job cannot get an OIDC token to sign attestations with; give the job ${permissions} (outside GitHub Actions, leave attest false)`
      ]
    ],
    [
      'the request token alone',
      { attest: 'true', 'github-token': 't' },
      { ...OIDC, ACTIONS_ID_TOKEN_REQUEST_URL: '' },
      [
        `attest: this job cannot get an OIDC token to sign attestations with; give the job ${permissions} (outside GitHub Actions, leave attest false)`
      ]
    ],
    [
      'no token to store them with',
      { attest: 'true' },
      OIDC,
      [
        `attest: storing attestations needs a token: set github-token (the job's GITHUB_TOKEN with ${permissions})`
      ]
    ],
    [
      'no repository',
      { attest: 'true', 'github-token': 't' },
      { ...OIDC, GITHUB_REPOSITORY: '' },
      ['attest: GITHUB_REPOSITORY is not set; attestations belong to a repository']
    ],
    [
      'GHE.com',
      { attest: 'true', 'github-token': 't' },
      { ...OIDC, GITHUB_SERVER_URL: 'https://octo.ghe.com' },
      []
    ],
    [
      'GitHub Enterprise Server',
      { attest: 'true', 'github-token': 't' },
      { ...OIDC, GITHUB_SERVER_URL: 'https://git.example.com' },
      [
        'attest: artifact attestations exist on github.com and GHE.com only, not on https://git.example.com (GitHub Enterprise Server); leave attest false there'
      ]
    ],
    [
      'a fork pull request skips instead',
      { attest: 'true', 'github-token': 't' },
      {
        ...OIDC,
        ACTIONS_ID_TOKEN_REQUEST_URL: '',
        GITHUB_EVENT_NAME: 'pull_request',
        GITHUB_EVENT_PATH: fork
      },
      []
    ]
  ])('%s', async (_, values, env, problems) => {
    expect(await check(values, env)).toEqual(problems)
  })
})

describe('attestationSubjects and batches', () => {
  it('lists every published file by its published name with every digest computed', () => {
    expect(attestationSubjects(published(2, true))).toEqual([
      { name: 'hello_0.tar.gz', digest: { sha256: hex(0), sha512: hex(0, 128) } },
      { name: 'hello_1.tar.gz', digest: { sha256: hex(1), sha512: hex(1, 128) } }
    ])
  })
  it('orders them as checksums.txt does: by name in byte order', () => {
    const files = published(3).map((f, i) => ({ ...f, name: ['b.zip', 'B.zip', 'a_2.tar.gz'][i]! }))
    expect(attestationSubjects(files).map(s => s.name)).toEqual(['B.zip', 'a_2.tar.gz', 'b.zip'])
  })
  it('refuses a file the checksum stage did not hash', () => {
    const [first] = published(1)
    expect(() => attestationSubjects([{ ...first!, digests: {} }])).toThrow(
      'internal: hello_0.tar.gz has no digest'
    )
  })
  it.each([
    [0, []],
    [1, [1]],
    [ATTEST_BATCH, [ATTEST_BATCH]],
    [ATTEST_BATCH + 1, [ATTEST_BATCH, 1]],
    [2500, [1024, 1024, 452]]
  ])('%d subjects -> attestations of %j', (count, sizes) => {
    const items = Array.from({ length: count }, (_, i) => i)
    const runs = batches(items)
    expect(runs.map(r => r.length)).toEqual(sizes)
    expect(runs.flat()).toEqual(items)
  })
})

describe('explainAttestFailure', () => {
  it.each([
    [
      'Failed to get ID token: Unable to get ACTIONS_ID_TOKEN_REQUEST_URL env variable',
      "could not get the job's OIDC token (Failed to get ID token: Unable to get ACTIONS_ID_TOKEN_REQUEST_URL env variable); give the job `permissions: id-token: write` and `attestations: write`"
    ],
    [
      'Failed to persist attestation: Resource not accessible by integration - https://docs.github.com/rest/repos/attestations#create-an-attestation',
      'GitHub refused to store the attestation (Failed to persist attestation: Resource not accessible by integration - https://docs.github.com/rest/repos/attestations#create-an-attestation); give the job `permissions: attestations: write` (with `id-token: write`)'
    ],
    [
      'Failed to persist attestation: Feature not available for the octo-org organization.',
      'GitHub did not store the attestation (Failed to persist attestation: Feature not available for the octo-org organization.); attestations need a public repository, or GitHub Enterprise Cloud for private and internal ones'
    ],
    [
      "invalid identity token: *** (SIGSTORE_ID_TOKEN of the job's environment)",
      "the identity token to sign with is not a JWT (invalid identity token: *** (SIGSTORE_ID_TOKEN of the job's environment))"
    ],
    [
      'error creating signing certificate - (500) boom',
      'error creating signing certificate - (500) boom'
    ]
  ])('%s', (message, explained) => {
    expect(explainAttestFailure(message)).toBe(explained)
  })
})

describe('attest stage with a recording port', () => {
  function run(files: Artifact[], port: AttestPort, values: Values = {}) {
    const t = testContext(
      { attest: 'true', 'github-token': 'ghs_token', ...values },
      { workspace: root, env: OIDC, attest: port }
    )
    for (const f of files) t.ctx.artifacts.add(f)
    // Files that are not in the checksums: never subjects.
    t.ctx.artifacts.add({ kind: 'checksums', path: path.join(root, 'c'), name: 'checksums.txt' })
    t.ctx.artifacts.add({ kind: 'binary', path: path.join(root, 'b'), name: 'hello' })
    t.ctx.artifacts.add({
      kind: 'signature',
      path: path.join(root, 's'),
      name: 'checksums.txt.sigstore.json',
      signs: 'checksums.txt'
    })
    return t
  }

  it('makes one attestation per 1024 files, in order, with the token, and lists them', async () => {
    const calls: { subjects: AttestationSubject[]; token: string }[] = []
    let id = 40
    const t = run(published(2049), async request => {
      calls.push(request)
      return { id: ++id, tlogId: String(id * 10) }
    })
    await attest.run(t.ctx)
    expect(calls.map(c => c.subjects.length)).toEqual([1024, 1024, 1])
    expect(calls.every(c => c.token === 'ghs_token')).toBe(true)
    // Every file once, in checksums.txt's order (names in byte order: hello_10 before hello_2).
    expect(calls.flatMap(c => c.subjects.map(s => s.name))).toEqual(
      published(2049)
        .map(f => f.name)
        .sort()
    )
    expect(t.ctx.published.attestations).toEqual([
      { id: 41, url: 'https://github.com/octo-org/octo-repo/attestations/41', subjects: 1024 },
      { id: 42, url: 'https://github.com/octo-org/octo-repo/attestations/42', subjects: 1024 },
      { id: 43, url: 'https://github.com/octo-org/octo-repo/attestations/43', subjects: 1 }
    ])
    expect(t.lines.join('\n')).toContain(
      'attestation 3/3: 1 files, https://github.com/octo-org/octo-repo/attestations/43 (Rekor log index 430)'
    )
  })

  it('names the permission when GitHub refuses to store, and how many were made', async () => {
    let n = 0
    const t = run(published(1500), async () => {
      if (++n === 2)
        throw new Error(
          'Failed to persist attestation: Resource not accessible by integration - https://docs.github.com/rest'
        )
      return { id: n }
    })
    await expect(attest.run(t.ctx)).rejects.toThrow(
      'attest: GitHub refused to store the attestation (Failed to persist attestation: Resource not accessible by integration - https://docs.github.com/rest); give the job `permissions: attestations: write` (with `id-token: write`) (1 of 2 attestations made); nothing was uploaded'
    )
  })

  it('is skipped when attest is false and on fork pull requests', () => {
    const off = testContext({}, { workspace: root, env: OIDC })
    expect(attest.skip!(off.ctx)).toBe('attest is false')
    const event = path.join(root, 'fork-pr.json')
    fs.writeFileSync(
      event,
      JSON.stringify({ pull_request: { head: { repo: { full_name: 'someone/fork' } } } })
    )
    const fork = testContext(
      { attest: 'true', 'github-token': 't' },
      {
        workspace: root,
        env: { ...OIDC, GITHUB_EVENT_NAME: 'pull_request_target', GITHUB_EVENT_PATH: event }
      }
    )
    expect(attest.skip!(fork.ctx)).toBe('pull request from a fork')
    expect(fork.lines.join('\n')).toContain('a pull request from a fork gets no OIDC token')
  })
})

describe('redact', () => {
  it.each([
    [
      'the token where it appears',
      'invalid identity token: abc.def.ghi',
      'abc.def.ghi',
      'invalid identity token: ***'
    ],
    ['every time', 'abcd then abcd', 'abcd', '*** then ***'],
    [
      'each line of a multi-line value',
      'got line-one and line-two',
      'line-one\nline-two',
      'got *** and ***'
    ],
    ['nothing else', 'Fulcio said 500', 'abc.def.ghi', 'Fulcio said 500']
  ])('%s', (_, message, secret, redacted) => {
    expect(redact(message, secret)).toBe(redacted)
  })
})
