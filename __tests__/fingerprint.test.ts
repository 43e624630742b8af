import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {
  FINGERPRINT_FIELDS,
  disagreements,
  fingerprintOf,
  parseFingerprint,
  serializeFingerprint,
  type Fingerprint,
  type FingerprintFacts,
  type Recorded
} from '../src/fingerprint.js'
import { parseInputs, type InputName } from '../src/inputs/index.js'

type Values = Partial<Record<InputName, string>>

const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-fingerprint-')))
fs.mkdirSync(path.join(root, 'cmd'))
afterAll(() => fs.rmSync(root, { recursive: true, force: true }))

const KEY = [
  '-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----',
  'eyJrZGYiOnsibmFtZSI6InNjcnlwdCIsInBhcmFtcyI6eyJOIjo2NTUzNiwiciI6',
  '-----END ENCRYPTED SIGSTORE PRIVATE KEY-----'
].join('\n')

const FACTS: FingerprintFacts = {
  go: { version: 'go1.26.8', goflags: '' },
  stamp: {
    version: '3.0.0',
    tag: 'v3.0.0',
    commit: 'a'.repeat(40),
    shortCommit: 'aaaaaaa',
    date: '2023-11-14T22:13:20Z',
    epoch: 1_700_000_000,
    snapshot: false,
    previousTag: '',
    summary: '',
    dirty: false
  },
  binaries: [{ name: 'hello', pkg: '.' }]
}

function fingerprint(values: Values, facts: Partial<FingerprintFacts> = {}): Fingerprint {
  const { inputs, problems } = parseInputs(name => values[name] ?? '', {
    workspace: root,
    cpus: 2
  })
  expect(problems).toEqual([])
  return fingerprintOf(inputs, { ...FACTS, ...facts })
}

/** The fields whose values differ between two fingerprints, as `field: before -> after`. */
function changed(a: Fingerprint, b: Fingerprint): string[] {
  return FINGERPRINT_FIELDS.filter(f => a[f.name] !== b[f.name]).map(
    f => `${f.name}: ${a[f.name]} -> ${b[f.name]}`
  )
}

const BASE: Values = { mode: 'build', shard: '1-of-2', targets: 'linux/amd64' }

test('the default fingerprint, field by field', () => {
  expect(fingerprint(BASE)).toEqual({
    version: '3.0.0',
    tag: 'v3.0.0',
    'binary-name': 'hello',
    'binary-targets': '',
    'name-template': '{{.Binary}}_{{.Version}}_{{.Os}}_{{.Arch}}{{.Variant}}',
    archive: 'auto',
    'archive-directory': '',
    'archive-overrides': '',
    archives: '',
    'before-hooks': '',
    sbom: '',
    'linux-packages': '',
    'universal-binaries': 'false',
    image: '',
    'image-targets': '',
    'image-push': 'auto',
    'image-base': 'gcr.io/distroless/static-debian13:nonroot',
    'image-labels': '',
    'image-entrypoint': '',
    'image-user': '65532:65532',
    'image-files': '',
    'checksum-algorithms': 'sha256',
    'checksums-name': 'checksums.txt',
    go: 'go1.26.8',
    GOFLAGS: '',
    commit: 'a'.repeat(40),
    date: '2023-11-14T22:13:20Z',
    'working-directory': '.',
    package: '.',
    ldflags: '-s -w -X main.version={{.Version}}',
    flags: '',
    tags: '',
    trimpath: 'true',
    'build-overrides': '',
    buildvcs: 'auto',
    env: '',
    cgo: 'false',
    'cgo-link': 'dynamic',
    cc: '',
    upx: '',
    'upx-args': '',
    'archive-files': 'LICENSE*,README*',
    'planned-targets': '',
    'project-name': '',
    'cosign-key': '',
    'cosign-tlog': 'true',
    'homebrew-casks': '',
    'homebrew-formulas': '',
    'scoop-manifests': ''
  })
})

// [description, inputs over BASE, the fields that change]
const inputRows: [string, Values, string[]][] = [
  ['sbom', { sbom: 'cyclonedx-json' }, ['sbom:  -> cyclonedx-json']],
  [
    'universal-binaries',
    { 'universal-binaries': 'replace' },
    ['universal-binaries: false -> replace']
  ],
  ['archive', { archive: 'zip' }, ['archive: auto -> zip']],
  [
    'scoop-manifests',
    { 'scoop-manifests': '- repository: {owner: octo, name: scoop-bucket}' },
    ['scoop-manifests:  -> sha256:e94ed875d2b9']
  ],
  [
    'image-base',
    { 'image-base': 'cgr.dev/chainguard/static:latest' },
    ['image-base: gcr.io/distroless/static-debian13:nonroot -> cgr.dev/chainguard/static:latest']
  ],
  [
    'name-template',
    { 'name-template': '{{.ProjectName}}-{{.Os}}' },
    [
      'name-template: {{.Binary}}_{{.Version}}_{{.Os}}_{{.Arch}}{{.Variant}} -> {{.ProjectName}}-{{.Os}}'
    ]
  ],
  [
    'checksum-algorithms',
    { 'checksum-algorithms': 'sha256,sha512' },
    ['checksum-algorithms: sha256 -> sha256,sha512']
  ],
  [
    'checksums-name',
    { 'checksums-name': 'SHA256SUMS' },
    ['checksums-name: checksums.txt -> SHA256SUMS']
  ],
  ['archive-files', { 'archive-files': 'NOTICE' }, ['archive-files: LICENSE*,README* -> NOTICE']],
  ['ldflags', { ldflags: '-s -w' }, ['ldflags: -s -w -X main.version={{.Version}} -> -s -w']],
  [
    'flags, quoted where an element holds a space',
    { flags: '-a "-gcflags=all=-N -l"' },
    ['flags:  -> -a "-gcflags=all=-N -l"']
  ],
  ['tags', { tags: 'netgo osusergo' }, ['tags:  -> netgo,osusergo']],
  ['trimpath', { trimpath: 'false' }, ['trimpath: true -> false']],
  ['buildvcs', { buildvcs: 'false' }, ['buildvcs: auto -> false']],
  ['cgo', { cgo: 'auto' }, ['cgo: false -> auto']],
  ['cgo-link', { 'cgo-link': 'static' }, ['cgo-link: dynamic -> static']],
  [
    'cc',
    { cc: 'linux/arm64: aarch64-linux-gnu-gcc' },
    ['cc:  -> linux/arm64=aarch64-linux-gnu-gcc']
  ],
  ['upx', { upx: 'true' }, ['upx:  -> */*']],
  ['upx-args', { upx: 'true', 'upx-args': '--best' }, ['upx:  -> */*', 'upx-args:  -> --best']],
  ['working-directory', { 'working-directory': 'cmd' }, ['working-directory: . -> cmd']],
  [
    'planned-targets',
    { 'planned-targets': 'linux/amd64,linux/arm64' },
    ['planned-targets:  -> linux/amd64,linux/arm64']
  ],
  ['cosign-key: only whether one is set', { 'cosign-key': KEY }, ['cosign-key:  -> set']],
  ['cosign-tlog', { 'cosign-tlog': 'false' }, ['cosign-tlog: true -> false']],
  // Left out: no published file's name or bytes depend on them.
  ['targets differ by leg', { targets: 'linux/arm64,windows/amd64' }, []],
  ['shard differs by leg', { shard: '2-of-2' }, []],
  ['parallelism', { parallelism: '7' }, []],
  ['cache inputs', { cache: 'false', 'cache-save': 'never', 'cache-key-suffix': 'x' }, []],
  ['verify-modules', { 'verify-modules': 'false' }, []],
  [
    'workflow artifact inputs',
    { 'upload-artifacts': 'false', 'artifact-name': 'x', 'retention-days': '3' },
    []
  ],
  [
    'release inputs (the release, not its files)',
    {
      release: 'true',
      'github-token': 'ghs_secret',
      'planned-targets': 'linux/amd64',
      'release-name': 'n',
      draft: 'true',
      prerelease: 'true',
      'make-latest': 'false',
      'release-notes': 'none',
      overwrite: 'fail'
    },
    ['planned-targets:  -> linux/amd64']
  ],
  [
    'smoke tests and size limits (checks only)',
    { 'smoke-test': '--version', 'max-binary-size': '25MiB' },
    []
  ],
  ['attest (attestations are not release assets)', { attest: 'true' }, []],
  ['tap and bucket tokens (secrets)', { 'homebrew-token': 'ghp_a', 'scoop-token': 'ghp_b' }, []],
  ['dist (a local folder)', { dist: 'out' }, []]
]

test.each(inputRows.map((r, i) => [i + 1, ...r] as const))(
  '[%d] %s -> %j',
  (_n, _what, values, fields) => {
    expect(changed(fingerprint(BASE), fingerprint({ ...BASE, ...values }))).toEqual(fields)
  }
)

// [description, facts over FACTS, the fields that change]
const factRows: [string, Partial<FingerprintFacts>, string[]][] = [
  ['the version', { stamp: { ...FACTS.stamp, version: '3.0.1' } }, ['version: 3.0.0 -> 3.0.1']],
  [
    'the commit',
    { stamp: { ...FACTS.stamp, commit: 'b'.repeat(40) } },
    [`commit: ${'a'.repeat(40)} -> ${'b'.repeat(40)}`]
  ],
  [
    'the date (SOURCE_DATE_EPOCH)',
    { stamp: { ...FACTS.stamp, date: '2024-01-01T00:00:00Z' } },
    ['date: 2023-11-14T22:13:20Z -> 2024-01-01T00:00:00Z']
  ],
  ['the Go toolchain', { go: { version: 'go1.25.3', goflags: '' } }, ['go: go1.26.8 -> go1.25.3']],
  ['GOFLAGS', { go: { version: 'go1.26.8', goflags: '-mod=mod' } }, ['GOFLAGS:  -> -mod=mod']],
  [
    'the binaries',
    { binaries: [{ name: 'client', pkg: './cmd/client' }] },
    ['binary-name: hello -> client', 'package: . -> ./cmd/client']
  ]
]

test.each(factRows.map((r, i) => [i + 1, ...r] as const))(
  '[%d] resolved: %s -> %j',
  (_n, _what, facts, fields) => {
    expect(changed(fingerprint(BASE), fingerprint(BASE, facts))).toEqual(fields)
  }
)

test('secrets: never the cosign key, password or token; env values only as digests', () => {
  const secret = 'hunter2-proxy-password'
  const fp = fingerprint({
    ...BASE,
    'cosign-key': KEY,
    'cosign-password': 'pw-secret',
    'github-token': 'ghs_tokensecret',
    env: `GOPROXY=https://u:${secret}@proxy.example\nlinux/*:CGO_CFLAGS=-O2`
  })
  const text = serializeFingerprint(fp)
  for (const s of [secret, 'pw-secret', 'ghs_tokensecret', ...KEY.split('\n')]) {
    expect(text).not.toContain(s)
  }
  expect(fp['cosign-key']).toBe('set')
  expect(fp.env).toMatch(/^GOPROXY=sha256:[0-9a-f]{12},linux\/\*:CGO_CFLAGS=sha256:[0-9a-f]{12}$/)
  // Another value, another digest.
  const other = fingerprint({ ...BASE, env: 'GOPROXY=https://proxy.golang.org' })
  expect(other.env).toMatch(/^GOPROXY=sha256:/)
  expect(other.env).not.toBe(fp.env.split(',')[0])
})

const leg = (label: string, over: Record<string, string> = {}): Recorded => ({
  label,
  fingerprint: { ...fingerprint(BASE), ...over }
})

// [description, legs, scopes, the publish job's fingerprint over BASE's, messages]
const compareRows: [
  string,
  Recorded[],
  ('names' | 'build' | 'publishing')[],
  Record<string, string> | undefined,
  string[]
][] = [
  ['legs alike', [leg('shard-1-of-2'), leg('shard-2-of-2')], ['names', 'build'], undefined, []],
  [
    'one input differs: named with each leg and its value',
    [leg('shard-2-of-2', { sbom: '' }), leg('shard-1-of-2', { sbom: 'cyclonedx-json' })],
    ['names', 'build'],
    undefined,
    ['legs disagree on sbom: shard-1-of-2 cyclonedx-json, shard-2-of-2 (none)']
  ],
  [
    'values with spaces or commas are quoted',
    [
      leg('shard-1-of-2'),
      leg('shard-2-of-2', { ldflags: '-s -w', sbom: 'cyclonedx-json,spdx-json' })
    ],
    ['names', 'build'],
    undefined,
    [
      'legs disagree on sbom: shard-1-of-2 (none), shard-2-of-2 "cyclonedx-json,spdx-json"',
      'legs disagree on ldflags: shard-1-of-2 "-s -w -X main.version={{.Version}}", shard-2-of-2 "-s -w"'
    ]
  ],
  [
    'three legs, one differs',
    [leg('shard-1-of-3'), leg('shard-2-of-3', { 'cosign-key': 'set' }), leg('shard-3-of-3')],
    ['names', 'build', 'publishing'],
    undefined,
    ['legs disagree on cosign-key: shard-1-of-3 (none), shard-2-of-3 set, shard-3-of-3 (none)']
  ],
  [
    'a fan-in ignores what only self-publishing legs decide',
    [
      leg('shard-1-of-2'),
      leg('shard-2-of-2', {
        'cosign-key': 'set',
        'planned-targets': 'x',
        'checksums-name': 'SHA256SUMS',
        'checksum-algorithms': 'sha512'
      })
    ],
    ['names', 'build'],
    undefined,
    []
  ],
  [
    'a field a leg did not record',
    [
      leg('shard-1-of-2'),
      {
        label: 'shard-2-of-2',
        fingerprint: { ...fingerprint(BASE), go: undefined } as unknown as Fingerprint
      }
    ],
    ['build'],
    undefined,
    ['legs disagree on go: shard-1-of-2 go1.26.8, shard-2-of-2 (not recorded)']
  ],
  [
    'the publish job differs from legs that agree: a field of names',
    [leg('shard-1-of-2', { sbom: 'spdx-json' }), leg('shard-2-of-2', { sbom: 'spdx-json' })],
    ['names', 'build'],
    {},
    ['this job and the legs disagree on sbom: this job (none), every leg spdx-json']
  ],
  [
    'the publish job with one leg',
    [leg('shard-1-of-1', { 'name-template': '{{.Os}}' })],
    ['names', 'build'],
    {},
    [
      'this job and the legs disagree on name-template: this job {{.Binary}}_{{.Version}}_{{.Os}}_{{.Arch}}{{.Variant}}, shard-1-of-1 {{.Os}}'
    ]
  ],
  [
    'the publish job builds nothing: its ldflags do not count',
    [leg('shard-1-of-2', { ldflags: '-s' }), leg('shard-2-of-2', { ldflags: '-s' })],
    ['names', 'build'],
    {},
    []
  ],
  [
    'legs that disagree are named once, not again against the publish job',
    [leg('shard-1-of-2', { archive: 'zip' }), leg('shard-2-of-2')],
    ['names', 'build'],
    { archive: 'tar.gz' },
    ['legs disagree on archive: shard-1-of-2 zip, shard-2-of-2 auto']
  ]
]

test.each(compareRows.map((r, i) => [i + 1, ...r] as const))(
  '[%d] disagreements: %s -> %j',
  (_n, _what, legs, scopes, job, messages) => {
    const result = disagreements(
      legs,
      scopes,
      job ? { fingerprint: { ...fingerprint(BASE), ...job }, scopes: ['names'] } : undefined
    )
    expect(result).toEqual(messages)
  }
)

// [description, file text, result]
const parseRows: [string, string, string][] = [
  ['not JSON', '{', 'is not JSON'],
  ['another file', '{"a":1}', 'is not a go-xbuild fingerprint'],
  [
    'another format',
    '{"go-xbuild-fingerprint":2,"fields":{}}',
    'has format 2, not 1: was the leg run with another version of go-xbuild?'
  ],
  ['fields not strings', '{"go-xbuild-fingerprint":1,"fields":{"sbom":1}}', 'has no fields']
]

test.each(parseRows.map((r, i) => [i + 1, ...r] as const))(
  '[%d] parseFingerprint: %s -> %s',
  (_n, _what, text, problem) => {
    expect(parseFingerprint(text)).toEqual({ problem })
  }
)

test('a serialized fingerprint reads back as it was', () => {
  const fp = fingerprint({ ...BASE, sbom: 'spdx-json', flags: '-a "-gcflags=all=-N -l"' })
  expect(parseFingerprint(serializeFingerprint(fp))).toEqual({ fingerprint: fp })
})
