#!/usr/bin/env node
import { USAGE, parseCliArgs } from './cli-args.js'
import { SECRET_VARIABLES, parseInputs } from './inputs/index.js'
import { createContext } from './context.js'
import { runStages, stagesFor } from './pipeline.js'
import { realClock } from './ports/clock.js'
import { actionsAttest } from './ports/attest.js'
import { registryClient } from './ports/registry.js'
import { githubReleaseApi } from './ports/release-api.js'
import { githubRepoFiles } from './ports/repo-files.js'
import { noArtifacts } from './ports/workflow-artifacts.js'
import { consoleLog } from './ports/log.js'
import { consoleOutputs } from './ports/outputs.js'
import { realProcess } from './ports/process.js'
import { noCache } from './ports/cache.js'
import { noState } from './ports/state.js'
import { InputError, errorMessage } from './lib/errors.js'
import { takeSigstoreToken } from './lib/sigstore-token.js'

async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE)
    return 0
  }
  const values = parseCliArgs(argv)
  const log = consoleLog({ debug: process.env.GO_XBUILD_DEBUG === '1' })
  const outputs = consoleOutputs()
  // A command line is visible to every process on the machine: secrets come from the environment.
  for (const [name, variable] of SECRET_VARIABLES) {
    if (values.has(name)) throw new Error(`--${name} is refused: put it in ${variable} instead`)
  }
  const sigstoreToken = takeSigstoreToken(process.env)
  const { inputs, problems } = parseInputs(
    name => {
      const variable = SECRET_VARIABLES.get(name)
      return variable ? (process.env[variable] ?? '') : (values.get(name) ?? '')
    },
    { workspace: process.cwd() }
  )
  const ctx = createContext({
    inputs,
    inputProblems: problems,
    ports: {
      process: realProcess,
      outputs,
      cache: noCache,
      state: noState,
      clock: realClock,
      artifacts: noArtifacts,
      releaseApi: token => githubReleaseApi(token, process.env, log),
      repoFiles: (repository, token) => githubRepoFiles(repository, token, process.env, log),
      registry: credentials => registryClient({ credentials }),
      attest: actionsAttest({
        identityToken: inputs.attest ? sigstoreToken || undefined : undefined
      }),
      env: process.env
    },
    log
  })
  await runStages(ctx, stagesFor(inputs.mode))
  process.stdout.write(
    `\ndist-dir: ${outputs.outputs.get('dist-dir')}\nchecksums-file: ${outputs.outputs.get('checksums-file')}\nversion: ${outputs.outputs.get('version')}\n`
  )
  return 0
}

try {
  process.exitCode = await main(process.argv.slice(2))
} catch (error) {
  process.stderr.write(
    `go-xbuild: ${error instanceof InputError ? error.message : errorMessage(error)}\n`
  )
  process.exitCode = 1
}
