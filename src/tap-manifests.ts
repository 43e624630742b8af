// Install manifests for package managers that fetch the release's own files: a Homebrew formula
// or cask (for a tap) and a Scoop manifest (for a bucket). The text is GoReleaser's, byte for byte
// (its `brews`, `homebrew_casks` and `scoops` output, v2.16), so a project that switches keeps
// its tap's history readable and its users' installs unchanged. Pure: the files, URLs and
// digests come in, the text goes out.
import { quote } from './lib/go-values.js'
import type { Target } from './targets.js'

/** What a manifest installs from: `formula` and `cask` go to a Homebrew tap, `scoop` to a bucket. */
export type ManifestKind = 'formula' | 'cask' | 'scoop'

/** One file of the release a manifest may point at: an archive, or a binary published bare. */
export interface ManifestAsset {
  target: Target
  /** the asset's name on the release */
  name: string
  /** `tar.gz`, `zip`, … or `binary` for a bare binary */
  format: string
  /** the archive set's id ('' when it has none): the `ids` filter */
  setId: string
  /** archive: the binaries it holds as file names (`.exe` on windows), in build order */
  binaries: readonly string[]
  /** bare binary: the binary it is */
  binary?: string
  /** archive: the folder its files are wrapped in, '' for none */
  wrappedIn: string
  /** archive: the names of its extra files (what cask manpages are matched against) */
  files: readonly string[]
}

/** An asset chosen for a manifest, with where it is downloaded from and its digest. */
export interface ManifestPackage extends ManifestAsset {
  url: string
  sha256: string
}

/** Which assets a manifest takes (GoReleaser's filters). */
export interface AssetFilter {
  kind: ManifestKind
  /** archive set ids; empty: every set */
  ids: readonly string[]
  /** formula only: the GOARM of the 32-bit arm files ('6' by default) */
  goarm: string
  /** formula and scoop: the GOAMD64 of the amd64 files ('v1' by default) */
  goamd64: string
}

/** The section a kind is configured in, as GoReleaser names it: for messages. */
export const SECTION: Record<ManifestKind, string> = {
  formula: 'brews',
  cask: 'homebrew_casks',
  scoop: 'scoops'
}

const variantIs = (t: Target, wanted: string, toolchainDefault: string): boolean =>
  t.variant === wanted || (t.variant === undefined && wanted === toolchainDefault)

/** The key an asset takes in a manifest, undefined when the kind has no place for it. */
function slotOf(a: ManifestAsset, f: AssetFilter): string | undefined {
  const { goos, goarch } = a.target
  if (f.kind === 'scoop') {
    if (goos !== 'windows' || a.format === 'binary') return undefined
    if (goarch === 'amd64' && variantIs(a.target, f.goamd64, 'v1')) return '64bit'
    if (goarch === 'arm64') return 'arm64'
    if (goarch === '386') return '32bit'
    return undefined
  }
  if ((goos !== 'darwin' && goos !== 'linux') || a.format === 'gz') return undefined
  if (goarch === 'arm64' || goarch === 'all') return `${goos}/${goarch}`
  if (goarch === 'amd64' && (f.kind === 'cask' || variantIs(a.target, f.goamd64, 'v1')))
    return `${goos}/${goarch}`
  if (goarch === 'arm' && f.kind === 'formula' && variantIs(a.target, f.goarm, '6'))
    return `${goos}/${goarch}`
  return undefined
}

/**
 * The assets a manifest points at, in release order. A universal darwin binary is taken only
 * when it replaced the thin ones (GoReleaser's `replace: true`); two files for one platform, or
 * none at all, is an error naming the section.
 */
export function selectAssets(assets: readonly ManifestAsset[], f: AssetFilter): ManifestAsset[] {
  const thinDarwin = assets.some(
    a => a.target.goos === 'darwin' && a.target.goarch !== 'all' && a.format !== 'gz'
  )
  const chosen = assets.filter(
    a =>
      slotOf(a, f) !== undefined &&
      (f.ids.length === 0 || f.ids.includes(a.setId)) &&
      !(a.target.goarch === 'all' && thinDarwin)
  )
  const ids = `ids=[${f.ids.join(' ')}]`
  if (f.kind === 'scoop') {
    const filters = `goos=windows goarch=[386 amd64 arm64] goamd64=${f.goamd64} ${ids}`
    if (chosen.length === 0)
      throw new Error(
        `${SECTION.scoop}: no windows archive matches ${filters}; Scoop needs one per architecture`
      )
  } else if (chosen.length === 0) {
    const arches = f.kind === 'formula' ? 'amd64 arm64 arm' : 'amd64 arm64'
    const variants = f.kind === 'formula' ? ` goamd64=${f.goamd64} goarm=${f.goarm}` : ''
    throw new Error(
      `${SECTION[f.kind]}: no linux/macos archives found matching goos=[darwin linux] goarch=[${arches}]${variants} ${ids}`
    )
  }
  const bySlot = new Map<string, ManifestAsset[]>()
  for (const a of chosen) {
    const slot = slotOf(a, f)!
    bySlot.set(slot, [...(bySlot.get(slot) ?? []), a])
  }
  const doubled = [...bySlot].filter(([, list]) => list.length > 1)
  if (doubled.length > 0)
    throw new Error(
      `${SECTION[f.kind]}: one manifest takes one file per platform, but ${doubled
        .map(([slot, list]) => `${slot} has ${list.map(a => a.name).join(' and ')}`)
        .join('; ')}: choose one archive set with ids`
    )
  return chosen
}

/** Go's url.PathEscape: what GoReleaser's default download URL does to the tag. */
export function urlPathEscape(s: string): string {
  let out = ''
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte)
    out += /[A-Za-z0-9\-_.~$&+:=@]/.test(c)
      ? c
      : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`
  }
  return out
}

/** The download URL GitHub gives a release asset (GoReleaser's default url_template). */
export function githubDownloadUrl(
  server: string,
  repository: string,
  tag: string,
  asset: string
): string {
  return `${server.replace(/\/+$/, '')}/${repository}/releases/download/${urlPathEscape(tag)}/${asset}`
}

/**
 * Homebrew's class name of a formula (Formulary.class_s): lower-cased, `-_. ` dropped with the
 * next letter upper-cased, `+` as `x`, `@` before a digit as `AT`.
 */
export function formulaClassName(name: string): string {
  if (name === '') return name
  const s = name.toLowerCase()
  let out = s[0]!.toUpperCase()
  for (let i = 1; i < s.length; i++) {
    const c = s[i]!
    if (c === '-' || c === '_' || c === '.' || c === ' ') {
      if (i + 1 < s.length) out += s[++i]!.toUpperCase()
    } else if (c === '+') out += 'x'
    else if (c === '@' && /[0-9]/.test(s[i + 1] ?? '')) out += `AT${s[++i]}`
    else out += c
  }
  return out
}

/** The cask token of a name: lower case, spaces as dashes. */
export const caskToken = (name: string): string => name.replaceAll(' ', '-').toLowerCase()

/** GoReleaser's split of multi-line values: trimmed, then by line; nothing gives no lines. */
export function lines(text: string): string[] {
  const t = text.trim()
  return t === '' ? [] : t.split('\n')
}

const indent = (n: number, text: string): string => {
  const pad = ' '.repeat(n)
  return pad + text.replaceAll('\n', `\n${pad}`)
}

/** A Go line scan: a final newline ends the last line; a `\r` before a newline goes too. */
const scanLines = (text: string): string[] => {
  const all = text.split('\n').map(l => l.replace(/\r$/, ''))
  if (all.at(-1) === '') all.pop()
  return all
}

/** Trailing spaces off every line; with `collapse`, each run of blank lines becomes one. */
function tidy(text: string, collapse: boolean): string {
  let out = ''
  let blank = false
  for (const raw of scanLines(text)) {
    const line = raw.replace(/ +$/, '')
    if (collapse && line.trim() === '') {
      if (!blank) out += '\n'
      blank = true
      continue
    }
    blank = false
    out += `${line}\n`
  }
  return out
}

const ARM_CAVEAT = (name: string): string =>
  `\n  if Hardware::CPU.arm?\n    def caveats\n      <<~EOS\n        The darwin_arm64 architecture is not supported for the ${name}\n        formula at this time. The darwin_amd64 binary may work in compatibility\n        mode, but it might not be fully supported.\n      EOS\n    end\n  end`

/** Orders a platform's packages as GoReleaser does: stably by GOARCH. */
function byArch<T extends { target: Target }>(list: readonly T[]): T[] {
  return [...list].sort((a, b) =>
    a.target.goarch < b.target.goarch ? -1 : a.target.goarch > b.target.goarch ? 1 : 0
  )
}

/** A formula's dependency: `depends_on "name"`, with a type (`:optional`) or a version. */
export interface FormulaDependency {
  name: string
  type?: string
  version?: string
  /** `mac` or `linux`: only there */
  os?: string
}

/** What a formula says besides its files. Multi-line values are Ruby, put in as they are. */
export interface FormulaSpec {
  /** the formula's name: its file is `<name>.rb` */
  name: string
  description: string
  homepage: string
  license: string
  dependencies: readonly FormulaDependency[]
  conflicts: readonly string[]
  postInstall: string
  caveats: string
  service: string
  test: string
  customRequire: string
  customBlock: string
  downloadStrategy: string
  urlHeaders: readonly string[]
}

/** A formula package: its install lines (the install template rendered for its file). */
export interface FormulaPackage extends ManifestPackage {
  install: readonly string[]
}

/**
 * The install lines of a package: the given install lines (with extra ones after), or
 * `bin.install` of each binary of the archive, or of the bare binary under its own name.
 */
export function defaultInstall(
  asset: ManifestAsset,
  install: string,
  extraInstall: string
): string[] {
  const extra = lines(extraInstall)
  if (install !== '') return [...lines(install), ...extra]
  if (asset.format === 'binary')
    return [`bin.install ${quote(asset.name)} => ${quote(asset.binary ?? '')}`, ...extra]
  const own = [...new Set(asset.binaries.map(b => `bin.install ${quote(b)}`))].sort()
  return [...own, ...extra]
}

/**
 * A Homebrew formula of `version`. `template` is GoReleaser's second pass over the whole text
 * (user values are templates too); it throws on a bad template.
 */
export function renderFormula(
  spec: FormulaSpec,
  version: string,
  packages: readonly FormulaPackage[],
  template: (text: string) => string
): string {
  const className = formulaClassName(spec.name)
  const mac = byArch(packages.filter(p => p.target.goos === 'darwin'))
  const linux = byArch(packages.filter(p => p.target.goos === 'linux'))
  const onlyAmd64Mac = mac.length === 1 && mac[0]!.target.goarch === 'amd64'
  const header = (p: FormulaPackage, hdrIndent: string): string =>
    `url "${p.url}"` +
    (spec.downloadStrategy ? `, using: ${spec.downloadStrategy}` : '') +
    (spec.urlHeaders.length > 0
      ? `,\n${hdrIndent}headers: [\n${indent(8, spec.urlHeaders.map(h => `"${h}"`).join(',\n'))}\n${hdrIndent}]`
      : '')
  const body = (list: readonly string[], pad: string): string =>
    list.map(l => `\n${pad}${l}`).join('')

  const macBlocks = (): string =>
    mac
      .map(p => {
        if (p.target.goarch === 'all' || onlyAmd64Mac) {
          return (
            `\n  ${header(p, '    ')}\n  sha256 "${p.sha256}"\n\n  define_method(:install) do${body(p.install, '    ')}\n  end` +
            (p.target.goarch !== 'all' && onlyAmd64Mac ? `\n${ARM_CAVEAT(className)}` : '')
          )
        }
        const guard =
          p.target.goarch === 'amd64'
            ? '\n  if Hardware::CPU.intel?'
            : p.target.goarch === 'arm64'
              ? '\n  if Hardware::CPU.arm?'
              : ''
        return `${guard}\n    ${header(p, '      ')}\n    sha256 "${p.sha256}"\n\n    define_method(:install) do${body(p.install, '      ')}\n    end\n  end`
      })
      .join('')
  const LINUX_GUARD: Record<string, string> = {
    amd64: '\n  if Hardware::CPU.intel? && Hardware::CPU.is_64_bit?',
    arm64: '\n  if Hardware::CPU.arm? && Hardware::CPU.is_64_bit?',
    arm: '\n  if Hardware::CPU.arm? && !Hardware::CPU.is_64_bit?'
  }
  const linuxBlocks = (): string =>
    linux
      .map(
        p =>
          `${LINUX_GUARD[p.target.goarch] ?? ''}\n    ${header(p, '      ')}\n    sha256 "${p.sha256}"\n    define_method(:install) do${body(p.install, '      ')}\n    end\n  end`
      )
      .join('')

  let s =
    '# typed: false\n# frozen_string_literal: true\n\n# This file was generated by GoReleaser. DO NOT EDIT.\n'
  if (spec.customRequire) s += `require_relative "${spec.customRequire}"\n`
  s += `class ${className} < Formula\n  desc "${spec.description}"\n  homepage "${spec.homepage}"\n  version "${version}"`
  if (spec.license) s += `\n  license "${spec.license}"`
  const deps = [...spec.dependencies].sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0
  )
  if (deps.length > 0) {
    s +=
      '\n  ' +
      deps
        .map(
          d =>
            `\n  depends_on "${d.name}"` +
            (d.type ? ` => :${d.type}` : d.version ? ` => "${d.version}"` : '') +
            (d.os ? ` if OS.${d.os}?` : '')
        )
        .join('')
  }
  if (mac.length > 0 && linux.length === 0) s += '\n  depends_on :macos'
  if (linux.length > 0 && mac.length === 0) s += '\n  depends_on :linux'
  s += '\n'
  if (mac.length > 0 && linux.length > 0)
    s += `\n  on_macos do${indent(2, macBlocks())}\n  end\n\n  on_linux do${indent(2, linuxBlocks())}\n  end`
  else if (mac.length > 0) s += macBlocks()
  else s += linuxBlocks()
  if (spec.conflicts.length > 0)
    s += '\n  ' + spec.conflicts.map(c => `\n  conflicts_with "${c}"`).join('')
  const custom = lines(spec.customBlock)
  if (custom.length > 0) s += '\n  ' + body(custom, '  ')
  const post = lines(spec.postInstall)
  if (post.length > 0) s += `\n\n  def post_install${body(post, '    ')}\n  end`
  const caveats = lines(spec.caveats)
  if (caveats.length > 0)
    s += `\n\n  def caveats\n    <<~EOS${body(caveats, '      ')}\n    EOS\n  end`
  const service = lines(spec.service)
  if (service.length > 0) s += `\n\n  service do${body(service, '    ')}\n  end`
  const test = lines(spec.test)
  if (test.length > 0) s += `\n\n  test do${body(test, '    ')}\n  end`
  s += '\nend\n'
  return tidy(template(s), false)
}

/** A cask's `depends_on` or `conflicts_with` entry. */
export interface CaskRelation {
  cask?: string
  formula?: string
}

/** Lists of `uninstall` or `zap`, in GoReleaser's order. */
export interface CaskCleanup {
  launchctl: readonly string[]
  quit: readonly string[]
  loginItem: readonly string[]
  delete: readonly string[]
  trash: readonly string[]
}

/** Extra arguments of the cask's `url`. */
export interface CaskUrlParams {
  verified: string
  /** a Ruby value as given, e.g. `:homebrew_curl` */
  using: string
  cookies: Readonly<Record<string, string>>
  referer: string
  headers: readonly string[]
  userAgent: string
  data: Readonly<Record<string, string>>
}

/** What a cask says besides its files. Multi-line values are Ruby, put in as they are. */
export interface CaskSpec {
  /** the cask's name: its file is `<name>.rb`, its token the name in lower case */
  name: string
  description: string
  homepage: string
  customBlock: string
  /** the binaries to link (names inside the archive) */
  binaries: readonly string[]
  /** man pages inside the archive (already matched against its files) */
  manpages: readonly string[]
  completions: { bash: string; zsh: string; fish: string }
  service: string
  hooks: { preInstall: string; postInstall: string; preUninstall: string; postUninstall: string }
  dependencies: readonly CaskRelation[]
  conflicts: readonly CaskRelation[]
  uninstall: CaskCleanup
  zap: CaskCleanup
  caveats: string
  generateCompletions: {
    executable: string
    args: readonly string[]
    baseName: string
    shellParameterFormat: string
    shells: readonly string[]
  }
  url: CaskUrlParams
}

const group = (name: string, items: readonly string[]): string =>
  `${name}: [\n${items.map(i => `      ${quote(i)},\n`).join('')}    ]`
const stanza = (word: string, groups: readonly string[]): string =>
  groups.length === 0
    ? ''
    : `${word} ` +
      groups
        .map((g, i) => `${i > 0 ? '    ' : ''}${g}${i < groups.length - 1 ? ',' : ''}\n`)
        .join('')
const sortedNonEmpty = (list: readonly (string | undefined)[]): string[] =>
  list.filter((x): x is string => !!x).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
const CLEANUP_ORDER: [keyof CaskCleanup, string][] = [
  ['launchctl', 'launchctl'],
  ['quit', 'quit'],
  ['loginItem', 'login_item'],
  ['delete', 'delete'],
  ['trash', 'trash']
]
const cleanup = (word: string, c: CaskCleanup): string =>
  stanza(
    word,
    CLEANUP_ORDER.filter(([k]) => c[k].length > 0).map(([k, name]) => group(name, c[k]))
  )
const SHELL_FORMATS = new Set(['arg', 'clap', 'click', 'cobra', 'flag', 'none', 'typer'])

function generateCompletions(g: CaskSpec['generateCompletions']): string {
  if (!g.executable) return ''
  const args = [quote(g.executable), ...g.args.map(quote)]
  const kwargs: string[] = []
  if (g.baseName) kwargs.push(`base_name: ${quote(g.baseName)}`)
  if (g.shellParameterFormat)
    kwargs.push(
      SHELL_FORMATS.has(g.shellParameterFormat)
        ? `shell_parameter_format: :${g.shellParameterFormat}`
        : `shell_parameter_format: ${quote(g.shellParameterFormat)}`
    )
  if (g.shells.length > 0) kwargs.push(`shells: [${g.shells.map(s => `:${s}`).join(', ')}]`)
  return (
    `generate_completions_from_executable ${args.join(', ')}` +
    (kwargs.length > 0 ? `,\n    ${kwargs.join(',\n    ')}` : '')
  )
}

function urlParams(u: CaskUrlParams): string {
  const map = (m: Readonly<Record<string, string>>): string =>
    Object.keys(m)
      .sort()
      .map(k => `\n        "${k}" => "${m[k]}",`)
      .join('')
  let s = ''
  if (u.verified) s += `,\n      verified: "${u.verified}"`
  if (u.using) s += `,\n      using: ${u.using}`
  if (Object.keys(u.cookies).length > 0) s += `,\n      cookies: {${map(u.cookies)}\n      }`
  if (u.referer) s += `,\n      referer: "${u.referer}"`
  if (u.headers.length > 0)
    s += `,\n      header: [${u.headers.map(h => `\n        "${h}",`).join('')}\n      ]`
  if (u.userAgent) s += `,\n      user_agent: "${u.userAgent}"`
  if (Object.keys(u.data).length > 0) s += `,\n      data: {${map(u.data)}\n      }`
  return s
}

/**
 * A Homebrew cask of `version`. Its URLs say `#{version}` where the version appears, as
 * GoReleaser writes them. `template` is the second pass over the whole text.
 */
export function renderCask(
  spec: CaskSpec,
  version: string,
  packages: readonly ManifestPackage[],
  template: (text: string) => string
): string {
  const token = caskToken(spec.name)
  const mac = byArch(packages.filter(p => p.target.goos === 'darwin'))
  const linux = byArch(packages.filter(p => p.target.goos === 'linux'))
  const onlyAmd64Mac = mac.length === 1 && mac[0]!.target.goarch === 'amd64'
  const onlyBinaries = packages.every(p => p.format === 'binary')
  const params = urlParams(spec.url)
  const url = (p: ManifestPackage): string =>
    version === '' ? p.url : p.url.replaceAll(version, '#{version}')
  const block = (p: ManifestPackage): string =>
    `\n    sha256 "${p.sha256}"\n    url "${url(p)}"${params}` +
    (p.format === 'binary' ? `\n    binary "${p.name}", target: "${p.binary ?? ''}"` : '') +
    (p.wrappedIn
      ? p.binaries.map(b => `\n    rename "${p.wrappedIn}/${b}", "${b}"`).join('')
      : '') +
    '\n  end'
  const open = (p: ManifestPackage): string =>
    p.target.goarch === 'amd64'
      ? '\n  on_intel do'
      : p.target.goarch === 'arm64'
        ? '\n  on_arm do'
        : ''
  const macBlocks = mac
    .map(p => {
      const own =
        p.target.goarch === 'all'
          ? `\n  sha256 "${p.sha256}"\n  url "${url(p)}"${params}` +
            (p.format === 'binary' ? `\n  binary "${p.name}", target: "${p.binary ?? ''}"` : '')
          : open(p) + block(p)
      return (
        own +
        (onlyAmd64Mac
          ? `\n  on_arm do\n    def caveats\n      <<~EOS\n        The darwin_arm64 architecture is not supported for the ${token}\n        formula at this time. The darwin_amd64 binary may work in compatibility\n        mode, but it might not be fully supported.\n      EOS\n    end\n  end`
          : '')
      )
    })
    .join('')
  const linuxBlocks = linux.map(p => open(p) + block(p)).join('')
  const stanzaBlock = (word: string, text: string): string => {
    const body = lines(text)
    return body.length === 0 ? '' : `${word} do${body.map(l => `\n    ${l}`).join('')}\n  end`
  }

  let s = `# This file was generated by GoReleaser. DO NOT EDIT.\ncask "${token}" do`
  const custom = lines(spec.customBlock)
  if (custom.length > 0) s += custom.map(l => `\n  ${l}`).join('') + '\n\n  '
  s += `\n  version "${version}"\n\n  `
  if (mac.length > 0) s += `\n  on_macos do${indent(2, macBlocks)}\n  end\n  `
  s += '\n\n  '
  if (linux.length > 0) s += `\n  on_linux do${indent(2, linuxBlocks)}\n  end\n  `
  s += `\n\n  name "${token}"\n  desc "${spec.description}"\n  homepage "${spec.homepage}"\n\n  livecheck do\n    skip "Auto-generated on release."\n  end`
  const conflicts = sortedNonEmpty(spec.conflicts.map(c => c.cask))
  if (spec.conflicts.length > 0)
    s += '\n  ' + stanza('conflicts_with', conflicts.length > 0 ? [group('cask', conflicts)] : [])
  if (spec.dependencies.length > 0) {
    const casks = sortedNonEmpty(spec.dependencies.map(d => d.cask))
    const formulas = sortedNonEmpty(spec.dependencies.map(d => d.formula))
    s +=
      '\n  ' +
      stanza('depends_on', [
        ...(casks.length > 0 ? [group('cask', casks)] : []),
        ...(formulas.length > 0 ? [group('formula', formulas)] : [])
      ])
  }
  s += '\n\n  '
  if (!onlyBinaries) s += spec.binaries.map(b => `\n  binary "${b}"`).join('')
  s += spec.manpages.map(m => `\n  manpage "${m}"`).join('')
  for (const shell of ['bash', 'fish', 'zsh'] as const) {
    if (spec.completions[shell]) s += `\n  ${shell}_completion "${spec.completions[shell]}"`
  }
  s += '\n\n  ' + (spec.service ? `service "${spec.service}"` : '')
  s += '\n\n  ' + stanzaBlock('preflight', spec.hooks.preInstall)
  s += '\n\n  ' + stanzaBlock('postflight', spec.hooks.postInstall)
  const completions = generateCompletions(spec.generateCompletions)
  if (completions) s += `\n  ${completions}`
  s += '\n\n  ' + stanzaBlock('uninstall_preflight', spec.hooks.preUninstall)
  s += '\n\n  ' + stanzaBlock('uninstall_postflight', spec.hooks.postUninstall)
  s += '\n\n  ' + cleanup('uninstall', spec.uninstall)
  s += '\n\n  ' + (cleanup('zap', spec.zap) || '# No zap stanza required')
  const caveats = lines(spec.caveats)
  s +=
    '\n\n  ' +
    (caveats.length > 0 ? `caveats <<~EOS${caveats.map(l => `\n    ${l}`).join('')}\n  EOS` : '')
  s += '\nend\n'
  return tidy(template(s), true)
}

/** The man pages of a cask: each pattern matched against the archive's extra files. */
export function matchManpages(
  patterns: readonly string[],
  packages: readonly ManifestPackage[]
): { manpages: string[]; warning?: string } {
  if (patterns.length === 0) return { manpages: [] }
  const archives = packages.filter(p => p.format !== 'binary')
  const first = archives[0]?.files ?? []
  if (archives.some(a => a.files.join('\n') !== first.join('\n')))
    return {
      manpages: [...patterns],
      warning: 'the archives hold different extra files; man pages are listed as given'
    }
  const regexps = patterns.map(globPath)
  const found = [...new Set(first.filter(f => regexps.some(r => r.test(f))))].sort()
  return found.length > 0
    ? { manpages: found }
    : { manpages: [], warning: `no man page in the archives matches ${patterns.join(', ')}` }
}

/** A path glob: `*` and `?` stay within a folder, `**` crosses folders. */
function globPath(glob: string): RegExp {
  let re = ''
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!
    if (c === '*' && glob[i + 1] === '*') {
      re += '.*'
      i++
    } else if (c === '*') re += '[^/]*'
    else if (c === '?') re += '[^/]'
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&')
  }
  return new RegExp(`^${re}$`)
}

/** What a Scoop manifest says besides its files. */
export interface ScoopSpec {
  /** the manifest's name: its file is `<name>.json` */
  name: string
  description: string
  homepage: string
  license: string
  persist: readonly string[]
  preInstall: readonly string[]
  postInstall: readonly string[]
  depends: readonly string[]
  /** each `[binary, shortcut name, …]` */
  shortcuts: readonly (readonly string[])[]
}

const SCOOP_ARCH: Record<string, string> = { '386': '32bit', amd64: '64bit', arm64: 'arm64' }

/** JSON as Go's encoding/json writes it: `<`, `>`, `&`, U+2028 and U+2029 escaped. */
function goJson(value: unknown): string {
  return JSON.stringify(value, null, 4).replace(
    /[<>&\u2028\u2029]/g,
    c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`
  )
}

/** A Scoop manifest of `version`: GoReleaser's JSON, 4-space indented, with a final newline. */
export function renderScoop(
  spec: ScoopSpec,
  version: string,
  packages: readonly ManifestPackage[]
): string {
  const architecture: Record<string, unknown> = {}
  for (const p of [...packages].sort((a, b) =>
    SCOOP_ARCH[a.target.goarch]! < SCOOP_ARCH[b.target.goarch]! ? -1 : 1
  )) {
    architecture[SCOOP_ARCH[p.target.goarch]!] = {
      url: p.url,
      bin:
        p.binaries.length > 0
          ? p.binaries.map(b => (p.wrappedIn ? `${p.wrappedIn}/${b}` : b))
          : null,
      hash: p.sha256
    }
  }
  const manifest: Record<string, unknown> = { version, architecture }
  if (spec.homepage) manifest.homepage = spec.homepage
  if (spec.license) manifest.license = spec.license
  if (spec.description) manifest.description = spec.description
  if (spec.persist.length > 0) manifest.persist = spec.persist
  if (spec.preInstall.length > 0) manifest.pre_install = spec.preInstall
  if (spec.postInstall.length > 0) manifest.post_install = spec.postInstall
  if (spec.depends.length > 0) manifest.depends = spec.depends
  if (spec.shortcuts.length > 0) manifest.shortcuts = spec.shortcuts
  return `${goJson(manifest)}\n`
}

/** A manifest's path in its repository (`Formula/x.rb`, `Casks/x.rb`, `x.json`). */
export function manifestPath(kind: ManifestKind, directory: string, name: string): string {
  const file = `${name}.${kind === 'scoop' ? 'json' : 'rb'}`
  const dir = directory.replace(/^\/+|\/+$/g, '')
  return dir === '' ? file : `${dir}/${file}`
}

/** The version a manifest in a tap or bucket declares, undefined when none can be read. */
export function declaredVersion(kind: ManifestKind, text: string): string | undefined {
  if (kind === 'scoop') {
    try {
      const v = (JSON.parse(text) as { version?: unknown }).version
      return typeof v === 'string' ? v : undefined
    } catch {
      return undefined
    }
  }
  return /^\s*version "([^"]*)"/m.exec(text)?.[1]
}

const SEMVER = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/

/**
 * Semantic version order (build metadata ignored, a pre-release before its release); undefined
 * when either is not a semantic version.
 */
export function compareVersions(a: string, b: string): number | undefined {
  const x = SEMVER.exec(a)
  const y = SEMVER.exec(b)
  if (!x || !y) return undefined
  for (let i = 1; i <= 3; i++) {
    const d = Number(x[i]) - Number(y[i])
    if (d !== 0) return Math.sign(d)
  }
  const [p, q] = [x[4], y[4]]
  if (p === q) return 0
  if (p === undefined) return 1
  if (q === undefined) return -1
  const ps = p.split('.')
  const qs = q.split('.')
  for (let i = 0; i < Math.max(ps.length, qs.length); i++) {
    const [m, n] = [ps[i], qs[i]]
    if (m === undefined) return -1
    if (n === undefined) return 1
    if (m === n) continue
    const numeric = /^\d+$/.test(m) && /^\d+$/.test(n)
    if (numeric) return Math.sign(Number(m) - Number(n))
    if (/^\d+$/.test(m)) return -1
    if (/^\d+$/.test(n)) return 1
    return m < n ? -1 : 1
  }
  return 0
}

/** What committing a manifest came to. */
export type ManifestOutcome =
  | { outcome: 'written'; commit: string; url: string }
  /** the repository already holds these bytes: no commit */
  | { outcome: 'unchanged' }
  /** the repository holds a newer version's manifest: left as it is */
  | { outcome: 'newer-there'; version: string }
  /** committed to a branch (or already there) and proposed; `existing`: the pull request was open */
  | { outcome: 'proposed'; number: number; url: string; existing: boolean; commit?: string }

/** The repository operations committing a manifest needs (ports/repo-files.ts). */
export interface ManifestRepo {
  readFile(path: string, ref: string): Promise<{ sha: string; content: Buffer } | undefined>
  writeFile(write: {
    path: string
    branch: string
    content: Buffer
    message: string
    sha?: string
    committer?: { name: string; email: string }
  }): Promise<{ commit: string; url: string }>
}

/** The operations proposing a manifest needs, on the branch's repository and the base's. */
export interface ProposalRepo extends ManifestRepo {
  owner: string
  repo: string
  describe(): Promise<{ defaultBranch: string }>
  branchHead(branch: string): Promise<string | undefined>
  createBranch(branch: string, sha: string): Promise<void>
  /** Opens a pull request here, or answers the open one from the same head to the same base. */
  openPullRequest(pr: {
    /** `branch`, or `owner:branch` from another repository */
    head: string
    base: string
    title: string
    body: string
    draft: boolean
  }): Promise<{ number: number; url: string; existing: boolean }>
}

/** Attempts of a write that lost a race with another writer (409, or 422 on the sha). */
export const MANIFEST_WRITE_ATTEMPTS = 5

const lostRace = (error: unknown): boolean => {
  const e = error as { status?: number; message?: string }
  return e.status === 409 || (e.status === 422 && /\bsha\b/.test(e.message ?? ''))
}

/**
 * Commits a manifest of `version` unless the branch holds the same bytes (a re-run) or a newer
 * version's manifest (an older release re-run after a newer one). A write that lost a race reads
 * the file again and decides again, up to MANIFEST_WRITE_ATTEMPTS times.
 */
export async function commitManifest(
  repo: ManifestRepo,
  m: {
    kind: ManifestKind
    path: string
    branch: string
    content: Buffer
    version: string
    message: string
    committer?: { name: string; email: string }
  }
): Promise<ManifestOutcome> {
  for (let attempt = 1; ; attempt++) {
    const existing = await repo.readFile(m.path, m.branch)
    if (existing?.content.equals(m.content)) return { outcome: 'unchanged' }
    if (existing) {
      const there = declaredVersion(m.kind, existing.content.toString('utf8'))
      if (there !== undefined && (compareVersions(there, m.version) ?? 0) > 0)
        return { outcome: 'newer-there', version: there }
    }
    try {
      const written = await repo.writeFile({
        path: m.path,
        branch: m.branch,
        content: m.content,
        message: m.message,
        ...(existing ? { sha: existing.sha } : {}),
        ...(m.committer ? { committer: m.committer } : {})
      })
      return { outcome: 'written', ...written }
    } catch (error) {
      if (!lostRace(error) || attempt >= MANIFEST_WRITE_ATTEMPTS) throw error
    }
  }
}

/**
 * Commits a manifest to a branch of `head` and proposes it to `base` (GoReleaser's pull_request):
 * nothing when the base branch already holds the same bytes or a newer version's manifest; the
 * branch is made from the base branch (or, in a fork, from its own default branch) when missing;
 * an open pull request from the same branch is left open, with the new commit on it.
 */
export async function proposeManifest(
  head: ProposalRepo,
  base: ProposalRepo,
  m: Omit<Parameters<typeof commitManifest>[1], 'branch'> & {
    headBranch: string
    baseBranch: string
    body: string
    draft: boolean
  }
): Promise<ManifestOutcome> {
  const merged = await base.readFile(m.path, m.baseBranch)
  if (merged?.content.equals(m.content)) return { outcome: 'unchanged' }
  const there = merged && declaredVersion(m.kind, merged.content.toString('utf8'))
  if (there !== undefined && (compareVersions(there, m.version) ?? 0) > 0)
    return { outcome: 'newer-there', version: there }
  const sameRepository =
    `${head.owner}/${head.repo}`.toLowerCase() === `${base.owner}/${base.repo}`.toLowerCase()
  if (sameRepository && m.headBranch === m.baseBranch)
    throw new Error(`a pull request from ${m.baseBranch} to itself: name another branch`)
  if ((await head.branchHead(m.headBranch)) === undefined) {
    const from = sameRepository
      ? await base.branchHead(m.baseBranch)
      : await head.branchHead((await head.describe()).defaultBranch)
    if (from === undefined)
      throw new Error(`${base.owner}/${base.repo} has no branch ${m.baseBranch}`)
    try {
      await head.createBranch(m.headBranch, from)
    } catch (error) {
      // Another run made it first ("Reference already exists"): commit on top of theirs.
      if ((error as { status?: number }).status !== 422) throw error
    }
  }
  const { headBranch, baseBranch, body, draft, ...commit } = m
  const committed = await commitManifest(head, { ...commit, branch: headBranch })
  if (committed.outcome === 'newer-there') return committed
  const pr = await base.openPullRequest({
    head: sameRepository ? headBranch : `${head.owner}:${headBranch}`,
    base: baseBranch,
    title: m.message.split('\n')[0]!,
    body,
    draft
  })
  return {
    outcome: 'proposed',
    ...pr,
    ...(committed.outcome === 'written' ? { commit: committed.commit } : {})
  }
}

/** Who commits the manifests by default: GitHub's Actions bot, as the job's own commits are. */
export const DEFAULT_COMMIT_AUTHOR = {
  name: 'github-actions[bot]',
  email: '41898282+github-actions[bot]@users.noreply.github.com'
}

/** GoReleaser's commit messages, templates of the release fields. */
export const DEFAULT_COMMIT_MESSAGE: Record<ManifestKind, string> = {
  formula: 'Brew formula update for {{ .ProjectName }} version {{ .Tag }}',
  cask: 'Brew cask update for {{ .ProjectName }} version {{ .Tag }}',
  scoop: 'Scoop update for {{ .ProjectName }} version {{ .Tag }}'
}

/** Where each kind goes in its repository when no directory is given (GoReleaser's). */
export const DEFAULT_DIRECTORY: Record<ManifestKind, string> = {
  formula: '',
  cask: 'Casks',
  scoop: ''
}

/** What every manifest entry has: where it goes and how it is committed. */
interface EntryBase {
  /** `homebrew-casks[0]`: for messages */
  label: string
  /** `owner/name` of the tap or bucket */
  repository: string
  /** '' for the repository's default branch */
  branch: string
  /** a template of the release fields; '' for the project name */
  name: string
  directory: string
  /** archive set ids; empty: every set */
  ids: string[]
  /** a template of the release and artifact fields; '' for the release's download URL */
  urlTemplate: string
  /** a template of the release fields */
  commitMessage: string
  commitAuthor: CommitAuthor
  /** `auto`: not for a pre-release */
  skipUpload: 'false' | 'true' | 'auto'
  /** commit to `branch` and propose it here, rather than commit to the branch itself */
  pullRequest?: PullRequestSpec
}

/** Where a manifest's pull request goes. */
export interface PullRequestSpec {
  /** `owner/name`: the tap itself, or the repository a fork's branch is proposed to */
  repository: string
  /** '' for the repository's default branch */
  branch: string
  draft: boolean
}

/** Name and email of a commit's author and committer. */
export interface CommitAuthor {
  name: string
  email: string
}

/** One manifest of the `homebrew-formulas`, `homebrew-casks` or `scoop-manifests` inputs. */
export type ManifestEntry = EntryBase &
  (
    | {
        kind: 'formula'
        formula: Omit<FormulaSpec, 'name'>
        /** templates of the release and target fields, rendered per file */
        install: string
        extraInstall: string
        goarm: string
        goamd64: string
      }
    | {
        kind: 'cask'
        cask: Omit<CaskSpec, 'name' | 'manpages' | 'binaries'>
        /** empty: the entry's name, as GoReleaser's default */
        binaries: string[]
        /** patterns matched against the archives' extra files */
        manpages: string[]
      }
    | { kind: 'scoop'; scoop: Omit<ScoopSpec, 'name'>; goamd64: string }
  )

/** The asset filter of an entry. */
export function filterOf(entry: ManifestEntry): AssetFilter {
  return {
    kind: entry.kind,
    ids: entry.ids,
    goarm: entry.kind === 'formula' ? entry.goarm : '6',
    goamd64: entry.kind === 'cask' ? 'v1' : entry.goamd64
  }
}
