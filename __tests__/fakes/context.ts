import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { parseInputs, type InputName } from '../../src/inputs/index.js'
import { createContext, type Context, type Stage } from '../../src/context.js'
import { stagesFor } from '../../src/pipeline.js'
import { realClock } from '../../src/ports/clock.js'
import { actionsAttest, type AttestPort } from '../../src/ports/attest.js'
import { registryClient } from '../../src/ports/registry.js'
import { githubReleaseApi } from '../../src/ports/release-api.js'
import { githubRepoFiles } from '../../src/ports/repo-files.js'
import { noArtifacts } from '../../src/ports/workflow-artifacts.js'
import { consoleLog } from '../../src/ports/log.js'
import { consoleOutputs } from '../../src/ports/outputs.js'
import { realProcess, type ProcessPort } from '../../src/ports/process.js'
import { noCache } from '../../src/ports/cache.js'
import { noState } from '../../src/ports/state.js'
import type { Ports } from '../../src/context.js'

/** A process port that records every argv it was given and runs it on `inner` (real processes unless given). */
export function recordingProcess(
  inner: ProcessPort = realProcess
): ProcessPort & { calls: { file: string; args: string[] }[] } {
  const calls: { file: string; args: string[] }[] = []
  return {
    calls,
    run(file, args, options) {
      calls.push({ file, args: [...args] })
      return inner.run(file, args, options)
    }
  }
}

/** What a test context lets the test look at afterwards. */
export interface TestRun {
  ctx: Context
  lines: string[]
  outputs: Map<string, string>
  summary: string[]
  process: ReturnType<typeof recordingProcess>
}

/** How a test context is made; every port not given is the real one (processes, clock) or a no-op. */
export interface TestContextOptions {
  workspace: string
  /** runner variables over this process's environment (or over nothing, with hostEnv: false) */
  env?: Record<string, string | undefined>
  attest?: AttestPort
  /** the process port under the recording one (a scripted port for hermetic tests) */
  process?: ProcessPort
  /** false: the runner environment is `env` alone, nothing of the machine running the tests */
  hostEnv?: boolean
  releaseApi?: Ports['releaseApi']
  repoFiles?: Ports['repoFiles']
}

/** A context with captured logs and outputs; `values` are the inputs by action.yml name. */
export function testContext(
  values: Partial<Record<InputName, string>>,
  options: TestContextOptions
): TestRun {
  const lines: string[] = []
  const summary: string[] = []
  const outputs = consoleOutputs(text => summary.push(text))
  const process = recordingProcess(options.process)
  const { inputs, problems } = parseInputs(name => values[name] ?? '', {
    workspace: options.workspace,
    cpus: 2
  })
  const env = {
    ...(options.hostEnv === false ? {} : globalThis.process.env),
    GITHUB_REF: '',
    GITHUB_SHA: '',
    SOURCE_DATE_EPOCH: '',
    ...options.env
  }
  const log = consoleLog({ write: line => lines.push(line) })
  const ctx = createContext({
    inputs,
    inputProblems: problems,
    ports: {
      process,
      outputs,
      cache: noCache,
      state: noState,
      clock: realClock,
      artifacts: noArtifacts,
      // The real client: tests point GITHUB_API_URL at the loopback GitHub service.
      releaseApi: options.releaseApi ?? (token => githubReleaseApi(token, env, log)),
      repoFiles:
        options.repoFiles ?? ((repository, token) => githubRepoFiles(repository, token, env, log)),
      registry: credentials => registryClient({ credentials }),
      attest: options.attest ?? actionsAttest(),
      env
    },
    log
  })
  return { ctx, lines, outputs: outputs.outputs, summary, process }
}

/** Copies a fixture module into a fresh temp workspace and returns the workspace path. */
export function copyFixture(name: string, options: { git?: boolean; into?: string } = {}): string {
  const workspace = options.into ?? fs.mkdtempSync(path.join(os.tmpdir(), `xbuild-${name}-`))
  fs.cpSync(path.join(import.meta.dirname, '..', 'fixtures', name), workspace, { recursive: true })
  return workspace
}

/** Creates a git repository with one commit at a fixed time, so version and dates are known. */
export async function gitInit(
  dir: string,
  options: { tag?: string; epoch?: number } = {}
): Promise<string> {
  const epoch = options.epoch ?? 1_700_000_000
  const env = {
    ...globalThis.process.env,
    GIT_AUTHOR_DATE: `@${epoch} +0000`,
    GIT_COMMITTER_DATE: `@${epoch} +0000`,
    GIT_AUTHOR_NAME: 'test',
    GIT_AUTHOR_EMAIL: 'test@example.com',
    GIT_COMMITTER_NAME: 'test',
    GIT_COMMITTER_EMAIL: 'test@example.com'
  } as Record<string, string>
  const git = async (...args: string[]): Promise<string> => {
    const out = await realProcess.run('git', args, { cwd: dir, env })
    if (out.code !== 0) throw new Error(`git ${args.join(' ')}: ${out.stderr}`)
    return out.stdout.trim()
  }
  await git('init', '-q', '-b', 'main')
  await git('add', '-A')
  await git('commit', '-q', '-m', 'fixture')
  if (options.tag) await git('tag', options.tag)
  return git('rev-parse', 'HEAD')
}

/** What a stage's runner checks find in this context's mode: none where the mode runs no such stage. */
export async function prepareProblems(ctx: Context, stage: Stage): Promise<string[]> {
  return stagesFor(ctx.inputs.mode).includes(stage) ? ((await stage.prepare?.(ctx)) ?? []) : []
}
