import * as core from '@actions/core'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { actionInputSource, parseInputs, secretValues } from './inputs/index.js'
import { secretLines } from './lib/secret-files.js'
import { createContext, type Context } from './context.js'
import { runStages, stagesFor } from './pipeline.js'
import { realClock } from './ports/clock.js'
import { actionsAttest } from './ports/attest.js'
import { registryClient } from './ports/registry.js'
import { githubReleaseApi } from './ports/release-api.js'
import { githubRepoFiles } from './ports/repo-files.js'
import { actionsArtifacts } from './ports/workflow-artifacts.js'
import { actionsCache } from './ports/cache.js'
import { actionsLog } from './ports/log.js'
import { actionsOutputs } from './ports/outputs.js'
import { realProcess } from './ports/process.js'
import { actionsState } from './ports/state.js'
import { InputError, errorMessage } from './lib/errors.js'
import { takeSigstoreToken } from './lib/sigstore-token.js'

/** Owner of our problem matcher: setup-go registers `go`, and two matchers with one owner clash. */
const MATCHER_OWNER = 'go-xbuild'

/** The action's main step: the one place that sets the job's failure. */
export async function runAction(): Promise<void> {
  const env = process.env
  let removeMatcher = (): void => {}
  try {
    const { inputs, problems } = parseInputs(actionInputSource, {
      workspace: env.GITHUB_WORKSPACE || process.cwd()
    })
    // Masked before anything else is written: the runner then hides it in every later line.
    // Every secret input (the token, keys, passwords); the runner masks line by line, so a
    // multi-line key is masked whole and each line on its own.
    for (const value of secretValues(inputs))
      for (const s of new Set([value, ...secretLines(value)])) core.setSecret(s)
    // Masked too, and out of the environment (takeSigstoreToken says why).
    const sigstoreToken = takeSigstoreToken(env)
    if (sigstoreToken)
      for (const s of new Set([sigstoreToken, ...secretLines(sigstoreToken)])) core.setSecret(s)
    const ctx: Context = createContext({
      inputs,
      inputProblems: problems,
      ports: {
        process: realProcess,
        outputs: actionsOutputs,
        cache: actionsCache,
        state: actionsState,
        clock: realClock,
        artifacts: actionsArtifacts(env),
        releaseApi: token => githubReleaseApi(token, env, actionsLog),
        repoFiles: (repository, token) => githubRepoFiles(repository, token, env, actionsLog),
        registry: credentials => registryClient({ credentials }),
        attest: actionsAttest({
          identityToken: inputs.attest ? sigstoreToken || undefined : undefined
        }),
        env
      },
      log: actionsLog
    })
    removeMatcher = addProblemMatcher(env.RUNNER_TEMP || os.tmpdir())
    await runStages(ctx, stagesFor(inputs.mode))
  } catch (error) {
    core.setFailed(
      error instanceof InputError ? error.message : `go-xbuild: ${errorMessage(error)}`
    )
  } finally {
    removeMatcher()
  }
}

/** Turns Go compiler errors (file.go:line:col: message) in the relayed build output into annotations. */
function addProblemMatcher(dir: string): () => void {
  const file = path.join(dir, `go-xbuild-matcher-${process.pid}.json`)
  const matcher = {
    problemMatcher: [
      {
        owner: MATCHER_OWNER,
        pattern: [
          {
            regexp: '^\\s*(?:\\./)?([^\\s:][^:]*\\.go):(\\d+):(?:(\\d+):)? (.*)$',
            file: 1,
            line: 2,
            column: 3,
            message: 4
          }
        ]
      }
    ]
  }
  fs.mkdirSync(dir, { recursive: true })
  fs.writeFileSync(file, JSON.stringify(matcher))
  core.info(`::add-matcher::${file}`)
  return () => core.info(`::remove-matcher owner=${MATCHER_OWNER}::`)
}
