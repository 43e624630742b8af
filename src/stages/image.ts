import * as path from 'node:path'
import * as os from 'node:os'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { baseEnv } from '../build-env.js'
import type { Context, Stage } from '../context.js'
import {
  assembleLegs,
  baseLacksLibc,
  basePlatformFor,
  blobPath,
  copyBaseLayers,
  defaultTags,
  formatPlatform,
  imagePlatform,
  IMAGE_LEG_FORMAT,
  IMAGE_LEGS_FOLDER,
  imageRepositories,
  imageSubjects,
  makeReferrer,
  parseImageLegRecord,
  parseBaseReference,
  pushImage,
  pushIndex,
  pushManifests,
  pushReferrer,
  readBlob,
  resolveBase,
  SBOM_MEDIA_TYPES,
  tagProblem,
  writeImage,
  writeIndex,
  writeLayoutIndex,
  type BaseImage,
  type ImageLegRecord,
  type BaseReference,
  type PlatformContent,
  type Referrer,
  type WrittenImage
} from '../image.js'
import { findImageFiles } from '../archive-files.js'
import { hooksWillRun } from '../hooks.js'
import { attest } from '../attestation.js'
import { isForkPullRequest } from '../lib/run-event.js'
import { isGoPlan } from '../facts.js'
import { formatDuration } from '../lib/format.js'
import { matchesTargetPattern } from '../lib/target-patterns.js'
import type { Target } from '../targets.js'
import { ANNOTATION, type Descriptor, type ImageRepository } from '../lib/oci.js'
import {
  artifactNameFor,
  IMAGE_LAYOUT_FOLDER,
  imageLegArtifactName,
  imageLegPrefix,
  releaseValues
} from '../naming.js'
import type { RegistryCredentials, RegistryPort } from '../ports/registry.js'
import { renderSbom } from '../sbom.js'
import { renderTemplate } from '../template.js'

/** Where binaries go inside the image. */
const BIN_DIR = '/usr/local/bin'

/** The repositories of the `image` input, parsed (the input's own check refused bad ones). */
function repositoriesOf(ctx: Context): ImageRepository[] {
  return imageRepositories(ctx.inputs.image)
}

/** The plans of the linux targets whose binaries go into the image (image-targets, default all). */
function imagePlans(ctx: Context): Context['facts']['plans'] {
  return ctx.facts.plans.filter(p => inImage(ctx, p.target))
}

/** Whether a target's binaries go into the image: linux, and matching image-targets if given. */
function inImage(ctx: Context, target: Target): boolean {
  const patterns = ctx.inputs.imageTargets
  return (
    target.goos === 'linux' &&
    (patterns.length === 0 || patterns.some(pattern => matchesTargetPattern(pattern, target)))
  )
}

/** A leg that publishes the release itself, without a fan-in job (planned-targets). */
function selfPublishingLeg(ctx: Context): boolean {
  return !ctx.facts.wholeRelease && ctx.inputs.plannedTargets.length > 0
}

/** The linux targets whose binaries go into the image, in the plan's order. */
function imageTargets(ctx: Context): Context['facts']['plans'][number]['target'][] {
  return imagePlans(ctx).map(p => p.target)
}

/** Why a binary cannot run on a base without a C library: cgo links it dynamically. */
function libcProblem(base: string, what: string): string {
  return `image: ${what}, but image-base ${base} has no C library: set cgo: false for the image's targets, link statically (cgo-link: static), or choose a base with glibc such as gcr.io/distroless/base-debian13`
}

/**
 * Credentials by registry host: ghcr.io gets the job token (with the workflow actor as user, as
 * docker/login-action does); the hosts of the `image` repositories get image-username and
 * image-password; every other host (the base's registry) is read anonymously.
 */
function credentialsOf(ctx: Context): (host: string) => RegistryCredentials | undefined {
  const { inputs } = ctx
  const own = new Set(repositoriesOf(ctx).map(r => r.host))
  return host => {
    if (!own.has(host) && host !== 'ghcr.io') return undefined
    if (inputs.imageUsername && inputs.imagePassword && host !== 'ghcr.io') {
      return { username: inputs.imageUsername, password: inputs.imagePassword }
    }
    if (host === 'ghcr.io' && inputs.githubToken) {
      return {
        username: ctx.ports.env.GITHUB_ACTOR || 'x-access-token',
        password: inputs.githubToken
      }
    }
    return undefined
  }
}

/** Whether this run pushes the image: image-push true, or auto in a workflow run. */
function pushes(ctx: Context): boolean {
  const setting = ctx.inputs.imagePush
  return setting === 'true' || (setting === 'auto' && ctx.ports.env.GITHUB_ACTIONS === 'true')
}

/** One registry client per run: its tokens, fetched in prepare, serve the run and the push. */
const clients = new WeakMap<Context, RegistryPort>()

function registryOf(ctx: Context): RegistryPort {
  let client = clients.get(ctx)
  if (!client) {
    client = ctx.ports.registry(credentialsOf(ctx))
    clients.set(ctx, client)
  }
  return client
}

/** The image's labels: the OCI defaults from the run, then the user's KEY=VALUE lines. */
function labelsOf(
  ctx: Context,
  base: Pick<BaseImage, 'name' | 'digest'> | undefined
): Record<string, string> {
  const { stamp, projectName } = ctx.facts
  const env = ctx.ports.env
  const labels: Record<string, string> = {
    [ANNOTATION.created]: stamp.date,
    [ANNOTATION.title]: projectName,
    [ANNOTATION.version]: stamp.version
  }
  if (stamp.commit) labels[ANNOTATION.revision] = stamp.commit
  if (env.GITHUB_REPOSITORY) {
    // GHCR links the package to the repository through this label when it is first pushed.
    labels[ANNOTATION.source] =
      `${env.GITHUB_SERVER_URL || 'https://github.com'}/${env.GITHUB_REPOSITORY}`
  }
  if (base) {
    labels[ANNOTATION.baseName] = base.name
    labels[ANNOTATION.baseDigest] = base.digest
  }
  const values = releaseValues(stamp, projectName, env)
  for (const line of ctx.inputs.imageLabels) {
    const rendered = renderTemplate(line, values)
    const eq = rendered.indexOf('=')
    labels[rendered.slice(0, eq).trim()] = rendered.slice(eq + 1)
  }
  return labels
}

/** image: one multi-platform image of the linux binaries, written as an OCI layout folder. */
export const makeImage: Stage = {
  name: 'making the container image',
  check(ctx) {
    const { inputs } = ctx
    if (inputs.image.length === 0) return []
    const problems: string[] = []
    const targets = imageTargets(ctx)
    // A leg may build none (split-by: goos): the plan job checked the whole matrix.
    if (targets.length === 0 && ctx.facts.wholeRelease) {
      problems.push(
        `image: no linux target to make an image of (targets: ${ctx.facts.plans.map(p => p.target.id).join(', ')}${inputs.imageTargets.length > 0 ? `; image-targets: ${inputs.imageTargets.join(', ')}` : ''})`
      )
    }
    const seen = new Map<string, string>()
    for (const t of targets) {
      const key = formatPlatform(imagePlatform(t))
      const other = seen.get(key)
      if (other) problems.push(`image: targets ${other} and ${t.id} both make the platform ${key}`)
      seen.set(key, t.id)
    }
    // Before building: cgo binaries are dynamically linked unless told to link statically.
    if (baseLacksLibc(inputs.imageBase) && !/-static\b/.test(inputs.ldflags)) {
      for (const plan of imagePlans(ctx).filter(isGoPlan)) {
        if (plan.cgo.enabled && !plan.cgo.static) {
          problems.push(
            libcProblem(
              inputs.imageBase,
              `target ${plan.target.id} is built with cgo (dynamically linked)`
            )
          )
        }
      }
    }
    inputs.imageLabels.forEach((line, i) => {
      if (!/^\s*[^=\s][^=]*=/.test(line)) {
        problems.push(`image-labels: line ${i + 1} "${line}" is not KEY=VALUE`)
      }
    })
    if (inputs.imagePassword && !inputs.imageUsername) {
      problems.push('image-password: given without image-username')
    }
    return problems
  },
  // Before the build: the base resolves to a digest and has every platform, and each repository
  // takes a push from these credentials.
  async prepare(ctx) {
    const { inputs } = ctx
    if (inputs.image.length === 0) return []
    const problems: string[] = []
    const registry = registryOf(ctx)
    ctx.image = { pushed: [] }
    if (inputs.imageBase !== 'scratch') {
      const reference = parseBaseReference(inputs.imageBase) as BaseReference
      try {
        const base = await resolveBase(registry, reference, inputs.imageBase)
        ctx.image.base = base
        ctx.image.baseReference = reference
        for (const t of imageTargets(ctx)) {
          const missing = basePlatformFor(base, imagePlatform(t))
          if (typeof missing === 'string') {
            problems.push(
              `image-base: ${missing}, for target ${t.id}; choose a base that has it, or scratch`
            )
          }
        }
        ctx.log.info(`image base ${inputs.imageBase} is ${base.digest}`)
      } catch (err) {
        problems.push(`image-base: ${inputs.imageBase}: ${(err as Error).message}`)
      }
    }
    // Before building, unless before-hooks may still write them; the run looks again.
    if (!hooksWillRun(inputs)) findImageFiles(inputs, problems)
    problems.push(...(await checkRepositories(ctx, registry)))
    if (selfPublishingLeg(ctx)) {
      const why = ctx.ports.artifacts.unavailable()
      if (why) {
        problems.push(
          `image: legs that publish the release themselves hand each other their parts of the image through workflow artifacts, but ${why}`
        )
      }
      if (!pushes(ctx)) {
        problems.push(
          'image: legs that publish the release themselves must push their parts (image-push): the leg that completes the release reads the others from the registry; without pushing, give the matrix a mode: publish job'
        )
      }
    }
    // A fan-in leg pushes its manifests by digest only: the publish job tags the index. A leg
    // that publishes itself may be the one that completes the release, and tag it.
    if (problems.length === 0 && (ctx.facts.wholeRelease || selfPublishingLeg(ctx))) {
      problems.push(...(await prepareTags(ctx)))
    }
    return problems
  },
  skip(ctx) {
    if (ctx.inputs.image.length === 0) return 'image: not set'
    if (imageTargets(ctx).length === 0) return 'image: this leg builds no target of the image'
    return undefined
  },
  async run(ctx) {
    const { inputs, facts } = ctx
    const state = ctx.image ?? { pushed: [] }
    ctx.image = state
    const started = Date.now()
    // What the check could not see (flags set elsewhere): the headers the verify stage read.
    if (baseLacksLibc(inputs.imageBase)) {
      const dynamic = imageTargets(ctx)
        .flatMap(t => ctx.artifacts.byKind('binary', t.id))
        .filter(b => b.interpreter)
      if (dynamic.length > 0) {
        throw new Error(
          libcProblem(
            inputs.imageBase,
            dynamic
              .map(b => `${b.target?.id}/${path.posix.basename(b.name)} needs ${b.interpreter}`)
              .join(', ')
          )
        )
      }
    }
    const problems: string[] = []
    const extras = findImageFiles(inputs, problems)
    if (problems.length > 0) throw new Error(problems.join('\n'))
    const contents: PlatformContent[] = imageTargets(ctx).map(target => ({
      platform: imagePlatform(target),
      files: [
        ...ctx.artifacts.byKind('binary', target.id).map(b => ({
          path: `${BIN_DIR}/${path.posix.basename(b.name)}`,
          source: b.path,
          mode: 0o755
        })),
        ...extras
      ]
    }))
    const first = contents[0]?.files[0]
    const layout = path.join(inputs.dist, IMAGE_LAYOUT_FOLDER)
    await rm(layout, { recursive: true, force: true })
    const labels = labelsOf(ctx, state.base)
    const written = await writeImage(
      layout,
      contents,
      {
        created: facts.stamp.date,
        entrypoint: inputs.imageEntrypoint.length > 0 ? inputs.imageEntrypoint : [first!.path],
        user: inputs.imageUser,
        env: [],
        labels,
        createdBy: 'go-xbuild-action'
      },
      labels,
      facts.stamp.epoch,
      state.base
    )
    // The layout holds the whole image: base layers too, so it can be pushed anywhere or loaded.
    if (state.base && state.baseReference) {
      const used = state.base.platforms.flatMap(p => p.layers)
      await copyBaseLayers(registryOf(ctx), state.baseReference, used, layout)
    }
    state.layout = layout
    state.written = written
    state.referrers = await imageSboms(ctx, layout, written)
    await writeLayoutIndex(layout, written.index, state.tags ?? [])
    if (!facts.wholeRelease) {
      state.leg = true
      ctx.legFiles = [...(ctx.legFiles ?? []), ...(await handOn(ctx, layout, written, labels))]
      ctx.log.info(
        `image part of this leg: ${written.manifests.map(m => `${formatPlatform(m.platform!)} ${m.digest}`).join(', ')}; the publish job writes the index`
      )
      return
    }
    ctx.log.info(
      `image ${written.index.digest}: ${written.manifests.map(m => formatPlatform(m.platform!)).join(', ')} in ${formatDuration(Date.now() - started)}, tags ${(state.tags ?? []).join(', ')}; OCI layout ${layout}`
    )
  }
}

/** Each repository takes a push from these credentials (only when this run pushes). */
async function checkRepositories(ctx: Context, registry: RegistryPort): Promise<string[]> {
  if (!pushes(ctx)) return []
  const problems: string[] = []
  for (const repo of repositoriesOf(ctx)) {
    try {
      await registry.checkPush(repo)
    } catch (err) {
      problems.push(`image: ${repo.host}/${repo.name}: ${(err as Error).message}`)
    }
  }
  return problems
}

/** Records the tags the image gets (see tagsOf), or why they are refused. */
async function prepareTags(ctx: Context): Promise<string[]> {
  try {
    ctx.image!.tags = await tagsOf(ctx, registryOf(ctx))
    return []
  } catch (err) {
    return [(err as Error).message]
  }
}

/**
 * A leg's part of the image for the publish job: its record, its manifests and configs, and,
 * when it does not push, every other blob too (then the publish job's layout is the whole image).
 * Returns the files to add to the leg's workflow artifact.
 */
async function handOn(
  ctx: Context,
  layout: string,
  written: WrittenImage,
  annotations: Record<string, string>
): Promise<string[]> {
  const base = ctx.image?.base
  const record: ImageLegRecord = {
    'go-xbuild-image-leg': IMAGE_LEG_FORMAT,
    manifests: written.manifests,
    annotations,
    ...(base ? { base: { name: base.name, digest: base.digest } } : {}),
    pushed: pushes(ctx)
  }
  const name = artifactNameFor(
    ctx.facts.projectName,
    ctx.inputs.shard,
    ctx.facts.plans.map(p => p.target.id)
  )
  const file = path.join(layout, IMAGE_LEGS_FOLDER, `${name}.json`)
  ctx.image!.legRecord = file
  await mkdir(path.dirname(file), { recursive: true })
  await writeFile(file, `${JSON.stringify(record, null, 2)}\n`)
  if (!record.pushed) {
    const all = (await readdir(layout, { recursive: true, withFileTypes: true })) as {
      isFile(): boolean
      name: string
      parentPath: string
    }[]
    return all.filter(e => e.isFile()).map(e => path.join(e.parentPath, e.name))
  }
  const files = [file]
  for (const m of written.manifests) {
    const manifest = JSON.parse((await readBlob(layout, m.digest)).toString('utf8')) as {
      config: Descriptor
    }
    files.push(blobPath(layout, m.digest), blobPath(layout, manifest.config.digest))
  }
  return files
}

/**
 * mode: publish — the image from the legs' parts (collected into the layout folder with their
 * files): every planned linux platform exactly once, made alike, under one new index, as one
 * job would have made it; pushed and tagged by the push stage.
 */
export const assembleImage: Stage = {
  name: 'assembling the container image from the legs',
  async prepare(ctx) {
    if (ctx.inputs.image.length === 0) return []
    ctx.image = { pushed: [] }
    const problems = await checkRepositories(ctx, registryOf(ctx))
    if (problems.length === 0) problems.push(...(await prepareTags(ctx)))
    return problems
  },
  skip(ctx) {
    return ctx.inputs.image.length === 0 ? 'image: not set' : undefined
  },
  async run(ctx) {
    const state = ctx.image ?? { pushed: [] }
    ctx.image = state
    const layout = path.join(ctx.inputs.dist, IMAGE_LAYOUT_FOLDER)
    const folder = path.join(layout, IMAGE_LEGS_FOLDER)
    const names = await readdir(folder).catch(() => [] as string[])
    const records: { leg: string; record: ImageLegRecord }[] = []
    const problems: string[] = []
    for (const name of names.filter(n => n.endsWith('.json')).sort()) {
      const leg = name.slice(0, -'.json'.length)
      const record = parseImageLegRecord(await readFile(path.join(folder, name), 'utf8'))
      if (typeof record === 'string') problems.push(`${leg}: its image record ${record}`)
      else records.push({ leg, record })
    }
    if (records.length === 0 && problems.length === 0) {
      problems.push(
        'no leg made a part of the image: were the legs run with the same image input (and this version of go-xbuild)?'
      )
    }
    const assembled =
      problems.length === 0
        ? assembleLegs(records, imageTargets(ctx).map(imagePlatform))
        : { problems }
    if ('problems' in assembled) {
      throw new Error(
        `image: the legs' parts do not make one image; nothing was pushed:\n  ${assembled.problems.join('\n  ')}`
      )
    }
    const pushed = records.every(r => r.record.pushed)
    if (pushes(ctx) && !pushed) {
      throw new Error(
        `image: this job pushes, but legs ${records
          .filter(r => !r.record.pushed)
          .map(r => r.leg)
          .join(', ')} did not push their parts (image-push must be alike)`
      )
    }
    // The legs' manifests, checked against their digests (a pushing leg handed on no layers).
    for (const m of assembled.manifests) await readBlob(layout, m.digest)
    const base = records[0]!.record.base
    // The publish job does not read the base's platforms: each leg checked its own.
    if (base) state.base = { ...base, platforms: [] }
    state.written = await writeIndex(layout, assembled.manifests, assembled.annotations)
    state.layout = layout
    await writeLayoutIndex(layout, state.written.index, state.tags ?? [])
    ctx.log.info(
      `image ${state.written.index.digest} from ${records.length} legs: ${assembled.manifests.map(m => formatPlatform(m.platform!)).join(', ')}; tags ${(state.tags ?? []).join(', ')}`
    )
  }
}

/** image: push the image to every repository (after the workflow artifact, before the release). */
export const pushImages: Stage = {
  name: 'pushing the container image',
  skip(ctx) {
    if (ctx.inputs.image.length === 0) return 'image: not set'
    if (!pushes(ctx)) return 'image-push: not pushing (the OCI layout folder is the result)'
    return undefined
  },
  async run(ctx) {
    const state = ctx.image
    if (!state?.written || !state.layout) {
      // A leg that builds no target of the image, which may still complete the release.
      if (state && selfPublishingLeg(ctx)) await handOnToTheCompletingLeg(ctx)
      else ctx.log.info('image: this leg builds no target of the image')
      return
    }
    const registry = registryOf(ctx)
    for (const repo of repositoriesOf(ctx)) {
      const started = Date.now()
      // Base layers on the same registry are mounted, not uploaded again.
      const mountFrom =
        state.baseReference?.repo.host === repo.host ? state.baseReference.repo.name : undefined
      if (state.leg) {
        const blobs = await pushManifests(registry, state.layout, state.written.manifests, repo, {
          mountFrom
        })
        state.legPushed = true
        ctx.log.info(
          `pushed this leg's ${state.written.manifests.length} platform manifests to ${repo.host}/${repo.name} by digest: ${blobs.uploaded} blobs uploaded, ${blobs.mounted} mounted, ${blobs.present} present, in ${formatDuration(Date.now() - started)}`
        )
      } else {
        const pushed = await pushImage(
          registry,
          state.layout,
          state.written,
          repo,
          state.tags ?? [],
          { mountFrom }
        )
        state.pushed.push(pushed)
        ctx.log.info(
          `pushed ${pushed.ref} (${pushed.tags.join(', ')}): ${pushed.blobs.uploaded} blobs uploaded, ${pushed.blobs.mounted} mounted, ${pushed.blobs.present} present, in ${formatDuration(Date.now() - started)}`
        )
      }
      const fallbacks = new Set<string>()
      for (const referrer of state.referrers ?? []) {
        const done = await pushReferrer(registry, repo, referrer.manifest, referrer.content)
        if (done.fallbackTag) fallbacks.add(done.fallbackTag)
      }
      if (state.referrers?.length) {
        ctx.log.info(
          `  ${state.referrers.length} SBOMs attached as referrers${fallbacks.size > 0 ? ` (the registry has no referrers API: listed under the tags ${[...fallbacks].join(', ')}, as the distribution spec asks)` : ''}`
        )
      }
    }
    if (state.leg && selfPublishingLeg(ctx)) await handOnToTheCompletingLeg(ctx)
  }
}

/**
 * A leg that publishes the release itself, once its manifests are pushed: its record as a
 * workflow artifact of its own, then, should this leg be the one that completes the release, the
 * index of every leg's manifests, pushed and tagged before the release is published.
 */
async function handOnToTheCompletingLeg(ctx: Context): Promise<void> {
  const state = ctx.image!
  const { facts, inputs, ports } = ctx
  const ids = facts.plans.map(p => p.target.id)
  const own = imageLegArtifactName(facts.projectName, inputs.shard, ids)
  const prefix = imageLegPrefix(facts.projectName)
  const record = state.legRecord
  if (record)
    await ports.artifacts.upload(own, [record], path.dirname(record), inputs.retentionDays)
  ctx.beforePublishing = [
    ...(ctx.beforePublishing ?? []),
    {
      name: 'image',
      run: async () => {
        const temp = await mkdtemp(
          path.join(ports.env.RUNNER_TEMP || os.tmpdir(), 'go-xbuild-image-')
        )
        try {
          const records: { leg: string; record: ImageLegRecord }[] = []
          const problems: string[] = []
          for (const artifact of (await ports.artifacts.list()).filter(a =>
            a.name.startsWith(prefix)
          )) {
            const leg = artifact.name.slice(prefix.length)
            let text: string
            if (artifact.name === own && record) {
              text = await readFile(record, 'utf8')
            } else {
              const dir = path.join(temp, String(artifact.id))
              await ports.artifacts.download(artifact.id, dir)
              const files = (await readdir(dir)).filter(n => n.endsWith('.json'))
              if (files.length !== 1) {
                problems.push(`${artifact.name}: holds no image record`)
                continue
              }
              text = await readFile(path.join(dir, files[0]!), 'utf8')
            }
            const parsed = parseImageLegRecord(text)
            if (typeof parsed === 'string') problems.push(`${leg}: its image record ${parsed}`)
            else records.push({ leg, record: parsed })
          }
          const expected = facts.releaseTargets.filter(t => inImage(ctx, t)).map(imagePlatform)
          const assembled = problems.length > 0 ? { problems } : assembleLegs(records, expected)
          if ('problems' in assembled) {
            throw new Error(
              `the legs' parts do not make one image:\n  ${assembled.problems.join('\n  ')}`
            )
          }
          // A leg without a part of its own writes the index into a layout folder of its own.
          state.layout ??= path.join(inputs.dist, IMAGE_LAYOUT_FOLDER)
          const written = await writeIndex(state.layout, assembled.manifests, assembled.annotations)
          // The attest stage ran before this leg knew it completes the release: the index now,
          // before any tag points at it.
          if (inputs.attest && !isForkPullRequest(ports.env)) {
            const { tlogId, ...made } = await attest(
              ctx,
              imageSubjects(written.index, repositoriesOf(ctx))
            )
            ctx.published.attestations = [...(ctx.published.attestations ?? []), made]
            ctx.log.info(
              `attestation of the image index${made.url ? `, ${made.url}` : ''}${tlogId !== undefined ? ` (Rekor log index ${tlogId})` : ''}`
            )
          }
          for (const repo of repositoriesOf(ctx)) {
            const pushed = await pushIndex(
              registryOf(ctx),
              state.layout,
              written.index,
              repo,
              state.tags ?? []
            )
            state.pushed.push({ ...pushed, blobs: { uploaded: 0, mounted: 0, present: 0 } })
            ctx.log.info(
              `pushed ${pushed.ref} (${pushed.tags.join(', ')}): the index of ${records.length} legs' manifests`
            )
          }
          // This leg's report shows the image now, not its part.
          state.written = written
          state.leg = false
          await writeLayoutIndex(state.layout, written.index, state.tags ?? [])
        } finally {
          await rm(temp, { recursive: true, force: true })
        }
      }
    }
  ]
}

/**
 * One SBOM per platform manifest and `sbom` format, from the build info of the binaries in its
 * layer (the same documents the archives get, named after the image platform), as referrers.
 */
async function imageSboms(
  ctx: Context,
  layout: string,
  written: WrittenImage
): Promise<Referrer[]> {
  const infos = ctx.buildInfos
  if (ctx.inputs.sbom.length === 0 || !infos) return []
  const referrers: Referrer[] = []
  const targets = imageTargets(ctx)
  for (const [i, manifest] of written.manifests.entries()) {
    const platform = formatPlatform(manifest.platform!)
    const binaries = ctx.artifacts.byKind('binary', targets[i]!.id).map(b => {
      const info = infos.get(b.path)
      if (!info) throw new Error(`internal: no build info read from ${b.path}`)
      return { file: `${BIN_DIR}/${path.posix.basename(b.name)}`, info }
    })
    const subject = {
      published: `${ctx.facts.projectName} image ${platform}`,
      binaries,
      stamp: ctx.facts.stamp,
      tool: 'go-xbuild-action'
    }
    const descriptor = {
      mediaType: manifest.mediaType,
      digest: manifest.digest,
      size: manifest.size
    }
    for (const format of ctx.inputs.sbom) {
      referrers.push(
        await makeReferrer(
          layout,
          descriptor,
          SBOM_MEDIA_TYPES[format]!,
          Buffer.from(renderSbom(format, subject)),
          { [ANNOTATION.created]: ctx.facts.stamp.date }
        )
      )
    }
  }
  return referrers
}

/**
 * The image tags: the image-tags templates rendered, or the default set computed over the
 * repository's tags as git knows them and as every image repository has them (a shallow
 * checkout has no tags; the registry remembers what was released).
 */
async function tagsOf(ctx: Context, registry: RegistryPort): Promise<string[]> {
  const { inputs, facts } = ctx
  let tags: string[]
  if (inputs.imageTags.length > 0) {
    const values = releaseValues(facts.stamp, facts.projectName, ctx.ports.env)
    tags = inputs.imageTags.map(t => renderTemplate(t, values).trim()).filter(Boolean)
  } else {
    const known = new Set<string>()
    const git = await ctx.ports.process
      .run('git', ['tag', '--list'], {
        cwd: inputs.workingDirectory,
        env: baseEnv(ctx.ports.env, [])
      })
      .catch(() => undefined)
    if (git?.code === 0) for (const t of git.stdout.split('\n')) if (t.trim()) known.add(t.trim())
    if (pushes(ctx)) {
      for (const repo of repositoriesOf(ctx))
        for (const t of await registry.tags(repo)) known.add(t)
    }
    tags = defaultTags({
      version: facts.stamp.version,
      snapshot: facts.stamp.snapshot,
      shortCommit: facts.stamp.shortCommit,
      repositoryTags: [...known]
    })
  }
  const bad = tags.map(t => [t, tagProblem(t)] as const).filter(([, p]) => p)
  if (bad.length > 0) {
    throw new Error(bad.map(([t, p]) => `image-tags: "${t}" ${p}`).join('; '))
  }
  return [...new Set(tags)]
}
