import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import {
  blobPath,
  formatPlatform,
  imagePlatform,
  readBlob,
  writeImage,
  writeLayoutIndex,
  type ImageSettings,
  type PlatformContent,
  type WrittenImage
} from '../../src/image.js'
import { targetId, type Target } from '../../src/targets.js'
import { helloContents } from '../fakes/hello-image.js'

// A multi-platform image of real Go binaries written to an OCI layout folder, read back by
// skopeo (containers/image, which checks every blob against its digest while copying) and the
// binaries taken out of the layers and run, natively or under qemu-user.

const run = promisify(execFile)
const EPOCH = 1_700_000_000
const CREATED = '2023-11-14T22:13:20Z'

const TARGETS: [target: Target, runner: string[]][] = [
  [{ goos: 'linux', goarch: 'amd64', id: targetId('linux', 'amd64') }, []],
  [{ goos: 'linux', goarch: 'arm64', id: targetId('linux', 'arm64') }, ['qemu-aarch64-static']],
  [
    { goos: 'linux', goarch: 'arm', variant: '6', id: targetId('linux', 'arm', '6') },
    ['qemu-arm-static']
  ]
]

const SETTINGS: ImageSettings = {
  created: CREATED,
  entrypoint: ['/usr/local/bin/hello'],
  user: '65532:65532',
  env: [],
  labels: { 'org.opencontainers.image.version': '1.2.3' },
  createdBy: 'go-xbuild-action'
}

let work: string
let contents: PlatformContent[]
let image: WrittenImage
const layout = (): string => path.join(work, 'layout')

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'image-layout-'))
  contents = await helloContents(
    work,
    TARGETS.map(([t]) => t)
  )
  image = await writeImage(
    layout(),
    contents,
    SETTINGS,
    { 'org.opencontainers.image.source': 'https://github.com/acme/hello' },
    EPOCH
  )
  await writeLayoutIndex(layout(), image.index, ['1.2.3', 'latest'])
}, 300_000)

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true })
})

test('skopeo reads the index by each tag, byte for byte', async () => {
  const index = await readBlob(layout(), image.index.digest)
  for (const tag of ['1.2.3', 'latest']) {
    const { stdout } = await run('skopeo', ['inspect', '--raw', `oci:${layout()}:${tag}`])
    expect(stdout).toBe(index.toString('utf8'))
  }
  expect(
    JSON.parse(index.toString()).manifests.map((m: { platform: object }) => m.platform)
  ).toEqual([
    { architecture: 'amd64', os: 'linux' },
    { architecture: 'arm64', os: 'linux' },
    { architecture: 'arm', os: 'linux', variant: 'v6' }
  ])
})

test.each(TARGETS.map(([t]) => [t.id, t]))(
  '[%s] skopeo picks the platform and reads its config',
  async (_id, t) => {
    const platform = imagePlatform(t)
    const { stdout } = await run('skopeo', [
      'inspect',
      '--config',
      '--override-os',
      platform.os,
      '--override-arch',
      platform.architecture,
      ...(platform.variant ? ['--override-variant', platform.variant] : []),
      `oci:${layout()}:1.2.3`
    ])
    const config = JSON.parse(stdout)
    expect(config).toMatchObject({
      created: CREATED,
      architecture: platform.architecture,
      os: 'linux',
      config: {
        User: '65532:65532',
        Entrypoint: ['/usr/local/bin/hello'],
        Labels: { 'org.opencontainers.image.version': '1.2.3' }
      }
    })
    expect(config.variant).toBe(platform.variant)
  }
)

test('skopeo copies the whole image, checking every blob, and keeps the digest', async () => {
  const copy = path.join(work, 'copy')
  await run('skopeo', [
    'copy',
    '--all',
    '--preserve-digests',
    `oci:${layout()}:1.2.3`,
    `oci:${copy}:1.2.3`
  ])
  const index = JSON.parse(await readFile(path.join(copy, 'index.json'), 'utf8'))
  expect(index.manifests.map((m: { digest: string }) => m.digest)).toEqual([image.index.digest])
})

test.each(TARGETS.map(([t, runner], i) => [t.id, i, runner]))(
  "[%s] the layer's binary is the built one and runs",
  async (_id, i, runner) => {
    const manifest = JSON.parse((await readBlob(layout(), image.manifests[i].digest)).toString())
    const layer = blobPath(layout(), manifest.layers.at(-1).digest)
    const out = path.join(work, `extracted-${i}`)
    await run('mkdir', ['-p', out])
    await run('tar', ['-xzf', layer, '-C', out])
    const extracted = path.join(out, 'usr', 'local', 'bin', 'hello')
    const built = contents[i].files[0].source
    expect((await readFile(extracted)).equals(await readFile(built))).toBe(true)
    const [program, ...args] = [...runner, extracted, '--version']
    const { stdout } = await run(program, args)
    expect(stdout).toBe('1.2.3\n')
  }
)

test('the same binaries and settings give the same index digest in another folder', async () => {
  const again = await writeImage(
    path.join(work, 'again'),
    contents,
    SETTINGS,
    { 'org.opencontainers.image.source': 'https://github.com/acme/hello' },
    EPOCH
  )
  expect(again).toEqual(image)
  expect(image.manifests.map(m => formatPlatform(m.platform!))).toEqual([
    'linux/amd64',
    'linux/arm64',
    'linux/arm/v6'
  ])
})
