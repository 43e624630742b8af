import type { ProcessPort, ProcessResult, RunOptions } from '../../src/ports/process.js'

/** One call the code under test made. */
export interface Call {
  file: string
  args: string[]
  options: RunOptions
}

/** A call the script expects, and what the fake program does when it comes. */
export interface Expected {
  /** the program exactly as passed ('go', '/usr/bin/upx'), or a predicate */
  program: string | ((file: string) => boolean)
  /** the exact argv after the program, or a predicate over it */
  args: readonly string[] | ((args: readonly string[]) => boolean)
  /** the exact working directory */
  cwd?: string
  /** variables the child's environment must hold (undefined: must not hold), or a predicate */
  env?: Readonly<Record<string, string | undefined>> | ((env: Record<string, string>) => boolean)
  /** what the call returns (exit 0, no output unless given); a function answers per call */
  result?: Partial<ProcessResult> | ((call: Call) => Partial<ProcessResult>)
  /** thrown instead of a result: a ProgramNotFoundError for a program that cannot start */
  throws?: Error
  /** done before answering, e.g. writing the file `go build -o <path>` writes */
  effect?: (call: Call) => void
  /** how many calls it answers: 1 unless given; 'any' for zero or more */
  times?: number | 'any'
  /** how the expectation reads in failure messages (say what a predicate accepts) */
  label?: string
}

/** A process port that plays a script; `done()` fails on unexpected or missing calls. */
export interface ScriptedProcess extends ProcessPort {
  /** every call made, in order, expected or not */
  readonly calls: Call[]
  /** the calls as argv arrays: [program, ...args] */
  argv(): string[][]
  /** adds expectations to the script */
  expect(...steps: Expected[]): ScriptedProcess
  /** throws when a call was unexpected or an expected call (not `times: 'any'`) was never made */
  done(): void
}

/** An argv as a person would type it: elements with spaces or quotes are JSON-quoted. */
export function showArgv(argv: readonly string[]): string {
  return argv.map(a => (a === '' || /[\s"'\\]/.test(a) ? JSON.stringify(a) : a)).join(' ')
}

function showStep(step: Expected): string {
  if (step.label) return step.label
  const program = typeof step.program === 'string' ? step.program : '<program predicate>'
  const args = typeof step.args === 'function' ? '<args predicate>' : showArgv(step.args)
  return `${program} ${args}`.trim() + (step.cwd !== undefined ? ` (in ${step.cwd})` : '')
}

/** Why a step does not match a call ('' when it does). */
function mismatch(step: Expected, call: Call): string {
  const programOk =
    typeof step.program === 'string' ? step.program === call.file : step.program(call.file)
  if (!programOk) return 'another program'
  const argsOk =
    typeof step.args === 'function'
      ? step.args(call.args)
      : step.args.length === call.args.length && step.args.every((a, i) => a === call.args[i])
  if (!argsOk) return 'other arguments'
  if (step.cwd !== undefined && step.cwd !== call.options.cwd)
    return `cwd is ${String(call.options.cwd)}, expected ${step.cwd}`
  const env = call.options.env ?? {}
  if (typeof step.env === 'function') {
    if (!step.env(env)) return 'the environment is not the expected one'
  } else if (step.env) {
    for (const [name, value] of Object.entries(step.env)) {
      if (env[name] !== value)
        return `${name} is ${JSON.stringify(env[name])}, expected ${JSON.stringify(value)}`
    }
  }
  return ''
}

/**
 * A scripted process port: each call must match an expectation of the script (program, argv,
 * and where given cwd and environment), which answers it with a canned result, an error or a side
 * effect. `ordered` makes the calls come in the script's order; otherwise any order. An unexpected
 * call throws (the caller may catch that, so it is also kept for `done()`).
 */
export function scriptedProcess(
  script: readonly Expected[] = [],
  options: { ordered?: boolean } = {}
): ScriptedProcess {
  const steps = script.map(step => ({ step, used: 0 }))
  const calls: Call[] = []
  const unexpected: string[] = []
  const left = (s: { step: Expected; used: number }): boolean =>
    s.step.times === 'any' || s.used < (s.step.times ?? 1)

  const port: ScriptedProcess = {
    calls,
    argv: () => calls.map(c => [c.file, ...c.args]),
    expect(...more) {
      steps.push(...more.map(step => ({ step, used: 0 })))
      return port
    },
    async run(file, args, runOptions = {}) {
      const call: Call = { file, args: [...args], options: runOptions }
      calls.push(call)
      let candidates = steps.filter(left)
      if (options.ordered) {
        // The next step with calls left, and any 'any' steps before it that may still match.
        const next = steps.findIndex(s => s.step.times !== 'any' && left(s))
        candidates = steps.slice(0, next === -1 ? steps.length : next + 1).filter(left)
      }
      const found = candidates.find(s => mismatch(s.step, call) === '')
      if (!found) {
        const near = candidates.map(s => `  - ${showStep(s.step)} [${mismatch(s.step, call)}]`)
        const message = [
          `unexpected process call #${calls.length}: ${showArgv([file, ...args])}`,
          `  cwd: ${String(runOptions.cwd)}`,
          near.length > 0
            ? `expected ${options.ordered ? 'next' : 'one of'}:\n${near.join('\n')}`
            : 'expected no more calls',
          calls.length > 1
            ? `calls before it:\n${calls
                .slice(0, -1)
                .map((c, i) => `  ${i + 1}. ${showArgv([c.file, ...c.args])}`)
                .join('\n')}`
            : ''
        ]
          .filter(Boolean)
          .join('\n')
        unexpected.push(message)
        throw new Error(message)
      }
      found.used++
      const { step } = found
      step.effect?.(call)
      if (step.throws) throw step.throws
      const result = typeof step.result === 'function' ? step.result(call) : step.result
      return { code: 0, stdout: '', stderr: '', ...result }
    },
    done() {
      const missing = steps
        .filter(s => s.step.times !== 'any' && s.used < (s.step.times ?? 1))
        .map(
          s =>
            `  - ${showStep(s.step)}${typeof s.step.times === 'number' && s.step.times > 1 ? ` (${s.used} of ${s.step.times} calls)` : ''}`
        )
      const problems = [
        ...unexpected,
        ...(missing.length > 0 ? [`expected calls never made:\n${missing.join('\n')}`] : [])
      ]
      if (problems.length > 0) {
        throw new Error(
          `${problems.join('\n\n')}\n\nall calls:\n${calls.map((c, i) => `  ${i + 1}. ${showArgv([c.file, ...c.args])}`).join('\n') || '  (none)'}`
        )
      }
    }
  }
  return port
}
