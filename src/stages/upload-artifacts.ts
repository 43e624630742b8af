import { createHash } from 'node:crypto'
import { INPUT, type Inputs } from '../inputs.js'
import type { Context, Stage } from '../context.js'
import { projectNameOf } from './resolve.js'
import { formatSize } from '../lib/format.js'

/** Uploads the archives, SBOMs, checksums files and their signatures as one workflow artifact of this job. */
export const uploadArtifacts: Stage = {
  name: 'uploading workflow artifacts',
  skip(ctx) {
    if (!ctx.inputs.uploadArtifacts) return `${INPUT.uploadArtifacts} is false`
    return ctx.ports.artifacts.unavailable() || undefined
  },
  async run(ctx) {
    const name = ctx.inputs.artifactName || artifactNameFor(ctx)
    const files = [
      ...ctx.artifacts.published(),
      ...ctx.artifacts.byKind('checksums'),
      ...ctx.artifacts.byKind('signature')
    ].map(a => a.path)
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

/**
 * `<project>_shard-<shard>` for a matrix leg; otherwise `<project>_<target ids>`, long lists
 * `<project>_<n>-targets-<hash>`.
 */
export function artifactNameFor(
  ctx: Pick<Context, 'facts'> & { inputs: Pick<Inputs, 'shard'> }
): string {
  const project = projectNameOf(ctx.facts.modulePath)
  // A matrix leg: named for its shard, which the publish job looks for.
  if (ctx.inputs.shard) return `${project}_shard-${ctx.inputs.shard}`
  const ids = ctx.facts.plans.map(p => p.target.id)
  const joined = `${project}_${ids.join('-')}`
  if (joined.length <= 100) return joined
  const hash = createHash('sha256').update(ids.join(',')).digest('hex').slice(0, 8)
  return `${project}_${ids.length}-targets-${hash}`
}
