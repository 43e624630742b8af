// Container images made by dist/cli.js from the binaries it built and pushed to the CNCF
// distribution registry on 127.0.0.1 (htpasswd and token auth), on a base image served by the
// same registry. Read back with skopeo (which checks every blob against its digest) and the
// binaries taken out of the image layers, compared with the release's and run under QEMU.
import { execFile } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { promisify } from 'node:util'
import { createHash } from 'node:crypto'
import { referrersTag } from '../../src/image.js'
import type { Platform } from '../../src/lib/oci.js'
import { registryClient } from '../../src/ports/registry.js'
import { targetId } from '../../src/targets.js'
import { runCli } from '../fakes/cli.js'
import { findNode24 } from '../fakes/node24.js'
import { copyFixture, gitInit } from '../fakes/context.js'
import { pushTestBase } from '../fakes/hello-image.js'
import { skopeo, startDistribution, type RunningRegistry } from '../services/distribution.js'

const run = promisify(execFile)
/** An image of linux/amd64 on scratch, written as a layout folder only (no registry). */
const LOCAL_SCRATCH_IMAGE = [
  '--targets',
  'linux/amd64',
  '--image',
  '127.0.0.1:1/acme/files',
  '--image-base',
  'scratch',
  '--image-push',
  'false'
]
const EPOCH = 1_700_000_000
const TARGETS = 'linux/amd64, linux/arm64, linux/arm/7, windows/amd64'
const PLATFORMS: { target: string; platform: Platform; runner: string[] }[] = [
  { target: 'linux_amd64', platform: { architecture: 'amd64', os: 'linux' }, runner: [] },
  {
    target: 'linux_arm64',
    platform: { architecture: 'arm64', os: 'linux' },
    runner: ['qemu-aarch64-static']
  },
  {
    target: 'linux_arm_7',
    platform: { architecture: 'arm', os: 'linux', variant: 'v7' },
    runner: ['qemu-arm-static']
  }
]

let basic: RunningRegistry
let token: RunningRegistry
/** the base image's registry: anonymous, as gcr.io and cgr.dev serve public bases */
let open: RunningRegistry
let work: string
let baseDigest: string

/** dist/cli.js pushing the hello fixture's image to `r`; the run and its dist folder. */
async function release(
  r: RunningRegistry,
  extra: string[] = [],
  password = r.password,
  node?: string
): Promise<{ status: number | null; out: string; dist: string }> {
  const dir = copyFixture('hello')
  await gitInit(dir, { tag: 'v1.2.3', epoch: EPOCH })
  const result = await runCli(
    [
      '--targets',
      TARGETS,
      '--image',
      `${r.host}/acme/hello`,
      '--image-base',
      `${open.host}/acme/base:1`,
      // Pushed unless the test says otherwise (a flag given twice is joined into one value).
      ...(extra.includes('--image-push') ? [] : ['--image-push', 'true']),
      '--image-username',
      r.username,
      '--sbom',
      'spdx-json',
      ...extra
    ],
    dir,
    { IMAGE_PASSWORD: password },
    node
  )
  return {
    status: result.status,
    out: `${result.stdout}\n${result.stderr}`,
    dist: path.join(dir, 'dist')
  }
}

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'image-e2e-'))
  ;[basic, token, open] = await Promise.all([
    startDistribution('basic'),
    startDistribution('token'),
    startDistribution('none')
  ])
  baseDigest = await pushTestBase(
    open,
    work,
    PLATFORMS.map(p => p.platform),
    EPOCH
  )
}, 10 * 60_000)

afterAll(async () => {
  await Promise.all([basic?.stop(), token?.stop(), open?.stop()])
  if (work) fs.rmSync(work, { recursive: true, force: true })
})

describe('a release with an image', () => {
  let first: Awaited<ReturnType<typeof release>>
  let index: {
    manifests: { digest: string; platform: object }[]
    annotations: Record<string, string>
  }
  let indexDigest: string

  beforeAll(async () => {
    first = await release(basic)
    if (first.status !== 0) throw new Error(`cli failed:\n${first.out}`)
    const raw = await skopeo(basic, ['inspect', '--raw', `docker://${basic.host}/acme/hello:1.2.3`])
    index = JSON.parse(raw)
    indexDigest = `sha256:${createHash('sha256').update(raw).digest('hex')}`
  }, 20 * 60_000)

  test('the index lists exactly the linux platforms, and the tags of a first stable release', async () => {
    expect(index.manifests.map(m => m.platform)).toEqual(PLATFORMS.map(p => p.platform))
    const tags = (
      JSON.parse(await skopeo(basic, ['list-tags', `docker://${basic.host}/acme/hello`]))
        .Tags as string[]
    ).sort()
    // Besides the release tags: the referrers tag of each platform manifest (the SBOMs).
    expect(tags.filter(t => !t.startsWith('sha256-'))).toEqual(['1', '1.2', '1.2.3', 'latest'])
    expect(tags.filter(t => t.startsWith('sha256-')).sort()).toEqual(
      index.manifests.map(m => referrersTag(m.digest)).sort()
    )
    expect(first.out).toContain(indexDigest)
    // The summary's image table: each platform with its manifest digest, and where it went.
    expect(first.out).toMatch(/\nImage\nplatform +manifest digest\n/)
    for (const m of index.manifests) expect(first.out).toContain(m.digest)
    expect(first.out).toContain(`pushed: ${basic.host}/acme/hello@${indexDigest}`)
  })

  test('annotations: commit time, version, base name and digest', () => {
    expect(index.annotations).toMatchObject({
      'org.opencontainers.image.created': new Date(EPOCH * 1000)
        .toISOString()
        .replace('.000Z', 'Z'),
      'org.opencontainers.image.version': '1.2.3',
      'org.opencontainers.image.title': 'hello-fixture',
      'org.opencontainers.image.base.name': `${open.host}/acme/base:1`,
      'org.opencontainers.image.base.digest': baseDigest
    })
  })

  test.each(PLATFORMS.map(p => [p.target, p]))(
    '[%s] the layer holds the release binary, which runs; the config keeps the base',
    async (_id, p) => {
      const copy = path.join(work, `copy-${p.target}`)
      await skopeo(basic, [
        'copy',
        '--override-arch',
        p.platform.architecture,
        ...(p.platform.variant ? ['--override-variant', p.platform.variant] : []),
        `docker://${basic.host}/acme/hello:1.2.3`,
        `dir:${copy}`
      ])
      const manifest = JSON.parse(fs.readFileSync(path.join(copy, 'manifest.json'), 'utf8'))
      expect(manifest.layers).toHaveLength(2)
      const config = JSON.parse(
        fs.readFileSync(path.join(copy, manifest.config.digest.split(':')[1]), 'utf8')
      )
      expect(config).toMatchObject({
        architecture: p.platform.architecture,
        config: {
          User: '65532:65532',
          Entrypoint: ['/usr/local/bin/hello-fixture'],
          Env: expect.arrayContaining(['SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt'])
        }
      })
      const out = path.join(work, `layer-${p.target}`)
      fs.mkdirSync(out)
      await run('tar', [
        '-xzf',
        path.join(copy, manifest.layers[1].digest.split(':')[1]),
        '-C',
        out
      ])
      const extracted = path.join(out, 'usr', 'local', 'bin', 'hello-fixture')
      const artifacts = JSON.parse(fs.readFileSync(path.join(first.dist, 'artifacts.json'), 'utf8'))
      const built = artifacts.artifacts.find(
        (a: { target: string }) => a.target === p.target
      ).binary
      expect(fs.readFileSync(extracted).equals(fs.readFileSync(built))).toBe(true)
      const [program, ...args] = [...p.runner, extracted, '--version']
      expect((await run(program!, args)).stdout).toBe('1.2.3\n')
    }
  )

  test('each platform manifest has its SPDX SBOM as a referrer, naming the binary and its module', async () => {
    const client = registryClient({
      credentials: () => ({ username: basic.username, password: basic.password })
    })
    const repo = { host: basic.host, name: 'acme/hello' }
    for (const m of index.manifests) {
      const listed = JSON.parse(
        (await client.manifest(repo, referrersTag(m.digest)))!.bytes.toString()
      ).manifests
      expect(listed).toEqual([expect.objectContaining({ artifactType: 'application/spdx+json' })])
      const referrer = JSON.parse((await client.manifest(repo, listed[0].digest))!.bytes.toString())
      expect(referrer.subject.digest).toBe(m.digest)
      const sbom = JSON.parse((await client.blob(repo, referrer.layers[0].digest)).toString())
      expect(sbom.spdxVersion).toBe('SPDX-2.3')
      expect(JSON.stringify(sbom)).toContain('/usr/local/bin/hello-fixture')
      expect(JSON.stringify(sbom)).toContain('example.com/hello-fixture')
    }
  })

  test(
    'the bundled CLI under node24 (another zlib) writes the same image digest',
    async () => {
      // The layer's deflate is fflate's, bundled in dist/, not the zlib of the Node that runs it.
      const node24 = await findNode24()
      const local = await release(basic, ['--image-push', 'false'], basic.password, node24)
      if (local.status !== 0) throw new Error(`cli failed:\n${local.out}`)
      const layout = JSON.parse(
        fs.readFileSync(path.join(local.dist, 'image', 'index.json'), 'utf8')
      )
      expect(layout.manifests[0].digest).toBe(indexDigest)
      const versions = await Promise.all(
        [process.execPath, node24].map(async n =>
          (await run(n, ['-p', 'process.versions.zlib'])).stdout.trim()
        )
      )
      expect(versions[0]).not.toBe(versions[1])
    },
    20 * 60_000
  )

  test(
    'a re-run of the same commit gives the same digest and uploads nothing',
    async () => {
      const again = await release(basic)
      expect(again.status).toBe(0)
      expect(again.out).toContain(indexDigest)
      expect(again.out).toMatch(/0 blobs uploaded/)
    },
    20 * 60_000
  )

  test(
    'another registry with token auth gets the same digest, the base layers copied over',
    async () => {
      const other = await release(token)
      if (other.status !== 0) throw new Error(`cli failed:\n${other.out}`)
      const raw = await skopeo(token, [
        'inspect',
        '--raw',
        `docker://${token.host}/acme/hello:1.2.3`
      ])
      expect(`sha256:${createHash('sha256').update(raw).digest('hex')}`).toBe(indexDigest)
      await skopeo(token, [
        'copy',
        '--all',
        `docker://${token.host}/acme/hello:1.2.3`,
        `oci:${path.join(work, 'token-copy')}:x`
      ])
    },
    20 * 60_000
  )
})

test(
  'a wrong password fails before anything is built, naming the registry',
  async () => {
    const result = await release(token, [], 'wrong')
    expect(result.status).not.toBe(0)
    expect(result.out).toMatch(
      /image: 127\.0\.0\.1:\d+\/acme\/hello: .*answered 401 to the given credentials/
    )
    expect(fs.existsSync(path.join(result.dist, targetId('linux', 'amd64')))).toBe(false)
  },
  10 * 60_000
)

test('bad image inputs are refused before anything is built', async () => {
  const dir = copyFixture('hello')
  await gitInit(dir, { tag: 'v1.2.3', epoch: EPOCH })
  const result = await runCli(
    ['--targets', 'windows/amd64', '--image', 'acme/hello', '--image-labels', 'no-equals-sign'],
    dir
  )
  expect(result.status).not.toBe(0)
  const out = result.stdout + result.stderr
  expect(out).toContain('image: "acme/hello" does not start with a registry host')
  expect(out).toContain('image-labels: line 1 "no-equals-sign" is not KEY=VALUE')
  expect(out).toContain('image: no linux target to make an image of (targets: windows_amd64)')
  expect(fs.existsSync(path.join(dir, 'dist'))).toBe(false)
})

describe('cgo binaries on a base without a C library', () => {
  test('cgo: true on scratch is refused before anything is built, naming the target and the fix', async () => {
    const dir = copyFixture('cgo')
    await gitInit(dir, { tag: 'v1.2.3', epoch: EPOCH })
    const result = await runCli(
      [
        '--targets',
        'linux/amd64',
        '--cgo',
        'true',
        '--image',
        '127.0.0.1:1/acme/cgo',
        '--image-base',
        'scratch',
        '--image-push',
        'false'
      ],
      dir
    )
    expect(result.status).not.toBe(0)
    expect(result.stdout + result.stderr).toContain(
      'image: target linux_amd64 is built with cgo (dynamically linked), but image-base scratch has no C library'
    )
    expect(fs.existsSync(path.join(dir, 'dist'))).toBe(false)
  })

  test(
    'a binary that is dynamic all the same (the check was misled) fails the image with its interpreter; static cgo passes',
    async () => {
      const dir = copyFixture('cgo')
      await gitInit(dir, { tag: 'v1.2.3', epoch: EPOCH })
      const common = [
        '--targets',
        'linux/amd64',
        '--cgo',
        'true',
        '--image',
        '127.0.0.1:1/acme/cgo'
      ]
      const misled = await runCli(
        [...common, '--image-base', 'scratch', '--ldflags', '-X main.note=-static'],
        dir
      )
      expect(misled.status).not.toBe(0)
      expect(misled.stdout + misled.stderr).toMatch(
        /image: linux_amd64\/cgo-fixture needs \/lib64\/ld-linux-x86-64\.so\.2, but image-base scratch has no C library/
      )
      const staticCgo = await runCli(
        [...common, '--image-base', 'scratch', '--ldflags', '-s -w -extldflags=-static'],
        dir
      )
      if (staticCgo.status !== 0)
        throw new Error(`cli failed:\n${staticCgo.stdout}${staticCgo.stderr}`)
      expect(fs.existsSync(path.join(dir, 'dist', 'image', 'index.json'))).toBe(true)
    },
    10 * 60_000
  )
})

test(
  'image-files: extra files in the layer at their paths and modes, beside the binary',
  async () => {
    const dir = copyFixture('hello')
    await gitInit(dir, { tag: 'v1.2.3', epoch: EPOCH })
    fs.mkdirSync(path.join(dir, 'conf'))
    fs.writeFileSync(path.join(dir, 'conf', 'a.yaml'), 'a: 1\n')
    fs.writeFileSync(path.join(dir, 'conf', 'run.sh'), '#!/bin/sh\n', { mode: 0o755 })
    const result = await runCli(
      [
        ...LOCAL_SCRATCH_IMAGE,
        '--image-files',
        'LICENSE:/usr/share/doc/hello/LICENSE\nconf/*:/etc/hello/\nREADME.md'
      ],
      dir
    )
    if (result.status !== 0) throw new Error(`cli failed:\n${result.stdout}${result.stderr}`)
    const layout = path.join(dir, 'dist', 'image')
    const blob = (digest: string) => path.join(layout, 'blobs', 'sha256', digest.split(':')[1]!)
    const top = JSON.parse(fs.readFileSync(path.join(layout, 'index.json'), 'utf8'))
    const index = JSON.parse(fs.readFileSync(blob(top.manifests[0].digest), 'utf8'))
    const manifest = JSON.parse(fs.readFileSync(blob(index.manifests[0].digest), 'utf8'))
    const listing = (await run('tar', ['-tvzf', blob(manifest.layers[0].digest)])).stdout
    const entries = listing
      .trim()
      .split('\n')
      .map(l => l.split(/\s+/))
      .map(f => `${f[0]} ${f[5]}`)
    expect(entries).toEqual([
      '-rw-r--r-- README.md',
      'drwxr-xr-x etc/',
      'drwxr-xr-x etc/hello/',
      '-rw-r--r-- etc/hello/a.yaml',
      '-rwxr-xr-x etc/hello/run.sh',
      'drwxr-xr-x usr/',
      'drwxr-xr-x usr/local/',
      'drwxr-xr-x usr/local/bin/',
      '-rwxr-xr-x usr/local/bin/hello-fixture',
      'drwxr-xr-x usr/share/',
      'drwxr-xr-x usr/share/doc/',
      'drwxr-xr-x usr/share/doc/hello/',
      '-rw-r--r-- usr/share/doc/hello/LICENSE'
    ])
  },
  10 * 60_000
)

test('image-files that match nothing are refused before anything is built', async () => {
  const dir = copyFixture('hello')
  await gitInit(dir, { tag: 'v1.2.3', epoch: EPOCH })
  const result = await runCli(
    [...LOCAL_SCRATCH_IMAGE, '--image-files', 'missing/*.yaml:/etc/x/'],
    dir
  )
  expect(result.status).not.toBe(0)
  expect(result.stdout + result.stderr).toMatch(/image-files: "missing\/\*\.yaml" matches no file/)
  expect(fs.existsSync(path.join(dir, 'dist'))).toBe(false)
})
