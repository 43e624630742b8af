import { types } from 'node:util'

/** Bad inputs, all of them: reported in one failure before anything is built or sent. */
export class InputError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      problems.length === 1
        ? `invalid input: ${problems[0]}`
        : `${problems.length} invalid inputs:\n${problems.map(p => `  - ${p}`).join('\n')}`
    )
    this.name = 'InputError'
  }
}

/** A failure of one target's work; the message names the target. */
export class TargetError extends Error {
  constructor(
    readonly targetId: string,
    message: string,
    options?: { cause?: unknown }
  ) {
    super(`${targetId}: ${message}`, options)
    this.name = 'TargetError'
  }
}

/** Message of an unknown thrown value. */
export function errorMessage(error: unknown): string {
  // isNativeError, not instanceof: errors from another realm (vm, jest) are still errors.
  return types.isNativeError(error) ? error.message : String(error)
}
