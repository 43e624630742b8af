import type { Stage } from '../context.js'
import { checkReleaseLimits } from '../release.js'

/**
 * GitHub's 2 GiB-per-asset and 1000-assets-per-release limits, checked once the archives and
 * checksums exist and before anything is uploaded (workflow artifact included), against the
 * release as the preflight stage found it. The release stage checks the count again with a
 * fresh listing right before its uploads.
 */
export const releaseLimits: Stage = {
  name: 'checking release limits',
  skip: ctx => (ctx.release ? undefined : 'nothing to publish'),
  async run(ctx) {
    const plan = ctx.release!
    // SBOMs too: they are release assets like the archives.
    const files = ctx.artifacts.handedOn()
    const problems = checkReleaseLimits(files, plan.release.assets)
    if (problems.length > 0) {
      throw new Error(`release ${plan.tag}: nothing uploaded:\n  ${problems.join('\n  ')}`)
    }
    ctx.log.info(
      `release ${plan.tag}: ${files.length} files within GitHub's limits (under 2 GiB each, at most 1000 assets)`
    )
  }
}
