// Templated inputs (ldflags, name-template, smoke-test-expect, checksums-name) are Go
// text/template with GoReleaser's fields and functions: a config's templates render here as
// GoReleaser renders them. The engine is src/lib/go-template.ts.

import * as path from 'node:path'
import { GoTemplate, GoTemplateError, type FuncMap } from './lib/go-template.js'
import { GoMap, GoTime, type GoValue } from './lib/go-values.js'
import { nearest } from './lib/nearest.js'

/** Fields of the release as a whole (no target): for names of files that cover every target. */
export const RELEASE_FIELDS = [
  'ProjectName',
  'Version',
  'RawVersion',
  'Tag',
  'PreviousTag',
  'Major',
  'Minor',
  'Patch',
  'Prerelease',
  'Commit',
  'FullCommit',
  'ShortCommit',
  'CommitDate',
  'CommitTimestamp',
  'Date',
  'Timestamp',
  'Now',
  'Env',
  'IsSnapshot',
  'IsGitDirty',
  'Summary'
] as const

const TARGET_FIELDS = [
  'Os',
  'Arch',
  'Arm',
  'Arm64',
  'Amd64',
  'Mips',
  'I386',
  'Variant',
  'Target',
  'Binary'
] as const

/** Fields of a Linux package's templates (GoReleaser's nfpm extras); see src/linux-packages.ts. */
export const PACKAGE_FIELDS = [
  'Release',
  'Epoch',
  'PackageName',
  'Format',
  'ConventionalFileName',
  'ConventionalExtension'
] as const

/** Fields of a release file a manifest points at (GoReleaser's artifact fields): its URL template. */
export const ARTIFACT_FIELDS = ['ArtifactName', 'ArtifactExt'] as const

export type TemplateField =
  | (typeof RELEASE_FIELDS)[number]
  | (typeof TARGET_FIELDS)[number]
  | (typeof PACKAGE_FIELDS)[number]
  | (typeof ARTIFACT_FIELDS)[number]

/** Every field a template may read; each input allows a subset. */
export const TEMPLATE_FIELDS: readonly TemplateField[] = [...RELEASE_FIELDS, ...TARGET_FIELDS]

/** The values of one rendering: typed as GoReleaser types them (Major is a number, IsSnapshot a bool…). */
export type TemplateValues = Partial<Record<TemplateField, GoValue>>

/** The environment as `.Env` sees it: a map whose missing keys fail (missingkey=error) and index to "". */
export function envMap(env: Readonly<Record<string, string | undefined>>): GoMap {
  const entries = new Map<string, GoValue>()
  for (const [k, v] of Object.entries(env)) if (v !== undefined) entries.set(k, v)
  return new GoMap(entries, '', 'map[string]string')
}

// cases.Title(language.English) from golang.org/x/text: the first cased letter of each word is
// title-cased and the rest of the word lower-cased. Words run over letters, digits, marks and "_";
// a single ' . or : stays inside a word, two in a row end it; anything else ends it.
const MID = new Set([
  "'",
  '.',
  ':',
  '\u2019',
  '\u00b7',
  '\u2018',
  '\u2024',
  '\ufe52',
  '\uff07',
  '\uff0e'
])
const TITLE_SPECIAL: Record<string, string> = {
  ß: 'Ss',
  ǆ: 'ǅ',
  Ǆ: 'ǅ',
  ǉ: 'ǈ',
  Ǉ: 'ǈ',
  ǌ: 'ǋ',
  Ǌ: 'ǋ',
  ǳ: 'ǲ',
  Ǳ: 'ǲ',
  ﬀ: 'Ff',
  ﬁ: 'Fi',
  ﬂ: 'Fl',
  ﬃ: 'Ffi',
  ﬄ: 'Ffl',
  ﬅ: 'St',
  ﬆ: 'St'
}
const isCased = (ch: string): boolean => /[\p{Lu}\p{Ll}\p{Lt}]/u.test(ch)
const inWord = (ch: string): boolean => /[\p{L}\p{M}\p{Nd}_]/u.test(ch)

export function title(s: string): string {
  const chars = [...s]
  let out = ''
  let midWord = false
  chars.forEach((ch, i) => {
    if (i > 0 && MID.has(chars[i - 1]!) && MID.has(ch)) midWord = false
    if (isCased(ch)) {
      if (!midWord) {
        out += TITLE_SPECIAL[ch] ?? ch.toUpperCase()
        midWord = true
      } else if (ch === 'Σ') {
        out += isCased(chars[i + 1] ?? '') ? 'σ' : 'ς'
      } else {
        out += ch.toLowerCase()
      }
      return
    }
    out += ch
    if (!inWord(ch) && !MID.has(ch)) midWord = false
  })
  return out
}

// Masterminds semver's loose parse (what GoReleaser's incpatch/incminor/incmajor use).
const LOOSE_SEMVER =
  /^v?([0-9]+)(\.[0-9]+)?(\.[0-9]+)?(-([0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*))?(\+([0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*))?$/

function increment(part: 'major' | 'minor' | 'patch') {
  return (v: GoValue): string => {
    const text = v as string
    const m = LOOSE_SEMVER.exec(text)
    if (!m) throw new Error('Invalid Semantic Version')
    let major = BigInt(m[1]!)
    let minor = BigInt((m[2] ?? '.0').slice(1))
    let patch = BigInt((m[3] ?? '.0').slice(1))
    const pre = m[5]
    if (part === 'major') [major, minor, patch] = [major + 1n, 0n, 0n]
    if (part === 'minor') [minor, patch] = [minor + 1n, 0n]
    // A pre-release's next patch is the release it leads to.
    if (part === 'patch' && pre === undefined) patch += 1n
    return `${text.startsWith('v') ? 'v' : ''}${major}.${minor}.${patch}`
  }
}

/** GoReleaser's template functions; `time` formats `now` (the commit time: see README). */
export function templateFuncs(env: GoMap, now: GoTime): FuncMap {
  const s =
    (f: (...a: string[]) => GoValue) =>
    (...a: GoValue[]) =>
      f(...(a as string[]))
  const lookup = (name: string): string | undefined =>
    env.entries.has(name) ? (env.entries.get(name) as string) : undefined
  return {
    replace: { params: ['string', 'string', 'string'], call: s(replaceAll) },
    split: { params: ['string', 'string'], call: s((a, b) => goSplit(a, b)) },
    time: { params: ['string'], call: s(layout => now.Format(layout)) },
    contains: { params: ['string', 'string'], call: s((a, b) => a.includes(b)) },
    tolower: { params: ['string'], call: s(a => a.toLowerCase()) },
    toupper: { params: ['string'], call: s(a => a.toUpperCase()) },
    trim: { params: ['string'], call: s(a => a.replace(/^\s+|\s+$/gu, '')) },
    trimprefix: {
      params: ['string', 'string'],
      call: s((a, p) => (a.startsWith(p) ? a.slice(p.length) : a))
    },
    trimsuffix: {
      params: ['string', 'string'],
      call: s((a, p) => (p !== '' && a.endsWith(p) ? a.slice(0, -p.length) : a))
    },
    title: { params: ['string'], call: s(title) },
    dir: { params: ['string'], call: s(goDir) },
    base: { params: ['string'], call: s(goBase) },
    incmajor: { params: ['string'], call: increment('major') },
    incminor: { params: ['string'], call: increment('minor') },
    incpatch: { params: ['string'], call: increment('patch') },
    envOrDefault: { params: ['string', 'string'], call: s((name, value) => lookup(name) ?? value) },
    isEnvSet: { params: ['string'], call: s(name => (lookup(name) ?? '') !== '') }
  }
}

/** strings.ReplaceAll: an empty `old` matches before every character and at the end. */
function replaceAll(s: string, old: string, replacement: string): string {
  if (old === '') return replacement + [...s].map(c => c + replacement).join('')
  return s.split(old).join(replacement)
}

/** path/filepath.Clean on a slash path. */
function goClean(p: string): string {
  if (p === '') return '.'
  const cleaned = path.posix.normalize(p)
  return cleaned.length > 1 && cleaned.endsWith('/') ? cleaned.slice(0, -1) : cleaned
}

/** path/filepath.Dir: everything before the last slash, cleaned. */
function goDir(p: string): string {
  return goClean(p.slice(0, p.lastIndexOf('/') + 1))
}

/** path/filepath.Base: the last element; "." for "", "/" for slashes only. */
function goBase(p: string): string {
  if (p === '') return '.'
  const trimmed = p.replace(/\/+$/, '')
  if (trimmed === '') return '/'
  return trimmed.slice(trimmed.lastIndexOf('/') + 1)
}

/** strings.Split: an empty separator splits after each UTF-8 sequence. */
function goSplit(s: string, sep: string): string[] {
  if (sep === '') return [...s]
  return s.split(sep)
}

const NO_ENV = envMap({})
const EPOCH = new GoTime(0)

/** Parses a template with GoReleaser's functions; throws GoTemplateError. */
function parse(text: string): GoTemplate {
  return GoTemplate.parse(text, templateFuncs(NO_ENV, EPOCH))
}

function suggestion(name: string, allowed: readonly TemplateField[]): string {
  const lower = name.toLowerCase()
  // Two edits on a short name reach unrelated fields (.Arm would suggest .Arch).
  const limit = lower.length <= 4 ? 1 : 2
  const near = nearest(lower, allowed, limit)
  return near ? `; did you mean {{.${near}}}?` : ''
}

function describeError(text: string, error: GoTemplateError): string {
  return `template "${text}": ${error.message}`
}

/**
 * Problems in a template, each a full sentence naming `input`: what Go's parser rejects (with
 * line and column), and root fields that do not exist or are not available for this input.
 */
export function checkTemplate(
  input: string,
  text: string,
  allowed: readonly TemplateField[]
): string[] {
  let parsed: GoTemplate
  try {
    parsed = parse(text)
  } catch (error) {
    if (error instanceof GoTemplateError) return [`${input}: ${describeError(text, error)}`]
    throw error
  }
  const out: string[] = []
  const list = allowed.map(f => `.${f}`).join(', ')
  const seen = new Set<string>()
  for (const { name, line, column } of parsed.rootFields()) {
    if ((allowed as readonly string[]).includes(name) || seen.has(name)) continue
    seen.add(name)
    const at = `line ${line}, column ${column}`
    if (
      [...TEMPLATE_FIELDS, ...PACKAGE_FIELDS, ...ARTIFACT_FIELDS].includes(name as TemplateField)
    ) {
      out.push(
        `${input}: template field {{.${name}}} (${at}) is not available here (available: ${list})`
      )
    } else {
      out.push(
        `${input}: unknown template field {{.${name}}} (${at}) (known: ${list})${suggestion(name, allowed)}`
      )
    }
  }
  return out
}

/**
 * Renders a template with `values` as its data (missing fields and unset .Env keys fail, as in
 * GoReleaser); `Env` defaults to an empty map and `time` formats `Now`. Throws an Error naming
 * the template, the position and the cause.
 */
export function renderTemplate(text: string, values: TemplateValues): string {
  const entries = new Map<string, GoValue>()
  for (const [k, v] of Object.entries(values)) if (v !== undefined) entries.set(k, v)
  const env = values.Env instanceof GoMap ? values.Env : NO_ENV
  if (!entries.has('Env')) entries.set('Env', env)
  const now = values.Now instanceof GoTime ? values.Now : EPOCH
  try {
    const t = GoTemplate.parse(text, templateFuncs(env, now))
    return t.execute(new GoMap(entries, null, 'map[string]interface {}'))
  } catch (error) {
    if (error instanceof GoTemplateError)
      throw new Error(describeError(text, error), { cause: error })
    throw error
  }
}
