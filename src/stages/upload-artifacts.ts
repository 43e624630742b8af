import { INPUT } from '../inputs/index.js'
import type { Stage } from '../context.js'
import { formatSize } from '../lib/format.js'
import { artifactNameFor } from '../naming.js'

/** Uploads the archives, SBOMs, checksums files and their signatures as one workflow artifact of this job. */
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
    const uploaded = await ctx.ports.artifacts.upload(
      name,
      files,
      ctx.inputs.dist,
      ctx.inputs.retentionDays
    )
    ctx.published.artifactIds.push(uploaded.id)
    ctx.log.info(
      `artifact ${name}: ${files.length} files, ${formatSize(uploaded.size)}, id ${uploaded.id}${uploaded.replaced ? ' (replaced the one an earlier attempt of this run uploaded)' : ''}`
    )
  }
}
