// Values of a parsed YAML config (GoReleaser's), read loosely as GoReleaser's loader reads them.
import { visit, type Document } from 'yaml'
import { nearest } from './nearest.js'

export type Obj = Record<string, unknown>

export const isObj = (v: unknown): v is Obj =>
  typeof v === 'object' && v !== null && !Array.isArray(v)

/** A scalar or a list, as a list. */
export function list(v: unknown): unknown[] {
  if (v === undefined || v === null) return []
  return Array.isArray(v) ? v : [v]
}

/** A scalar as text ('' for none). */
export function str(v: unknown): string {
  return v === undefined || v === null ? '' : String(v)
}

/** ` (did you mean "x"?)` when a known key is one or two edits away. */
export function suggest(key: string, known: string[]): string {
  const near = nearest(key, known, key.length <= 4 ? 1 : 2)
  return near ? ` (did you mean "${near}"?)` : ''
}

/**
 * Octal numbers (file modes, umask: 0644, 0o022) keep their text, as GoReleaser's YAML library
 * reads them into strings, and read as modes they are octal; a YAML 1.2 parser alone would make
 * 0644 the decimal 644 and 0o022 the decimal 18, which read back as octal digits are wrong.
 */
export function keepOctalText(doc: Document): void {
  visit(doc, {
    Scalar(_, node) {
      if (typeof node.value === 'number' && /^0o?[0-7]+$/.test(node.source ?? ''))
        node.value = node.source
    }
  })
}
