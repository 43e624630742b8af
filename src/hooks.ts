// before-hooks: commands run in the module root before anything is built (GoReleaser's
// before.hooks). Each line is a template of the release's fields, rendered, then split into argv
// with Go's quoting rules: never a shell. Pure: the hooks stage runs them.
import { splitQuoted } from './go-flags.js'
import { renderTemplate, type TemplateValues } from './template.js'
import { errorMessage } from './lib/errors.js'
import type { Inputs } from './inputs/index.js'

/** A hook that does not end by then is killed and fails the run. */
export const HOOK_TIMEOUT_MS = 15 * 60_000

/** One hook ready to run. */
export interface PlannedHook {
  /** 1-based line of the input, for messages */
  line: number
  argv: string[]
}

/**
 * Renders and splits every hook; problems name the input and the line. A line that renders
 * empty (`{{ if .IsSnapshot }}…{{ end }}`) runs nothing.
 */
export function planHooks(
  input: string,
  templates: readonly string[],
  values: TemplateValues
): { hooks: PlannedHook[]; problems: string[] } {
  const hooks: PlannedHook[] = []
  const problems: string[] = []
  templates.forEach((template, i) => {
    const line = i + 1
    try {
      const argv = splitQuoted(renderTemplate(template, values))
      if (argv.length > 0) hooks.push({ line, argv })
    } catch (error) {
      problems.push(`${input}: line ${line}: ${errorMessage(error)}`)
    }
  })
  return { hooks, problems }
}

/**
 * Why hooks may not run for this event, or undefined. On pull_request_target the job holds the
 * base repository's secrets and a write token while the checkout may be a fork's code, which
 * the hooks would run.
 */
export function hooksRefusedFor(eventName: string, allowed: boolean): string | undefined {
  if (eventName !== 'pull_request_target' || allowed) return undefined
  return 'on pull_request_target the job holds secrets while the checkout may be a fork’s code, which the hooks would run'
}

/** Whether this run runs before-hooks: it has some, and it builds (mode all or build). */
export function hooksWillRun(inputs: Pick<Inputs, 'beforeHooks' | 'mode'>): boolean {
  return inputs.beforeHooks.length > 0 && (inputs.mode === 'all' || inputs.mode === 'build')
}
