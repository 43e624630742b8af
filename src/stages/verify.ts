import { readBinaryHeader, checkHeader, checkUniversalHeader } from '../binary-header.js'
import { INPUT } from '../inputs/index.js'
import type { Stage } from '../context.js'
import * as fs from 'node:fs'
import { TargetError, errorMessage } from '../lib/errors.js'
import { describeSize } from '../lib/format.js'

/** Reads every binary's header and fails when it was not built for its target or is over max-binary-size. */
export const verify: Stage = {
  name: 'verifying binaries',
  async run(ctx) {
    const problems: string[] = []
    for (const artifact of ctx.artifacts.byKind('binary')) {
      const target = artifact.target!
      const max = ctx.inputs.maxBinarySize
      const size = artifact.size ?? fs.statSync(artifact.path).size
      if (max !== undefined && size > max) {
        problems.push(
          new TargetError(
            target.id,
            `${artifact.name} is ${describeSize(size)}, larger than ${INPUT.maxBinarySize} ${describeSize(max)}`
          ).message
        )
      }
      try {
        const header = await readBinaryHeader(artifact.path)
        const plan = ctx.facts.plans.find(p => p.target.id === target.id)
        const slices = plan?.kind === 'universal' ? plan.slices : undefined
        const mismatch = slices
          ? checkUniversalHeader(
              header,
              slices.map(t => t.goarch)
            )
          : checkHeader(header, target.goos, target.goarch)
        if (mismatch) {
          problems.push(new TargetError(target.id, `${artifact.name} ${mismatch}`).message)
          continue
        }
        // cgo-link: static promised a binary that needs nothing of the system it runs on.
        const link = plan?.kind === 'go' ? plan.cgo.static : undefined
        if (link && (header.dynamic || (header.needed ?? 0) > 0)) {
          problems.push(
            new TargetError(
              target.id,
              `${artifact.name} is still dynamically linked (${header.dynamic ? `interpreter ${header.interpreter}` : `${header.needed} shared libraries needed`}) though ${INPUT.cgoLink} is static: the C linker ignored -static (a ${link === 'given' ? 'cc' : 'compiler'} that drops it, or -extldflags in ldflags without it)`
            ).message
          )
          continue
        }
        if (header.dynamic) {
          artifact.interpreter = header.interpreter
          ctx.log.notice(
            `${target.id}/${artifact.name} is dynamically linked (interpreter ${header.interpreter}): it runs only where a compatible C library is installed`
          )
        }
        ctx.log.info(
          `${target.id} ${artifact.name}: ${header.format} ${header.goarch}${header.dynamic ? ', dynamic' : ', static'}`
        )
      } catch (error) {
        problems.push(
          new TargetError(target.id, `${artifact.name}: ${errorMessage(error)}`).message
        )
      }
    }
    if (problems.length > 0) throw new Error(`binary verification failed:\n${problems.join('\n')}`)
  }
}
