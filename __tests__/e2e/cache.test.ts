import { spawn } from 'node:child_process'
import * as crypto from 'node:crypto'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import * as cache from '@actions/cache'
import { hashGoSums } from '../../src/cache-plan.js'
import { realProcess } from '../../src/ports/process.js'
import { copyFixture, gitInit } from '../fakes/context.js'
import { runStep, type StepResult } from '../fakes/runner.js'
import { startAzurite, type Azurite } from '../services/azurite.js'
import { findNode24 } from '../fakes/node24.js'
import {
  BLOB_UPLOAD,
  runnerEnvFor,
  startResultsService,
  type ResultsService
} from '../services/results-service.js'

/**
 * The bundled main and post steps against a loopback results service (cache v2 twirp) with
 * Azurite behind the signed URLs. Each "job" starts like a fresh runner: empty GOCACHE and
 * GOMODCACHE at the same paths (the cache version hashes the path strings).
 */
let azurite: Azurite
let service: ResultsService
let root: string
let gocache: string
let gomodcache: string
const proxy = path.join(import.meta.dirname, '..', 'fixtures', 'goproxy')
const TARGETS = 'linux/amd64,linux/arm64,windows/amd64'

beforeAll(async () => {
  azurite = await startAzurite()
  service = await startResultsService({ azurite })
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-cache-e2e-'))
  gocache = path.join(root, 'runner', 'go-build')
  gomodcache = path.join(root, 'runner', 'go-mod')
})

afterAll(async () => {
  await service?.stop()
  await azurite?.stop()
})

afterEach(() => {
  expect(service.faults.pending()).toEqual([])
})

/** A fresh runner: nothing in the local caches. */
function freshRunner(): void {
  for (const dir of [gocache, gomodcache]) {
    if (fs.existsSync(dir)) {
      for (const p of fs.readdirSync(dir, { recursive: true }) as string[]) {
        try {
          fs.chmodSync(path.join(dir, p), 0o755)
        } catch {
          /* already gone */
        }
      }
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }
}

function eventFile(defaultBranch = 'main'): string {
  const file = path.join(root, `event-${defaultBranch}.json`)
  fs.writeFileSync(file, JSON.stringify({ repository: { default_branch: defaultBranch } }))
  return file
}

/** Runs main then (when main succeeded, as post-if: success() does) post, like one job. */
async function job(
  workspace: string,
  sha: string,
  env: Record<string, string> = {},
  inputs: Record<string, string> = {}
): Promise<{ main: StepResult; post?: StepResult }> {
  freshRunner()
  const common = {
    ...runnerEnvFor(service),
    GOCACHE: gocache,
    GOMODCACHE: gomodcache,
    GOPROXY: `file://${proxy}`,
    GOFLAGS: '-modcacherw',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_EVENT_PATH: eventFile(),
    GITHUB_SHA: sha,
    ...env
  }
  const allInputs = { targets: TARGETS, ...inputs }
  const main = await runStep('dist/main.js', allInputs, { workspace, env: common })
  if (process.env.XBUILD_TEST_LOG)
    fs.appendFileSync(process.env.XBUILD_TEST_LOG, `${main.stdout}\n${main.stderr}\n`)
  if (main.code !== 0) return { main }
  const post = await runStep('dist/post.js', allInputs, {
    workspace,
    env: common,
    state: main.state
  })
  return { main, post }
}

async function commit(workspace: string, message: string): Promise<string> {
  const env = {
    ...process.env,
    GIT_AUTHOR_NAME: 't',
    GIT_AUTHOR_EMAIL: 't@e',
    GIT_COMMITTER_NAME: 't',
    GIT_COMMITTER_EMAIL: 't@e'
  } as Record<string, string>
  await realProcess.run('git', ['commit', '-qam', message], { cwd: workspace, env })
  return (
    await realProcess.run('git', ['rev-parse', 'HEAD'], { cwd: workspace, env })
  ).stdout.trim()
}

describe('caches across runs', () => {
  let workspace: string
  let sha: string

  beforeAll(async () => {
    workspace = copyFixture('deps')
    sha = await gitInit(workspace)
  })

  test('run 1 misses, builds cold and saves both caches from the post step', async () => {
    const { main, post } = await job(workspace, sha)
    expect([main.code, main.stderr]).toEqual([0, ''])
    expect(main.outputs['cache-hit']).toBe('false')
    expect(main.stdout).toMatch(/^module cache: no entry for go-xbuild-mod-v2-Linux-/m)
    expect(post!.code).toBe(0)
    expect(post!.stdout).toMatch(/^module cache: saved go-xbuild-mod-v2-Linux-[0-9a-f]{16} /m)
    // No base yet: the whole cache becomes the base, and an empty layer records that it holds this commit.
    expect(post!.stdout).toMatch(
      /^build cache base: saved go-xbuild-base-v2-Linux-X64-go1\.\d+\.\d+-[0-9a-f]{16}-[0-9a-f]{16} /m
    )
    expect(post!.stdout).toMatch(
      /^build cache: saved go-xbuild-build-v2-Linux-X64-go1\.\d+\.\d+-.* \(0 B\)/m
    )
    expect(post!.stdout).not.toMatch(/::(warning|error)::/)
    // The main step's table says who saves; the post step's own section what it saved.
    expect(main.summary).toMatch(
      /<td><span title="go-xbuild-mod-v2-[^"]+">module<\/span><\/td><td>miss<\/td>.*?<td>by the post step, after the job<\/td>/
    )
    for (const [kind, key] of [
      ['module', 'mod'],
      ['base', 'base'],
      ['layer', 'build']
    ])
      expect(post!.summary).toMatch(
        new RegExp(
          `<tr><td><span title="go-xbuild-${key}-v2-[^"]+">${kind}</span></td><td>saved</td><td>[0-9.]+ [KM]?i?B</td><td>[0-9.]+m?s</td></tr>`
        )
      )
    const entries = service.cacheEntries().filter(e => e.finalized)
    expect(entries.map(e => e.key.split('-').slice(0, 3).join('-')).sort()).toEqual([
      'go-xbuild-base',
      'go-xbuild-build',
      'go-xbuild-mod'
    ])
  })

  test('run 2 of the same commit restores every cache exactly, reports cache-hit and saves nothing', async () => {
    const before = service.cacheEntries().length
    const { main, post } = await job(workspace, sha)
    expect(main.code).toBe(0)
    expect(main.outputs['cache-hit']).toBe('true')
    expect(main.stdout).toMatch(/^module cache: exact hit go-xbuild-mod-v2-/m)
    expect(main.stdout).toMatch(/^build cache base: exact hit go-xbuild-base-v2-/m)
    expect(main.stdout).toMatch(/^build cache: exact hit go-xbuild-build-v2-/m)
    expect(main.stdout).toMatch(/^go mod verify: all modules verified/m)
    // The summary's caches table: every key kind an exact hit, nothing for the post step to save.
    for (const [kind, key] of [
      ['module', 'mod'],
      ['base', 'base'],
      ['layer', 'build']
    ])
      expect(main.summary).toMatch(
        new RegExp(
          `<td><span title="go-xbuild-${key}-v2-[^"]+">${kind}</span></td><td>hit</td>.*?<td>nothing to save \\(hit\\)</td>`
        )
      )
    expect(post!.stdout).toMatch(/^build cache: primary key .* already hit; not saving$/m)
    expect(service.cacheEntries()).toHaveLength(before)
  })

  test('a new commit restores the base and the previous commit’s layer, saves only a trimmed layer, and it does not grow', async () => {
    const sizes: number[] = []
    const base = service
      .cacheEntries()
      .find(e => e.finalized && e.key.startsWith('go-xbuild-base-'))!
    for (let i = 1; i <= 3; i++) {
      fs.appendFileSync(path.join(workspace, 'main.go'), `\n// change ${i}\n`)
      const next = await commit(workspace, `change ${i}`)
      const started = Date.now()
      const { main, post } = await job(workspace, next)
      expect(main.code).toBe(0)
      expect(main.outputs['cache-hit']).toBe('false')
      expect(main.stdout).toMatch(/^build cache base: exact hit go-xbuild-base-v2-/m)
      expect(main.stdout).toMatch(/^build cache: restored from an earlier key go-xbuild-build-v2-/m)
      const trim =
        /^build cache: restored .*, used .* \((\d+) entries\), dropped .* \((\d+) entries this job did not use\)$/m.exec(
          post!.stdout
        )
      expect(trim).not.toBeNull()
      // The previous commit's entries for main.go's package were restored and not used: dropped.
      expect(Number(trim![2])).toBeGreaterThan(0)
      // What remains (and was saved) was all touched or written by this job: none is dated back.
      const stale = (fs.readdirSync(gocache, { recursive: true }) as string[])
        .filter(f => /^[0-9a-f]{2}\/[^/]+-[ad]$/.test(f))
        .filter(f => fs.statSync(path.join(gocache, f)).mtimeMs < started - 60_000)
      expect(stale).toEqual([])
      expect(post!.stdout).toMatch(/^build cache: saved go-xbuild-build-v2-.*-[0-9a-f]{12} /m)
      expect(post!.stdout).toMatch(/^build cache base: primary key .* already hit; not saving$/m)
      // Only the entries for main.go's package and the links changed: the saved size stays put.
      const saved = service
        .cacheEntries()
        .filter(e => e.finalized && e.key.endsWith(next.slice(0, 12)))
      expect(saved).toHaveLength(1)
      sizes.push(saved[0]!.size)
    }
    const spread = Math.max(...sizes) / Math.min(...sizes)
    expect(spread).toBeLessThan(1.1)
    // A layer holds the changed package's entries, not the dependencies and standard library.
    expect(Math.max(...sizes)).toBeLessThan(base.size / 10)
  })

  test('a pull request restores but does not save', async () => {
    fs.appendFileSync(path.join(workspace, 'main.go'), '\n// pr\n')
    const pr = await commit(workspace, 'pr')
    const before = service.cacheEntries().length
    const { main, post } = await job(workspace, pr, {
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_REF: 'refs/pull/7/merge'
    })
    expect(main.code).toBe(0)
    expect(main.stdout).toMatch(/^build cache: restored from an earlier key/m)
    expect(main.stdout).toMatch(/caches will not be saved: pull requests restore but never save/)
    expect(post!.stdout).toMatch(/not saving caches: pull requests restore but never save/)
    expect(service.cacheEntries()).toHaveLength(before)
  })

  test('two jobs saving the same key: the second gets a 409 and says so as info', async () => {
    fs.appendFileSync(path.join(workspace, 'main.go'), '\n// race\n')
    const race = await commit(workspace, 'race')
    const first = await job(workspace, race)
    expect(first.post!.stdout).toMatch(/^build cache: saved /m)
    // The second job restored before the first saved: replay its post step with a miss recorded.
    const state = JSON.parse(first.main.state['go-xbuild']!) as { caches: { matchedKey: string }[] }
    for (const c of state.caches) c.matchedKey = ''
    const second = await runStep(
      'dist/post.js',
      {},
      {
        workspace,
        env: { ...runnerEnvFor(service), GOCACHE: gocache, GOMODCACHE: gomodcache },
        state: { 'go-xbuild': JSON.stringify(state) }
      }
    )
    expect(second.code).toBe(0)
    expect(second.stdout).toMatch(/^build cache base: another job saved .* first; nothing to do$/m)
    expect(second.stdout).toMatch(
      /^build cache: no base of this configuration to layer on; nothing saved$/m
    )
    expect(second.stdout).not.toMatch(/::(warning|error)::/)
    expect(service.calls.some(c => c.method === 'CreateCacheEntry' && c.status === 409)).toBe(true)
  })

  test('a corrupted cache archive is a warning and a cold build, never a failed job', async () => {
    fs.appendFileSync(path.join(workspace, 'main.go'), '\n// corrupt\n')
    const next = await commit(workspace, 'corrupt')
    service.faults.download({ kind: 'corrupted' }, 2)
    const { main } = await job(workspace, next, {}, { 'cache-save': 'never' })
    expect(main.code).toBe(0)
    expect(main.stdout).toMatch(/^::warning::.*cache not restored/m)
    expect(main.stdout).not.toMatch(/^::error::/m)
    expect(
      fs.readdirSync(path.join(main.outputs['dist-dir']!)).filter(f => f.endsWith('.tar.gz'))
    ).toHaveLength(2)
  })

  test('a connection the cache service drops is a warning and a cold build', async () => {
    service.faults.rpc('GetCacheEntryDownloadURL', { kind: 'reset' }, 2)
    const { main } = await job(workspace, sha, {}, { 'cache-save': 'never' })
    expect(main.code).toBe(0)
    expect(main.stdout).toMatch(/^::warning::(module cache|build cache base) not restored/m)
    expect(main.stdout).not.toMatch(/^::error::/m)
    expect(main.outputs['cache-hit']).toBe('false')
  })
})

test('a flipped byte in a restored module file fails the job naming the module (go mod verify)', async () => {
  const workspace = copyFixture('deps')
  const sha = await gitInit(workspace)
  freshRunner()
  // Poison the module cache entry under the exact key a run will look for.
  const env = {
    ...process.env,
    GOMODCACHE: gomodcache,
    GOPROXY: `file://${proxy}`,
    GOFLAGS: '-modcacherw'
  } as Record<string, string>
  expect((await realProcess.run('go', ['mod', 'download'], { cwd: workspace, env })).code).toBe(0)
  const file = path.join(gomodcache, 'github.com', 'google', 'uuid@v1.6.0', 'uuid.go')
  const bytes = fs.readFileSync(file)
  bytes[100] = bytes[100]! ^ 1
  fs.writeFileSync(file, bytes)
  // A suffix of its own, so this entry does not collide with the entries the other tests saved.
  const key = `go-xbuild-mod-v2-Linux-poison-${hashGoSums(workspace).slice(0, 16)}`
  const saved = process.env
  // The toolkit stores paths relative to GITHUB_WORKSPACE (else the cwd) and the restoring job
  // extracts relative to its own workspace: save from the same workspace the job will use.
  process.env = {
    ...process.env,
    ...runnerEnvFor(service),
    RUNNER_TEMP: root,
    GITHUB_WORKSPACE: workspace
  }
  try {
    expect(await cache.saveCache([gomodcache], `${key}`)).toBeGreaterThan(0)
  } finally {
    process.env = saved
  }
  const { main } = await job(workspace, sha, {}, { 'cache-key-suffix': 'poison' })
  // The restore first (its failure would be a legitimate cold build), then the verdict.
  expect(main.stdout).toMatch(/^module cache: exact hit go-xbuild-mod-v2-Linux-poison-/m)
  expect(main.code).toBe(1)
  expect(main.stdout).toMatch(
    /::error::go-xbuild: go mod verify failed: .*github\.com\/google\/uuid v1\.6\.0: dir has been modified/
  )
})

test('restoring the module cache over a read-only tree, as a user who is not root: no tar errors', async () => {
  // Root may write into read-only folders; the runner's user may not. Drop to nobody when root.
  const user = process.getuid!() === 0 ? { uid: 65534, gid: 65534 } : undefined
  // Same cache paths as the jobs above (the cache version hashes them) and a workspace at the
  // same depth (entries hold paths relative to the workspace).
  freshRunner()
  const workspace = copyFixture('deps')
  const sha = await gitInit(workspace)
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-nonroot-'))
  fs.mkdirSync(gocache, { recursive: true })
  fs.mkdirSync(gomodcache, { recursive: true })
  const env: Record<string, string> = {
    ...runnerEnvFor(service),
    HOME: home,
    GOCACHE: gocache,
    GOMODCACHE: gomodcache,
    GOPROXY: `file://${proxy}`,
    GOTOOLCHAIN: 'local',
    GOFLAGS: '-buildvcs=false',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_EVENT_PATH: path.join(home, 'event.json'),
    GITHUB_SHA: sha
  }
  fs.copyFileSync(eventFile(), env.GITHUB_EVENT_PATH!)
  if (user) {
    for (const d of [root, path.dirname(gocache), home, workspace]) fs.chmodSync(d, 0o755)
    for (const top of [home, workspace, gocache, gomodcache]) {
      for (const p of [
        top,
        ...(fs.readdirSync(top, { recursive: true }) as string[]).map(n => path.join(top, n))
      ]) {
        fs.chownSync(p, user.uid, user.gid)
      }
    }
  }
  // The runner already holds the modules, read-only as Go leaves them (no -modcacherw).
  const download = await new Promise<number | null>(resolve => {
    const child = spawn('go', ['mod', 'download'], {
      cwd: workspace,
      env: { ...env, PATH: process.env.PATH ?? '' },
      stdio: 'ignore',
      ...(user ?? {})
    })
    child.on('close', resolve)
  })
  expect(download).toBe(0)
  const uuidDir = path.join(gomodcache, 'github.com', 'google', 'uuid@v1.6.0')
  expect(fs.statSync(uuidDir).mode & 0o222).toBe(0)

  const main = await runStep('dist/main.js', { targets: 'linux/amd64' }, { workspace, env, user })
  if (process.env.XBUILD_TEST_LOG)
    fs.appendFileSync(process.env.XBUILD_TEST_LOG, main.stdout + main.stderr)
  if (main.code !== 0) throw new Error(`main failed:\n${main.stdout}\n${main.stderr}`)
  expect(main.stdout).toMatch(/^module cache: exact hit go-xbuild-mod-v2-Linux-/m)
  expect(main.stdout).toMatch(/^go mod verify: all modules verified/m)
  expect(main.stdout).not.toMatch(/::warning::|tar: |Cannot open|Permission denied/)
})

test('SIGSTORE_ID_TOKEN in the job’s environment reaches no tar the cache client starts, in the main or the post step', async () => {
  // A `tar` first on PATH that appends its environment to a file, then runs the real tar.
  const real = await realProcess.run('sh', ['-c', 'command -v tar'], {
    env: { PATH: process.env.PATH ?? '' }
  })
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-tar-env-'))
  const log = path.join(dir, 'env.log')
  fs.writeFileSync(log, '')
  fs.writeFileSync(
    path.join(dir, 'tar'),
    `#!/bin/sh\nenv >> '${log}'\necho ---- >> '${log}'\nexec '${real.stdout.trim()}' "$@"\n`,
    { mode: 0o755 }
  )
  const token = `eyJhbGciOiJub25lIn0.${crypto.randomUUID()}.x`
  // A commit of its own: the post step has a build cache layer to save.
  const workspace = copyFixture('deps')
  const sha = await gitInit(workspace, { epoch: 1_700_000_777 })
  const { main, post } = await job(workspace, sha, {
    SIGSTORE_ID_TOKEN: token,
    PATH: `${dir}${path.delimiter}${process.env.PATH ?? ''}`
  })
  expect([main.code, post?.code]).toEqual([0, 0])
  expect(post!.stdout).toMatch(/^build cache: saved /m)
  const seen = fs.readFileSync(log, 'utf8')
  // tar ran (the post step's save at least), never with the variable.
  expect(seen).toMatch(/^----$/m)
  expect(seen).not.toMatch(/^SIGSTORE_ID_TOKEN=/m)
  expect(seen).not.toContain(token)
})

test('under node24, a cache upload whose storage stops reading the body half-way ends within the idle bound, naming host and phase', async () => {
  // GitHub runs the action on node24; there the guard sees requests when they are created, so an
  // upload whose body is still being piped is watched. (Node 20 shows the request only once its
  // body is sent: this upload would hang until the job's timeout.)
  const node24 = await findNode24()
  const fresh = await startResultsService({ azurite })
  try {
    freshRunner()
    const workspace = copyFixture('deps')
    const sha = await gitInit(workspace, { epoch: 1_700_000_888 })
    const env = {
      ...runnerEnvFor(fresh),
      GOCACHE: gocache,
      GOMODCACHE: gomodcache,
      GOPROXY: `file://${proxy}`,
      GOFLAGS: '-modcacherw',
      GITHUB_EVENT_NAME: 'push',
      GITHUB_REF: 'refs/heads/main',
      GITHUB_EVENT_PATH: eventFile(),
      GITHUB_SHA: sha,
      GO_XBUILD_IDLE_TIMEOUT: '2'
    }
    const inputs = { targets: 'linux/amd64' }
    const main = await runStep('dist/main.js', inputs, { workspace, env, node: node24 })
    expect([main.code, main.stderr]).toEqual([0, ''])
    // 48 MiB that zstd cannot shrink: far more than the loopback socket buffers hold, so the
    // sender is stuck mid-body, not waiting for an answer.
    const filler = path.join(gomodcache, 'cache', 'download', 'filler.bin')
    fs.mkdirSync(path.dirname(filler), { recursive: true })
    fs.writeFileSync(filler, crypto.randomBytes(48 * 1024 * 1024))
    // The module cache is saved first: its upload URL stalls; the later saves are not touched.
    fresh.faults.upload({ kind: 'stall' })
    const post = await runStep('dist/post.js', inputs, {
      workspace,
      env,
      state: main.state,
      node: node24
    })
    expect(post.code).toBe(0)
    const host = new URL(fresh.url).host
    expect(post.stdout).toMatch(
      new RegExp(
        `^::warning::module cache not saved \\(.*no bytes to or from ${host.replace(/\./g, '\\.')} for 2 s \\(sending the body\\)\\)`,
        'm'
      )
    )
    expect(fresh.calls.filter(c => c.method === BLOB_UPLOAD).length).toBeGreaterThan(0)
    // The stall cost the module cache only: the build caches were saved after it.
    expect(post.stdout).toMatch(/^build cache base: saved /m)
    expect(fresh.faults.pending()).toEqual([])
  } finally {
    await fresh.stop()
  }
})

describe('the nFPM runner of linux-packages across runners', () => {
  // The runner's modules come from the real module proxy, which the fixture proxy does not hold.
  const realProxy = { GOPROXY: process.env.GOPROXY || 'https://proxy.golang.org,direct' }
  const packages = { 'linux-packages': '- formats: [deb]\n  maintainer: M <m@example.com>' }

  test('a runner without it builds it and saves the binary; the next runner restores it instead of building', async () => {
    const workspace = copyFixture('hello')
    const sha = await gitInit(workspace)
    // The same path on every runner (a hosted runner's /opt/hostedtoolcache): the cache's
    // version hashes the paths it holds.
    const toolCache = path.join(root, 'tool-cache')
    const run1 = await job(
      workspace,
      sha,
      { ...realProxy, RUNNER_TOOL_CACHE: toolCache },
      { targets: 'linux/amd64', ...packages }
    )
    expect([run1.main.code, run1.main.stderr]).toEqual([0, ''])
    expect(run1.main.stdout).toMatch(/^nFPM runner built in .*\(cache: saved\)$/m)
    expect(fs.readdirSync(path.join(workspace, 'dist')).some(f => f.endsWith('.deb'))).toBe(true)
    // Another machine: an empty tool cache, the same runner source and Go.
    fs.rmSync(toolCache, { recursive: true, force: true })
    const run2 = await job(
      workspace,
      sha,
      { ...realProxy, RUNNER_TOOL_CACHE: toolCache },
      { targets: 'linux/amd64', ...packages }
    )
    expect([run2.main.code, run2.main.stderr]).toEqual([0, ''])
    expect(run2.main.stdout).toMatch(/^nFPM runner restored in /m)
    expect(run2.main.stdout).not.toMatch(/^nFPM runner built/m)
    expect(
      fs.readdirSync(toolCache, { recursive: true }).some(f => String(f).endsWith('nfpm-runner'))
    ).toBe(true)
  })
})
