// A project's .goreleaser.yaml read as the action's own inputs: the file becomes raw input values,
// as a workflow would write them, and then goes through the same kinds and checks as any input.
// Pure: the inputs layer reads the files and hands their text in.
import { parseDocument, stringify } from 'yaml'
import { PACK_FORMATS } from './archive-sets.js'
import { joinQuoted } from './go-flags.js'
import type { InputName } from './inputs/table.js'
import { projectNameOf } from './lib/project-name.js'
import { isObj, keepOctalText, list, str, suggest, type Obj } from './lib/config-values.js'
import { readNfpms } from './goreleaser-nfpms.js'
import { readKos } from './goreleaser-kos.js'
import { readManifests } from './goreleaser-manifests.js'
import { readUpx } from './goreleaser-upx.js'

/** What the reader needs besides the config's text. */
export interface ConfigContext {
  /** the file as the user named it, for messages */
  file: string
  /** the module path from go.mod ('' when unknown) */
  modulePath: string
  /** the `origin` remote's URL from .git/config ('' when none) */
  originUrl: string
  /** `goreleaser-unsupported`: sections the action does not make fail the run, or are skipped */
  unsupported: 'error' | 'warn'
}

/** The config as input values, and what the mapping found. */
export interface ConfigReading {
  /** raw values, as the workflow would give them; a workflow input wins over each */
  values: Partial<Record<InputName, string>>
  /** the key path each value came from, for messages */
  origins: Partial<Record<InputName, string>>
  /** the mapping cannot be made (each names the file, the key path and why); fail before building */
  problems: string[]
  /** what is skipped or differs, said once in the log */
  warnings: string[]
  /** keys read and left alone because they do not change what is built (info) */
  notes: string[]
  /** true when the targets came from the file: unknown ones are dropped, as GoReleaser does */
  targetsFromConfig: boolean
}

/** GoReleaser's ldflags when a build has none. `.Date` is the commit time here (see README). */
export const GORELEASER_DEFAULT_LDFLAGS =
  '-s -w -X main.version={{.Version}} -X main.commit={{.Commit}} -X main.date={{.Date}} -X main.builtBy=goreleaser'

const NAME_SUFFIX =
  '{{ .Version }}_{{ .Os }}_{{ .Arch }}{{ with .Arm }}v{{ . }}{{ end }}{{ with .Mips }}_{{ . }}{{ end }}{{ if not (eq .Amd64 "v1") }}{{ .Amd64 }}{{ end }}'
/** GoReleaser's archive name template when none is given. */
export const GORELEASER_DEFAULT_NAME = `{{ .ProjectName }}_${NAME_SUFFIX}`
/** …and for `formats: binary`. */
export const GORELEASER_DEFAULT_BINARY_NAME = `{{ .Binary }}_${NAME_SUFFIX}`
/** GoReleaser's checksums file name when none is given. */
export const GORELEASER_DEFAULT_CHECKSUMS = '{{ .ProjectName }}_{{ .Version }}_checksums.txt'
/** GoReleaser's archive files when none are given. */
export const GORELEASER_DEFAULT_FILES = 'license* LICENSE* readme* README* changelog* CHANGELOG*'

/** Sections this action does not make (yet): each fails the run, or is skipped with `warn`. */
const UNSUPPORTED_SECTIONS = new Set([
  'srpm',
  'winget',
  'aurs',
  'aur_sources',
  'krews',
  'nix',
  'chocolateys',
  'snapcrafts',
  'flatpak',
  'makeselfs',
  'dockers',
  'dockers_v2',
  'docker_manifests',
  'docker_digest',
  'docker_signs',
  'signs',
  'binary_signs',
  'notarize',
  'source',
  'blobs',
  'uploads',
  'artifactories',
  'publishers',
  'announce',
  'milestones',
  'mcp'
])
/** Keys that change nothing this action makes: read, noted, left alone. */
const IGNORED_KEYS = new Set([
  'changelog',
  'git',
  'report_sizes',
  'metadata',
  'retry',
  'force_token',
  'github_urls',
  'gitlab_urls',
  'gitea_urls',
  'env_files'
])
/** GoReleaser Pro only: refused even with `warn`, since the file means something OSS cannot do. */
const PRO_KEYS = new Set([
  'pro',
  'includes',
  'variables',
  'nightly',
  'furies',
  'npms',
  'cloudsmiths',
  'verify',
  'partial',
  'monorepo',
  'template_files',
  'dmg',
  'msi',
  'pkgs',
  'app_bundles',
  'nsis',
  'before_publish',
  'after',
  'gemfury'
])
const HANDLED_KEYS = new Set([
  'project_name',
  'dist',
  'env',
  'builds',
  'archives',
  'nfpms',
  'kos',
  'brews',
  'homebrew_casks',
  'scoops',
  'checksum',
  'snapshot',
  'before',
  'release',
  'universal_binaries',
  'upx',
  'sboms',
  'gomod',
  'mod_timestamp'
])
/** The build keys. */
const BUILD_KEYS = new Set([
  'id',
  'main',
  'dir',
  'binary',
  'skip',
  'goos',
  'goarch',
  'goamd64',
  'go386',
  'goarm',
  'goarm64',
  'gomips',
  'goppc64',
  'goriscv64',
  'targets',
  'ignore',
  'hooks',
  'builder',
  'mod_timestamp',
  'tool',
  'gobinary',
  'command',
  'no_unique_dist_dir',
  'no_main_check',
  'overrides',
  'buildmode',
  'ldflags',
  'tags',
  'flags',
  'asmflags',
  'gcflags',
  'env'
])
const ARCHIVE_KEYS = new Set([
  'id',
  'ids',
  'builds',
  'formats',
  'format',
  'format_overrides',
  'name_template',
  'files',
  'wrap_in_directory',
  'strip_binary_directory',
  'builds_info',
  'meta',
  'allow_different_binary_count',
  'hooks'
])
const CHECKSUM_KEYS = new Set([
  'name_template',
  'algorithm',
  'disable',
  'ids',
  'extra_files',
  'split'
])
const RELEASE_KEYS = new Set([
  'github',
  'gitlab',
  'gitea',
  'draft',
  'replace_existing_draft',
  'use_existing_draft',
  'replace_existing_artifacts',
  'target_commitish',
  'tag',
  'discussion_category_name',
  'prerelease',
  'make_latest',
  'mode',
  'header',
  'footer',
  'name_template',
  'extra_files',
  'disable',
  'skip_upload',
  'ids',
  'include_meta',
  'templated_extra_files'
])
/** Keys removed in GoReleaser v2, with its own advice. */
const REMOVED_V2: Readonly<Record<string, string>> = {
  'archives[].replacements':
    'removed in GoReleaser v2: write the mapping in name_template instead ({{ if eq .Arch "amd64" }}x86_64{{ else }}{{ .Arch }}{{ end }})',
  'archives[].rlcp': 'removed in GoReleaser v2 (it is always on now): delete the key',
  'changelog.skip': 'removed in GoReleaser v2: use changelog.disable'
}

/** Go's and GoReleaser's defaults for the sub-architecture variables. */
const DEFAULT_VARIANT: Readonly<Record<string, string>> = {
  arm: '6',
  amd64: 'v1',
  arm64: 'v8.0',
  '386': 'sse2',
  mips: 'hardfloat',
  mipsle: 'hardfloat',
  mips64: 'hardfloat',
  mips64le: 'hardfloat',
  ppc64: 'power8',
  ppc64le: 'power8',
  riscv64: 'rva20u64'
}
/** The config key of each goarch's variant list. */
const VARIANT_KEY: Readonly<Record<string, string>> = {
  arm: 'goarm',
  amd64: 'goamd64',
  arm64: 'goarm64',
  '386': 'go386',
  mips: 'gomips',
  mipsle: 'gomips',
  mips64: 'gomips',
  mips64le: 'gomips',
  ppc64: 'goppc64',
  ppc64le: 'goppc64',
  riscv64: 'goriscv64'
}

/** Reads a GoReleaser config's text into the action's input values. */
export function readGoreleaserConfig(text: string, ctx: ConfigContext): ConfigReading {
  const out: ConfigReading = {
    values: {},
    origins: {},
    problems: [],
    warnings: [],
    notes: [],
    targetsFromConfig: false
  }
  const problem = (at: string, why: string): void => {
    out.problems.push(`${ctx.file}: ${at}: ${why}`)
  }
  const set = (name: InputName, value: string, at: string): void => {
    out.values[name] = value
    out.origins[name] = at
  }

  const doc = parseDocument(text, { merge: true, uniqueKeys: true })
  if (doc.errors.length > 0) {
    for (const e of doc.errors)
      problem('YAML', (e.message.split('\n')[0] ?? e.message).replace(/:$/, ''))
    return out
  }
  keepOctalText(doc)
  const root: unknown = doc.toJS({ maxAliasCount: 1000 })
  if (root === null || root === undefined) return out
  if (!isObj(root)) {
    problem('(top level)', 'is not a mapping of keys')
    return out
  }

  // Top level: each key handled, ignored, unsupported, Pro-only or unknown.
  const skipped: string[] = []
  for (const key of Object.keys(root)) {
    if (HANDLED_KEYS.has(key) || key === 'version') continue
    if (IGNORED_KEYS.has(key))
      out.notes.push(`${ctx.file}: ${key}: does not change what is built; ignored`)
    else if (PRO_KEYS.has(key))
      problem(key, 'is a GoReleaser Pro feature; the action reads GoReleaser OSS configs')
    else if (UNSUPPORTED_SECTIONS.has(key)) skipped.push(key)
    else
      problem(
        key,
        `is not a GoReleaser key${suggest(key, [...HANDLED_KEYS, ...IGNORED_KEYS, ...UNSUPPORTED_SECTIONS])}`
      )
  }
  if (skipped.length > 0) {
    const list = skipped.join(', ')
    if (ctx.unsupported === 'warn')
      out.warnings.push(`${ctx.file}: skipped (not made by this action): ${list}`)
    else
      problem(
        list,
        `not made by this action yet; set goreleaser-unsupported: warn to build the rest without ${skipped.length === 1 ? 'it' : 'them'}`
      )
  }

  // project_name, then GoReleaser's order: the origin remote's repository, then the module path.
  const projectName =
    str(root.project_name) ||
    repoNameOf(ctx.originUrl) ||
    (ctx.modulePath ? projectNameOf(ctx.modulePath) : '')
  if (projectName)
    set(
      'project-name' as InputName,
      projectName,
      root.project_name ? 'project_name' : '(origin remote or module path)'
    )
  if (root.dist !== undefined) set('dist', str(root.dist), 'dist')
  if (root.gomod !== undefined && isObj(root.gomod) && root.gomod.proxy === true)
    problem(
      'gomod.proxy',
      'building from the module proxy is not supported; build from the checkout'
    )

  const env = envList(root.env, 'env', problem)
  const builds = readBuilds(root, env, projectName, out, set, problem)
  readArchives(root, builds, out, set, problem)
  readNfpms(root, builds, (value, at) => set('linux-packages', value, at), {
    problem,
    note: text => out.notes.push(text),
    notMade: (at, why) =>
      ctx.unsupported === 'warn'
        ? out.warnings.push(`${at}: ${why}; the packages are made without it`)
        : problem(at, `${why}; set goreleaser-unsupported: warn to make the packages without it`)
  })
  readKos(root, (name, value, at) => set(name as InputName, value, at), {
    problem,
    note: text => out.notes.push(text),
    notMade: (at, why) =>
      ctx.unsupported === 'warn'
        ? out.warnings.push(`${at}: ${why}`)
        : problem(at, `${why}; set goreleaser-unsupported: warn to make the image anyway`)
  })
  readManifests(root, (name, value, at) => set(name as InputName, value, at), {
    problem,
    note: text => out.notes.push(text),
    notMade: (at, why) =>
      ctx.unsupported === 'warn'
        ? out.warnings.push(`${at}: ${why}`)
        : problem(at, `${why}; set goreleaser-unsupported: warn to write the manifest anyway`)
  })
  readChecksum(root, set, problem)
  readSnapshot(root, out, problem)
  readBefore(root, out, set, problem)
  readRelease(root, out, set, problem)
  if (root.universal_binaries !== undefined) {
    const ub = list(root.universal_binaries)
    const replace = ub.some(u => isObj(u) && u.replace === true)
    set(
      'universal-binaries',
      replace ? 'replace' : ub.length > 0 ? 'true' : 'false',
      'universal_binaries'
    )
  }
  readUpx(root, builds, (name, value, at) => set(name as InputName, value, at), {
    problem,
    note: text => out.notes.push(text),
    notMade: problem
  })
  if (root.sboms !== undefined && list(root.sboms).length > 0) {
    set('sbom', 'spdx-json', 'sboms')
    out.warnings.push(
      `${ctx.file}: sboms: the action writes its own SPDX SBOM of each archive (from the Go build info), not syft's`
    )
  }
  if (isObj(root.mod_timestamp) || root.mod_timestamp !== undefined)
    checkModTimestamp(root.mod_timestamp, 'mod_timestamp', out, ctx)
  if (root.version !== undefined && Number(root.version) !== 2)
    out.notes.push(`version: ${str(root.version)}: read as a GoReleaser v2 config`)
  // Every message names the file.
  const named = (m: string): string => (m.startsWith(`${ctx.file}: `) ? m : `${ctx.file}: ${m}`)
  out.warnings = out.warnings.map(named)
  out.notes = out.notes.map(named)
  return out
}

/** A build as the archives see it: its binary and targets. */
interface BuildOut {
  id: string
  binary: string
  targets: string[]
}

function readBuilds(
  root: Obj,
  env: string[],
  projectName: string,
  out: ConfigReading,
  set: (name: InputName, value: string, at: string) => void,
  problem: (at: string, why: string) => void
): BuildOut[] {
  const builds = root.builds === undefined ? [{}] : list(root.builds)
  if (builds.length === 0) return []
  const used = builds.filter(b => !(isObj(b) && b.skip === true))
  if (used.length === 0) {
    problem('builds', 'every build is skipped: nothing to release')
    return []
  }
  // Several builds become several packages; a build whose compiler settings differ from the
  // first's becomes a build-overrides entry, its env lines scoped to its targets.
  const first = used[0]
  if (!isObj(first)) {
    problem('builds[0]', 'is not a mapping')
    return []
  }
  for (const [i, b] of used.entries()) {
    if (!isObj(b)) {
      problem(`builds[${i}]`, 'is not a mapping')
      return []
    }
    for (const key of Object.keys(b)) {
      if (!BUILD_KEYS.has(key))
        problem(`builds[${i}].${key}`, `is not a build key${suggest(key, [...BUILD_KEYS])}`)
    }
    for (const key of [
      'hooks',
      'overrides',
      'tool',
      'gobinary',
      'command',
      'builder',
      'buildmode'
    ]) {
      if (
        b[key] !== undefined &&
        !(key === 'builder' && b[key] === 'go') &&
        !(key === 'buildmode' && b[key] === '')
      ) {
        problem(`builds[${i}].${key}`, 'is not supported yet')
      }
    }
  }

  // Each build's binary, package and targets (the matrix or `targets`, minus `ignore`).
  const made: BuildOut[] = []
  const binaries: { name: string; pkg: string; targets: Set<string>; at: string }[] = []
  const all: string[] = []
  for (const [i, b] of used.entries()) {
    const build = b as Obj
    const at = `builds[${i}]`
    const dir = str(build.dir) || '.'
    let main = str(build.main) || '.'
    if (main.endsWith('.go'))
      main = main.includes('/') ? main.slice(0, main.lastIndexOf('/')) || '.' : '.'
    const joined = joinPath(dir, main)
    const pkg = joined === '.' ? '.' : `./${joined}`
    const name = str(build.binary) || projectName
    if (name.includes('{{'))
      problem(`${at}.binary`, `"${name}": templated binary names are not supported yet`)
    const targets = targetsOf(build, at, problem)
    for (const t of targets) if (!all.includes(t)) all.push(t)
    made.push({ id: str(build.id) || projectName, binary: name, targets })
    const same = binaries.find(x => x.name === name)
    if (!same) binaries.push({ name, pkg, targets: new Set(targets), at })
    else if (same.pkg !== pkg)
      problem(
        `${at}.main`,
        `builds ${same.at} and ${at} both make "${name}" from different packages (${same.pkg}, ${pkg})`
      )
    else for (const t of targets) same.targets.add(t)
  }
  const ids = made.map(b => b.id)
  ids.forEach((id, i) => {
    if (ids.indexOf(id) !== i) problem(`builds[${i}].id`, `"${id}" is the id of another build`)
  })
  // A binary built for fewer targets than the release has: binary-targets lists its targets.
  const fewer: string[] = []
  for (const b of binaries) {
    if (all.every(t => b.targets.has(t))) continue
    if (b.targets.has('first-class'))
      problem(`${b.at}.targets`, 'go_first_class for some binaries only is not supported yet')
    fewer.push(`${b.name}: ${[...b.targets].join(', ')}`)
  }
  if (fewer.length > 0) set('binary-targets', fewer.join('\n'), 'builds[].goos/goarch/…')
  out.targetsFromConfig = true
  set(
    'targets',
    all.join('\n'),
    used.length > 1 ? 'builds[].goos/goarch/…' : 'builds[0].goos/goarch/…'
  )
  set('package', binaries.map(b => b.pkg).join('\n'), 'builds[].main')
  if (binaries.every(b => b.name))
    set('binary-name', binaries.map(b => b.name).join('\n'), 'builds[].binary')

  // Compiler settings: the first build's are the top-level inputs; another build's that differ
  // become a build-overrides entry for its binary (and its targets, when the binary has several
  // builds).
  const settings = used.map(b => buildSettingsOf(b as Obj))
  const base = settings[0]!
  set('trimpath', String(base.trimpath), 'builds[0].flags')
  if (base.flags.length > 0) {
    try {
      set('flags', joinQuoted(base.flags), 'builds[0].flags')
    } catch (error) {
      problem('builds[0].flags', (error as Error).message)
    }
  }
  if (base.tags.length > 0) set('tags', base.tags.join(','), 'builds[0].tags')
  set(
    'ldflags',
    base.ldflags,
    first.ldflags === undefined ? '(GoReleaser default ldflags)' : 'builds[0].ldflags'
  )
  const overrides: Record<string, unknown>[] = []
  settings.forEach((s, i) => {
    const b = made[i]!
    const differs = (['ldflags', 'flags', 'tags', 'trimpath'] as const).filter(
      k => JSON.stringify(s[k]) !== JSON.stringify(base[k])
    )
    // Two builds of one binary for one target can only be one build.
    made.forEach((other, j) => {
      if (j >= i || other.binary !== b.binary) return
      const both = b.targets.filter(t => other.targets.includes(t))
      if (both.length > 0 && JSON.stringify(settings[j]) !== JSON.stringify(s))
        problem(
          `builds[${i}]`,
          `builds[${j}] and builds[${i}] both make "${b.binary}" for ${both.join(', ')} with different settings; one binary per target is built`
        )
    })
    if (i === 0 || differs.length === 0) return
    const entry: Record<string, unknown> = { binaries: [b.binary] }
    if (made.some((other, j) => j !== i && other.binary === b.binary)) {
      if (b.targets.includes('first-class'))
        problem(
          `builds[${i}].targets`,
          'go_first_class in one of several builds of a binary is not supported yet'
        )
      entry.targets = b.targets
    }
    for (const k of differs) entry[k] = s[k]
    overrides.push(entry)
  })
  if (overrides.length > 0)
    set('build-overrides', stringify(overrides), 'builds[].ldflags/flags/tags')

  readBuildEnv(env, used as Obj[], made, out, set, problem)
  for (const [i, b] of used.entries())
    if ((b as Obj).mod_timestamp !== undefined)
      checkModTimestamp((b as Obj).mod_timestamp, `builds[${i}].mod_timestamp`, out, { file: '' })
  return made
}

/** One build's compiler settings as the action's inputs take them. */
function buildSettingsOf(build: Obj): {
  ldflags: string
  flags: string[]
  tags: string[]
  trimpath: boolean
} {
  const flags = list(build.flags)
    .map(String)
    .filter(f => f.trim() !== '')
  const tags = [...list(build.tags).map(String)]
  const passed: string[] = []
  let trimpath = false
  for (const f of flags.flatMap(f => f.trim().split(/\s+/))) {
    if (f === '-trimpath') trimpath = true
    else if (f.startsWith('-tags=')) tags.push(...f.slice(6).split(','))
    else passed.push(f)
  }
  for (const [key, flag] of [
    ['gcflags', '-gcflags'],
    ['asmflags', '-asmflags']
  ] as const) {
    const values = list(build[key]).map(String).filter(Boolean)
    if (values.length > 0) passed.push(`${flag}=${values.join(' ')}`)
  }
  const ldflags =
    build.ldflags === undefined
      ? GORELEASER_DEFAULT_LDFLAGS
      : list(build.ldflags)
          .map(String)
          .filter(l => l.trim() !== '')
          .join(' ')
  return { ldflags, flags: passed, tags: tags.filter(Boolean), trimpath }
}

/**
 * The builds' env: the top level's, then each build's. When the builds agree it is the env input
 * as written; otherwise each build's own lines are scoped to its targets, which needs every build
 * of a target to agree (env is per target, not per binary). CGO_ENABLED becomes the cgo input.
 */
function readBuildEnv(
  env: string[],
  builds: Obj[],
  made: BuildOut[],
  out: ConfigReading,
  set: (name: InputName, value: string, at: string) => void,
  problem: (at: string, why: string) => void
): void {
  const own = builds.map((b, i) => envList(b.env, `builds[${i}].env`, problem))
  const same = own.every(e => JSON.stringify(e) === JSON.stringify(own[0]))
  const cgoOf = (lines: string[]): string | undefined => {
    let value: string | undefined
    for (const line of lines)
      if (line.startsWith('CGO_ENABLED=')) value = line.slice('CGO_ENABLED='.length)
    return value
  }
  const rest: string[] = []
  const keep = (line: string, at: string, scope?: string): void => {
    const eq = line.indexOf('=')
    const name = line.slice(0, eq)
    if (name === 'CGO_ENABLED') return
    if (line.slice(eq + 1).includes('{{'))
      problem(at, `${name}: templated values are not supported yet`)
    else rest.push(scope ? `${scope}: ${line}` : line)
  }
  for (const line of env) keep(line, 'env')
  if (same) for (const line of own[0] ?? []) keep(line, 'builds[0].env')
  else {
    // Every build of a target must see the same env.
    const byTarget = new Map<string, number>()
    made.forEach((b, i) => {
      for (const t of b.targets) {
        const j = byTarget.get(t)
        if (j === undefined) byTarget.set(t, i)
        else if (JSON.stringify(own[j]) !== JSON.stringify(own[i]))
          problem(
            `builds[${i}].env`,
            `differs from builds[${j}].env on ${t}; env applies to every binary of a target, so builds of one target must agree`
          )
      }
      const before = rest.length
      for (const t of b.targets)
        for (const line of own[i] ?? []) {
          if (t === 'first-class') {
            problem(
              `builds[${i}].env`,
              'scoping env to go_first_class targets is not supported yet'
            )
            break
          }
          keep(line, `builds[${i}].env`, t)
        }
      // Two builds of one target add the same lines once.
      const added = rest.splice(before)
      for (const line of added) if (!rest.includes(line)) rest.push(line)
    })
  }
  // CGO_ENABLED: the top level's, then each build's; unset and 0 both build without cgo.
  const cgoValues = own.map(lines => cgoOf([...env, ...lines]))
  const on = cgoValues.map(v => v === '1')
  if (on.some(Boolean) && !on.every(Boolean))
    problem(
      'builds[].env',
      `CGO_ENABLED=1 in some builds only (${cgoValues.map((v, i) => `builds[${i}]: ${v ?? 'unset'}`).join(', ')}); cgo per build is not supported yet`
    )
  const cgo = on.every(Boolean)
    ? 'true'
    : cgoValues.every(v => v === undefined)
      ? undefined
      : 'false'
  set('cgo', cgo ?? 'false', cgo === undefined ? '(no CGO_ENABLED)' : 'env CGO_ENABLED')
  if (cgo === undefined)
    out.warnings.push(
      'builds: no CGO_ENABLED in env: built without cgo; GoReleaser leaves it to Go, which uses cgo for the host target when a C compiler is installed (set CGO_ENABLED=0 to make that explicit)'
    )
  if (rest.length > 0) set('env', rest.join('\n'), 'env')
}

/** The targets of a build, as `goos/goarch[/variant]` lines. */
function targetsOf(build: Obj, at: string, problem: (at: string, why: string) => void): string[] {
  if (build.targets !== undefined) {
    return list(build.targets).flatMap(t => {
      const s = String(t)
      if (s === 'go_first_class' || s === 'go_118_first_class') return ['first-class']
      const [goos, goarch, ...variant] = s.split('_')
      if (!goos || !goarch) {
        problem(`${at}.targets`, `"${s}" is not goos_goarch[_variant]`)
        return []
      }
      const v = variant.join('_')
      return [explicit(goos, goarch, v)]
    })
  }
  const goos = list(build.goos ?? ['linux', 'darwin', 'windows']).map(String)
  const goarch = list(build.goarch ?? ['amd64', 'arm64', '386']).map(String)
  const ignore = list(build.ignore).filter(isObj)
  const targets: string[] = []
  for (const os of goos) {
    for (const arch of goarch) {
      const key = VARIANT_KEY[arch]
      const variants =
        key && build[key] !== undefined
          ? list(build[key]).map(String)
          : [DEFAULT_VARIANT[arch] ?? '']
      for (const variant of variants) {
        // An ignore entry matches when every key it sets equals the target's value; a target
        // has no value ('') for the variant keys of other architectures (goarm on amd64).
        const valueOf = (k: string): string =>
          k === 'goos' ? os : k === 'goarch' ? arch : k === key ? variant : ''
        const ignored = ignore.some(ig =>
          Object.entries(ig).every(([k, v]) => String(v) === valueOf(k))
        )
        if (!ignored) targets.push(explicit(os, arch, variant))
      }
    }
  }
  return targets
}

/** A target line; the variant only where it is not Go's own default (so ids stay short). */
function explicit(goos: string, goarch: string, variant: string): string {
  // GOARM: Go's default is 7, GoReleaser's 6; every other default is Go's own.
  if (!variant || (goarch !== 'arm' && variant === DEFAULT_VARIANT[goarch]))
    return `${goos}/${goarch}`
  return `${goos}/${goarch}/${variant}`
}

function readArchives(
  root: Obj,
  builds: readonly BuildOut[],
  out: ConfigReading,
  set: (name: InputName, value: string, at: string) => void,
  problem: (at: string, why: string) => void
): void {
  const archives = root.archives === undefined ? [{}] : list(root.archives)
  const allBinaries = unique(builds.map(b => b.binary))
  const allTargets = unique(builds.flatMap(b => b.targets))
  const read = archives.flatMap((a, i) => {
    const one = readArchive(a, `archives[${i}]`, builds, out, problem)
    return one ? [one] : []
  })
  if (read.length !== archives.length) return
  // One archive of every build, one format per target: the top-level inputs say it all.
  const only = read[0]
  if (
    only &&
    read.length === 1 &&
    only.binaries.length === allBinaries.length &&
    only.targets.length === allTargets.length &&
    only.formats.length === 1 &&
    !only.stripBinaryDirectory &&
    (only.files ?? []).every(f => typeof f === 'string') &&
    only.overrides.every(o => o.formats.length === 1 && o.formats[0] !== 'none')
  ) {
    const at = 'archives[0]'
    set('archive', only.formats[0]!, `${at}.formats`)
    if (only.overrides.length > 0)
      set(
        'archive-overrides',
        only.overrides.map(o => `${o.scope}: ${o.formats[0]!}`).join('\n'),
        `${at}.format_overrides`
      )
    set('name-template', only.name, only.nameFrom)
    if (only.directory) set('archive-directory', only.directory, `${at}.wrap_in_directory`)
    if (only.files) set('archive-files', only.files.join('\n'), `${at}.files`)
    return
  }
  // Several archives (GoReleaser's ids, per-OS sets, several formats): the archives input.
  const entries = read.map(r => ({
    ...(r.id && { id: r.id }),
    ...(r.binaries.length < allBinaries.length && { binaries: r.binaries }),
    ...(r.targets.length < allTargets.length && { targets: r.targets }),
    formats: r.formats,
    ...(r.overrides.length > 0 && {
      overrides: Object.fromEntries(r.overrides.map(o => [o.scope, o.formats]))
    }),
    name: r.name,
    ...(r.directory && { directory: r.directory }),
    ...(r.stripBinaryDirectory && { 'strip-binary-directory': true }),
    files: r.files ?? []
  }))
  set('archives', stringify(entries), 'archives')
}

/** One GoReleaser archive entry in the action's terms. */
interface ArchiveOut {
  id: string
  /** the binaries of the builds it takes (its ids), and their targets */
  binaries: string[]
  targets: string[]
  formats: string[]
  overrides: { scope: string; formats: string[] }[]
  name: string
  nameFrom: string
  directory: string
  /** strip_binary_directory, where a binary it holds has a sub-folder (bin/app) */
  stripBinaryDirectory: boolean
  /** file patterns and {src, dst, strip_parent, info} rules; undefined for formats without files (binary) */
  files?: (string | Obj)[]
}

function readArchive(
  a: unknown,
  at: string,
  builds: readonly BuildOut[],
  out: ConfigReading,
  problem: (at: string, why: string) => void
): ArchiveOut | undefined {
  if (!isObj(a)) {
    problem(at, 'is not a mapping')
    return undefined
  }
  for (const key of Object.keys(a)) {
    if (key === 'replacements' || key === 'rlcp')
      problem(`${at}.${key}`, REMOVED_V2[`archives[].${key}`]!)
    else if (!ARCHIVE_KEYS.has(key))
      problem(`${at}.${key}`, `is not an archive key${suggest(key, [...ARCHIVE_KEYS])}`)
  }
  if (a.format !== undefined)
    out.notes.push(`${at}.format: a GoReleaser v1 spelling; v2 writes formats: [ … ]`)
  if (a.builds !== undefined)
    out.notes.push(`${at}.builds: a GoReleaser v1 spelling; v2 writes ids: [ … ]`)
  // ids (v1: builds) choose the builds whose binaries it holds; none: every build.
  const idsKey = a.ids !== undefined ? 'ids' : 'builds'
  const ids = list(a.ids ?? a.builds).map(String)
  for (const id of ids)
    if (!builds.some(b => b.id === id))
      out.notes.push(`${at}.${idsKey}: "${id}" is the id of no build that is made; ignored`)
  const chosen = ids.length === 0 ? builds : builds.filter(b => ids.includes(b.id))
  if (chosen.length === 0) {
    problem(`${at}.${idsKey}`, `${ids.join(', ')}: matches no build, so the archive holds nothing`)
    return undefined
  }
  const formats = list(a.formats ?? a.format ?? ['tar.gz']).map(f => normalFormat(String(f)))
  for (const f of formats)
    if (!(PACK_FORMATS as readonly string[]).includes(f))
      problem(`${at}.formats`, `"${f}" is not made by this action (${PACK_FORMATS.join(', ')})`)
  const overrides: ArchiveOut['overrides'] = []
  list(a.format_overrides).forEach((o, k) => {
    const oat = `${at}.format_overrides[${k}]`
    if (!isObj(o)) return problem(oat, 'is not a mapping')
    if (o.format !== undefined)
      out.notes.push(`${oat}.format: a GoReleaser v1 spelling; v2 writes formats: [ … ]`)
    const f = list(o.formats ?? o.format).map(x => normalFormat(String(x)))
    for (const x of f)
      if (x !== 'none' && !(PACK_FORMATS as readonly string[]).includes(x))
        problem(`${oat}.formats`, `"${x}" is not made by this action (${PACK_FORMATS.join(', ')})`)
    overrides.push({ scope: `${str(o.goos)}/*`, formats: f.length > 0 ? f : ['none'] })
  })
  const usesBinary = formats.includes('binary')
  const name =
    a.name_template === undefined
      ? usesBinary
        ? GORELEASER_DEFAULT_BINARY_NAME
        : GORELEASER_DEFAULT_NAME
      : str(a.name_template)
  // true: a folder named like the archive; a string: that folder's name template.
  const wrap = a.wrap_in_directory
  const directory =
    wrap === true || wrap === 'true'
      ? name
      : typeof wrap === 'string' && wrap !== '' && wrap !== 'false'
        ? wrap
        : ''
  if (a.builds_info !== undefined) problem(`${at}.builds_info`, 'is not supported yet')
  if (a.meta === true) problem(`${at}.meta`, 'is not supported yet')
  let files: (string | Obj)[] | undefined
  if (
    formats.some(f => f !== 'binary') ||
    overrides.some(o => o.formats.some(f => f !== 'binary' && f !== 'none'))
  ) {
    const given = a.files === undefined ? GORELEASER_DEFAULT_FILES.split(' ') : list(a.files)
    files = []
    given.forEach((f, i) => {
      if (!isObj(f)) return files!.push(str(f))
      // {src, dst, strip_parent, info}: members are always 0/0 at the commit time; mode is kept.
      const info = isObj(f.info) ? f.info : {}
      const dropped = ['owner', 'group', 'mtime'].filter(k => info[k] !== undefined)
      if (dropped.length > 0)
        out.warnings.push(
          `${at}.files[${i}].info: ${dropped.join(', ')} not taken: archive members are owned by 0/0 and dated at the commit time`
        )
      const rule: Obj = Object.fromEntries(Object.entries(f).filter(([k]) => k !== 'info'))
      files!.push(info.mode === undefined ? rule : { ...rule, info: { mode: info.mode } })
    })
  }
  return {
    id: str(a.id),
    binaries: unique(chosen.map(b => b.binary)),
    targets: unique(chosen.flatMap(b => b.targets)),
    formats,
    overrides,
    name,
    nameFrom:
      a.name_template === undefined ? '(GoReleaser default name_template)' : `${at}.name_template`,
    directory,
    stripBinaryDirectory:
      (a.strip_binary_directory === true || a.strip_binary_directory === 'true') &&
      chosen.some(b => b.binary.includes('/')),
    files
  }
}

/** Each value once, first come first kept. */
function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)]
}

function readChecksum(
  root: Obj,
  set: (name: InputName, value: string, at: string) => void,
  problem: (at: string, why: string) => void
): void {
  const c = root.checksum === undefined ? {} : root.checksum
  if (!isObj(c)) {
    problem('checksum', 'is not a mapping')
    return
  }
  for (const key of Object.keys(c)) {
    if (!CHECKSUM_KEYS.has(key))
      problem(`checksum.${key}`, `is not a checksum key${suggest(key, [...CHECKSUM_KEYS])}`)
  }
  for (const key of ['extra_files', 'split', 'ids'])
    if (c[key] !== undefined) problem(`checksum.${key}`, 'is not supported yet')
  if (c.disable === true) problem('checksum.disable', 'the action always writes a checksums file')
  set(
    'checksums-name',
    c.name_template === undefined ? GORELEASER_DEFAULT_CHECKSUMS : str(c.name_template),
    'checksum.name_template'
  )
  if (c.algorithm !== undefined) set('checksum-algorithms', str(c.algorithm), 'checksum.algorithm')
}

function readSnapshot(
  root: Obj,
  out: ConfigReading,
  problem: (at: string, why: string) => void
): void {
  const s = root.snapshot
  if (s === undefined) return
  if (!isObj(s)) return problem('snapshot', 'is not a mapping')
  if (s.name_template !== undefined)
    out.notes.push('snapshot.name_template: a GoReleaser v1 spelling; v2 writes version_template')
  const template = s.version_template ?? s.name_template
  if (template !== undefined)
    out.warnings.push(
      `snapshot.version_template "${str(template)}" is not used: snapshot builds are versioned <next patch>-SNAPSHOT-<short commit>`
    )
}

/** Hooks that only fetch or check modules: the action downloads and verifies them itself. */
const MODULE_HOOKS = /^go mod (download|tidy|verify)$/

function readBefore(
  root: Obj,
  out: ConfigReading,
  set: (name: InputName, value: string, at: string) => void,
  problem: (at: string, why: string) => void
): void {
  const b = root.before
  if (b === undefined) return
  if (!isObj(b)) return problem('before', 'is not a mapping')
  const run: string[] = []
  list(b.hooks).forEach((hook, i) => {
    const at = `before.hooks[${i}]`
    const cmd = isObj(hook) ? str(hook.cmd) : str(hook)
    if (isObj(hook))
      for (const key of Object.keys(hook)) {
        if (key === 'dir' || key === 'env')
          problem(
            `${at}.${key}`,
            'is not supported yet: hooks run in the module root with the build’s environment'
          )
        else if (key !== 'cmd' && key !== 'output')
          problem(`${at}.${key}`, 'is not a hook key (cmd, dir, env, output)')
      }
    if (MODULE_HOOKS.test(cmd.trim().replace(/\s+/g, ' ')))
      out.notes.push(
        `${at}: "${cmd}" is not run: the action downloads the modules of the committed go.mod and go.sum itself`
      )
    else if (cmd.includes('\n'))
      problem(at, `"${cmd}": a command of several lines is not supported`)
    else if (cmd.trim()) run.push(cmd.trim())
  })
  if (run.length > 0) set('before-hooks', run.join('\n'), 'before.hooks')
}

function readRelease(
  root: Obj,
  out: ConfigReading,
  set: (name: InputName, value: string, at: string) => void,
  problem: (at: string, why: string) => void
): void {
  const r = root.release
  if (r === undefined) return
  if (!isObj(r)) return problem('release', 'is not a mapping')
  for (const key of Object.keys(r)) {
    if (!RELEASE_KEYS.has(key))
      problem(`release.${key}`, `is not a release key${suggest(key, [...RELEASE_KEYS])}`)
  }
  if (r.disable === true || r.disable === 'true') set('release', 'false', 'release.disable')
  if (r.draft !== undefined) set('draft', String(r.draft), 'release.draft')
  if (r.prerelease !== undefined) set('prerelease', String(r.prerelease), 'release.prerelease')
  if (r.make_latest !== undefined) set('make-latest', String(r.make_latest), 'release.make_latest')
  if (r.name_template !== undefined)
    set('release-name', str(r.name_template), 'release.name_template')
  for (const key of ['header', 'footer'] as const) {
    const value = r[key]
    if (value === undefined) continue
    if (typeof value === 'string') set(`release-${key}`, value, `release.${key}`)
    else
      problem(
        `release.${key}`,
        'from_file and from_url are not read yet: write the text (a template) in the config'
      )
  }
  const why: Readonly<Record<string, string>> = {
    github: "the release goes to this workflow's repository",
    gitlab: "the release goes to this workflow's GitHub repository",
    gitea: "the release goes to this workflow's GitHub repository",
    target_commitish: 'the release is of the commit that was built',
    tag: 'the release is of the tag of the ref (or the release-tag input)',
    mode: 'a release this run creates gets the notes; an existing one keeps its own',
    discussion_category_name: 'no discussion is started'
  }
  for (const [key, reason] of Object.entries(why))
    if (r[key] !== undefined) out.warnings.push(`release.${key}: not read: ${reason}`)
  // extra_files: plain globs become release-files; a renamed or templated one is not uploaded.
  const globs: string[] = []
  list(r.extra_files).forEach((f, i) => {
    const at = `release.extra_files[${i}]`
    const glob = isObj(f) ? str(f.glob) : ''
    if (!glob) problem(at, 'has no glob')
    else if (glob.includes('{{') || (isObj(f) && f.name_template !== undefined))
      out.warnings.push(
        `${at}: not read: templated globs and name_template are not taken, so ${glob} is not uploaded; attach it in a step after this one`
      )
    else globs.push(glob.replace(/^\.\//, ''))
  })
  if (globs.length > 0) set('release-files', globs.join('\n'), 'release.extra_files')
}

function checkModTimestamp(
  value: unknown,
  at: string,
  out: ConfigReading,
  _ctx: { file: string }
): void {
  const v = str(value).replace(/\s+/g, '')
  if (v !== '{{.CommitTimestamp}}')
    out.warnings.push(
      `${at}: "${str(value)}": binaries and archive members are always dated at the commit time`
    )
}

/** `env` as NAME=value lines (a list of strings in GoReleaser). */
function envList(value: unknown, at: string, problem: (at: string, why: string) => void): string[] {
  if (value === undefined) return []
  return list(value).flatMap((e, i) => {
    const s = String(e)
    if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(s)) {
      problem(`${at}[${i}]`, `"${s}" is not NAME=value`)
      return []
    }
    return [s]
  })
}

/** tgz → tar.gz, txz → tar.xz; the rest as written. */
function normalFormat(f: string): string {
  return f === 'tgz' ? 'tar.gz' : f === 'txz' ? 'tar.xz' : f
}

/** Joins two relative paths, without `./` and trailing slashes. */
function joinPath(dir: string, main: string): string {
  const parts = `${dir}/${main}`.split('/').filter(p => p !== '' && p !== '.')
  return parts.length === 0 ? '.' : parts.join('/')
}

/** `owner/name` of a GitHub remote URL → name ('' when not one). */
export function repoNameOf(url: string): string {
  const m = /[/:]([^/:]+?)(?:\.git)?\/?$/.exec(url.trim())
  return m?.[1] ?? ''
}
