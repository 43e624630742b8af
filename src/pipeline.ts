import type { Context, Stage } from './context.js'
import type { Inputs } from './inputs/index.js'
import { withConfigOrigins } from './inputs/goreleaser-source.js'
import { attest } from './stages/attest.js'
import { build } from './stages/build.js'
import { runBeforeHooks } from './stages/hooks.js'
import { restoreCaches } from './stages/cache-restore.js'
import { checksum } from './stages/checksum.js'
import { checkLegsAgree } from './stages/check-legs.js'
import { collectLegs } from './stages/collect-legs.js'
import { compressBinaries } from './stages/compress.js'
import { packageArchives } from './stages/package.js'
import { makeLinuxPackages } from './stages/linux-packages.js'
import { assembleImage, makeImage, pushImages } from './stages/image.js'
import { planLegs } from './stages/plan.js'
import { preflight } from './stages/preflight.js'
import { publishRelease } from './stages/publish-release.js'
import { publishManifests } from './stages/tap-manifests.js'
import { uploadArtifacts } from './stages/upload-artifacts.js'
import { report } from './stages/report.js'
import { signChecksums } from './stages/sign.js'
import { resolve } from './stages/resolve.js'
import { makeUniversalBinaries } from './stages/universal.js'
import { readBuildInfos, writeSboms } from './stages/sbom.js'
import { releaseLimits } from './stages/release-limits.js'
import { smoke } from './stages/smoke.js'
import { verify } from './stages/verify.js'
import { formatDuration } from './lib/format.js'
import { InputError } from './lib/errors.js'

/**
 * Runs every stage's config check (of all modes, so a plan validates what its legs will do) and
 * the runner checks of this mode's stages, then fails once, listing every problem of the inputs
 * (the parser's and the resolve stage's included), before anything is built or sent.
 */
const validate: Stage = {
  name: 'checking inputs',
  async run(ctx) {
    const problems = ctx.inputProblems
    for (const stage of everyStage()) problems.push(...(stage.check?.(ctx) ?? []))
    for (const stage of stagesFor(ctx.inputs.mode)) {
      if (stage.prepare) problems.push(...(await stage.prepare(ctx)))
    }
    if (problems.length > 0)
      throw new InputError([...new Set(withConfigOrigins(problems, ctx.inputs.goreleaser))])
  }
}

/** The run, in order. */
export const stages: readonly Stage[] = [
  // Query go env and dist list, read the commit, resolve targets, binaries and names.
  resolve,
  // Every stage's config checks and this mode's runner checks (upx, cosign, OIDC); one failure.
  validate,
  // Token may write, the tag's release is not immutable, not a fork PR: before any build.
  preflight,
  // A leg that publishes itself: record its inputs' fingerprint, refuse if another leg's differs.
  checkLegsAgree,
  // Restore the module and build caches keyed on the targets; leave the post step its state.
  restoreCaches,
  // before-hooks: each command in the module root (argv, no shell); then find the archive files.
  runBeforeHooks,
  // go build every target × binary in parallel with one shared GOCACHE.
  build,
  // universal-binaries: join darwin/amd64 + darwin/arm64 into one fat Mach-O (darwin_all).
  makeUniversalBinaries,
  // sbom: read each binary's Go build info while Go can still read it (before UPX).
  readBuildInfos,
  // upx: compress the selected binaries in place (darwin and other unpackable targets skipped).
  compressBinaries,
  // Check each binary's header matches its target (both slices for darwin_all) and its size the
  // limit; note dynamic linking.
  verify,
  // Run each binary with smoke-test args: natively, under qemu-user or wine; the rest are skipped.
  smoke,
  // Write one reproducible archive per target.
  packageArchives,
  // linux-packages: deb, rpm, apk and archlinux packages of the linux targets, written by nFPM.
  makeLinuxPackages,
  // image: one multi-platform OCI image of the linux binaries on image-base, as a layout folder.
  makeImage,
  // One SBOM per archive (or bare binary) from the Go build info in its binaries.
  writeSboms,
  // Hash every archive and SBOM and write the checksums file.
  checksum,
  // cosign-key: sign each checksums file (cosign sign-blob --bundle); the release stage re-signs
  // the release's merged file.
  signChecksums,
  // attest: SLSA build-provenance attestations of every file in the checksums, before any upload.
  attest,
  // GitHub's limits (each asset under 2 GiB, at most 1000 per release) before any upload.
  releaseLimits,
  // Upload archives and checksums as one workflow artifact (re-run safe).
  uploadArtifacts,
  // image: push the image by digest, then its tags, to every repository (before the release).
  pushImages,
  // Draft → upload → merge checksums → verify → publish.
  publishRelease,
  // Homebrew casks and formulas, Scoop manifests: to dist, then to their tap or bucket.
  publishManifests,
  // Set step outputs, write the manifest and the job summary.
  report
]

/** mode: plan — validate everything, then write the matrix; nothing is built. */
export const planStages: readonly Stage[] = [resolve, validate, planLegs]

/** mode: publish — the fan-in: the legs' files instead of a build, then one release. */
export const publishStages: readonly Stage[] = [
  resolve,
  validate,
  preflight,
  // Download every leg's artifact, check it against its checksums, require every planned target.
  collectLegs,
  // image: one index over the platform manifests the legs made (and pushed).
  assembleImage,
  checksum,
  signChecksums,
  attest,
  releaseLimits,
  // image: push the index (and, when the legs did not push, everything) and the tags.
  pushImages,
  publishRelease,
  publishManifests,
  report
]

/** Every stage of every mode, once each. */
export function everyStage(): Stage[] {
  return [...new Set([...stages, ...planStages, ...publishStages])]
}

/** The stage list of a mode. */
export function stagesFor(mode: Inputs['mode']): readonly Stage[] {
  return mode === 'plan' ? planStages : mode === 'publish' ? publishStages : stages
}

/** Runs stages in order, each in its own log group, logging skips and durations. */
export async function runStages(ctx: Context, list: readonly Stage[] = stages): Promise<void> {
  const clock = ctx.ports.clock
  const timeline = (ctx.timeline ??= {
    wallAtStart: clock.wall(),
    nowAtStart: clock.now(),
    stages: [],
    skipped: []
  })
  for (const stage of list) {
    const reason = stage.skip?.(ctx)
    if (reason !== undefined) {
      ctx.log.info(`skipped ${stage.name}: ${reason}`)
      timeline.skipped.push({ name: stage.name, reason })
      continue
    }
    const started = clock.now()
    // Recorded before it runs: the report stage, last, sees itself running.
    const timing = { name: stage.name, start: started, ms: 0 }
    timeline.stages.push(timing)
    await ctx.log.group(stage.name, async () => {
      await stage.run(ctx)
      timing.ms = clock.now() - started
      ctx.log.info(`${stage.name} took ${formatDuration(timing.ms)}`)
    })
  }
}
