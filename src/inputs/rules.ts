// Rules about combinations of inputs. Each is a named function returning its problem (or
// undefined); they run after every input is parsed, on the typed values, so a rule never sees a
// half-parsed input and every rule runs even when single inputs were bad.
import { inputProblem } from './messages.js'
import { DEFAULTS, INPUT, type InputName, type Inputs } from './table.js'
import { isInside } from '../lib/files.js'

/** What a rule sees: the parsed inputs, and which inputs were given at all. */
export interface RuleView {
  /** every input parsed (defaults filled in, bad values replaced by their defaults) */
  readonly inputs: Inputs
  /** true when the input was given a non-blank value */
  given(name: InputName): boolean
  /** the input's text as given ('' when not given) */
  raw(name: InputName): string
}

/** A rule across inputs: the problem, or undefined when the combination is fine. */
export type InputRule = (view: RuleView) => string | undefined

/** One binary name per package, in the same order. */
export function binaryNamePerPackage({ inputs }: RuleView): string | undefined {
  const names = inputs.binaryNames.length
  const packages = inputs.packages.length
  if (names === 0 || names === packages) return undefined
  return inputProblem(
    INPUT.binaryName,
    `${names} names for ${packages} packages; give one name per package, in the same order`
  )
}

/** The dist folder is emptied before each run: it must never be a folder holding sources. */
export function distHoldsNoSources({ inputs, raw }: RuleView): string | undefined {
  const { dist, workspace, workingDirectory } = inputs
  if (dist !== workspace && dist !== workingDirectory && !isInside(dist, workingDirectory))
    return undefined
  return inputProblem(
    INPUT.dist,
    `"${raw(INPUT.dist) || DEFAULTS.dist}" would be emptied before building, and it holds the sources; choose a folder of its own such as "dist"`
  )
}

/** legs, targets-per-leg and split-by are three ways to split a plan: one at most. */
export function oneWayToSplit({ given }: RuleView): string | undefined {
  const ways = [INPUT.legs, INPUT.targetsPerLeg, INPUT.splitBy].filter(given)
  if (ways.length <= 1) return undefined
  return inputProblem(
    `${INPUT.legs}, ${INPUT.targetsPerLeg} and ${INPUT.splitBy}`,
    'give one of them'
  )
}

/** Splitting into legs means something only when planning the matrix. */
export function splitOnlyForPlan({ inputs, given }: RuleView): string | undefined {
  const first = [INPUT.legs, INPUT.targetsPerLeg, INPUT.splitBy].find(given)
  if (first === undefined || inputs.mode === 'plan') return undefined
  return inputProblem(first, `only for ${INPUT.mode}: plan`)
}

/** A shard names one leg of a plan's matrix: only a build leg has one. */
export function shardOnlyForBuild({ inputs, given }: RuleView): string | undefined {
  if (!given(INPUT.shard) || inputs.mode === 'build') return undefined
  return inputProblem(INPUT.shard, `only for ${INPUT.mode}: build`)
}

/** The plan's targets tell a build leg when every leg's files are on the release. */
export function plannedTargetsOnlyForBuild({ inputs }: RuleView): string | undefined {
  if (inputs.plannedTargets.length === 0 || inputs.mode === 'build') return undefined
  return inputProblem(INPUT.plannedTargets, `only for ${INPUT.mode}: build`)
}

/**
 * Without the whole plan a leg cannot tell whether it is the last one: it would publish a
 * release that other legs still upload to.
 */
export function publishingLegNeedsPlan({ inputs }: RuleView): string | undefined {
  const { mode, shard, release, plannedTargets } = inputs
  if (mode !== 'build' || !shard || release !== 'true' || plannedTargets.length > 0)
    return undefined
  return inputProblem(
    INPUT.release,
    `a leg that publishes without a fan-in job needs ${INPUT.plannedTargets} (the plan's targets output: \${{ needs.<plan job>.outputs.targets }}), so it publishes only when every leg's files are there`
  )
}

/** `release: true` is a promise to publish: without a token it cannot be kept. */
export function releaseNeedsToken({ inputs }: RuleView): string | undefined {
  if (inputs.release !== 'true' || inputs.githubToken !== '') return undefined
  return inputProblem(INPUT.release, `"true" needs a token: set ${INPUT.githubToken}`)
}

/** upx options without upx would be silently ignored. */
export function upxArgsNeedUpx({ inputs }: RuleView): string | undefined {
  if (inputs.upxArgs.length === 0 || inputs.upx.length > 0) return undefined
  return inputProblem(INPUT.upxArgs, `given, but ${INPUT.upx} is false`)
}

/** An expected text needs a smoke run to look for it in. */
export function smokeExpectNeedsSmokeTest({ inputs, given }: RuleView): string | undefined {
  if (inputs.smokeTestExpect === '' || given(INPUT.smokeTest)) return undefined
  return inputProblem(
    INPUT.smokeTestExpect,
    `needs ${INPUT.smokeTest}, the arguments to run each binary with (like --version)`
  )
}

/**
 * A password without a key usually means the key's secret is unset or not passed to forks.
 * cosign-tlog alone is fine: on fork pull requests secrets are empty, and the build must still run.
 */
export function cosignPasswordNeedsKey({ inputs }: RuleView): string | undefined {
  if (inputs.cosignKey !== '' || inputs.cosignPassword === '') return undefined
  return inputProblem(
    INPUT.cosignPassword,
    `given, but ${INPUT.cosignKey} is empty (is the key's secret set, and available to this workflow?)`
  )
}

/** Every rule across inputs, in the order their problems are listed. */
export const RULES: readonly InputRule[] = [
  binaryNamePerPackage,
  distHoldsNoSources,
  oneWayToSplit,
  splitOnlyForPlan,
  shardOnlyForBuild,
  plannedTargetsOnlyForBuild,
  publishingLegNeedsPlan,
  releaseNeedsToken,
  upxArgsNeedUpx,
  smokeExpectNeedsSmokeTest,
  cosignPasswordNeedsKey
]
