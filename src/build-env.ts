import type { CgoSetup } from './facts.js'
import type { EnvSetting } from './go-flags.js'
import { variantEnv, type Target } from './targets.js'
import { matchesTargetPattern } from './lib/target-patterns.js'
import { TARGET_VARIABLES } from './lib/target-patterns.js'

/**
 * Secrets a runner hands the action's own process that no go command needs: the inputs
 * (github-token, cosign-key, … arrive as INPUT_*) and the runner's service tokens. A C compiler,
 * a toolexec or a module's code run by go would otherwise see them.
 */
function isActionSecret(name: string): boolean {
  return (
    name.startsWith('INPUT_') ||
    name === 'ACTIONS_RUNTIME_TOKEN' ||
    name === 'ACTIONS_ID_TOKEN_REQUEST_TOKEN'
  )
}

/**
 * The runner's environment (without the action's inputs and tokens) plus the user's unscoped
 * settings: for go env, go list, go mod download and, with the target's variables, go build.
 */
export function baseEnv(
  runnerEnv: Readonly<Record<string, string | undefined>>,
  settings: readonly EnvSetting[]
): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [name, value] of Object.entries(runnerEnv)) {
    if (value !== undefined && !isActionSecret(name)) env[name] = value
  }
  for (const name of TARGET_VARIABLES) delete env[name]
  for (const s of settings) if (s.scope === undefined) env[s.name] = s.value
  return env
}

/** The environment of one target's go build: base, then settings scoped to the target, then the target and cgo variables. */
export function targetEnv(
  base: Readonly<Record<string, string>>,
  settings: readonly EnvSetting[],
  target: Target,
  cgo: CgoSetup
): Record<string, string> {
  const env: Record<string, string> = { ...base }
  for (const s of settings)
    if (s.scope !== undefined && matchesTargetPattern(s.scope, target)) env[s.name] = s.value
  env.GOOS = target.goos
  env.GOARCH = target.goarch
  Object.assign(env, variantEnv(target))
  env.CGO_ENABLED = cgo.enabled ? '1' : '0'
  if (cgo.enabled && cgo.cc) env.CC = cgo.cc
  if (cgo.enabled && cgo.cxx) env.CXX = cgo.cxx
  // cgo-link: static: the C linker gets -static after the user's own CGO_LDFLAGS.
  if (cgo.enabled && cgo.static)
    env.CGO_LDFLAGS = env.CGO_LDFLAGS ? `${env.CGO_LDFLAGS} -static` : '-static'
  return env
}

/** The value a target's build sees for one variable from the user's env settings (scoped beats unscoped). */
export function settingFor(
  settings: readonly EnvSetting[],
  name: string,
  target: Target
): string | undefined {
  let value: string | undefined
  for (const s of settings) if (s.name === name && s.scope === undefined) value = s.value
  for (const s of settings)
    if (s.name === name && s.scope !== undefined && matchesTargetPattern(s.scope, target))
      value = s.value
  return value
}

/**
 * What {{.Env}} reads: the runner's environment and the env settings that apply to `target`
 * (only the unscoped ones without a target: names of files that cover every target).
 */
export function templateEnv(
  runner: Readonly<Record<string, string | undefined>>,
  settings: readonly EnvSetting[],
  target?: Target
): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...runner }
  for (const s of settings)
    if (s.scope === undefined || (target && matchesTargetPattern(s.scope, target)))
      env[s.name] = s.value
  return env
}
