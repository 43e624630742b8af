import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { realProcess, type ProcessResult } from '../../src/ports/process.js'
import { copyFixture, gitInit } from '../fakes/context.js'
import { findCosign, processEnv } from '../fakes/go-tools.js'
import { runStep, type StepResult } from '../fakes/runner.js'
import { startAzurite } from '../services/azurite.js'
import { githubEnvFor, startGitHubService, type GitHubService } from '../services/github.js'
import { runnerEnvFor, startResultsService } from '../services/results-service.js'

/**
 * cosign-key with the real cosign (the version .ci/run pins): dist/main.js signs checksums.txt,
 * `cosign verify-blob --key cosign.pub` accepts the bundle and refuses a tampered file, on a
 * release the bundle signs the release's merged checksums.txt, and the key and password never
 * show in the step's output. No Rekor here: cosign-tlog is false and verification ignores the tlog.
 */
const PASSWORD = 'correct horse battery staple 42'
const TAG = 'v3.2.1'

let cosign: string
let keys: string
let privateKey: string

async function runCosign(args: string[], cwd: string): Promise<ProcessResult> {
  return realProcess.run(cosign, args, {
    cwd,
    env: { ...processEnv(), COSIGN_PASSWORD: PASSWORD }
  })
}

/** `cosign verify-blob --key cosign.pub --bundle <bundle> --insecure-ignore-tlog=true <file>`. */
async function verify(file: string, bundle: string): Promise<ProcessResult> {
  return runCosign(
    [
      'verify-blob',
      '--key',
      path.join(keys, 'cosign.pub'),
      '--bundle',
      bundle,
      '--insecure-ignore-tlog=true',
      file
    ],
    path.dirname(file)
  )
}

/** A copy of `file` with one byte changed, next to it. */
function tampered(file: string): string {
  const bytes = fs.readFileSync(file)
  // The first hex digit of the first digest: still a well-formed checksums file.
  bytes[0] = bytes[0] === 0x61 ? 0x62 : 0x61
  const copy = `${file}.tampered`
  fs.writeFileSync(copy, bytes)
  return copy
}

/** The step's PATH with cosign's folder first. */
function pathWithCosign(): string {
  return [path.dirname(cosign), process.env.PATH ?? ''].join(path.delimiter)
}

/** Every file under dir, recursively. */
function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return []
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter(e => e.isFile())
    .map(e => path.join(e.parentPath, e.name))
}

/**
 * Neither the password nor any line of the key is in what the step printed or left (outputs,
 * summary), except in the ::add-mask:: commands that tell the runner to hide them.
 */
function expectNoSecrets(step: StepResult): void {
  const secrets = [PASSWORD, ...privateKey.split('\n').filter(l => l && !l.startsWith('-----'))]
  const printed = `${step.stdout}\n${step.stderr}`.split('\n')
  const masks = printed.filter(l => l.startsWith('::add-mask::'))
  const rest = [
    ...printed.filter(l => !l.startsWith('::add-mask::')),
    JSON.stringify(step.outputs),
    step.summary
  ].join('\n')
  for (const secret of secrets) {
    expect(rest).not.toContain(secret)
    // The runner hides what it was told to: the password and each line of the key.
    expect(masks).toContain(`::add-mask::${secret}`)
  }
}

function ok(step: StepResult): void {
  if (step.code !== 0) throw new Error(`step failed:\n${step.stdout}\n${step.stderr}`)
}

beforeAll(async () => {
  cosign = await findCosign()
  keys = fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-cosign-keys-'))
  const made = await runCosign(['generate-key-pair'], keys)
  expect([made.code, made.stderr]).toEqual([0, expect.any(String)])
  privateKey = fs.readFileSync(path.join(keys, 'cosign.key'), 'utf8')
  expect(privateKey).toContain('-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----')
})

afterAll(() => {
  if (keys) fs.rmSync(keys, { recursive: true, force: true })
})

const signing = (): Record<string, string> => ({
  'cosign-key': privateKey,
  'cosign-password': PASSWORD,
  'cosign-tlog': 'false'
})

describe('cosign-key without a release (workflow artifact only)', () => {
  let step: StepResult
  let dist: string
  let runnerTemp: string

  beforeAll(async () => {
    const workspace = copyFixture('hello')
    const sha = await gitInit(workspace, {})
    runnerTemp = fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-cosign-temp-'))
    step = await runStep(
      'dist/main.js',
      {
        targets: 'linux/amd64, windows/amd64',
        cache: 'false',
        'upload-artifacts': 'false',
        ...signing()
      },
      {
        workspace,
        env: {
          PATH: pathWithCosign(),
          GITHUB_SHA: sha,
          GITHUB_REF: 'refs/heads/main',
          RUNNER_TEMP: runnerTemp,
          // Debug logging on: the secrets must stay out of debug lines too.
          RUNNER_DEBUG: '1'
        }
      }
    )
    ok(step)
    dist = step.outputs['dist-dir']!
  })

  test('the bundle verifies checksums.txt with cosign verify-blob --key cosign.pub', async () => {
    const bundle = path.join(dist, 'checksums.txt.sigstore.json')
    expect(fs.existsSync(bundle)).toBe(true)
    expect(step.summary).toContain(
      'signed with cosign: checksums.txt.sigstore.json; verify: cosign verify-blob --key cosign.pub --bundle checksums.txt.sigstore.json --insecure-ignore-tlog=true checksums.txt'
    )
    const verified = await verify(path.join(dist, 'checksums.txt'), bundle)
    expect([verified.code, verified.stderr]).toEqual([0, expect.stringContaining('Verified OK')])
  })

  test('a checksums.txt with one byte changed fails verification', async () => {
    const copy = tampered(path.join(dist, 'checksums.txt'))
    const verified = await verify(copy, path.join(dist, 'checksums.txt.sigstore.json'))
    expect(verified.code).not.toBe(0)
  })

  test('checksums.txt lists the archives, not the bundle', () => {
    const names = fs
      .readFileSync(path.join(dist, 'checksums.txt'), 'utf8')
      .trimEnd()
      .split('\n')
      .map(l => l.split('  ')[1])
    expect(names).toEqual([
      expect.stringMatching(/^hello-fixture_.*_linux_amd64\.tar\.gz$/),
      expect.stringMatching(/^hello-fixture_.*_windows_amd64\.zip$/)
    ])
  })

  test('the key and password are masked and never printed, and no key file is left in RUNNER_TEMP', () => {
    expectNoSecrets(step)
    // Debug lines show cosign's command lines: paths only.
    expect(step.stdout).toMatch(
      /::debug::signing checksums\.txt: \S*cosign sign-blob --yes --key \S+cosign\.key --bundle /
    )
    for (const file of filesUnder(runnerTemp)) {
      expect(fs.readFileSync(file, 'utf8')).not.toContain('ENCRYPTED SIGSTORE PRIVATE KEY')
    }
  })
})

describe('cosign-key set but cosign missing', () => {
  test('fails before building, naming how to install cosign', async () => {
    const workspace = copyFixture('hello')
    const sha = await gitInit(workspace, {})
    // PATH without any folder that holds a cosign.
    const PATH = (process.env.PATH ?? '')
      .split(path.delimiter)
      .filter(d => d && !fs.existsSync(path.join(d, 'cosign')))
      .join(path.delimiter)
    const step = await runStep(
      'dist/main.js',
      { targets: 'linux/amd64', cache: 'false', 'upload-artifacts': 'false', ...signing() },
      { workspace, env: { PATH, GITHUB_SHA: sha, GITHUB_REF: 'refs/heads/main' } }
    )
    expect(step.code).not.toBe(0)
    expect(step.stdout).toContain(
      'cosign-key: set, but cosign is not on PATH; add `- uses: sigstore/cosign-installer@v3` before this step'
    )
    // Nothing was built: the dist folder was never made.
    expect(fs.existsSync(path.join(workspace, 'dist'))).toBe(false)
    expectNoSecrets(step)
  })
})

describe('cosign-key on a release (loopback GitHub service)', () => {
  let service: GitHubService
  let workspace: string
  let sha: string
  const steps: StepResult[] = []

  /** One job of the tag, building `targets`. */
  async function publish(targets: string): Promise<StepResult> {
    const step = await runStep(
      'dist/main.js',
      {
        targets,
        'github-token': service.token,
        'upload-artifacts': 'false',
        cache: 'false',
        ...signing()
      },
      {
        workspace,
        env: {
          ...githubEnvFor(service),
          PATH: pathWithCosign(),
          GITHUB_REF: `refs/tags/${TAG}`,
          GITHUB_SHA: sha,
          RUNNER_DEBUG: '1'
        }
      }
    )
    ok(step)
    steps.push(step)
    return step
  }

  /** The release's asset bytes by name, written to a fresh folder. */
  function download(names: string[]): string {
    const [release] = service.releases().filter(r => r.tagName === TAG)
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-cosign-release-'))
    for (const name of names) {
      const asset = release!.assets.find(a => a.name === name)
      if (!asset) throw new Error(`${name} is not on the release`)
      fs.writeFileSync(path.join(dir, name), service.assetBytes(asset.id)!)
    }
    return dir
  }

  beforeAll(async () => {
    service = await startGitHubService()
    workspace = copyFixture('hello')
    sha = await gitInit(workspace, { tag: TAG })
    // Two runs of the tag: the second one's checksums.txt on the release merges the first's lines,
    // so a bundle over its local file alone would not verify the release's.
    await publish('linux/amd64')
    await publish('linux/arm64')
  })

  afterAll(async () => {
    expect(service.contractViolations).toEqual([])
    await service?.stop()
  })

  test('the published release holds the bundle, and it verifies the merged checksums.txt', async () => {
    const [release] = service.releases().filter(r => r.tagName === TAG)
    expect(release!.draft).toBe(false)
    expect(release!.assets.map(a => a.name).sort()).toEqual([
      'checksums.txt',
      'checksums.txt.sigstore.json',
      'hello-fixture_3.2.1_linux_amd64.tar.gz',
      'hello-fixture_3.2.1_linux_arm64.tar.gz'
    ])
    const dir = download(['checksums.txt', 'checksums.txt.sigstore.json'])
    const sums = fs.readFileSync(path.join(dir, 'checksums.txt'), 'utf8')
    // Both runs' archives, and never the bundle (the first run's was on the release already).
    expect(
      sums
        .trimEnd()
        .split('\n')
        .map(l => l.split('  ')[1])
    ).toEqual(['hello-fixture_3.2.1_linux_amd64.tar.gz', 'hello-fixture_3.2.1_linux_arm64.tar.gz'])
    const verified = await verify(
      path.join(dir, 'checksums.txt'),
      path.join(dir, 'checksums.txt.sigstore.json')
    )
    expect([verified.code, verified.stderr]).toEqual([0, expect.stringContaining('Verified OK')])
    // The second run's dist holds what the release holds.
    const dist = steps[1]!.outputs['dist-dir']!
    expect(fs.readFileSync(path.join(dist, 'checksums.txt'), 'utf8')).toBe(sums)
    const assets = JSON.parse(steps[1]!.outputs.assets!) as { name: string }[]
    expect(assets.map(a => a.name)).toContain('checksums.txt.sigstore.json')
  })

  test("the release's bundle refuses its checksums.txt with one byte changed", async () => {
    const dir = download(['checksums.txt', 'checksums.txt.sigstore.json'])
    const verified = await verify(
      tampered(path.join(dir, 'checksums.txt')),
      path.join(dir, 'checksums.txt.sigstore.json')
    )
    expect(verified.code).not.toBe(0)
  })

  test('neither run printed the key or the password', () => {
    expect(steps).toHaveLength(2)
    for (const step of steps) expectNoSecrets(step)
  })

  test('a re-run keeps the bundle that already verifies: nothing is uploaded', async () => {
    const [before] = service.releases().filter(r => r.tagName === TAG)
    service.calls.length = 0
    await publish('linux/arm64')
    const [after] = service.releases().filter(r => r.tagName === TAG)
    expect(service.calls.filter(c => c.operationId === 'repos/upload-release-asset')).toEqual([])
    expect(after!.assets.map(a => [a.id, a.name])).toEqual(before!.assets.map(a => [a.id, a.name]))
    expect(steps[2]!.stdout).toContain(
      'checksums.txt.sigstore.json: verifies checksums.txt of release'
    )
  })

  /** A run of the tag without cosign-key, adding windows/amd64. */
  const unsigned = (): Promise<StepResult> =>
    runStep(
      'dist/main.js',
      {
        targets: 'windows/amd64',
        'github-token': service.token,
        'upload-artifacts': 'false',
        cache: 'false'
      },
      {
        workspace,
        env: { ...githubEnvFor(service), GITHUB_REF: `refs/tags/${TAG}`, GITHUB_SHA: sha }
      }
    )

  test('a later run without the key that changes checksums.txt warns that the bundle no longer verifies it', async () => {
    const step = await unsigned()
    ok(step)
    expect(step.stdout).toContain(
      '::warning::checksums.txt.sigstore.json on the release signs an earlier checksums.txt; this run changed checksums.txt without cosign-key, so the bundle no longer verifies it: run again with cosign-key, or delete checksums.txt.sigstore.json'
    )
    // The warning is true: the bundle refuses the release's checksums.txt now.
    const dir = download(['checksums.txt', 'checksums.txt.sigstore.json'])
    const verified = await verify(
      path.join(dir, 'checksums.txt'),
      path.join(dir, 'checksums.txt.sigstore.json')
    )
    expect(verified.code).not.toBe(0)
    // A run that leaves checksums.txt as it is does not warn.
    const again = await unsigned()
    ok(again)
    expect(again.stdout).not.toContain('::warning::checksums.txt.sigstore.json')
  })
})

describe('cosign-key in a matrix: legs sign their artifacts, the publish job signs the release', () => {
  test("the fan-in's bundle on the release verifies the release's checksums.txt of every leg", async () => {
    const azurite = await startAzurite()
    const results = await startResultsService({ azurite })
    const gh = await startGitHubService()
    try {
      const tag = 'v4.0.0'
      const workspace = copyFixture('hello')
      const sha = await gitInit(workspace, { tag })
      const env = {
        ...runnerEnvFor(results),
        PATH: pathWithCosign(),
        GITHUB_REF: `refs/tags/${tag}`,
        GITHUB_SHA: sha
      }
      const legs = [
        { shard: '1-of-2', targets: 'linux/amd64' },
        { shard: '2-of-2', targets: 'linux/arm64' }
      ]
      const steps: StepResult[] = []
      for (const leg of legs) {
        const dir = copyFixture('hello')
        expect(await gitInit(dir, { tag })).toBe(sha)
        const step = await runStep(
          'dist/main.js',
          { mode: 'build', shard: leg.shard, targets: leg.targets, cache: 'false', ...signing() },
          { workspace: dir, env }
        )
        ok(step)
        steps.push(step)
        // Each leg's artifact holds its own checksums.txt and a bundle that verifies it.
        const dist = step.outputs['dist-dir']!
        const verified = await verify(
          path.join(dist, 'checksums.txt'),
          path.join(dist, 'checksums.txt.sigstore.json')
        )
        expect(verified.code).toBe(0)
      }
      const publish = await runStep(
        'dist/main.js',
        {
          mode: 'publish',
          targets: 'linux/amd64,linux/arm64',
          'github-token': gh.token,
          ...signing()
        },
        { workspace: copyFixture('hello'), env: { ...env, ...githubEnvFor(gh) } }
      )
      ok(publish)
      steps.push(publish)
      const [release] = gh.releases()
      expect(release).toMatchObject({ tagName: tag, draft: false })
      expect(release!.assets.map(a => a.name).sort()).toEqual([
        'checksums.txt',
        'checksums.txt.sigstore.json',
        'hello-fixture_4.0.0_linux_amd64.tar.gz',
        'hello-fixture_4.0.0_linux_arm64.tar.gz'
      ])
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-cosign-fanin-'))
      for (const a of release!.assets)
        fs.writeFileSync(path.join(dir, a.name), gh.assetBytes(a.id)!)
      expect(
        fs.readFileSync(path.join(dir, 'checksums.txt'), 'utf8').trimEnd().split('\n')
      ).toHaveLength(2)
      const verified = await verify(
        path.join(dir, 'checksums.txt'),
        path.join(dir, 'checksums.txt.sigstore.json')
      )
      expect([verified.code, verified.stderr]).toEqual([0, expect.stringContaining('Verified OK')])
      expect(
        (
          await verify(
            tampered(path.join(dir, 'checksums.txt')),
            path.join(dir, 'checksums.txt.sigstore.json')
          )
        ).code
      ).not.toBe(0)
      for (const step of steps) expectNoSecrets(step)
      expect(gh.contractViolations).toEqual([])
    } finally {
      await gh.stop()
      await results.stop()
      await azurite.stop()
    }
  })
})
