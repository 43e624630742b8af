import { createHash, randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { Gzip } from 'fflate'
import { DEFLATE_LEVEL } from './archive.js'
import { forEachLimit } from './lib/concurrency.js'
import { errorMessage } from './lib/errors.js'
import {
  ANNOTATION,
  DOCKER,
  EMPTY_DESCRIPTOR,
  OCI,
  jsonBytes,
  sha256Digest,
  type Descriptor,
  type ImageRepository,
  type Platform
} from './lib/oci.js'
import { packTar, type TarMember } from './lib/tar.js'
import type { RegistryPort } from './ports/registry.js'
import type { Target } from './targets.js'

/**
 * Container images of the release binaries, as the OCI image spec defines them: one layer with
 * the binaries on a base, one config and manifest per linux platform, one image index. Every
 * byte is a function of the binaries, the base and the settings (commit time included), so the
 * same commit gives the same digests on every runner.
 */

/** Go's GOARM when none is set and the toolchain does not run on arm (cmd/dist). */
const DEFAULT_GOARM = '7'

/** Sub-architecture values that are the toolchain default and so name no platform variant. */
const DEFAULT_VARIANTS: Readonly<Record<string, string>> = {
  amd64: 'v1',
  arm64: 'v8.0',
  ppc64: 'power8',
  ppc64le: 'power8',
  riscv64: 'rva20u64'
}

/**
 * The image platform of a build target. arm always names its variant (v5/v6/v7, the GOARM the
 * binary was built for), because pullers on armv6 and armv7 must tell the images apart; other
 * architectures name one only when the binary needs more than the baseline (GOAMD64=v3 → v3).
 */
export function imagePlatform(target: Target): Platform {
  const { goos: os, goarch: architecture } = target
  const level = target.variant?.split(',')[0]
  if (architecture === 'arm') return { architecture, os, variant: `v${level ?? DEFAULT_GOARM}` }
  if (level && (architecture in DEFAULT_VARIANTS || architecture === 'arm64')) {
    if (level !== DEFAULT_VARIANTS[architecture]) return { architecture, os, variant: level }
  }
  return { architecture, os }
}

/** The platform as people write it: 'linux/arm/v7'. */
export function formatPlatform(p: Platform): string {
  return p.variant ? `${p.os}/${p.architecture}/${p.variant}` : `${p.os}/${p.architecture}`
}

/**
 * Whether a base image's platform entry serves a target's platform: the same os and
 * architecture, and the same variant where both name one (an arm64 base without a variant is
 * v8; containerd's platform matching treats them alike).
 */
export function platformMatches(base: Platform, wanted: Platform): boolean {
  if (base.os !== wanted.os || base.architecture !== wanted.architecture) return false
  const normal = (p: Platform): string | undefined =>
    p.architecture === 'arm64' && (p.variant === undefined || p.variant === 'v8')
      ? undefined
      : p.variant
  if (wanted.architecture === 'arm') return normal(base) === normal(wanted)
  return normal(base) === undefined || normal(base) === normal(wanted)
}

/** The base image's layer type in the OCI family: digests stay, only the type names change. */
export function ociLayerType(mediaType: string): string {
  if (mediaType === DOCKER.layer) return OCI.layer
  if (mediaType === DOCKER.foreignLayer) return OCI.foreignLayer
  return mediaType
}

/** Where a blob lives in an OCI layout folder (image-layout.md). */
export function blobPath(layout: string, digest: string): string {
  const [algorithm, hex] = digest.split(':')
  return path.join(layout, 'blobs', algorithm, hex)
}

/** Stores bytes as a blob of the layout folder and returns their descriptor. */
export async function putBlob(
  layout: string,
  mediaType: string,
  bytes: Buffer
): Promise<Descriptor> {
  const digest = sha256Digest(bytes)
  const file = blobPath(layout, digest)
  await mkdir(path.dirname(file), { recursive: true })
  await writeFile(file, bytes)
  return { mediaType, digest, size: bytes.length }
}

/** Reads a blob of the layout folder, checking it against its digest. */
export async function readBlob(layout: string, digest: string): Promise<Buffer> {
  const bytes = await readFile(blobPath(layout, digest))
  if (sha256Digest(bytes) !== digest) throw new Error(`blob ${digest} in ${layout} is corrupt`)
  return bytes
}

/** One file of the image's own layer. */
export interface LayerFile {
  /** absolute path inside the image: '/usr/local/bin/app' */
  path: string
  /** absolute path of the content on disk */
  source: string
  /** permission bits */
  mode: number
}

/** A layer written to the layout: its descriptor and its uncompressed digest (the config's diff_id). */
export interface Layer {
  descriptor: Descriptor
  diffId: string
}

// Go's compress/gzip header: no mtime, OS 255 ("unknown"); fflate writes OS 3 (Unix).
const GZIP_MTIME = [4, 8] as const
const GZIP_OS_OFFSET = 9
const GZIP_OS_UNKNOWN = 255

/**
 * Writes the layer holding `files` (their parent folders as entries of mode 0755 first) as a
 * gzip blob of the layout. The deflate stream comes from fflate, plain JavaScript bundled in
 * dist/, so the bytes do not depend on the zlib build of the runner's Node (Node 24 and Node 20
 * ship different ones); the header is Go's, so the layer digest is the same everywhere.
 */
export async function writeLayer(
  layout: string,
  files: readonly LayerFile[],
  seconds: number
): Promise<Layer> {
  const members = await layerMembers(files)
  const tmp = path.join(layout, `.layer-${randomBytes(6).toString('hex')}.tmp`)
  const tarHash = createHash('sha256')
  const gzHash = createHash('sha256')
  let size = 0
  await mkdir(layout, { recursive: true })
  try {
    await pipeline(
      packTar(members, seconds),
      tap(chunk => tarHash.update(chunk)),
      deterministicGzip(),
      tap(chunk => {
        gzHash.update(chunk)
        size += chunk.length
      }),
      createWriteStream(tmp)
    )
    const digest = `sha256:${gzHash.digest('hex')}`
    const file = blobPath(layout, digest)
    await mkdir(path.dirname(file), { recursive: true })
    await rename(tmp, file)
    return {
      descriptor: { mediaType: OCI.layer, digest, size },
      diffId: `sha256:${tarHash.digest('hex')}`
    }
  } catch (err) {
    await rm(tmp, { force: true })
    throw new Error(`writing the image layer: ${errorMessage(err)}`, { cause: err })
  }
}

/** The tar members of a layer: every parent folder once, then the files, in byte order of the path. */
async function layerMembers(files: readonly LayerFile[]): Promise<TarMember[]> {
  const members = new Map<string, TarMember>()
  for (const file of files) {
    if (!file.path.startsWith('/') || file.path.endsWith('/')) {
      throw new Error(`image path "${file.path}" is not an absolute file path`)
    }
    const parts = file.path.slice(1).split('/')
    if (parts.some(p => p === '' || p === '.' || p === '..')) {
      throw new Error(`image path "${file.path}" has an empty, '.' or '..' component`)
    }
    for (let i = 1; i < parts.length; i++) {
      const dir = `${parts.slice(0, i).join('/')}/`
      if (!members.has(dir)) members.set(dir, { name: dir, mode: 0o755, size: 0 })
    }
    const name = parts.join('/')
    if (members.has(name) || members.has(`${name}/`)) {
      throw new Error(`image path "${file.path}" is given twice or is also a folder`)
    }
    const info = await stat(file.source)
    if (!info.isFile()) throw new Error(`${file.source} (for ${file.path}) is not a file`)
    members.set(name, { name, mode: file.mode, source: file.source, size: info.size })
  }
  for (const name of members.keys()) {
    if (!name.endsWith('/') && members.has(`${name}/`)) {
      throw new Error(`image path "/${name}" is both a file and a folder`)
    }
  }
  const key = (m: TarMember): Buffer => Buffer.from(m.name, 'utf8')
  return [...members.values()].sort((a, b) => Buffer.compare(key(a), key(b)))
}

/** A pass-through stream that shows every chunk to `see`. */
function tap(see: (chunk: Buffer) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      see(chunk)
      callback(null, chunk)
    }
  })
}

/** gzip at DEFLATE_LEVEL by fflate, with Go's header bytes. */
function deterministicGzip(): Transform {
  let offset = 0
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      try {
        gzip.push(chunk)
        callback()
      } catch (err) {
        callback(err as Error)
      }
    },
    flush(callback) {
      try {
        gzip.push(new Uint8Array(0), true)
        callback()
      } catch (err) {
        callback(err as Error)
      }
    }
  })
  const gzip = new Gzip({ level: DEFLATE_LEVEL, mtime: 0 }, data => {
    const chunk = Buffer.from(data)
    for (
      let i = Math.max(offset, GZIP_MTIME[0]);
      i < Math.min(offset + chunk.length, GZIP_MTIME[1]);
      i++
    ) {
      chunk[i - offset] = 0
    }
    if (offset <= GZIP_OS_OFFSET && offset + chunk.length > GZIP_OS_OFFSET) {
      chunk[GZIP_OS_OFFSET - offset] = GZIP_OS_UNKNOWN
    }
    offset += chunk.length
    stream.push(chunk)
  })
  return stream
}

/** How the image runs and what it says about itself; the same for every platform. */
export interface ImageSettings {
  /** RFC 3339 time of the commit (or SOURCE_DATE_EPOCH): the config's `created` */
  created: string
  entrypoint: string[]
  /** arguments after the entrypoint; absent keeps none (a base's Cmd is dropped) */
  cmd?: string[]
  /** 'uid:gid' or a name the base knows */
  user: string
  /** KEY=VALUE entries added to the base's, replacing a base entry of the same key */
  env: string[]
  workingDir?: string
  labels: Record<string, string>
  /** the history entry of the layer: who made it */
  createdBy: string
}

/**
 * The image config (config.md) of one platform: the base's config (absent for `scratch`) with
 * our layer's diff_id and history appended and the run settings replaced. Keys the base has
 * stay in its order, so the same base gives the same bytes.
 */
export function imageConfig(
  base: Record<string, unknown> | undefined,
  platform: Platform,
  diffIds: readonly string[],
  settings: ImageSettings
): Record<string, unknown> {
  const baseRun = isRecord(base?.config) ? base.config : {}
  const baseEnv = Array.isArray(baseRun.Env) ? (baseRun.Env as string[]) : []
  const env = mergeEnv(
    baseEnv.length > 0
      ? baseEnv
      : ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
    settings.env
  )
  const baseLabels = isRecord(baseRun.Labels) ? (baseRun.Labels as Record<string, string>) : {}
  const run: Record<string, unknown> = { ...baseRun }
  run.User = settings.user
  run.Env = env
  run.Entrypoint = settings.entrypoint
  if (settings.cmd) run.Cmd = settings.cmd
  else delete run.Cmd
  if (settings.workingDir) run.WorkingDir = settings.workingDir
  run.Labels = { ...baseLabels, ...settings.labels }

  const baseRootfs = isRecord(base?.rootfs) ? base.rootfs : {}
  const baseDiffIds = Array.isArray(baseRootfs.diff_ids) ? (baseRootfs.diff_ids as string[]) : []
  const baseHistory = Array.isArray(base?.history) ? (base.history as unknown[]) : []
  const config: Record<string, unknown> = { ...(base ?? {}) }
  config.created = settings.created
  config.architecture = platform.architecture
  config.os = platform.os
  if (platform.variant) config.variant = platform.variant
  else delete config.variant
  config.config = run
  config.rootfs = { type: 'layers', diff_ids: [...baseDiffIds, ...diffIds] }
  config.history = [
    ...baseHistory,
    ...diffIds.map(() => ({ created: settings.created, created_by: settings.createdBy }))
  ]
  return config
}

/** Base entries with ours replacing those of the same key, in the base's order, new ones after. */
function mergeEnv(base: readonly string[], ours: readonly string[]): string[] {
  const key = (entry: string): string => entry.split('=', 1)[0]
  const replaced = new Map(ours.map(e => [key(e), e]))
  const merged = base.map(e => replaced.get(key(e)) ?? e)
  const present = new Set(base.map(key))
  return [...merged, ...ours.filter(e => !present.has(key(e)))]
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** An image manifest (manifest.md) in the OCI family. */
export function imageManifest(
  config: Descriptor,
  layers: readonly Descriptor[],
  annotations: Record<string, string>
): Record<string, unknown> {
  const manifest: Record<string, unknown> = {
    schemaVersion: 2,
    mediaType: OCI.manifest,
    config,
    layers: layers.map(l => ({ ...l, mediaType: ociLayerType(l.mediaType) }))
  }
  if (Object.keys(annotations).length > 0) manifest.annotations = annotations
  return manifest
}

/** An image index (image-index.md) of platform manifests, in the order given. */
export function imageIndex(
  manifests: readonly Descriptor[],
  annotations: Record<string, string>
): Record<string, unknown> {
  const index: Record<string, unknown> = { schemaVersion: 2, mediaType: OCI.index, manifests }
  if (Object.keys(annotations).length > 0) index.annotations = annotations
  return index
}

/**
 * Writes the layout's `oci-layout` and `index.json`, naming `image` once per tag (ref.name), so
 * `skopeo copy oci:<dir>:<tag>` and `crane push` find it.
 */
export async function writeLayoutIndex(
  layout: string,
  image: Descriptor,
  tags: readonly string[]
): Promise<void> {
  await mkdir(layout, { recursive: true })
  await writeFile(path.join(layout, 'oci-layout'), jsonBytes({ imageLayoutVersion: '1.0.0' }))
  const manifests = (tags.length > 0 ? tags : [undefined]).map(tag => ({
    ...image,
    annotations: { ...image.annotations, ...(tag ? { [ANNOTATION.refName]: tag } : {}) }
  }))
  await writeFile(
    path.join(layout, 'index.json'),
    jsonBytes({ schemaVersion: 2, mediaType: OCI.index, manifests })
  )
}

/** Tag grammar of the distribution spec. */
const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/

/** Why a tag is not one a registry accepts (the tag itself not repeated), or undefined. */
export function tagProblem(tag: string): string | undefined {
  if (TAG.test(tag)) return undefined
  return `is not a valid image tag (letters, digits, '_', '.', '-'; at most 128; not starting with '.' or '-')`
}

/** Repository grammar of the distribution spec (the path after the registry host). */
const REPOSITORY =
  /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/

/**
 * Parses `host/name` (lowercased: GitHub owners have capitals, registries refuse them) and
 * returns it, or the reason it is not one. The host is required: a bare `owner/app` would mean
 * Docker Hub to Docker, which an action should not guess.
 */
export function parseRepository(text: string): ImageRepository | string {
  const value = text.trim().toLowerCase()
  const slash = value.indexOf('/')
  const host = slash > 0 ? value.slice(0, slash) : ''
  const name = slash > 0 ? value.slice(slash + 1) : ''
  if (!host || !(host.includes('.') || host.includes(':') || host === 'localhost')) {
    return 'does not start with a registry host (ghcr.io/owner/app, docker.io/owner/app)'
  }
  if (!/^[a-z0-9.-]+(?::\d{1,5})?$/.test(host)) return `has "${host}" where a registry host belongs`
  if (value.includes(':', host.length) || value.includes('@')) {
    return 'has a tag or digest; give tags in image-tags'
  }
  if (!REPOSITORY.test(name)) {
    return `has "${name}" where a repository name belongs (lowercase letters, digits, and '.', '_', '-' between them, '/'-separated)`
  }
  return { host, name }
}

const STABLE = /^v?(\d+)\.(\d+)\.(\d+)$/

/** What the default tags are computed from. */
export interface TagFacts {
  /** the release's version without 'v' ('1.2.3', '1.3.0-rc.1', '1.2.4-SNAPSHOT-abc1234') */
  version: string
  snapshot: boolean
  shortCommit: string
  /** every tag of the repository (v1.2.3, other names are ignored) */
  repositoryTags: readonly string[]
}

/**
 * The default tags. A release gets its version; a stable release also gets `X.Y`, `X` and
 * `latest`, each only when no higher stable release of that line (or at all, for `latest`) is
 * among the repository's tags, so a backport 1.4.5 after 2.0.0 takes `1.4` and `1` but leaves
 * `2` and `latest` alone. A prerelease gets only its version; a snapshot only `sha-<short>`.
 */
export function defaultTags(facts: TagFacts): string[] {
  if (facts.snapshot) return [`sha-${facts.shortCommit}`]
  const own = facts.version.replaceAll('+', '-')
  const match = STABLE.exec(facts.version)
  if (!match) return [own]
  const mine = match.slice(1, 4).map(Number)
  const stable = facts.repositoryTags
    .map(t => STABLE.exec(t))
    .filter((m): m is RegExpExecArray => m !== null)
    .map(m => m.slice(1, 4).map(Number))
  const higherIn = (prefix: number): boolean =>
    stable.some(
      v => v.slice(0, prefix).every((n, i) => n === mine[i]) && compareTriples(v, mine) > 0
    )
  const tags = [own]
  if (!higherIn(2)) tags.push(`${mine[0]}.${mine[1]}`)
  if (!higherIn(1)) tags.push(`${mine[0]}`)
  if (!higherIn(0)) tags.push('latest')
  return tags
}

function compareTriples(a: readonly number[], b: readonly number[]): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2]
}

/** One platform of a base image, as read from its registry. */
export interface BasePlatform {
  platform: Platform
  /** the base's config, parsed (its raw bytes are not reused: ours is a new config) */
  config: Record<string, unknown>
  /** the base manifest's layers, in order */
  layers: Descriptor[]
}

/** A base image resolved to a digest; absent for `scratch`. */
export interface BaseImage {
  /** what the user named: 'cgr.dev/chainguard/static:latest' */
  name: string
  /** the digest it resolved to (of its index, or of its manifest for a one-platform base) */
  digest: string
  platforms: BasePlatform[]
}

/** What goes into one platform's image. */
export interface PlatformContent {
  platform: Platform
  files: LayerFile[]
}

/** An image written to a layout folder. */
export interface WrittenImage {
  /** the image index */
  index: Descriptor
  /** one manifest per platform, in the order given, each with its platform */
  manifests: Descriptor[]
}

/** The base's entry for a platform, or why there is none. */
export function basePlatformFor(base: BaseImage, wanted: Platform): BasePlatform | string {
  const found = base.platforms.find(p => platformMatches(p.platform, wanted))
  if (found) return found
  const offered = base.platforms.map(p => formatPlatform(p.platform)).join(', ') || 'none'
  return `the base image ${base.name} has no ${formatPlatform(wanted)} image (it has: ${offered})`
}

/**
 * Writes the image of every platform (layer, config, manifest) and the index over them into the
 * layout folder. Platforms are written one after another: the deflate of one layer keeps one
 * core busy, and the build stage has just used them all.
 */
export async function writeImage(
  layout: string,
  contents: readonly PlatformContent[],
  settings: ImageSettings,
  annotations: Record<string, string>,
  seconds: number,
  base?: BaseImage
): Promise<WrittenImage> {
  const seen = new Set<string>()
  for (const { platform } of contents) {
    const key = formatPlatform(platform)
    if (seen.has(key)) throw new Error(`two targets make the same image platform ${key}`)
    seen.add(key)
  }
  if (contents.length === 0) throw new Error('an image needs at least one linux target')
  const manifests: Descriptor[] = []
  for (const content of contents) {
    const from = base ? basePlatformFor(base, content.platform) : undefined
    if (typeof from === 'string') throw new Error(from)
    const layer = await writeLayer(layout, content.files, seconds)
    const config = await putBlob(
      layout,
      OCI.config,
      jsonBytes(imageConfig(from?.config, content.platform, [layer.diffId], settings))
    )
    const manifest = imageManifest(config, [...(from?.layers ?? []), layer.descriptor], annotations)
    const descriptor = await putBlob(layout, OCI.manifest, jsonBytes(manifest))
    manifests.push({ ...descriptor, platform: content.platform })
  }
  return writeIndex(layout, manifests, annotations)
}

/** Where an image went. */
export interface PushedImage {
  /** `host/name@sha256:…` of the index */
  ref: string
  /** `host/name:tag` per tag */
  tags: string[]
  /** blobs uploaded, mounted and already present */
  blobs: Record<'uploaded' | 'mounted' | 'present', number>
}

/**
 * Pushes an image of the layout folder: every blob (already present ones skipped, base layers
 * mounted from `mountFrom` when the registry has it), each platform manifest by digest (children
 * before the index that names them, as registries may refuse unknown references), then the index
 * by digest and under each tag. The same bytes give the same digests, so a re-run changes nothing.
 */
export async function pushImage(
  registry: RegistryPort,
  layout: string,
  image: WrittenImage,
  repo: ImageRepository,
  tags: readonly string[],
  options: PushOptions = {}
): Promise<PushedImage> {
  const blobs = await pushManifests(registry, layout, image.manifests, repo, options)
  return { ...(await pushIndex(registry, layout, image.index, repo, tags)), blobs }
}

/**
 * Pushes an index by digest, then its tags, once its manifests are in the repository (pushed by
 * this job or by the legs of a matrix).
 */
export async function pushIndex(
  registry: RegistryPort,
  layout: string,
  index: Descriptor,
  repo: ImageRepository,
  tags: readonly string[]
): Promise<Omit<PushedImage, 'blobs'>> {
  const bytes = await readBlob(layout, index.digest)
  await registry.pushManifest(repo, index.digest, bytes, index.mediaType)
  for (const tag of tags) await registry.pushManifest(repo, tag, bytes, index.mediaType)
  return {
    ref: `${repo.host}/${repo.name}@${index.digest}`,
    tags: tags.map(tag => `${repo.host}/${repo.name}:${tag}`)
  }
}

/** How a push goes: base layers mounted from a repository of the same registry; blobs at once. */
export interface PushOptions {
  mountFrom?: string
  parallelism?: number
}

/**
 * Pushes platform manifests by digest, with their configs and layers first (blobs the registry
 * has are not read, so a layout without them serves when an earlier push sent them). What a
 * matrix leg pushes: the publish job adds the index and the tags.
 */
export async function pushManifests(
  registry: RegistryPort,
  layout: string,
  descriptors: readonly Descriptor[],
  repo: ImageRepository,
  options: PushOptions = {}
): Promise<PushedImage['blobs']> {
  const counts = { uploaded: 0, mounted: 0, present: 0 }
  const manifests = await Promise.all(
    descriptors.map(async m => ({
      descriptor: m,
      bytes: await readBlob(layout, m.digest)
    }))
  )
  const blobs = new Map<string, string>()
  for (const { bytes } of manifests) {
    const parsed = JSON.parse(bytes.toString('utf8')) as {
      config: Descriptor
      layers: Descriptor[]
    }
    for (const d of [parsed.config, ...parsed.layers]) blobs.set(d.digest, d.mediaType)
  }
  await forEachLimit([...blobs.keys()], options.parallelism ?? 4, async digest => {
    const outcome = await registry.pushBlob(
      repo,
      digest,
      () =>
        readBlob(layout, digest).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOENT') throw err
          throw new Error(
            `blob ${digest} is neither in ${repo.host}/${repo.name} nor in ${layout} (did the leg that made it push it?)`
          )
        }),
      options.mountFrom
    )
    counts[outcome]++
  })
  for (const { descriptor, bytes } of manifests) {
    await registry.pushManifest(repo, descriptor.digest, bytes, descriptor.mediaType)
  }
  return counts
}

/** A base image reference: `cgr.dev/chainguard/static:latest`, `…@sha256:…`, or both. */
export interface BaseReference {
  repo: ImageRepository
  /** the tag, or the digest when pinned */
  reference: string
}

/** Parses a base image reference; the text, or why it is not one. */
export function parseBaseReference(text: string): BaseReference | string {
  const at = text.indexOf('@')
  const digest = at >= 0 ? text.slice(at + 1) : undefined
  const named = at >= 0 ? text.slice(0, at) : text
  const colon = named.lastIndexOf(':')
  const tagged = colon > named.lastIndexOf('/') ? named.slice(colon + 1) : undefined
  const repo = parseRepository(tagged !== undefined ? named.slice(0, colon) : named)
  if (typeof repo === 'string') return repo
  if (digest !== undefined && !/^sha256:[0-9a-f]{64}$/.test(digest)) {
    return 'has a digest that is not sha256:<64 hex digits>'
  }
  if (tagged !== undefined && tagProblem(tagged)) return tagProblem(tagged)!
  return { repo, reference: digest ?? tagged ?? 'latest' }
}

interface ManifestJson {
  mediaType?: string
  config?: Descriptor
  layers?: Descriptor[]
  manifests?: (Descriptor & { annotations?: Record<string, string> })[]
}

/**
 * Reads a base image from its registry: the index (or single manifest) the reference names, and
 * for each real platform its manifest and config. Attestation entries that BuildKit puts into
 * indexes (platform unknown/unknown) are not platforms. Every document is checked against its
 * digest by the port.
 */
export async function resolveBase(
  registry: RegistryPort,
  base: BaseReference,
  name: string
): Promise<BaseImage> {
  const top = await registry.manifest(base.repo, base.reference)
  if (!top) throw new Error(`the base image ${name} was not found`)
  const parsed = JSON.parse(top.bytes.toString('utf8')) as ManifestJson
  const single = async (bytes: Buffer, platform?: Platform): Promise<BasePlatform> => {
    const m = JSON.parse(bytes.toString('utf8')) as ManifestJson
    if (!m.config || !m.layers)
      throw new Error(`the base image ${name} has a manifest without config or layers`)
    const config = JSON.parse(
      (await registry.blob(base.repo, m.config.digest)).toString('utf8')
    ) as Record<string, unknown>
    const own: Platform = {
      architecture: String(config.architecture ?? platform?.architecture ?? ''),
      os: String(config.os ?? platform?.os ?? ''),
      ...(config.variant || platform?.variant
        ? { variant: String(config.variant ?? platform?.variant) }
        : {})
    }
    return { platform: own, config, layers: m.layers }
  }
  const platforms: BasePlatform[] = []
  if (parsed.manifests) {
    for (const entry of parsed.manifests) {
      const p = entry.platform
      if (!p || p.os === 'unknown' || entry.annotations?.['vnd.docker.reference.type']) continue
      const child = await registry.manifest(base.repo, entry.digest)
      if (!child)
        throw new Error(
          `the base image ${name} names ${entry.digest}, which its registry does not have`
        )
      platforms.push(await single(child.bytes, p))
    }
  } else {
    platforms.push(await single(top.bytes))
  }
  return { name, digest: top.digest, platforms }
}

/**
 * Copies the base layers the platforms use into the layout folder (each once), so the image is
 * complete there and can be pushed to a registry that does not hold the base.
 */
export async function copyBaseLayers(
  registry: RegistryPort,
  base: BaseReference,
  layers: readonly Descriptor[],
  layout: string
): Promise<void> {
  const seen = new Set<string>()
  for (const layer of layers) {
    if (seen.has(layer.digest)) continue
    seen.add(layer.digest)
    const file = blobPath(layout, layer.digest)
    const present = await stat(file).then(
      () => true,
      () => false
    )
    if (present) continue
    const bytes = await registry.blob(base.repo, layer.digest)
    await mkdir(path.dirname(file), { recursive: true })
    await writeFile(file, bytes)
  }
}

/**
 * An artifact manifest (OCI 1.1, image-spec manifest.md "Guidelines for Artifact Usage") that
 * refers to `subject`: the empty config, one layer with the artifact's bytes (an SBOM, an
 * attestation bundle), its type as `artifactType`.
 */
export function referrerManifest(
  subject: Descriptor,
  artifactType: string,
  content: Descriptor,
  annotations: Record<string, string>
): Record<string, unknown> {
  const manifest: Record<string, unknown> = {
    schemaVersion: 2,
    mediaType: OCI.manifest,
    artifactType,
    config: EMPTY_DESCRIPTOR,
    layers: [content],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size }
  }
  if (Object.keys(annotations).length > 0) manifest.annotations = annotations
  return manifest
}

/**
 * The referrers tag schema's tag for a digest (distribution-spec "Referrers Tag Schema"):
 * `<alg>-<ref>`, the algorithm cut to 32 characters and the encoded part to 64.
 */
export function referrersTag(digest: string): string {
  const [algorithm, encoded] = digest.split(':')
  return `${algorithm.slice(0, 32)}-${encoded.slice(0, 64)}`
}

/** Where a referrer went: the registry's referrers API, or the fallback tag index. */
export interface PushedReferrer {
  digest: string
  /** the fallback tag written, absent when the registry keeps referrers itself */
  fallbackTag?: string
}

/**
 * Pushes an artifact with its subject: the empty config and the content blob, then the manifest
 * by digest. A registry that answers without `OCI-Subject` keeps no referrers list (distribution
 * 3.1, GHCR), so the manifest's descriptor, with its artifactType and annotations, is added to
 * the index under the subject's referrers tag, as the spec asks of clients; an entry already
 * there is not added twice, so a re-run leaves the tag as it is.
 */
export async function pushReferrer(
  registry: RegistryPort,
  repo: ImageRepository,
  manifest: Record<string, unknown>,
  content: Buffer
): Promise<PushedReferrer> {
  const layers = manifest.layers as Descriptor[]
  await registry.pushBlob(repo, EMPTY_DESCRIPTOR.digest, () => Promise.resolve(Buffer.from('{}')))
  await registry.pushBlob(repo, layers[0].digest, () => Promise.resolve(content))
  const bytes = jsonBytes(manifest)
  const stored = await registry.pushManifest(repo, sha256Digest(bytes), bytes, OCI.manifest)
  if (stored.subjectAccepted) return { digest: stored.digest }
  const subject = manifest.subject as Descriptor
  const tag = referrersTag(subject.digest)
  const existing = await registry.manifest(repo, tag)
  const index = existing
    ? (JSON.parse(existing.bytes.toString('utf8')) as { manifests?: Descriptor[] })
    : { schemaVersion: 2, mediaType: OCI.index, manifests: [] }
  const entries = index.manifests ?? []
  if (!entries.some(d => d.digest === stored.digest)) {
    const entry: Descriptor = { mediaType: OCI.manifest, digest: stored.digest, size: bytes.length }
    entry.artifactType = manifest.artifactType as string
    const annotations = manifest.annotations as Record<string, string> | undefined
    if (annotations) entry.annotations = annotations
    index.manifests = [...entries, entry]
    await registry.pushManifest(repo, tag, jsonBytes(index), OCI.index)
  }
  return { digest: stored.digest, fallbackTag: tag }
}

/**
 * The default base: Google's distroless static image for Debian 13 (CA certificates, tzdata,
 * /etc/passwd with the nonroot user 65532), multi-platform, on a registry without Docker Hub's
 * pull limits. Resolved to its digest at the start of each run and recorded; there is no network
 * here to pin a digest that is known to exist, and a pin would go stale with every Debian update.
 */
export const DEFAULT_IMAGE_BASE = 'gcr.io/distroless/static-debian13:nonroot'

/** Why an `image` entry is not a repository, or undefined. */
export function repositoryProblem(text: string): string | undefined {
  const parsed = parseRepository(text)
  return typeof parsed === 'string' ? parsed : undefined
}

/** Why an `image-base` value is neither `scratch` nor an image reference, or undefined. */
export function baseProblem(text: string): string | undefined {
  if (text === 'scratch') return undefined
  const parsed = parseBaseReference(text)
  return typeof parsed === 'string' ? parsed : undefined
}

/**
 * Whether a base has no C library: scratch, and the static bases (distroless `static*`,
 * Chainguard `static`), named by their last path element. A dynamically linked binary (cgo
 * without `-static`) cannot start on one: its ELF interpreter is missing.
 */
export function baseLacksLibc(base: string): boolean {
  if (base === 'scratch') return true
  const parsed = parseBaseReference(base)
  if (typeof parsed === 'string') return false
  const last = parsed.repo.name.split('/').pop() ?? ''
  return /^static(\b|-|$)/.test(last)
}

/** What the image stages record in the context: the resolved base and tags (prepare), the image (run). */
export interface ImageRun {
  /** the base, resolved to its digest; absent for scratch */
  base?: BaseImage
  baseReference?: BaseReference
  tags?: string[]
  /** the OCI layout folder holding the whole image */
  layout?: string
  written?: WrittenImage
  /** one per repository pushed to */
  pushed: PushedImage[]
  /** artifacts that refer to the image's manifests (SBOMs), pushed after the image */
  referrers?: Referrer[]
  /**
   * a matrix leg's part: its platform manifests only (written.index is the leg's own index,
   * never pushed or tagged); the publish job writes the image's index
   */
  leg?: boolean
  /** a leg pushed its platform manifests */
  legPushed?: boolean
  /** a leg's record of its part (in the layout folder), for the publish job or completing leg */
  legRecord?: string
}

/** An artifact manifest and its content, ready to push as a referrer. */
export interface Referrer {
  manifest: Record<string, unknown>
  content: Buffer
}

/** The media type of each SBOM format, as a referrer's artifactType and layer type. */
export const SBOM_MEDIA_TYPES: Readonly<Record<string, string>> = {
  'spdx-json': 'application/spdx+json',
  'cyclonedx-json': 'application/vnd.cyclonedx+json'
}

/**
 * A referrer of `subject` holding `content` (its type `mediaType`), stored in the layout too so
 * the folder holds everything that is pushed.
 */
export async function makeReferrer(
  layout: string,
  subject: Descriptor,
  mediaType: string,
  content: Buffer,
  annotations: Record<string, string>
): Promise<Referrer> {
  const blob = await putBlob(layout, mediaType, content)
  const manifest = referrerManifest(subject, mediaType, blob, annotations)
  await putBlob(layout, OCI.manifest, jsonBytes(manifest))
  await putBlob(layout, EMPTY_DESCRIPTOR.mediaType, Buffer.from('{}'))
  return { manifest, content }
}

/** The repositories of the `image` input that parse (the input's own check reports the others). */
export function imageRepositories(texts: readonly string[]): ImageRepository[] {
  return texts.map(parseRepository).filter((r): r is ImageRepository => typeof r !== 'string')
}

/**
 * The image as attestation subjects: each repository's name (without a tag, as
 * actions/attest-build-provenance names images) with the index digest, so `gh attestation verify
 * oci://<repository>:<tag>` finds it by the digest the tag points to.
 */
export function imageSubjects(
  index: Descriptor | undefined,
  repositories: readonly ImageRepository[]
): { name: string; digest: Record<string, string> }[] {
  if (!index) return []
  const [algorithm, hex] = index.digest.split(':')
  return repositories.map(r => ({ name: `${r.host}/${r.name}`, digest: { [algorithm]: hex } }))
}

/**
 * What a matrix leg hands the publish job about its part of the image (in its workflow artifact,
 * under the layout folder): its platform manifests, the annotations they carry and the base they
 * were made on, and whether it pushed them. Never published.
 */
export interface ImageLegRecord {
  'go-xbuild-image-leg': typeof IMAGE_LEG_FORMAT
  /** each platform manifest, with its platform */
  manifests: Descriptor[]
  /** the manifests' annotations: the index gets the same */
  annotations: Record<string, string>
  /** the base's name and digest; absent for scratch */
  base?: { name: string; digest: string }
  /** whether the leg pushed its manifests (then its artifact holds no layers) */
  pushed: boolean
}

/** Version of the leg record's format; a record of another version is refused. */
export const IMAGE_LEG_FORMAT = 1

/** The folder of the layout that holds the legs' records. */
export const IMAGE_LEGS_FOLDER = 'legs'

/** A leg's record, or why it cannot be read. */
export function parseImageLegRecord(text: string): ImageLegRecord | string {
  let value: Partial<ImageLegRecord>
  try {
    value = JSON.parse(text) as Partial<ImageLegRecord>
  } catch {
    return 'is not JSON'
  }
  if (value?.['go-xbuild-image-leg'] !== IMAGE_LEG_FORMAT) {
    return `is not an image leg record of format ${IMAGE_LEG_FORMAT} (was the leg run with another version of go-xbuild?)`
  }
  const descriptorOk = (d: Descriptor): boolean =>
    typeof d?.digest === 'string' &&
    /^sha256:[0-9a-f]{64}$/.test(d.digest) &&
    typeof d.size === 'number' &&
    typeof d.mediaType === 'string' &&
    typeof d.platform?.os === 'string' &&
    typeof d.platform.architecture === 'string'
  if (!Array.isArray(value.manifests) || !value.manifests.every(descriptorOk)) {
    return 'has no valid manifests'
  }
  if (typeof value.annotations !== 'object' || value.annotations === null) {
    return 'has no annotations'
  }
  return value as ImageLegRecord
}

/**
 * The publish job's image from the legs' records: every platform of `expected` exactly once, in
 * that order, all made on the same base with the same annotations (what one job would have
 * made); or the problems, each naming the legs.
 */
export function assembleLegs(
  records: readonly { leg: string; record: ImageLegRecord }[],
  expected: readonly Platform[]
): { manifests: Descriptor[]; annotations: Record<string, string> } | { problems: string[] } {
  const problems: string[] = []
  const byPlatform = new Map<string, { leg: string; descriptor: Descriptor }>()
  for (const { leg, record } of records) {
    for (const m of record.manifests) {
      const key = formatPlatform(m.platform!)
      const other = byPlatform.get(key)
      if (other) problems.push(`image platform ${key} comes from two legs: ${other.leg} and ${leg}`)
      else byPlatform.set(key, { leg, descriptor: m })
    }
  }
  const wanted = new Set(expected.map(formatPlatform))
  for (const [key, { leg }] of byPlatform) {
    if (!wanted.has(key)) problems.push(`${leg}: image platform ${key} is not one of the plan's`)
  }
  const missing = expected.map(formatPlatform).filter(k => !byPlatform.has(k))
  if (missing.length > 0) {
    problems.push(`image platforms missing from every leg: ${missing.join(', ')}`)
  }
  const shown = (r: ImageLegRecord): string => r.base?.digest ?? 'scratch'
  const bases = new Set(records.map(r => shown(r.record)))
  if (bases.size > 1) {
    problems.push(
      `the legs made their images on different bases (${records.map(r => `${r.leg} ${shown(r.record)}`).join(', ')}): the base's tag moved during the run; pin image-base by digest (name@sha256:...)`
    )
  }
  const annotations = records.map(r => JSON.stringify(sortedObject(r.record.annotations)))
  // Another base gives other base.digest annotations: that problem is already named.
  if (bases.size === 1 && new Set(annotations).size > 1) {
    problems.push(
      `the legs' images carry different annotations: ${records.map((r, i) => `${r.leg} ${annotations[i]}`).join('; ')}`
    )
  }
  if (problems.length > 0) return { problems }
  return {
    manifests: expected.map(p => byPlatform.get(formatPlatform(p))!.descriptor),
    annotations: records[0]?.record.annotations ?? {}
  }
}

function sortedObject(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}

/** Writes the index of already-written platform manifests into the layout. */
export async function writeIndex(
  layout: string,
  manifests: readonly Descriptor[],
  annotations: Record<string, string>
): Promise<WrittenImage> {
  const index = await putBlob(layout, OCI.index, jsonBytes(imageIndex(manifests, annotations)))
  return { index, manifests: [...manifests] }
}
