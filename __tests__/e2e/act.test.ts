import { spawn } from 'node:child_process'
import * as fs from 'node:fs'
import * as net from 'node:net'
import * as os from 'node:os'
import * as path from 'node:path'
import { realProcess } from '../../src/ports/process.js'
import { copyFixture, gitInit } from '../fakes/context.js'
import { findGoTool, goBinDirs, processEnv } from '../fakes/go-tools.js'
import { sha256sumRelease } from '../fakes/release-check.js'
import { REPO_ROOT } from '../fakes/runner.js'
import { startAzurite, type Azurite } from '../services/azurite.js'
import { startGitHubService, type GitHubService } from '../services/github.js'
import { startResultsService, type ResultsService } from '../services/results-service.js'
import { tail } from '../../src/lib/format.js'

/**
 * The README's plan → legs → publish recipe run by nektos/act (issue 5), in host mode
 * (`-P ubuntu-latest=-self-hosted`: every job is a process tree on this machine, no Docker).
 *
 * What act v0.2.87 does here, offline:
 * - Runs the workflow file (__tests__/fixtures/act/release.yml) for a tag push given with
 *   --eventpath: job outputs, `needs`, the matrix from `fromJSON(needs.plan.outputs.matrix)`,
 *   `runs-on: ${{ matrix.runs-on }}`, `uses: ./` with `runs.using: node24` (act accepts node24
 *   and runs the `node` on PATH, Node 20 here), `run:` steps, and the post step.
 * - `actions/checkout` of the workflow's own repository is never fetched: act copies the local
 *   repository (with .git) into each job's own workspace, so every leg starts from a fresh copy.
 * - GITHUB_TOKEN comes from `-s`, GITHUB_API_URL from `--env` (act lets it override the
 *   github.com default), GITHUB_REPOSITORY from the repository's `origin` remote.
 *
 * What it cannot do, and how the test goes around it:
 * - Fetch any other action: it clones them from github.com. The workflow has no
 *   actions/setup-go; the jobs use the host's Go.
 * - Its own artifact server rejects @actions/artifact ≥6.2 uploads: `unknown field "mime_type"`
 *   (its CreateArtifactRequest has no such field and it decodes strictly; act issue #6022), and
 *   its cache server speaks only the v1 protocol. So the cache server is off and
 *   ACTIONS_RUNTIME_URL (act copies it into ACTIONS_RESULTS_URL) and ACTIONS_RUNTIME_TOKEN, which
 *   act reads from its own environment, point at the loopback results service. act applies them
 *   only with --artifact-server-path, which also starts its own server (on 127.0.0.1, not the
 *   default outbound address): the test checks that nothing was stored there.
 * - Give each job its own ACTIONS_RUNTIME_TOKEN: all jobs share one, so the service sees every
 *   artifact as one job's. Their names differ by shard, as on GitHub.
 */
const ACT_VERSION = '0.2.87'
const TAG = 'v3.0.0'
const TARGETS = [
  'linux/amd64',
  'linux/arm64',
  'windows/amd64',
  'darwin/arm64',
  'freebsd/amd64',
  'linux/386'
]
/** act's whole run: six cold-ish cross builds on two cores, plus act's own set-up per job. */
const ACT_TIMEOUT_MS = 15 * 60 * 1000

let azurite: Azurite
let results: ResultsService
let gh: GitHubService

beforeAll(async () => {
  azurite = await startAzurite()
  results = await startResultsService({ azurite, scope: `refs/tags/${TAG}` })
  gh = await startGitHubService()
})

afterAll(async () => {
  await gh?.stop()
  await results?.stop()
  await azurite?.stop()
})

/** The pinned act: .ci/run installs it. */
function findAct(): Promise<string> {
  return findGoTool({
    name: 'act',
    module: 'github.com/nektos/act',
    version: `v${ACT_VERSION}`,
    versionArgs: ['--version'],
    versionOf: out => /^act version (\S+)/m.exec(out)?.[1]?.replace(/^/, 'v')
  })
}

async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as net.AddressInfo).port
  await new Promise(resolve => server.close(resolve))
  return port
}

/**
 * A repository like this one: the action (action.yml, package.json for `"type": "module"`, the
 * bundled dist/ with its chunks) at the root so `uses: ./` finds it, the Go module in examples/hello, the
 * workflow in .github/workflows; one commit, tagged, with a github.com origin for act to name
 * the repository by.
 */
async function makeRepository(): Promise<{ dir: string; sha: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-act-repo-'))
  // Every file of dist/: the entries load their chunks (dist/main-*.js) from beside them.
  const bundle = fs.readdirSync(path.join(REPO_ROOT, 'dist')).map(name => `dist/${name}`)
  for (const file of ['action.yml', 'package.json', ...bundle]) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true })
    fs.copyFileSync(path.join(REPO_ROOT, file), path.join(dir, file))
  }
  fs.mkdirSync(path.join(dir, 'examples'))
  copyFixture('hello', { into: path.join(dir, 'examples', 'hello') })
  fs.mkdirSync(path.join(dir, '.github', 'workflows'), { recursive: true })
  fs.copyFileSync(
    path.join(import.meta.dirname, '..', 'fixtures', 'act', 'release.yml'),
    path.join(dir, '.github', 'workflows', 'release.yml')
  )
  const sha = await gitInit(dir, { tag: TAG })
  const remote = `https://github.com/${gh.repository}.git`
  const git = await realProcess.run('git', ['remote', 'add', 'origin', remote], { cwd: dir })
  if (git.code !== 0) throw new Error(`git remote add: ${git.stderr}`)
  return { dir, sha }
}

/** Runs act with an argv array; output goes to `log` as it comes (act's logs are long). */
async function runAct(
  act: string,
  args: string[],
  options: { cwd: string; env: Record<string, string>; log: string }
): Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }> {
  const log = fs.openSync(options.log, 'w')
  try {
    const child = spawn(act, args, {
      cwd: options.cwd,
      env: options.env,
      shell: false,
      stdio: ['ignore', log, log],
      timeout: ACT_TIMEOUT_MS,
      killSignal: 'SIGTERM'
    })
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>(
      (resolve, reject) => {
        child.on('error', reject)
        child.on('close', (c, s) => resolve([c, s]))
      }
    )
    return { code, signal, output: fs.readFileSync(options.log, 'utf8') }
  } finally {
    fs.closeSync(log)
  }
}

test(
  'act runs plan → 3 legs (uses: ./, mode: build) → publish: one published release with every asset and a checksums file sha256sum -c accepts',
  async () => {
    const act = await findAct()
    const { dir: repo, sha } = await makeRepository()
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-act-'))
    const event = path.join(work, 'event.json')
    fs.writeFileSync(
      event,
      JSON.stringify({
        ref: `refs/tags/${TAG}`,
        before: '0000000000000000000000000000000000000000',
        after: sha,
        created: true,
        repository: {
          full_name: gh.repository,
          name: gh.repo,
          owner: { login: gh.owner },
          default_branch: 'main'
        }
      })
    )
    const actArtifacts = path.join(work, 'act-artifact-server')
    fs.mkdirSync(actArtifacts)
    const go = await realProcess.run('go', ['env', 'GOCACHE', 'GOPATH', 'GOMODCACHE'], {
      env: processEnv()
    })
    const [gocache = '', gopath = '', gomodcache = ''] = go.stdout.split('\n')

    // act's own environment: host-mode jobs inherit it, so it is built from scratch rather than
    // passed through (a CI runner's ACTIONS_* and GITHUB_* must not leak into the jobs).
    const env: Record<string, string> = {
      PATH: [...(process.env.PATH ?? '').split(path.delimiter), ...(await goBinDirs())].join(
        path.delimiter
      ),
      HOME: process.env.HOME ?? os.homedir(),
      // The host's warm build cache, as the other end-to-end tests use: the legs set `cache: false`.
      GOCACHE: gocache,
      GOPATH: gopath,
      GOMODCACHE: gomodcache,
      // The hello module is stdlib-only: nothing may be downloaded.
      GOPROXY: 'off',
      GOTOOLCHAIN: 'local',
      ACT_DISABLE_VERSION_CHECK: '1',
      // Read by act from its own environment (setActionRuntimeVars, with --artifact-server-path).
      ACTIONS_RUNTIME_URL: results.url,
      ACTIONS_RUNTIME_TOKEN: results.token()
    }
    const args = [
      'push',
      '--workflows',
      path.join(repo, '.github', 'workflows', 'release.yml'),
      '--directory',
      repo,
      '--eventpath',
      event,
      '-P',
      'ubuntu-latest=-self-hosted',
      '--no-cache-server',
      '--artifact-server-path',
      actArtifacts,
      '--artifact-server-addr',
      '127.0.0.1',
      '--artifact-server-port',
      String(await freePort()),
      '--action-cache-path',
      path.join(work, 'act-cache'),
      // Files act reads by default from its working directory: named, so none is picked up.
      '--env-file',
      path.join(work, 'none.env'),
      '--secret-file',
      path.join(work, 'none.secrets'),
      '--var-file',
      path.join(work, 'none.vars'),
      '--input-file',
      path.join(work, 'none.input'),
      '-s',
      `GITHUB_TOKEN=${gh.token}`,
      '--env',
      `GITHUB_API_URL=${gh.url}`,
      '--env',
      'ACTIONS_CACHE_SERVICE_V2=true'
    ]
    const run = await runAct(act, args, { cwd: work, env, log: path.join(work, 'act.log') })
    if (run.code !== 0) {
      const errors = run.output.split('\n').filter(l => /::error::|Job failed|^Error:/.test(l))
      throw new Error(
        `act exited ${run.code ?? run.signal} (full log: ${path.join(work, 'act.log')}):\n${errors.join('\n')}\n\nlast lines:\n${tail(run.output, 6000)}`
      )
    }

    // The legs' artifacts went through the loopback results service, none through act's server.
    const artifacts = results.artifacts().filter(a => a.finalized)
    expect(artifacts.map(a => a.name).sort()).toEqual([
      'hello-fixture_shard-1-of-3',
      'hello-fixture_shard-2-of-3',
      'hello-fixture_shard-3-of-3'
    ])
    for (const a of artifacts) expect(a.digest).toBe(`sha256:${a.storedSha256}`)
    const rpcs = results.calls.map(c => c.method)
    expect(rpcs.filter(m => m === 'FinalizeArtifact')).toHaveLength(3)
    expect(rpcs).toContain('ListArtifacts')
    expect(rpcs.filter(m => m === 'GetSignedArtifactURL')).toHaveLength(3)
    expect(results.calls.filter(c => c.status !== 200)).toEqual([])
    expect(fs.readdirSync(actArtifacts)).toEqual([])

    // One published release of the tag with every planned archive and the merged checksums.
    const releases = gh.releases()
    expect(releases).toHaveLength(1)
    const release = releases[0]!
    expect(release).toMatchObject({ tagName: TAG, draft: false })
    const archives = TARGETS.map(t => {
      const [goos, goarch] = t.split('/')
      return `hello-fixture_3.0.0_${goos}_${goarch}.${goos === 'windows' ? 'zip' : 'tar.gz'}`
    })
    expect(release.assets.map(a => a.name).sort()).toEqual(['checksums.txt', ...archives].sort())
    for (const a of release.assets) expect([a.name, a.state]).toEqual([a.name, 'uploaded'])

    expect(await sha256sumRelease(gh, release)).toEqual(archives.sort())
    expect(gh.contractViolations).toEqual([])

    // The publish job's own `run:` step checked the merged file in the step's dist-dir output.
    const checked = [...run.output.matchAll(/^\[release\/publish\]\s+\| (\S+): OK$/gm)]
    expect(checked.map(m => m[1]).sort()).toEqual(archives.sort())
    // act ran the action's post step (post-if: success()) in every job, each leg its own job.
    const posts = [...run.output.matchAll(/^\[release\/(\S+)\]\s+✅\s+Success - Post \.\/ /gm)]
    expect(posts.map(m => m[1]).sort()).toEqual([
      'build-1',
      'build-2',
      'build-3',
      'plan',
      'publish'
    ])
    // Kept when an assertion fails, for act's log; act's own job folders are gone already.
    for (const d of [work, repo]) fs.rmSync(d, { recursive: true, force: true })
  },
  ACT_TIMEOUT_MS + 60_000
)
