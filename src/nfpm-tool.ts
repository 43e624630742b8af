// The nFPM runner (nfpm/ in this repository: nFPM v2.46.3, the version GoReleaser v2.16.0 makes
// packages with) built with the job's own Go toolchain and caches, once per machine and runner
// source, and run with one JSON request for all of a job's packages.
import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { CachePort, SaveResult } from './ports/cache.js'
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

/** The cache entry of a built runner: its folder's name (source, Go, host) and the platform. */
export function runnerCacheKey(binary: string): string {
  return `go-xbuild-nfpm-runner-${path.basename(path.dirname(binary))}-${process.platform}-${process.arch}`
}

/** Where the job may keep the built runner between runs, and whether it may restore and save. */
export interface RunnerCache {
  port: CachePort
  restore: boolean
  save: boolean
}

/** How the runner came to be there. */
export interface ProvidedRunner {
  path: string
  how: 'found' | 'restored' | 'built'
  /** the save of a runner built here (absent when it was not saved) */
  saved?: SaveResult
}

/**
 * The runner's path: found on this machine, else restored from the Actions cache (one small
 * entry: the binary), else built and saved there. The build is `go build -trimpath` in its
 * folder with the job's Go environment and module cache, the module's own go.sum, no workspace
 * and no user GOFLAGS, and a GOCACHE of its own that is removed afterwards: the binary is what
 * is kept, so the job's build cache does not grow by the runner's 150 MiB. Written under a
 * temporary name and renamed, so concurrent jobs never run a half-written file.
 */
export async function ensureRunner(
  proc: ProcessPort,
  goEnv: Record<string, string>,
  goVersion: string,
  cache?: RunnerCache
): Promise<ProvidedRunner> {
  const sourceDir = runnerSourceDir()
  const binary = runnerBinaryPath(sourceDir, goVersion, goEnv)
  if (fs.existsSync(binary)) return { path: binary, how: 'found' }
  const dir = path.dirname(binary)
  const key = runnerCacheKey(binary)
  const useCache = cache !== undefined && cache.port.available()
  if (useCache && cache.restore) {
    const restored = await cache.port.restore([dir], key, [])
    if (restored.matchedKey && fs.existsSync(binary)) return { path: binary, how: 'restored' }
  }
  fs.mkdirSync(dir, { recursive: true })
  const partial = `${binary}.${process.pid}.partial`
  const gocache = fs.mkdtempSync(path.join(path.dirname(dir), 'gocache-'))
  const env = {
    ...goEnv,
    GOCACHE: gocache,
    GOFLAGS: '-mod=readonly',
    GOWORK: 'off',
    CGO_ENABLED: '0'
  }
  try {
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
  } finally {
    fs.rmSync(gocache, { recursive: true, force: true })
  }
  fs.renameSync(partial, binary)
  if (!useCache || !cache.save) return { path: binary, how: 'built' }
  return { path: binary, how: 'built', saved: await cache.port.save([dir], key) }
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
