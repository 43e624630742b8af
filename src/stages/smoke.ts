import { templateEnv } from '../build-env.js'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import type { Artifact } from '../artifacts.js'
import { INPUT } from '../inputs/index.js'
import type { Context, Stage } from '../context.js'
import { ProgramNotFoundError, type ProcessResult } from '../ports/process.js'
import { amd64LevelFromCpuinfo, planRun, qemuArch, type RunPlan, type SmokeHost } from '../smoke.js'
import { joinQuoted } from '../go-flags.js'
import { renderTemplate } from '../template.js'
import { findOnPath } from '../lib/which.js'
import { TargetError, errorMessage } from '../lib/errors.js'
import { formatDuration, tail } from '../lib/format.js'
import { forEachLimit } from '../lib/concurrency.js'
import { templateValues } from '../naming.js'
import { smokeTable } from '../summary.js'

/** A smoke run that does not end by then is killed and fails. */
export const SMOKE_TIMEOUT_MS = 60_000
/** Output kept per stream; messages show less. */
const SMOKE_OUTPUT_BYTES = 1024 * 1024

/** What happened to one binary. */
export interface SmokeResult {
  artifact: Artifact
  outcome: 'passed' | 'failed' | 'skipped'
  /** how it ran (`native`, `qemu-arm-static`, `wine64`) or the reason it did not */
  detail: string
  /** for failures: the message naming target, binary, exit code and output tail */
  error?: string
}

/**
 * Runs every binary this host can run (natively, under qemu-user, under wine, WebAssembly under
 * Node) with the
 * `smoke-test` arguments, and fails when one exits non-zero, outlives the timeout, or its output
 * lacks `smoke-test-expect`. Binaries that cannot run here are listed as skipped, never passed.
 */
export const smoke: Stage = {
  name: 'smoke-testing binaries',
  skip: ctx =>
    ctx.inputs.smokeTest.length === 0 ? `no ${INPUT.smokeTest} arguments given` : undefined,
  async run(ctx) {
    const host = smokeHost(ctx)
    const temp = ctx.ports.env.RUNNER_TEMP || os.tmpdir()
    const winePrefix = path.join(temp, 'go-xbuild-wine')
    const binaries = ctx.artifacts.byKind('binary')
    const results: SmokeResult[] = []
    // wine sets its prefix up on first use; one wine at a time keeps two from racing at that.
    let wineQueue: Promise<unknown> = Promise.resolve()
    let usedWine: string | undefined
    await forEachLimit(binaries, ctx.inputs.parallelism, async (artifact, i) => {
      const plan = planRun(artifact.target!, artifact, host)
      if (plan.method === 'wine') {
        usedWine = plan.program
        const turn = wineQueue.then(() => smokeOne(ctx, artifact, plan, host, temp, winePrefix))
        wineQueue = turn.catch(() => undefined)
        results[i] = await turn
      } else {
        results[i] = await smokeOne(ctx, artifact, plan, host, temp, winePrefix)
      }
    })
    if (usedWine) await stopWineServer(ctx, host, winePrefix)

    const count = (o: SmokeResult['outcome']): number => results.filter(r => r.outcome === o).length
    ctx.log.info(
      `smoke test: ${count('passed')} passed, ${count('failed')} failed, ${count('skipped')} skipped`
    )
    ctx.smoke = results.map(r => ({
      target: r.artifact.target!.id,
      binary: r.artifact.name,
      outcome: r.outcome,
      detail: r.detail
    }))
    const failed = results.filter(r => r.outcome === 'failed')
    if (failed.length > 0) {
      // The run ends here, before the report: the failure's own summary section.
      await ctx.ports.outputs.writeSummary([
        {
          kind: 'heading',
          text: `go-xbuild smoke test failed: ${joinQuoted([...ctx.inputs.smokeTest])}`
        },
        smokeTable(ctx.smoke)
      ])
      throw new Error(
        `smoke test failed for ${failed.length} of ${results.length} binaries:\n${failed.map(f => f.error).join('\n')}`
      )
    }
  }
}

/** The host as the run plan needs it. */
function smokeHost(ctx: Context): SmokeHost {
  const { hostOs, hostArch } = ctx.facts.go
  let amd64Level: number | undefined
  if (hostOs === 'linux' && hostArch === 'amd64') {
    try {
      amd64Level = amd64LevelFromCpuinfo(fs.readFileSync('/proc/cpuinfo', 'utf8'))
    } catch {
      amd64Level = undefined
    }
  }
  return {
    goos: hostOs,
    goarch: hostArch,
    find: program => findOnPath(program, ctx.ports.env.PATH),
    exists: file => fs.existsSync(file),
    node: process.execPath,
    goroot: ctx.facts.go.goroot,
    ...(amd64Level !== undefined ? { amd64Level } : {})
  }
}

async function smokeOne(
  ctx: Context,
  artifact: Artifact,
  plan: RunPlan,
  host: SmokeHost,
  temp: string,
  winePrefix: string
): Promise<SmokeResult> {
  const target = artifact.target!
  if (plan.method === 'skipped') {
    ctx.log.info(`smoke ${target.id} ${artifact.name}: skipped: ${plan.reason}`)
    return { artifact, outcome: 'skipped', detail: plan.reason }
  }
  const { inputs, facts } = ctx
  const expect = inputs.smokeTestExpect
    ? renderTemplate(
        inputs.smokeTestExpect,
        templateValues(
          facts.stamp,
          target,
          artifact.binary!,
          facts.projectName,
          templateEnv(ctx.ports.env, inputs.env, target)
        )
      )
    : ''
  const cwd = fs.mkdtempSync(path.join(temp, 'go-xbuild-smoke-'))
  // A clean environment: the binary sees nothing of the runner's (tokens, GITHUB_*).
  const env: Record<string, string> = {
    PATH: ctx.ports.env.PATH ?? '/usr/bin:/bin',
    HOME: cwd,
    TMPDIR: cwd
  }
  if (plan.method === 'wine') {
    Object.assign(env, {
      WINEPREFIX: winePrefix,
      WINEDEBUG: '-all',
      // No Mono or Gecko installer dialogs when the prefix is created.
      WINEDLLOVERRIDES: 'mscoree,mshtml='
    })
  }
  const command = `${artifact.name}${inputs.smokeTest.length > 0 ? ' ' + joinQuoted([...inputs.smokeTest]) : ''}`
  const started = ctx.ports.clock.now()
  try {
    let label = plan.label
    let out: ProcessResult
    try {
      out = await execute(ctx, plan, artifact.path, cwd, env)
    } catch (error) {
      // linux/386 on an x86-64 kernel built or booted without IA32 emulation: emulate instead.
      const code = (error as { cause?: { code?: string } }).cause?.code
      if (!(
        error instanceof ProgramNotFoundError &&
        code === 'ENOEXEC' &&
        plan.method === 'native'
      ))
        throw error
      const qemu = host.find(`qemu-${qemuArch(target.goarch)}-static`)
      if (!qemu) {
        const reason = `the kernel does not run ${target.goarch} programs and qemu-${qemuArch(target.goarch)}-static is not installed`
        ctx.log.info(`smoke ${target.id} ${artifact.name}: skipped: ${reason}`)
        return { artifact, outcome: 'skipped', detail: reason }
      }
      label = path.basename(qemu)
      out = await execute(
        ctx,
        { method: 'qemu', program: qemu, prefix: [], label },
        artifact.path,
        cwd,
        env
      )
    }
    const ms = ctx.ports.clock.now() - started
    const output = out.stdout + out.stderr
    ctx.log.untrusted(output)
    if (plan.method === 'wine' && /bcryptprimitives\.dll not found/.test(output)) {
      // Go ≥1.22 imports ProcessPrng from bcryptprimitives.dll, which Wine has only since 9.0
      // (Debian 12 ships 8.0): the binary is fine, this wine cannot run it.
      const reason = `${await wineVersion(ctx, plan.program)} lacks bcryptprimitives.dll, which Go ≥1.22 Windows programs need (Wine ≥ 9.0 has it)`
      ctx.log.info(`smoke ${target.id} ${artifact.name}: skipped: ${reason}`)
      return { artifact, outcome: 'skipped', detail: reason }
    }
    const where = `${command} (${label})`
    let problem: string | undefined
    if (out.timedOut) {
      problem = `${where} did not exit within ${formatDuration(SMOKE_TIMEOUT_MS)} and was killed`
    } else if (out.code !== 0) {
      problem = `${where} exited ${out.code}`
    } else if (expect && !output.includes(expect)) {
      problem = `${where}: the output lacks ${JSON.stringify(expect)}`
    }
    if (problem) {
      const shown = tail(output, 600)
      const error = new TargetError(
        target.id,
        `smoke test: ${problem}: ${shown ? shown : '(no output)'}`
      ).message
      ctx.log.info(
        `smoke ${target.id} ${artifact.name}: failed (${label}) in ${formatDuration(ms)}`
      )
      return { artifact, outcome: 'failed', detail: `${label}: ${problem}`, error }
    }
    ctx.log.info(`smoke ${target.id} ${artifact.name}: passed (${label}) in ${formatDuration(ms)}`)
    return { artifact, outcome: 'passed', detail: label }
  } catch (error) {
    const message = new TargetError(
      target.id,
      `smoke test: ${command} (${plan.label}) could not run: ${errorMessage(error)}`
    ).message
    return { artifact, outcome: 'failed', detail: errorMessage(error), error: message }
  } finally {
    fs.rmSync(cwd, { recursive: true, force: true })
  }
}

function execute(
  ctx: Context,
  plan: Exclude<RunPlan, { method: 'skipped' }>,
  binary: string,
  cwd: string,
  env: Record<string, string>
): Promise<ProcessResult> {
  const file = plan.method === 'native' ? binary : plan.program
  const args = plan.method === 'native' ? [] : [...plan.prefix, binary]
  return ctx.ports.process.run(file, [...args, ...ctx.inputs.smokeTest], {
    cwd,
    env,
    timeoutMs: SMOKE_TIMEOUT_MS,
    maxOutputBytes: SMOKE_OUTPUT_BYTES
  })
}

async function wineVersion(ctx: Context, wine: string): Promise<string> {
  try {
    const out = await ctx.ports.process.run(wine, ['--version'], {
      env: { PATH: ctx.ports.env.PATH ?? '' },
      timeoutMs: 10_000
    })
    return out.stdout.trim().split('\n')[0] || 'this wine'
  } catch {
    return 'this wine'
  }
}

/** wineserver lingers a few seconds after the last program; stop it so nothing outlives the step. */
async function stopWineServer(ctx: Context, host: SmokeHost, prefix: string): Promise<void> {
  const wineserver = host.find('wineserver')
  if (!wineserver) return
  try {
    await ctx.ports.process.run(wineserver, ['-k'], {
      env: { PATH: ctx.ports.env.PATH ?? '', WINEPREFIX: prefix },
      timeoutMs: 10_000
    })
  } catch (error) {
    ctx.log.debug(`wineserver -k: ${errorMessage(error)}`)
  }
}
