import type { TargetPlan, UniversalTargetPlan } from './facts.js'
import { INPUT, type Inputs } from './inputs/index.js'
import { formatTarget, targetId, type Target } from './targets.js'

/** The target of a universal binary: GoReleaser names its `{{.Arch}}` `all`. */
export const UNIVERSAL_TARGET: Target = Object.freeze({
  goos: 'darwin',
  goarch: 'all',
  id: targetId('darwin', 'all')
})

/**
 * The darwin_all plan for `universal-binaries: true`, or undefined. It needs exactly one
 * darwin/amd64 and one darwin/arm64 target in this job: both slices must be on one machine.
 * A matrix leg (mode: build) with neither leaves the universal binary to the leg that has both.
 */
export function planUniversal(
  inputs: Pick<Inputs, 'universalBinaries' | 'mode'>,
  targets: readonly Target[],
  archives: TargetPlan['archives'],
  problems: string[]
): UniversalTargetPlan | undefined {
  if (inputs.universalBinaries === 'false') return undefined
  const amd64 = targets.filter(t => t.goos === 'darwin' && t.goarch === 'amd64')
  const arm64 = targets.filter(t => t.goos === 'darwin' && t.goarch === 'arm64')
  if (amd64.length === 1 && arm64.length === 1) {
    return {
      kind: 'universal',
      target: UNIVERSAL_TARGET,
      archives,
      slices: [amd64[0]!, arm64[0]!]
    }
  }
  const several = amd64.length > 1 ? amd64 : arm64.length > 1 ? arm64 : undefined
  if (several) {
    problems.push(
      `${INPUT.universalBinaries}: ${several.map(formatTarget).join(' and ')} would both be slices of one universal binary; keep one of them`
    )
  } else if (inputs.mode === 'build' && amd64.length + arm64.length === 0) {
    return undefined
  } else {
    const have = [...amd64, ...arm64].map(formatTarget)
    const leg =
      inputs.mode === 'build'
        ? ' of this leg (plan with split-by: goos, or keep both in one leg)'
        : ''
    problems.push(
      `${INPUT.universalBinaries}: ${inputs.universalBinaries} needs both darwin/amd64 and darwin/arm64 in the targets${leg}; ${have.length > 0 ? `only ${have.join('')} is there` : 'neither is there'}`
    )
  }
  return undefined
}

/**
 * Adds the darwin_all plan (when planUniversal makes one) to `plans`; with `replace`, marks its
 * thin slices as built but not published.
 */
export function addUniversalPlan(
  inputs: Pick<Inputs, 'universalBinaries' | 'mode'>,
  plans: TargetPlan[],
  archives: TargetPlan['archives'],
  problems: string[]
): void {
  const universal = planUniversal(
    inputs,
    plans.map(p => p.target),
    archives,
    problems
  )
  if (!universal) return
  if (inputs.universalBinaries === 'replace') {
    for (const plan of plans)
      if (plan.kind === 'go' && universal.slices.some(t => t.id === plan.target.id))
        plan.sliceOnly = true
  }
  plans.push(universal)
}
