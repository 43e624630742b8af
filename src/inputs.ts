// The public entry of the inputs: the table, parsers, rules and sources live in src/inputs/;
// this module re-exports what the rest of the program uses, so callers import from one place.
import { boolean, choice } from './inputs/kinds.js'
import { parseWith } from './inputs/parse.js'

export {
  ARCHIVE_CHOICES,
  DEFAULTS,
  INPUT,
  INPUT_TABLE,
  SHARD,
  TEMPLATE_FIELDS,
  checkTagName,
  type InputName,
  type Inputs
} from './inputs/table.js'
export { firstGiven, parseInputs, type InputContext, type InputSource } from './inputs/parse.js'
export { actionInputSource } from './inputs/sources.js'
export { isInside, realpathOr } from './inputs/syntax.js'

/** Parses a boolean the way YAML 1.2 core schema spells it (as core.getBooleanInput does). */
export function parseBoolean(
  name: string,
  raw: string,
  fallback: boolean,
  problems: string[]
): boolean {
  return parseWith(boolean(fallback), name, raw, problems)
}

/** Parses one of a fixed set of words. */
export function parseChoice<T extends string>(
  name: string,
  raw: string,
  choices: readonly T[],
  fallback: T,
  problems: string[]
): T {
  return parseWith(choice(choices, fallback), name, raw, problems)
}
