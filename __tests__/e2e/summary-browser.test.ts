import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { renderHtml } from '../../src/lib/summary-doc.js'
import { summaryBlocks } from '../../src/summary.js'
import { copyFixture, gitInit } from '../fakes/context.js'
import { REPO_ROOT, runStep, type StepResult } from '../fakes/runner.js'
import { COLUMN_WIDTH, openSummary, type SummaryPage } from '../fakes/summary-page.js'
import { startAzurite, type Azurite } from '../services/azurite.js'
import { githubEnvFor, startGitHubService, type GitHubService } from '../services/github.js'
import {
  runnerEnvFor,
  startResultsService,
  type ResultsService
} from '../services/results-service.js'

/**
 * The job summary a 3-target release writes, opened in headless Chromium (Debian's chromium,
 * driven by playwright-core) inside GitHub's markdown styles: the main step's and the post step's
 * sections as GitHub shows them one after the other. Screenshots are kept in test-artifacts/ for
 * review.
 */
const SHOTS = path.join(REPO_ROOT, 'test-artifacts')
const HOSTILE = '<img src=x onerror=alert(1)>'
const TAG = 'v2.0.0'
const TARGETS = 'linux/amd64,linux/arm64,darwin/arm64'
const ARCHIVES = [
  'hello-fixture_2.0.0_linux_amd64.tar.gz',
  'hello-fixture_2.0.0_linux_arm64.tar.gz',
  'hello-fixture_2.0.0_darwin_arm64.tar.gz'
]

/** Nothing on the page may run, load or scroll sideways; GitHub's sanitizer has nothing to take out. */
function expectInert(page: SummaryPage): void {
  expect(page.sanitized).toBe('')
  expect(page.activeElements).toEqual([])
  expect(page.activeAttributes).toEqual([])
  expect(page.dialogs).toEqual([])
  expect(page.requests).toEqual([])
  expect(page.errors).toEqual([])
  expect(page.columnScrollWidth).toBeLessThanOrEqual(COLUMN_WIDTH)
  for (const table of page.tables) expect(table.scrollWidth).toBeLessThanOrEqual(table.clientWidth)
}

test(`a file named ${HOSTILE} is text in the browser: no element, no request, no dialog`, async () => {
  const blocks = summaryBlocks({
    version: '1.0.0',
    tag: 'v1.0.0',
    go: 'go1.26.8',
    shortCommit: 'c0ffee1',
    targets: 1,
    releaseTargets: 1,
    artifacts: [],
    files: [
      {
        target: 'linux/amd64',
        order: 0,
        name: HOSTILE,
        href: 'https://github.com/o/r/releases/download/v1.0.0/x',
        size: 1,
        sha256: 'a'.repeat(64)
      }
    ],
    checksums: [],
    notes: [`"><script>alert(2)</script>`],
    warnings: [`a warning about ${HOSTILE}\n\n<img src=y onerror=alert(3)>`],
    stages: [],
    builds: [],
    totalMs: 1
  })
  const page = await openSummary(renderHtml(blocks), path.join(SHOTS, 'summary-hostile.png'))
  expectInert(page)
  // As the table's link text and in the warning; in the (collapsed) digest list; the rest as written.
  expect(page.text.split(HOSTILE)).toHaveLength(3)
  expect(page.collapsed).toEqual([`${'a'.repeat(64)}  ${HOSTILE}`])
  expect(page.text).toContain('<img src=y onerror=alert(3)>')
  expect(page.text).toContain('"><script>alert(2)</script>')
  expect(page.links).toEqual([
    { text: HOSTILE, href: 'https://github.com/o/r/releases/download/v1.0.0/x', title: '' }
  ])
})

test('a wide release still fits the column: 40 long file names, long warnings, every cache kind', async () => {
  const arches = ['amd64', 'arm64', 'armv7', 'riscv64', 'ppc64le', 's390x', 'mips64le', 'loong64']
  const oses = ['linux', 'freebsd', 'netbsd', 'openbsd', 'windows']
  const files = oses.flatMap((os, i) =>
    arches.map((arch, j) => ({
      target: `${os}/${arch}`,
      order: i * arches.length + j,
      // GoReleaser-style names of a long project with a pre-release version: 70-odd characters.
      name: `kubectl-resource-capacity-report_v1.33.0-rc.1+build.7_${os}_${arch}_v3.tar.gz`,
      href: `https://github.com/o/r/releases/download/v1.33.0-rc.1/${os}-${arch}`,
      size: 123_456_789,
      sha256: 'f'.repeat(64),
      buildMs: 123_456
    }))
  )
  const T = Date.UTC(2026, 11, 5, 10)
  const blocks = summaryBlocks({
    version: '1.33.0-rc.1',
    tag: 'v1.33.0-rc.1',
    go: 'go1.26.8',
    shortCommit: 'c0ffee1',
    targets: 40,
    releaseTargets: 48,
    release: {
      url: 'https://github.com/o/r/releases/tag/untagged-1',
      draft: true,
      created: true,
      waiting: files.slice(0, 8).map(f => f.name)
    },
    artifacts: [
      {
        name: 'kubectl-resource-capacity-report_linux_amd64-linux_arm64-and-38-more',
        url: 'https://github.com/o/r/actions/runs/1/artifacts/2'
      }
    ],
    files,
    checksums: [{ name: 'kubectl-resource-capacity-report_1.33.0-rc.1_checksums.txt' }],
    notes: [`SBOMs (spdx-json): ${files.map(f => `${f.name}.sbom.json`).join(', ')}`],
    warnings: [
      'cgo-link: static: linux/arm64, linux/riscv64, linux/ppc64le link glibc statically (no musl-gcc for them): NSS lookups (users, hosts) and dlopen need the same glibc at run time'
    ],
    caches: {
      restores: [
        {
          kind: 'module',
          key: `go-xbuild-mod-v2-Linux-${'a'.repeat(16)}`,
          matchedKey: '',
          failure:
            'the cache service answered 503 Service Unavailable three times; building without it',
          bytes: 0,
          ms: 61_000
        },
        {
          kind: 'build-base',
          key: `go-xbuild-base-v2-Linux-X64-go1.26.8-${'b'.repeat(33)}`,
          matchedKey: `go-xbuild-base-v2-Linux-X64-go1.26.8-${'c'.repeat(33)}`,
          bytes: 1_234_567_890,
          ms: 45_000
        },
        {
          kind: 'build',
          key: `go-xbuild-build-v2-Linux-X64-go1.26.8-${'d'.repeat(50)}`,
          matchedKey: '',
          bytes: 0,
          ms: 300
        }
      ],
      saveBlockedBy:
        'pull_request runs restore but never save: a fork could poison the caches of the default branch'
    },
    stages: [{ name: 'building binaries', start: T, ms: 600_000 }],
    builds: files.map((f, i) => ({
      label: f.target.replace('/', '_'),
      start: T + i * 10_000,
      ms: 120_000
    })),
    totalMs: 650_000
  })
  const page = await openSummary(renderHtml(blocks), path.join(SHOTS, 'summary-wide.png'))
  expectInert(page)
  expect(page.tables.map(t => t.rows)).toEqual([41, 4, 2])
  expect(page.charts[0]!.tasks).toHaveLength(41)
  expect(page.charts[0]!.width).toBeLessThanOrEqual(COLUMN_WIDTH)
})

describe('a release run in the browser', () => {
  let github: GitHubService
  let azurite: Azurite
  let results: ResultsService
  let main: StepResult
  let post: StepResult
  let page: SummaryPage

  beforeAll(async () => {
    github = await startGitHubService()
    azurite = await startAzurite()
    results = await startResultsService({ azurite })
    const workspace = copyFixture('hello')
    const sha = await gitInit(workspace, { tag: TAG })
    const runner = fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-summary-'))
    const env = {
      ...runnerEnvFor(results),
      ...githubEnvFor(github),
      GOCACHE: path.join(runner, 'go-build'),
      GOMODCACHE: path.join(runner, 'go-mod'),
      GOFLAGS: '-modcacherw',
      GITHUB_REF: `refs/tags/${TAG}`,
      GITHUB_SHA: sha,
      GITHUB_EVENT_NAME: 'push',
      GITHUB_RUN_ID: '4242'
    }
    const inputs = {
      targets: TARGETS,
      'github-token': github.token,
      // Arguments are data: the hostile one reaches the summary through the smoke heading.
      'smoke-test': `--version '${HOSTILE}'`,
      'smoke-test-expect': '{{.Version}}'
    }
    main = await runStep('dist/main.js', inputs, { workspace, env })
    if (main.code !== 0) throw new Error(`main failed:\n${main.stdout}\n${main.stderr}`)
    post = await runStep('dist/post.js', inputs, { workspace, env, state: main.state })
    if (post.code !== 0) throw new Error(`post failed:\n${post.stdout}\n${post.stderr}`)
    // GitHub shows a job's step summaries one after the other.
    page = await openSummary(
      `${main.summary}\n${post.summary}`,
      path.join(SHOTS, 'summary-release.png')
    )
  })

  afterAll(async () => {
    expect(github?.contractViolations).toEqual([])
    await github?.stop()
    await results?.stop()
    await azurite?.stop()
  })

  test('nothing runs, loads or scrolls sideways in a 1012-pixel column', () => {
    expectInert(page)
    expect(page.tables.length).toBeGreaterThanOrEqual(4)
    expect(page.text).toContain(`Smoke runs: 2 of 3 passed (--version '${HOSTILE}')`)
  })

  test('it starts with the release link, the version and the file count, then what needs attention', () => {
    expect(page.text.startsWith(`go-xbuild released ${TAG}\n`)).toBe(true)
    expect(page.links[0]).toEqual({
      text: `release ${TAG}`,
      href: main.outputs['release-url'],
      title: ''
    })
    expect(main.outputs['release-url']).toBe(
      `${github.webUrl}/${github.repository}/releases/tag/${TAG}`
    )
    const artifactId = (JSON.parse(main.outputs['artifact-ids']!) as number[])[0]
    expect(page.links[1]).toEqual({
      text: expect.stringMatching(/^hello-fixture/),
      href: `https://github.com/${github.repository}/actions/runs/4242/artifacts/${artifactId}`,
      title: ''
    })
    expect(page.text).toContain('3 files for 3 targets · version 2.0.0 · go1.')
    // darwin/arm64 cannot run on this runner: its skipped smoke run is the one thing to attend to.
    expect(page.text).toMatch(
      /Needs attention \(1\)\nsmoke test skipped: darwin_arm64 hello-fixture: no way to run darwin\/arm64/
    )
  })

  test('every file link downloads the asset whose sha256 the row shows', async () => {
    const links = page.links.filter(l => ARCHIVES.some(a => l.text === a))
    // Plan order: the order of the targets input.
    expect(links.map(l => l.text)).toEqual(ARCHIVES)
    const checksums = page.links.find(l => l.text === 'checksums.txt')!
    for (const link of [...links, checksums]) {
      const answer = await fetch(link.href)
      expect(answer.status).toBe(200)
      const bytes = Buffer.from(await answer.arrayBuffer())
      const digest = createHash('sha256').update(bytes).digest('hex')
      if (link === checksums) {
        for (const a of ARCHIVES) expect(bytes.toString()).toContain(`  ${a}\n`)
        continue
      }
      // The short digest in the row is the start of the file's; its title is all of it.
      expect(page.codeTitles).toContainEqual({ text: digest.slice(0, 12), title: digest })
      expect(page.collapsed[0]).toContain(`${digest}  ${link.text}`)
    }
  })

  test('caches: each key kind of this fresh runner missed, and why a tag run saves none', () => {
    expect(page.text).toContain('Caches\nkey kind\tresult\trestored\trestore time\tsave\n')
    // The fixture has no module dependencies: a build cache base and layer, no module cache.
    for (const kind of ['base', 'layer']) {
      expect(page.text).toMatch(
        new RegExp(`\\n${kind}\\tmiss\\t0\u00a0B\\t[0-9.]+m?s\\tnot saved: tag runs do not save`)
      )
    }
    expect(post.summary).toBe('')
  })

  test('where the time went: one gantt bar per stage that took time and one per target build', () => {
    expect(page.charts).toHaveLength(1)
    const chart = page.charts[0]!
    for (const id of ['linux_amd64', 'linux_arm64', 'darwin_arm64'])
      expect(chart.tasks).toContain(id)
    expect(chart.tasks).toContain('building binaries')
    expect(chart.width).toBeGreaterThan(0)
    expect(chart.width).toBeLessThanOrEqual(COLUMN_WIDTH)
    expect(fs.statSync(path.join(SHOTS, 'summary-release.png')).size).toBeGreaterThan(10_000)
  })
})
