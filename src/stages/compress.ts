import * as fs from 'node:fs'
import { baseEnv } from '../build-env.js'
import type { TargetPlan } from '../facts.js'
import { INPUT, type Inputs } from '../inputs.js'
import type { Context, Stage } from '../context.js'
import { type Target } from '../targets.js'
import { upxSkipReason } from '../upx.js'
import { TargetError } from '../lib/errors.js'
import { findOnPath } from '../lib/which.js'
import { formatDuration, tail, formatSize } from '../lib/format.js'
import { matchesTargetPattern } from '../lib/target-patterns.js'
import { forEachLimit } from '../lib/concurrency.js'

/** Which of this job's targets the upx input selects, split into those UPX packs and those it cannot. */
export function upxSelection(
  inputs: Pick<Inputs, 'upx'>,
  plans: readonly TargetPlan[]
): { pack: Target[]; skip: { target: Target; reason: string }[] } {
  const pack: Target[] = []
  const skip: { target: Target; reason: string }[] = []
  for (const { target, universal } of plans) {
    if (universal || !inputs.upx.some(p => matchesTargetPattern(p, target))) continue
    const reason = upxSkipReason(target)
    if (reason) skip.push({ target, reason })
    else pack.push(target)
  }
  return { pack, skip }
}

/**
 * Resolve-time checks of the upx input: every pattern selects a target (mode all), and upx is on
 * PATH when some target is to be packed. Returns the program and its version line.
 */
export async function resolveUpx(
  ctx: Context,
  plans: readonly TargetPlan[],
  problems: string[]
): Promise<{ path: string; version: string } | undefined> {
  const { inputs } = ctx
  if (inputs.upx.length === 0) return undefined
  // A leg's patterns may select only other legs' targets.
  if (inputs.mode === 'all' || inputs.mode === 'plan') {
    for (const pattern of inputs.upx) {
      if (pattern !== '*/*' && !plans.some(p => matchesTargetPattern(pattern, p.target)))
        problems.push(`${INPUT.upx}: "${pattern}" matches none of the targets`)
    }
  }
  // A plan or a fan-in compresses nothing: upx is the legs' business.
  if (inputs.mode === 'plan' || inputs.mode === 'publish') return undefined
  if (upxSelection(inputs, plans).pack.length === 0) return undefined
  // Debian and Ubuntu install upx-ucl as `upx` through update-alternatives, and as `upx-ucl`.
  const program = findOnPath('upx', ctx.ports.env.PATH) ?? findOnPath('upx-ucl', ctx.ports.env.PATH)
  if (!program) {
    problems.push(
      `${INPUT.upx}: upx is not on PATH; install it (Debian/Ubuntu package upx-ucl; Debian 12 has it in bookworm-backports) or set ${INPUT.upx}: false`
    )
    return undefined
  }
  const out = await ctx.ports.process.run(program, ['--version'], {
    env: baseEnv(ctx.ports.env, [])
  })
  const version = out.stdout.split('\n')[0]?.trim() ?? ''
  if (out.code !== 0 || !/^upx \d/.test(version)) {
    problems.push(
      `${INPUT.upx}: ${program} --version exited ${out.code}: ${tail(out.stderr || out.stdout)}`
    )
    return undefined
  }
  return { path: program, version }
}

/**
 * Compresses the selected binaries in place with UPX, after the build and before verification,
 * so the verify stage reads the headers of what is shipped. UPX rewrites the file in dist only:
 * the build cache never sees a compressed binary. Each result is checked with `upx -t`.
 */
export const compressBinaries: Stage = {
  name: 'compressing binaries with UPX',
  skip: ctx => (ctx.inputs.upx.length === 0 ? `${INPUT.upx} is false` : undefined),
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
