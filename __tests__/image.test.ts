import { execFile } from 'node:child_process'
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { gunzipSync } from 'node:zlib'
import {
  assembleLegs,
  baseLacksLibc,
  IMAGE_LEG_FORMAT,
  parseImageLegRecord,
  type ImageLegRecord,
  blobPath,
  defaultTags,
  formatPlatform,
  imageConfig,
  imageIndex,
  imageManifest,
  imagePlatform,
  imageRepositories,
  imageSubjects,
  parseRepository,
  platformMatches,
  putBlob,
  readBlob,
  tagProblem,
  writeLayer,
  writeLayoutIndex,
  type ImageSettings
} from '../src/image.js'
import { jsonBytes, OCI, sha256Digest, type Platform } from '../src/lib/oci.js'
import { targetId, type Target } from '../src/targets.js'

const run = promisify(execFile)
const EPOCH = 1_700_000_000

function target(goos: string, goarch: string, variant?: string): Target {
  return { goos, goarch, variant, id: targetId(goos, goarch, variant) }
}

/** Bytes that look like a binary: deterministic, not trivially compressible. */
function pseudoRandom(size: number, seed = 1): Buffer {
  const out = Buffer.alloc(size)
  let x = seed
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff
    out[i] = x >> 16
  }
  return out
}

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'image-test-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('imagePlatform', () => {
  test.each([
    [target('linux', 'amd64'), 'linux/amd64'],
    [target('linux', 'amd64', 'v1'), 'linux/amd64'],
    [target('linux', 'amd64', 'v3'), 'linux/amd64/v3'],
    [target('linux', 'arm'), 'linux/arm/v7'],
    [target('linux', 'arm', '6'), 'linux/arm/v6'],
    [target('linux', 'arm', '6,softfloat'), 'linux/arm/v6'],
    [target('linux', 'arm', '5'), 'linux/arm/v5'],
    [target('linux', 'arm64'), 'linux/arm64'],
    [target('linux', 'arm64', 'v8.0'), 'linux/arm64'],
    [target('linux', 'arm64', 'v9.0,lse'), 'linux/arm64/v9.0'],
    [target('linux', 'ppc64le', 'power9'), 'linux/ppc64le/power9'],
    [target('linux', 'riscv64', 'rva20u64'), 'linux/riscv64'],
    [target('linux', 's390x'), 'linux/s390x'],
    [target('linux', '386', 'softfloat'), 'linux/386']
  ])('[%#] %j -> %s', (t, expected) => {
    expect(formatPlatform(imagePlatform(t))).toBe(expected)
  })
})

describe('platformMatches', () => {
  const p = (architecture: string, variant?: string): Platform => ({
    os: 'linux',
    architecture,
    ...(variant ? { variant } : {})
  })
  test.each([
    [p('amd64'), p('amd64'), true],
    [p('amd64'), p('amd64', 'v3'), true],
    [p('amd64', 'v3'), p('amd64'), false],
    [p('arm64', 'v8'), p('arm64'), true],
    [p('arm64'), p('arm64', 'v9.0'), true],
    [p('arm', 'v7'), p('arm', 'v7'), true],
    [p('arm', 'v7'), p('arm', 'v6'), false],
    [p('arm', 'v6'), p('arm', 'v7'), false],
    [p('arm64'), p('amd64'), false],
    [{ os: 'windows', architecture: 'amd64' }, p('amd64'), false]
  ])('[%#] base %j serves %j: %s', (base, wanted, expected) => {
    expect(platformMatches(base, wanted)).toBe(expected)
  })
})

describe('defaultTags', () => {
  const tags = ['v0.9.0', 'v1.0.0', 'v1.4.4', 'v2.0.0', 'v2.1.0-rc.1', 'nightly', 'v3.0.0-beta.1']
  test.each([
    ['first release', '1.0.0', [], ['1.0.0', '1.0', '1', 'latest']],
    ['newest stable', '2.0.1', tags, ['2.0.1', '2.0', '2', 'latest']],
    ['backport', '1.4.5', tags, ['1.4.5', '1.4', '1']],
    ['old patch of an old minor', '1.3.9', tags, ['1.3.9', '1.3']],
    ['re-run of an older release, the last of its minor', '1.0.0', tags, ['1.0.0', '1.0']],
    ['re-run of the newest release', '2.0.0', tags, ['2.0.0', '2.0', '2', 'latest']],
    ['prerelease', '2.1.0-rc.2', tags, ['2.1.0-rc.2']],
    ['build metadata', '2.1.0+build.5', tags, ['2.1.0-build.5']]
  ])('[%#] %s: %s -> %j', (_what, version, repositoryTags, expected) => {
    expect(
      defaultTags({ version, snapshot: false, shortCommit: 'abc1234', repositoryTags })
    ).toEqual(expected)
  })

  test('a snapshot is tagged by its commit only', () => {
    expect(
      defaultTags({
        version: '2.0.1-SNAPSHOT-abc1234',
        snapshot: true,
        shortCommit: 'abc1234',
        repositoryTags: tags
      })
    ).toEqual(['sha-abc1234'])
  })
})

describe('parseRepository and tagProblem', () => {
  test.each([
    ['ghcr.io/Owner/App', { host: 'ghcr.io', name: 'owner/app' }],
    ['localhost:5000/acme/hello', { host: 'localhost:5000', name: 'acme/hello' }],
    ['127.0.0.1:5000/a/b-c_d.e', { host: '127.0.0.1:5000', name: 'a/b-c_d.e' }],
    ['owner/app', /does not start with a registry host/],
    ['ghcr.io/owner/app:1.0', /has a tag or digest/],
    ['ghcr.io/owner//app', /where a repository name belongs/],
    ['ghcr.io/-owner/app', /where a repository name belongs/],
    ['ghcr.io', /does not start with a registry host/]
  ])('[%#] %s', (text, expected) => {
    const parsed = parseRepository(text)
    if (expected instanceof RegExp) expect(parsed).toMatch(expected)
    else expect(parsed).toEqual(expected)
  })

  test.each([
    ['1.2.3', true],
    ['latest', true],
    ['sha-abc1234', true],
    ['_x', true],
    ['-x', false],
    ['.x', false],
    ['1.2.3+meta', false],
    ['a'.repeat(128), true],
    ['a'.repeat(129), false]
  ])('[%#] tag %s valid: %s', (tag, valid) => {
    expect(tagProblem(tag) === undefined).toBe(valid)
  })
})

describe('writeLayer', () => {
  async function files(): Promise<{ path: string; source: string; mode: number }[]> {
    const app = path.join(dir, 'app')
    const license = path.join(dir, 'LICENSE')
    await writeFile(app, pseudoRandom(200_000))
    await writeFile(license, 'MIT\n')
    return [
      { path: '/usr/local/bin/app', source: app, mode: 0o755 },
      { path: '/usr/share/doc/app/LICENSE', source: license, mode: 0o644 }
    ]
  }

  test('holds the files and their folders, owned by root, at the epoch, in byte order', async () => {
    const layout = path.join(dir, 'layout')
    const layer = await writeLayer(layout, await files(), EPOCH)
    const blob = blobPath(layout, layer.descriptor.digest)
    const { stdout } = await run('tar', ['--numeric-owner', '--full-time', '-tvzf', blob], {
      env: { ...process.env, TZ: 'UTC' }
    })
    const lines = stdout
      .trim()
      .split('\n')
      .map(l => l.replace(/\s+/g, ' '))
    expect(lines).toEqual([
      'drwxr-xr-x 0/0 0 2023-11-14 22:13:20 usr/',
      'drwxr-xr-x 0/0 0 2023-11-14 22:13:20 usr/local/',
      'drwxr-xr-x 0/0 0 2023-11-14 22:13:20 usr/local/bin/',
      '-rwxr-xr-x 0/0 200000 2023-11-14 22:13:20 usr/local/bin/app',
      'drwxr-xr-x 0/0 0 2023-11-14 22:13:20 usr/share/',
      'drwxr-xr-x 0/0 0 2023-11-14 22:13:20 usr/share/doc/',
      'drwxr-xr-x 0/0 0 2023-11-14 22:13:20 usr/share/doc/app/',
      '-rw-r--r-- 0/0 4 2023-11-14 22:13:20 usr/share/doc/app/LICENSE'
    ])
    const app = await run('tar', ['-xzOf', blob, 'usr/local/bin/app'], {
      encoding: 'buffer',
      maxBuffer: 1 << 22
    })
    expect(app.stdout.equals(pseudoRandom(200_000))).toBe(true)
  })

  test("descriptor and diff_id are the blob's digests, checked by the system's gzip", async () => {
    const layout = path.join(dir, 'layout')
    const layer = await writeLayer(layout, await files(), EPOCH)
    const bytes = await readFile(blobPath(layout, layer.descriptor.digest))
    expect(layer.descriptor).toEqual({
      mediaType: OCI.layer,
      digest: sha256Digest(bytes),
      size: bytes.length
    })
    expect(layer.diffId).toBe(sha256Digest(gunzipSync(bytes)))
    const { stdout } = await run('sh', [
      '-c',
      'gzip -dc "$1" | sha256sum',
      'sh',
      blobPath(layout, layer.descriptor.digest)
    ])
    expect(`sha256:${stdout.split(' ')[0]}`).toBe(layer.diffId)
    // Go's compress/gzip header: no mtime, no flags, OS "unknown".
    expect(bytes.subarray(0, 10).toString('hex')).toBe('1f8b08000000000000ff')
    // No temporary file left next to the blobs.
    expect((await readdir(layout)).sort()).toEqual(['blobs'])
  })

  test('the same files and epoch give the same digest; another epoch another one', async () => {
    const list = await files()
    const a = await writeLayer(path.join(dir, 'a'), list, EPOCH)
    const b = await writeLayer(path.join(dir, 'b'), [...list].reverse(), EPOCH)
    const c = await writeLayer(path.join(dir, 'c'), list, EPOCH + 1)
    expect(b).toEqual(a)
    expect(c.diffId).not.toBe(a.diffId)
  })

  test('golden digest: the bytes do not move with the Node or zlib version', async () => {
    // A change of tar or deflate output changes every user's image digest on upgrade; if this
    // fails, the change must be deliberate and said in the release notes.
    const layer = await writeLayer(path.join(dir, 'g'), await files(), EPOCH)
    expect(layer.diffId).toBe(
      'sha256:36528455c2f220c0b637fb59d1b928ad39758e791b1012de321da37b83c88774'
    )
    expect(layer.descriptor.digest).toBe(
      'sha256:18999628ee809cc0802c41245949055fe449c83854c6b8beb8676a5440ac388e'
    )
  })

  test.each([
    ['usr/bin/app', /not an absolute file path/],
    ['/usr/bin/', /not an absolute file path/],
    ['/usr/../app', /'\.\.'/],
    ['/usr//app', /empty/]
  ])('[%#] refuses image path %s', async (imagePath, message) => {
    const [app] = await files()
    await expect(writeLayer(dir, [{ ...app, path: imagePath }], EPOCH)).rejects.toThrow(message)
  })

  test('refuses a path given twice and a file that is also a folder', async () => {
    const [app, license] = await files()
    await expect(writeLayer(dir, [app, app], EPOCH)).rejects.toThrow(/given twice/)
    await expect(
      writeLayer(dir, [{ ...license, path: '/usr/local/bin/app/LICENSE' }, app], EPOCH)
    ).rejects.toThrow(/also a folder|both a file and a folder/)
  })
})

describe('imageConfig', () => {
  const settings: ImageSettings = {
    created: '2023-11-14T22:13:20Z',
    entrypoint: ['/usr/local/bin/app'],
    user: '65532:65532',
    env: ['APP_MODE=prod', 'PATH=/custom:/usr/bin'],
    labels: { 'org.opencontainers.image.version': '1.2.3' },
    createdBy: 'go-xbuild-action'
  }

  test('scratch: a config with only our layer and a default PATH', () => {
    const config = imageConfig(
      undefined,
      { os: 'linux', architecture: 'arm', variant: 'v7' },
      ['sha256:aa'],
      {
        ...settings,
        env: ['APP_MODE=prod']
      }
    )
    expect(config).toEqual({
      created: '2023-11-14T22:13:20Z',
      architecture: 'arm',
      os: 'linux',
      variant: 'v7',
      config: {
        User: '65532:65532',
        Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'APP_MODE=prod'],
        Entrypoint: ['/usr/local/bin/app'],
        Labels: { 'org.opencontainers.image.version': '1.2.3' }
      },
      rootfs: { type: 'layers', diff_ids: ['sha256:aa'] },
      history: [{ created: '2023-11-14T22:13:20Z', created_by: 'go-xbuild-action' }]
    })
  })

  test('a base: its layers, history, env and labels kept, ours appended or replacing, its Cmd dropped', () => {
    const base = {
      architecture: 'amd64',
      created: '2020-01-01T00:00:00Z',
      os: 'linux',
      variant: 'v2',
      config: {
        Env: ['PATH=/usr/bin', 'SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt'],
        Cmd: ['/bin/sh'],
        User: '0',
        Labels: { vendor: 'base', 'org.opencontainers.image.version': '0.1' }
      },
      rootfs: { type: 'layers', diff_ids: ['sha256:base'] },
      history: [{ created: '2020-01-01T00:00:00Z', created_by: 'base' }]
    }
    const config = imageConfig(
      base,
      { os: 'linux', architecture: 'amd64' },
      ['sha256:ours'],
      settings
    )
    expect(Object.keys(config)).toEqual([
      'architecture',
      'created',
      'os',
      'config',
      'rootfs',
      'history'
    ])
    expect(config.config).toEqual({
      Env: [
        'PATH=/custom:/usr/bin',
        'SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt',
        'APP_MODE=prod'
      ],
      User: '65532:65532',
      Labels: { vendor: 'base', 'org.opencontainers.image.version': '1.2.3' },
      Entrypoint: ['/usr/local/bin/app']
    })
    expect(config.rootfs).toEqual({ type: 'layers', diff_ids: ['sha256:base', 'sha256:ours'] })
    expect(config.history).toEqual([
      { created: '2020-01-01T00:00:00Z', created_by: 'base' },
      { created: '2023-11-14T22:13:20Z', created_by: 'go-xbuild-action' }
    ])
    // The base object is not changed.
    expect(base.config.Cmd).toEqual(['/bin/sh'])
  })
})

describe('manifest, index and layout', () => {
  test('Docker-typed base layers become OCI-typed; annotations only when there are some', () => {
    const config = { mediaType: OCI.config, digest: 'sha256:c', size: 1 }
    const base = {
      mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
      digest: 'sha256:b',
      size: 2
    }
    const ours = { mediaType: OCI.layer, digest: 'sha256:o', size: 3 }
    expect(imageManifest(config, [base, ours], {})).toEqual({
      schemaVersion: 2,
      mediaType: OCI.manifest,
      config,
      layers: [{ ...base, mediaType: OCI.layer }, ours]
    })
    expect(imageIndex([], { a: 'b' })).toEqual({
      schemaVersion: 2,
      mediaType: OCI.index,
      manifests: [],
      annotations: { a: 'b' }
    })
  })

  test('blobs are stored under their digest and read back checked', async () => {
    const d = await putBlob(dir, OCI.config, jsonBytes({ b: 1, a: 2 }))
    expect(d).toEqual({ mediaType: OCI.config, digest: sha256Digest('{"b":1,"a":2}'), size: 13 })
    expect((await readBlob(dir, d.digest)).toString()).toBe('{"b":1,"a":2}')
    await writeFile(blobPath(dir, d.digest), '{"b":1,"a":3}')
    await expect(readBlob(dir, d.digest)).rejects.toThrow(/corrupt/)
  })

  test('the layout index names the image once per tag', async () => {
    const image = { mediaType: OCI.index, digest: 'sha256:i', size: 9 }
    await writeLayoutIndex(dir, image, ['1.2.3', 'latest'])
    expect(JSON.parse(await readFile(path.join(dir, 'oci-layout'), 'utf8'))).toEqual({
      imageLayoutVersion: '1.0.0'
    })
    const index = JSON.parse(await readFile(path.join(dir, 'index.json'), 'utf8'))
    expect(
      index.manifests.map((m: { annotations: Record<string, string> }) => m.annotations)
    ).toEqual([
      { 'org.opencontainers.image.ref.name': '1.2.3' },
      { 'org.opencontainers.image.ref.name': 'latest' }
    ])
  })
})

describe('imageSubjects', () => {
  test('each repository by name with the index digest; nothing without an image', () => {
    const index = { mediaType: OCI.index, digest: `sha256:${'a'.repeat(64)}`, size: 1 }
    const repos = [
      { host: 'ghcr.io', name: 'acme/app' },
      { host: 'docker.io', name: 'acme/app' }
    ]
    expect(imageSubjects(index, repos)).toEqual([
      { name: 'ghcr.io/acme/app', digest: { sha256: 'a'.repeat(64) } },
      { name: 'docker.io/acme/app', digest: { sha256: 'a'.repeat(64) } }
    ])
    expect(imageSubjects(undefined, repos)).toEqual([])
    expect(imageRepositories(['ghcr.io/Acme/App', 'not-a-repo'])).toEqual([
      { host: 'ghcr.io', name: 'acme/app' }
    ])
  })
})

describe('matrix legs: parseImageLegRecord and assembleLegs', () => {
  const amd64: Platform = { architecture: 'amd64', os: 'linux' }
  const arm64: Platform = { architecture: 'arm64', os: 'linux' }
  const armv7: Platform = { architecture: 'arm', os: 'linux', variant: 'v7' }
  const descriptor = (platform: Platform, n: number) => ({
    mediaType: OCI.manifest,
    digest: `sha256:${String(n).repeat(64).slice(0, 64)}`,
    size: 500 + n,
    platform
  })
  const record = (
    manifests: ReturnType<typeof descriptor>[],
    more: Partial<ImageLegRecord> = {}
  ): ImageLegRecord => ({
    'go-xbuild-image-leg': IMAGE_LEG_FORMAT,
    manifests,
    annotations: { 'org.opencontainers.image.version': '1.0.0' },
    base: { name: 'r.example/base:1', digest: `sha256:${'b'.repeat(64)}` },
    pushed: true,
    ...more
  })

  test('a record survives its JSON; broken ones say what is wrong', () => {
    const r = record([descriptor(amd64, 1)])
    expect(parseImageLegRecord(JSON.stringify(r))).toEqual(r)
    expect(parseImageLegRecord('{')).toBe('is not JSON')
    expect(parseImageLegRecord(JSON.stringify({ ...r, 'go-xbuild-image-leg': 2 }))).toMatch(
      /not an image leg record of format 1/
    )
    expect(
      parseImageLegRecord(JSON.stringify({ ...r, manifests: [{ digest: 'sha256:../../x' }] }))
    ).toBe('has no valid manifests')
    expect(parseImageLegRecord(JSON.stringify({ ...r, annotations: null }))).toBe(
      'has no annotations'
    )
  })

  test('the manifests come out in the plan order, whatever order the legs came in', () => {
    const result = assembleLegs(
      [
        { leg: 'b', record: record([descriptor(armv7, 3)]) },
        { leg: 'a', record: record([descriptor(amd64, 1), descriptor(arm64, 2)]) }
      ],
      [amd64, arm64, armv7]
    )
    expect(result).toEqual({
      manifests: [descriptor(amd64, 1), descriptor(arm64, 2), descriptor(armv7, 3)],
      annotations: { 'org.opencontainers.image.version': '1.0.0' }
    })
  })

  test('legs on different bases are named once (not again for their base.digest annotations)', () => {
    const result = assembleLegs(
      [
        { leg: 'a', record: record([descriptor(amd64, 1)]) },
        {
          leg: 'b',
          record: record([descriptor(arm64, 2)], {
            base: undefined,
            annotations: { 'org.opencontainers.image.version': '1.0.1' }
          })
        }
      ],
      [amd64, arm64]
    )
    expect('problems' in result && result.problems).toEqual([
      `the legs made their images on different bases (a sha256:${'b'.repeat(64)}, b scratch): the base's tag moved during the run; pin image-base by digest (name@sha256:...)`
    ])
  })

  test('missing, doubled and unplanned platforms and other annotations are each named', () => {
    const result = assembleLegs(
      [
        { leg: 'a', record: record([descriptor(amd64, 1), descriptor(armv7, 3)]) },
        {
          leg: 'b',
          record: record([descriptor(amd64, 4)], {
            annotations: { 'org.opencontainers.image.version': '1.0.1' }
          })
        }
      ],
      [amd64, arm64]
    )
    expect('problems' in result && result.problems).toEqual([
      'image platform linux/amd64 comes from two legs: a and b',
      "a: image platform linux/arm/v7 is not one of the plan's",
      'image platforms missing from every leg: linux/arm64',
      'the legs\' images carry different annotations: a {"org.opencontainers.image.version":"1.0.0"}; b {"org.opencontainers.image.version":"1.0.1"}'
    ])
  })
})

describe('baseLacksLibc', () => {
  test.each([
    ['scratch', true],
    ['gcr.io/distroless/static-debian13:nonroot', true],
    ['gcr.io/distroless/static:latest', true],
    ['cgr.dev/chainguard/static', true],
    ['gcr.io/distroless/base-debian13', false],
    ['cgr.dev/chainguard/glibc-dynamic:latest', false],
    ['docker.io/library/alpine:3.22', false],
    ['ghcr.io/acme/staticfiles:1', false]
  ])('%s → %s', (base, lacks) => {
    expect(baseLacksLibc(base)).toBe(lacks)
  })
})
