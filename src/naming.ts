import { createHash } from 'node:crypto'
import * as path from 'node:path'
import { binaryMember, type ArchiveSet, type PlannedArchive } from './archive-sets.js'
import type { ChecksumAlgorithm } from './checksums.js'
import {
  binariesFor,
  type BinarySpec,
  type Facts,
  type ReleaseStamp,
  type TargetPlan
} from './facts.js'
import type { Inputs } from './inputs/index.js'
import type { SbomFormat } from './sbom.js'
import type { ManifestAsset } from './tap-manifests.js'
import { binaryExtension, variantLabel, type Target } from './targets.js'
import { templateEnv } from './build-env.js'
import { GoTime } from './lib/go-values.js'
import { envMap, renderTemplate, type TemplateValues } from './template.js'
import {
  conventionalFileName,
  overriddenFor,
  packageExtension,
  packageFileName,
  plannedPackages,
  type PlannedPackage
} from './linux-packages.js'

// Every name the run gives a file or an artifact, in one pure place: the name checks of the
// resolve stage, the stages that write the files and the legs' fan-in must all agree.

/** cosign's Sigstore bundle next to the file it signs: `checksums.txt.sigstore.json`. */
export const BUNDLE_SUFFIX = '.sigstore.json'

/** What follows a published file's name in its SBOM's name: `app.tar.gz.sbom.cdx.json`. */
export const SBOM_SUFFIX: Readonly<Record<SbomFormat, string>> = {
  'cyclonedx-json': '.sbom.cdx.json',
  'spdx-json': '.sbom.spdx.json'
}

/** What names depend on beside the target: the inputs that shape them, the stamp, the project. */
export interface NamingBasis {
  inputs: Pick<Inputs, 'archiveSets' | 'sbom' | 'env' | 'linuxPackages'>
  /** the runner's environment, for {{.Env}} */
  env: Readonly<Record<string, string | undefined>>
  stamp: ReleaseStamp
  projectName: string
  binaries: readonly BinarySpec[]
}

/** One file a target publishes. */
export interface PublishedName {
  name: string
  /** format binary: the binary this file is */
  binary?: string
  /** the planned archive it comes from (absent for a Linux package) */
  archive?: PlannedArchive
  /** the Linux package it is */
  package?: PlannedPackage
  /** set on an SBOM: its format */
  sbom?: SbomFormat
}

/** The Go default of each sub-architecture variable, as GoReleaser reports it in templates. */
const VARIANT_DEFAULTS: Record<
  string,
  { field: 'Amd64' | 'Arm64' | 'Mips' | 'I386' | 'Arm'; fallback: string }
> = {
  amd64: { field: 'Amd64', fallback: 'v1' },
  arm64: { field: 'Arm64', fallback: 'v8.0' },
  mips: { field: 'Mips', fallback: 'hardfloat' },
  mipsle: { field: 'Mips', fallback: 'hardfloat' },
  mips64: { field: 'Mips', fallback: 'hardfloat' },
  mips64le: { field: 'Mips', fallback: 'hardfloat' },
  '386': { field: 'I386', fallback: 'sse2' },
  // GOARM has no single default (it depends on the build host): empty unless the target names it.
  arm: { field: 'Arm', fallback: '' }
}

const SEMVER = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/

/**
 * Template values for one target, typed as GoReleaser types them (Major is a number, IsSnapshot
 * a bool, Now a time). `Binary` is the first binary, or the one given; `env` is what .Env reads.
 * Date, Timestamp and Now are the commit time (GoReleaser uses the wall clock): rebuilding a
 * commit gives the same names and bytes.
 */
export function templateValues(
  stamp: ReleaseStamp,
  target: Target,
  binary: string,
  projectName: string,
  env: Readonly<Record<string, string | undefined>> = {}
): TemplateValues {
  const variant = VARIANT_DEFAULTS[target.goarch]
  const variants = { Arm: '', Arm64: '', Amd64: '', Mips: '', I386: '' }
  if (variant) variants[variant.field] = target.variant ?? variant.fallback
  return {
    ...releaseValues(stamp, projectName, env),
    Os: target.goos,
    Arch: target.goarch,
    ...variants,
    Variant: variantLabel(target),
    Target: target.id,
    Binary: binary
  }
}

/** Template values of the release as a whole (RELEASE_FIELDS): for the checksums file's name. */
export function releaseValues(
  stamp: ReleaseStamp,
  projectName: string,
  env: Readonly<Record<string, string | undefined>>
): TemplateValues {
  // GoReleaser reads the numbers from the tag; a snapshot without one from its version.
  const semver = SEMVER.exec(stamp.tag || stamp.version)
  return {
    ProjectName: projectName,
    Version: stamp.version,
    RawVersion: semver ? `${semver[1]}.${semver[2]}.${semver[3]}` : '0.0.0',
    Tag: stamp.tag,
    PreviousTag: stamp.previousTag,
    Major: BigInt(semver?.[1] ?? 0),
    Minor: BigInt(semver?.[2] ?? 0),
    Patch: BigInt(semver?.[3] ?? 0),
    Prerelease: semver?.[4] ?? '',
    Commit: stamp.commit,
    FullCommit: stamp.commit,
    ShortCommit: stamp.shortCommit,
    CommitDate: stamp.date,
    CommitTimestamp: BigInt(stamp.epoch),
    Date: stamp.date,
    Timestamp: BigInt(stamp.epoch),
    Now: new GoTime(stamp.epoch * 1000),
    Env: envMap(env),
    IsSnapshot: stamp.snapshot,
    IsGitDirty: stamp.dirty,
    Summary: stamp.summary
  }
}

/** The template values of one file of a target, named after the binary it holds first. */
function fileValues(basis: NamingBasis, target: Target, binary: string): TemplateValues {
  const env = templateEnv(basis.env, basis.inputs.env, target)
  return templateValues(basis.stamp, target, binary, basis.projectName, env)
}

/** The set a planned archive belongs to. */
function setOf(basis: NamingBasis, archive: PlannedArchive): ArchiveSet {
  const set = basis.inputs.archiveSets[archive.set]
  if (!set) throw new Error(`internal: no archive set ${archive.set}`)
  return set
}

/** An archive's file name: its set's name template rendered, plus the format's extension. */
export function archiveNameOf(basis: NamingBasis, target: Target, archive: PlannedArchive): string {
  const values = fileValues(basis, target, archive.binaries[0] ?? basis.projectName)
  return `${renderTemplate(setOf(basis, archive).nameTemplate, values)}.${archive.format}`
}

/** The folder holding an archive's files (its set's directory rendered), '' for none. */
export function archiveDirectoryOf(
  basis: NamingBasis,
  target: Target,
  archive: PlannedArchive
): string {
  const set = setOf(basis, archive)
  if (set.directory === '' || archive.format === 'binary') return ''
  return renderTemplate(
    set.directory,
    fileValues(basis, target, archive.binaries[0] ?? basis.projectName)
  )
}

/** A bare binary's published name (format binary): its set's name template plus .exe on windows. */
export function bareBinaryNameOf(
  basis: NamingBasis,
  target: Target,
  archive: PlannedArchive,
  binary: string
): string {
  const values = fileValues(basis, target, binary)
  return (
    renderTemplate(setOf(basis, archive).nameTemplate, values) +
    binaryExtension(target.goos, target.goarch)
  )
}

/**
 * The file names a target publishes: per planned archive its file, or for format binary each
 * binary renamed by the name template, then its Linux packages (unless `packages` is false);
 * each followed by its SBOMs. Throws when a name template cannot render.
 */
export function publishedNames(
  basis: NamingBasis,
  plan: Pick<TargetPlan, 'target' | 'archives'> & { sliceOnly?: boolean },
  packages = true
): PublishedName[] {
  // A slice of a universal binary only: its file is the darwin_all one.
  if (plan.sliceOnly) return []
  const files: PublishedName[] = plan.archives.flatMap(archive =>
    archive.format === 'binary'
      ? archive.binaries.map(b => ({
          name: bareBinaryNameOf(basis, plan.target, archive, b),
          binary: b,
          archive
        }))
      : [{ name: archiveNameOf(basis, plan.target, archive), archive }]
  )
  if (packages)
    for (const p of packagesOf(basis, plan.target)) files.push({ name: p.name, package: p.planned })
  // Each published file's SBOMs follow it, so name checks, legs and releases expect them too.
  return files.flatMap(f => [
    f,
    ...basis.inputs.sbom.map(format => ({ ...f, name: sbomNameFor(f.name, format), sbom: format }))
  ])
}

/** One Linux package of a target, named. */
export interface PackageFile {
  name: string
  planned: PlannedPackage
  /** the package's name (package-name rendered) */
  packageName: string
  /** the binaries it installs, in build order */
  binaries: string[]
  /** the values its templates render with (GoReleaser's nfpm fields included) */
  values: TemplateValues
  /** nFPM's conventional file name, as the stage expects nFPM to answer */
  conventional: string
}

/**
 * The Linux packages a target gets (linux-packages): per set and format, named by the set's
 * file name template with GoReleaser's package fields; none where the set holds no binary of
 * the target. Throws when a template cannot render.
 */
export function packagesOf(basis: NamingBasis, target: Target): PackageFile[] {
  const sets = basis.inputs.linuxPackages
  const built = binariesFor(basis.binaries, target)
  return plannedPackages(sets, [target]).flatMap((planned): PackageFile[] => {
    const set = sets[planned.set]!
    const binaries = built.filter(b => set.binaries.length === 0 || set.binaries.includes(b))
    if (binaries.length === 0) return []
    const env = templateEnv(basis.env, basis.inputs.env, target)
    const { stamp, projectName } = basis
    // GoReleaser renders the package name before it knows the target.
    const packageName = renderTemplate(set.packageName, releaseValues(stamp, projectName, env))
    const values: TemplateValues = {
      ...templateValues(stamp, target, binaries[0]!, projectName, env),
      Release: set.release,
      Epoch: set.epoch,
      PackageName: packageName,
      Format: planned.format
    }
    const conventional = conventionalFileName(planned.format, packageName, target, {
      version: stamp.version,
      release: set.release,
      prerelease: set.prerelease,
      versionMetadata: set.versionMetadata
    })
    const template = overriddenFor(set, planned.format).fileName ?? set.fileName
    const rendered = renderTemplate(template, {
      ...values,
      ConventionalFileName: conventional,
      ConventionalExtension: packageExtension(planned.format)
    })
    return [
      {
        name: packageFileName(rendered, planned.format),
        planned,
        packageName,
        binaries,
        values,
        conventional
      }
    ]
  })
}

/** The SBOM of a published file (archive or bare binary). */
export function sbomNameFor(published: string, format: SbomFormat): string {
  return published + SBOM_SUFFIX[format]
}

/** The checksums files a run writes: checksums-name for the first algorithm, derived names after. */
export function checksumsFiles(
  inputs: Pick<Inputs, 'checksumsName' | 'checksumAlgorithms'>
): { name: string; algorithm: ChecksumAlgorithm }[] {
  return inputs.checksumAlgorithms.map((algorithm, i) => ({
    name: i === 0 ? inputs.checksumsName : checksumsNameFor(inputs.checksumsName, algorithm),
    algorithm
  }))
}

/** checksums.txt → checksums.sha512.txt: the name of a further algorithm's file. */
export function checksumsNameFor(base: string, algorithm: string): string {
  const ext = path.extname(base)
  return ext ? `${base.slice(0, -ext.length)}.${algorithm}${ext}` : `${base}.${algorithm}`
}

/** The bundle name of a signed checksums file. */
export function bundleNameFor(checksumsName: string): string {
  return checksumsName + BUNDLE_SUFFIX
}

/**
 * The files a run writes beside the targets' files, in the order it writes them: each checksums
 * file, followed by its cosign bundle when a key signs it.
 */
export function checksumsAndBundles(
  inputs: Pick<Inputs, 'checksumsName' | 'checksumAlgorithms' | 'cosignKey'>
): { name: string; kind: 'checksums' | 'signature' }[] {
  return checksumsFiles(inputs).flatMap(({ name }) => [
    { name, kind: 'checksums' as const },
    ...(inputs.cosignKey ? [{ name: bundleNameFor(name), kind: 'signature' as const }] : [])
  ])
}

/**
 * Every asset a release of these files holds: the targets' files (`releaseFiles`), then the
 * checksums files and their bundles.
 */
export function releaseAssetNames(
  releaseFiles: readonly string[],
  inputs: Pick<Inputs, 'checksumsName' | 'checksumAlgorithms' | 'cosignKey'>
): string[] {
  return [...releaseFiles, ...checksumsAndBundles(inputs).map(f => f.name)]
}

/** The workflow artifact of a matrix leg, which the publish job looks for: `<project>_shard-<shard>`. */
export function legArtifactName(projectName: string, shard: string): string {
  return `${legArtifactPrefix(projectName)}${shard}`
}

/** What every leg's artifact name starts with. */
export function legArtifactPrefix(projectName: string): string {
  return `${projectName}_shard-`
}

/**
 * The workflow artifact of a job: a matrix leg's by its shard; otherwise
 * `<project>_<target ids>`, long lists `<project>_<n>-targets-<hash>`.
 */
export function artifactNameFor(
  projectName: string,
  shard: string,
  targetIds: readonly string[]
): string {
  if (shard) return legArtifactName(projectName, shard)
  const joined = `${projectName}_${targetIds.join('-')}`
  if (joined.length <= 100) return joined
  const hash = createHash('sha256').update(targetIds.join(',')).digest('hex').slice(0, 8)
  return `${projectName}_${targetIds.length}-targets-${hash}`
}

/**
 * A leg's fingerprint (src/fingerprint.ts) in its workflow artifact. Never published: the leading
 * dot is a name no published file can have (release asset names may not start with "."), and no
 * checksums file lists it.
 */
export const LEG_FINGERPRINT_FILE = '.go-xbuild-leg.json'

/**
 * The image's OCI layout folder under dist. A matrix leg hands the publish job its part of the
 * image in this folder of its workflow artifact; the publish job merges the legs' folders (their
 * blobs are named by digest, so they never collide) and writes the image's index there.
 */
export const IMAGE_LAYOUT_FOLDER = 'image'

const LEG_RECORD = 'go-xbuild-leg-record_'
const IMAGE_LEG = 'go-xbuild-image-leg_'

/** What the image records of a project's self-publishing legs start with. */
export function imageLegPrefix(projectName: string): string {
  return `${IMAGE_LEG}${projectName}_`
}

/**
 * The small workflow artifact holding the image record of a leg that publishes itself
 * (`go-xbuild-image-leg_<project>_shard-<shard>`): the leg that completes the release reads every
 * leg's to write the image index. Uploaded after the leg pushed its manifests and before it
 * uploads its files to the release, so the completing leg, which sees every file, sees it too.
 */
export function imageLegArtifactName(
  projectName: string,
  shard: string,
  targetIds: readonly string[]
): string {
  return IMAGE_LEG + artifactNameFor(projectName, shard, targetIds)
}

/** What the fingerprint records of a project's self-publishing legs start with. */
export function legRecordPrefix(projectName: string): string {
  return `${LEG_RECORD}${projectName}_`
}

/**
 * The small workflow artifact holding only the fingerprint of a leg that publishes itself
 * (`go-xbuild-leg-record_<project>_shard-<shard>`): the other legs read it before uploading. Not
 * starting with the legs' prefix, so a publish job never takes it for a leg.
 */
export function legRecordArtifactName(
  projectName: string,
  shard: string,
  targetIds: readonly string[]
): string {
  return LEG_RECORD + artifactNameFor(projectName, shard, targetIds)
}

/**
 * Every archive and bare binary the release publishes, as manifests see them: from every
 * target's plan (the whole release's, also on a leg that completes it).
 */
export function manifestAssets(
  basis: NamingBasis,
  plans: readonly TargetPlan[],
  archiveFiles: Facts['archiveFiles']
): ManifestAsset[] {
  const out: ManifestAsset[] = []
  for (const plan of plans) {
    if (plan.kind === 'go' && plan.sliceOnly) continue
    const { target } = plan
    const ext = binaryExtension(target.goos, target.goarch)
    for (const archive of plan.archives) {
      const set = basis.inputs.archiveSets[archive.set]!
      if (archive.format === 'binary') {
        for (const binary of archive.binaries)
          out.push({
            target,
            name: bareBinaryNameOf(basis, target, archive, binary),
            format: 'binary',
            setId: set.id,
            binaries: [],
            binary,
            wrappedIn: '',
            files: []
          })
        continue
      }
      out.push({
        target,
        name: archiveNameOf(basis, target, archive),
        format: archive.format,
        setId: set.id,
        binaries: archive.binaries.map(b => binaryMember(set, b) + ext),
        wrappedIn: archiveDirectoryOf(basis, target, archive),
        files: (archiveFiles[archive.set] ?? []).map(f => f.name)
      })
    }
  }
  return out
}
