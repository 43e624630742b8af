import * as fs from 'node:fs'
import * as path from 'node:path'
import { writeArchive, type ArchiveEntry, type ArchiveFormat } from '../archive.js'
import { binaryMember, type PlannedArchive } from '../archive-sets.js'
import type { Artifact } from '../artifacts.js'
import type { TargetPlan } from '../facts.js'
import { namingOf, type Context, type Stage } from '../context.js'
import { formatDuration, formatSize } from '../lib/format.js'
import { forEachLimit } from '../lib/concurrency.js'
import { archiveDirectoryOf, archiveNameOf, bareBinaryNameOf } from '../naming.js'
import { wasmExecDir } from '../targets.js'

/** One reproducible archive per target and archive set (or the bare binaries), named by its set. */
export const packageArchives: Stage = {
  name: 'packaging archives',
  async run(ctx) {
    // universal-binaries: replace ships the thin darwin binaries only inside darwin_all.
    const jobs = ctx.facts.plans
      .filter(p => !(p.kind === 'go' && p.sliceOnly))
      .flatMap(plan => plan.archives.map(archive => ({ plan, archive })))
    const made: Artifact[][] = []
    await forEachLimit(jobs, ctx.inputs.parallelism, async ({ plan, archive }, i) => {
      made[i] =
        archive.format === 'binary'
          ? copyBinaries(ctx, plan, archive)
          : [await archiveTarget(ctx, plan, archive)]
    })
    // Registered in target order, not finishing order, so outputs are the same every run.
    for (const artifact of made.flat()) ctx.artifacts.add(artifact)
  }
}

/** The binaries of a target that a planned archive holds, in build order. */
function binariesOf(ctx: Context, plan: TargetPlan, archive: PlannedArchive): Artifact[] {
  return ctx.artifacts
    .byKind('binary', plan.target.id)
    .filter(b => archive.binaries.includes(b.binary!))
}

async function archiveTarget(
  ctx: Context,
  plan: TargetPlan,
  archive: PlannedArchive
): Promise<Artifact> {
  const { facts, inputs } = ctx
  const { target } = plan
  const started = ctx.ports.clock.now()
  const naming = namingOf(ctx)
  const directory = archiveDirectoryOf(naming, target, archive)
  const set = inputs.archiveSets[archive.set]!
  const inside = (file: string): string => (directory ? `${directory}/${file}` : file)
  const entries: ArchiveEntry[] = [
    ...binariesOf(ctx, plan, archive).map(b => ({
      name: inside(binaryMember(set, b.name)),
      source: b.path,
      mode: 0o755
    })),
    ...(facts.archiveFiles[archive.set] ?? []).map(f => ({
      name: inside(f.name),
      source: f.source,
      mode: f.mode
    }))
  ]
  // js/wasm runs only with the glue of the Go that built it: its wasm_exec.js goes along,
  // unless the archive files already hold one.
  if (target.goos === 'js' && target.goarch === 'wasm') {
    const glue = inside('wasm_exec.js')
    const dir = wasmExecDir(facts.go.goroot, fs.existsSync)
    if (!dir)
      ctx.log.warning(
        `${target.id}: ${facts.go.goroot} has no lib/wasm/wasm_exec.js; the archive goes without it`
      )
    else if (!entries.some(e => e.name === glue))
      entries.push({ name: glue, source: path.join(dir, 'wasm_exec.js'), mode: 0o644 })
  }
  const name = archiveNameOf(naming, target, archive)
  const dest = path.join(inputs.dist, name)
  const size = await writeArchive(
    archive.format as ArchiveFormat,
    entries,
    dest,
    new Date(facts.stamp.epoch * 1000)
  )
  ctx.log.info(
    `packed ${name} (${formatSize(size)}, ${entries.length} files) in ${formatDuration(ctx.ports.clock.now() - started)}`
  )
  return { kind: 'archive', path: dest, name, target, size, holds: [...archive.binaries] }
}

/** Format binary publishes each binary itself, renamed by its set's name template. */
function copyBinaries(ctx: Context, plan: TargetPlan, archive: PlannedArchive): Artifact[] {
  const { facts, inputs } = ctx
  const { target } = plan
  return binariesOf(ctx, plan, archive).map(bin => {
    const name = bareBinaryNameOf(namingOf(ctx), target, archive, bin.binary!)
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
      holds: [bin.binary!],
      size: fs.statSync(dest).size
    }
  })
}
