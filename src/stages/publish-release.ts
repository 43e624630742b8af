import * as fs from 'node:fs'
import { hashFile, type ChecksumAlgorithm } from '../checksums.js'
import { INPUT } from '../inputs/index.js'
import type { Stage } from '../context.js'
import type { LogPort } from '../ports/log.js'
import type { AssetInfo } from '../ports/release-api.js'
import {
  UPLOAD_CONCURRENCY,
  checkAssetNames,
  checkReleaseLimits,
  awaitedFiles,
  missingAssets,
  publishChecksums,
  uploadAsset,
  type AssetFile
} from '../release.js'
import { publishSignatures } from '../release-sign.js'
import { errorMessage } from '../lib/errors.js'
import { forEachLimit } from '../lib/concurrency.js'
import { formatSize } from '../lib/format.js'
import { bundleNameFor } from '../naming.js'

/**
 * Publishes to the release the preflight stage settled, in the one safe order: upload every asset
 * to the draft, merge the checksums files, read the assets back and verify them, then publish. A
 * failure leaves an unpublished draft and a summary of what is missing.
 */
export const publishRelease: Stage = {
  name: 'publishing the release',
  skip: ctx => (ctx.release ? undefined : 'nothing to publish (see "checking the release")'),
  async run(ctx) {
    const plan = ctx.release!
    const { inputs, log } = ctx
    const sleep = ctx.ports.clock.sleep
    const archives: AssetFile[] = ctx.artifacts.published().map(a => ({
      name: a.name,
      path: a.path,
      size: a.size ?? fs.statSync(a.path).size,
      sha256: a.digests!.sha256 ?? ''
    }))
    const checksums = ctx.artifacts.byKind('checksums').map((a, i) => ({
      name: a.name,
      path: a.path,
      algorithm: inputs.checksumAlgorithms[i]! as ChecksumAlgorithm
    }))
    const signatures = ctx.artifacts.byKind('signature')
    // release-files: uploaded as they are by the job that publishes, after every leg's files.
    const extras: AssetFile[] = []
    for (const e of ctx.facts.releaseExtras)
      extras.push({
        name: e.name,
        path: e.source,
        size: fs.statSync(e.source).size,
        sha256: (await hashFile(e.source, ['sha256'])).sha256
      })
    const nameProblems = checkAssetNames([
      ...archives,
      ...extras,
      ...[...checksums, ...signatures].map(c => ({
        name: c.name,
        path: c.path,
        size: 0,
        sha256: ''
      }))
    ])
    if (nameProblems.length > 0) {
      throw new Error(`release ${plan.tag}: asset names:\n  ${nameProblems.join('\n  ')}`)
    }
    // Archives hashed with sha512 only still need a sha256 to compare with GitHub's digests.
    for (const a of archives) if (!a.sha256) a.sha256 = (await hashFile(a.path, ['sha256'])).sha256

    const { release, created } = plan
    // Other jobs of the tag may have uploaded while this one built.
    const current = await plan.api.listAssets(release.id)
    const before = new Map(current.map(a => [a.name, a]))
    // Other legs may have added assets since the preflight listing: count again before uploading.
    const limitProblems = checkReleaseLimits(
      [...archives, ...extras, ...checksums, ...signatures],
      current
    )
    if (limitProblems.length > 0) {
      throw new Error(`release ${plan.tag}: nothing uploaded:\n  ${limitProblems.join('\n  ')}`)
    }
    const failures: string[] = []
    const uploadAll = async (files: readonly AssetFile[]): Promise<void> => {
      let done = 0
      await forEachLimit(files, UPLOAD_CONCURRENCY, async file => {
        try {
          const asset = await uploadAsset(
            plan.api,
            release,
            file,
            before.get(file.name),
            inputs.overwrite,
            sleep,
            log
          )
          done++
          log.info(`uploaded ${asset.name} (${formatSize(asset.size)}) [${done}/${files.length}]`)
        } catch (error) {
          failures.push(errorMessage(error))
        }
      })
    }
    await uploadAll(archives)
    const ownNames = new Set([...archives, ...extras, ...checksums, ...signatures].map(a => a.name))
    if (failures.length === 0) {
      // A leg without a fan-in job: publishing is the job of the leg that finds every leg's files.
      const listed = await plan.api.listAssets(release.id)
      const waiting = awaitedFiles(ctx.facts.releaseFiles, listed)
      if (waiting.length > 0 && missingAssets(listed, archives).length === 0) {
        log.info(
          `release ${plan.tag}: ${waiting.length} planned file${waiting.length === 1 ? ' is' : 's are'} not there yet (${waiting.join(', ')}); the leg that uploads the last one writes the checksums and publishes`
        )
        ctx.published.release = {
          id: release.id,
          url: release.htmlUrl,
          draft: release.draft,
          created,
          assets: listed.filter(a => ownNames.has(a.name)),
          waiting
        }
        return
      }
      // This leg completes the release: what other stages left for this moment (the image index).
      for (const step of ctx.beforePublishing ?? []) {
        try {
          await step.run()
        } catch (error) {
          failures.push(`${step.name}: ${errorMessage(error)}`)
        }
      }
      const digests = new Map(ctx.artifacts.published().map(a => [a.name, { ...a.digests }]))
      if (failures.length === 0) await uploadAll(extras)
      if (failures.length === 0) {
        try {
          // The listing above is as fresh as one made now: the merge starts from it.
          await publishChecksums(
            plan.api,
            release,
            checksums,
            archives,
            digests,
            sleep,
            log,
            listed,
            extras.map(e => e.name)
          )
          // Signed after the merge: the bundle must verify the checksums file the release holds.
          failures.push(...(await publishSignatures(ctx, plan)))
        } catch (error) {
          failures.push(errorMessage(error))
        }
      }
    }
    const assets = await plan.api.listAssets(release.id)
    if (signatures.length === 0) warnStaleBundles(checksums, before, assets, log)
    const problems = [
      ...failures,
      ...(failures.length === 0 ? missingAssets(assets, [...archives, ...extras]) : [])
    ]
    if (problems.length > 0) {
      // Another job may have published it meanwhile.
      const now = (await plan.api.listReleases()).find(r => r.id === release.id) ?? release
      await ctx.ports.outputs.writeSummary([
        { kind: 'heading', text: `go-xbuild release ${plan.tag}: not published` },
        { kind: 'list', items: problems.map(p => [p]) },
        {
          kind: 'paragraph',
          parts: now.draft
            ? [
                'The release stays an unpublished ',
                { text: 'draft', href: release.htmlUrl },
                '; run the job again to finish it.'
              ]
            : [
                'The ',
                { text: 'release', href: release.htmlUrl },
                ' was already published by an earlier run or another job.'
              ]
        }
      ])
      throw new Error(
        `release ${plan.tag}: ${problems.length} problem${problems.length === 1 ? '' : 's'}; ${now.draft ? 'the release stays a draft' : 'it is published; nothing more was changed'}:\n  ${problems.join('\n  ')}`
      )
    }

    let final = release
    if (release.draft && !inputs.draft) {
      final = await plan.api.updateRelease(release.id, {
        draft: false,
        // Pre-releases can never be the latest; GitHub refuses make_latest=true for them.
        ...(plan.prerelease ? {} : { make_latest: inputs.makeLatest })
      })
      log.info(`release ${plan.tag}: published ${final.htmlUrl}`)
    } else {
      log.info(
        `release ${plan.tag}: ${release.draft ? 'left a draft (draft: true)' : 'already published'}: ${final.htmlUrl}`
      )
    }
    ctx.published.release = {
      id: final.id,
      url: final.htmlUrl,
      draft: final.draft,
      created,
      // A draft's download URLs (…/download/untagged-…/) stop working once it is published:
      // the publishing answer lists the assets under the tag's URLs.
      assets: (final === release ? assets : final.assets).filter(a => ownNames.has(a.name))
    }
  }
}

/**
 * A cosign bundle an earlier run left on the release signs the checksums file as it was then: a
 * run without cosign-key that changed the file leaves a bundle that no longer verifies it. Warned,
 * not deleted: the bundle is the maintainer's, and re-running with the key replaces it.
 */
function warnStaleBundles(
  checksums: readonly { name: string }[],
  before: ReadonlyMap<string, AssetInfo>,
  after: readonly AssetInfo[],
  log: LogPort
): void {
  for (const c of checksums) {
    const bundle = after.find(a => a.name === bundleNameFor(c.name))
    const now = after.find(a => a.name === c.name)?.digest
    if (bundle && now && before.get(c.name)?.digest !== now) {
      log.warning(
        `${bundle.name} on the release signs an earlier ${c.name}; this run changed ${c.name} without ${INPUT.cosignKey}, so the bundle no longer verifies it: run again with ${INPUT.cosignKey}, or delete ${bundle.name}`
      )
    }
  }
}
