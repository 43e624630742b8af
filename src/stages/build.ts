import * as fs from 'node:fs'
import * as path from 'node:path'
import { baseEnv, targetEnv, templateEnv } from '../build-env.js'
import { buildSettingsFor } from '../build-settings.js'
import type { Artifact } from '../artifacts.js'
import {
  builtFor,
  isGoPlan,
  type BinarySpec,
  type GoTargetPlan,
  type TargetPlan
} from '../facts.js'
import type { Context, Stage } from '../context.js'
import { binaryExtension } from '../targets.js'
import { renderTemplate } from '../template.js'
import { TargetError } from '../lib/errors.js'
import { formatDuration, tail } from '../lib/format.js'
import { forEachLimit } from '../lib/concurrency.js'
import { formatSize } from '../lib/format.js'
import { templateValues } from '../naming.js'
import { prepareDist } from '../dist.js'

/** go build of every target × binary with bounded parallelism over one shared GOCACHE. */
export const build: Stage = {
  name: 'building binaries',
  async run(ctx) {
    prepareDist(ctx.inputs.dist)
    const env = baseEnv(ctx.ports.env, ctx.inputs.env)
    await downloadModules(ctx, env)

    // A universal plan is made from its slices' binaries by a later stage, not by go build.
    const jobs = ctx.facts.plans
      .filter(isGoPlan)
      .flatMap(plan =>
        ctx.facts.binaries.filter(b => builtFor(b, plan.target)).map(binary => ({ plan, binary }))
      )
    ctx.log.info(
      `${jobs.length} builds, ${Math.min(ctx.inputs.parallelism, jobs.length)} at a time`
    )
    const failures: Error[] = []
    const built: (Artifact | undefined)[] = []
    await forEachLimit(jobs, ctx.inputs.parallelism, async (job, i) => {
      // After a failure, start nothing new: the run fails anyway and the log stays readable.
      if (failures.length > 0) return
      try {
        built[i] = await buildOne(ctx, env, job.plan, job.binary)
      } catch (error) {
        failures.push(error as Error)
      }
    })
    // Registered in target order, not finishing order, so outputs are the same every run.
    for (const artifact of built) if (artifact) ctx.artifacts.add(artifact)
    if (failures.length === 1) throw failures[0]
    if (failures.length > 1) {
      throw new Error(
        `${failures.length} builds failed:\n${failures.map(f => f.message).join('\n')}`,
        { cause: failures[0] }
      )
    }
  }
}

/** One download before the parallel builds, so they never fetch the same module at once (go-build.md). */
async function downloadModules(ctx: Context, env: Record<string, string>): Promise<void> {
  if (ctx.facts.vendored) {
    ctx.log.info('modules: vendored, no download')
    return
  }
  const started = ctx.ports.clock.now()
  const out = await ctx.ports.process.run('go', ['mod', 'download'], {
    cwd: ctx.inputs.workingDirectory,
    env
  })
  ctx.log.untrusted(out.stdout + out.stderr)
  if (out.code !== 0) throw new Error(`go mod download exited ${out.code}: ${tail(out.stderr)}`)
  ctx.log.info(`modules downloaded in ${formatDuration(ctx.ports.clock.now() - started)}`)
  const restored = ctx.caches?.restores.some(r => r.spec.kind === 'module' && r.matchedKey)
  if (restored && ctx.inputs.verifyModules) await verifyModules(ctx, env)
}

/** A restored module cache is only trusted once go mod verify has checked it against go.sum. */
async function verifyModules(ctx: Context, env: Record<string, string>): Promise<void> {
  const started = ctx.ports.clock.now()
  const out = await ctx.ports.process.run('go', ['mod', 'verify'], {
    cwd: ctx.inputs.workingDirectory,
    env
  })
  if (out.code !== 0) {
    const modules = (out.stdout + out.stderr)
      .split('\n')
      .filter(line => /: (dir has been modified|zip has been modified|missing ziphash)/.test(line))
    throw new Error(
      `go mod verify failed: the restored module cache does not match go.sum, so it was not used:\n${modules.length > 0 ? modules.join('\n') : tail(out.stdout + out.stderr)}`
    )
  }
  ctx.log.info(
    `go mod verify: all modules verified in ${formatDuration(ctx.ports.clock.now() - started)}`
  )
}

/** The go build argv for one target and binary (without the trailing package). */
export function buildArgs(
  ctx: Context,
  plan: TargetPlan,
  binary: BinarySpec,
  output: string
): string[] {
  const { inputs, facts } = ctx
  const values = templateValues(
    facts.stamp,
    plan.target,
    binary.name,
    facts.projectName,
    templateEnv(ctx.ports.env, inputs.env, plan.target)
  )
  const settings = buildSettingsFor(inputs, binary.name, plan.target)
  const args = ['build']
  if (settings.trimpath) args.push('-trimpath')
  if (inputs.buildvcs !== 'auto') args.push(`-buildvcs=${inputs.buildvcs}`)
  if (settings.tags.length > 0) args.push(`-tags=${settings.tags.join(',')}`)
  args.push(...settings.flags)
  // One argv element: go splits it with its own quoting rules, no shell is involved.
  const ldflags = renderTemplate(settings.ldflags, values)
  // cgo-link: static links with the C linker (-static reaches it through CGO_LDFLAGS): Go's
  // internal linker would leave a program whose only cgo is net or os/user dynamic.
  const staticLink = plan.kind === 'go' && plan.cgo.static !== undefined
  args.push(`-ldflags=${staticLink ? `${ldflags} -linkmode=external`.trim() : ldflags}`)
  args.push('-o', output, binary.pkg)
  return args
}

async function buildOne(
  ctx: Context,
  env: Record<string, string>,
  plan: GoTargetPlan,
  binary: BinarySpec
): Promise<Artifact> {
  const { target } = plan
  const dir = path.join(ctx.inputs.dist, target.id)
  fs.mkdirSync(dir, { recursive: true })
  // A name with a sub-folder (bin/app) keeps it under the target's folder.
  const name = binary.name + binaryExtension(target.goos, target.goarch)
  const output = path.join(dir, name)
  fs.mkdirSync(path.dirname(output), { recursive: true })
  const args = buildArgs(ctx, plan, binary, output)
  const started = ctx.ports.clock.now()
  const out = await ctx.ports.process.run('go', args, {
    cwd: ctx.inputs.workingDirectory,
    env: targetEnv(env, ctx.inputs.env, target, plan.cgo)
  })
  const ms = ctx.ports.clock.now() - started
  ctx.log.untrusted(out.stdout + out.stderr)
  if (out.code !== 0) {
    throw new TargetError(
      target.id,
      `go build ${binary.pkg} exited ${out.code}: ${tail(out.stderr)}`
    )
  }
  // Commit-time mtimes: nothing about the file depends on when it was built.
  const epoch = ctx.facts.stamp.epoch
  fs.utimesSync(output, epoch, epoch)
  const size = fs.statSync(output).size
  ctx.log.info(`built ${target.id} ${binary.name} (${formatSize(size)}) in ${formatDuration(ms)}`)
  return {
    kind: 'binary',
    path: output,
    name,
    target,
    binary: binary.name,
    size,
    buildStart: started,
    buildMs: ms
  }
}
