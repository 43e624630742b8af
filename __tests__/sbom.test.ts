import { parseInputs } from '../src/inputs/index.js'
import type { ReleaseStamp } from '../src/facts.js'
import {
  collectModules,
  cyclonedxSbom,
  golangPurl,
  h1Hex,
  parseBuildInfo,
  spdxSbom,
  type GoBuildInfo,
  type SbomSubject
} from '../src/sbom.js'
import { cyclonedxValidator, spdx23Problems } from './fakes/schemas.js'

/** `go version -m -json` of the deps fixture built by go1.26.8 (recorded). */
const DEPS = `{
	"GoVersion": "go1.26.8",
	"Path": "example.com/deps",
	"Main": { "Path": "example.com/deps", "Version": "(devel)" },
	"Deps": [
		{ "Path": "github.com/google/uuid", "Version": "v1.6.0", "Sum": "h1:NIvaJDMOsjHA8n1jAhLSgzrAzy1Hgr+hNrb57e+94F0=" }
	],
	"Settings": [
		{ "Key": "-buildmode", "Value": "exe" },
		{ "Key": "-compiler", "Value": "gc" },
		{ "Key": "-trimpath", "Value": "true" },
		{ "Key": "CGO_ENABLED", "Value": "0" },
		{ "Key": "GOARCH", "Value": "amd64" },
		{ "Key": "GOOS", "Value": "linux" },
		{ "Key": "GOAMD64", "Value": "v1" }
	]
}`

/** A second binary of the same module: uuid again, plus a module replaced by another module and one by a folder. */
const TOOL: GoBuildInfo = {
  GoVersion: 'go1.26.8',
  Path: 'example.com/deps/cmd/tool',
  Main: { Path: 'example.com/deps', Version: 'v1.2.3' },
  Deps: [
    {
      Path: 'github.com/google/uuid',
      Version: 'v1.6.0',
      Sum: 'h1:NIvaJDMOsjHA8n1jAhLSgzrAzy1Hgr+hNrb57e+94F0='
    },
    {
      Path: 'golang.org/x/text',
      Version: 'v0.20.0',
      Replace: {
        Path: 'example.com/fork/text',
        Version: 'v0.20.1-fork',
        Sum: 'h1:TIyPZe4MgqvfeYDBFedMoGGpEw/LqOeaOT+nhxU+yHo='
      }
    },
    {
      Path: 'example.com/local',
      Version: 'v0.1.0',
      Replace: { Path: '../local', Version: '(devel)' }
    }
  ],
  Settings: [{ Key: 'GOOS', Value: 'linux' }]
}

const STAMP: ReleaseStamp = {
  version: '1.2.3',
  tag: 'v1.2.3',
  commit: 'a'.repeat(40),
  shortCommit: 'aaaaaaa',
  date: '2023-11-14T22:13:20Z',
  epoch: 1_700_000_000,
  snapshot: false,
  previousTag: '',
  summary: '',
  dirty: false
}

function subject(binaries: SbomSubject['binaries']): SbomSubject {
  return {
    published: 'deps_1.2.3_linux_amd64.tar.gz',
    binaries,
    stamp: STAMP,
    tool: 'go-xbuild-action'
  }
}

const one = (): SbomSubject => subject([{ file: 'deps', info: parseBuildInfo(DEPS, 'deps') }])
const two = (): SbomSubject =>
  subject([
    { file: 'deps', info: parseBuildInfo(DEPS, 'deps') },
    { file: 'tool', info: TOOL }
  ])

describe('sbom input', () => {
  test.each([
    ['', [], 0],
    ['false', [], 0],
    ['cyclonedx-json', ['cyclonedx-json'], 0],
    ['spdx-json', ['spdx-json'], 0],
    ['cyclonedx-json, spdx-json', ['cyclonedx-json', 'spdx-json'], 0],
    ['true', [], 1],
    ['spdx', [], 1],
    ['spdx-json,spdx-json', ['spdx-json'], 1]
  ])('[%#] %j -> %j with %d problems', (raw, formats, problemCount) => {
    const { inputs, problems } = parseInputs(name => (name === 'sbom' ? raw : ''), {
      workspace: process.cwd(),
      cpus: 2
    })
    expect(inputs.sbom).toEqual(formats)
    expect(problems.filter(p => p.startsWith('sbom:'))).toHaveLength(problemCount)
  })

  test('a bad value names the input, the value and what is allowed', () => {
    const { problems } = parseInputs(name => (name === 'sbom' ? 'cyclonedx' : ''), {
      workspace: process.cwd()
    })
    expect(problems).toContain(
      'sbom: "cyclonedx" is not allowed (allowed: false, cyclonedx-json, spdx-json, or both comma separated)'
    )
  })
})

describe('purl and hashes', () => {
  test.each([
    ['github.com/google/uuid', 'v1.6.0', 'pkg:golang/github.com/google/uuid@v1.6.0'],
    [
      'example.com/a b',
      'v1.0.0+incompatible',
      'pkg:golang/example.com/a%20b@v1.0.0%2Bincompatible'
    ],
    ['example.com/x', undefined, 'pkg:golang/example.com/x']
  ])('[%#] %s %s -> %s', (path, version, purl) => {
    expect(golangPurl(path, version)).toBe(purl)
  })

  test('h1 is the base64 of a SHA-256: its hex round-trips', () => {
    const hex = h1Hex('h1:NIvaJDMOsjHA8n1jAhLSgzrAzy1Hgr+hNrb57e+94F0=')!
    expect(hex).toMatch(/^[0-9a-f]{64}$/)
    expect('h1:' + Buffer.from(hex, 'hex').toString('base64')).toBe(
      'h1:NIvaJDMOsjHA8n1jAhLSgzrAzy1Hgr+hNrb57e+94F0='
    )
    expect(h1Hex('h2:abc')).toBeUndefined()
  })

  test('output that is not build info is an error naming the binary', () => {
    expect(() => parseBuildInfo('not json', 'linux_amd64/deps')).toThrow(/^linux_amd64\/deps: /)
    expect(() => parseBuildInfo('{}', 'linux_amd64/deps')).toThrow(/no module build info/)
  })
})

describe('modules of the SBOM', () => {
  test('(devel) main version becomes the release version; every dep keeps version and h1', () => {
    const mods = collectModules(one())
    expect(mods).toEqual([
      {
        path: 'example.com/deps',
        version: 'v1.2.3',
        sum: '',
        purl: 'pkg:golang/example.com/deps@v1.2.3',
        main: true
      },
      {
        path: 'github.com/google/uuid',
        version: 'v1.6.0',
        sum: 'h1:NIvaJDMOsjHA8n1jAhLSgzrAzy1Hgr+hNrb57e+94F0=',
        purl: 'pkg:golang/github.com/google/uuid@v1.6.0',
        main: false
      }
    ])
  })

  test('two binaries: modules deduplicated; a module replacement takes the replacement’s purl and sum; a folder replacement has no purl', () => {
    const mods = collectModules(two())
    expect(mods.map(m => m.purl || `(dir) ${m.path}`)).toEqual([
      'pkg:golang/example.com/deps@v1.2.3',
      '(dir) example.com/local',
      'pkg:golang/example.com/fork/text@v0.20.1-fork',
      'pkg:golang/github.com/google/uuid@v1.6.0'
    ])
    const fork = mods.find(m => m.path === 'example.com/fork/text')!
    expect(fork.sum).toBe('h1:TIyPZe4MgqvfeYDBFedMoGGpEw/LqOeaOT+nhxU+yHo=')
    expect(fork.replaced).toEqual({
      path: 'golang.org/x/text',
      version: 'v0.20.0',
      purl: 'pkg:golang/golang.org/x/text@v0.20.0'
    })
    const local = mods.find(m => m.path === 'example.com/local')!
    expect(local.replacement).toEqual({ path: '../local', version: '' })
  })
})

describe('CycloneDX 1.6', () => {
  const validate = cyclonedxValidator()

  test.each([
    ['one binary', one],
    ['two binaries with replacements', two]
  ])('[%#] %s is valid against the official schema', (_, make) => {
    const doc = JSON.parse(cyclonedxSbom(make())) as Record<string, unknown>
    expect(validate(doc)).toEqual([])
  })

  test('the validator rejects what the schema forbids (a hash that is not hex)', () => {
    const doc = JSON.parse(cyclonedxSbom(one())) as {
      components: { hashes?: { content: string }[] }[]
    }
    doc.components.find(c => c.hashes)!.hashes![0]!.content =
      'h1:NIvaJDMOsjHA8n1jAhLSgzrAzy1Hgr+hNrb57e+94F0='
    expect(validate(doc)).not.toEqual([])
  })

  test('main module, binaries with Go version and settings, deps with purl, hash and sum', () => {
    const doc = JSON.parse(cyclonedxSbom(two())) as {
      metadata: { timestamp: string; component: { purl: string; version: string } }
      components: {
        type: string
        name: string
        purl?: string
        hashes?: { alg: string; content: string }[]
        pedigree?: { ancestors: { purl: string }[] }
        properties: { name: string; value: string }[]
      }[]
      serialNumber: string
    }
    expect(doc.metadata.timestamp).toBe(STAMP.date)
    expect(doc.metadata.component).toMatchObject({
      purl: 'pkg:golang/example.com/deps@v1.2.3',
      version: 'v1.2.3'
    })
    const apps = doc.components.filter(c => c.type === 'application')
    expect(apps.map(a => a.name)).toEqual(['deps', 'tool'])
    expect(apps[0]!.properties).toEqual(
      expect.arrayContaining([
        { name: 'go:version', value: 'go1.26.8' },
        { name: 'go:build:CGO_ENABLED', value: '0' },
        { name: 'go:build:GOOS', value: 'linux' }
      ])
    )
    // The binary built from a VCS-stamped main module keeps what Go recorded when it differs.
    expect(apps[1]!.properties).not.toContainEqual({ name: 'go:main:version', value: 'v1.2.3' })
    const uuid = doc.components.find(c => c.name === 'github.com/google/uuid')!
    expect(uuid.hashes).toEqual([{ alg: 'SHA-256', content: h1Hex(JSON.parse(DEPS).Deps[0].Sum) }])
    expect(uuid.properties).toContainEqual({
      name: 'go:module:sum',
      value: 'h1:NIvaJDMOsjHA8n1jAhLSgzrAzy1Hgr+hNrb57e+94F0='
    })
    expect(doc.components.filter(c => c.name === 'github.com/google/uuid')).toHaveLength(1)
    const fork = doc.components.find(c => c.name === 'example.com/fork/text')!
    expect(fork.pedigree!.ancestors[0]!.purl).toBe('pkg:golang/golang.org/x/text@v0.20.0')
    expect(doc.serialNumber).toMatch(
      /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
    )
  })

  test('same input → same bytes; another commit time → another serial number', () => {
    expect(cyclonedxSbom(two())).toBe(cyclonedxSbom(two()))
    const later = { ...two(), stamp: { ...STAMP, date: '2024-01-01T00:00:00Z' } }
    const a = JSON.parse(cyclonedxSbom(two())) as { serialNumber: string }
    const b = JSON.parse(cyclonedxSbom(later)) as { serialNumber: string }
    expect(a.serialNumber).not.toBe(b.serialNumber)
  })
})

describe('SPDX 2.3', () => {
  test.each([
    ['one binary', one],
    ['two binaries with replacements', two]
  ])('[%#] %s meets the spec’s mandatory fields', (_, make) => {
    expect(spdx23Problems(JSON.parse(spdxSbom(make())) as Record<string, unknown>)).toEqual([])
  })

  test('the checks reject a broken document (an unknown relationship element)', () => {
    const doc = JSON.parse(spdxSbom(one())) as { relationships: { relatedSpdxElement: string }[] }
    doc.relationships[0]!.relatedSpdxElement = 'SPDXRef-Nothing'
    expect(spdx23Problems(doc as unknown as Record<string, unknown>)).not.toEqual([])
  })

  test('binaries contain the main module and every dep; replacement noted; h1 as SHA256', () => {
    const doc = JSON.parse(spdxSbom(two())) as {
      packages: {
        SPDXID: string
        name: string
        versionInfo?: string
        comment?: string
        checksums?: { checksumValue: string }[]
        externalRefs?: { referenceLocator: string }[]
      }[]
      relationships: {
        spdxElementId: string
        relationshipType: string
        relatedSpdxElement: string
      }[]
      creationInfo: { created: string }
      documentNamespace: string
    }
    expect(doc.creationInfo.created).toBe(STAMP.date)
    const byId = new Map(doc.packages.map(p => [p.SPDXID, p]))
    const contains = (binary: string): string[] => {
      const bin = doc.packages.find(p => p.name === binary)!
      return doc.relationships
        .filter(r => r.spdxElementId === bin.SPDXID && r.relationshipType === 'CONTAINS')
        .map(r => byId.get(r.relatedSpdxElement)!.name)
        .sort()
    }
    expect(contains('deps')).toEqual(['example.com/deps', 'github.com/google/uuid'])
    expect(contains('tool')).toEqual([
      'example.com/deps',
      'example.com/fork/text',
      'example.com/local',
      'github.com/google/uuid'
    ])
    expect(doc.packages.find(p => p.name === 'deps')!.comment).toContain('CGO_ENABLED=0')
    const fork = doc.packages.find(p => p.name === 'example.com/fork/text')!
    expect(fork.comment).toContain('replaces golang.org/x/text v0.20.0')
    expect(fork.externalRefs![0]!.referenceLocator).toBe(
      'pkg:golang/example.com/fork/text@v0.20.1-fork'
    )
    const local = doc.packages.find(p => p.name === 'example.com/local')!
    expect(local.externalRefs).toBeUndefined()
    expect(local.comment).toContain('with the directory ../local')
    expect(spdxSbom(two())).toBe(spdxSbom(two()))
    expect(doc.documentNamespace).toMatch(
      /^https:\/\/spdx\.org\/spdxdocs\/deps_1\.2\.3_linux_amd64\.tar\.gz-[0-9a-f-]{36}$/
    )
  })
})
