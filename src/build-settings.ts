// The compiler settings of each build: the ldflags, flags, tags and trimpath inputs, changed for
// some binaries or targets by the entries of the build-overrides input (GoReleaser's several
// builds with different settings). The first entry that matches a binary and a target wins; a key
// it leaves out takes the top-level input. Pure.
import { matchesTargetPattern } from './lib/target-patterns.js'
import type { Target } from './targets.js'

/** One entry of the build-overrides input as written. */
export interface BuildOverride {
  /** binary names; absent: every binary */
  binaries?: string[]
  /** target patterns; absent: every target */
  targets?: string[]
  ldflags?: string
  flags?: string[]
  tags?: string[]
  trimpath?: boolean
}

/** What one go build is given. */
export interface BuildSettings {
  /** the -ldflags template */
  ldflags: string
  flags: string[]
  tags: string[]
  trimpath: boolean
  /** the input the ldflags came from, for messages: `ldflags` or `build-overrides[1].ldflags` */
  ldflagsFrom: string
}

/** The top-level inputs and the overrides. */
export interface SettingsInputs {
  ldflags: string
  flags: string[]
  tags: string[]
  trimpath: boolean
  buildOverrides: BuildOverride[]
}

/** How messages name entry `i` of the build-overrides input. */
export function overrideInput(i: number): string {
  return `build-overrides[${i}]`
}

/** True when an override applies to the binary on the target. */
function applies(o: BuildOverride, binary: string, target: Target): boolean {
  return (
    (o.binaries === undefined || o.binaries.includes(binary)) &&
    (o.targets === undefined || o.targets.some(p => matchesTargetPattern(p, target)))
  )
}

/** The settings one binary is built with for one target. */
export function buildSettingsFor(
  inputs: SettingsInputs,
  binary: string,
  target: Target
): BuildSettings {
  const i = inputs.buildOverrides.findIndex(o => applies(o, binary, target))
  const o = inputs.buildOverrides[i] ?? {}
  return {
    ldflags: o.ldflags ?? inputs.ldflags,
    flags: o.flags ?? inputs.flags,
    tags: o.tags ?? inputs.tags,
    trimpath: o.trimpath ?? inputs.trimpath,
    ldflagsFrom: o.ldflags !== undefined ? `${overrideInput(i)}.ldflags` : 'ldflags'
  }
}

/**
 * What is wrong with the overrides for these binaries and targets: a binary name that is not
 * built, and (with `allTargets`, the whole release's targets; a matrix leg builds only some) an
 * entry that no build reaches because its targets are not built or an earlier entry takes them.
 */
export function overrideProblems(
  overrides: readonly BuildOverride[],
  binaries: readonly string[],
  allTargets: readonly Target[] | undefined,
  built: (binary: string, target: Target) => boolean = () => true
): string[] {
  const problems: string[] = []
  overrides.forEach((o, i) => {
    const unknown = (o.binaries ?? []).filter(name => !binaries.includes(name))
    for (const name of unknown)
      problems.push(
        `${overrideInput(i)}.binaries: "${name}" is not a binary of this build (${binaries.join(', ')})`
      )
    // Whether the module builds from vendor/ is one decision for every build.
    if ((o.flags ?? []).some(f => f.startsWith('-mod=') || f.startsWith('--mod=')))
      problems.push(
        `${overrideInput(i)}.flags: -mod cannot differ between builds; give it in flags`
      )
    if (unknown.length > 0 || allTargets === undefined) return
    const targets = allTargets
    const reached = binaries.some(b =>
      targets.some(
        t => built(b, t) && applies(o, b, t) && overrides.findIndex(x => applies(x, b, t)) === i
      )
    )
    if (!reached)
      problems.push(
        `${overrideInput(i)}: applies to no build (its binaries and targets are not built, or an earlier entry takes them all)`
      )
  })
  return problems
}
