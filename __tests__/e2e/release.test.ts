import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { copyFixture, gitInit } from '../fakes/context.js'
import { runStep, type StepResult } from '../fakes/runner.js'
import {
  githubEnvFor,
  startGitHubService,
  type GitHubService,
  type GitHubServiceOptions,
  type ReleaseView
} from '../services/github.js'

/**
 * dist/main.js publishing to the loopback GitHub REST service (every request and response checked
 * against the official OpenAPI description). Each test names the fault it injects; every fault is
 * one GitHub produces (github-runtime.md and the upload docs).
 */
const TAG = 'v1.4.0'
const TARGETS = 'linux/amd64,linux/arm64,windows/amd64'
const ARCHIVES = [
  'hello-fixture_1.4.0_linux_amd64.tar.gz',
  'hello-fixture_1.4.0_linux_arm64.tar.gz',
  'hello-fixture_1.4.0_windows_amd64.zip'
]

let service: GitHubService
let workspace: string
let sha: string

beforeAll(async () => {
  workspace = copyFixture('hello')
  sha = await gitInit(workspace, { tag: TAG })
})

async function start(opts: GitHubServiceOptions = {}): Promise<void> {
  await service?.stop()
  service = await startGitHubService(opts)
}

afterEach(() => {
  expect(service.contractViolations).toEqual([])
})

afterAll(async () => {
  await service?.stop()
})

/** One job: dist/main.js on the tag with the service's write token (unless told otherwise). */
async function publish(
  inputs: Record<string, string> = {},
  options: { token?: string; env?: Record<string, string>; dir?: string } = {}
): Promise<StepResult> {
  return runStep(
    'dist/main.js',
    {
      targets: TARGETS,
      'github-token': options.token ?? service.token,
      'upload-artifacts': 'false',
      ...inputs
    },
    {
      workspace: options.dir ?? workspace,
      env: {
        ...githubEnvFor(service),
        GITHUB_REF: `refs/tags/${TAG}`,
        GITHUB_SHA: sha,
        GITHUB_EVENT_NAME: 'push',
        ...options.env
      }
    }
  )
}

/** One leg of a matrix without a fan-in job: it publishes the release when it completes it. */
function selfPublishingLeg(
  shard: string,
  targets: string,
  inputs: Record<string, string> = {}
): Promise<StepResult> {
  return publish({
    mode: 'build',
    shard,
    targets,
    'planned-targets': TARGETS,
    release: 'true',
    ...inputs
  })
}

function sha256(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex')
}

/** The release of TAG (exactly one must exist). */
function theRelease(): ReleaseView {
  const all = service.releases().filter(r => r.tagName === TAG)
  expect(all).toHaveLength(1)
  return all[0]!
}

/** The release holds every archive complete, and a checksums.txt that covers exactly them. */
function expectComplete(release: ReleaseView, archives: string[] = ARCHIVES): void {
  const names = release.assets.map(a => a.name).sort()
  expect(names).toEqual([...archives, 'checksums.txt'].sort())
  for (const a of release.assets) expect(a.state).toBe('uploaded')
  const checksums = release.assets.find(a => a.name === 'checksums.txt')!
  const lines = service.assetBytes(checksums.id)!.toString().trimEnd().split('\n')
  // sha256sum order: by file name, byte order.
  const expected = release.assets
    .filter(a => a.name !== 'checksums.txt')
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .map(a => `${sha256(service.assetBytes(a.id)!)}  ${a.name}`)
  expect(lines).toEqual(expected)
}

function ok(step: StepResult): void {
  if (step.code !== 0) throw new Error(`step failed:\n${step.stdout}\n${step.stderr}`)
}

describe('publishing a release', () => {
  test('a tag run creates a draft, uploads, verifies, then publishes; outputs and summary link every asset', async () => {
    await start()
    const step = await publish()
    ok(step)
    const release = theRelease()
    expect(release.draft).toBe(false)
    expect(release.prerelease).toBe(false)
    expect(release.targetCommitish).toBe(sha)
    expectComplete(release)
    expect(step.outputs['release-id']).toBe(String(release.id))
    expect(step.outputs['release-url']).toMatch(new RegExp(`/releases/tag/${TAG}$`))
    const assets = JSON.parse(step.outputs.assets!) as { name: string; url: string }[]
    expect(assets.map(a => a.name).sort()).toEqual([...ARCHIVES, 'checksums.txt'].sort())
    for (const a of assets) {
      expect(step.summary).toContain(`<a href="${a.url}">${a.name}</a>`)
      // The published tag's download URLs, not the draft's untagged ones.
      expect(a.url).toBe(
        `${service.webUrl}/${service.repository}/releases/download/${TAG}/${a.name}`
      )
    }
    // Publication comes last: every upload happened while the release was a draft.
    const ops = service.calls.map(c => c.operationId)
    const publishAt = ops.lastIndexOf('repos/update-release')
    expect(publishAt).toBeGreaterThan(ops.lastIndexOf('repos/upload-release-asset'))
    expect(ops).not.toContain('repos/get-release-by-tag')
  })

  test('a pre-release tag is published as a pre-release; draft: true leaves it a draft', async () => {
    await start()
    const dir = copyFixture('hello')
    const commit = await gitInit(dir, { tag: 'v2.0.0-rc.1' })
    const step = await runStep(
      'dist/main.js',
      { targets: 'linux/amd64', 'github-token': service.token, draft: 'true' },
      {
        workspace: dir,
        env: { ...githubEnvFor(service), GITHUB_REF: 'refs/tags/v2.0.0-rc.1', GITHUB_SHA: commit }
      }
    )
    ok(step)
    const [release] = service.releases()
    expect(release).toMatchObject({ tagName: 'v2.0.0-rc.1', draft: true, prerelease: true })
    expect(release!.assets.map(a => a.state)).toEqual(['uploaded', 'uploaded'])
  })

  test('a second run of the same tag changes nothing and uploads nothing (identical assets are kept)', async () => {
    await start()
    ok(await publish())
    const first = theRelease()
    service.calls.length = 0
    ok(await publish())
    const second = theRelease()
    expect(second.assets.map(a => [a.id, a.name])).toEqual(first.assets.map(a => [a.id, a.name]))
    expect(service.calls.filter(c => c.operationId === 'repos/upload-release-asset')).toEqual([])
  })
})

/** What a release holds, comparable across runs: draft flag and each asset's name, state, bytes. */
function stateOf(release: ReleaseView): unknown {
  return {
    draft: release.draft,
    assets: release.assets
      .map(a => [a.name, a.state, sha256(service.assetBytes(a.id) ?? Buffer.alloc(0))])
      .sort()
  }
}

describe('faults GitHub produces, each ending in one complete release', () => {
  let clean: unknown
  beforeAll(async () => {
    await start()
    ok(await publish())
    clean = stateOf(theRelease())
  })

  afterEach(() => {
    expect(service.faults.pending()).toEqual([])
  })

  test.each([
    [
      '502 then success on an upload',
      (s: GitHubService) =>
        s.faults.on('repos/upload-release-asset', { kind: 'server-error', status: 502 })
    ],
    [
      '503 storm: three 503s on uploads, two on listing releases',
      (s: GitHubService) => {
        s.faults.on('repos/upload-release-asset', { kind: 'server-error', status: 503 }, 3)
        s.faults.on('repos/list-releases', { kind: 'server-error', status: 503 }, 2)
      }
    ],
    [
      'ECONNRESET mid-upload',
      (s: GitHubService) => s.faults.on('repos/upload-release-asset', { kind: 'reset-mid-upload' })
    ],
    [
      'ECONNRESET mid-upload leaving a starter asset',
      (s: GitHubService) =>
        s.faults.on('repos/upload-release-asset', { kind: 'reset-mid-upload', leaveStarter: true })
    ],
    [
      'a starter asset after a 502',
      (s: GitHubService) => s.faults.on('repos/upload-release-asset', { kind: 'starter-then-502' })
    ],
    [
      '429 secondary rate limit with retry-after',
      (s: GitHubService) =>
        s.faults.on('repos/upload-release-asset', {
          kind: 'secondary-rate-limit',
          status: 429,
          retryAfterSeconds: 1
        })
    ],
    [
      'primary rate limit (x-ratelimit-remaining: 0) on listing',
      (s: GitHubService) =>
        s.faults.on('repos/list-releases', { kind: 'primary-rate-limit', resetInSeconds: 1 })
    ],
    [
      'an upload that lands but whose answer is lost (502 after commit)',
      (s: GitHubService) =>
        s.faults.on('repos/upload-release-asset', {
          kind: 'server-error',
          status: 502,
          afterCommit: true
        })
    ],
    [
      'a create whose answer is lost (502 after commit): the retry makes a second draft',
      (s: GitHubService) =>
        s.faults.on('repos/create-release', {
          kind: 'server-error',
          status: 502,
          afterCommit: true
        })
    ]
  ])('%s', async (_name, arm) => {
    await start()
    arm(service)
    ok(await publish())
    expect(stateOf(theRelease())).toEqual(clean)
    expectComplete(theRelease())
  })

  test('get-by-tag lagging after create is never consulted: releases are found by listing', async () => {
    await start()
    service.faults.on('repos/get-release-by-tag', { kind: 'lag' }, 3)
    ok(await publish())
    expect(stateOf(theRelease())).toEqual(clean)
    expect(service.faults.pending()).toHaveLength(3)
    service.faults.clear()
  })

  test('403 missing permission (read-only token): no retry, a message naming contents: write, nothing built', async () => {
    await start()
    const step = await publish({}, { token: service.readOnlyToken })
    expect(step.code).toBe(1)
    expect(step.stdout).toMatch(/::error::.*permissions: contents: write/)
    expect(step.stdout).not.toMatch(/^::group::building binaries/m)
    expect(service.releases()).toEqual([])
    expect(service.calls.filter(c => c.operationId === 'repos/create-release')).toHaveLength(1)
  })

  test('an immutable published release of the tag fails before building', async () => {
    await start()
    service.addRelease({ tagName: TAG, immutable: true })
    const step = await publish()
    expect(step.code).toBe(1)
    expect(step.stdout).toMatch(/::error::.*is published and immutable/)
    expect(step.stdout).not.toMatch(/^::group::building binaries/m)
    expect(service.calls.filter(c => c.method !== 'GET')).toEqual([])
  })

  test('a permanent failure on one of 5 assets keeps the release a draft and fails the step; a re-run finishes it like one clean run', async () => {
    await start()
    const five = [...TARGETS.split(','), 'darwin/arm64'].join(',')
    const failing = 'hello-fixture_1.4.0_darwin_arm64.tar.gz'
    service.faults.onAsset(failing, { kind: 'server-error', status: 500 }, 5)
    const step = await publish({ targets: five })
    expect(step.code).toBe(1)
    expect(step.stdout).toMatch(new RegExp(`::error::.*${failing}: upload failed after 5 attempts`))
    expect(step.summary).toContain('not published')
    expect(step.summary).toContain(failing)
    const half = theRelease()
    expect(half.draft).toBe(true)
    expect(half.assets.map(a => a.name).sort()).toEqual([...ARCHIVES].sort())

    ok(await publish({ targets: five }))
    const after = theRelease()
    expect(after.id).toBe(half.id)
    expect(after.draft).toBe(false)
    expectComplete(after, [...ARCHIVES, failing].sort())
    const rerun = stateOf(after)
    // Same as one clean run of the five targets.
    await start()
    ok(await publish({ targets: five }))
    expect(rerun).toEqual(stateOf(theRelease()))
  })

  test('an upload host that takes the connection and never answers (hung front end): every attempt ends at the idle bound, the release stays a draft, the error names file, host and stall', async () => {
    await start()
    const stuck = ARCHIVES[0]!
    service.faults.onAsset(stuck, { kind: 'stall' }, 5)
    const step = await publish({}, { env: { GO_XBUILD_IDLE_TIMEOUT: '1' } })
    expect(step.code).toBe(1)
    const host = new URL(service.uploadsUrl).host
    const stall = `uploading ${stuck}: no bytes to or from ${host} for 1 s`
    expect(step.stdout).toContain(`${stuck}: upload failed after 5 attempts: ${stall}`)
    expect(step.stdout).toMatch(
      /::error::go-xbuild: release v1\.4\.0: 1 problem; the release stays a draft/
    )
    expect(step.summary).toContain('not published')
    expect(step.summary).toContain(stall)
    const release = theRelease()
    expect(release.draft).toBe(true)
    expect(release.assets.map(a => a.name).sort()).toEqual(ARCHIVES.slice(1).sort())
    expect(service.faults.pending()).toEqual([])
  })

  test('a stalled upload and a listing whose body stalls half-way, once each: both retried, the release is published complete', async () => {
    await start()
    service.faults.onAsset(ARCHIVES[1]!, { kind: 'stall' })
    service.faults.on('repos/list-release-assets', { kind: 'stall-body' })
    const step = await publish({}, { env: { GO_XBUILD_IDLE_TIMEOUT: '1' } })
    ok(step)
    expect(step.stdout).toContain(
      `${ARCHIVES[1]}: attempt 1 failed (uploading ${ARCHIVES[1]}: no bytes`
    )
    const release = theRelease()
    expect(release.draft).toBe(false)
    expectComplete(release)
    expect(service.faults.pending()).toEqual([])
  })
})

/** One target per job of the races below. */
const EIGHT_TARGETS = [
  'linux/amd64',
  'linux/arm64',
  'linux/386',
  'linux/riscv64',
  'windows/amd64',
  'windows/arm64',
  'darwin/amd64',
  'freebsd/amd64'
]

/** A checkout per job: same content and dates, so every job builds the same commit. */
function jobFolders(count: number): Promise<string[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const dir = copyFixture('hello')
      expect(await gitInit(dir, { tag: TAG })).toBe(sha)
      return dir
    })
  )
}

/**
 * Every job succeeded and reports the same release: the tag's only one, published, holding each
 * job's archive and a checksums file over all of them.
 */
function expectOnePublishedRelease(steps: StepResult[]): ReleaseView {
  steps.forEach(ok)
  const names = steps.flatMap(s =>
    (JSON.parse(s.outputs.artifacts!) as { name: string }[]).map(a => a.name)
  )
  expect(names).toHaveLength(steps.length)
  const release = theRelease()
  expect(release.draft).toBe(false)
  expectComplete(release, names.sort())
  expect(new Set(steps.map(s => s.outputs['release-id']))).toEqual(new Set([String(release.id)]))
  return release
}

describe('races and secrets', () => {
  test('8 jobs publishing the same tag at once: one release, every asset, one complete checksums file', async () => {
    await start()
    const dirs = await jobFolders(EIGHT_TARGETS.length)
    const steps = await Promise.all(
      EIGHT_TARGETS.map((target, i) => publish({ targets: target }, { dir: dirs[i] }))
    )
    expectOnePublishedRelease(steps)
  })

  test('8 legs without a fan-in job at once (immutable releases on): one release published after the last upload, every asset, one complete checksums file, no leftover draft', async () => {
    // With immutable releases a publication before the last leg's upload would make that upload
    // fail: every leg succeeding shows the release waited for all of them.
    await start({ immutable: true })
    const targets = EIGHT_TARGETS
    const dirs = await jobFolders(targets.length)
    const steps = await Promise.all(
      targets.map((target, i) =>
        publish(
          {
            mode: 'build',
            shard: `${i + 1}-of-8`,
            targets: target,
            'planned-targets': targets.join(','),
            release: 'true'
          },
          { dir: dirs[i] }
        )
      )
    )
    // One release, no other draft of the tag left behind.
    const release = expectOnePublishedRelease(steps)
    expect(release.immutable).toBe(true)
    // The checksums file was written only once every archive was there.
    const uploads = service.calls.filter(c => c.operationId === 'repos/upload-release-asset')
    const firstChecksums = uploads.findIndex(c => c.path.includes('name=checksums.txt'))
    const lastArchive = uploads.findLastIndex(c => !c.path.includes('name=checksums.txt'))
    expect(firstChecksums).toBeGreaterThan(lastArchive)
    // Each leg either waited for others or published (or found it published).
    for (const step of steps) {
      expect(step.stdout).toMatch(/not there yet|published http|already published/)
    }
  })

  test('the token never appears in logs, outputs or summary, debug logging on, also when the server refuses it', async () => {
    await start()
    const debug = { ACTIONS_STEP_DEBUG: 'true', RUNNER_DEBUG: '1' }
    const good = await publish({}, { env: debug })
    ok(good)
    const bad = await publish({}, { env: debug, token: 'ghs_notavalidtokenxxxxxxxxxxxxxxxxxxxxx' })
    expect(bad.code).toBe(1)
    expect(bad.stdout).toMatch(/::error::.*HTTP 401/)
    for (const [step, token] of [
      [good, service.token],
      [bad, 'ghs_notavalidtokenxxxxxxxxxxxxxxxxxxxxx']
    ] as const) {
      // The only place it may appear is the mask command the runner consumes.
      const masked = step.stdout.split('\n').filter(l => l !== `::add-mask::${token}`)
      expect(step.stdout).toContain(`::add-mask::${token}`)
      expect(masked.join('\n')).not.toContain(token)
      expect(step.stderr).not.toContain(token)
      expect(step.summary).not.toContain(token)
      expect(JSON.stringify(step.outputs)).not.toContain(token)
      expect(step.stdout).toMatch(/^::debug::/m)
    }
  })

  test("release-name, release-header and release-footer are templates; the header and footer frame GitHub's generated notes", async () => {
    await start()
    ok(
      await publish({
        'release-name': 'Hello {{ .Version }}',
        'release-header': '## {{ .ProjectName }} {{ .Tag }}',
        'release-footer': 'Built from {{ .FullCommit }}'
      })
    )
    const release = theRelease()
    expect(release.name).toBe('Hello 1.4.0')
    const [header, ...rest] = (release.body ?? '').split('\n\n')
    expect(header).toBe(`## hello-fixture ${TAG}`)
    // The notes GitHub generates for the tag, asked for before the release was created.
    expect(rest.join('\n\n')).toMatch(
      /^## What's Changed\n[\s\S]*\*\*Full Changelog\*\*: \S+\n\nBuilt from [0-9a-f]{40}$/
    )
    expect((release.body ?? '').endsWith(`Built from ${sha}`)).toBe(true)
  })

  test('shell payloads in release inputs are data: stored verbatim, nothing executed', async () => {
    await start()
    const marker = path.join(os.tmpdir(), `xbuild-pwned-${process.pid}`)
    const payload = `$(touch ${marker}) \`touch ${marker}\` ; touch ${marker} #`
    const notes = path.join(workspace, 'NOTES.md')
    fs.writeFileSync(notes, `${payload}\n::error::not a command\n`)
    try {
      ok(await publish({ 'release-name': payload, 'release-notes': 'NOTES.md' }))
      const release = theRelease()
      expect(release.name).toBe(payload)
      expect(release.body).toBe(`${payload}\n::error::not a command\n`)
      expect(fs.existsSync(marker)).toBe(false)
    } finally {
      fs.rmSync(notes, { force: true })
    }
  })
})

describe('legs without a fan-in job', () => {
  test('the first leg uploads to the draft and waits; the last leg writes checksums.txt from the digests and publishes', async () => {
    await start()
    const leg = (shard: string, targets: string) => selfPublishingLeg(shard, targets)
    const first = await leg('1-of-2', 'linux/amd64,linux/arm64')
    ok(first)
    let release = theRelease()
    expect(release.draft).toBe(true)
    // Uploads run in parallel: compare by name.
    expect(release.assets.map(a => [a.name, a.state]).sort()).toEqual([
      [ARCHIVES[0], 'uploaded'],
      [ARCHIVES[1], 'uploaded']
    ])
    expect(first.stdout).toContain(`1 planned file is not there yet (${ARCHIVES[2]})`)
    expect(first.summary).toContain('not published yet: 1 planned file is not on the <a href=')
    expect(first.outputs['release-id']).toBe(String(release.id))

    service.calls.length = 0
    const last = await leg('2-of-2', 'windows/amd64')
    ok(last)
    release = theRelease()
    expect(release.draft).toBe(false)
    expectComplete(release)
    // The first leg's assets were summed from GitHub's digests, not downloaded.
    expect(service.calls.map(c => c.operationId)).not.toContain('browser-download')
    expect(service.calls.map(c => c.operationId)).not.toContain('repos/get-release-asset')
    expect(last.outputs['release-id']).toBe(String(release.id))
  })
})

describe('release-files', () => {
  test('uploaded as they are by the leg that publishes, verified, and kept out of the checksums file', async () => {
    await start()
    const leg = (shard: string, targets: string) =>
      selfPublishingLeg(shard, targets, { 'release-files': 'LICENSE*' })
    ok(await leg('1-of-2', 'linux/amd64,linux/arm64'))
    // The first leg only waits: the release files go up with the last leg's publishing.
    expect(
      theRelease()
        .assets.map(a => a.name)
        .sort()
    ).toEqual([ARCHIVES[0], ARCHIVES[1]])
    const last = await leg('2-of-2', 'windows/amd64')
    ok(last)
    const release = theRelease()
    expect(release.draft).toBe(false)
    expect(release.assets.map(a => a.name).sort()).toEqual(
      [...ARCHIVES, 'LICENSE', 'checksums.txt'].sort()
    )
    const license = release.assets.find(a => a.name === 'LICENSE')!
    expect(service.assetBytes(license.id)).toEqual(fs.readFileSync(path.join(workspace, 'LICENSE')))
    const checksums = release.assets.find(a => a.name === 'checksums.txt')!
    const listed = service
      .assetBytes(checksums.id)!
      .toString()
      .trimEnd()
      .split('\n')
      .map(l => l.split('  ')[1])
    expect(listed).toEqual([...ARCHIVES].sort())
    expect((JSON.parse(last.outputs.assets!) as { name: string }[]).map(a => a.name)).toContain(
      'LICENSE'
    )
  })

  test('a pattern that matches nothing fails before building, naming the input', async () => {
    await start()
    const step = await publish({ 'release-files': 'dist-extra/*.sig' })
    expect(step.code).not.toBe(0)
    expect(step.stdout + step.stderr).toContain(
      'release-files: "dist-extra/*.sig" matches no file in dist-extra'
    )
    expect(service.releases()).toEqual([])
  })
})

describe('existing assets and GHES', () => {
  const seedOld = (): number =>
    service.addRelease({
      tagName: TAG,
      draft: true,
      assets: [{ name: ARCHIVES[0]!, data: 'old bytes' }]
    }).assets[0]!.id

  test('overwrite: replace (default) replaces an asset with other bytes', async () => {
    await start()
    const old = seedOld()
    ok(await publish())
    const release = theRelease()
    expectComplete(release)
    expect(release.assets.map(a => a.id)).not.toContain(old)
  })

  test('overwrite: skip keeps an asset with other bytes and fails; the release stays a draft', async () => {
    await start()
    const old = seedOld()
    const step = await publish({ overwrite: 'skip' })
    expect(step.code).toBe(1)
    expect(step.stdout).toMatch(/::error::.*other bytes .*overwrite: skip keeps it/)
    const release = theRelease()
    expect(release.draft).toBe(true)
    expect(release.assets.find(a => a.name === ARCHIVES[0])!.id).toBe(old)
  })

  test('overwrite: fail refuses any existing asset, also an identical one', async () => {
    await start()
    ok(await publish())
    const step = await publish({ overwrite: 'fail' })
    expect(step.code).toBe(1)
    expect(step.stdout).toMatch(/::error::.*already has it \(overwrite: fail\)/)
  })

  test('GHES: API under /api/v3, uploads under /api/uploads taken from the release upload_url', async () => {
    await start({ uploadsOnApiHost: true })
    ok(await publish())
    expectComplete(theRelease())
    const uploads = service.calls.filter(c => c.operationId === 'repos/upload-release-asset')
    expect(uploads.length).toBe(4)
    for (const c of uploads) expect(c.path).toMatch(/^\/api\/uploads\/repos\//)
  })
})
