import { spawn } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'

/** Root of the repository (where dist/ lives). */
export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..')

/** What a spawned step left behind. */
export interface StepResult {
  code: number | null
  stdout: string
  stderr: string
  outputs: Record<string, string>
  /** what the step saved for its post step (GITHUB_STATE), to pass to the post step's run */
  state: Record<string, string>
  summary: string
}

/** Parses a GITHUB_OUTPUT file (`name<<delimiter` blocks and `name=value` lines). */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    const block = /^([^=<]+)<<(.+)$/.exec(line)
    if (block) {
      const end = lines.indexOf(block[2]!, i + 1)
      outputs[block[1]!] = lines.slice(i + 1, end).join('\n')
      i = end
    } else if (line.includes('=')) {
      outputs[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1)
    }
  }
  return outputs
}

/**
 * Spawns a bundled entry point (dist/main.js, relative to the repository or absolute) the way a runner does: node with INPUT_* variables
 * (name upper-cased, hyphens kept) and the command files a runner creates.
 */
export async function runStep(
  entry: string,
  inputs: Record<string, string>,
  options: StepOptions
): Promise<StepResult> {
  return spawnStep(entry, inputs, options, false).result
}

/** How to spawn a step. */
export interface StepOptions {
  workspace: string
  env?: Record<string, string>
  state?: Record<string, string>
  /** run the step as this user (the test process must be root); the runner's files are theirs */
  user?: { uid: number; gid: number }
  /** the node program to run it with (the runner's node24, see findNode24); default: this one */
  node?: string
}

/** A step still running. */
export interface RunningStep {
  /** Settles when the step has ended and its streams are closed. */
  result: Promise<StepResult>
  /**
   * SIGKILLs the step and everything it started (its process group), as a runner does when a
   * job is cancelled hard or its machine is lost, and waits for its end.
   */
  kill(): Promise<StepResult>
}

/**
 * Like {@link runStep}, without waiting: the step runs in its own process group, so {@link
 * RunningStep.kill} reaches the programs it started too (go build and its compilers).
 */
export function startStep(
  entry: string,
  inputs: Record<string, string>,
  options: StepOptions
): RunningStep {
  return spawnStep(entry, inputs, options, true)
}

function spawnStep(
  entry: string,
  inputs: Record<string, string>,
  options: StepOptions,
  group: boolean
): RunningStep {
  const files = fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-runner-'))
  const names = [
    'GITHUB_OUTPUT',
    'GITHUB_STEP_SUMMARY',
    'GITHUB_STATE',
    'GITHUB_ENV',
    'GITHUB_PATH'
  ] as const
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? os.homedir(),
    GOCACHE: process.env.GOCACHE ?? path.join(os.homedir(), '.cache', 'go-build'),
    GOPATH: process.env.GOPATH ?? path.join(os.homedir(), 'go'),
    GOPROXY: 'off',
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    RUNNER_OS: 'Linux',
    RUNNER_ARCH: 'X64',
    RUNNER_TEMP: path.join(files, 'temp'),
    GITHUB_WORKSPACE: options.workspace,
    GITHUB_REPOSITORY: 'octo/hello',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_RUN_ID: '1',
    GITHUB_RUN_ATTEMPT: '1'
  }
  for (const name of names) {
    env[name] = path.join(files, name.toLowerCase())
    fs.writeFileSync(env[name], '')
  }
  fs.mkdirSync(env.RUNNER_TEMP!)
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value
  // The runner hands the main step's saved state to the post step as STATE_<name>.
  for (const [name, value] of Object.entries(options.state ?? {})) env[`STATE_${name}`] = value
  Object.assign(env, options.env)
  if (options.user) {
    for (const p of [files, ...fs.readdirSync(files).map(n => path.join(files, n))]) {
      fs.chownSync(p, options.user.uid, options.user.gid)
    }
  }

  const child = spawn(options.node ?? process.execPath, [path.resolve(REPO_ROOT, entry)], {
    ...(options.user ?? {}),
    cwd: options.workspace,
    env,
    // Its own process group: kill() must reach what it started, and only that.
    detached: group,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', d => (stdout += d))
  child.stderr.on('data', d => (stderr += d))
  const result = new Promise<number | null>(resolve => child.on('close', resolve)).then(code => ({
    code,
    stdout,
    stderr,
    outputs: parseOutputFile(fs.readFileSync(env.GITHUB_OUTPUT!, 'utf8')),
    state: parseOutputFile(fs.readFileSync(env.GITHUB_STATE!, 'utf8')),
    summary: fs.readFileSync(env.GITHUB_STEP_SUMMARY!, 'utf8')
  }))
  return {
    result,
    kill() {
      if (!group) throw new Error('internal: kill() needs a step started by startStep')
      try {
        process.kill(-child.pid!, 'SIGKILL')
      } catch (error) {
        // ESRCH: the group is gone already; the result says how it ended.
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error
      }
      return result
    }
  }
}
