// The nFPM runner (nfpm/ in this repository: nFPM v2.46.3, the version GoReleaser v2.16.0 makes
// packages with) built with the job's own Go toolchain and caches, once per machine and runner
// source, and run with one JSON request for all of a job's packages.
import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ProcessPort } from './ports/process.js'
import { tail } from './lib/format.js'

/** The folder holding the runner's source (go.mod, go.sum, main.go). */
export const RUNNER_FOLDER = 'nfpm'
const SOURCES = ['go.mod', 'go.sum', 'main.go']

/**
 * The runner's source folder: found by walking up from this file (src/ in tests, dist/ when
 * bundled) to the folder that holds action.yml and nfpm/go.mod.
 */
export function runnerSourceDir(from = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (
      fs.existsSync(path.join(dir, 'action.yml')) &&
      fs.existsSync(path.join(dir, RUNNER_FOLDER, 'go.mod'))
    )
      return path.join(dir, RUNNER_FOLDER)
    if (path.dirname(dir) === dir)
      throw new Error(
        `internal: the action's ${RUNNER_FOLDER}/ folder (the nFPM runner's source) is not next to ${from}`
      )
  }
}

/**
 * Where the built runner is kept: under the runner's tool cache (RUNNER_TOOL_CACHE, kept for the
 * job on hosted runners and across jobs on self-hosted ones) or the OS temp folder, in a folder
 * named by a digest of its source, the Go version and the host platform.
 */
export function runnerBinaryPath(
  sourceDir: string,
  goVersion: string,
  env: Readonly<Record<string, string | undefined>>
): string {
  const hash = createHash('sha256')
  for (const file of SOURCES) hash.update(fs.readFileSync(path.join(sourceDir, file)))
  hash.update(`${goVersion} ${process.platform} ${process.arch}`)
  const base = env.RUNNER_TOOL_CACHE || os.tmpdir()
  const exe = process.platform === 'win32' ? '.exe' : ''
  return path.join(
    base,
    'go-xbuild-action-nfpm',
    hash.digest('hex').slice(0, 16),
    `nfpm-runner${exe}`
  )
}

/**
 * The runner's path, built first when missing: `go build -trimpath` in its folder with the job's
 * Go environment (its GOCACHE and GOMODCACHE, so the post step saves the build and the modules
 * like the project's), the module's own go.sum, no workspace and no user GOFLAGS. Written under
 * a temporary name and renamed, so concurrent jobs never run a half-written file. Returns whether
 * it was built.
 */
export async function ensureRunner(
  proc: ProcessPort,
  goEnv: Record<string, string>,
  goVersion: string
): Promise<{ path: string; built: boolean }> {
  const sourceDir = runnerSourceDir()
  const binary = runnerBinaryPath(sourceDir, goVersion, goEnv)
  if (fs.existsSync(binary)) return { path: binary, built: false }
  fs.mkdirSync(path.dirname(binary), { recursive: true })
  const partial = `${binary}.${process.pid}.partial`
  const env = { ...goEnv, GOFLAGS: '-mod=readonly', GOWORK: 'off', CGO_ENABLED: '0' }
  const result = await proc.run('go', ['build', '-trimpath', '-o', partial, '.'], {
    cwd: sourceDir,
    env,
    maxOutputBytes: 64 * 1024
  })
  if (result.code !== 0) {
    fs.rmSync(partial, { force: true })
    throw new Error(
      `building the nFPM runner (go build in ${sourceDir}) failed with exit code ${result.code}: ${tail(result.stderr || result.stdout)}`
    )
  }
  fs.renameSync(partial, binary)
  return { path: binary, built: true }
}

/** One package for the runner to write. */
export interface RunnerJob {
  format: string
  /** absolute path of the package file */
  out: string
  /** nFPM's Info in its JSON form */
  info: Record<string, unknown>
  /** the signing key's passphrase (nFPM's Info has no JSON field for it) */
  passphrase?: string
}

/** What the runner answers for a job. */
export interface RunnerResult {
  conventionalFileName: string
  conventionalExtension: string
  error?: string
}

/**
 * Runs the runner once for all jobs (paths in the infos relative to `cwd`). The request goes on
 * stdin, never the command line: it may hold key passphrases. Throws when the runner itself
 * fails; a package's own failure is in its result.
 */
export async function runRunner(
  proc: ProcessPort,
  binary: string,
  jobs: readonly RunnerJob[],
  options: { cwd: string; env: Record<string, string>; parallelism: number }
): Promise<RunnerResult[]> {
  const result = await proc.run(binary, [], {
    cwd: options.cwd,
    env: options.env,
    input: JSON.stringify({ jobs, parallelism: options.parallelism }),
    maxOutputBytes: 16 * 1024 * 1024
  })
  if (result.code !== 0)
    throw new Error(
      `the nFPM runner failed with exit code ${result.code}: ${tail(result.stderr || result.stdout)}`
    )
  const answer = JSON.parse(result.stdout) as { results?: RunnerResult[] }
  if (!Array.isArray(answer.results) || answer.results.length !== jobs.length)
    throw new Error(`internal: the nFPM runner answered ${result.stdout.slice(0, 200)}`)
  return answer.results
}
