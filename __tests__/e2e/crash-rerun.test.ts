import { DefaultArtifactClient } from '@actions/artifact'
import * as crypto from 'node:crypto'
import * as fs from 'node:fs'
import * as net from 'node:net'
import * as os from 'node:os'
import * as path from 'node:path'
import { copyFixture, gitInit } from '../fakes/context.js'
import { sha256sumRelease } from '../fakes/release-check.js'
import { startStep, type StepResult } from '../fakes/runner.js'
import { startAzurite, type Azurite } from '../services/azurite.js'
import {
  githubEnvFor,
  startGitHubService,
  type Call,
  type GitHubService,
  type GitHubServiceOptions,
  type HoldEnd
} from '../services/github.js'
import {
  runnerEnvFor,
  startResultsService,
  type ResultsService
} from '../services/results-service.js'

/**
 * Issue 13, crash-safe re-runs: dist/main.js is SIGKILLed (with everything it started) at a chosen
 * point of a tag job, then the job is re-run as GitHub re-runs a job: same GITHUB_RUN_ID,
 * GITHUB_RUN_ATTEMPT + 1, a new job in the same workflow run for the artifact service, and on a
 * self-hosted runner the same workspace with the first attempt's dist folder still in it. The
 * re-run must leave what one clean run of the commit leaves in fresh services: one published
 * release of the tag and no draft, the same assets byte for byte, a checksums file sha256sum
 * accepts, and one workflow artifact of the job's name holding the same files.
 *
 * Kill points are reached without timing: the loopback GitHub service holds the request of the
 * point unanswered (and without effect) while the test kills, and the build point's `go` is a
 * PATH shim that reports its `go build` over a socket and then blocks.
 */
const TAG = 'v1.4.0'
const TARGETS = 'linux/amd64,linux/arm64,windows/amd64'
const ARCHIVES = [
  'hello-fixture_1.4.0_linux_amd64.tar.gz',
  'hello-fixture_1.4.0_linux_arm64.tar.gz',
  'hello-fixture_1.4.0_windows_amd64.zip'
]
const CHECKSUMS = 'checksums.txt'
const ARTIFACT = 'hello-fixture_linux_amd64-linux_arm64-windows_amd64'
const RUN_ID = '4242'

/** The services and checkout of one workflow run. */
interface World {
  github: GitHubService
  results: ResultsService
  workspace: string
}

/** What a run leaves, comparable across services: no ids, no times. */
interface Outcome {
  release: {
    draft: boolean
    prerelease: boolean
    name: string | null
    targetCommitish: string
    latest: boolean
    /** name, state, size, sha256 of the stored bytes; by name */
    assets: [string, string, number, string][]
  }
  /** the names `sha256sum --strict -c checksums.txt` checked OK in a download of the release */
  checked: string[]
  /** the files of the job's workflow artifact, downloaded with the toolkit, by sha256 */
  artifact: Record<string, string>
}

let azurite: Azurite
let sha: string
let clean: Outcome
const worlds: World[] = []
const shims: string[] = []

beforeAll(async () => {
  azurite = await startAzurite()
  const w = await newWorld()
  sha = await gitInit(w.workspace, { tag: TAG })
  ok(await attempt(w, 1).result)
  clean = await outcomeOf(w)
})

afterEach(() => {
  for (const w of worlds) expect(w.github.contractViolations).toEqual([])
})

afterAll(async () => {
  for (const w of worlds) {
    await w.github.stop()
    await w.results.stop()
  }
  await azurite?.stop()
  for (const dir of shims) fs.rmSync(dir, { recursive: true, force: true })
})

async function newWorld(github: GitHubServiceOptions = {}): Promise<World> {
  const w = {
    github: await startGitHubService(github),
    results: await startResultsService({ azurite }),
    workspace: copyFixture('hello')
  }
  worlds.push(w)
  return w
}

/**
 * Attempt `n` of the job in `w`. Each attempt is a new job of the same workflow run for the
 * artifact service (its token names the run's backend id and a fresh job id), as on a re-run.
 */
function attempt(w: World, n: number, env: Record<string, string> = {}) {
  const job = crypto.randomUUID()
  return {
    job,
    ...startStep(
      'dist/main.js',
      {
        targets: TARGETS,
        'github-token': w.github.token,
        cache: 'false',
        // One build at a time: the build point then always finds the same binaries built.
        parallelism: '1'
      },
      {
        workspace: w.workspace,
        env: {
          ...githubEnvFor(w.github),
          ...runnerEnvFor(w.results),
          ACTIONS_RUNTIME_TOKEN: w.results.token(w.results.ids.runBackendId, job),
          GITHUB_REF: `refs/tags/${TAG}`,
          GITHUB_SHA: sha,
          GITHUB_RUN_ID: RUN_ID,
          GITHUB_RUN_ATTEMPT: String(n),
          ...env
        }
      }
    )
  }
}

function ok(step: StepResult): StepResult {
  if (step.code !== 0)
    throw new Error(`step failed (${step.code}):\n${step.stdout}\n${step.stderr}`)
  return step
}

function sha256(data: Buffer): string {
  return crypto.createHash('sha256').update(data).digest('hex')
}

/** Downloads the run's artifact `id` with the toolkit's own client, as a later job would. */
async function downloadArtifact(w: World, id: number): Promise<Record<string, string>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-crash-artifact-'))
  const saved = { ...process.env }
  Object.assign(process.env, runnerEnvFor(w.results))
  try {
    await new DefaultArtifactClient().downloadArtifact(id, { path: dir })
    return Object.fromEntries(
      fs
        .readdirSync(dir)
        .sort()
        .map(name => [name, sha256(fs.readFileSync(path.join(dir, name)))])
    )
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key]
    Object.assign(process.env, saved)
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * The run's outcome, after checking what must hold whatever happened: one release of the tag, no
 * draft of any tag, one finalized artifact of the job's name and no unfinished one.
 */
async function outcomeOf(w: World): Promise<Outcome> {
  const all = w.github.releases()
  expect(all.filter(r => r.draft).map(r => r.id)).toEqual([])
  const ofTag = all.filter(r => r.tagName === TAG)
  expect(ofTag).toHaveLength(1)
  const release = ofTag[0]!
  for (const a of release.assets) expect(w.github.assetBytes(a.id)!.length).toBe(a.size)
  const artifacts = w.results.artifacts()
  expect(artifacts.map(a => [a.name, a.finalized])).toEqual([[ARTIFACT, true]])
  return {
    release: {
      draft: release.draft,
      prerelease: release.prerelease,
      name: release.name,
      targetCommitish: release.targetCommitish,
      latest: release.latest,
      assets: release.assets
        .map((a): [string, string, number, string] => [a.name, a.state, a.size, a.sha256])
        .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    },
    checked: await sha256sumRelease(w.github, release),
    artifact: await downloadArtifact(w, artifacts[0]!.id)
  }
}

/** Upload `name` answered 201. */
const uploaded =
  (name: string) =>
  (c: Call): boolean =>
    c.operationId === 'repos/upload-release-asset' &&
    c.path.includes(`name=${encodeURIComponent(name)}`) &&
    c.status === 201

/** The executable of the real go on PATH. */
function realGo(): string {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const file = path.join(dir || '.', 'go')
    try {
      fs.accessSync(file, fs.constants.X_OK)
      return file
    } catch {
      // not here
    }
  }
  throw new Error('go is not on PATH')
}

/**
 * A folder with a `go` that runs the real go, except `go build` for GOOS `goos`: that one
 * connects to `port` on 127.0.0.1, says which build it is, and blocks until it is killed.
 */
function goShim(goos: string, port: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-go-shim-'))
  shims.push(dir)
  const script = [
    '#!/bin/bash',
    `if [ "$1" = build ] && [ "$GOOS" = ${goos} ]; then`,
    `  exec 3<>/dev/tcp/127.0.0.1/${port}`,
    '  echo "go build $GOOS/$GOARCH" >&3',
    '  # The test never answers: this blocks until the kill.',
    '  read -r _ <&3',
    '  exit 1',
    'fi',
    `exec ${JSON.stringify(realGo())} "$@"`,
    ''
  ].join('\n')
  fs.writeFileSync(path.join(dir, 'go'), script, { mode: 0o755 })
  return dir
}

/** A kill point armed for one attempt. */
interface Armed {
  /** extra environment of the attempt */
  env?: Record<string, string>
  /** settles when the step is at the point, to be killed */
  reached: Promise<unknown>
  /** after the kill: ends what the point held */
  release(): Promise<void>
  /** checks what the killed attempt left (the point was where it says) */
  left(w: World): void
}

/** Asset names of the tag's only release, sorted, and whether it is a draft. */
function releaseState(w: World): { draft: boolean; assets: string[] } {
  const [release, ...more] = w.github.releases().filter(r => r.tagName === TAG)
  expect(more).toEqual([])
  return {
    draft: release!.draft,
    assets: release!.assets
      .filter(a => a.state === 'uploaded')
      .map(a => a.name)
      .sort()
  }
}

/** Holds the requests `match` accepts until the kill; then ends them `how`. */
const holdUntilKilled = (
  w: World,
  match: Parameters<GitHubService['hold']>[0],
  how: HoldEnd = 'drop'
) => {
  const hold = w.github.hold(match)
  return { reached: hold.reached, release: () => hold.release(how) }
}

/** Name, arming, and the repository's settings (the clean run's are the defaults). */
const POINTS: [string, (w: World) => Promise<Armed>, GitHubServiceOptions?][] = [
  [
    'while creating the draft: the POST lands, its answer lost to the kill',
    async w => {
      const held = holdUntilKilled(w, r => r.operationId === 'repos/create-release', 'commit')
      return {
        ...held,
        left: w => {
          expect(releaseState(w)).toEqual({ draft: true, assets: [] })
          expect(w.results.artifacts()).toEqual([])
        }
      }
    }
  ],
  [
    'during the build: go build of windows/amd64 is running (a go shim on PATH blocks in it)',
    async () => {
      const sockets: net.Socket[] = []
      const server = net.createServer(s => sockets.push(s))
      await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
      const reached = new Promise<string>(resolve =>
        server.once('connection', s => s.once('data', d => resolve(String(d).trim())))
      )
      const shim = goShim('windows', (server.address() as net.AddressInfo).port)
      return {
        env: { PATH: `${shim}${path.delimiter}${process.env.PATH ?? ''}` },
        reached: reached.then(line => expect(line).toBe('go build windows/amd64')),
        release: async () => {
          for (const s of sockets) s.destroy()
          await new Promise(resolve => server.close(resolve))
        },
        left: w => {
          // Preflight made the draft before building; nothing was uploaded.
          expect(releaseState(w)).toEqual({ draft: true, assets: [] })
          expect(w.results.artifacts()).toEqual([])
          // The self-hosted re-run finds the first attempt's binaries in dist.
          const dist = fs.readdirSync(path.join(w.workspace, 'dist'), { recursive: true })
          expect(dist.map(String).some(f => f.includes('linux_arm64'))).toBe(true)
        }
      }
    }
  ],
  [
    'between uploads: linux_amd64 uploaded, the next upload held unanswered',
    async w => {
      const held = holdUntilKilled(
        w,
        r => r.operationId === 'repos/upload-release-asset' && r.asset !== ARCHIVES[0]
      )
      return {
        reached: Promise.all([held.reached, w.github.waitForCall(uploaded(ARCHIVES[0]!))]),
        release: held.release,
        left: w => {
          expect(releaseState(w)).toEqual({ draft: true, assets: [ARCHIVES[0]] })
          expect(w.results.artifacts().map(a => [a.name, a.finalized])).toEqual([[ARTIFACT, true]])
        }
      }
    }
  ],
  [
    'after the checksums upload: checksums.txt uploaded, the next request held unanswered',
    async w => {
      const held = holdUntilKilled(w, () => w.github.calls.some(uploaded(CHECKSUMS)))
      return {
        ...held,
        left: w =>
          expect(releaseState(w)).toEqual({ draft: true, assets: [...ARCHIVES, CHECKSUMS].sort() })
      }
    }
  ],
  [
    'mid-upload of checksums.txt: the killed upload leaves an empty starter asset',
    async w => {
      const held = holdUntilKilled(
        w,
        r => r.operationId === 'repos/upload-release-asset' && r.asset === CHECKSUMS,
        'starter'
      )
      return {
        ...held,
        left: w => {
          expect(releaseState(w)).toEqual({ draft: true, assets: [...ARCHIVES].sort() })
          const starter = w.github.releases()[0]!.assets.find(a => a.name === CHECKSUMS)
          expect(starter).toMatchObject({ state: 'starter', size: 0 })
        }
      }
    }
  ],
  [
    'just before publishing: the PATCH draft: false held unanswered',
    async w => {
      const held = holdUntilKilled(
        w,
        r => r.operationId === 'repos/update-release' && w.github.calls.some(uploaded(CHECKSUMS))
      )
      return {
        ...held,
        left: w =>
          expect(releaseState(w)).toEqual({ draft: true, assets: [...ARCHIVES, CHECKSUMS].sort() })
      }
    }
  ],
  [
    'while publishing: the PATCH draft: false lands, its answer lost to the kill',
    async w => {
      const held = holdUntilKilled(
        w,
        r => r.operationId === 'repos/update-release' && w.github.calls.some(uploaded(CHECKSUMS)),
        'commit'
      )
      return {
        ...held,
        left: w =>
          expect(releaseState(w)).toEqual({
            draft: false,
            assets: [...ARCHIVES, CHECKSUMS].sort()
          })
      }
    }
  ],
  [
    'while publishing with immutable releases on: the PATCH draft: false lands, its answer lost to the kill',
    async w => {
      const held = holdUntilKilled(
        w,
        r => r.operationId === 'repos/update-release' && w.github.calls.some(uploaded(CHECKSUMS)),
        'commit'
      )
      return {
        ...held,
        left: w => {
          expect(releaseState(w)).toEqual({
            draft: false,
            assets: [...ARCHIVES, CHECKSUMS].sort()
          })
          expect(w.github.releases()[0]!.immutable).toBe(true)
        }
      }
    },
    { immutable: true }
  ]
]

/** Runs attempt `n` of the job in `w` until `arm`'s point, kills it there and checks what it left. */
async function killAt(w: World, n: number, arm: (w: World) => Promise<Armed>): Promise<void> {
  const point = await arm(w)
  const step = attempt(w, n, point.env)
  const reached = await Promise.race([
    point.reached.then(() => true),
    step.result.then(() => false)
  ])
  if (!reached) {
    const ended = await step.result
    throw new Error(`attempt ${n} ended (${ended.code}) before the kill point:\n${ended.stdout}`)
  }
  const killed = await step.kill()
  await point.release()
  expect(killed.code).toBeNull()
  point.left(w)
}

/** Runs attempt `n` of the job in `w` to its end: it must end like one clean run. */
async function finish(w: World, n: number): Promise<void> {
  const left = w.results.artifacts()
  const rerun = attempt(w, n)
  const step = ok(await rerun.result)
  expect(await outcomeOf(w)).toEqual(clean)
  // The re-run's job uploaded the artifact: an earlier attempt's, if any, was replaced.
  const [artifact] = w.results.artifacts()
  expect(artifact!.jobBackendId).toBe(rerun.job)
  expect(left.map(a => a.id)).not.toContain(artifact!.id)
  expect(step.outputs['release-url']).toMatch(new RegExp(`/releases/tag/${TAG}$`))
}

/** The arming of the point whose name starts with `prefix`. */
function point(prefix: string): (w: World) => Promise<Armed> {
  return POINTS.find(([name]) => name.startsWith(prefix))![1]
}

test.each(POINTS.map(([name, arm, github], i) => [i + 1, name, arm, github] as const))(
  '[%d] killed %s; the re-run ends like one clean run',
  async (_i, _name, arm, github) => {
    const w = await newWorld(github)
    expect(await gitInit(w.workspace, { tag: TAG })).toBe(sha)
    await killAt(w, 1, arm)
    await finish(w, 2)
  }
)

test('killed twice: between uploads, then the re-run just before publishing; attempt 3 ends like one clean run', async () => {
  const w = await newWorld()
  expect(await gitInit(w.workspace, { tag: TAG })).toBe(sha)
  await killAt(w, 1, point('between uploads'))
  await killAt(w, 2, point('just before publishing'))
  await finish(w, 3)
})

test('the clean run is what the comparisons take it for', () => {
  expect(clean.release.draft).toBe(false)
  expect(clean.release.assets.map(a => [a[0], a[1]])).toEqual(
    [...ARCHIVES, CHECKSUMS].sort().map(n => [n, 'uploaded'])
  )
  expect(clean.checked).toEqual([...ARCHIVES].sort())
  expect(Object.keys(clean.artifact)).toEqual([...ARCHIVES, CHECKSUMS].sort())
})
