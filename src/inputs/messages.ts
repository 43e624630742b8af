// The one shape of an input problem: `<input>: "<value>" <complaint>`, for example
// `archive: "rar" is not allowed (allowed: auto, tar.gz, tar.xz, zip, binary)`. Messages that are
// not about one given value (a missing partner input, a secret) are `<input>: <text>`.

/** `<input>: "<value>" <complaint>`; never call it with a secret's value. */
export function badValue(input: string, value: string, complaint: string): string {
  return `${input}: "${value}" ${complaint}`
}

/** `<input>: "<value>" is not allowed (allowed: a, b, c)`. */
export function notAllowed(input: string, value: string, allowed: readonly string[]): string {
  return badValue(input, value, `is not allowed (allowed: ${allowed.join(', ')})`)
}

/** `<input>: <text>`, for a problem that shows no value. */
export function inputProblem(input: string, text: string): string {
  return `${input}: ${text}`
}

/** The complaint about a word given twice in a list input. */
export const LISTED_TWICE = 'is listed twice'
