import { createHash } from 'node:crypto'

/** The vocabulary of OCI images and registries, shared by the image module and the registry port. */

/** OCI media types (image-spec media-types.md). */
export const OCI = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar+gzip',
  foreignLayer: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  empty: 'application/vnd.oci.empty.v1+json'
} as const

/** Docker image manifest v2 schema 2 media types, which base images often still use. */
export const DOCKER = {
  index: 'application/vnd.docker.distribution.manifest.list.v2+json',
  manifest: 'application/vnd.docker.distribution.manifest.v2+json',
  config: 'application/vnd.docker.container.image.v1+json',
  layer: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  foreignLayer: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip'
} as const

/** Every manifest type a client must accept when it reads a base image (full Accept list). */
export const MANIFEST_TYPES: readonly string[] = [
  OCI.index,
  OCI.manifest,
  DOCKER.index,
  DOCKER.manifest
]

/** The bytes `{}`: the spec's empty descriptor, config of artifacts such as SBOM referrers. */
export const EMPTY_DESCRIPTOR: Descriptor = {
  mediaType: OCI.empty,
  digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
  size: 2
}

/** An image platform (image-index.md `platform`). */
export interface Platform {
  architecture: string
  os: string
  variant?: string
}

/** A content descriptor (descriptor.md); keys in the spec's order. */
export interface Descriptor {
  mediaType: string
  digest: string
  size: number
  platform?: Platform
  artifactType?: string
  annotations?: Record<string, string>
}

/** Standard OCI annotation keys (annotations.md), also used as config labels. */
export const ANNOTATION = {
  created: 'org.opencontainers.image.created',
  source: 'org.opencontainers.image.source',
  revision: 'org.opencontainers.image.revision',
  version: 'org.opencontainers.image.version',
  licenses: 'org.opencontainers.image.licenses',
  title: 'org.opencontainers.image.title',
  description: 'org.opencontainers.image.description',
  url: 'org.opencontainers.image.url',
  baseName: 'org.opencontainers.image.base.name',
  baseDigest: 'org.opencontainers.image.base.digest',
  refName: 'org.opencontainers.image.ref.name'
} as const

/** `sha256:<hex>` of bytes. */
export function sha256Digest(bytes: Buffer | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`
}

/**
 * The bytes of a JSON document as pushed: serialized once, in the key order the object was
 * built in, no whitespace. What is hashed is exactly what is stored.
 */
export function jsonBytes(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8')
}

/** A registry repository reference: `ghcr.io/owner/app` → host ghcr.io, name owner/app. */
export interface ImageRepository {
  host: string
  name: string
}
