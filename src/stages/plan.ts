import type { Stage } from '../context.js'
import { splitLegs } from '../plan.js'
import { formatTarget } from '../targets.js'
import { isGoPlan } from '../facts.js'
import { tableSection } from '../lib/summary-doc.js'

/** mode: plan — the matrix for the build legs, and the targets and version they all share. */
export const planLegs: Stage = {
  name: 'planning the legs',
  async run(ctx) {
    // darwin_all is not a target a leg can be given: the leg with both darwin slices makes it.
    const plans = ctx.facts.plans.filter(isGoPlan)
    const legs = splitLegs(plans, ctx.inputs)
    const outputs = ctx.ports.outputs
    outputs.setOutput('matrix', JSON.stringify({ include: legs }))
    outputs.setOutput('targets', plans.map(p => formatTarget(p.target)).join(','))
    outputs.setOutput('version', ctx.facts.stamp.version)
    for (const leg of legs) ctx.log.info(`leg ${leg.shard} on ${leg['runs-on']}: ${leg.targets}`)
    await outputs.writeSummary(
      tableSection(
        `go-xbuild plan: ${legs.length} legs, version ${ctx.facts.stamp.version}`,
        [['shard', 'runs-on', 'targets'], ...legs.map(l => [l.shard, l['runs-on'], l.targets])],
        [
          'Each leg builds its targets (mode: build); the publish job collects them (mode: publish).'
        ]
      )
    )
  }
}
