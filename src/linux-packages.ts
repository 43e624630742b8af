// Linux packages (deb, rpm, apk, archlinux) from the release's own binaries, made by nFPM, the
// library GoReleaser makes them with (the Go program in nfpm/ runs it): which packages a run
// makes, and the nFPM request for each, exactly as GoReleaser's nfpm pipe builds it. Pure.
import { matchesTargetPattern } from './lib/target-patterns.js'
import type { Target } from './targets.js'

export const PACKAGE_FORMATS = ['deb', 'rpm', 'apk', 'archlinux'] as const
export type PackageFormat = (typeof PACKAGE_FORMATS)[number]

/** nFPM's content types; a plain file has none. */
export const CONTENT_TYPES = [
  'config',
  'config|noreplace',
  'symlink',
  'dir',
  'ghost',
  'tree'
] as const
export type ContentType = (typeof CONTENT_TYPES)[number]

export const SCRIPT_KINDS = ['preinstall', 'postinstall', 'preremove', 'postremove'] as const
export type ScriptKind = (typeof SCRIPT_KINDS)[number]

/** Each format's own scripts beside the common four (nFPM's names). */
export const FORMAT_SCRIPTS = {
  rpm: ['pretrans', 'posttrans'],
  apk: ['preupgrade', 'postupgrade'],
  archlinux: ['preupgrade', 'postupgrade']
} as const
export type ScriptedFormat = keyof typeof FORMAT_SCRIPTS

/** deb compressions nFPM writes; rpm's add lzma; the default of both is gzip. */
export const DEB_COMPRESSIONS = ['gzip', 'xz', 'zstd', 'none'] as const
export const RPM_COMPRESSIONS = ['gzip', 'lzma', 'xz', 'zstd'] as const

/** GoReleaser's default package file name (its nfpm pipe's, without the extension). */
export const DEFAULT_PACKAGE_FILE_NAME =
  '{{ .PackageName }}_{{ .Version }}_{{ .Os }}_{{ .Arch }}{{ with .Arm }}v{{ . }}{{ end }}{{ with .Mips }}_{{ . }}{{ end }}{{ if not (eq .Amd64 "v1") }}{{ .Amd64 }}{{ end }}'
export const DEFAULT_PACKAGE_NAME = '{{ .ProjectName }}'
export const DEFAULT_BINDIR = '/usr/bin'

/** One file, folder or link a package installs beside the binaries. */
export interface PackageContent {
  /** a path relative to the module root (wildcards allowed); a symlink's target; none for dir */
  src?: string
  /** where it is installed; a template */
  dst: string
  type?: ContentType
  /** only in this format's packages */
  packager?: PackageFormat
  mode?: number
  owner?: string
  group?: string
}

/** What a format's `overrides` entry may replace (what GoReleaser's overrides take effect on). */
export interface PackageOverridable {
  /** file name template without extension (GoReleaser's file_name_template) */
  fileName?: string
  depends?: string[]
  recommends?: string[]
  suggests?: string[]
  conflicts?: string[]
  replaces?: string[]
  provides?: string[]
  contents?: PackageContent[]
  /** maintainer scripts: paths relative to the module root */
  scripts?: Partial<Record<ScriptKind, string>>
  deb?: {
    compression?: string
    predepends?: string[]
    breaks?: string[]
    fields?: Record<string, string>
    /** lintian overrides of the package: tags, written to /usr/share/lintian/overrides/<name> */
    lintianOverrides?: string[]
  }
  rpm?: {
    summary?: string
    group?: string
    compression?: string
    packager?: string
    prefixes?: string[]
    scripts?: Partial<Record<string, string>>
  }
  archlinux?: { pkgbase?: string; packager?: string; scripts?: Partial<Record<string, string>> }
  /** apk signatures: the public key's name in /etc/apk/keys (default: the maintainer's address) */
  apk?: { keyName?: string; scripts?: Partial<Record<string, string>> }
}

/** One entry of the `linux-packages` input with every default applied. */
export interface PackageSet extends PackageOverridable {
  /** `linux-packages[0]` or `linux-packages[0] (id)`, for messages */
  label: string
  id: string
  formats: PackageFormat[]
  /** binary names; empty: every binary */
  binaries: string[]
  /** target patterns; empty: every linux target */
  targets: string[]
  /** templates */
  packageName: string
  fileName: string
  bindir: string
  maintainer: string
  description: string
  homepage: string
  license: string
  vendor: string
  section: string
  priority: string
  epoch: string
  release: string
  prerelease: string
  versionMetadata: string
  /** RFC 3339 time of every file and of the package, a template; '' = the commit time */
  mtime: string
  /** bits cleared from the modes of contents that take their source's mode (nFPM: 0o002) */
  umask?: number
  overrides: Partial<Record<PackageFormat, PackageOverridable>>
}

/** One package to make: a set, a format and a linux target. */
export interface PlannedPackage {
  set: number
  format: PackageFormat
  target: Target
}

/**
 * The packages of a run: for each set and format, one per linux target the set takes, in that
 * order (GoReleaser's). archlinux packages exist for amd64, arm64, 386 and arm v7 only, as
 * GoReleaser makes them; the other targets are left out of that format.
 */
export function plannedPackages(
  sets: readonly PackageSet[],
  targets: readonly Target[]
): PlannedPackage[] {
  return sets.flatMap((set, index) =>
    set.formats.flatMap(format =>
      targets
        .filter(t => t.goos === 'linux' && setTakesTarget(set, t))
        .filter(t => format !== 'archlinux' || archlinuxSupports(t))
        .map(target => ({ set: index, format, target }))
    )
  )
}

function setTakesTarget(set: PackageSet, target: Target): boolean {
  return set.targets.length === 0 || set.targets.some(p => matchesTargetPattern(p, target))
}

/** Targets Arch Linux (and its ports) has packages for: GoReleaser's list. */
export function archlinuxSupports(target: Target): boolean {
  if (['amd64', 'arm64', '386'].includes(target.goarch)) return true
  return target.goarch === 'arm' && goarmOf(target) === '7'
}

/** GOARM of an arm target: the one it names, else Go's default for a cross build (7). */
export function goarmOf(target: Target): string {
  return target.goarch === 'arm' ? (target.variant ?? '7') : ''
}

/** The keys a format's `overrides` entry may replace (what GoReleaser's overrides take effect on). */
const OVERRIDABLE_KEYS = [
  'fileName',
  'depends',
  'recommends',
  'suggests',
  'conflicts',
  'replaces',
  'provides',
  'contents',
  'scripts',
  'deb',
  'rpm',
  'archlinux',
  'apk'
] as const satisfies readonly (keyof PackageOverridable)[]

/**
 * The values a format's package takes: the set's, with the format's override entry merged over
 * them as GoReleaser merges them (mergo with override): mappings key by key, at every depth (deb
 * fields and scripts too); a text or list of the override replaces the set's unless it is empty.
 */
export function overriddenFor(set: PackageSet, format: PackageFormat): PackageOverridable {
  const base: Record<string, unknown> = {}
  for (const key of OVERRIDABLE_KEYS) if (set[key] !== undefined) base[key] = set[key]
  return mergeOver(base, set.overrides[format] ?? {}) as PackageOverridable
}

function mergeOver(base: Record<string, unknown>, over: object): Record<string, unknown> {
  const isMapping = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v)
  const merged = { ...base }
  for (const [key, value] of Object.entries(over)) {
    const under = merged[key]
    if (isMapping(value) && isMapping(under)) merged[key] = mergeOver(under, value)
    else if (value !== undefined && value !== '' && !(Array.isArray(value) && value.length === 0))
      merged[key] = value
  }
  return merged
}

/** nFPM's architecture key of a target (GoReleaser's: GOARCH, then GOARM or GOMIPS). */
export function nfpmArch(target: Target): string {
  if (target.goarch === 'arm') return `arm${goarmOf(target)}`
  if (target.goarch.startsWith('mips')) return target.goarch + (target.variant ?? 'hardfloat')
  return target.goarch
}

/** Values of one package's templates that the stage renders before the request is built. */
export interface RenderedPackage {
  packageName: string
  bindir: string
  maintainer: string
  description: string
  homepage: string
  /** RFC 3339 */
  mtime: string
  contents: PackageContent[]
  scripts: Partial<Record<ScriptKind, string>>
  /** the format's own scripts (FORMAT_SCRIPTS), as files to read */
  formatScripts?: Partial<Record<string, string>>
}

/** A binary a package installs into its bindir. */
export interface PackagedBinary {
  /** absolute path of the built file */
  path: string
  /** its name with extension (and sub-folder, as GoReleaser names the artifact) */
  name: string
}

/** Key files that sign packages: the OpenPGP key (deb, rpm) and the RSA key (apk). */
export interface SigningKeyFiles {
  gpg?: string
  rsa?: string
}

/**
 * The nFPM Info (its JSON form) of one package, built field by field as GoReleaser's nfpm pipe
 * builds it: the set's own metadata, the format's merged overridable values, the binaries at
 * `bindir/<name>` with mode 0755, the package's time, and the key that signs its format.
 */
export function nfpmInfo(
  set: PackageSet,
  planned: PlannedPackage,
  version: string,
  rendered: RenderedPackage,
  binaries: readonly PackagedBinary[],
  keys: SigningKeyFiles = {}
): Record<string, unknown> {
  const o = overriddenFor(set, planned.format)
  const contents = [
    ...rendered.contents.map(c => contentJson(c, rendered.mtime)),
    ...binaries.map(b => ({
      src: b.path,
      dst: joinPosix(rendered.bindir, b.name),
      file_info: { mode: 0o755, mtime: rendered.mtime }
    }))
  ]
  const { target, format } = planned
  const key =
    signingKeyOf(format) === 'gpg'
      ? keys.gpg
      : signingKeyOf(format) === 'rsa'
        ? keys.rsa
        : undefined
  const signature = key
    ? {
        signature: omitEmpty({
          key_file: key,
          key_name: format === 'apk' ? (o.apk?.keyName ?? '') : ''
        })
      }
    : {}
  const info: Record<string, unknown> = {
    name: rendered.packageName,
    arch: nfpmArch(target),
    platform: 'linux',
    version,
    section: set.section,
    priority: set.priority,
    epoch: set.epoch,
    release: set.release,
    prerelease: set.prerelease,
    version_metadata: set.versionMetadata,
    maintainer: rendered.maintainer,
    description: rendered.description,
    vendor: set.vendor,
    homepage: rendered.homepage,
    license: set.license,
    mtime: rendered.mtime,
    conflicts: o.conflicts ?? [],
    depends: o.depends ?? [],
    recommends: o.recommends ?? [],
    provides: o.provides ?? [],
    suggests: o.suggests ?? [],
    replaces: o.replaces ?? [],
    contents,
    scripts: rendered.scripts,
    deb: omitEmpty({
      ...(format === 'deb' ? signature : {}),
      arch_variant: target.goarch === 'amd64' ? (target.variant ?? 'v1') : '',
      compression: o.deb?.compression ?? '',
      fields: o.deb?.fields,
      predepends: o.deb?.predepends,
      breaks: o.deb?.breaks
    }),
    rpm: omitEmpty({
      ...(format === 'rpm' ? signature : {}),
      summary: o.rpm?.summary ?? '',
      group: o.rpm?.group ?? '',
      compression: o.rpm?.compression ?? '',
      prefixes: o.rpm?.prefixes,
      packager: o.rpm?.packager ?? '',
      scripts: format === 'rpm' ? rendered.formatScripts : undefined
    }),
    archlinux: omitEmpty({
      pkgbase: o.archlinux?.pkgbase ?? '',
      packager: o.archlinux?.packager ?? '',
      scripts: format === 'archlinux' ? rendered.formatScripts : undefined
    }),
    apk: omitEmpty({
      ...(format === 'apk' ? signature : {}),
      scripts: format === 'apk' ? rendered.formatScripts : undefined
    }),
    umask: set.umask ?? 0
  }
  return omitEmpty(info)
}

function contentJson(c: PackageContent, mtime: string): Record<string, unknown> {
  return omitEmpty({
    src: c.src ?? '',
    dst: c.dst,
    type: c.type ?? '',
    packager: c.packager ?? '',
    file_info: omitEmpty({ owner: c.owner ?? '', group: c.group ?? '', mode: c.mode ?? 0, mtime })
  })
}

/** Drops keys whose value is '', 0, undefined or an empty list (Go's omitempty, and zero values). */
function omitEmpty(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined || v === '' || v === 0 || (Array.isArray(v) && v.length === 0)) continue
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0)
      continue
    out[k] = v
  }
  return out
}

/** filepath.Join for the package's absolute paths: one slash between, none doubled. */
export function joinPosix(dir: string, name: string): string {
  return `${dir.replace(/\/+$/, '')}/${name.replace(/^\/+/, '')}`
}

/** The extension nFPM gives a format's files. */
export function packageExtension(format: PackageFormat): string {
  return format === 'archlinux' ? '.pkg.tar.zst' : `.${format}`
}

/**
 * The published name: the rendered file name template, with the format's extension added when
 * it does not already end in it (GoReleaser's rule).
 */
export function packageFileName(rendered: string, format: PackageFormat): string {
  const ext = packageExtension(format)
  return rendered.endsWith(ext) ? rendered : rendered + ext
}

const RELATION = /^[A-Za-z0-9][A-Za-z0-9+._:@/-]*$/
const OPERATORS = ['<<', '<=', '=', '>=', '>>', '<', '>', '==', '!=', '~']
const VERSION = /^[0-9][0-9A-Za-z.+~:_-]*$/

/**
 * Why a dependency (or conflict, provide, …) is not one the formats read, as a complaint about
 * the whole value, or undefined: a package name, optionally with a version constraint
 * `name (>= 1.2)` (deb) or `name >= 1.2` (rpm, apk), alternatives joined by `|`.
 */
export function relationProblem(text: string): string | undefined {
  const alternatives = text.split('|').map(s => s.trim())
  for (const alternative of alternatives) {
    const which = alternatives.length > 1 ? ` ("${alternative}")` : ''
    const m = /^([^\s()<>=!~]+)\s*(?:\(\s*([<>=!~]+)\s*([^\s()]*)\s*\)|([<>=!~]+)\s*(\S*))?$/.exec(
      alternative
    )
    if (!m || !RELATION.test(m[1]!))
      return `is not a package name with an optional version constraint${which}, like "name (>= 1.2)" or "name >= 1.2"`
    const op = m[2] ?? m[4]
    const version = m[3] ?? m[5]
    if (op === undefined) continue
    if (!OPERATORS.includes(op))
      return `has "${op}"${which}, which is not a version operator (${OPERATORS.join(' ')})`
    if (!version || !VERSION.test(version))
      return `has ${version ? `"${version}"` : 'nothing'} after ${op}${which}, which is not a version (it starts with a digit)`
  }
  return undefined
}

/** A package's version fields as nFPM reads them. */
export interface PackageVersion {
  version: string
  release: string
  prerelease: string
  versionMetadata: string
}

// Masterminds semver (what nFPM parses versions with): v optional, minor and patch optional.
const SEMVER =
  /^v?(0|[1-9]\d*)(?:\.(0|[1-9]\d*))?(?:\.(0|[1-9]\d*))?(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/

/**
 * nFPM's semver split (its defaults, version_schema semver): a version that parses becomes
 * major.minor.patch, and its pre-release and build metadata fill the fields not given.
 */
export function splitVersion(v: PackageVersion): PackageVersion {
  const m = SEMVER.exec(v.version)
  if (!m) return v
  return {
    version: `${m[1]}.${m[2] ?? 0}.${m[3] ?? 0}`,
    release: v.release,
    prerelease: v.prerelease || (m[4] ?? ''),
    versionMetadata: v.versionMetadata || (m[5] ?? '')
  }
}

// Each format's name for nFPM's architecture keys (nFPM's own tables).
const ARCH_NAMES: Record<PackageFormat, Record<string, string>> = {
  deb: {
    '386': 'i386',
    arm5: 'armel',
    arm6: 'armhf',
    arm7: 'armhf',
    mips64le: 'mips64el',
    mipsle: 'mipsel',
    ppc64le: 'ppc64el',
    s390: 's390x'
  },
  rpm: {
    amd64: 'x86_64',
    '386': 'i386',
    arm64: 'aarch64',
    arm5: 'armv5tel',
    arm6: 'armv6hl',
    arm7: 'armv7hl',
    mips64le: 'mips64el',
    mipsle: 'mipsel',
    loong64: 'loongarch64'
  },
  apk: {
    '386': 'x86',
    amd64: 'x86_64',
    arm64: 'aarch64',
    arm6: 'armhf',
    arm7: 'armv7',
    s390: 's390x',
    loong64: 'loongarch64'
  },
  archlinux: {
    amd64: 'x86_64',
    '386': 'i686',
    arm64: 'aarch64',
    arm7: 'armv7h',
    arm6: 'armv6h',
    arm5: 'arm'
  }
}

/** The architecture a format's package of `target` declares (amd64 → x86_64 for rpm, …). */
export function packageArch(format: PackageFormat, target: Target): string {
  // nFPM drops the float mode from mips keys before it maps them.
  const key = nfpmArch(target).replace(/(soft|hard)float/, '')
  return ARCH_NAMES[format][key] ?? key
}

/**
 * nFPM's conventional file name of a package (`{{ .ConventionalFileName }}`): each format's own
 * way to write name, version and architecture. The stage checks it against nFPM's answer.
 */
export function conventionalFileName(
  format: PackageFormat,
  name: string,
  target: Target,
  given: PackageVersion
): string {
  const v = splitVersion(given)
  const arch = packageArch(format, target)
  switch (format) {
    case 'deb': {
      let version = v.version
      if (v.prerelease) version += `~${v.prerelease}`
      if (v.versionMetadata) version += `+${v.versionMetadata}`
      if (v.release) version += `-${v.release}`
      return `${name}_${version}_${arch}.deb`
    }
    case 'rpm': {
      let version = v.version
      if (v.prerelease) version += `~${v.prerelease.replaceAll('-', '_')}`
      if (v.versionMetadata) version += `+${v.versionMetadata}`
      return `${name}-${version}-${v.release || '1'}.${arch}.rpm`
    }
    case 'apk': {
      let version = v.version
      if (v.prerelease) version += `_${v.prerelease}`
      if (v.release) version += `-${v.release.startsWith('r') ? v.release : `r${v.release}`}`
      const meta = v.versionMetadata
      if (meta) version += `-${/^(p|cvs|svn|git|hg)/.test(meta) ? meta : `p${meta}`}`
      return `${name}_${version}_${arch}.apk`
    }
    case 'archlinux': {
      const pkgrel = /^[+-]?\d+$/.test(v.release) ? Number.parseInt(v.release, 10) : 1
      const file = `${name}-${v.version}${v.prerelease.replaceAll('-', '_')}-${pkgrel}-${arch}.pkg.tar.zst`
      return file.replace(/[^A-Za-z0-9._+-]/g, '').replace(/^[-.]+/, '')
    }
  }
}

/** What is wrong with a package-gpg-key value, or undefined; never quotes the value (a secret). */
export function checkGpgKey(key: string): string | undefined {
  if (
    !/^-----BEGIN PGP PRIVATE KEY BLOCK-----$/m.test(key) ||
    !/^-----END PGP PRIVATE KEY BLOCK-----$/m.test(key)
  )
    return 'not an OpenPGP private key: give the ASCII-armored key ("-----BEGIN PGP PRIVATE KEY BLOCK-----", from gpg --armor --export-secret-keys), e.g. ${{ secrets.PACKAGE_GPG_KEY }}, not a path or a public key'
  return undefined
}

/** What is wrong with a package-rsa-key value, or undefined; never quotes the value (a secret). */
export function checkRsaKey(key: string): string | undefined {
  if (
    !/^-----BEGIN (RSA |ENCRYPTED )?PRIVATE KEY-----$/m.test(key) ||
    !/^-----END (RSA |ENCRYPTED )?PRIVATE KEY-----$/m.test(key)
  )
    return 'not an RSA private key in PEM ("-----BEGIN RSA PRIVATE KEY-----" or "-----BEGIN PRIVATE KEY-----", from openssl genrsa), e.g. ${{ secrets.PACKAGE_RSA_KEY }}, not a path or a public key'
  return undefined
}

/** Which key signs a format's packages: deb and rpm the OpenPGP key, apk the RSA key. */
export function signingKeyOf(format: PackageFormat): 'gpg' | 'rsa' | undefined {
  return format === 'deb' || format === 'rpm' ? 'gpg' : format === 'apk' ? 'rsa' : undefined
}
