import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import type { Stage } from '../../src/context.js'
import { runStages, stages } from '../../src/pipeline.js'
import { preflight } from '../../src/stages/preflight.js'
import { copyFixture, testContext, type TestRun } from './context.js'
import { scriptedProcess, type Expected, type ScriptedProcess } from './scripted-process.js'
import { mainPackage, moduleAnswers, type GoPackage, type Repo } from './toolchain.js'

/**
 * The stages of a run up to the first that talks to anything outside (the release preflight):
 * resolving the toolchain and targets and checking every input. Taken from the run's own list, so
 * wherever the checks live (the resolve stage, stage hooks), a test runs all of them.
 */
export const validation: readonly Stage[] = stages.slice(0, stages.indexOf(preflight))

/** Runs the validating stages: the facts are set afterwards, or every input problem is thrown. */
export function validate(run: { ctx: TestRun['ctx'] }): Promise<void> {
  return runStages(run.ctx, validation)
}

/** Temp folders this file made for the tests of one test file; removed after them. */
const made: string[] = []
afterAll(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
})
const tempDir = (prefix: string): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  made.push(dir)
  return dir
}

/** A copy of a fixture module in a temp workspace, removed after the test file. */
export function fixtureWorkspace(fixture: keyof typeof MODULES): string {
  return copyFixture(fixture, { into: tempDir(`xbuild-${fixture}-`) })
}

/** A hermetic test context and what it lets the test look at. */
export interface HermeticRun extends TestRun {
  /** the scripted process port every stage talks to */
  script: ScriptedProcess
  /** the PATH folder holding the fake programs of `tools` */
  bin: string
}

/**
 * A context whose processes are scripted and whose runner environment is only `env` plus a PATH
 * of placeholder programs named `tools` (so PATH lookups of gcc, upx, cosign, qemu find them);
 * nothing of the machine running the tests leaks in, and no real program is started. Caches,
 * state, workflow artifacts, attestations and the releases API are no-ops that fail when used.
 */
export function hermeticContext(
  values: Values,
  options: {
    workspace: string
    script?: readonly Expected[]
    ordered?: boolean
    tools?: readonly string[]
    env?: Record<string, string | undefined>
  }
): HermeticRun {
  const bin = tempDir('xbuild-hermetic-bin-')
  for (const tool of options.tools ?? []) {
    // Never run (the process port is scripted); exit 127 says so if something ever did.
    fs.writeFileSync(
      path.join(bin, tool),
      '#!/bin/sh\necho "hermetic test placeholder: not to be run" >&2\nexit 127\n',
      { mode: 0o755 }
    )
  }
  const script = scriptedProcess(options.script ?? [], { ordered: options.ordered })
  const run = testContext(values, {
    workspace: options.workspace,
    process: script,
    hostEnv: false,
    env: {
      PATH: bin,
      HOME: options.workspace,
      RUNNER_TEMP: tempDir('xbuild-hermetic-temp-'),
      ...options.env
    },
    attest: () => Promise.reject(new Error('hermetic test: no attestation service')),
    releaseApi: () => {
      throw new Error('hermetic test: no releases API')
    },
    repoFiles: () => {
      throw new Error('hermetic test: no repositories API')
    }
  })
  return { ...run, script, bin }
}

/** Input values by action.yml name (the type testContext takes, wherever the inputs module lives). */
export type Values = Parameters<typeof testContext>[0]

/** The fixture modules hermetic tests copy, by their module path. */
export const MODULES = {
  hello: 'example.com/hello-fixture',
  multi: 'example.com/multi',
  vendored: 'example.com/vendored'
} as const

/**
 * A fixture module copied into a temp workspace, with the script of everything resolving it asks
 * (go env, dist list, go list, git at COMMIT) followed by `script`.
 */
export function moduleContext(
  values: Values,
  o: {
    fixture?: keyof typeof MODULES
    /** go list's answers by pattern; default: the module root is the one main package */
    packages?: (root: string) => Record<string, GoPackage[]>
    repo?: Repo | 'not-a-repo' | 'no-git'
    goEnv?: Record<string, string>
    env?: Record<string, string>
    tools?: string[]
    script?: Expected[]
  } = {}
): HermeticRun {
  const fixture = o.fixture ?? 'hello'
  const workspace = fixtureWorkspace(fixture)
  const root = fs.realpathSync(workspace)
  const answers = moduleAnswers({
    root,
    modulePath: MODULES[fixture],
    packages: o.packages?.(root),
    repo: o.repo,
    goEnv: o.goEnv
  })
  return hermeticContext(values, {
    workspace,
    script: [...answers, ...(o.script ?? [])],
    tools: o.tools,
    env: o.env
  })
}

/** go list's answers in the multi fixture (two commands and a library) for each of `patterns`. */
export const multiPackages =
  (...patterns: string[]) =>
  (root: string): Record<string, GoPackage[]> => {
    const client = mainPackage(root, MODULES.multi, 'cmd/client')
    const server = mainPackage(root, MODULES.multi, 'cmd/server')
    const banner = {
      name: 'banner',
      importPath: `${MODULES.multi}/internal/banner`,
      dir: `${root}/internal/banner`
    }
    const all: Record<string, GoPackage[]> = {
      './...': [client, server, banner],
      './cmd/client': [client],
      './cmd/server': [server]
    }
    return Object.fromEntries(patterns.map(p => [p, all[p]!]))
  }

/** The problems of the one InputError validating throws; fails when it throws anything else or nothing. */
export async function problemsOf(run: HermeticRun): Promise<string[]> {
  const error: unknown = await validate(run).then(
    () => new Error('validation passed: expected an InputError'),
    (e: unknown) => e
  )
  if (!(error instanceof Error) || error.name !== 'InputError') throw error
  return [...(error as Error & { problems: string[] }).problems]
}
