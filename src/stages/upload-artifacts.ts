import * as fs from 'node:fs'
import * as path from 'node:path'
import { INPUT } from '../inputs/index.js'
import type { Stage } from '../context.js'
import { fingerprintOf, serializeFingerprint } from '../fingerprint.js'
import { formatSize } from '../lib/format.js'
import { artifactNameFor, LEG_FINGERPRINT_FILE } from '../naming.js'

/**
 * Uploads the archives, SBOMs, checksums files and their signatures as one workflow artifact of
 * this job; a matrix leg adds its fingerprint, which the publish job compares with the other legs'.
 */
export const uploadArtifacts: Stage = {
  name: 'uploading workflow artifacts',
  skip(ctx) {
    if (!ctx.inputs.uploadArtifacts) return `${INPUT.uploadArtifacts} is false`
    return ctx.ports.artifacts.unavailable() || undefined
  },
  async run(ctx) {
    const name =
      ctx.inputs.artifactName ||
      artifactNameFor(
        ctx.facts.projectName,
        ctx.inputs.shard,
        ctx.facts.plans.map(p => p.target.id)
      )
    const files = ctx.artifacts.handedOn().map(a => a.path)
    if (!ctx.facts.wholeRelease) {
      // Not an artifact of the registry: it is never published, hashed or attested.
      const record = path.join(ctx.inputs.dist, LEG_FINGERPRINT_FILE)
      fs.writeFileSync(record, serializeFingerprint(fingerprintOf(ctx.inputs, ctx.facts)))
      files.push(record, ...(ctx.legFiles ?? []))
    }
    const uploaded = await ctx.ports.artifacts.upload(
      name,
      files,
      ctx.inputs.dist,
      ctx.inputs.retentionDays
    )
    ctx.published.artifactIds.push(uploaded.id)
    ;(ctx.published.artifacts ??= []).push({ id: uploaded.id, name })
    ctx.log.info(
      `artifact ${name}: ${files.length} files, ${formatSize(uploaded.size)}, id ${uploaded.id}${uploaded.replaced ? ' (replaced the one an earlier attempt of this run uploaded)' : ''}`
    )
  }
}
