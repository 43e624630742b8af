import { ArtifactRegistry } from './artifacts.js'
import type { CacheSpec } from './cache-plan.js'
import type { Facts } from './facts.js'
import type { Inputs } from './inputs/index.js'
import type { AttestPort } from './ports/attest.js'
import type { CachePort } from './ports/cache.js'
import type { Clock } from './ports/clock.js'
import type { LogPort } from './ports/log.js'
import type { OutputPort } from './ports/outputs.js'
import type { ProcessPort } from './ports/process.js'
import type { RegistryCredentials, RegistryPort } from './ports/registry.js'
import type { ReleaseApi } from './ports/release-api.js'
import type { RepoFilesApi } from './ports/repo-files.js'
import type { StatePort } from './ports/state.js'
import type { WorkflowArtifactPort } from './ports/workflow-artifacts.js'
import type { PublishedRelease, ReleasePlan } from './release.js'
import type { GoBuildInfo } from './sbom.js'
import type { ImageRun } from './image.js'
import type { NamingBasis } from './naming.js'
import type { SmokeOutcome } from './summary.js'

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
  /** the files of another repository (`owner/name`: a tap, a bucket), with a token of its own */
  repoFiles(repository: string, token: string): RepoFilesApi
  /** build-provenance attestations (Sigstore signing + the attestations API) */
  attest: AttestPort
  /** container registries (the OCI distribution API), with the credentials each host gets */
  registry(credentials: (host: string) => RegistryCredentials | undefined): RegistryPort
  /** the runner's environment (GITHUB_*, PATH, HOME); read, never written */
  env: Readonly<Record<string, string | undefined>>
}

/** One cache's restore, for the summary and the post step. */
export interface CacheRestore {
  spec: CacheSpec
  /** matched key, '' on a miss or a fault */
  matchedKey: string
  /** the fault that made this a cold build, if any */
  failure?: string
  bytes: number
  ms: number
}

/** What the cache-restore stage did. */
export interface CacheRun {
  restores: CacheRestore[]
  /** true only when every cache hit its primary key exactly */
  hit: boolean
  /** why the post step will not save ('' when it will) */
  saveBlockedBy: string
}

/** One attestation this run made, as the `attestations` output lists it. */
export interface AttestationMade {
  id?: number
  /** `<server>/<owner>/<repo>/attestations/<id>`, '' when GitHub gave no id */
  url: string
  subjects: number
}

/** One stage as it ran (clock.now() milliseconds), for the summary's timeline. */
export interface StageTiming {
  name: string
  start: number
  ms: number
}

/** Where the run's time went: written by runStages, read by the report stage. */
export interface Timeline {
  /** clock.wall() and clock.now() at the start of the first stage: now-times become wall times */
  wallAtStart: number
  nowAtStart: number
  stages: StageTiming[]
  /** stages that did not run, with the reason */
  skipped: { name: string; reason: string }[]
}

/** What every stage receives. */
export interface Context {
  inputs: Inputs
  /**
   * problems found while parsing inputs, then by the resolve stage; the stages' checks add theirs
   * and one failure reports them all, before anything is built
   */
  inputProblems: string[]
  /** written by the resolve stage; reading it earlier throws */
  facts: Facts
  artifacts: ArtifactRegistry
  /** written by the cache-restore stage; absent when caching is off */
  caches?: CacheRun
  /** written by the preflight stage when this run publishes a release */
  release?: ReleasePlan
  /** image: the resolved base and tags (its prepare), the image made and pushed (its stages) */
  image?: ImageRun
  /**
   * files (under the dist folder) a matrix leg hands the publish job in its workflow artifact
   * besides its archives: never checksummed or published
   */
  legFiles?: string[]
  /**
   * what the leg that completes a self-publishing release does after every leg's files are on
   * the draft and before it publishes (the image index of every leg's manifests); a failure
   * keeps the release a draft
   */
  beforePublishing?: { name: string; run(): Promise<void> }[]
  /** sbom: the Go build info of each binary by path, read before any compression */
  buildInfos?: Map<string, GoBuildInfo>
  /** smoke: what each binary's run did (the smoke stage) */
  smoke?: SmokeOutcome[]
  /** mode: publish: each leg's artifact and the files taken from it (the collect-legs stage) */
  legs?: { name: string; files: number }[]
  /** runStages: when each stage ran */
  timeline?: Timeline
  /** every warning logged through ctx.log, in order, for the summary */
  warnings: string[]
  /** what the upload and release stages published; the report stage turns it into outputs */
  published: {
    /** the workflow artifacts uploaded: id and name */
    artifacts?: { id: number; name: string }[]
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
  /**
   * Config-only problems of this stage's inputs against the resolved facts. Run for every stage
   * of every mode's list, so a plan validates what its legs will do; reads nothing outside ctx.
   */
  check?(ctx: Context): string[]
  /**
   * Runner problems (tools on PATH, OIDC variables), run only for the stages of this run's mode,
   * before anything is built; may record what it found in the facts.
   */
  prepare?(ctx: Context): Promise<string[]>
  /** the reason this stage does not run, or undefined to run it */
  skip?(ctx: Context): string | undefined
  run(ctx: Context): Promise<void>
}

/** Creates a context whose facts throw until the resolve stage sets them. */
export function createContext(
  init: Omit<Context, 'facts' | 'artifacts' | 'published' | 'warnings'>
): Context {
  let facts: Facts | undefined
  const warnings: string[] = []
  return {
    ...init,
    // Warnings are annotations too; the summary lists them where a reader looks first.
    log: {
      ...init.log,
      warning(message, props) {
        warnings.push(message)
        init.log.warning(message, props)
      }
    },
    warnings,
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

/** What the names of this run's files depend on, from the resolved facts. */
export function namingOf(ctx: Pick<Context, 'inputs' | 'facts' | 'ports'>): NamingBasis {
  const { stamp, projectName, binaries } = ctx.facts
  return { inputs: ctx.inputs, env: ctx.ports.env, stamp, projectName, binaries }
}
