import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import {
  copyBaseLayers,
  parseBaseReference,
  pushImage,
  pushReferrer,
  readBlob,
  referrerManifest,
  referrersTag,
  resolveBase,
  writeImage,
  type BaseReference,
  type ImageSettings,
  type PlatformContent,
  type WrittenImage
} from '../../src/image.js'
import { jsonBytes, OCI, sha256Digest } from '../../src/lib/oci.js'
import { registryClient, type RegistryPort } from '../../src/ports/registry.js'
import { targetId, type Target } from '../../src/targets.js'
import { helloContents } from '../fakes/hello-image.js'
import { skopeo, startDistribution, type RunningRegistry } from '../services/distribution.js'

// Images of real Go binaries pushed by our registry client to the CNCF distribution registry
// (v3.1.2) on 127.0.0.1, with htpasswd and with token auth, and read back by skopeo
// (containers/image), which checks every blob against its digest while copying.

const run = promisify(execFile)
const EPOCH = 1_700_000_000
const TARGETS: Target[] = [
  { goos: 'linux', goarch: 'amd64', id: targetId('linux', 'amd64') },
  { goos: 'linux', goarch: 'arm64', id: targetId('linux', 'arm64') },
  { goos: 'linux', goarch: 'arm', variant: '7', id: targetId('linux', 'arm', '7') }
]
const SETTINGS: ImageSettings = {
  created: '2023-11-14T22:13:20Z',
  entrypoint: ['/usr/local/bin/hello'],
  user: '65532:65532',
  env: [],
  labels: {},
  createdBy: 'go-xbuild-action'
}
const ANNOTATIONS = { 'org.opencontainers.image.source': 'https://github.com/acme/hello' }

let work: string
let contents: PlatformContent[]
let basic: RunningRegistry
let token: RunningRegistry

const clientFor = (r: RunningRegistry): RegistryPort =>
  registryClient({
    credentials: host =>
      host === r.host ? { username: r.username, password: r.password } : undefined
  })

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'image-registry-'))
  ;[basic, token] = await Promise.all([startDistribution('basic'), startDistribution('token')])
  contents = await helloContents(work, TARGETS)
}, 600_000)

afterAll(async () => {
  await Promise.all([basic?.stop(), token?.stop()])
  if (work) await rm(work, { recursive: true, force: true })
})

async function scratchImage(layout: string): Promise<WrittenImage> {
  return writeImage(layout, contents, SETTINGS, ANNOTATIONS, EPOCH)
}

test('htpasswd registry: pushed once, re-pushed without uploading, read back byte for byte by skopeo', async () => {
  const layout = path.join(work, 'scratch')
  const image = await scratchImage(layout)
  const repo = { host: basic.host, name: 'acme/hello' }
  const first = await pushImage(clientFor(basic), layout, image, repo, ['1.2.3', 'latest'])
  expect(first).toEqual({
    ref: `${basic.host}/acme/hello@${image.index.digest}`,
    tags: [`${basic.host}/acme/hello:1.2.3`, `${basic.host}/acme/hello:latest`],
    // a layer and a config per platform
    blobs: { uploaded: 6, mounted: 0, present: 0 }
  })
  const again = await pushImage(clientFor(basic), layout, image, repo, ['1.2.3', 'latest'])
  expect(again.blobs).toEqual({ uploaded: 0, mounted: 0, present: 6 })

  const index = await readBlob(layout, image.index.digest)
  for (const tag of ['1.2.3', 'latest']) {
    expect(
      await skopeo(basic, ['inspect', '--raw', `docker://${basic.host}/acme/hello:${tag}`])
    ).toBe(index.toString('utf8'))
  }
  const arm = JSON.parse(
    await skopeo(basic, [
      'inspect',
      '--config',
      '--override-arch',
      'arm',
      '--override-variant',
      'v7',
      `docker://${basic.host}/acme/hello:1.2.3`
    ])
  )
  expect(arm).toMatchObject({ architecture: 'arm', variant: 'v7', os: 'linux' })

  // skopeo copies every blob, checking its digest, into a layout: the image is whole.
  const copy = path.join(work, 'copy')
  await skopeo(basic, [
    'copy',
    '--all',
    '--preserve-digests',
    `docker://${basic.host}/acme/hello:1.2.3`,
    `oci:${copy}:x`
  ])
  const copied = JSON.parse(await readFile(path.join(copy, 'index.json'), 'utf8'))
  expect(copied.manifests[0].digest).toBe(image.index.digest)
})

test('token-auth registry: the same bytes give the same index digest on another registry', async () => {
  const layout = path.join(work, 'scratch-token')
  const image = await scratchImage(layout)
  const repo = { host: token.host, name: 'acme/hello' }
  const pushed = await pushImage(clientFor(token), layout, image, repo, ['1.2.3'])
  expect(pushed.blobs.uploaded).toBe(6)
  const other = await scratchImage(path.join(work, 'scratch'))
  expect(image.index.digest).toBe(other.index.digest)
  expect(
    JSON.parse(await skopeo(token, ['inspect', '--raw', `docker://${token.host}/acme/hello:1.2.3`]))
      .manifests
  ).toHaveLength(3)
})

test('token-auth registry: wrong credentials are refused by the token service', async () => {
  const client = registryClient({
    credentials: () => ({ username: token.username, password: 'wrong' })
  })
  await expect(client.checkPush({ host: token.host, name: 'acme/hello' })).rejects.toThrow(
    /token service .* answered 401 to the given credentials/
  )
  await clientFor(token).checkPush({ host: token.host, name: 'acme/hello' })
})

test('on a base: its layers come first, its config is kept, and a push to its registry mounts them', async () => {
  // A two-platform "base" with one file, pushed like any image.
  const baseDir = path.join(work, 'base-src')
  await run('mkdir', ['-p', baseDir])
  await writeFile(
    path.join(baseDir, 'passwd'),
    'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532::/home/nonroot:/sbin/nologin\n'
  )
  const baseLayout = path.join(work, 'base')
  const baseContents = contents.slice(0, 2).map(c => ({
    platform: c.platform,
    files: [{ path: '/etc/passwd', source: path.join(baseDir, 'passwd'), mode: 0o644 }]
  }))
  const baseImage = await writeImage(
    baseLayout,
    baseContents,
    {
      ...SETTINGS,
      entrypoint: [],
      env: ['SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt'],
      user: '0'
    },
    {},
    EPOCH
  )
  const client = clientFor(basic)
  await pushImage(client, baseLayout, baseImage, { host: basic.host, name: 'acme/base' }, ['1'])

  const reference = parseBaseReference(`${basic.host}/acme/base:1`) as BaseReference
  const base = await resolveBase(client, reference, `${basic.host}/acme/base:1`)
  expect(base.digest).toBe(baseImage.index.digest)
  expect(base.platforms.map(p => p.platform)).toEqual([
    { architecture: 'amd64', os: 'linux' },
    { architecture: 'arm64', os: 'linux' }
  ])

  const layout = path.join(work, 'on-base')
  const image = await writeImage(layout, contents.slice(0, 2), SETTINGS, ANNOTATIONS, EPOCH, base)
  const manifest = JSON.parse((await readBlob(layout, image.manifests[0].digest)).toString())
  expect(manifest.layers).toHaveLength(2)
  expect(manifest.layers[0]).toEqual({ ...base.platforms[0].layers[0], mediaType: OCI.layer })
  const config = JSON.parse((await readBlob(layout, manifest.config.digest)).toString())
  expect(config.config.Env).toContain('SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt')
  expect(config.rootfs.diff_ids).toHaveLength(2)

  // Same registry: the base layer is mounted, not uploaded.
  const pushed = await pushImage(
    client,
    layout,
    image,
    { host: basic.host, name: 'acme/app' },
    ['1.2.3'],
    {
      mountFrom: 'acme/base'
    }
  )
  // The base's passwd layer is the same bytes for both platforms: one blob.
  expect(pushed.blobs).toEqual({ uploaded: 4, mounted: 1, present: 0 })

  // Another registry: the base layers are copied into the layout first, then uploaded.
  await copyBaseLayers(
    client,
    reference,
    base.platforms.flatMap(p => p.layers),
    layout
  )
  const elsewhere = await pushImage(
    clientFor(token),
    layout,
    image,
    { host: token.host, name: 'acme/app' },
    ['1.2.3']
  )
  expect(elsewhere.blobs.uploaded).toBe(5)
  const copy = path.join(work, 'copy-app')
  await skopeo(token, ['copy', '--all', `docker://${token.host}/acme/app:1.2.3`, `oci:${copy}:x`])
})

test('a base without the wanted platform is named with what it has', async () => {
  const reference = parseBaseReference(`${basic.host}/acme/base:1`) as BaseReference
  const base = await resolveBase(clientFor(basic), reference, 'acme/base:1')
  await expect(
    writeImage(path.join(work, 'no-arm'), contents, SETTINGS, {}, EPOCH, base)
  ).rejects.toThrow(
    'the base image acme/base:1 has no linux/arm/v7 image (it has: linux/amd64, linux/arm64)'
  )
})

test('an SBOM referrer of the index: distribution keeps no referrers list, so the fallback tag names it', async () => {
  const layout = path.join(work, 'scratch')
  const image = await scratchImage(layout)
  const repo = { host: basic.host, name: 'acme/hello' }
  const client = clientFor(basic)
  await pushImage(client, layout, image, repo, ['1.2.3'])
  const sbom = Buffer.from(JSON.stringify({ spdxVersion: 'SPDX-2.3', name: 'hello' }))
  const content = {
    mediaType: 'application/spdx+json',
    digest: sha256Digest(sbom),
    size: sbom.length
  }
  const manifest = referrerManifest(image.index, 'application/spdx+json', content, {})
  const pushed = await pushReferrer(client, repo, manifest, sbom)
  expect(pushed.fallbackTag).toBe(referrersTag(image.index.digest))
  const index = JSON.parse(
    await skopeo(basic, [
      'inspect',
      '--raw',
      `docker://${basic.host}/acme/hello:${pushed.fallbackTag}`
    ])
  )
  expect(index.manifests).toEqual([
    {
      mediaType: OCI.manifest,
      digest: pushed.digest,
      size: jsonBytes(manifest).length,
      artifactType: 'application/spdx+json'
    }
  ])
  // The referrer itself is stored as sent, subject included.
  const stored = await client.manifest(repo, pushed.digest)
  expect(JSON.parse(stored!.bytes.toString()).subject.digest).toBe(image.index.digest)
})
