// A container image made by a matrix: plan → mode: build legs → mode: publish, each a spawn of
// dist/main.js as a runner spawns it, with the loopback results service for the workflow
// artifacts, the loopback GitHub service for the release, and the CNCF distribution registry on
// 127.0.0.1 for the image. The legs push their platform manifests by digest; the publish job
// writes the one index and the tags. The index must be the one a single job makes of the same
// commit, digest for digest.
import * as crypto from 'node:crypto'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { referrersTag } from '../../src/image.js'
import { copyFixture, gitInit } from '../fakes/context.js'
import { pushTestBase } from '../fakes/hello-image.js'
import { runStep, type StepResult } from '../fakes/runner.js'
import { startAzurite, type Azurite } from '../services/azurite.js'
import { skopeo, startDistribution, type RunningRegistry } from '../services/distribution.js'
import { githubEnvFor, startGitHubService, type GitHubService } from '../services/github.js'
import {
  runnerEnvFor,
  startResultsService,
  type ResultsService
} from '../services/results-service.js'

const TAG = 'v3.0.0'
/** every job's GITHUB_REPOSITORY: the loopback GitHub service's, so its release API answers */
let REPOSITORY: string
const TARGETS = 'linux/amd64,linux/arm64,linux/arm/7,windows/amd64'
const PLATFORMS = [
  { architecture: 'amd64', os: 'linux' },
  { architecture: 'arm64', os: 'linux' },
  { architecture: 'arm', os: 'linux', variant: 'v7' }
]

let azurite: Azurite
let service: ResultsService
let registry: RunningRegistry
let open: RunningRegistry
let work: string
let baseDigest: string

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'image-matrix-'))
  azurite = await startAzurite()
  ;[service, registry, open] = await Promise.all([
    startResultsService({ azurite }),
    startDistribution('basic'),
    startDistribution('none')
  ])
  const gh = await startGitHubService()
  REPOSITORY = gh.repository
  await gh.stop()
  baseDigest = await pushTestBase(open, work, PLATFORMS, 1_700_000_000)
}, 10 * 60_000)

afterAll(async () => {
  await Promise.all([service?.stop(), registry?.stop(), open?.stop()])
  await azurite?.stop()
  if (work) fs.rmSync(work, { recursive: true, force: true })
})

function ok(step: StepResult): StepResult {
  if (step.code !== 0) throw new Error(`step failed:\n${step.stdout}\n${step.stderr}`)
  return step
}

/** The image inputs every job of a flow shares, pushing to `repo` on the basic-auth registry. */
function imageInputs(repo: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    image: `${registry.host}/${repo}`,
    'image-base': `${open.host}/acme/base:1`,
    'image-username': registry.username,
    'image-password': registry.password,
    sbom: 'spdx-json',
    cache: 'false',
    ...extra
  }
}

/** One leg of a matrix without a fan-in job, pushing its part of the image to `repo`. */
function selfPublishingLeg(
  gh: GitHubService,
  dir: string,
  env: Record<string, string>,
  repo: string,
  extra: Record<string, string> = {}
): (shard: string, targets: string) => Promise<StepResult> {
  return (shard, targets) =>
    runStep(
      'dist/main.js',
      {
        ...imageInputs(repo, extra),
        mode: 'build',
        shard,
        targets,
        'planned-targets': TARGETS,
        release: 'true',
        'github-token': gh.token,
        'upload-artifacts': 'false'
      },
      { workspace: dir, env }
    )
}

/** A checkout of the hello fixture at TAG (the same commit every time) and its env. */
async function checkout(): Promise<{ dir: string; sha: string }> {
  const dir = copyFixture('hello')
  const sha = await gitInit(dir, { tag: TAG })
  return { dir, sha }
}

/** plan → every leg (or those `legsToRun` keeps) → publish, in a workflow run of their own. */
async function flow(
  inputs: Record<string, string>,
  legsToRun: (shards: string[]) => string[] = s => s,
  /** run after the first leg */
  afterFirstLeg?: () => Promise<void>
): Promise<{ legs: StepResult[]; publish: StepResult; publishDist: string; gh: string[] }> {
  const gh = await startGitHubService()
  try {
    const { dir, sha } = await checkout()
    const env = {
      ...runnerEnvFor(service),
      // A run of its own: the publish job lists only this flow's legs.
      ACTIONS_RUNTIME_TOKEN: service.token(crypto.randomUUID(), crypto.randomUUID()),
      GITHUB_REF: `refs/tags/${TAG}`,
      GITHUB_SHA: sha,
      GITHUB_REPOSITORY: REPOSITORY
    }
    const plan = ok(
      await runStep(
        'dist/main.js',
        { mode: 'plan', targets: TARGETS, legs: '2' },
        {
          workspace: dir,
          env
        }
      )
    )
    const matrix = JSON.parse(plan.outputs.matrix!) as {
      include: { shard: string; targets: string }[]
    }
    const run = legsToRun(matrix.include.map(l => l.shard))
    const legs: StepResult[] = []
    for (const leg of matrix.include.filter(l => run.includes(l.shard))) {
      const { dir: legDir } = await checkout()
      legs.push(
        ok(
          await runStep(
            'dist/main.js',
            { ...inputs, mode: 'build', shard: leg.shard, targets: leg.targets },
            { workspace: legDir, env }
          )
        )
      )
      if (legs.length === 1) await afterFirstLeg?.()
    }
    const { dir: publishDir } = await checkout()
    const publish = await runStep(
      'dist/main.js',
      { ...inputs, mode: 'publish', targets: plan.outputs.targets!, 'github-token': gh.token },
      { workspace: publishDir, env: { ...env, ...githubEnvFor(gh) } }
    )
    const names = gh.releases().flatMap(r => r.assets.map(a => a.name))
    return { legs, publish, publishDist: path.join(publishDir, 'dist'), gh: names }
  } finally {
    await gh.stop()
  }
}

/** The raw index a tag points to, and its digest. */
interface Index {
  manifests: { digest: string; platform: object }[]
  annotations: Record<string, string>
}

async function indexAt(ref: string): Promise<{ digest: string; index: Index }> {
  const raw = await skopeo(registry, ['inspect', '--raw', `docker://${registry.host}/${ref}`])
  return {
    digest: `sha256:${crypto.createHash('sha256').update(raw).digest('hex')}`,
    index: JSON.parse(raw)
  }
}

describe('plan → legs → publish, pushing', () => {
  let single: StepResult
  let matrix: Awaited<ReturnType<typeof flow>>

  beforeAll(async () => {
    // The reference: one job, the same commit and inputs, its own repository.
    const { dir, sha } = await checkout()
    single = ok(
      await runStep(
        'dist/main.js',
        { ...imageInputs('acme/single'), targets: TARGETS, release: 'false' },
        {
          workspace: dir,
          env: {
            ...runnerEnvFor(service),
            GITHUB_REF: `refs/tags/${TAG}`,
            GITHUB_SHA: sha,
            GITHUB_REPOSITORY: REPOSITORY
          }
        }
      )
    )
    matrix = await flow(imageInputs('acme/matrix'))
  }, 30 * 60_000)

  test('the publish job writes the index a single job makes, digest for digest, and tags it', async () => {
    ok(matrix.publish)
    const digest = matrix.publish.outputs['image-digest']!
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(digest).toBe(single.outputs['image-digest'])
    const { digest: tagged, index } = await indexAt('acme/matrix:3.0.0')
    expect(tagged).toBe(digest)
    expect(index.manifests.map(m => m.platform)).toEqual(PLATFORMS)
    expect(index.annotations['org.opencontainers.image.base.digest']).toBe(baseDigest)
    const tags = JSON.parse(
      await skopeo(registry, ['list-tags', `docker://${registry.host}/acme/matrix`])
    ).Tags as string[]
    expect(tags.filter(t => !t.startsWith('sha256-')).sort()).toEqual([
      '3',
      '3.0',
      '3.0.0',
      'latest'
    ])
    // Each leg pushed its platforms' SBOMs as referrers (the registry has no referrers API).
    expect(tags.filter(t => t.startsWith('sha256-')).sort()).toEqual(
      index.manifests.map(m => referrersTag(m.digest)).sort()
    )
    // The whole image is there: skopeo copies every blob, checking each against its digest.
    await skopeo(registry, [
      'copy',
      '--all',
      `docker://${registry.host}/acme/matrix:3.0.0`,
      `oci:${path.join(work, 'matrix-copy')}:x`
    ])
    expect(JSON.parse(matrix.publish.outputs['image-refs']!)).toEqual([
      `${registry.host}/acme/matrix@${digest}`,
      ...['3.0.0', '3.0', '3', 'latest'].map(t => `${registry.host}/acme/matrix:${t}`)
    ])
    expect(matrix.gh).toContain('hello-fixture_3.0.0_linux_armv7.tar.gz')
  })

  test('the legs push their platform manifests by digest only: no index, no tag, no digest output', () => {
    expect(matrix.legs).toHaveLength(2)
    const platforms = matrix.legs.flatMap(
      l => JSON.parse(l.outputs['image-platforms']!) as { platform: string; digest: string }[]
    )
    expect(platforms).toEqual(JSON.parse(matrix.publish.outputs['image-platforms']!))
    expect(platforms.map(p => p.platform)).toEqual(['linux/amd64', 'linux/arm64', 'linux/arm/v7'])
    for (const leg of matrix.legs) {
      expect(leg.outputs['image-digest']).toBe('')
      expect(JSON.parse(leg.outputs['image-refs']!)).toEqual([])
      expect(leg.stdout).toMatch(/^pushed this leg's \d platform manifests to .* by digest/m)
      expect(leg.summary).toContain('the publish job writes the index and the tags')
    }
  })

  test('legs that publish the release themselves: the leg that completes it writes the same index and the tags', async () => {
    const gh = await startGitHubService()
    try {
      const { dir, sha } = await checkout()
      const env = {
        ...runnerEnvFor(service),
        ...githubEnvFor(gh),
        ACTIONS_RUNTIME_TOKEN: service.token(crypto.randomUUID(), crypto.randomUUID()),
        GITHUB_REF: `refs/tags/${TAG}`,
        GITHUB_SHA: sha,
        // The repository the reference run names in its source annotation.
        GITHUB_REPOSITORY: REPOSITORY
      }
      const leg = selfPublishingLeg(gh, dir, env, 'acme/selfpub')
      const first = ok(await leg('1-of-2', 'linux/amd64,linux/arm64'))
      expect(first.stdout).toMatch(/planned files? (is|are) not there yet/)
      expect(first.outputs['image-digest']).toBe('')
      // Nothing tagged while a leg is missing.
      await expect(indexAt('acme/selfpub:3.0.0')).rejects.toThrow()
      const second = ok(await leg('2-of-2', 'linux/arm/7,windows/amd64'))
      const digest = second.outputs['image-digest']!
      // The index itself first: a difference shows where, not just that the digests differ.
      expect((await indexAt('acme/selfpub:3.0.0')).index).toEqual(
        (await indexAt(`acme/single@${single.outputs['image-digest']}`)).index
      )
      expect(digest).toBe(single.outputs['image-digest'])
      expect((await indexAt('acme/selfpub:3.0.0')).digest).toBe(digest)
      expect(gh.releases()[0]!.draft).toBe(false)
      expect(second.summary).toContain(`index ${digest}`)
      expect(gh.contractViolations).toEqual([])
    } finally {
      await gh.stop()
    }
  })
})

test(
  'not pushing: the publish job merges the legs’ parts into one complete OCI layout folder',
  async () => {
    const { publish, publishDist } = await flow(
      imageInputs('acme/local', { 'image-push': 'false' })
    )
    ok(publish)
    const digest = publish.outputs['image-digest']!
    const layout = JSON.parse(
      fs.readFileSync(path.join(publishDist, 'image', 'index.json'), 'utf8')
    )
    expect(layout.manifests[0].digest).toBe(digest)
    // Nothing went to the registry.
    await expect(
      skopeo(registry, ['list-tags', `docker://${registry.host}/acme/local`])
    ).rejects.toThrow()
    // Every blob of every platform is in the folder: skopeo reads them all, checking digests.
    await skopeo(registry, [
      'copy',
      '--all',
      `oci:${path.join(publishDist, 'image')}:3.0.0`,
      `oci:${path.join(work, 'local-copy')}:x`
    ])
    const copied = JSON.parse(fs.readFileSync(path.join(work, 'local-copy', 'index.json'), 'utf8'))
    expect(copied.manifests[0].digest).toBe(digest)
  },
  30 * 60_000
)

test(
  'a missing leg: the publish job fails naming its targets, before any push',
  async () => {
    const { publish } = await flow(imageInputs('acme/partial'), s => s.slice(0, 1))
    expect(publish.code).toBe(1)
    expect(publish.stdout).toMatch(/::error::.*missing from every leg: linux.arm.7, windows.amd64/)
    expect(publish.stdout).not.toMatch(/^::group::pushing the container image/m)
    await expect(
      skopeo(registry, ['inspect', '--raw', `docker://${registry.host}/acme/partial:3.0.0`])
    ).rejects.toThrow()
  },
  30 * 60_000
)

test(
  'the base tag moves between the legs: the publish job refuses to mix bases, naming the fix; nothing is tagged',
  async () => {
    const { publish } = await flow(imageInputs('acme/moved'), undefined, async () => {
      // A new base under the same tag (another build time, another digest) after the first leg.
      const moved = await pushTestBase(
        open,
        fs.mkdtempSync(path.join(work, 'moved-')),
        PLATFORMS,
        1_800_000_000
      )
      expect(moved).not.toBe(baseDigest)
    })
    expect(publish.code).toBe(1)
    expect(publish.stdout).toMatch(
      /::error::.*the legs made their images on different bases \(\S+shard-1-of-2 sha256:[0-9a-f]{64}, \S+shard-2-of-2 sha256:[0-9a-f]{64}\).*pin image-base by digest/
    )
    await expect(
      skopeo(registry, ['inspect', '--raw', `docker://${registry.host}/acme/moved:3.0.0`])
    ).rejects.toThrow()
  },
  30 * 60_000
)

test(
  'self-publishing legs on bases that differ: the completing leg refuses, the release stays a draft, nothing is tagged',
  async () => {
    const gh = await startGitHubService()
    try {
      await pushTestBase(
        open,
        fs.mkdtempSync(path.join(work, 'movable-')),
        PLATFORMS,
        1_700_000_000,
        'acme/movable'
      )
      const { dir, sha } = await checkout()
      const env = {
        ...runnerEnvFor(service),
        ...githubEnvFor(gh),
        ACTIONS_RUNTIME_TOKEN: service.token(crypto.randomUUID(), crypto.randomUUID()),
        GITHUB_REF: `refs/tags/${TAG}`,
        GITHUB_SHA: sha
      }
      const leg = selfPublishingLeg(gh, dir, env, 'acme/selfpub-moved', {
        'image-base': `${open.host}/acme/movable:1`
      })
      ok(await leg('1-of-2', 'linux/amd64,linux/arm64'))
      await pushTestBase(
        open,
        fs.mkdtempSync(path.join(work, 'movable-')),
        PLATFORMS,
        1_800_000_000,
        'acme/movable'
      )
      const second = await leg('2-of-2', 'linux/arm/7,windows/amd64')
      expect(second.code).toBe(1)
      expect(second.stdout).toMatch(
        /::error::.*image: the legs' parts do not make one image:%0A.*different bases.*pin image-base by digest/
      )
      expect(gh.releases()[0]!.draft).toBe(true)
      await expect(indexAt('acme/selfpub-moved:3.0.0')).rejects.toThrow()
    } finally {
      await gh.stop()
    }
  },
  30 * 60_000
)
