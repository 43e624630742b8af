import * as fs from 'node:fs'
import { baseEnv } from '../build-env.js'
import { INPUT } from '../inputs/index.js'
import type { Stage } from '../context.js'
import { TargetError } from '../lib/errors.js'
import { findOnPath } from '../lib/which.js'
import { formatDuration, tail, formatSize } from '../lib/format.js'
import { matchesTargetPattern } from '../lib/target-patterns.js'
import { forEachLimit } from '../lib/concurrency.js'
import { upxSelection } from '../upx.js'

/**
 * Compresses the selected binaries in place with UPX, after the build and before verification,
 * so the verify stage reads the headers of what is shipped. UPX rewrites the file in dist only:
 * the build cache never sees a compressed binary. Each result is checked with `upx -t`.
 */
export const compressBinaries: Stage = {
  name: 'compressing binaries with UPX',
  skip: ctx => (ctx.inputs.upx.length === 0 ? `${INPUT.upx} is false` : undefined),
  check(ctx) {
    const { inputs, facts } = ctx
    // A leg's patterns may select only other legs' targets: the plan job checked them all.
    if (!facts.wholeRelease) return []
    return inputs.upx
      .filter(p => p !== '*/*' && !facts.plans.some(plan => matchesTargetPattern(p, plan.target)))
      .map(p => `${INPUT.upx}: "${p}" matches none of the targets`)
  },
  async prepare(ctx) {
    const { inputs } = ctx
    if (upxSelection(inputs, ctx.facts.plans).pack.length === 0) return []
    // Debian and Ubuntu install upx-ucl as `upx` through update-alternatives, and as `upx-ucl`.
    const pathEnv = ctx.ports.env.PATH
    const program = findOnPath('upx', pathEnv) ?? findOnPath('upx-ucl', pathEnv)
    if (!program) {
      return [
        `${INPUT.upx}: upx is not on PATH; install it (Debian/Ubuntu package upx-ucl; Debian 12 has it in bookworm-backports) or set ${INPUT.upx}: false`
      ]
    }
    const out = await ctx.ports.process.run(program, ['--version'], {
      env: baseEnv(ctx.ports.env, [])
    })
    const version = out.stdout.split('\n')[0]?.trim() ?? ''
    if (out.code !== 0 || !/^upx \d/.test(version)) {
      return [
        `${INPUT.upx}: ${program} --version exited ${out.code}: ${tail(out.stderr || out.stdout)}`
      ]
    }
    ctx.facts.upx = { path: program, version }
    ctx.log.info(`upx: ${version} (${program})`)
    return []
  },
  async run(ctx) {
    const { inputs, facts } = ctx
    const { pack, skip } = upxSelection(inputs, facts.plans)
    for (const { target, reason } of skip)
      ctx.log.notice(`upx: ${target.id} is not compressed: ${reason}`)
    if (pack.length === 0 || !facts.upx) return
    const upx = facts.upx
    ctx.log.info(`${upx.version} ${inputs.upxArgs.join(' ')}`.trim())
    const ids = new Set(pack.map(t => t.id))
    const binaries = ctx.artifacts.byKind('binary').filter(b => ids.has(b.target!.id))
    const env = baseEnv(ctx.ports.env, [])
    const failures: string[] = []
    await forEachLimit(binaries, inputs.parallelism, async bin => {
      const started = ctx.ports.clock.now()
      const before = fs.statSync(bin.path).size
      // --no-color and -q keep the log plain; `--` ends options before the path.
      const packed = await ctx.ports.process.run(
        upx.path,
        ['-q', '--no-color', ...inputs.upxArgs, '--', bin.path],
        { env }
      )
      if (packed.code !== 0) {
        failures.push(
          new TargetError(
            bin.target!.id,
            `upx ${bin.name} exited ${packed.code}: ${tail(packed.stderr || packed.stdout)}`
          ).message
        )
        return
      }
      const tested = await ctx.ports.process.run(
        upx.path,
        ['-t', '-q', '--no-color', '--', bin.path],
        { env }
      )
      if (tested.code !== 0) {
        failures.push(
          new TargetError(
            bin.target!.id,
            `upx -t ${bin.name} exited ${tested.code}: ${tail(tested.stderr || tested.stdout)}`
          ).message
        )
        return
      }
      fs.utimesSync(bin.path, facts.stamp.epoch, facts.stamp.epoch)
      bin.size = fs.statSync(bin.path).size
      bin.uncompressedSize = before
      ctx.log.info(
        `compressed ${bin.target!.id} ${bin.name}: ${formatSize(before)} → ${formatSize(bin.size)} (${((100 * bin.size) / before).toFixed(1)}%) in ${formatDuration(ctx.ports.clock.now() - started)}`
      )
    })
    if (failures.length > 0) throw new Error(`UPX failed:\n${failures.join('\n')}`)
  }
}
