import type { TargetPlan } from './facts.js'
import type { Inputs } from './inputs/index.js'
import { formatTarget } from './targets.js'

/** One leg of a matrix: what `strategy.matrix.include` holds for it. */
export interface Leg {
  /** `<index>-of-<count>[-<goos>]`: the leg's `shard` input */
  shard: string
  /** the leg's `targets` input, comma separated */
  targets: string
  /** a runner that can build these targets: native runners for cgo on darwin and windows */
  'runs-on': string
}

/** GitHub-hosted runner labels by GOOS, for cgo legs that need a native C toolchain. */
const NATIVE_RUNNERS: Record<string, string> = {
  darwin: 'macos-latest',
  ios: 'macos-latest',
  windows: 'windows-latest'
}
const DEFAULT_RUNNER = 'ubuntu-latest'

/**
 * Splits the resolved targets into legs, in their resolved order: `legs` near-equal contiguous
 * groups, as few near-equal groups as hold at most `targetsPerLeg` each, one leg per GOOS, or
 * (none given) one leg.
 */
export function splitLegs(
  plans: readonly TargetPlan[],
  inputs: Pick<Inputs, 'legs' | 'targetsPerLeg' | 'splitBy' | 'cgo'> &
    Partial<Pick<Inputs, 'universalBinaries'>>
): Leg[] {
  let groups: TargetPlan[][]
  if (inputs.splitBy === 'goos') {
    const byOs = new Map<string, TargetPlan[]>()
    for (const p of plans) byOs.set(p.target.goos, [...(byOs.get(p.target.goos) ?? []), p])
    groups = [...byOs.values()]
  } else {
    const count =
      inputs.targetsPerLeg > 0
        ? Math.ceil(plans.length / inputs.targetsPerLeg)
        : Math.min(Math.max(inputs.legs, 1), plans.length)
    groups = []
    let start = 0
    for (let i = 0; i < count; i++) {
      // The first (plans.length % count) legs take one target more.
      const size = Math.floor(plans.length / count) + (i < plans.length % count ? 1 : 0)
      groups.push(plans.slice(start, start + size))
      start += size
    }
  }
  if (inputs.universalBinaries && inputs.universalBinaries !== 'false')
    groups = keepDarwinTogether(groups)
  return groups.map((group, i) => {
    const goos = inputs.splitBy === 'goos' ? group[0]!.target.goos : undefined
    const native = goos && inputs.cgo !== 'false' ? NATIVE_RUNNERS[goos] : undefined
    return {
      shard: `${i + 1}-of-${groups.length}${goos ? `-${goos}` : ''}`,
      targets: group.map(p => formatTarget(p.target)).join(','),
      'runs-on': native ?? DEFAULT_RUNNER
    }
  })
}

/**
 * universal-binaries: both slices of darwin_all must be built by one leg, so a darwin/arm64 that
 * the split put apart from darwin/amd64 moves into darwin/amd64's leg (a leg left empty is
 * dropped).
 */
function keepDarwinTogether(groups: TargetPlan[][]): TargetPlan[][] {
  const find = (goarch: string): number =>
    groups.findIndex(g => g.some(p => p.target.goos === 'darwin' && p.target.goarch === goarch))
  const amd64 = find('amd64')
  const arm64 = find('arm64')
  if (amd64 < 0 || arm64 < 0 || amd64 === arm64) return groups
  const moved = groups[arm64]!.filter(
    p => p.target.goos === 'darwin' && p.target.goarch === 'arm64'
  )
  return groups
    .map((g, i) =>
      i === arm64 ? g.filter(p => !moved.includes(p)) : i === amd64 ? [...g, ...moved] : g
    )
    .filter(g => g.length > 0)
}

/** The shard's position: `2-of-3` → 2. */
export function shardIndex(shard: string): number {
  return Number(/^(\d+)-of-/.exec(shard)?.[1] ?? 0)
}
