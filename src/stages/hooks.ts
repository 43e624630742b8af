import { baseEnv, templateEnv } from '../build-env.js'
import { findReleaseExtras, findSetFiles } from '../archive-files.js'
import { setArchived } from '../archive-sets.js'
import { namingOf, type Context, type Stage } from '../context.js'
import { joinQuoted } from '../go-flags.js'
import { HOOK_TIMEOUT_MS, hooksRefusedFor, hooksWillRun, planHooks } from '../hooks.js'
import { INPUT } from '../inputs/index.js'
import { InputError, errorMessage } from '../lib/errors.js'
import { formatDuration, tail } from '../lib/format.js'
import { releaseValues } from '../naming.js'

/** Output kept per stream of a hook; the log shows all of it, a failure its end. */
const HOOK_OUTPUT_BYTES = 4 * 1024 * 1024

/**
 * before-hooks: each command, in order, in the module root, with the build's environment (the
 * action's token and secrets removed), before the caches and the build; then the archive files,
 * which a hook may have written, are looked up.
 */
export const runBeforeHooks: Stage = {
  name: 'running before hooks',
  check(ctx) {
    const { inputs } = ctx
    if (inputs.beforeHooks.length === 0) return []
    const refused = hooksRefusedFor(
      ctx.ports.env.GITHUB_EVENT_NAME ?? '',
      inputs.hooksOnPullRequestTarget
    )
    return [
      ...(refused
        ? [
            `${INPUT.beforeHooks}: not run: ${refused}; set ${INPUT.hooksOnPullRequestTarget}: true to run them anyway`
          ]
        : []),
      ...plan(ctx).problems
    ]
  },
  skip: ctx => (hooksWillRun(ctx.inputs) ? undefined : 'no before-hooks'),
  async run(ctx) {
    const { inputs } = ctx
    const env = baseEnv(ctx.ports.env, inputs.env)
    for (const hook of plan(ctx).hooks) {
      const shown = joinQuoted(hook.argv)
      ctx.log.info(`$ ${shown}`)
      const started = ctx.ports.clock.now()
      let out
      try {
        out = await ctx.ports.process.run(hook.argv[0]!, hook.argv.slice(1), {
          cwd: inputs.workingDirectory,
          env,
          timeoutMs: HOOK_TIMEOUT_MS,
          maxOutputBytes: HOOK_OUTPUT_BYTES
        })
      } catch (error) {
        throw new Error(`${INPUT.beforeHooks}: line ${hook.line}: ${errorMessage(error)}`, {
          cause: error
        })
      }
      for (const text of [out.stdout, out.stderr])
        for (const line of text.trimEnd().split('\n')) if (line) ctx.log.info(line)
      const took = formatDuration(ctx.ports.clock.now() - started)
      if (out.timedOut)
        throw new Error(
          `${INPUT.beforeHooks}: line ${hook.line}: "${shown}" did not end within ${formatDuration(HOOK_TIMEOUT_MS)} and was stopped`
        )
      if (out.code !== 0)
        throw new Error(
          `${INPUT.beforeHooks}: line ${hook.line}: "${shown}" exited ${out.code} after ${took}: ${tail(out.stderr || out.stdout, 1000)}`
        )
      ctx.log.info(`took ${took}`)
    }
    // The archive and release files, now that the hooks may have written them.
    const problems: string[] = []
    ctx.facts.archiveFiles = findSetFiles(inputs, setArchived(ctx.facts.plans), problems)
    ctx.facts.releaseExtras = findReleaseExtras(inputs, ctx.facts.releaseFiles, problems)
    if (problems.length > 0) throw new InputError(problems)
  }
}

/** The hooks rendered with the release's fields and split into argv. */
function plan(ctx: Context): ReturnType<typeof planHooks> {
  const { stamp, projectName } = namingOf(ctx)
  const values = releaseValues(stamp, projectName, templateEnv(ctx.ports.env, ctx.inputs.env))
  return planHooks(INPUT.beforeHooks, ctx.inputs.beforeHooks, values)
}
