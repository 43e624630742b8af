import * as fs from 'node:fs'
import * as path from 'node:path'
import type { Artifact } from '../artifacts.js'
import { baseEnv } from '../build-env.js'
import { INPUT } from '../inputs/index.js'
import type { Context, Stage } from '../context.js'
import { parseBuildInfo, renderSbom, type GoBuildInfo } from '../sbom.js'
import { TargetError } from '../lib/errors.js'
import { tail } from '../lib/format.js'
import { forEachLimit } from '../lib/concurrency.js'
import { sbomNameFor } from '../naming.js'

/** The tool named in every SBOM's metadata. */
const TOOL = 'go-xbuild-action'

const skip = (ctx: Context): string | undefined =>
  ctx.inputs.sbom.length === 0 ? `${INPUT.sbom} is false` : undefined

/**
 * Reads the Go build info embedded in every binary (`go version -m -json`), fat darwin_all
 * binaries included, before UPX compresses any: Go cannot read it from a packed binary.
 */
export const readBuildInfos: Stage = {
  name: 'reading build info',
  skip,
  async run(ctx) {
    const env = baseEnv(ctx.ports.env, ctx.inputs.env)
    const infos = new Map<string, GoBuildInfo>()
    await forEachLimit(ctx.artifacts.byKind('binary'), ctx.inputs.parallelism, async bin => {
      infos.set(bin.path, await readBuildInfo(ctx, env, bin))
    })
    ctx.buildInfos = infos
  }
}

/**
 * One SBOM per published file and format, from the Go build info embedded in its binaries
 * (read by readBuildInfos): no extra tool, and the module list is what was linked, not what
 * go.mod asks for.
 */
export const writeSboms: Stage = {
  name: 'writing SBOMs',
  skip,
  async run(ctx) {
    const infos = ctx.buildInfos
    if (!infos) throw new Error('internal: SBOMs written before the build info was read')
    const binaries = ctx.artifacts.byKind('binary')
    const made: Artifact[] = []
    for (const file of ctx.artifacts.files()) {
      const target = file.target!
      const contents = ctx.artifacts.binariesIn(file)
      const subject = {
        published: file.name,
        // A bare binary is published under its templated name; inside an archive it keeps its own.
        binaries: contents.map(b => {
          const info = infos.get(b.path)
          if (!info) throw new Error(`internal: no build info read from ${b.path}`)
          return { file: file.binary === undefined ? b.name : file.name, info }
        }),
        stamp: ctx.facts.stamp,
        tool: TOOL
      }
      for (const format of ctx.inputs.sbom) {
        const name = sbomNameFor(file.name, format)
        const dest = path.join(ctx.inputs.dist, name)
        const text = renderSbom(format, subject)
        fs.writeFileSync(dest, text)
        fs.utimesSync(dest, ctx.facts.stamp.epoch, ctx.facts.stamp.epoch)
        made.push({
          kind: 'sbom',
          path: dest,
          name,
          target,
          binary: file.binary,
          size: Buffer.byteLength(text)
        })
      }
    }
    for (const artifact of made) ctx.artifacts.add(artifact)
    ctx.log.info(
      `${made.length} SBOMs (${ctx.inputs.sbom.join(', ')}) for ${binaries.length} binaries`
    )
  }
}

async function readBuildInfo(
  ctx: Context,
  env: Record<string, string>,
  bin: Artifact
): Promise<GoBuildInfo> {
  const out = await ctx.ports.process.run('go', ['version', '-m', '-json', bin.path], {
    cwd: ctx.inputs.workingDirectory,
    env
  })
  const where = `${bin.target!.id}/${bin.name}`
  if (out.code !== 0) {
    throw new TargetError(
      bin.target!.id,
      `go version -m -json ${bin.name} exited ${out.code}: ${tail(out.stderr)}`
    )
  }
  return parseBuildInfo(out.stdout, where)
}
