import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import type { ChecksumAlgorithm } from './checksums.js'
import { formatChecksums } from './checksums.js'
import { INPUT, type Inputs } from './inputs/index.js'
import type { LogPort } from './ports/log.js'
import { ApiError, type AssetInfo, type ReleaseApi, type ReleaseInfo } from './ports/release-api.js'
import { errorMessage } from './lib/errors.js'
import { describeSize } from './lib/format.js'
import { isForkPullRequest } from './lib/run-event.js'
import { bundleNameFor } from './naming.js'
import { renderTemplate, type TemplateValues } from './template.js'

/** What the preflight stage found or created; the release stage publishes to it. */
export interface ReleasePlan {
  api: ReleaseApi
  tag: string
  prerelease: boolean
  /** the release every job of the tag uses (a draft this run created, or one found) */
  release: ReleaseInfo
  /** this run created the release */
  created: boolean
}

/** A file to publish: its asset name, path, size and sha256. */
export interface AssetFile {
  name: string
  path: string
  size: number
  sha256: string
}

/** What a run published. */
export interface PublishedRelease {
  id: number
  url: string
  draft: boolean
  /** this run created the release */
  created: boolean
  /** the assets this run uploaded or kept */
  assets: AssetInfo[]
  /** a self-publishing matrix leg: the planned files not on the release yet (other legs') */
  waiting?: string[]
}

/** Names GitHub stores as given: other characters are renamed (github-runtime.md). */
const ASSET_NAME = /^[A-Za-z0-9_+-][A-Za-z0-9._+-]*[A-Za-z0-9_+-]$|^[A-Za-z0-9_+-]$/

/** Attempts of one upload (5xx, resets, starter leftovers) before it counts as failed. */
export const UPLOAD_ATTEMPTS = 5
/** Uploads running at once. */
export const UPLOAD_CONCURRENCY = 4
/**
 * GitHub's release limits ("About releases" in GitHub's docs): each file must be under 2 GiB, and
 * a release holds at most 1000 assets. Uploads past them fail halfway through; check before any.
 */
export const MAX_ASSET_BYTES = 2 * 1024 ** 3
/** See MAX_ASSET_BYTES. */
export const MAX_RELEASE_ASSETS = 1000

/**
 * Problems with GitHub's release limits for `files` (sizes where known) on a release that holds
 * `existing`: a file of 2 GiB or more, or more than 1000 assets afterwards (a file replacing an
 * asset of its name counts once).
 */
export function checkReleaseLimits(
  files: readonly { name: string; size?: number }[],
  existing: readonly { name: string }[],
  limits = { bytes: MAX_ASSET_BYTES, assets: MAX_RELEASE_ASSETS }
): string[] {
  const problems: string[] = []
  for (const f of files) {
    if (f.size !== undefined && f.size >= limits.bytes) {
      problems.push(
        `${f.name} is ${describeSize(f.size)}; GitHub refuses release assets of ${describeSize(limits.bytes)} or more`
      )
    }
  }
  const before = new Set(existing.map(a => a.name))
  const added = new Set(files.map(f => f.name).filter(n => !before.has(n)))
  const total = before.size + added.size
  if (total > limits.assets) {
    problems.push(
      `the release would hold ${total} assets (${before.size} there already, ${added.size} new); GitHub allows at most ${limits.assets}`
    )
  }
  return problems
}

/** Rounds of the checksums merge (each: list, compare, upload) before giving up. */
const CHECKSUM_ROUNDS = 20

/** The release tag of a run: the input, else the ref's tag, else '' (no release). */
export function releaseTagOf(input: string, ref: string | undefined): string {
  if (input) return input
  return ref?.startsWith('refs/tags/') ? ref.slice('refs/tags/'.length) : ''
}

/** The reason a run whose release would be from a fork's pull request does not publish. */
export const FORK_PULL_REQUEST = 'pull request from a fork'

/**
 * Why this run publishes no release, or undefined when it does: release false, a matrix leg
 * without release: true, no tag (with auto), no token (with auto), a fork's pull request.
 */
export function whyNoRelease(
  inputs: Pick<Inputs, 'release' | 'releaseTag' | 'githubToken'>,
  env: Readonly<Record<string, string | undefined>>,
  wholeRelease: boolean
): string | undefined {
  if (inputs.release === 'false') return `${INPUT.release} is false`
  // A matrix leg's release: auto stays off: the fan-in (or a leg told release: true) publishes.
  if (!wholeRelease && inputs.release === 'auto') {
    return `a ${INPUT.mode}: build leg publishes only with ${INPUT.release}: true`
  }
  const tag = releaseTagOf(inputs.releaseTag, env.GITHUB_REF)
  if (!tag) {
    return inputs.release === 'auto'
      ? 'the ref is not a tag (release: auto publishes tag runs)'
      : undefined
  }
  if (!inputs.githubToken && inputs.release === 'auto') return `no ${INPUT.githubToken} given`
  if (isForkPullRequest(env)) return FORK_PULL_REQUEST
  return undefined
}

/** True when the tag's semver version has a pre-release part (v1.2.0-rc.1, cmd/tool/v1.2.0-rc.1). */
export function isPrereleaseTag(tag: string): boolean {
  // Go submodule tags carry the module folder: cmd/tool/v1.2.0-rc.1.
  const version = tag.slice(tag.lastIndexOf('/') + 1)
  return /^v?\d+\.\d+\.\d+-[0-9A-Za-z.-]+(\+[0-9A-Za-z.-]+)?$/.test(version)
}

/** Problems with asset names GitHub would rename or refuse. */
export function checkAssetNames(files: readonly AssetFile[]): string[] {
  const problems: string[] = []
  const seen = new Set<string>()
  for (const f of files) {
    if (!ASSET_NAME.test(f.name)) {
      problems.push(
        `"${f.name}": GitHub would rename it (use letters, digits, ".", "_", "+", "-", no leading or trailing ".")`
      )
    }
    if (seen.has(f.name)) problems.push(`"${f.name}" would be uploaded twice`)
    seen.add(f.name)
  }
  return problems
}

/** Releases of the tag, drafts included, lowest id first. */
async function releasesOf(api: ReleaseApi, tag: string): Promise<ReleaseInfo[]> {
  return (await api.listReleases()).filter(r => r.tagName === tag).sort((a, b) => a.id - b.id)
}

/** The release every job of a tag converges on: the published one, else the oldest draft. */
export function chooseRelease(candidates: readonly ReleaseInfo[]): ReleaseInfo | undefined {
  const sorted = [...candidates].sort((a, b) => a.id - b.id)
  return sorted.find(r => !r.draft) ?? sorted[0]
}

/**
 * Finds the tag's release by listing (get-by-tag hides drafts and lags after a create) or creates
 * a draft. Concurrent jobs can each create one: every job then converges on the same release
 * (chooseRelease) and removes the draft it created if that is not the one and still empty.
 * `names` are the assets this run publishes: a published immutable release that holds every one
 * of them complete is an earlier attempt that published and was then killed (issue 13), and a
 * re-run must be able to finish green; the publish stage then only compares their bytes.
 */
export async function findOrCreateRelease(
  api: ReleaseApi,
  tag: string,
  create: () => Omit<Parameters<ReleaseApi['createRelease']>[0], 'tag_name'>,
  log: LogPort,
  names: readonly string[] = []
): Promise<{ release: ReleaseInfo; created: boolean }> {
  const existing = chooseRelease(await releasesOf(api, tag))
  if (existing) {
    const missing = awaitedFiles(names, existing.assets)
    if (!existing.draft && existing.immutable && names.length > 0 && missing.length === 0) {
      log.info(
        `release ${tag}: ${describe(existing)} holds every file of this run already; their bytes are compared after the build`
      )
      return { release: existing, created: false }
    }
    if (!existing.draft && existing.immutable) {
      throw new Error(
        `release ${tag}: ${existing.htmlUrl} is published and immutable: its assets cannot be added or replaced; release a new tag`
      )
    }
    // A write that changes nothing: the token's permission shows before anything is built.
    await api.updateRelease(existing.id, {})
    log.info(`release ${tag}: found ${describe(existing)}`)
    return { release: existing, created: false }
  }
  let mine: ReleaseInfo | undefined
  try {
    mine = await api.createRelease({ tag_name: tag, ...create(), draft: true })
    log.info(`release ${tag}: created draft ${mine.id}`)
  } catch (error) {
    // A published release of the tag appeared since the listing: another job won the race.
    if (!(
      error instanceof ApiError &&
      error.status === 422 &&
      error.codes.includes('already_exists')
    ))
      throw error
    log.info(`release ${tag}: another job published it meanwhile`)
  }
  const chosen = chooseRelease(await releasesOf(api, tag))
  if (!chosen) throw new Error(`release ${tag}: created, but the release list does not show it`)
  if (mine && chosen.id !== mine.id) {
    log.info(
      `release ${tag}: another job created ${chosen.id} first; using it and deleting draft ${mine.id}`
    )
    const assets = await api.listAssets(mine.id)
    if (assets.length === 0) await api.deleteRelease(mine.id)
  }
  return { release: chosen, created: mine?.id === chosen.id }
}

function describe(r: ReleaseInfo): string {
  return `${r.draft ? 'draft' : 'published release'} ${r.id}${r.immutable ? ' (immutable)' : ''} with ${r.assets.length} assets`
}

/** `sha256:<hex>` → hex, or undefined. */
function sha256Of(asset: AssetInfo): string | undefined {
  return asset.digest?.startsWith('sha256:') ? asset.digest.slice(7) : undefined
}

/** True when the stored asset is complete and has the file's bytes (by size, and digest where given). */
export function sameAsset(asset: AssetInfo, file: AssetFile): boolean {
  if (asset.state !== 'uploaded' || asset.size !== file.size) return false
  const digest = sha256Of(asset)
  return digest === undefined || digest === file.sha256
}

/** Sleeps between upload attempts: 0.5 s, 1 s, 2 s, … (scaled by `baseMs`/1000). */
export type Sleep = (ms: number) => Promise<void>

/**
 * Uploads one file so that afterwards exactly one complete asset of its name holds its bytes.
 * Retries 5xx and network errors (after which a `starter` leftover or an upload that did land may
 * be there: list, then delete or accept); never retries other 4xx. `existing` is what a listing
 * showed before. The overwrite policy applies to complete assets with other bytes.
 */
export async function uploadAsset(
  api: ReleaseApi,
  release: ReleaseInfo,
  file: AssetFile,
  existing: AssetInfo | undefined,
  overwrite: Inputs['overwrite'],
  sleep: Sleep,
  log: LogPort
): Promise<AssetInfo> {
  let current = existing
  for (let attempt = 1; ; attempt++) {
    if (current) {
      if (sameAsset(current, file)) {
        if (overwrite === 'fail' && current === existing) {
          throw new Error(`${file.name}: the release already has it (overwrite: fail)`)
        }
        return current
      }
      if (current.state === 'uploaded' && current === existing && overwrite !== 'replace') {
        throw new Error(
          `${file.name}: the release has an asset of this name with other bytes (size ${current.size}, ${current.digest ?? 'no digest'}); overwrite: ${overwrite} keeps it`
        )
      }
      // A leftover of a failed upload, or replaced by policy.
      log.info(`${file.name}: deleting the ${current.state} asset ${current.id} to upload it again`)
      await api.deleteAsset(current.id).catch((error: unknown) => {
        if (!(error instanceof ApiError && error.status === 404)) throw error
      })
    }
    try {
      const asset = await api.uploadAsset(release, file.name, file.path)
      if (!sameAsset(asset, file)) {
        throw new Error(
          `${file.name}: stored as ${asset.name} with ${asset.size} bytes, ${asset.digest ?? 'no digest'}, state ${asset.state}; expected ${file.size} bytes, sha256:${file.sha256}`
        )
      }
      return asset
    } catch (error) {
      const status = error instanceof ApiError ? error.status : -1
      const retryable = status === 0 || status >= 500
      const duplicate = status === 422
      if ((!retryable && !duplicate) || attempt >= UPLOAD_ATTEMPTS) {
        throw new Error(
          `${file.name}: upload failed${attempt > 1 ? ` after ${attempt} attempts` : ''}: ${errorMessage(error)}`,
          { cause: error }
        )
      }
      log.info(
        `${file.name}: attempt ${attempt} failed (${errorMessage(error)}); checking the release`
      )
      if (retryable) await sleep(500 * 2 ** (attempt - 1))
      // The failed attempt may have left a starter, or landed after all; a 422 means a same-named asset exists.
      current = (await api.listAssets(release.id)).find(a => a.name === file.name)
      if (duplicate && !current) {
        // Not about this name (an immutable release, say): trying again cannot help.
        throw new Error(`${file.name}: upload refused: ${errorMessage(error)}`, { cause: error })
      }
    }
  }
}

/**
 * Uploads the checksums files so that each covers every asset of the release (assets of earlier
 * legs or runs included), merging instead of clobbering. Several jobs may do this at once; each
 * repeats until the file on the release matches a listing made after its own write, so the last
 * writer's file covers everything.
 */
export async function publishChecksums(
  api: ReleaseApi,
  release: ReleaseInfo,
  checksums: readonly { name: string; path: string; algorithm: ChecksumAlgorithm }[],
  own: readonly AssetFile[],
  ownDigests: ReadonlyMap<string, Partial<Record<ChecksumAlgorithm, string>>>,
  sleep: Sleep,
  log: LogPort,
  /** a listing made after this job's uploads, to serve as the first round's */
  listed?: readonly AssetInfo[],
  /** assets no checksums file lists: the release-files, as in GoReleaser */
  leaveOut: readonly string[] = []
): Promise<void> {
  // Their cosign bundles sign them: a checksums file never lists them either.
  const names = new Set([...checksums.flatMap(c => [c.name, bundleNameFor(c.name)]), ...leaveOut])
  const downloaded = new Map<number, Buffer>()
  const digestOf = async (asset: AssetInfo, algorithm: ChecksumAlgorithm): Promise<string> => {
    const mine = ownDigests.get(asset.name)?.[algorithm]
    const ownFile = own.find(f => f.name === asset.name)
    if (mine && ownFile && sameAsset(asset, ownFile)) return mine
    if (algorithm === 'sha256' && sha256Of(asset)) return sha256Of(asset)!
    let bytes = downloaded.get(asset.id)
    if (!bytes) {
      bytes = await api.downloadAsset(asset.id)
      downloaded.set(asset.id, bytes)
    }
    return createHash(algorithm).update(bytes).digest('hex')
  }
  for (let round = 1; round <= CHECKSUM_ROUNDS; round++) {
    const assets = round === 1 && listed ? listed : await api.listAssets(release.id)
    const covered = assets.filter(a => !names.has(a.name) && a.state === 'uploaded')
    let stable = true
    for (const c of checksums) {
      const lines = []
      for (const asset of covered)
        lines.push({ name: asset.name, digest: await digestOf(asset, c.algorithm) })
      const text = formatChecksums(lines)
      const file: AssetFile = {
        name: c.name,
        path: c.path,
        size: Buffer.byteLength(text),
        sha256: createHash('sha256').update(text).digest('hex')
      }
      const onRelease = assets.find(a => a.name === c.name)
      if (onRelease && sameAsset(onRelease, file) && sha256Of(onRelease) !== undefined) continue
      if (
        onRelease &&
        sameAsset(onRelease, file) &&
        (await api.downloadAsset(onRelease.id)).toString() === text
      ) {
        continue
      }
      stable = false
      fs.writeFileSync(c.path, text)
      log.info(
        `${c.name}: ${covered.length} lines (${covered.length - own.length} from other jobs or runs)`
      )
      // Checksums always replace: the merged file is a superset of what was there.
      try {
        await uploadAsset(api, release, file, onRelease, 'replace', sleep, log)
      } catch (error) {
        // Another job wrote its checksums file between this one's delete and upload: not a
        // fault; list again next round, after a random pause so the jobs fall out of step.
        const cause = (error as Error).cause
        if (!(cause instanceof ApiError && cause.status === 422)) throw error
        log.info(`${c.name}: another job is writing it too; merging again`)
        await sleep(250 + Math.random() * 750)
      }
    }
    if (stable) return
  }
  throw new Error(
    `checksums: the release's assets kept changing for ${CHECKSUM_ROUNDS} rounds; run the job again`
  )
}

/**
 * The files of the release (`releaseFiles`: every leg's, for a leg without a fan-in job) that are
 * not complete assets yet: the release waits for them before its checksums and publication.
 */
export function awaitedFiles(
  releaseFiles: readonly string[],
  assets: readonly AssetInfo[]
): string[] {
  const complete = new Set(assets.filter(a => a.state === 'uploaded').map(a => a.name))
  return releaseFiles.filter(name => !complete.has(name))
}

/**
 * Reads the asset list back and returns what is missing or wrong: every file must be there,
 * complete, with its size and digest.
 */
export function missingAssets(assets: readonly AssetInfo[], files: readonly AssetFile[]): string[] {
  const problems: string[] = []
  for (const file of files) {
    const asset = assets.find(a => a.name === file.name)
    if (!asset) problems.push(`${file.name}: not on the release`)
    else if (!sameAsset(asset, file)) {
      problems.push(
        `${file.name}: ${asset.state}, ${asset.size} bytes, ${asset.digest ?? 'no digest'} (expected ${file.size} bytes, sha256:${file.sha256})`
      )
    }
  }
  return problems
}

/** The title and the text around the notes of a release this run creates, rendered. */
export interface ReleaseText {
  title: string
  header: string
  footer: string
}

/**
 * Renders release-name (the tag when empty), release-header and release-footer with the
 * release's fields; problems name the input. The title must be one line.
 */
export function renderReleaseText(
  templates: { releaseName: string; releaseHeader: string; releaseFooter: string },
  tag: string,
  values: TemplateValues,
  problems: string[]
): ReleaseText {
  const render = (input: string, template: string): string => {
    if (template === '') return ''
    try {
      return renderTemplate(template, values)
    } catch (error) {
      problems.push(`${input}: ${errorMessage(error)}`)
      return ''
    }
  }
  const title = render(INPUT.releaseName, templates.releaseName).trim() || tag
  if (title.length > 1000 || /[\r\n]/.test(title))
    problems.push(
      `${INPUT.releaseName}: "${title.slice(0, 80)}" is not one line of at most 1000 characters`
    )
  return {
    title,
    header: render(INPUT.releaseHeader, templates.releaseHeader),
    footer: render(INPUT.releaseFooter, templates.releaseFooter)
  }
}

/** The body: header, notes and footer, each separated by a blank line; empty parts left out. */
export function releaseBody(header: string, notes: string, footer: string): string {
  return [header, notes, footer]
    .map(part => part.trim())
    .filter(Boolean)
    .join('\n\n')
}
