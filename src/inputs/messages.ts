// The one shape of an input problem: `<input>: "<value>" <complaint>`, for example
// `archive: "rar" is not allowed (allowed: auto, tar.gz, tar.xz, zip, binary)`. Messages that are
// not about one given value (a missing partner input, a secret) are `<input>: <text>`.

/** `<input>: "<value>" <complaint>`; never call it with a secret's value. */
export function badValue(input: string, value: string, complaint: string): string {
  return `${input}: "${value}" ${complaint}`
}

/** The complaint about a word outside a fixed set: `is not allowed (allowed: a, b, c)`. */
export function notAllowed(allowed: readonly string[]): string {
  return `is not allowed (allowed: ${allowed.join(', ')})`
}

/** The complaint about a value of the wrong kind: `is not a boolean (allowed: true, false)`. */
export function notA(what: string, allowed?: readonly string[]): string {
  return allowed ? `is not ${what} (allowed: ${allowed.join(', ')})` : `is not ${what}`
}

/** `<input>: <text>`, for a problem that shows no value. */
export function inputProblem(input: string, text: string): string {
  return `${input}: ${text}`
}

/** The complaint about a word given twice in a list input. */
export const LISTED_TWICE = 'is listed twice'
