import { TARGET_PATTERN, TARGET_VARIABLES } from './lib/target-patterns.js'
// Checks for what users may hand to `go build`: flags, -ldflags, GOFLAGS and environment.
// The rules follow go1.26's cmd/go (work/build.go AddBuildFlags, base/goflags.go) and
// cmd/internal/quoted, so an accepted value means what Go will make of it.

const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r'

/** Port of Go's cmd/internal/quoted.Split: splits on spaces; single or double quotes only around whole fields; no escapes; throws Error('unterminated \' string') like Go. */
export function splitQuoted(s: string): string[] {
  const fields: string[] = []
  let i = 0
  while (i < s.length) {
    while (i < s.length && isSpace(s[i])) i++
    if (i >= s.length) break
    const quote = s[i]
    if (quote === '"' || quote === "'") {
      const end = s.indexOf(quote, i + 1)
      if (end < 0) throw new Error(`unterminated ${quote} string`)
      fields.push(s.slice(i + 1, end))
      i = end + 1
      continue
    }
    const start = i
    while (i < s.length && !isSpace(s[i])) i++
    fields.push(s.slice(start, i))
  }
  return fields
}

/** Port of quoted.Join (quote fields containing spaces/quotes; throws when a field contains both quote kinds — it cannot be expressed). */
export function joinQuoted(args: string[]): string {
  // Like Go, an empty argument is written as nothing, so Split drops it.
  return args
    .map(arg => {
      const space = [...arg].some(isSpace)
      const single = arg.includes("'")
      const double = arg.includes('"')
      if (!space && !single && !double) return arg
      if (!single) return `'${arg}'`
      if (!double) return `"${arg}"`
      throw new Error(
        `argument ${JSON.stringify(arg)} contains both single and double quotes and cannot be quoted`
      )
    })
    .join(' ')
}

/** Splits like a POSIX shell without escapes (quotes may sit anywhere in a word); used only to guess what a user meant. */
function splitShellLike(s: string): string[] | undefined {
  const fields: string[] = []
  let current: string | undefined
  for (let i = 0; i < s.length; i++) {
    const c = s[i]
    if (isSpace(c)) {
      if (current !== undefined) fields.push(current)
      current = undefined
    } else if (c === '"' || c === "'") {
      const end = s.indexOf(c, i + 1)
      if (end < 0) return undefined
      current = (current ?? '') + s.slice(i + 1, end)
      i = end
    } else {
      current = (current ?? '') + c
    }
  }
  if (current !== undefined) fields.push(current)
  return fields
}

/**
 * Go's PerPackageFlag.set: an optional `pattern=` prefix when the value does not start with '-',
 * then quoted.Split of the rest. Returns the flag words or a problem sentence.
 */
function splitPerPackage(value: string): { words: string[]; rest: string } | { problem: string } {
  let v = value.trim()
  if (v !== '' && !v.startsWith('-')) {
    const eq = v.indexOf('=')
    if (eq < 0) return { problem: 'missing =<value> in <pattern>=<value>' }
    if (eq === 0) return { problem: 'missing <pattern> in <pattern>=<value>' }
    if (v[0] === "'" || v[0] === '"') {
      return { problem: `parameter may not start with quote character ${v[0]}` }
    }
    v = v.slice(eq + 1)
  }
  try {
    return { words: splitQuoted(v), rest: v }
  } catch (error) {
    return { problem: (error as Error).message }
  }
}

/** Problems with a rendered -ldflags value: unterminated quotes, -X without importpath.name=value, quotes inside a field (`-X main.v="a b"` splits as two fields with literal quotes: explain to quote the whole field as -X 'main.v=a b'), values that would need both quote kinds. */
export function checkLdflags(input: string, rendered: string): string[] {
  const split = splitPerPackage(rendered)
  if ('problem' in split) {
    return [
      `${input}: ${split.problem} in "${rendered}" (go splits -ldflags at spaces; quotes go around whole words, without escapes)`
    ]
  }
  const problems: string[] = []
  const words = split.words
  // splitQuoted keeps no record of which words were quoted, so find literal quotes by re-reading.
  const rawWords = rawFields(split.rest)
  if (rawWords.some(w => w[0] !== '"' && w[0] !== "'" && /["']/.test(w))) {
    problems.push(quoteAdvice(input, rendered, split.rest, words))
  }
  for (let i = 0; i < words.length; i++) {
    const word = words[i]
    if (word === '-o' || word === '--o' || /^--?o=/.test(word)) {
      problems.push(
        `${input}: linker flag "${word}" is not allowed: the action chooses output paths`
      )
      continue
    }
    let arg: string | undefined
    if (word === '-X' || word === '--X') {
      arg = words[++i]
      if (arg === undefined) {
        problems.push(`${input}: "-X" at the end of "${rendered}" needs importpath.name=value`)
        continue
      }
    } else if (/^--?X=/.test(word)) {
      arg = word.slice(word.indexOf('=') + 1)
    } else {
      continue
    }
    // cmd/link addstrdata1: the last '.' before the first '=' ends the import path.
    const eq = arg.indexOf('=')
    if (eq < 0 || !arg.slice(0, eq).includes('.')) {
      problems.push(
        `${input}: -X "${arg}" is not importpath.name=value (e.g. -X main.version=1.2.3)`
      )
    }
  }
  return problems
}

/** The fields of s as written, quotes kept. Only called after splitQuoted accepted s. */
function rawFields(s: string): string[] {
  const out: string[] = []
  let i = 0
  while (i < s.length) {
    while (i < s.length && isSpace(s[i])) i++
    if (i >= s.length) break
    const start = i
    if (s[i] === '"' || s[i] === "'") {
      i = s.indexOf(s[i], i + 1) + 1
    } else {
      while (i < s.length && !isSpace(s[i])) i++
    }
    out.push(s.slice(start, i))
  }
  return out
}

function quoteAdvice(input: string, rendered: string, rest: string, words: string[]): string {
  const head = `${input}: "${rendered}" has quotes inside a word, which go keeps as literal characters (it reads the words ${words.join(' | ')})`
  const meant = splitShellLike(rest)
  if (!meant) return `${head}; put quotes around whole words only, as in -X 'main.v=a b'`
  try {
    return `${head}; quote whole words instead: ${joinQuoted(meant)}`
  } catch {
    const both = meant.find(w => w.includes('"') && w.includes("'")) ?? ''
    return `${head}; ${both} needs both ' and ", which -ldflags cannot express (go has no escapes)`
  }
}

interface FlagSpec {
  /** false for boolean flags, which never take the next argument */
  readonly takesValue: boolean
  /** a problem with the value, or undefined */
  readonly check?: (value: string) => string | undefined
}

const oneOf =
  (...choices: string[]) =>
  (v: string): string | undefined =>
    choices.includes(v) ? undefined : `allowed: ${choices.join(', ')}`

const perPackage = (v: string): string | undefined => {
  const split = splitPerPackage(v)
  return 'problem' in split ? split.problem : undefined
}

const BOOL: FlagSpec = { takesValue: false }
const VALUE: FlagSpec = { takesValue: true }

const ALLOWED = new Map<string, FlagSpec>([
  ['a', BOOL],
  ['asan', BOOL],
  ['asmflags', { takesValue: true, check: perPackage }],
  // -buildmode=c-shared, plugin, archive... do not produce executables the action can package.
  ['buildmode', { takesValue: true, check: oneOf('exe', 'pie', 'default') }],
  ['compiler', { takesValue: true, check: oneOf('gc', 'gccgo') }],
  ['cover', BOOL],
  ['covermode', { takesValue: true, check: oneOf('set', 'count', 'atomic') }],
  ['coverpkg', VALUE],
  ['gccgoflags', { takesValue: true, check: perPackage }],
  ['gcflags', { takesValue: true, check: perPackage }],
  ['installsuffix', VALUE],
  ['linkshared', BOOL],
  ['mod', { takesValue: true, check: oneOf('readonly', 'vendor', 'mod') }],
  ['modcacherw', BOOL],
  ['msan', BOOL],
  [
    'p',
    {
      takesValue: true,
      check: v => (/^[0-9]+$/.test(v) && Number(v) > 0 ? undefined : 'a positive whole number')
    }
  ],
  ['pgo', VALUE],
  ['race', BOOL],
  ['v', BOOL],
  ['x', BOOL]
])

const ALLOWED_LIST = [...ALLOWED.keys()].map(n => `-${n}`).join(', ')

/** Flags users may not pass, with why; `owned` ones have an input of their own. */
const DENIED = new Map<string, { reason: string; takesValue: boolean; owned?: boolean }>([
  ['o', { takesValue: true, reason: 'the action chooses output paths' }],
  [
    'toolexec',
    { takesValue: true, reason: 'it runs another program around every compile and link' }
  ],
  ['overlay', { takesValue: true, reason: 'it builds other files in place of the sources' }],
  ['modfile', { takesValue: true, reason: 'it builds with another go.mod than the module’s own' }],
  [
    'pkgdir',
    { takesValue: true, reason: 'it changes where go reads and writes compiled packages' }
  ],
  ['n', { takesValue: false, reason: 'it prints the build commands without building' }],
  ['work', { takesValue: false, reason: 'it keeps go’s temporary work directory' }],
  [
    'C',
    {
      takesValue: true,
      reason: 'it changes the directory go builds in (use the working-directory input)'
    }
  ],
  [
    'json',
    { takesValue: false, reason: 'it turns go’s output into JSON the action does not read' }
  ],
  [
    'exec',
    {
      takesValue: true,
      reason: 'it runs programs through another program (and is no go build flag)'
    }
  ],
  ['i', { takesValue: false, reason: 'it was removed from go build in go1.20' }],
  [
    'debug-actiongraph',
    { takesValue: true, reason: 'it writes debugging files outside the build' }
  ],
  [
    'debug-runtime-trace',
    { takesValue: true, reason: 'it writes debugging files outside the build' }
  ],
  ['debug-trace', { takesValue: true, reason: 'it writes debugging files outside the build' }],
  ['ldflags', { takesValue: true, owned: true, reason: 'set linker flags with the ldflags input' }],
  ['tags', { takesValue: true, owned: true, reason: 'set build tags with the tags input' }],
  ['trimpath', { takesValue: false, owned: true, reason: 'set it with the trimpath input' }],
  // -buildvcs is boolean-like in Go (IsBoolFlag), so a bare -buildvcs takes no value.
  ['buildvcs', { takesValue: false, owned: true, reason: 'set it with the buildvcs input' }]
])

const GO_BOOLS = ['1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False']

type Parsed =
  | { kind: 'flag'; name: string; value?: string }
  | { kind: 'bad'; problem: string }
  | { kind: 'nonflag' }

/** One argument as Go's flag package (FlagSet.parseOne) reads it. */
function parseFlag(arg: string): Parsed {
  if (arg.length < 2 || arg[0] !== '-') return { kind: 'nonflag' }
  if (arg === '--') return { kind: 'bad', problem: 'ends flag parsing; only flags belong here' }
  const body = arg.slice(arg[1] === '-' ? 2 : 1)
  if (body === '' || body[0] === '-' || body[0] === '=') {
    return { kind: 'bad', problem: 'is bad flag syntax' }
  }
  const eq = body.indexOf('=')
  return eq < 0
    ? { kind: 'flag', name: body }
    : { kind: 'flag', name: body.slice(0, eq), value: body.slice(eq + 1) }
}

/** The refusal of a denied flag, or undefined when the flag is not denied. */
function denial(prefix: string, shown: string, name: string): string | undefined {
  const denied = DENIED.get(name)
  if (!denied) return undefined
  return denied.owned
    ? `${prefix} "${shown}" is not allowed: ${denied.reason}`
    : `${prefix} "${shown}" is not allowed: ${denied.reason} (allowed: ${ALLOWED_LIST})`
}

/** The problem with one flag occurrence, or undefined; `value` is undefined when none was given. */
function checkFlag(
  prefix: string,
  shown: string,
  name: string,
  value: string | undefined
): string | undefined {
  const refused = denial(prefix, shown, name)
  if (refused) return refused
  const spec = ALLOWED.get(name)
  if (!spec)
    return `${prefix} "${shown}" is not a go build flag this action accepts (allowed: ${ALLOWED_LIST})`
  if (!spec.takesValue) {
    if (value !== undefined && !GO_BOOLS.includes(value)) {
      return `${prefix} "${shown}": -${name} is a boolean flag (allowed: -${name}, -${name}=true, -${name}=false)`
    }
    return undefined
  }
  const bad = value === undefined ? undefined : spec.check?.(value)
  return bad === undefined
    ? undefined
    : `${prefix} "${shown}" has a bad value for -${name} (${bad})`
}

/** Problems with the `flags` input (already split): allowlisted go build flags only. */
export function checkBuildFlags(input: string, flags: string[]): string[] {
  const problems: string[] = []
  const prefix = `${input}:`
  for (let i = 0; i < flags.length; i++) {
    const arg = flags[i]
    const parsed = parseFlag(arg)
    if (parsed.kind === 'nonflag') {
      problems.push(
        `${prefix} "${arg}" is not a flag: only go build flags belong here (packages and output come from other inputs)`
      )
      continue
    }
    if (parsed.kind === 'bad') {
      problems.push(`${prefix} "${arg}" ${parsed.problem}`)
      continue
    }
    const refused = denial(prefix, arg, parsed.name)
    if (refused) {
      // Skip a separate value too, so "-o bin/x" is one problem, not two.
      if (DENIED.get(parsed.name)?.takesValue && parsed.value === undefined) i++
      problems.push(refused)
      continue
    }
    let value = parsed.value
    let shown = arg
    // Go's flag package takes the next argument as the value, even one starting with '-'.
    if (ALLOWED.get(parsed.name)?.takesValue && value === undefined) {
      if (i + 1 >= flags.length) {
        problems.push(`${prefix} "${arg}" needs a value (write ${arg}=value)`)
        continue
      }
      value = flags[++i]
      shown = `${arg} ${value}`
    }
    const problem = checkFlag(prefix, shown, parsed.name, value)
    if (problem) problems.push(problem)
  }
  return problems
}

/** Problems with a GOFLAGS value (space-separated -flag=value list as go parses it): the same forbidden flags. */
export function checkGoflags(input: string, value: string): string[] {
  let words: string[]
  try {
    words = splitQuoted(value)
  } catch (error) {
    return [
      `${input}: GOFLAGS "${value}": ${(error as Error).message} (quote whole words, e.g. '-gcflags=-N -l')`
    ]
  }
  const problems: string[] = []
  const prefix = `${input}: GOFLAGS`
  for (const word of words) {
    // base.InitGOFLAGS: every word must be -x, --x, -x=value or --x=value.
    if (
      !word.startsWith('-') ||
      word === '-' ||
      word === '--' ||
      word.startsWith('---') ||
      word.startsWith('-=') ||
      word.startsWith('--=')
    ) {
      problems.push(
        `${prefix} word "${word}" is not a flag: GOFLAGS holds only -flag or -flag=value words`
      )
      continue
    }
    const parsed = parseFlag(word)
    if (parsed.kind !== 'flag') continue
    // GOFLAGS is shared by every go command (go test reads -count, -run) and the command line
    // overrides the flags an input owns: only flags that redirect output or run tools are refused.
    const denied = DENIED.get(parsed.name)
    if (denied?.owned || (!denied && !ALLOWED.has(parsed.name))) continue
    const spec = ALLOWED.get(parsed.name)
    if (spec?.takesValue && parsed.value === undefined) {
      problems.push(`${prefix} "${word}" needs a value: in GOFLAGS write ${word}=value`)
      continue
    }
    const problem = checkFlag(prefix, word, parsed.name, parsed.value)
    if (problem) problems.push(problem)
  }
  return problems
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
const ALLOWED_FAMILIES = 'GO*, CGO_*, CC, CXX, AR, FC, GCCGO, PKG_CONFIG*'
const allowedName = (n: string): boolean =>
  /^(GO|CGO_|PKG_CONFIG)/.test(n) || ['CC', 'CXX', 'AR', 'FC', 'GCCGO'].includes(n)

/** Names refused with a reason; matched upper-cased because Windows names ignore case. */
const REFUSED: [RegExp, string][] = [
  [
    new RegExp(`^(${TARGET_VARIABLES.join('|')})$`),
    'the targets input sets GOOS, GOARCH and variants (e.g. linux/arm/7)'
  ],
  [/^GOENV$/, 'go would read settings, GOFLAGS included, from a file these checks never see'],
  [/^(GOROOT|GOTOOLCHAIN)$/, 'every target builds with the one Go toolchain the action resolved'],
  [/^(GOCACHE|GOMODCACHE)$/, 'the action restores and saves Go’s caches itself'],
  [/^GOCACHEPROG$/, 'it runs a program that can hand go any build output'],
  [/^GOEXE$/, 'the action chooses output file names'],
  [/^(LD_|DYLD_)/, 'it loads code into every program the build runs'],
  [/^NODE_OPTIONS$/, 'it changes how Node runs, this action included'],
  [/^(BASH_ENV|ENV)$/, 'the shell runs the file it names at startup'],
  [/^PATH$/, 'it changes which programs run; install tools in an earlier step instead'],
  [/^(GITHUB_|RUNNER_|ACTIONS_|INPUT_|STATE_)/, 'it belongs to the runner']
]

/** Problems with an environment variable name for builds (undefined when fine), with the allowed families named. */
export function checkEnvName(input: string, name: string): string | undefined {
  if (!NAME.test(name)) {
    return `${input}: "${name}" is not a variable name (letters, digits and _, not starting with a digit${
      name !== name.trim() ? '; no spaces around "="' : ''
    })`
  }
  const upper = name.toUpperCase()
  for (const [pattern, reason] of REFUSED) {
    if (pattern.test(upper)) return `${input}: "${name}" is not allowed: ${reason}`
  }
  if (allowedName(name)) return undefined
  if (allowedName(upper)) {
    return `${input}: "${name}" is not allowed: names are case-sensitive; write ${upper}`
  }
  return `${input}: "${name}" is not allowed: builds take only Go and C toolchain variables (allowed: ${ALLOWED_FAMILIES})`
}

/** One parsed `env` line: optional target scope pattern ('linux/arm64', 'linux/*', 'windows/amd64'), name and value. */
export interface EnvSetting {
  /** target pattern as targets.matchesTargetPattern reads it; undefined for every target */
  scope?: string
  /** variable name, checked by checkEnvName */
  name: string
  /** value, passed as data and never interpreted */
  value: string
}

const SCOPE_HELP = 'goos/goarch or goos/goarch/variant, e.g. linux/arm64, linux/*, linux/arm/7'
// The scope ends at the first ':' and holds no '=', so "CC=C:\\mingw\\gcc" stays unscoped.
const SCOPED_LINE = /^([^\s=:]+)\s*:\s*(.*)$/

// Go splits these with quoted.Split (work/exec.go envList), so a stray quote fails every build.
const SPLIT_BY_GO = new Set([
  'CC',
  'CXX',
  'AR',
  'FC',
  'CGO_CFLAGS',
  'CGO_CPPFLAGS',
  'CGO_CXXFLAGS',
  'CGO_FFLAGS',
  'CGO_LDFLAGS'
])

/** Lines that are neither empty nor '#' comments, trimmed, with 1-based line numbers. */
export function contentLines(text: string): { line: number; text: string }[] {
  return text
    .split(/\r?\n/)
    .map((t, i) => ({ line: i + 1, text: t.trim() }))
    .filter(l => l.text !== '' && !l.text.startsWith('#'))
}

/** Parses the `env` input: lines `NAME=value` or `goos/goarch[/variant]: NAME=value`; '#' comment lines; collects problems (bad line shape, bad name via checkEnvName, GOFLAGS via checkGoflags). */
export function parseEnvInput(
  input: string,
  text: string
): { settings: EnvSetting[]; errors: string[] } {
  const settings: EnvSetting[] = []
  const errors: string[] = []
  const seen = new Map<string, number>()
  for (const { line, text: raw } of contentLines(text)) {
    const at = `${input}: line ${line}`
    let scope: string | undefined
    let rest = raw
    const scoped = SCOPED_LINE.exec(raw)
    if (scoped) {
      if (!TARGET_PATTERN.test(scoped[1])) {
        errors.push(`${at}: "${scoped[1]}" is not a target scope (${SCOPE_HELP})`)
        continue
      }
      scope = scoped[1]
      rest = scoped[2]
    }
    const eq = rest.indexOf('=')
    if (eq < 0) {
      errors.push(`${at}: "${raw}" is not NAME=value or goos/goarch: NAME=value`)
      continue
    }
    const name = rest.slice(0, eq)
    const value = rest.slice(eq + 1)
    if (scope === undefined && name.includes('/')) {
      errors.push(
        `${at}: "${raw}" looks like a target scope without ':' (write e.g. linux/arm64: CC=aarch64-linux-gnu-gcc)`
      )
      continue
    }
    const bad = checkEnvName(at, name)
    if (bad) {
      errors.push(bad)
      continue
    }
    const key = `${scope ?? ''} ${name}`
    const first = seen.get(key)
    if (first !== undefined) {
      errors.push(
        `${at}: ${name} is set again for ${scope ?? 'every target'} (first on line ${first})`
      )
      continue
    }
    seen.set(key, line)
    if (name === 'GOFLAGS') errors.push(...checkGoflags(at, value))
    if (SPLIT_BY_GO.has(name)) {
      try {
        splitQuoted(value)
      } catch (error) {
        errors.push(
          `${at}: ${name} "${value}": ${(error as Error).message} (go splits ${name} at spaces; quotes go around whole words, without escapes)`
        )
      }
    }
    settings.push(scope === undefined ? { name, value } : { scope, name, value })
  }
  return { settings, errors }
}

/** Parses `goos/goarch[/variant]: value` map lines (used by the `cc` input); collects problems. */
export function parseTargetMap(
  input: string,
  text: string
): { entries: { scope: string; value: string }[]; errors: string[] } {
  const entries: { scope: string; value: string }[] = []
  const errors: string[] = []
  const seen = new Map<string, number>()
  for (const { line, text: raw } of contentLines(text)) {
    const at = `${input}: line ${line}`
    const colon = raw.indexOf(':')
    const scope = colon < 0 ? '' : raw.slice(0, colon).trim()
    const value = colon < 0 ? '' : raw.slice(colon + 1).trim()
    if (colon < 0 || !TARGET_PATTERN.test(scope)) {
      errors.push(`${at}: "${raw}" is not goos/goarch[/variant]: value (${SCOPE_HELP})`)
      continue
    }
    if (value === '') {
      errors.push(`${at}: "${scope}" has no value after ':'`)
      continue
    }
    const first = seen.get(scope)
    if (first !== undefined) {
      errors.push(`${at}: "${scope}" is given again (first on line ${first})`)
      continue
    }
    seen.set(scope, line)
    entries.push({ scope, value })
  }
  return { entries, errors }
}
