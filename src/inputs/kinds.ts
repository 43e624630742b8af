// One parser per kind of input. A kind turns the raw text ('' when not given) into a typed
// value and reports every problem it finds; it never throws and never stops at the first problem,
// so one failed run lists every bad input.
import * as fs from 'node:fs'
import * as path from 'node:path'
import {
  contentLines,
  joinQuoted,
  parseEnvInput,
  parseTargetMap,
  type EnvSetting
} from '../go-flags.js'
import { parseDocument } from 'yaml'
import { keepOctalText } from '../lib/config-values.js'
import {
  entryInput,
  SET_FORMATS,
  type ArchiveEntry,
  type FileSpec,
  type SetFormat
} from '../archive-sets.js'
import type { BuildOverride } from '../build-settings.js'
import { checkTemplate, type TemplateField } from '../template.js'
import { badValue, inputProblem, LISTED_TWICE, notA, notAllowed } from './messages.js'
import {
  booleanWord,
  parseSize,
  resolveInside,
  splitList,
  splitQuoted,
  splitWords
} from './syntax.js'

/** What a kind's parser sees besides the raw text: the run's folders and where problems go. */
export interface ParseAt {
  /** the input's name as action.yml spells it, for messages */
  readonly input: string
  /** folder every user path must stay inside (symlinks followed) */
  readonly workspace: string
  /** absolute module root, the base of paths relative to it (the workspace while it is parsed) */
  readonly workingDirectory: string
  /** the machine's core count */
  readonly cpus: number
  /** reports `<input>: "<value>" <complaint>` */
  bad(value: string, complaint: string): void
  /** reports `<input>: <text>`, a problem that shows no value */
  fail(text: string): void
  /** reports messages a shared checker already prefixed with the input's name */
  add(messages: readonly string[]): void
}

/** A kind of input: how its raw text becomes a typed value. */
export interface Kind<T> {
  /** the kind's name (boolean, choice, list, …) */
  readonly kind: string
  /** the fixed words the input accepts, when there is such a set */
  readonly allowed?: readonly string[]
  /** the default as the user would write it, when it is one fixed word (docs check it) */
  readonly default?: string
  /** the typed value of a raw text ('' when not given); problems go to `at` */
  parse(raw: string, at: ParseAt): T
  /** a secret's environment variable: where the CLI reads it (a command line is public) */
  readonly variable?: string
}

/** true/false in the YAML 1.2 core spellings; the fallback when not given. */
export function boolean(fallback: boolean): Kind<boolean> {
  return {
    kind: 'boolean',
    allowed: ['true', 'false'],
    default: String(fallback),
    parse(raw, at) {
      const value = raw.trim()
      if (value === '') return fallback
      const parsed = booleanWord(value)
      if (parsed !== undefined) return parsed
      at.bad(value, notA('a boolean', ['true', 'false']))
      return fallback
    }
  }
}

/** One of a fixed set of words; `true`/`false` among them take every boolean spelling. */
export function choice<const C extends readonly string[]>(
  choices: C,
  fallback: C[number]
): Kind<C[number]> {
  return {
    kind: 'choice',
    allowed: choices,
    default: fallback,
    parse(raw, at) {
      const value = raw.trim()
      if (value === '') return fallback
      const spelled = booleanWord(value)
      const word = spelled === undefined ? value : String(spelled)
      if (choices.includes(word)) return word as C[number]
      at.bad(value, notAllowed(choices))
      return fallback
    }
  }
}

/** A whole number in [min, max]; the fallback (a number, or derived from the run) when not given. */
export function count(options: {
  min: number
  max: number
  fallback: number | ((at: ParseAt) => number)
}): Kind<number> {
  const optional = optionalCount(options)
  return {
    kind: 'count',
    parse(raw, at) {
      const value = optional.parse(raw, at)
      if (value !== undefined) return value
      return typeof options.fallback === 'function' ? options.fallback(at) : options.fallback
    }
  }
}

/** A whole number in [min, max], or undefined when not given (or not valid). */
export function optionalCount(options: { min: number; max: number }): Kind<number | undefined> {
  return {
    kind: 'count',
    parse(raw, at) {
      const value = raw.trim()
      if (value === '') return undefined
      const n = Number(value)
      // Digits only: "1e1", "0x10" and "1.5" are numbers to JavaScript, not to a person.
      if (/^[0-9]+$/.test(value) && n >= options.min && n <= options.max) return n
      at.bad(value, notA(`a whole number from ${options.min} to ${options.max}`))
      return undefined
    }
  }
}

/** A check of one word: the complaint about it, or undefined when it is fine. */
export type WordCheck = (word: string) => string | undefined

/** A check that a word matches `pattern`, with the complaint when it does not. */
export function matching(pattern: RegExp, complaint: string): WordCheck {
  return word => (pattern.test(word) ? undefined : complaint)
}

/**
 * One line of text, trimmed; the fallback when not given. `echo: false` leaves the value out of
 * the message (long values such as a release title).
 */
export function text(
  options: { fallback?: string; check?: WordCheck; echo?: boolean } = {}
): Kind<string> {
  return {
    kind: 'text',
    parse(raw, at) {
      const value = raw.trim() || (options.fallback ?? '')
      const complaint = value === '' ? undefined : options.check?.(value)
      if (complaint !== undefined) {
        if (options.echo === false) at.fail(complaint)
        else at.bad(value, complaint)
      }
      return value
    }
  }
}

/**
 * A list (newlines or commas, `#` comment lines); each item checked. The fallback applies when
 * the list is empty, or with `blankOnly` only when nothing at all was given (so a list of only
 * commas or comments stays empty for a later, more specific message).
 */
export function list(
  options: {
    fallback?: readonly string[]
    blankOnly?: boolean
    spaces?: boolean
    item?: WordCheck
  } = {}
): Kind<string[]> {
  return {
    kind: 'list',
    parse(raw, at) {
      const items = options.spaces ? splitWords(raw) : splitList(raw)
      for (const item of items) {
        const complaint = options.item?.(item)
        if (complaint !== undefined) at.bad(item, complaint)
      }
      const useFallback = options.blankOnly ? raw.trim() === '' : items.length === 0
      return useFallback ? [...(options.fallback ?? [])] : items
    }
  }
}

/**
 * A list of words from a fixed set, each at most once; the fallback when none is valid. `none`
 * alone (a boolean false) means the empty list.
 */
export function choiceList<const C extends readonly string[]>(options: {
  choices: C
  fallback: readonly C[number][]
  complaint: string
  noneIsFalse?: boolean
}): Kind<C[number][]> {
  return {
    kind: 'choice list',
    allowed: options.noneIsFalse ? ['false', ...options.choices] : options.choices,
    default:
      options.fallback.length > 0
        ? options.fallback.join(',')
        : options.noneIsFalse
          ? 'false'
          : undefined,
    parse(raw, at) {
      const words = splitList(raw)
      if (options.noneIsFalse && words.length === 1 && booleanWord(words[0]!) === false) return []
      const chosen: C[number][] = []
      for (const word of words) {
        if (!options.choices.includes(word)) at.bad(word, options.complaint)
        else if (chosen.includes(word)) at.bad(word, LISTED_TWICE)
        else chosen.push(word)
      }
      return chosen.length > 0 ? chosen : [...options.fallback]
    }
  }
}

/**
 * An argv split with Go's quoting rules (never by a shell), each element one argument; `check`
 * returns the messages about arguments that are not allowed.
 */
export function quotedArgs(check?: (input: string, args: string[]) => string[]): Kind<string[]> {
  return {
    kind: 'quoted argv',
    parse(raw, at) {
      try {
        const args = splitQuoted(raw)
        if (check) at.add(check(at.input, args))
        return args
      } catch (error) {
        at.fail(`${(error as Error).message} in "${raw}"`)
        return []
      }
    }
  }
}

/** A `{{.Field}}` template, trimmed; the fallback when not given; unknown fields are problems. */
export function template(options: {
  fallback?: string
  fields: readonly TemplateField[]
}): Kind<string> {
  return {
    kind: 'template',
    parse(raw, at) {
      const value = raw.trim() || (options.fallback ?? '')
      if (value !== '') at.add(checkTemplate(at.input, value, options.fields))
      return value
    }
  }
}

/** A folder path inside the workspace, relative to `base`, made absolute (symlinks followed). */
export function folder(options: {
  base: 'workspace' | 'working-directory'
  fallback: string
}): Kind<string> {
  return {
    kind: 'path',
    parse(raw, at) {
      const value = raw.trim() || options.fallback
      const base = options.base === 'workspace' ? at.workspace : at.workingDirectory
      const { resolved, complaint } = resolveInside(value, base, at.workspace)
      if (complaint) at.bad(value, complaint)
      return resolved
    }
  }
}

/**
 * File patterns relative to the module root, wildcards only in the last part, every folder
 * inside the workspace; the fallback patterns when none is given.
 */
export function filePatterns(fallback: readonly string[]): Kind<string[]> {
  return {
    kind: 'file patterns',
    parse(raw, at) {
      const patterns = splitList(raw)
      for (const pattern of patterns) {
        const dir = path.dirname(pattern)
        if (/[*?[]/.test(dir)) {
          at.bad(pattern, 'has a wildcard in a folder; wildcards are allowed only in the file name')
        } else {
          const { complaint } = resolveInside(dir, at.workingDirectory, at.workspace)
          if (complaint) at.bad(pattern, complaint)
        }
      }
      return patterns.length > 0 ? patterns : [...fallback]
    }
  }
}

/** One image-files rule: files of the module (a pattern) and where they go in the image. */
export interface ImageFileRule {
  src: string
  /** an absolute path in the image; a folder when it ends with / or the pattern has wildcards */
  dst?: string
}

/**
 * `SRC` or `SRC:DST` per line or comma: SRC a file pattern as `filePatterns` takes it, DST an
 * absolute path in the image without `.` or `..` components.
 */
export function imageFileRules(): Kind<ImageFileRule[]> {
  const patterns = filePatterns([])
  return {
    kind: 'image file rules',
    parse(raw, at) {
      const rules: ImageFileRule[] = []
      for (const item of splitList(raw)) {
        const match = /^(.*?):(\/.*)$/.exec(item)
        const rule: ImageFileRule = match ? { src: match[1]!, dst: match[2]! } : { src: item }
        if (rule.src === '') {
          at.bad(item, 'names no file before the ":"')
          continue
        }
        if (rule.dst !== undefined) {
          const parts = rule.dst.slice(1).split('/')
          if (
            parts.slice(0, -1).some(p => p === '' || p === '.' || p === '..') ||
            ['.', '..'].includes(parts.at(-1)!)
          ) {
            at.bad(item, `has an image path "${rule.dst}" with an empty, "." or ".." component`)
            continue
          }
        } else if (item.includes(':')) {
          at.bad(item, 'is not SRC or SRC:/absolute/path/in/the/image')
          continue
        }
        patterns.parse(rule.src, at)
        rules.push(rule)
      }
      return rules
    }
  }
}

/** A value that is one of a few words, or else the path of a file in the workspace. */
export type WordOrFile<W extends string> =
  | (W extends string ? { kind: W } : never)
  | {
      kind: 'file'
      path: string
    }

/**
 * One of `words`, or the path (relative to the workspace) of an existing file of at most
 * `maxBytes`; the fallback word when not given.
 */
export function wordOrFile<const W extends readonly string[]>(options: {
  words: W
  fallback: W[number]
  maxBytes: number
  /** why the size limit exists, for the message ("GitHub's 125,000 characters") */
  limit: string
}): Kind<WordOrFile<W[number]>> {
  return {
    kind: 'word or file',
    allowed: options.words,
    default: options.fallback,
    parse(raw, at) {
      const value = raw.trim() || options.fallback
      if (options.words.includes(value)) return { kind: value } as WordOrFile<W[number]>
      const { resolved, complaint } = resolveInside(value, at.workspace, at.workspace)
      if (complaint) at.bad(value, complaint)
      const stat = fs.statSync(resolved, { throwIfNoEntry: false })
      if (!stat?.isFile()) {
        at.bad(value, `is neither ${options.words.join(', ')}, nor a file in the workspace`)
      } else if (stat.size > options.maxBytes) {
        at.bad(value, `is larger than ${options.limit}`)
      }
      return { kind: 'file', path: resolved }
    }
  }
}

/** A size in bytes (`25MiB`, `30MB`, `25000000`); undefined when not given. */
export function size(): Kind<number | undefined> {
  return {
    kind: 'size',
    parse(raw, at) {
      const value = raw.trim()
      if (value === '') return undefined
      const bytes = parseSize(value)
      if (bytes === undefined) {
        at.bad(
          value,
          notA(
            'a size (a positive number of bytes, or with a unit: KB, KiB, MB, MiB, GB, GiB, like 25MiB)'
          )
        )
      }
      return bytes
    }
  }
}

/** One line of a target map: the target pattern and its value. */
export interface TargetMapEntry {
  /** target pattern, `goos/goarch[/variant]` with `*` for a whole part */
  scope: string
  /** the value for targets matching the pattern */
  value: string
}

/** `goos/goarch[/variant]: value` lines; `check` reports problems of one entry's value. */
export function targetMap(
  check?: (entry: TargetMapEntry, at: ParseAt) => void
): Kind<TargetMapEntry[]> {
  return {
    kind: 'target map',
    parse(raw, at) {
      const { entries, errors } = parseTargetMap(at.input, raw)
      at.add(errors)
      if (check) for (const entry of entries) check(entry, at)
      return entries
    }
  }
}

/** One binary's targets: `name: pattern, pattern` lines of the binary-targets input. */
export interface BinaryTargets {
  binary: string
  targets: string[]
}

/** `name: pattern, pattern` lines, each name once and checked by `name`. */
export function binaryTargetLines(name: WordCheck): Kind<BinaryTargets[]> {
  return {
    kind: 'binary targets',
    parse(raw, at) {
      const out: BinaryTargets[] = []
      const seen = new Set<string>()
      for (const { line, text } of contentLines(raw)) {
        const where = `${at.input}: line ${line}`
        const colon = text.indexOf(':')
        const binary = colon < 0 ? '' : text.slice(0, colon).trim()
        const patterns = colon < 0 ? '' : text.slice(colon + 1).trim()
        if (binary === '' || patterns === '') {
          at.add([
            `${where}: "${text}" is not binary: target patterns (server: linux/*, darwin/arm64)`
          ])
          continue
        }
        const complaint = name(binary)
        if (complaint !== undefined) {
          at.add([badValue(where, binary, complaint)])
          continue
        }
        if (seen.has(binary)) {
          at.add([badValue(where, binary, LISTED_TWICE)])
          continue
        }
        seen.add(binary)
        const targets = targetPatterns().parse(patterns, {
          ...at,
          input: where,
          bad: (v, c) => at.add([badValue(where, v, c)])
        })
        if (targets.length > 0) out.push({ binary, targets })
      }
      return out
    }
  }
}

/** `NAME=value` lines, optionally `goos/goarch: NAME=value`, checked against the allowed names. */
export function envLines(): Kind<EnvSetting[]> {
  return {
    kind: 'env lines',
    parse(raw, at) {
      const { settings, errors } = parseEnvInput(at.input, raw)
      at.add(errors)
      return settings
    }
  }
}

/**
 * `true` (every target, `*\/*`), `false` (none), or a list of target patterns such as
 * `linux/amd64`, `linux/*`, `*\/arm64`, `linux/arm/7`.
 */
export function targetPatterns(): Kind<string[]> {
  const pattern = /^(\*|[a-z0-9]+)\/(\*|[a-z0-9]+)(\/[A-Za-z0-9.,]+)?$/
  return {
    kind: 'target patterns',
    parse(raw, at) {
      const value = raw.trim()
      const spelled = booleanWord(value)
      if (value === '' || spelled === false) return []
      if (spelled) return ['*/*']
      const patterns = splitList(value)
      for (const p of patterns) {
        if (!pattern.test(p)) {
          at.bad(
            p,
            'is neither true, false nor a target pattern (linux/amd64, linux/*, */arm64, linux/arm/7)'
          )
        }
      }
      return patterns.filter(p => pattern.test(p))
    }
  }
}

/**
 * A secret. Its messages never hold the value: `check` returns a text without it. `trim: false`
 * keeps surrounding spaces (a password may have them); `value` shapes what consumers get;
 * `variable` is the environment variable the CLI takes it from.
 */
export function secret(options: {
  variable: string
  trim?: boolean
  check?: (value: string) => string | undefined
  value?: (v: string) => string
}): Kind<string> {
  return {
    kind: 'secret',
    variable: options.variable,
    parse(raw, at) {
      const value = options.trim === false ? raw : raw.trim()
      if (value === '') return ''
      const problem = options.check?.(value)
      if (problem !== undefined) at.fail(problem)
      return options.value ? options.value(value) : value
    }
  }
}

/** Words of a YAML value: a scalar or a list, each item split at spaces and commas. */
export function words(v: unknown): string[] {
  return v === undefined || v === null
    ? []
    : (Array.isArray(v) ? v : [v]).flatMap(x =>
        String(x)
          .split(/[\s,]+/)
          .filter(Boolean)
      )
}

/**
 * A YAML list of mappings (the archives and build-overrides inputs). Each entry's keys are
 * checked against `keys`; `entry` gets the mapping and, per key, a ParseAt that names the value
 * `<entry>.<key>` (`nameOf(i)` names entry i).
 */
/** A ParseAt for a part of an input (`archives[0].name`) whose problems go where `at`'s go. */
export function within(at: ParseAt, input: string): ParseAt {
  return {
    ...at,
    input,
    bad: (v, complaint) => at.add([badValue(input, v, complaint)]),
    fail: text => at.add([inputProblem(input, text)]),
    add: messages => at.add(messages)
  }
}

export function yamlEntries<T>(
  raw: string,
  at: ParseAt,
  what: {
    list: string
    one: string
    example: string
    keys: readonly string[]
    nameOf: (i: number) => string
  },
  entry: (e: Record<string, unknown>, sub: (key: string) => ParseAt, index: number) => T
): T[] {
  if (raw.trim() === '') return []
  const doc = parseDocument(raw, { uniqueKeys: true })
  if (doc.errors.length > 0) {
    for (const e of doc.errors) at.fail(`not YAML: ${e.message.split('\n')[0] ?? e.message}`)
    return []
  }
  keepOctalText(doc)
  const value: unknown = doc.toJS()
  if (!Array.isArray(value)) {
    at.fail(`is not a YAML list of ${what.list} (${what.example})`)
    return []
  }
  return value.flatMap((item: unknown, i): T[] => {
    const input = what.nameOf(i)
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      at.add([inputProblem(input, `is not a mapping of ${what.keys.slice(0, 4).join(', ')}, …`)])
      return []
    }
    const e = item as Record<string, unknown>
    const sub = (key: string): ParseAt => within(at, `${input}.${key}`)
    for (const key of Object.keys(e))
      if (!what.keys.includes(key))
        at.add([badValue(input, key, `is not a key of ${what.one} (${what.keys.join(', ')})`)])
    return [entry(e, sub, i)]
  })
}

/**
 * The `archives` input: a YAML list of archive sets, each a mapping of `id`, `binaries`,
 * `targets`, `formats`, `overrides`, `name`, `directory`, `strip-binary-directory` and `files`.
 * Each value is checked by the kind of the top-level input it stands in for, under the name
 * `archives[<i>].<key>`.
 */
export function archiveEntries(fields: readonly TemplateField[]): Kind<ArchiveEntry[]> {
  const keys = [
    'id',
    'binaries',
    'targets',
    'formats',
    'overrides',
    'name',
    'directory',
    'strip-binary-directory',
    'files'
  ]
  return {
    kind: 'archive sets',
    parse(raw, at) {
      return yamlEntries(
        raw,
        at,
        {
          list: 'archive sets',
          one: 'an archive set',
          example: '- binaries: [...] ...',
          keys,
          nameOf: entryInput
        },
        (e, sub): ArchiveEntry => {
          const entry: ArchiveEntry = {}
          if (e.id !== undefined) entry.id = String(e.id)
          if (e.binaries !== undefined) entry.binaries = words(e.binaries)
          if (e.targets !== undefined)
            entry.targets = targetPatterns().parse(
              words(e.targets).join('\n') || 'false',
              sub('targets')
            )
          const formatsOf = (list: string[], where: ParseAt): SetFormat[] => {
            const ok: SetFormat[] = []
            for (const w of list) {
              const f = w === 'tgz' ? 'tar.gz' : w === 'txz' ? 'tar.xz' : w
              if ((SET_FORMATS as readonly string[]).includes(f)) ok.push(f as SetFormat)
              else where.bad(w, notA('an archive format', SET_FORMATS))
            }
            return ok
          }
          if (e.formats !== undefined) entry.formats = formatsOf(words(e.formats), sub('formats'))
          if (e.overrides !== undefined) {
            const o = e.overrides
            const lines =
              typeof o === 'object' && o !== null && !Array.isArray(o)
                ? Object.entries(o).map(([k, v]) => `${k}: ${words(v).join(',')}`)
                : (Array.isArray(o) ? o : [o]).map(String)
            const where = sub('overrides')
            const { entries, errors } = parseTargetMap(where.input, lines.join('\n'))
            where.add(errors)
            entry.overrides = entries.map(x => ({
              scope: x.scope,
              formats: formatsOf(words(x.value), where)
            }))
          }
          for (const key of ['name', 'directory'] as const) {
            if (e[key] === undefined) continue
            const text = String(e[key] ?? '')
            if (key === 'name' && text.trim() === '') sub(key).fail('is empty')
            entry[key] = template({ fields }).parse(text, sub(key))
          }
          const strip = e['strip-binary-directory']
          if (strip !== undefined)
            entry.stripBinaryDirectory = boolean(false).parse(
              String(strip),
              sub('strip-binary-directory')
            )
          if (e.files !== undefined)
            entry.files = (Array.isArray(e.files) ? e.files : [e.files]).flatMap(
              (f: unknown, k): FileSpec[] => fileSpec(f, sub(`files[${k}]`))
            )
          return entry
        }
      )
    }
  }
}

/**
 * The `build-overrides` input: a YAML list of entries, each choosing binaries (names) and
 * targets (patterns), either left out for all, and giving any of `ldflags`, `flags`, `tags` and
 * `trimpath`, each checked by the kind of the top-level input it stands in for, under the name
 * `build-overrides[<i>].<key>`.
 */
export function buildOverrideEntries(of: {
  ldflags: Kind<string>
  flags: Kind<string[]>
  tags: Kind<string[]>
  trimpath: Kind<boolean>
}): Kind<BuildOverride[]> {
  const keys = ['binaries', 'targets', 'ldflags', 'flags', 'tags', 'trimpath']
  return {
    kind: 'build overrides',
    parse(raw, at) {
      return yamlEntries(
        raw,
        at,
        {
          list: 'build overrides',
          one: 'a build override',
          example: '- targets: [linux/*] ...',
          keys,
          nameOf: i => `${at.input}[${i}]`
        },
        (e, sub): BuildOverride => {
          const entry: BuildOverride = {}
          if (e.binaries !== undefined) entry.binaries = words(e.binaries)
          if (e.targets !== undefined)
            entry.targets = targetPatterns().parse(
              words(e.targets).join('\n') || 'false',
              sub('targets')
            )
          // An ldflags list is one value of its items, as GoReleaser writes it.
          const joined = (v: unknown): string =>
            Array.isArray(v) ? v.map(x => String(x ?? '')).join(' ') : String(v ?? '')
          if (e.ldflags !== undefined)
            entry.ldflags = of.ldflags.parse(joined(e.ldflags), sub('ldflags'))
          if (e.flags !== undefined) {
            // A list item is one argument, as the words of the flags input are once split.
            const where = sub('flags')
            try {
              const text = Array.isArray(e.flags)
                ? joinQuoted(e.flags.map(x => String(x ?? '')))
                : String(e.flags ?? '')
              entry.flags = of.flags.parse(text, where)
            } catch (error) {
              where.fail((error as Error).message)
            }
          }
          if (e.tags !== undefined) entry.tags = of.tags.parse(words(e.tags).join(' '), sub('tags'))
          if (e.trimpath !== undefined)
            entry.trimpath = of.trimpath.parse(String(e.trimpath), sub('trimpath'))
          return entry
        }
      )
    }
  }
}

/** One template per line (blank lines skipped), each checked against `fields`. */
export function templateLines(fields: readonly TemplateField[]): Kind<string[]> {
  return {
    kind: 'template lines',
    parse(raw, at) {
      const lines = raw
        .split('\n')
        .map(l => l.trim())
        .filter(Boolean)
      lines.forEach((line, i) => at.add(checkTemplate(`${at.input}: line ${i + 1}`, line, fields)))
      return lines
    }
  }
}

/** The mode of a file rule: octal digits as written (`0755`, `755`, `0o755`, `"0755"`). */
export function octalMode(value: unknown): number | undefined {
  const digits = String(value).replace(/^0o/, '')
  return /^[0-7]{1,4}$/.test(digits) ? parseInt(digits, 8) : undefined
}

/** One files entry of an archive set: a pattern, or {src, dst, strip_parent, info: {mode}}. */
function fileSpec(value: unknown, at: ParseAt): FileSpec[] {
  const src = (text: string): string[] => filePatterns([]).parse(text, at)
  if (typeof value === 'string' || typeof value === 'number') {
    const text = String(value).trim()
    return text === '' ? [] : src(text).map(s => ({ src: s }))
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    at.fail('is neither a file pattern nor a mapping of src, dst, strip_parent and info')
    return []
  }
  const f = value as Record<string, unknown>
  for (const key of Object.keys(f))
    if (!['src', 'dst', 'strip_parent', 'info'].includes(key))
      at.bad(key, 'is not a key of a file rule (src, dst, strip_parent, info)')
  const pattern = String(f.src ?? '').trim()
  if (pattern === '') {
    at.fail('has no src')
    return []
  }
  const spec: FileSpec = { src: src(pattern)[0] ?? pattern }
  if (f.dst !== undefined) {
    const dst = String(f.dst).trim().replace(/\/+$/, '')
    if (dst.startsWith('/') || dst.split('/').includes('..'))
      at.bad(dst, 'is not a folder inside the archive (relative, without "..")')
    else if (dst !== '' && dst !== '.') spec.dst = dst
  }
  if (f.strip_parent !== undefined) spec.stripParent = booleanWord(String(f.strip_parent)) === true
  if (f.info !== undefined) {
    const info = (typeof f.info === 'object' && f.info !== null ? f.info : {}) as Record<
      string,
      unknown
    >
    for (const key of Object.keys(info)) {
      if (key === 'mode') {
        const mode = octalMode(info.mode)
        if (mode === undefined) at.bad(String(info.mode), 'is not a file mode (octal, like 0644)')
        else spec.mode = mode
      } else if (['owner', 'group', 'mtime'].includes(key))
        at.bad(key, 'is not taken: archive members are owned by 0/0 and dated at the commit time')
      else at.bad(key, 'is not a key of info (mode)')
    }
  }
  return [spec]
}
