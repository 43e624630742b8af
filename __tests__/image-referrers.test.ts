import { pushReferrer, referrerManifest, referrersTag } from '../src/image.js'
import { EMPTY_DESCRIPTOR, jsonBytes, OCI, sha256Digest } from '../src/lib/oci.js'
import { registryClient } from '../src/ports/registry.js'
import { startFakeRegistry, type FakeRegistry } from './services/registry.js'

const SUBJECT = {
  mediaType: OCI.index,
  digest: sha256Digest('index bytes'),
  size: 11
}
const SBOM = Buffer.from('{"spdxVersion":"SPDX-2.3"}')
const SBOM_DESCRIPTOR = {
  mediaType: 'application/spdx+json',
  digest: sha256Digest(SBOM),
  size: SBOM.length
}

let registry: FakeRegistry | undefined
afterEach(async () => {
  await registry?.close()
  registry = undefined
})

test('the referrers tag follows the spec schema', () => {
  expect(referrersTag(`sha256:${'a'.repeat(64)}`)).toBe(`sha256-${'a'.repeat(64)}`)
  expect(referrersTag(`${'x'.repeat(40)}:${'b'.repeat(80)}`)).toBe(
    `${'x'.repeat(32)}-${'b'.repeat(64)}`
  )
})

test('an artifact manifest: empty config, one layer, the subject, its type', () => {
  expect(referrerManifest(SUBJECT, 'application/spdx+json', SBOM_DESCRIPTOR, { a: 'b' })).toEqual({
    schemaVersion: 2,
    mediaType: OCI.manifest,
    artifactType: 'application/spdx+json',
    config: EMPTY_DESCRIPTOR,
    layers: [SBOM_DESCRIPTOR],
    subject: SUBJECT,
    annotations: { a: 'b' }
  })
  expect(sha256Digest('{}')).toBe(EMPTY_DESCRIPTOR.digest)
})

test('a registry with the referrers API (OCI-Subject) gets no fallback tag', async () => {
  registry = await startFakeRegistry()
  registry.referrers = true
  const repo = { host: registry.host, name: 'acme/hello' }
  const manifest = referrerManifest(SUBJECT, 'application/spdx+json', SBOM_DESCRIPTOR, {})
  const pushed = await pushReferrer(
    registryClient({ credentials: () => undefined }),
    repo,
    manifest,
    SBOM
  )
  expect(pushed).toEqual({ digest: sha256Digest(jsonBytes(manifest)) })
  expect(registry.manifests.get('acme/hello')?.has(referrersTag(SUBJECT.digest))).toBe(false)
  expect(registry.blobs.get(EMPTY_DESCRIPTOR.digest)?.toString()).toBe('{}')
})

test('without the referrers API (distribution 3.1, GHCR) the fallback index collects each referrer once', async () => {
  registry = await startFakeRegistry()
  const repo = { host: registry.host, name: 'acme/hello' }
  const client = registryClient({ credentials: () => undefined })
  const sbom = referrerManifest(SUBJECT, 'application/spdx+json', SBOM_DESCRIPTOR, {
    'org.opencontainers.image.created': '2023-11-14T22:13:20Z'
  })
  const first = await pushReferrer(client, repo, sbom, SBOM)
  const tag = referrersTag(SUBJECT.digest)
  expect(first.fallbackTag).toBe(tag)

  const bundle = Buffer.from('{"bundle":1}')
  const other = referrerManifest(
    SUBJECT,
    'application/vnd.dev.sigstore.bundle.v0.3+json',
    {
      mediaType: 'application/vnd.dev.sigstore.bundle.v0.3+json',
      digest: sha256Digest(bundle),
      size: bundle.length
    },
    {}
  )
  const second = await pushReferrer(client, repo, other, bundle)
  const tagPuts = (): number =>
    registry!.requests.filter(r => r.method === 'PUT' && r.url.endsWith(`/manifests/${tag}`)).length
  expect(tagPuts()).toBe(2)
  await pushReferrer(client, repo, sbom, SBOM)
  expect(tagPuts()).toBe(2)

  const index = JSON.parse(registry.manifests.get('acme/hello')!.get(tag)!.bytes.toString())
  expect(index).toEqual({
    schemaVersion: 2,
    mediaType: OCI.index,
    manifests: [
      {
        mediaType: OCI.manifest,
        digest: first.digest,
        size: jsonBytes(sbom).length,
        artifactType: 'application/spdx+json',
        annotations: { 'org.opencontainers.image.created': '2023-11-14T22:13:20Z' }
      },
      {
        mediaType: OCI.manifest,
        digest: second.digest,
        size: jsonBytes(other).length,
        artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json'
      }
    ]
  })
})
