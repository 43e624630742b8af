import * as fs from 'node:fs'
import * as path from 'node:path'
import type { Artifact } from '../artifacts.js'
import { builtFor } from '../facts.js'
import { INPUT } from '../inputs/index.js'
import { writeUniversalBinary } from '../macho-fat.js'
import type { Stage } from '../context.js'
import { TargetError, errorMessage } from '../lib/errors.js'
import { formatSize } from '../lib/format.js'

/** Joins each binary's darwin/amd64 and darwin/arm64 builds into one fat Mach-O (`darwin_all`). */
export const makeUniversalBinaries: Stage = {
  name: 'making universal binaries',
  skip: ctx =>
    ctx.facts.plans.some(p => p.kind === 'universal')
      ? undefined
      : `${INPUT.universalBinaries} is false`,
  async run(ctx) {
    const { facts, inputs } = ctx
    for (const plan of facts.plans) {
      if (plan.kind !== 'universal') continue
      const dir = path.join(inputs.dist, plan.target.id)
      fs.mkdirSync(dir, { recursive: true })
      // A binary built for only one of the slices has no universal build.
      for (const binary of facts.binaries.filter(b => plan.slices.every(t => builtFor(b, t)))) {
        const slices = plan.slices.map(t => {
          const thin = ctx.artifacts.byKind('binary', t.id).find(a => a.binary === binary.name)
          if (!thin) throw new TargetError(plan.target.id, `no ${t.id} build of ${binary.name}`)
          return thin
        })
        const dest = path.join(dir, slices[0]!.name)
        fs.mkdirSync(path.dirname(dest), { recursive: true })
        try {
          const archs = writeUniversalBinary(
            slices.map(s => s.path),
            dest
          )
          fs.chmodSync(dest, 0o755)
          fs.utimesSync(dest, facts.stamp.epoch, facts.stamp.epoch)
          const size = fs.statSync(dest).size
          ctx.log.info(
            `joined ${slices.map(s => s.target!.id).join(' + ')} ${binary.name} into ${plan.target.id} (${formatSize(size)}, slices at ${archs.map(a => a.offset).join(', ')})`
          )
          const artifact: Artifact = {
            kind: 'binary',
            path: dest,
            name: slices[0]!.name,
            target: plan.target,
            binary: binary.name,
            size
          }
          ctx.artifacts.add(artifact)
        } catch (error) {
          throw new TargetError(plan.target.id, `${binary.name}: ${errorMessage(error)}`, {
            cause: error
          })
        }
      }
    }
  }
}
