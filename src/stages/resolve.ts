import * as fs from 'node:fs'
import * as path from 'node:path'
import { baseEnv, settingFor, templateEnv } from '../build-env.js'
import { compilerCandidates, zigTriple } from '../cross-cc.js'
import {
  binariesFor,
  builtFor,
  isGoPlan,
  type BinarySpec,
  type CgoSetup,
  type Facts,
  type GoToolchain,
  type ReleaseStamp,
  type TargetPlan
} from '../facts.js'
import { checkGoflags, checkLdflags, splitQuoted } from '../go-flags.js'
import { INPUT, type Inputs } from '../inputs/index.js'
import type { Context, Stage } from '../context.js'
import {
  formatTarget,
  parseDistList,
  resolveTargets,
  type DistPort,
  type Target
} from '../targets.js'
import { renderTemplate } from '../template.js'
import { deriveStamp } from '../version.js'
import { findOnPath } from '../lib/which.js'
import { errorMessage } from '../lib/errors.js'
import { tail } from '../lib/format.js'
import { matchesTargetPattern } from '../lib/target-patterns.js'
import { displayPath, findReleaseExtras, findSetFiles } from '../archive-files.js'
import { hooksWillRun } from '../hooks.js'
import {
  archiveDirectoryOf,
  checksumsAndBundles,
  packagesOf,
  publishedNames,
  sbomNameFor,
  releaseValues,
  templateValues,
  type NamingBasis
} from '../naming.js'
import { isForeignDist } from '../dist.js'
import { buildSettingsFor, overrideProblems } from '../build-settings.js'
import { projectNameOf } from '../lib/project-name.js'
import { addUniversalPlan, UNIVERSAL_TARGET } from '../universal-plan.js'
import {
  plannedArchives,
  setArchived,
  type ArchiveSet,
  type PlannedArchive
} from '../archive-sets.js'

const SAFE_FILE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/

/**
 * Queries the toolchain and the repository and resolves targets, binaries and names, collecting
 * every problem of the inputs against them; the validating step that follows reports them.
 */
export const resolve: Stage = {
  name: 'resolving toolchain, version and targets',
  async run(ctx) {
    // Collected, not thrown: the validating step adds every stage's checks and fails once.
    const problems = ctx.inputProblems
    let { inputs } = ctx
    const env = baseEnv(ctx.ports.env, inputs.env)
    const go = await goToolchain(ctx, env)
    ctx.log.info(`go: ${go.version} (${go.hostOs}/${go.hostArch}), GOCACHE=${go.gocache}`)
    problems.push(...checkGoflags('GOFLAGS', go.goflags))
    if (inputs.env.some(s => s.name === 'CGO_ENABLED')) {
      problems.push(
        `${INPUT.env}: CGO_ENABLED is set by the cgo input (false, true or auto), not by env`
      )
    }

    if (inputs.goreleaser) {
      ctx.log.info(`goreleaser-config: read ${inputs.goreleaser.file}`)
      for (const note of inputs.goreleaser.notes) ctx.log.info(note)
      for (const warning of inputs.goreleaser.warnings) ctx.log.warning(warning)
    }
    const ports = await distList(ctx, env)
    const buildable = inputs.targetsFromConfig
      ? buildableTargets(ctx, inputs.targets, ports)
      : inputs.targets
    // The config's upx section names its targets; those dropped here are not packed either.
    if (inputs.goreleaser?.origins.upx) {
      const dropped = inputs.targets.filter(t => !buildable.includes(t))
      inputs = ctx.inputs = { ...inputs, upx: inputs.upx.filter(p => !dropped.includes(p)) }
    }
    const resolved = resolveTargets(buildable, ports, go.version)
    problems.push(...resolved.errors)
    const targets = resolved.targets

    const module = await readModule(ctx, env, problems)
    const stamp = await readStamp(ctx, env)
    ctx.log.info(
      `version ${stamp.version}${stamp.tag ? ` (tag ${stamp.tag})` : ''}, commit ${stamp.shortCommit || 'none'}, date ${stamp.date}`
    )
    const projectName =
      inputs.projectName ||
      (module ? projectNameOf(module.path) : path.basename(inputs.workingDirectory))
    const binaries = module ? await listBinaries(ctx, env, projectName, problems) : []
    // Every later stage reads the checksums file's rendered name.
    const checksumsName = renderChecksumsName(inputs, stamp, projectName, ctx.ports.env, problems)
    inputs = ctx.inputs = { ...inputs, checksumsName }

    const plans: TargetPlan[] = []
    const names = binaries.map(b => b.name)
    problems.push(...checkSetBinaries(inputs.archiveSets, names))
    // A matrix leg builds only some targets: whether an entry reaches a build is the plan's call.
    const wholeTargets = inputs.mode !== 'build' ? targets : undefined
    problems.push(
      ...overrideProblems(inputs.buildOverrides, names, wholeTargets, (name, target) =>
        binaries.some(b => b.name === name && builtFor(b, target))
      )
    )
    for (const target of targets) {
      const port = ports.find(p => p.goos === target.goos && p.goarch === target.goarch)
      const cgo = await cgoSetup(ctx, target, port, go, problems)
      const built = binariesFor(binaries, target)
      plans.push({ kind: 'go', target, cgo, archives: planArchives(inputs, target, built) })
    }
    warnStaticLink(ctx, plans)
    problems.push(...checkBinaryTargets(inputs, binaries, wholeTargets ?? targets))
    // darwin_all holds the binaries built for both of its slices.
    const universal = names.filter(n =>
      ['amd64', 'arm64'].every(arch =>
        plans.some(
          p =>
            p.target.goos === 'darwin' &&
            p.target.goarch === arch &&
            binariesFor(binaries, p.target).includes(n)
        )
      )
    )
    addUniversalPlan(inputs, plans, planArchives(inputs, UNIVERSAL_TARGET, universal), problems)
    warnUnpublished(ctx, plans)
    const naming: NamingBasis = { inputs, env: ctx.ports.env, stamp, projectName, binaries }
    checkNames(inputs, naming, plans, problems)
    checkRenderedLdflags(inputs, naming, plans, problems)
    const {
      names: releaseFiles,
      targets: releaseTargets,
      plans: releasePlans
    } = plannedFiles(inputs, naming, ports, go.version, plans, problems)
    // Extra files go into the archives of their set; bare binaries have none.
    // After before-hooks, which may write them, when there are hooks to run.
    const archiveFiles = hooksWillRun(inputs)
      ? inputs.archiveSets.map(() => [])
      : findSetFiles(inputs, setArchived(plans), problems)
    const releaseExtras = hooksWillRun(inputs)
      ? []
      : findReleaseExtras(inputs, releaseFiles, problems)
    if (isForeignDist(inputs.dist)) {
      problems.push(
        `${INPUT.dist}: ${displayPath(inputs, inputs.dist)} already holds files this action did not write; remove it or choose another folder`
      )
    }

    ctx.facts = {
      go,
      modulePath: module?.path ?? '',
      projectName,
      vendored: module?.vendored ?? false,
      stamp,
      binaries,
      plans,
      wholeRelease: inputs.mode !== 'build',
      releaseFiles,
      releaseTargets,
      releasePlans,
      archiveFiles,
      releaseExtras
    } satisfies Facts
    ctx.log.info(
      `targets (${plans.length}): ${plans.map(p => p.target.id + (p.kind === 'universal' ? ` [${p.slices.map(t => t.id).join(' + ')}]` : p.cgo.enabled ? ' [cgo]' : '')).join(', ')}`
    )
    ctx.log.info(`binaries: ${binaries.map(b => `${b.name} (${b.pkg})`).join(', ')}`)
  }
}

/**
 * Targets from a GoReleaser config that this Go cannot build (not in `go tool dist list`, such as
 * darwin/386 in GoReleaser's default matrix) are dropped with one warning, as GoReleaser drops
 * them; written in the workflow they would fail the run.
 */
function buildableTargets(ctx: Context, specs: string[], ports: DistPort[]): string[] {
  const known = new Set(ports.map(p => `${p.goos}/${p.goarch}`))
  const dropped: string[] = []
  const kept = specs.filter(spec => {
    const [goos, goarch] = spec.split('/')
    // Presets and wildcards expand against the list itself.
    if (!goarch || spec.includes('*') || known.has(`${goos}/${goarch}`)) return true
    dropped.push(spec)
    return false
  })
  if (dropped.length > 0)
    ctx.log.warning(
      `goreleaser-config: not built, as GoReleaser skips them (not in go tool dist list): ${dropped.join(', ')}`
    )
  return kept
}

async function goToolchain(ctx: Context, env: Record<string, string>): Promise<GoToolchain> {
  const names = [
    'GOVERSION',
    'GOROOT',
    'GOCACHE',
    'GOMODCACHE',
    'GOHOSTOS',
    'GOHOSTARCH',
    'GOFLAGS'
  ]
  const cwd = fs.existsSync(ctx.inputs.workingDirectory)
    ? ctx.inputs.workingDirectory
    : ctx.inputs.workspace
  const out = await ctx.ports.process.run('go', ['env', '-json', ...names], { cwd, env })
  if (out.code !== 0) throw new Error(`go env failed (exit ${out.code}): ${tail(out.stderr)}`)
  const v = JSON.parse(out.stdout) as Record<string, string>
  return {
    version: v.GOVERSION ?? '',
    goroot: v.GOROOT ?? '',
    gocache: v.GOCACHE ?? '',
    gomodcache: v.GOMODCACHE ?? '',
    hostOs: v.GOHOSTOS ?? '',
    hostArch: v.GOHOSTARCH ?? '',
    goflags: v.GOFLAGS ?? ''
  }
}

async function distList(ctx: Context, env: Record<string, string>): Promise<DistPort[]> {
  const out = await ctx.ports.process.run('go', ['tool', 'dist', 'list', '-json'], {
    cwd: ctx.inputs.workspace,
    env
  })
  if (out.code !== 0)
    throw new Error(`go tool dist list failed (exit ${out.code}): ${tail(out.stderr)}`)
  return parseDistList(out.stdout)
}

async function readModule(
  ctx: Context,
  env: Record<string, string>,
  problems: string[]
): Promise<{ path: string; vendored: boolean } | undefined> {
  const dir = ctx.inputs.workingDirectory
  if (!fs.existsSync(path.join(dir, 'go.mod'))) {
    problems.push(
      `${INPUT.workingDirectory}: ${displayPath(ctx.inputs, dir)} has no go.mod; point it at the module root (or run go mod init there)`
    )
    return undefined
  }
  const out = await ctx.ports.process.run('go', ['list', '-m', '-f', '{{.Path}}'], {
    cwd: dir,
    env
  })
  if (out.code !== 0) {
    problems.push(
      `${INPUT.workingDirectory}: go list -m failed in ${displayPath(ctx.inputs, dir)}: ${tail(out.stderr, 500)}`
    )
    return undefined
  }
  const flags = [...ctx.inputs.flags, ...(env.GOFLAGS ?? '').split(/\s+/)]
  const modFlag = flags.filter(f => f.startsWith('-mod=')).pop()
  const vendored =
    modFlag === '-mod=vendor' ||
    (modFlag === undefined && fs.existsSync(path.join(dir, 'vendor', 'modules.txt')))
  return { path: out.stdout.trim().split('\n')[0] ?? '', vendored }
}

async function git(
  ctx: Context,
  env: Record<string, string>,
  args: string[]
): Promise<string | undefined> {
  try {
    const out = await ctx.ports.process.run('git', args, { cwd: ctx.inputs.workingDirectory, env })
    return out.code === 0 ? out.stdout.trim() : undefined
  } catch {
    return undefined // no git on PATH: a plain folder build
  }
}

async function readStamp(ctx: Context, env: Record<string, string>): Promise<ReleaseStamp> {
  const runnerEnv = ctx.ports.env
  const inRepo = (await git(ctx, env, ['rev-parse', '--is-inside-work-tree'])) === 'true'
  const commit =
    runnerEnv.GITHUB_SHA || (inRepo ? ((await git(ctx, env, ['rev-parse', 'HEAD'])) ?? '') : '')
  let epoch: number | undefined
  if (runnerEnv.SOURCE_DATE_EPOCH && /^\d+$/.test(runnerEnv.SOURCE_DATE_EPOCH)) {
    epoch = Number(runnerEnv.SOURCE_DATE_EPOCH)
  } else if (inRepo && commit) {
    const ct = await git(ctx, env, ['show', '-s', '--format=%ct', commit])
    if (ct && /^\d+$/.test(ct)) epoch = Number(ct)
  }
  if (epoch === undefined) {
    // No commit time to anchor on: a fixed date keeps archives reproducible (zip cannot go before 1980).
    epoch = Date.UTC(1980, 0, 1) / 1000
    ctx.log.notice('no git commit time and no SOURCE_DATE_EPOCH: file times are set to 1980-01-01')
  }
  const ref = runnerEnv.GITHUB_REF ?? ''
  const tagsAtCommit =
    !ref && inRepo && commit
      ? ((await git(ctx, env, ['tag', '--points-at', commit])) ?? '').split('\n').filter(Boolean)
      : []
  // The newest v* tag reachable from a revision ('' when none).
  const lastTag = async (rev: string): Promise<string> =>
    (await git(ctx, env, ['describe', '--tags', '--abbrev=0', '--match', 'v[0-9]*', rev])) ?? ''
  const previousTag = inRepo && commit ? await lastTag(commit) : ''
  // GoReleaser's {{.PreviousTag}} of a tagged release is the tag before it; {{.Summary}} is describe.
  const parentTag = inRepo && commit && previousTag ? await lastTag(`${commit}^`) : ''
  const summary =
    inRepo && commit
      ? ((await git(ctx, env, ['describe', '--tags', '--always', '--dirty'])) ?? '')
      : ''
  const status = inRepo ? await git(ctx, env, ['status', '--porcelain']) : ''
  return deriveStamp({
    explicit: ctx.inputs.version,
    ref,
    tagsAtCommit,
    previousTag,
    parentTag,
    summary,
    dirty: (status ?? '') !== '',
    commit,
    epoch
  })
}

async function listBinaries(
  ctx: Context,
  env: Record<string, string>,
  projectName: string,
  problems: string[]
): Promise<BinarySpec[]> {
  const { inputs } = ctx
  // -find skips dependency resolution, so this works before any module download.
  const format = '{{.Name}}\t{{.ImportPath}}\t{{.Dir}}\t{{if .Error}}{{.Error}}{{end}}'
  const found: { pattern: string; name: string; importPath: string; dir: string }[] = []
  for (const pattern of inputs.packages) {
    const out = await ctx.ports.process.run('go', ['list', '-e', '-find', '-f', format, pattern], {
      cwd: inputs.workingDirectory,
      env
    })
    if (out.code !== 0) {
      problems.push(`${INPUT.package}: "${pattern}": ${tail(out.stderr, 500)}`)
      continue
    }
    const lines = out.stdout.split('\n').filter(Boolean)
    const wildcard = pattern.includes('...')
    const mains = lines
      .map(l => l.split('\t'))
      .filter(([name, , , error]) => {
        if (error) problems.push(`${INPUT.package}: "${pattern}": ${error}`)
        else if (name !== 'main' && !wildcard)
          problems.push(
            `${INPUT.package}: "${pattern}" is not a main package (it is package ${name}); name a package with func main`
          )
        return !error && name === 'main'
      })
    if (mains.length === 0 && wildcard)
      problems.push(`${INPUT.package}: "${pattern}" matches no main package`)
    for (const [name, importPath, dir] of mains)
      found.push({ pattern, name: name!, importPath: importPath!, dir: dir! })
  }
  if (inputs.binaryNames.length > 0 && inputs.binaryNames.length !== found.length) {
    problems.push(
      `${INPUT.binaryName}: ${inputs.binaryNames.length} names for ${found.length} main packages (${found.map(f => f.importPath).join(', ')}); give one name per package, in the same order`
    )
  }
  const binaries = found.map((f, i) => {
    const rel = path.relative(inputs.workingDirectory, f.dir)
    const pkg = rel === '' ? '.' : './' + rel.split(path.sep).join('/')
    const name = inputs.binaryNames[i] ?? (rel === '' ? projectName : projectNameOf(f.importPath))
    const only = inputs.binaryTargets.find(t => t.binary === name)
    return only ? { name, pkg, targets: only.targets } : { name, pkg }
  })
  for (const only of inputs.binaryTargets)
    if (!binaries.some(b => b.name === only.binary))
      problems.push(
        `${INPUT.binaryTargets}: "${only.binary}" is not a binary of this build (${binaries.map(b => b.name).join(', ')})`
      )
  const seen = new Set<string>()
  for (const b of binaries) {
    if (seen.has(b.name))
      problems.push(
        `${INPUT.binaryName}: two packages would both build a binary named "${b.name}"; set binary-name`
      )
    seen.add(b.name)
  }
  return binaries
}

/** cgo-link: static: what static glibc gives up, and the cgo targets it does not apply to. */
function warnStaticLink(ctx: Context, plans: readonly TargetPlan[]): void {
  if (ctx.inputs.cgoLink !== 'static') return
  const cgo = plans.filter(isGoPlan).filter(p => p.cgo.enabled)
  const glibc = cgo.filter(p => p.cgo.static === 'glibc').map(p => formatTarget(p.target))
  if (glibc.length > 0)
    ctx.log.warning(
      `${INPUT.cgoLink}: static links glibc into ${glibc.join(', ')} (no musl compiler for them): user and host name lookups (NSS) and dlopen then need the same glibc version at run time; give a musl cross compiler with ${INPUT.cc} to avoid it`
    )
  const other = cgo.filter(p => p.cgo.static === undefined).map(p => formatTarget(p.target))
  if (other.length > 0)
    ctx.log.warning(
      `${INPUT.cgoLink}: static applies to linux targets; ${other.join(', ')} link${other.length === 1 ? 's' : ''} as usual`
    )
}

async function cgoSetup(
  ctx: Context,
  target: Target,
  port: DistPort | undefined,
  go: GoToolchain,
  problems: string[]
): Promise<CgoSetup> {
  const { inputs } = ctx
  if (inputs.cgo === 'false') return { enabled: false }
  const label = formatTarget(target)
  if (port && !port.cgoSupported) {
    if (inputs.cgo === 'true')
      problems.push(
        `${INPUT.cgo}: ${label} does not support cgo in ${go.version}; build it without cgo or drop it from targets`
      )
    return { enabled: false }
  }
  // A plan or a fan-in builds nothing: the C compilers live on the legs' runners.
  if (inputs.mode === 'plan' || inputs.mode === 'publish') return { enabled: inputs.cgo === 'true' }
  const pathEnv = ctx.ports.env.PATH
  let cc =
    inputs.cc.find(e => matchesTargetPattern(e.scope, target))?.value ??
    settingFor(inputs.env, 'CC', target)
  let cxx = settingFor(inputs.env, 'CXX', target)
  const host = { goos: go.hostOs, goarch: go.hostArch }
  // cgo-link: static: musl where its compiler builds for this target (musl-tools gives musl-gcc
  // for the runner's own architecture), else the cc given, else glibc linked statically.
  let linkStatic: CgoSetup['static']
  if (inputs.cgoLink === 'static' && target.goos === 'linux') {
    if (cc !== undefined) linkStatic = 'given'
    else if (target.goarch === host.goarch && findOnPath('musl-gcc', pathEnv)) {
      cc = 'musl-gcc'
      // musl-tools has no C++ compiler: a C++ package fails to link, naming CXX.
      linkStatic = 'musl'
    } else linkStatic = 'glibc'
  }
  const candidates = compilerCandidates(target, host)
  if (cc !== undefined) {
    const program = splitQuoted(cc)[0] ?? ''
    if (!(path.isAbsolute(program) ? fs.existsSync(program) : findOnPath(program, pathEnv))) {
      problems.push(`${INPUT.cc}: the C compiler "${program}" for ${label} is not on PATH`)
      return { enabled: false }
    }
  } else {
    const found = candidates.find(c => findOnPath(c.cc, pathEnv))
    const triple = zigTriple(target)
    if (found) {
      cc = found.cc
      cxx ??= findOnPath(found.cxx, pathEnv) ? found.cxx : undefined
    } else if (triple && findOnPath('zig', pathEnv)) {
      cc = `zig cc -target ${triple}`
      cxx ??= `zig c++ -target ${triple}`
    }
  }
  if (cc === undefined) {
    if (inputs.cgo === 'auto') {
      ctx.log.info(`cgo off for ${label}: no C compiler found (cgo: auto)`)
      return { enabled: false }
    }
    const wanted = candidates[0]
    const hint = wanted ? `install ${wanted.debianPackage ?? wanted.cc} (${wanted.cc}), ` : ''
    problems.push(
      `${INPUT.cgo}: no C compiler for ${label}: ${hint}put zig on PATH, or set cc to "${label}: <compiler>"`
    )
    return { enabled: false }
  }
  const argv = splitQuoted(cc)
  let ccVersion: string | undefined
  try {
    const out = await ctx.ports.process.run(argv[0]!, [...argv.slice(1), '--version'], {
      env: baseEnv(ctx.ports.env, [])
    })
    ccVersion = out.stdout.split('\n')[0]?.trim() || undefined
  } catch (error) {
    problems.push(
      `${INPUT.cc}: the C compiler "${cc}" for ${label} could not be run: ${errorMessage(error)}`
    )
  }
  return { enabled: true, cc, cxx, ccVersion, ...(linkStatic ? { static: linkStatic } : {}) }
}

/** What a target publishes from the archive sets, given the binaries every target builds. */
function planArchives(
  inputs: Inputs,
  target: Target,
  binaries: readonly string[]
): PlannedArchive[] {
  return plannedArchives(inputs.archiveSets, target, binaries)
}

/**
 * binary-targets: a binary listed must be built for some target, and (in the whole release) every
 * target must build some binary.
 */
function checkBinaryTargets(
  inputs: Inputs,
  binaries: readonly BinarySpec[],
  targets: readonly Target[]
): string[] {
  if (inputs.binaryTargets.length === 0) return []
  const problems: string[] = []
  for (const b of binaries)
    if (b.targets && !targets.some(t => builtFor(b, t)) && inputs.mode !== 'build')
      problems.push(
        `${INPUT.binaryTargets}: "${b.name}" is built for none of the targets (${b.targets.join(', ')} match none of ${targets.map(formatTarget).join(', ')})`
      )
  const empty = targets.filter(t => binariesFor(binaries, t).length === 0)
  if (empty.length > 0)
    problems.push(
      `${INPUT.binaryTargets}: no binary is built for ${empty.map(formatTarget).join(', ')}; drop ${empty.length === 1 ? 'it' : 'them'} from the targets or list a binary for ${empty.length === 1 ? 'it' : 'them'}`
    )
  return problems
}

/** Each archive set's binaries must be binaries of this build. */
function checkSetBinaries(sets: readonly ArchiveSet[], binaries: readonly string[]): string[] {
  return sets.flatMap(set =>
    set.binaries
      .filter(b => !binaries.includes(b))
      .map(
        b => `${set.from.binaries}: "${b}" is not a binary of this build (${binaries.join(', ')})`
      )
  )
}

/** Targets built but published by no archive set (their sets leave them out or say none). */
function warnUnpublished(ctx: Context, plans: readonly TargetPlan[]): void {
  const bare = plans.filter(p => p.archives.length === 0 && !(p.kind === 'go' && p.sliceOnly))
  if (bare.length > 0)
    ctx.log.warning(
      `built but published by no archive set: ${bare.map(p => formatTarget(p.target)).join(', ')}`
    )
}

/**
 * Renders every archive set's name template for every target (and binary, for bare binaries) and
 * its directory, and checks the names are safe and unique.
 */
function checkNames(
  inputs: Inputs,
  naming: NamingBasis,
  plans: TargetPlan[],
  problems: string[]
): void {
  const owner = new Map<string, string>()
  const claim = (name: string, by: string, input: string): void => {
    if (!SAFE_FILE_NAME.test(name)) {
      problems.push(
        `${input}: "${name}" (for ${by}) is not a safe asset name: use letters, digits, ".", "_" and "-" (GitHub renames anything else)`
      )
    }
    const previous = owner.get(name)
    if (previous)
      problems.push(
        `${input}: ${previous} and ${by} would both be named "${name}"; add {{.Os}}, {{.Arch}}, {{.Variant}} or {{.Binary}}`
      )
    owner.set(name, by)
  }
  for (const { name, kind } of checksumsAndBundles(inputs)) {
    owner.set(name, kind === 'checksums' ? 'the checksums file' : 'the checksums signature')
  }
  const several = inputs.archiveSets.length > 1
  for (const plan of plans) {
    for (const archive of plan.archives) {
      const set = inputs.archiveSets[archive.set]!
      const label = formatTarget(plan.target) + (several ? ` in ${set.label}` : '')
      try {
        for (const { name, binary } of publishedNames(
          naming,
          { ...plan, archives: [archive] },
          false
        ))
          claim(name, binary ? `${label} ${binary}` : label, set.from.name)
      } catch (error) {
        problems.push(`${set.from.name}: ${errorMessage(error)}`)
      }
      try {
        const directory = archiveDirectoryOf(naming, plan.target, archive)
        if (directory !== '' && !SAFE_FILE_NAME.test(directory))
          problems.push(
            `${set.from.directory}: "${directory}" (for ${label}) is not a safe folder name: use letters, digits, ".", "_" and "-"`
          )
      } catch (error) {
        problems.push(`${set.from.directory}: ${errorMessage(error)}`)
      }
    }
    if (plan.kind === 'go' && plan.sliceOnly) continue
    try {
      for (const p of packagesOf(naming, plan.target)) {
        const set = inputs.linuxPackages[p.planned.set]!
        const label = `${formatTarget(plan.target)} ${p.planned.format} in ${set.label}`
        claim(p.name, label, `${set.label}.file-name`)
        for (const format of inputs.sbom)
          claim(sbomNameFor(p.name, format), `${label} SBOM`, INPUT.sbom)
      }
    } catch (error) {
      problems.push(`${INPUT.linuxPackages}: ${errorMessage(error)}`)
    }
  }
}

/**
 * Every file the release must hold before it is published: this job's files, or with
 * `planned-targets` (a leg publishing without a fan-in job) the files of every leg of the plan,
 * named the way each leg names them. The leg's own targets must be part of the plan.
 */
function plannedFiles(
  inputs: Inputs,
  naming: NamingBasis,
  ports: DistPort[],
  goVersion: string,
  plans: TargetPlan[],
  problems: string[]
): { names: string[]; targets: Target[]; plans: TargetPlan[] } {
  let all = plans
  if (inputs.plannedTargets.length > 0) {
    const planned = resolveTargets(inputs.plannedTargets, ports, goVersion)
    problems.push(...planned.errors.map(e => e.replace(/^targets:/, `${INPUT.plannedTargets}:`)))
    const ids = new Set(planned.targets.map(t => t.id))
    const outside = plans.filter(p => !ids.has(p.target.id)).map(p => formatTarget(p.target))
    if (planned.errors.length === 0 && outside.length > 0) {
      problems.push(
        `${INPUT.plannedTargets}: this leg's ${outside.join(', ')} ${outside.length === 1 ? 'is' : 'are'} not in the plan; pass the plan job's targets output`
      )
    }
    // Naming needs no C toolchain: cgo does not change a file's name.
    const binaries = naming.binaries.map(b => b.name)
    all = planned.targets.map(target => ({
      kind: 'go' as const,
      target,
      cgo: { enabled: false },
      archives: planArchives(inputs, target, binaries)
    }))
    // The leg with both darwin slices adds darwin_all; a plan without both is the plan's error.
    addUniversalPlan(
      { ...inputs, mode: 'all' },
      all,
      planArchives(inputs, UNIVERSAL_TARGET, binaries),
      []
    )
  }
  const names: string[] = []
  for (const plan of all) {
    try {
      names.push(...publishedNames(naming, plan).map(n => n.name))
    } catch {
      // Reported by checkNames for this leg's targets; the others share the template.
    }
  }
  return { names, targets: all.map(p => p.target), plans: all }
}

/** The checksums-name template rendered for this release ('' with a problem when it cannot be). */
function renderChecksumsName(
  inputs: Inputs,
  stamp: ReleaseStamp,
  projectName: string,
  runnerEnv: Readonly<Record<string, string | undefined>>,
  problems: string[]
): string {
  const env = templateEnv(runnerEnv, inputs.env)
  try {
    const name = renderTemplate(inputs.checksumsName, releaseValues(stamp, projectName, env))
    if (!SAFE_FILE_NAME.test(name)) {
      problems.push(
        `${INPUT.checksumsName}: "${name}" is not a safe asset name: use letters, digits, ".", "_" and "-" (GitHub renames anything else)`
      )
    }
    return name
  } catch (error) {
    problems.push(`${INPUT.checksumsName}: ${errorMessage(error)}`)
    return inputs.checksumsName
  }
}

function checkRenderedLdflags(
  inputs: Inputs,
  naming: NamingBasis,
  plans: TargetPlan[],
  problems: string[]
): void {
  for (const plan of plans.filter(isGoPlan)) {
    for (const b of naming.binaries.filter(x => builtFor(x, plan.target))) {
      const { ldflags, ldflagsFrom } = buildSettingsFor(inputs, b.name, plan.target)
      try {
        const rendered = renderTemplate(
          ldflags,
          templateValues(
            naming.stamp,
            plan.target,
            b.name,
            naming.projectName,
            templateEnv(naming.env, inputs.env, plan.target)
          )
        )
        problems.push(...checkLdflags(ldflagsFrom, rendered))
      } catch (error) {
        problems.push(`${ldflagsFrom}: ${errorMessage(error)}`)
      }
    }
  }
}
