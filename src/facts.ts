import type { PlannedArchive } from './archive-sets.js'
import type { Target } from './targets.js'
import { matchesTargetPattern } from './lib/target-patterns.js'

/** The Go toolchain as `go env` reports it (the resolved one, after any GOTOOLCHAIN switch). */
export interface GoToolchain {
  /** e.g. go1.26.8 */
  version: string
  goroot: string
  gocache: string
  gomodcache: string
  hostOs: string
  hostArch: string
  /** GOFLAGS from the environment and `go env -w` */
  goflags: string
}

/** Version and commit stamps available to templates. */
export interface ReleaseStamp {
  /** version without a leading v (1.2.3, or a snapshot version) */
  version: string
  /** the tag (v1.2.3), or '' for snapshot builds */
  tag: string
  commit: string
  shortCommit: string
  /** commit time, RFC 3339 in UTC, so rebuilds of one commit agree */
  date: string
  /** commit time in seconds since the epoch; archive and binary mtimes */
  epoch: number
  /** true when not built from a version tag */
  snapshot: boolean
  /** the v* tag before this release ('' when none): {{.PreviousTag}} */
  previousTag: string
  /** `git describe --tags --always --dirty` ('' outside git): {{.Summary}} */
  summary: string
  /** uncommitted changes in the work tree: {{.IsGitDirty}} */
  dirty: boolean
}

/** One main package and the binary it becomes. */
export interface BinarySpec {
  /** binary name without extension */
  name: string
  /** package argument for go build (./cmd/x or an import path) */
  pkg: string
  /** binary-targets: the target patterns it is built for; absent: every target */
  targets?: string[]
}

/** True when the binary is built for the target. */
export function builtFor(binary: BinarySpec, target: Target): boolean {
  return binary.targets === undefined || binary.targets.some(p => matchesTargetPattern(p, target))
}

/** The names of the binaries built for a target, in build order. */
export function binariesFor(binaries: readonly BinarySpec[], target: Target): string[] {
  return binaries.filter(b => builtFor(b, target)).map(b => b.name)
}

/** How cgo is set up for one target. */
export interface CgoSetup {
  enabled: boolean
  /** CC value for the build (may hold arguments, split by Go's quoting rules) */
  cc?: string
  cxx?: string
  /** first line of `cc --version`, for reports and cache keys */
  ccVersion?: string
  /**
   * cgo-link: static on a linux target: linked with -linkmode=external and -static, against musl
   * (musl-gcc), the C library of the cc given for it, or glibc (its NSS and dlopen caveats)
   */
  static?: 'musl' | 'given' | 'glibc'
}

/** What every target's plan has. */
interface PlanBase {
  target: Target
  /** what it publishes: one entry per archive set and format (src/archive-sets.ts) */
  archives: PlannedArchive[]
}

/** A target go builds. */
export interface GoTargetPlan extends PlanBase {
  kind: 'go'
  cgo: CgoSetup
  /** universal-binaries: replace — built as a slice of darwin_all, with no archive of its own */
  sliceOnly?: boolean
}

/**
 * universal-binaries: the fat Mach-O `darwin_all`, which the universal stage joins from its thin
 * slices' binaries; go builds nothing for it.
 */
export interface UniversalTargetPlan extends PlanBase {
  kind: 'universal'
  /** the darwin/amd64 and darwin/arm64 targets whose binaries it joins */
  slices: [Target, Target]
}

/** One target's planned outputs: a union, so the compiler finds every consumer of darwin_all. */
export type TargetPlan = GoTargetPlan | UniversalTargetPlan

/** True for the plans go builds. */
export const isGoPlan = (plan: TargetPlan): plan is GoTargetPlan => plan.kind === 'go'

/** What the resolve stage learned; every later stage reads it. */
export interface Facts {
  go: GoToolchain
  /** module path from go.mod */
  modulePath: string
  /** the module path's last element without a /vN suffix: {{.ProjectName}} and the default binary name */
  projectName: string
  /** true when the module builds from vendor/ (no module download) */
  vendored: boolean
  stamp: ReleaseStamp
  binaries: BinarySpec[]
  plans: TargetPlan[]
  /** false on a matrix leg (mode: build), whose plans are only part of the release's targets */
  wholeRelease: boolean
  /**
   * names of every file the release must hold before it is published: this job's files, or
   * every leg's with `planned-targets`
   */
  releaseFiles: string[]
  /** every target of the release: this job's, or with `planned-targets` the plan's */
  releaseTargets: Target[]
  /** what every target of the release publishes (releaseTargets' plans, cgo left out) */
  releasePlans: TargetPlan[]
  /** each archive set's extra files (by set index): absolute source path, name and mode inside the archive */
  archiveFiles: { source: string; name: string; mode: number }[][]
  /** release-files: uploaded to the release by the job that publishes it, by file name */
  releaseExtras: { source: string; name: string }[]
  /** upx: the program and its version line, when some binary of this job is to be compressed (compress stage's prepare) */
  upx?: { path: string; version: string }
  /** cosign-key: the cosign program found on PATH (sign stage's prepare; absent without a key, and in mode: plan) */
  cosign?: string
}
