import * as fs from 'node:fs'
import * as path from 'node:path'
import { writeArchive, type ArchiveEntry } from '../archive.js'
import type { Artifact } from '../artifacts.js'
import type { TargetPlan } from '../facts.js'
import { namingOf, type Context, type Stage } from '../context.js'
import { formatDuration, formatSize } from '../lib/format.js'
import { forEachLimit } from '../lib/concurrency.js'
import { archiveDirectoryOf, archiveNameOf, bareBinaryNameOf } from '../naming.js'

/** One reproducible archive per target (or the bare binaries), named by the name template. */
export const packageArchives: Stage = {
  name: 'packaging archives',
  async run(ctx) {
    const made: Artifact[][] = []
    // universal-binaries: replace ships the thin darwin binaries only inside darwin_all.
    const plans = ctx.facts.plans.filter(p => !(p.kind === 'go' && p.sliceOnly))
    await forEachLimit(plans, ctx.inputs.parallelism, async (plan, i) => {
      made[i] =
        plan.format === 'binary' ? copyBinaries(ctx, plan) : [await archiveTarget(ctx, plan)]
    })
    // Registered in target order, not finishing order, so outputs are the same every run.
    for (const artifact of made.flat()) ctx.artifacts.add(artifact)
  }
}

async function archiveTarget(ctx: Context, plan: TargetPlan): Promise<Artifact> {
  const { facts, inputs } = ctx
  const { target } = plan
  const started = ctx.ports.clock.now()
  const naming = namingOf(ctx)
  const directory = archiveDirectoryOf(naming, plan)
  const inside = (file: string): string => (directory ? `${directory}/${file}` : file)
  const entries: ArchiveEntry[] = [
    ...ctx.artifacts
      .byKind('binary', target.id)
      .map(b => ({ name: inside(b.name), source: b.path, mode: 0o755 })),
    ...facts.archiveFiles.map(f => ({ name: inside(f.name), source: f.source, mode: 0o644 }))
  ]
  const name = archiveNameOf(naming, plan)
  const dest = path.join(inputs.dist, name)
  const size = await writeArchive(
    plan.format as 'tar.gz' | 'tar.xz' | 'zip',
    entries,
    dest,
    new Date(facts.stamp.epoch * 1000)
  )
  ctx.log.info(
    `packed ${name} (${formatSize(size)}, ${entries.length} files) in ${formatDuration(ctx.ports.clock.now() - started)}`
  )
  return { kind: 'archive', path: dest, name, target, size }
}

/** archive: binary publishes each binary itself, renamed by the name template. */
function copyBinaries(ctx: Context, plan: TargetPlan): Artifact[] {
  const { facts, inputs } = ctx
  const { target } = plan
  return ctx.artifacts.byKind('binary', target.id).map(bin => {
    const name = bareBinaryNameOf(namingOf(ctx), target, bin.binary!)
    const dest = path.join(inputs.dist, name)
    fs.copyFileSync(bin.path, dest)
    fs.chmodSync(dest, 0o755)
    fs.utimesSync(dest, facts.stamp.epoch, facts.stamp.epoch)
    return {
      kind: 'archive',
      path: dest,
      name,
      target,
      binary: bin.binary,
      size: fs.statSync(dest).size
    }
  })
}
