import { createHash } from 'node:crypto'
import type { ReleaseStamp } from './facts.js'

/** SBOM formats of the `sbom` input. */
export const SBOM_FORMATS = ['cyclonedx-json', 'spdx-json'] as const

/** One SBOM format. */
export type SbomFormat = (typeof SBOM_FORMATS)[number]

/** A module as Go's debug/buildinfo records it (`go version -m -json`). */
export interface GoModule {
  Path: string
  Version?: string
  /** `h1:` hash from go.sum; absent for the main module and directory replacements */
  Sum?: string
  /** the module actually built instead (a `replace` directive) */
  Replace?: GoModule
}

/** `go version -m -json <binary>`: runtime/debug.BuildInfo as JSON. */
export interface GoBuildInfo {
  GoVersion: string
  /** main package path */
  Path: string
  Main: GoModule
  Deps?: GoModule[]
  Settings?: { Key: string; Value: string }[]
}

/** One binary of a published file and its build info. */
export interface SbomBinary {
  /** file name inside the archive (or the published name of a bare binary) */
  file: string
  info: GoBuildInfo
}

/** Everything one SBOM is made from. */
export interface SbomSubject {
  /** the published file the SBOM describes */
  published: string
  binaries: SbomBinary[]
  stamp: ReleaseStamp
  /** e.g. go-xbuild-action */
  tool: string
}

/** Parses and checks `go version -m -json` output. */
export function parseBuildInfo(json: string, where: string): GoBuildInfo {
  let info: GoBuildInfo
  try {
    info = JSON.parse(json) as GoBuildInfo
  } catch (error) {
    throw new Error(`${where}: go version -m -json printed no JSON: ${(error as Error).message}`, {
      cause: error
    })
  }
  if (typeof info?.GoVersion !== 'string' || typeof info.Main?.Path !== 'string') {
    throw new Error(
      `${where}: no module build info (GoVersion, Main) in the binary; was it built in module mode?`
    )
  }
  return info
}

/**
 * `pkg:golang/<module path>@<version>` (purl-spec golang type): each path segment
 * percent-encoded, the version as Go spells it (with its v).
 */
export function golangPurl(modulePath: string, version: string | undefined): string {
  const path = modulePath.split('/').map(encodeURIComponent).join('/')
  return `pkg:golang/${path}${version ? `@${encodeURIComponent(version)}` : ''}`
}

/** `h1:<base64 sha256>` → hex, or undefined for other hash kinds. */
export function h1Hex(sum: string | undefined): string | undefined {
  if (!sum?.startsWith('h1:')) return undefined
  const bytes = Buffer.from(sum.slice(3), 'base64')
  return bytes.length === 32 ? bytes.toString('hex') : undefined
}

/** A module of the SBOM after replacements are applied; the unit of deduplication. */
export interface SbomModule {
  /** the path the code imports (the original, before any replace) */
  path: string
  /** the version actually built: the replacement's, else the required one */
  version: string
  /** `h1:` hash of what was built ('' for a directory replacement or the main module) */
  sum: string
  /** purl of what was built; '' for a directory replacement, which has no package identity */
  purl: string
  /** set when a replace directive swapped the module */
  replaced?: { path: string; version: string; purl: string }
  /** `path version` of the replacement, for directory replacements (`../fork`) */
  replacement?: { path: string; version: string }
  main: boolean
}

/** The release version as a Go module version: `v1.2.3`. */
export function mainVersion(stamp: ReleaseStamp): string {
  return stamp.version.startsWith('v') ? stamp.version : `v${stamp.version}`
}

function moduleOf(m: GoModule, main: boolean, stamp: ReleaseStamp): SbomModule {
  if (main) {
    // Go writes (devel) unless it could stamp a VCS version; the release version is what ships.
    const version = mainVersion(stamp)
    return { path: m.Path, version, sum: '', purl: golangPurl(m.Path, version), main }
  }
  const r = m.Replace
  if (!r) {
    const version = m.Version ?? ''
    return { path: m.Path, version, sum: m.Sum ?? '', purl: golangPurl(m.Path, version), main }
  }
  const replaced = {
    path: m.Path,
    version: m.Version ?? '',
    purl: golangPurl(m.Path, m.Version)
  }
  if (!r.Version || r.Version === '(devel)') {
    // replace x => ../dir (Go records it as (devel)): no version, no sum, no purl; only the
    // folder name is known.
    return {
      path: m.Path,
      version: m.Version ?? '',
      sum: '',
      purl: '',
      replaced,
      replacement: { path: r.Path, version: '' },
      main
    }
  }
  return {
    path: r.Path,
    version: r.Version,
    sum: r.Sum ?? '',
    purl: golangPurl(r.Path, r.Version),
    replaced,
    main
  }
}

/** Modules of several binaries, deduplicated by what was built, main modules first, then by path. */
export function collectModules(subject: SbomSubject): SbomModule[] {
  const byKey = new Map<string, SbomModule>()
  for (const { info } of subject.binaries) {
    for (const [m, main] of [
      [info.Main, true] as const,
      ...(info.Deps ?? []).map(d => [d, false] as const)
    ]) {
      const mod = moduleOf(m, main, subject.stamp)
      byKey.set(moduleKey(mod), mod)
    }
  }
  return [...byKey.values()].sort(
    (a, b) => Number(b.main) - Number(a.main) || compare(moduleKey(a), moduleKey(b))
  )
}

function moduleKey(m: SbomModule): string {
  return m.purl || `${m.path}=>${m.replacement?.path ?? ''}`
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** A UUID (version 5 layout) from a SHA-256 of `seed`: the same content gives the same id. */
export function contentUuid(seed: string): string {
  const b = createHash('sha256').update(seed).digest().subarray(0, 16)
  b[6] = (b[6]! & 0x0f) | 0x50
  b[8] = (b[8]! & 0x3f) | 0x80
  const h = b.toString('hex')
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
}

/**
 * CycloneDX 1.6 JSON. The main module is metadata.component; each binary is an application
 * component carrying its Go version and build settings; each dependency module a library with
 * its purl, its h1 hash (h1 is base64 SHA-256 of the module's file list; as hex in `hashes`, the
 * way cyclonedx-gomod records it, and verbatim in a property) and, when replaced, the
 * original in pedigree.ancestors. No clock and no random id: the timestamp is the commit time and
 * serialNumber a hash of the rest, so rebuilds of one commit give the same bytes.
 */
export function cyclonedxSbom(subject: SbomSubject): string {
  const modules = collectModules(subject)
  const mains = modules.filter(m => m.main)
  const deps = modules.filter(m => !m.main)
  const ref = (m: SbomModule): string => m.purl || `go:${m.path}=>${m.replacement!.path}`
  const binRef = (file: string): string => `file:${file}`
  const libraries = deps.map(m => {
    const hex = h1Hex(m.sum)
    return {
      type: 'library',
      'bom-ref': ref(m),
      name: m.path,
      ...(m.version ? { version: m.version } : {}),
      ...(m.purl ? { purl: m.purl } : {}),
      ...(hex ? { hashes: [{ alg: 'SHA-256', content: hex }] } : {}),
      ...(m.replaced
        ? {
            pedigree: {
              ancestors: [
                {
                  type: 'library',
                  name: m.replaced.path,
                  ...(m.replaced.version ? { version: m.replaced.version } : {}),
                  purl: m.replaced.purl
                }
              ]
            }
          }
        : {}),
      properties: [
        ...(m.sum ? [{ name: 'go:module:sum', value: m.sum }] : []),
        ...(m.replaced
          ? [
              {
                name: 'go:module:replaces',
                value: `${m.replaced.path} ${m.replaced.version}`.trim()
              }
            ]
          : []),
        ...(m.replacement ? [{ name: 'go:module:replacement-dir', value: m.replacement.path }] : [])
      ]
    }
  })
  const applications = subject.binaries.map(b => ({
    type: 'application',
    'bom-ref': binRef(b.file),
    name: b.file,
    version: mainVersion(subject.stamp),
    properties: [
      { name: 'go:version', value: b.info.GoVersion },
      { name: 'go:package', value: b.info.Path },
      ...(b.info.Main.Version && b.info.Main.Version !== mainVersion(subject.stamp)
        ? [{ name: 'go:main:version', value: b.info.Main.Version }]
        : []),
      ...(b.info.Settings ?? []).map(s => ({ name: `go:build:${s.Key}`, value: s.Value }))
    ]
  }))
  const main = mains[0]!
  const depRefsOf = (info: GoBuildInfo): string[] =>
    (info.Deps ?? []).map(d => ref(moduleOf(d, false, subject.stamp)))
  const bom = {
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber: '',
    version: 1,
    metadata: {
      timestamp: subject.stamp.date,
      tools: { components: [{ type: 'application', name: subject.tool }] },
      component: {
        type: 'application',
        'bom-ref': ref(main),
        name: main.path,
        version: main.version,
        purl: main.purl,
        properties: [{ name: 'go-xbuild:file', value: subject.published }]
      }
    },
    components: [
      // Other main modules (binaries of another module in one archive) are components too.
      ...mains.slice(1).map(m => ({
        type: 'application',
        'bom-ref': ref(m),
        name: m.path,
        version: m.version,
        purl: m.purl
      })),
      ...applications,
      ...libraries
    ],
    dependencies: [
      {
        ref: ref(main),
        dependsOn: [...new Set(subject.binaries.flatMap(b => depRefsOf(b.info)))].sort()
      },
      ...subject.binaries.map(b => ({
        ref: binRef(b.file),
        dependsOn: [
          ...new Set([ref(moduleOf(b.info.Main, true, subject.stamp)), ...depRefsOf(b.info)])
        ].sort()
      })),
      ...mains.slice(1).map(m => ({ ref: ref(m), dependsOn: [] })),
      ...deps.map(m => ({ ref: ref(m), dependsOn: [] }))
    ]
  }
  const body = JSON.stringify(bom, null, 2)
  bom.serialNumber = `urn:uuid:${contentUuid(body)}`
  return JSON.stringify(bom, null, 2) + '\n'
}

/**
 * SPDX 2.3 JSON: one package per binary (described by the document; build settings in its
 * comment), per main module and per dependency module (purl external ref, h1 as SHA256
 * checksum, replacement in the comment), binary CONTAINS module relationships. created is the
 * commit time and documentNamespace ends in a hash of the rest.
 */
export function spdxSbom(subject: SbomSubject): string {
  const modules = collectModules(subject)
  const id = new Map<SbomModule, string>()
  modules.forEach((m, i) => id.set(m, `SPDXRef-Module-${i + 1}`))
  const idOf = (info: GoModule, main: boolean): string => {
    const mod = moduleOf(info, main, subject.stamp)
    const key = moduleKey(mod)
    return id.get(modules.find(m => moduleKey(m) === key)!)!
  }
  const binaryId = (i: number): string => `SPDXRef-Binary-${i + 1}`
  const noAssertion = {
    downloadLocation: 'NOASSERTION',
    filesAnalyzed: false,
    licenseConcluded: 'NOASSERTION',
    licenseDeclared: 'NOASSERTION',
    copyrightText: 'NOASSERTION'
  }
  const binaries = subject.binaries.map((b, i) => ({
    SPDXID: binaryId(i),
    name: b.file,
    versionInfo: mainVersion(subject.stamp),
    primaryPackagePurpose: 'APPLICATION',
    ...noAssertion,
    comment: [
      `built by ${b.info.GoVersion} from package ${b.info.Path}`,
      ...(b.info.Main.Version && b.info.Main.Version !== mainVersion(subject.stamp)
        ? [`Go recorded main module version ${b.info.Main.Version}`]
        : []),
      `build settings: ${(b.info.Settings ?? []).map(s => `${s.Key}=${s.Value}`).join(' ')}`
    ].join('; ')
  }))
  const packages = modules.map(m => {
    const hex = h1Hex(m.sum)
    const notes = [
      ...(m.sum ? [`go.sum ${m.sum}`] : []),
      ...(m.replaced
        ? [
            `replaces ${m.replaced.path} ${m.replaced.version}`.trim() +
              (m.replacement ? ` with the directory ${m.replacement.path}` : '')
          ]
        : [])
    ]
    return {
      SPDXID: id.get(m)!,
      name: m.path,
      ...(m.version ? { versionInfo: m.version } : {}),
      primaryPackagePurpose: m.main ? 'APPLICATION' : 'LIBRARY',
      ...noAssertion,
      ...(hex ? { checksums: [{ algorithm: 'SHA256', checksumValue: hex }] } : {}),
      ...(m.purl
        ? {
            externalRefs: [
              {
                referenceCategory: 'PACKAGE-MANAGER',
                referenceType: 'purl',
                referenceLocator: m.purl
              }
            ]
          }
        : {}),
      ...(notes.length > 0 ? { comment: notes.join('; ') } : {})
    }
  })
  const relationships = [
    ...binaries.map(b => ({
      spdxElementId: 'SPDXRef-DOCUMENT',
      relationshipType: 'DESCRIBES',
      relatedSpdxElement: b.SPDXID
    })),
    ...subject.binaries.flatMap((b, i) =>
      [idOf(b.info.Main, true), ...(b.info.Deps ?? []).map(d => idOf(d, false))].map(related => ({
        spdxElementId: binaryId(i),
        relationshipType: 'CONTAINS',
        relatedSpdxElement: related
      }))
    )
  ]
  const doc = {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: subject.published,
    documentNamespace: '',
    creationInfo: { created: subject.stamp.date, creators: [`Tool: ${subject.tool}`] },
    packages: [...binaries, ...packages],
    relationships
  }
  const body = JSON.stringify(doc, null, 2)
  doc.documentNamespace = `https://spdx.org/spdxdocs/${encodeURIComponent(subject.published)}-${contentUuid(body)}`
  return JSON.stringify(doc, null, 2) + '\n'
}

/** The SBOM text of a format. */
export function renderSbom(format: SbomFormat, subject: SbomSubject): string {
  return format === 'cyclonedx-json' ? cyclonedxSbom(subject) : spdxSbom(subject)
}
