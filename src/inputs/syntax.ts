// The syntax every input shares, in one place: booleans, lists, Go-quoted argv, sizes and paths.
// Kinds (kinds.ts) build on these; nothing else in src/inputs/ splits or resolves text itself.
import * as path from 'node:path'
import { splitQuoted } from '../go-flags.js'
import { parseSize } from '../lib/format.js'
import { isInside, realpathOr } from '../lib/files.js'
import { splitList } from '../targets.js'

/** Lists: newline or comma separated, `#` starts a comment line, items trimmed, empty items dropped. */
export { splitList }
/** Go's cmd/internal/quoted rules (quotes around whole fields, no escapes), never a shell's. */
export { splitQuoted }
/** Sizes: bytes, or a number with KB, KiB, MB, MiB, GB, GiB. */
export { parseSize }

/**
 * The boolean a word spells, or undefined: YAML 1.2 core schema spellings only, the set
 * core.getBooleanInput accepts, so `yes`/`on`/`1` are refused instead of guessed.
 */
export function booleanWord(word: string): boolean | undefined {
  if (word === 'true' || word === 'True' || word === 'TRUE') return true
  if (word === 'false' || word === 'False' || word === 'FALSE') return false
  return undefined
}

/** A list that also splits at spaces and tabs (build tags, as `go build -tags` takes them). */
export function splitWords(text: string): string[] {
  return splitList(text.replace(/\s+/g, ','))
}

/**
 * Resolves a user path against `base` after following symlinks, and returns the complaint when
 * it leaves the workspace, so no input can read or write outside the checkout.
 */
export function resolveInside(
  raw: string,
  base: string,
  workspace: string
): { resolved: string; complaint?: string } {
  const resolved = realpathOr(path.resolve(base, raw))
  if (resolved === workspace || isInside(workspace, resolved)) return { resolved }
  return {
    resolved,
    complaint: `is outside the workspace ${workspace}; paths must stay inside it (symlinks are followed)`
  }
}
