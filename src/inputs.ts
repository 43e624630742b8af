import * as core from '@actions/core'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import type { ChecksumAlgorithm } from './checksums.js'
import {
  checkBuildFlags,
  parseEnvInput,
  parseTargetMap,
  splitQuoted,
  type EnvSetting
} from './go-flags.js'
import { DEFAULT_TARGETS, splitList } from './targets.js'
import { checkTemplate, type TemplateField } from './template.js'
import { checkUpxArgs } from './upx.js'
import { checkCosignKey } from './cosign.js'
import { parseSize } from './lib/format.js'
import { SBOM_FORMATS, type SbomFormat } from './sbom.js'

/** Input names as action.yml spells them; the CLI takes the same names as --options. */
export const INPUT = {
  targets: 'targets',
  workingDirectory: 'working-directory',
  package: 'package',
  binaryName: 'binary-name',
  version: 'version',
  ldflags: 'ldflags',
  flags: 'flags',
  tags: 'tags',
  trimpath: 'trimpath',
  buildvcs: 'buildvcs',
  env: 'env',
  cgo: 'cgo',
  cc: 'cc',
  parallelism: 'parallelism',
  archive: 'archive',
  archiveFiles: 'archive-files',
  nameTemplate: 'name-template',
  checksumAlgorithms: 'checksum-algorithms',
  checksumsName: 'checksums-name',
  dist: 'dist',
  cache: 'cache',
  cacheSave: 'cache-save',
  cacheKeySuffix: 'cache-key-suffix',
  verifyModules: 'verify-modules',
  uploadArtifacts: 'upload-artifacts',
  artifactName: 'artifact-name',
  retentionDays: 'retention-days',
  release: 'release',
  releaseTag: 'release-tag',
  releaseName: 'release-name',
  draft: 'draft',
  prerelease: 'prerelease',
  makeLatest: 'make-latest',
  releaseNotes: 'release-notes',
  overwrite: 'overwrite',
  githubToken: 'github-token',
  mode: 'mode',
  legs: 'legs',
  targetsPerLeg: 'targets-per-leg',
  splitBy: 'split-by',
  shard: 'shard',
  plannedTargets: 'planned-targets',
  universalBinaries: 'universal-binaries',
  upx: 'upx',
  upxArgs: 'upx-args',
  sbom: 'sbom',
  smokeTest: 'smoke-test',
  smokeTestExpect: 'smoke-test-expect',
  maxBinarySize: 'max-binary-size',
  cosignKey: 'cosign-key',
  cosignPassword: 'cosign-password',
  cosignTlog: 'cosign-tlog',
  attest: 'attest'
} as const

/** An input's name as action.yml spells it. */
export type InputName = (typeof INPUT)[keyof typeof INPUT]

/** Reads one raw input value ('' when not given). */
export type InputSource = (name: InputName) => string

/** Archive formats the user can ask for; `auto` is zip for windows and tar.gz elsewhere. */
export const ARCHIVE_CHOICES = ['auto', 'tar.gz', 'tar.xz', 'zip', 'binary'] as const

/** Defaults that are not derived from the run. */
export const DEFAULTS = {
  ldflags: '-s -w -X main.version={{.Version}}',
  nameTemplate: '{{.Binary}}_{{.Version}}_{{.Os}}_{{.Arch}}{{.Variant}}',
  checksumsName: 'checksums.txt',
  dist: 'dist',
  archiveFiles: ['LICENSE*', 'README*']
} as const

/** Every template field; name templates and ldflags may use all of them. */
export const TEMPLATE_FIELDS: readonly TemplateField[] = [
  'Version',
  'Tag',
  'Commit',
  'ShortCommit',
  'Date',
  'Os',
  'Arch',
  'Variant',
  'Target',
  'Binary',
  'ProjectName'
]

/** The validated, typed inputs of a run. */
export interface Inputs {
  /** target specs as given (expanded and validated against the toolchain by the resolve stage) */
  targets: string[]
  /** folder all user paths must stay inside (GITHUB_WORKSPACE, or the CLI's current folder) */
  workspace: string
  /** absolute module root */
  workingDirectory: string
  /** main packages, relative to the module root or import paths */
  packages: string[]
  /** binary names, one per package; empty to derive them from the package paths */
  binaryNames: string[]
  /** explicit version; '' to derive it from the tag or commit */
  version: string
  /** -ldflags template */
  ldflags: string
  /** extra go build flags, one argv element each */
  flags: string[]
  tags: string[]
  trimpath: boolean
  buildvcs: 'auto' | 'true' | 'false'
  /** extra build environment, optionally per target */
  env: EnvSetting[]
  cgo: 'false' | 'true' | 'auto'
  /** C compiler per target pattern */
  cc: { scope: string; value: string }[]
  parallelism: number
  archive: (typeof ARCHIVE_CHOICES)[number]
  /** extra files for archives (patterns relative to the module root) */
  archiveFiles: string[]
  /** true when archiveFiles is the default list, whose patterns may match nothing */
  archiveFilesDefault: boolean
  nameTemplate: string
  checksumAlgorithms: ChecksumAlgorithm[]
  checksumsName: string
  /** absolute output folder */
  dist: string
  /** restore and save the Go build and module caches */
  cache: boolean
  /** when the post step may save: auto (trusted default-branch runs), always, never */
  cacheSave: 'auto' | 'always' | 'never'
  /** appended to every cache key prefix, to separate caches by hand */
  cacheKeySuffix: string
  /** run go mod verify after restoring the module cache */
  verifyModules: boolean
  /** upload the archives and checksums as one workflow artifact */
  uploadArtifacts: boolean
  /** workflow artifact name; '' to derive it from the project and targets (resolve stage) */
  artifactName: string
  /** artifact retention in days; undefined for the repository's setting */
  retentionDays: number | undefined
  /** publish to a GitHub release: auto = when the ref is a tag */
  release: 'auto' | 'true' | 'false'
  /** release tag; '' for the ref's tag */
  releaseTag: string
  /** title of a release this run creates; '' for the tag */
  releaseName: string
  /** leave the release a draft */
  draft: boolean
  prerelease: 'auto' | 'true' | 'false'
  makeLatest: 'true' | 'false' | 'legacy'
  /** generated notes, none, or an absolute path of a notes file */
  releaseNotes: { kind: 'generate' } | { kind: 'none' } | { kind: 'file'; path: string }
  /** what to do with an existing asset of the same name */
  overwrite: 'replace' | 'skip' | 'fail'
  /** token for the release API ('' when none was given) */
  githubToken: string
  /** all: one job does everything; plan: split the targets into matrix legs; build: one leg; publish: the fan-in */
  mode: 'all' | 'plan' | 'build' | 'publish'
  /** plan: number of legs (0 when not given) */
  legs: number
  /** plan: targets per leg (0 when not given) */
  targetsPerLeg: number
  /** plan: one leg per GOOS instead of by count */
  splitBy: '' | 'goos'
  /** build: this leg's shard from the plan's matrix (`2-of-3`, `1-of-2-darwin`); '' for none */
  shard: string
  /**
   * build: every target of the plan (its `targets` output), so a leg that publishes knows when
   * all legs' files are on the release; [] when not given
   */
  plannedTargets: string[]
  /**
   * make one fat Mach-O (`darwin_all`) of the darwin/amd64 and darwin/arm64 binaries: true keeps
   * the thin archives too (GoReleaser's `replace: false`), replace publishes only darwin_all
   */
  universalBinaries: 'false' | 'true' | 'replace'
  /** target patterns whose binaries UPX compresses (`*\/*` for true); [] for none */
  upx: string[]
  /** extra upx options, one argv element each */
  upxArgs: string[]
  /** SBOM formats to write for every published file; [] for none (`false`) */
  sbom: SbomFormat[]
  /** arguments to run every binary with after the build (`--version`); [] for no smoke test */
  smokeTest: string[]
  /** template of text the smoke run's stdout+stderr must contain; '' for none */
  smokeTestExpect: string
  /** largest allowed binary in bytes; undefined for no limit */
  maxBinarySize: number | undefined
  /** contents of a `cosign generate-key-pair` private key (a secret); '' for no signing */
  cosignKey: string
  /** the key's password (a secret; cosign reads it from COSIGN_PASSWORD) */
  cosignPassword: string
  /** upload signatures to the Rekor transparency log (cosign's default) */
  cosignTlog: boolean
  /** make a GitHub build-provenance attestation of every file in this job's checksums */
  attest: boolean
}

/** Where inputs are read: the workspace root and the machine's core count. */
export interface InputContext {
  workspace: string
  cpus?: number
}

const SAFE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/
/** A matrix leg's shard as the plan names it: `<index>-of-<count>[-<goos>]`. */
export const SHARD = /^([1-9][0-9]{0,2})-of-([1-9][0-9]{0,2})(?:-([a-z0-9]+))?$/
/** Characters the artifact service refuses in names (github-runtime.md). */
const ARTIFACT_NAME_FORBIDDEN = /[":<>|*?\r\n\\/]/
/** A target pattern as the per-target inputs take it: goos/goarch[/variant], `*` for a whole part. */
const TARGET_PATTERN = /^(\*|[a-z0-9]+)\/(\*|[a-z0-9]+)(\/[A-Za-z0-9.,]+)?$/
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.]*$/
const VERSION = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/

/**
 * Parses every input, collecting every problem instead of stopping at the first, so one failure
 * lists them all. Checks that need the toolchain happen in the resolve stage.
 */
export function parseInputs(
  get: InputSource,
  context: InputContext
): { inputs: Inputs; problems: string[] } {
  const problems: string[] = []
  const workspace = realpathOr(path.resolve(context.workspace))

  // Not given means the default set; given but empty (only commas or comments) is an error later.
  const targetsRaw = get(INPUT.targets)
  const targets = targetsRaw.trim() === '' ? [...DEFAULT_TARGETS] : splitList(targetsRaw)
  const workingDirectory = insideWorkspace(
    INPUT.workingDirectory,
    get(INPUT.workingDirectory) || '.',
    workspace,
    workspace,
    problems
  )

  const packages = splitList(get(INPUT.package))
  for (const p of packages) {
    // A leading dash would reach go as a flag: a package path is data, never an option.
    if (p.startsWith('-'))
      problems.push(`${INPUT.package}: "${p}" is not a package path (it starts with "-")`)
  }
  const binaryNames = splitList(get(INPUT.binaryName))
  for (const name of binaryNames) {
    if (!SAFE_NAME.test(name)) {
      problems.push(
        `${INPUT.binaryName}: "${name}" is not allowed: use letters, digits, ".", "_" and "-", not starting with "." or "-"`
      )
    }
  }
  const packageCount = Math.max(packages.length, 1)
  if (binaryNames.length > 0 && binaryNames.length !== packageCount) {
    problems.push(
      `${INPUT.binaryName}: ${binaryNames.length} names for ${packageCount} packages; give one name per package, in the same order`
    )
  }

  const version = get(INPUT.version).trim()
  if (version && !VERSION.test(version)) {
    problems.push(
      `${INPUT.version}: "${version}" is not allowed: use letters, digits, ".", "_", "+" and "-", starting with a letter or digit`
    )
  }

  const ldflags = get(INPUT.ldflags).trim() || DEFAULTS.ldflags
  problems.push(...checkTemplate(INPUT.ldflags, ldflags, TEMPLATE_FIELDS))

  let flags: string[] = []
  try {
    flags = splitQuoted(get(INPUT.flags))
    problems.push(...checkBuildFlags(INPUT.flags, flags))
  } catch (error) {
    problems.push(`${INPUT.flags}: ${(error as Error).message} in "${get(INPUT.flags)}"`)
  }

  const tags = splitList(get(INPUT.tags).replace(/\s+/g, ','))
  for (const tag of tags) {
    if (!TAG.test(tag))
      problems.push(`${INPUT.tags}: "${tag}" is not a build tag (letters, digits, "_" and ".")`)
  }

  const trimpath = parseBoolean(INPUT.trimpath, get(INPUT.trimpath), true, problems)
  const buildvcs = parseChoice(
    INPUT.buildvcs,
    get(INPUT.buildvcs),
    ['auto', 'true', 'false'] as const,
    'auto',
    problems
  )

  const env = parseEnvInput(INPUT.env, get(INPUT.env))
  problems.push(...env.errors)
  const cgo = parseChoice(
    INPUT.cgo,
    get(INPUT.cgo),
    ['false', 'true', 'auto'] as const,
    'false',
    problems
  )
  const cc = parseTargetMap(INPUT.cc, get(INPUT.cc))
  problems.push(...cc.errors)
  for (const entry of cc.entries) {
    try {
      if (splitQuoted(entry.value).length === 0)
        problems.push(`${INPUT.cc}: "${entry.scope}" has no compiler`)
    } catch (error) {
      problems.push(`${INPUT.cc}: ${(error as Error).message} in "${entry.value}"`)
    }
  }

  const cpus = context.cpus ?? os.availableParallelism()
  const parallelism = parseCount(INPUT.parallelism, get(INPUT.parallelism), cpus, problems)
  const archive = parseChoice(INPUT.archive, get(INPUT.archive), ARCHIVE_CHOICES, 'auto', problems)

  const archiveFilesRaw = splitList(get(INPUT.archiveFiles))
  const archiveFiles = archiveFilesRaw.length > 0 ? archiveFilesRaw : [...DEFAULTS.archiveFiles]
  for (const pattern of archiveFilesRaw) {
    const dir = path.dirname(pattern)
    if (/[*?[]/.test(dir)) {
      problems.push(
        `${INPUT.archiveFiles}: "${pattern}": wildcards are allowed only in the file name, not in folders`
      )
    } else {
      insideWorkspace(INPUT.archiveFiles, dir, workingDirectory, workspace, problems, pattern)
    }
  }

  const nameTemplate = get(INPUT.nameTemplate).trim() || DEFAULTS.nameTemplate
  problems.push(...checkTemplate(INPUT.nameTemplate, nameTemplate, TEMPLATE_FIELDS))

  const checksumAlgorithms: ChecksumAlgorithm[] = []
  for (const algorithm of splitList(get(INPUT.checksumAlgorithms) || 'sha256')) {
    if (algorithm !== 'sha256' && algorithm !== 'sha512') {
      problems.push(
        `${INPUT.checksumAlgorithms}: "${algorithm}" is not supported (allowed: sha256, sha512)`
      )
    } else if (checksumAlgorithms.includes(algorithm)) {
      problems.push(`${INPUT.checksumAlgorithms}: "${algorithm}" is listed twice`)
    } else {
      checksumAlgorithms.push(algorithm)
    }
  }
  const checksumsName = get(INPUT.checksumsName).trim() || DEFAULTS.checksumsName
  if (!SAFE_NAME.test(checksumsName)) {
    problems.push(
      `${INPUT.checksumsName}: "${checksumsName}" is not allowed: use letters, digits, ".", "_" and "-", not starting with "." or "-"`
    )
  }

  const dist = insideWorkspace(
    INPUT.dist,
    get(INPUT.dist) || DEFAULTS.dist,
    workingDirectory,
    workspace,
    problems
  )
  if (dist === workspace || dist === workingDirectory || isInside(dist, workingDirectory)) {
    // The dist folder is emptied before each run; it must never be a folder holding sources.
    problems.push(
      `${INPUT.dist}: "${get(INPUT.dist)}" would be emptied before building, and it holds the sources; choose a folder of its own such as "dist"`
    )
  }

  const cache = parseBoolean(INPUT.cache, get(INPUT.cache), true, problems)
  const cacheSave = parseChoice(
    INPUT.cacheSave,
    get(INPUT.cacheSave),
    ['auto', 'always', 'never'] as const,
    'auto',
    problems
  )
  const cacheKeySuffix = get(INPUT.cacheKeySuffix).trim()
  if (cacheKeySuffix && !/^[A-Za-z0-9._-]{1,64}$/.test(cacheKeySuffix)) {
    problems.push(
      `${INPUT.cacheKeySuffix}: "${cacheKeySuffix}" is not allowed: up to 64 letters, digits, ".", "_" and "-" (cache keys cannot hold commas)`
    )
  }
  const verifyModules = parseBoolean(INPUT.verifyModules, get(INPUT.verifyModules), true, problems)

  const uploadArtifacts = parseBoolean(
    INPUT.uploadArtifacts,
    get(INPUT.uploadArtifacts),
    true,
    problems
  )
  const artifactName = get(INPUT.artifactName).trim()
  if (artifactName && (ARTIFACT_NAME_FORBIDDEN.test(artifactName) || artifactName.length > 200)) {
    problems.push(
      `${INPUT.artifactName}: "${artifactName}" is not allowed: up to 200 characters, none of " : < > | * ? \\ / or line breaks`
    )
  }
  const retentionRaw = get(INPUT.retentionDays).trim()
  let retentionDays: number | undefined
  if (retentionRaw) {
    retentionDays = Number(retentionRaw)
    if (!/^[0-9]+$/.test(retentionRaw) || retentionDays < 1 || retentionDays > 90) {
      problems.push(`${INPUT.retentionDays}: "${retentionRaw}" is not a whole number from 1 to 90`)
      retentionDays = undefined
    }
  }

  const release = parseChoice(
    INPUT.release,
    get(INPUT.release),
    ['auto', 'true', 'false'] as const,
    'auto',
    problems
  )
  const releaseTag = get(INPUT.releaseTag).trim()
  if (releaseTag) problems.push(...checkTagName(INPUT.releaseTag, releaseTag))
  const releaseName = get(INPUT.releaseName).trim()
  if (releaseName.length > 1000 || /[\r\n]/.test(releaseName)) {
    problems.push(`${INPUT.releaseName}: one line of at most 1000 characters`)
  }
  const draft = parseBoolean(INPUT.draft, get(INPUT.draft), false, problems)
  const prerelease = parseChoice(
    INPUT.prerelease,
    get(INPUT.prerelease),
    ['auto', 'true', 'false'] as const,
    'auto',
    problems
  )
  const makeLatest = parseChoice(
    INPUT.makeLatest,
    get(INPUT.makeLatest),
    ['true', 'false', 'legacy'] as const,
    'true',
    problems
  )
  const notesRaw = get(INPUT.releaseNotes).trim() || 'generate'
  let releaseNotes: Inputs['releaseNotes']
  if (notesRaw === 'generate' || notesRaw === 'none') {
    releaseNotes = { kind: notesRaw }
  } else {
    const file = insideWorkspace(INPUT.releaseNotes, notesRaw, workspace, workspace, problems)
    if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
      problems.push(
        `${INPUT.releaseNotes}: "${notesRaw}" is neither generate, none, nor a file in the workspace`
      )
    } else if (fs.statSync(file).size > 125_000) {
      // GitHub refuses release bodies longer than 125,000 characters.
      problems.push(
        `${INPUT.releaseNotes}: "${notesRaw}" is larger than GitHub's 125,000 characters`
      )
    }
    releaseNotes = { kind: 'file', path: file }
  }
  const overwrite = parseChoice(
    INPUT.overwrite,
    get(INPUT.overwrite),
    ['replace', 'skip', 'fail'] as const,
    'replace',
    problems
  )
  const mode = parseChoice(
    INPUT.mode,
    get(INPUT.mode),
    ['all', 'plan', 'build', 'publish'] as const,
    'all',
    problems
  )
  const legsRaw = get(INPUT.legs).trim()
  const perLegRaw = get(INPUT.targetsPerLeg).trim()
  const legs = legsRaw ? parseCount(INPUT.legs, legsRaw, 0, problems) : 0
  const targetsPerLeg = perLegRaw ? parseCount(INPUT.targetsPerLeg, perLegRaw, 0, problems) : 0
  const splitBy = parseChoice(
    INPUT.splitBy,
    get(INPUT.splitBy),
    ['', 'goos'] as const,
    '',
    problems
  )
  if ([legsRaw, perLegRaw, splitBy].filter(Boolean).length > 1) {
    problems.push(`${INPUT.legs}, ${INPUT.targetsPerLeg} and ${INPUT.splitBy}: give one of them`)
  }
  if (mode !== 'plan' && (legsRaw || perLegRaw || splitBy)) {
    problems.push(
      `${legsRaw ? INPUT.legs : perLegRaw ? INPUT.targetsPerLeg : INPUT.splitBy}: only for ${INPUT.mode}: plan`
    )
  }
  const shard = get(INPUT.shard).trim()
  if (shard && !SHARD.test(shard)) {
    problems.push(
      `${INPUT.shard}: "${shard}" is not a shard of the plan's matrix (like 2-of-3 or 1-of-2-darwin)`
    )
  }
  if (shard && mode !== 'build') problems.push(`${INPUT.shard}: only for ${INPUT.mode}: build`)
  const plannedTargets = splitList(get(INPUT.plannedTargets))
  if (plannedTargets.length > 0 && mode !== 'build') {
    problems.push(`${INPUT.plannedTargets}: only for ${INPUT.mode}: build`)
  }
  if (mode === 'build' && shard && release === 'true' && plannedTargets.length === 0) {
    // Without the whole plan a leg cannot tell whether it is the last one: it would publish a
    // release that other legs still upload to.
    problems.push(
      `${INPUT.release}: a leg that publishes without a fan-in job needs ${INPUT.plannedTargets} (the plan's targets output: \${{ needs.<plan job>.outputs.targets }}), so it publishes only when every leg's files are there`
    )
  }

  const sbom = parseSbom(get(INPUT.sbom), problems)

  const githubToken = get(INPUT.githubToken).trim()
  if (/\s/.test(githubToken)) {
    // Never echo the value: it is a secret.
    problems.push(`${INPUT.githubToken}: the token holds whitespace; pass the token alone`)
  }
  if (release === 'true' && !githubToken) {
    problems.push(`${INPUT.release}: "true" needs a token: set ${INPUT.githubToken}`)
  }

  const universalRaw = get(INPUT.universalBinaries).trim()
  const universalBinaries =
    universalRaw === 'replace'
      ? 'replace'
      : parseBoolean(INPUT.universalBinaries, universalRaw, false, [])
        ? 'true'
        : 'false'
  if (!['', 'replace', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE'].includes(universalRaw))
    problems.push(
      `${INPUT.universalBinaries}: "${universalRaw}" is not allowed (allowed: false, true, replace)`
    )
  const upxRaw = get(INPUT.upx).trim()
  let upx: string[] = []
  if (['true', 'True', 'TRUE'].includes(upxRaw)) upx = ['*/*']
  else if (upxRaw !== '' && !['false', 'False', 'FALSE'].includes(upxRaw)) {
    upx = splitList(upxRaw)
    for (const pattern of upx) {
      if (!TARGET_PATTERN.test(pattern))
        problems.push(
          `${INPUT.upx}: "${pattern}" is neither true, false nor a target pattern (linux/amd64, linux/*, */arm64, linux/arm/7)`
        )
    }
  }
  let upxArgs: string[] = []
  try {
    upxArgs = splitQuoted(get(INPUT.upxArgs))
    problems.push(...checkUpxArgs(INPUT.upxArgs, upxArgs))
  } catch (error) {
    problems.push(`${INPUT.upxArgs}: ${(error as Error).message} in "${get(INPUT.upxArgs)}"`)
  }
  if (upxArgs.length > 0 && upx.length === 0)
    problems.push(`${INPUT.upxArgs}: given, but ${INPUT.upx} is false`)
  const smokeRaw = get(INPUT.smokeTest)
  let smokeTest: string[] = []
  try {
    // Go's quoting, as for flags: an argv, never a shell command line.
    smokeTest = splitQuoted(smokeRaw)
  } catch (error) {
    problems.push(`${INPUT.smokeTest}: ${(error as Error).message} in "${smokeRaw}"`)
  }
  const smokeTestExpect = get(INPUT.smokeTestExpect).trim()
  if (smokeTestExpect) {
    problems.push(...checkTemplate(INPUT.smokeTestExpect, smokeTestExpect, TEMPLATE_FIELDS))
    if (smokeTest.length === 0 && !smokeRaw.trim()) {
      problems.push(
        `${INPUT.smokeTestExpect}: needs ${INPUT.smokeTest}, the arguments to run each binary with (like --version)`
      )
    }
  }
  const maxSizeRaw = get(INPUT.maxBinarySize).trim()
  let maxBinarySize: number | undefined
  if (maxSizeRaw) {
    maxBinarySize = parseSize(maxSizeRaw)
    if (maxBinarySize === undefined) {
      problems.push(
        `${INPUT.maxBinarySize}: "${maxSizeRaw}" is not a size (a positive number of bytes, or with a unit: KB, KiB, MB, MiB, GB, GiB, like 25MiB)`
      )
    }
  }

  // Secrets: no message below may hold the key or the password.
  const cosignKey = get(INPUT.cosignKey).trim()
  const cosignPassword = get(INPUT.cosignPassword)
  // cosign-tlog alone is fine: on fork pull requests secrets are empty, and the build must still run.
  const cosignTlog = parseBoolean(INPUT.cosignTlog, get(INPUT.cosignTlog), true, problems)
  if (cosignKey) {
    const problem = checkCosignKey(cosignKey)
    if (problem) problems.push(`${INPUT.cosignKey}: ${problem}`)
  } else if (cosignPassword) {
    problems.push(
      `${INPUT.cosignPassword}: given, but ${INPUT.cosignKey} is empty (is the key's secret set, and available to this workflow?)`
    )
  }

  const attest = parseBoolean(INPUT.attest, get(INPUT.attest), false, problems)

  return {
    inputs: {
      targets,
      workspace,
      workingDirectory,
      packages: packages.length > 0 ? packages : ['.'],
      binaryNames,
      version,
      ldflags,
      flags,
      tags,
      trimpath,
      buildvcs,
      env: env.settings,
      cgo,
      cc: cc.entries,
      parallelism,
      archive,
      archiveFiles,
      archiveFilesDefault: archiveFilesRaw.length === 0,
      nameTemplate,
      checksumAlgorithms: checksumAlgorithms.length > 0 ? checksumAlgorithms : ['sha256'],
      checksumsName,
      dist,
      cache,
      cacheSave,
      cacheKeySuffix,
      verifyModules,
      uploadArtifacts,
      artifactName,
      retentionDays,
      release,
      releaseTag,
      releaseName,
      draft,
      prerelease,
      makeLatest,
      releaseNotes,
      overwrite,
      githubToken,
      mode,
      legs,
      targetsPerLeg,
      splitBy,
      shard,
      plannedTargets,
      universalBinaries,
      upx,
      upxArgs,
      sbom,
      smokeTest,
      smokeTestExpect,
      maxBinarySize,
      cosignKey: cosignKey ? `${cosignKey}\n` : '',
      cosignPassword,
      cosignTlog,
      attest
    },
    problems
  }
}

/**
 * Problems of a tag name by `git check-ref-format` rules (GitHub refuses such tags with a 422),
 * checked before anything is built.
 */
export function checkTagName(name: string, tag: string): string[] {
  const bad =
    tag.length > 250 ||
    // eslint-disable-next-line no-control-regex -- git refuses control characters in ref names
    /[\x00-\x20\x7f~^:?*[\\]/.test(tag) ||
    tag.includes('..') ||
    tag.includes('@{') ||
    tag.includes('//') ||
    /^[-/.]|[/.]$|\.lock(\/|$)|\/\./.test(tag) ||
    tag === '@'
  return bad
    ? [
        `${name}: "${tag}" is not a valid tag name (git check-ref-format: no spaces, ~ ^ : ? * [ \\, "..", "@{", leading "-" or ".", trailing "." or ".lock")`
      ]
    : []
}

/** `false` (or nothing), or a list of SBOM formats. */
function parseSbom(raw: string, problems: string[]): SbomFormat[] {
  const words = splitList(raw)
  if (words.length === 0 || (words.length === 1 && ['false', 'False', 'FALSE'].includes(words[0]!)))
    return []
  const formats: SbomFormat[] = []
  for (const word of words) {
    if (!(SBOM_FORMATS as readonly string[]).includes(word)) {
      problems.push(
        `${INPUT.sbom}: "${word}" is not allowed (allowed: false, ${SBOM_FORMATS.join(', ')}, or both comma separated)`
      )
    } else if (formats.includes(word as SbomFormat)) {
      problems.push(`${INPUT.sbom}: "${word}" is listed twice`)
    } else {
      formats.push(word as SbomFormat)
    }
  }
  return formats
}

/** Parses a boolean the way YAML 1.2 core schema spells it (as core.getBooleanInput does). */
export function parseBoolean(
  name: string,
  raw: string,
  fallback: boolean,
  problems: string[]
): boolean {
  const value = raw.trim()
  if (value === '') return fallback
  if (['true', 'True', 'TRUE'].includes(value)) return true
  if (['false', 'False', 'FALSE'].includes(value)) return false
  problems.push(`${name}: "${value}" is not a boolean (allowed: true, false)`)
  return fallback
}

/** Parses one of a fixed set of words. */
export function parseChoice<T extends string>(
  name: string,
  raw: string,
  choices: readonly T[],
  fallback: T,
  problems: string[]
): T {
  const value = raw.trim()
  if (value === '') return fallback
  if ((choices as readonly string[]).includes(value)) return value as T
  problems.push(`${name}: "${value}" is not allowed (allowed: ${choices.join(', ')})`)
  return fallback
}

function parseCount(name: string, raw: string, fallback: number, problems: string[]): number {
  const value = raw.trim()
  if (value === '') return fallback
  if (!/^[0-9]+$/.test(value) || Number(value) < 1 || Number(value) > 256) {
    problems.push(`${name}: "${value}" is not a whole number from 1 to 256`)
    return fallback
  }
  return Number(value)
}

/**
 * Resolves a user path against `base` and requires it to stay inside the workspace after
 * following symlinks, so no input can read or write outside the checkout.
 */
function insideWorkspace(
  name: string,
  raw: string,
  base: string,
  workspace: string,
  problems: string[],
  shown = raw
): string {
  const resolved = realpathOr(path.resolve(base, raw))
  if (resolved !== workspace && !isInside(workspace, resolved)) {
    problems.push(
      `${name}: "${shown}" is outside the workspace ${workspace}; paths must stay inside it (symlinks are followed)`
    )
  }
  return resolved
}

/** The real path of p, following symlinks of its longest existing prefix. */
export function realpathOr(p: string): string {
  try {
    return fs.realpathSync(p)
  } catch {
    const parent = path.dirname(p)
    return parent === p ? p : path.join(realpathOr(parent), path.basename(p))
  }
}

/** True when child is strictly inside parent. */
export function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child)
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel)
}

/** Inputs as the runner passes them (INPUT_* variables, read through the toolkit). */
export const actionInputSource: InputSource = name => core.getInput(name)
