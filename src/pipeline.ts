import { ArtifactRegistry } from './artifacts.js'
import type { Facts } from './facts.js'
import type { Inputs } from './inputs.js'
import type { AttestPort } from './ports/attest.js'
import type { CachePort } from './ports/cache.js'
import type { Clock } from './ports/clock.js'
import { formatDuration } from './ports/clock.js'
import type { LogPort } from './ports/log.js'
import type { OutputPort } from './ports/outputs.js'
import type { ProcessPort } from './ports/process.js'
import type { ReleaseApi } from './ports/release-api.js'
import type { StatePort } from './ports/state.js'
import type { WorkflowArtifactPort } from './ports/workflow-artifacts.js'
import type { PublishedRelease, ReleasePlan } from './release.js'
import type { GoBuildInfo } from './sbom.js'
import { attest, type AttestationMade } from './stages/attest.js'
import { build } from './stages/build.js'
import { restoreCaches, type CacheRun } from './stages/cache-restore.js'
import { checksum } from './stages/checksum.js'
import { collectLegs } from './stages/collect-legs.js'
import { compressBinaries } from './stages/compress.js'
import { packageArchives } from './stages/package.js'
import { planLegs } from './stages/plan.js'
import { preflight } from './stages/preflight.js'
import { publishRelease } from './stages/publish-release.js'
import { uploadArtifacts } from './stages/upload-artifacts.js'
import { report } from './stages/report.js'
import { signChecksums } from './stages/sign.js'
import { resolve } from './stages/resolve.js'
import { makeUniversalBinaries } from './stages/universal.js'
import { readBuildInfos, writeSboms } from './stages/sbom.js'
import { releaseLimits } from './stages/release-limits.js'
import { smoke } from './stages/smoke.js'
import { verify } from './stages/verify.js'

/** Every side effect the stages may cause. */
export interface Ports {
  process: ProcessPort
  outputs: OutputPort
  cache: CachePort
  /** main → post hand-over */
  state: StatePort
  clock: Clock
  /** the workflow artifact service */
  artifacts: WorkflowArtifactPort
  /** the releases API of GITHUB_REPOSITORY, authenticated with the token */
  releaseApi(token: string): ReleaseApi
  /** build-provenance attestations (Sigstore signing + the attestations API) */
  attest: AttestPort
  /** the runner's environment (GITHUB_*, PATH, HOME); read, never written */
  env: Readonly<Record<string, string | undefined>>
}

/** What every stage receives. */
export interface Context {
  inputs: Inputs
  /** problems found while parsing inputs; the resolve stage reports them with its own, in one failure */
  inputProblems: string[]
  /** written by the resolve stage; reading it earlier throws */
  facts: Facts
  artifacts: ArtifactRegistry
  /** written by the cache-restore stage; absent when caching is off */
  caches?: CacheRun
  /** written by the preflight stage when this run publishes a release */
  release?: ReleasePlan
  /** sbom: the Go build info of each binary by path, read before any compression */
  buildInfos?: Map<string, GoBuildInfo>
  /** what the upload and release stages published; the report stage turns it into outputs */
  published: {
    artifactIds: number[]
    release?: PublishedRelease
    /** what the attest stage made */
    attestations?: AttestationMade[]
  }
  ports: Ports
  log: LogPort
}

/** One step of the run. */
export interface Stage {
  /** short gerund phrase: the log group title */
  name: string
  /** the reason this stage does not run, or undefined to run it */
  skip?(ctx: Context): string | undefined
  run(ctx: Context): Promise<void>
}

/** The run, in order. */
export const stages: readonly Stage[] = [
  // Query go env and dist list, read the commit, validate every input against them.
  resolve,
  // Token may write, the tag's release is not immutable, not a fork PR: before any build.
  preflight,
  // Restore the module and build caches keyed on the targets; leave the post step its state.
  restoreCaches,
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
  // Draft → upload → merge checksums → verify → publish.
  publishRelease,
  // Set step outputs, write the manifest and the job summary.
  report
]

/** mode: plan — validate everything, then write the matrix; nothing is built. */
export const planStages: readonly Stage[] = [resolve, planLegs]

/** mode: publish — the fan-in: the legs' files instead of a build, then one release. */
export const publishStages: readonly Stage[] = [
  resolve,
  preflight,
  // Download every leg's artifact, check it against its checksums, require every planned target.
  collectLegs,
  checksum,
  signChecksums,
  attest,
  releaseLimits,
  publishRelease,
  report
]

/** The stage list of a mode. */
export function stagesFor(mode: Inputs['mode']): readonly Stage[] {
  return mode === 'plan' ? planStages : mode === 'publish' ? publishStages : stages
}

/** Creates a context whose facts throw until the resolve stage sets them. */
export function createContext(init: Omit<Context, 'facts' | 'artifacts' | 'published'>): Context {
  let facts: Facts | undefined
  return {
    ...init,
    artifacts: new ArtifactRegistry(),
    published: { artifactIds: [] },
    get facts(): Facts {
      if (!facts) throw new Error('internal: facts read before the resolve stage ran')
      return facts
    },
    set facts(value: Facts) {
      facts = value
    }
  }
}

/** Runs stages in order, each in its own log group, logging skips and durations. */
export async function runStages(ctx: Context, list: readonly Stage[] = stages): Promise<void> {
  for (const stage of list) {
    const reason = stage.skip?.(ctx)
    if (reason !== undefined) {
      ctx.log.info(`skipped ${stage.name}: ${reason}`)
      continue
    }
    const started = ctx.ports.clock.now()
    await ctx.log.group(stage.name, async () => {
      await stage.run(ctx)
      ctx.log.info(`${stage.name} took ${formatDuration(ctx.ports.clock.now() - started)}`)
    })
  }
}
