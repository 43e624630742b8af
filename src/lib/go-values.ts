// Go values as templates see them, and how Go's fmt prints them.
//
// A template value is one of: string, bool, an integer (bigint: Go's int, int64 and uint64 print
// and compare alike), a float64 (number), a slice (array), a map (GoMap), a time (GoTime), nil
// (null). `undefined` stands for Go's invalid reflect.Value ("<no value>").

export type GoValue = string | boolean | bigint | number | GoValue[] | GoMap | GoTime | null

/** A Go map with string keys; `zero` is what indexing a missing key gives (the element's zero value). */
export class GoMap {
  constructor(
    readonly entries: ReadonlyMap<string, GoValue>,
    readonly zero: GoValue,
    readonly typeName: string
  ) {}
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December'
]
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']

/** A UTC instant with Go's time.Time methods that templates call. */
export class GoTime {
  constructor(readonly epochMs: number) {}

  /** time.Time.Format for a UTC time. */
  Format(layout: string): string {
    return formatTime(new Date(this.epochMs), layout)
  }

  Unix(): bigint {
    return BigInt(Math.floor(this.epochMs / 1000))
  }

  UTC(): GoTime {
    return this
  }

  Year(): bigint {
    return BigInt(new Date(this.epochMs).getUTCFullYear())
  }

  /** What fmt prints for a time.Time. */
  toString(): string {
    return this.Format('2006-01-02 15:04:05.999999999 -0700 MST')
  }
}

/** Methods a template may call on a GoTime, with their parameter types. */
export const TIME_METHODS: Record<string, readonly 'string'[]> = {
  Format: ['string'],
  Unix: [],
  UTC: [],
  Year: []
}

function pad(n: number, width: number, fill = '0'): string {
  return String(n).padStart(width, fill)
}

// Go's layout elements, longest first where one is a prefix of another.
const LAYOUT_TOKENS = [
  'January',
  'Jan',
  'Monday',
  'Mon',
  'MST',
  '2006',
  '06',
  '01',
  '02',
  '__2',
  '_2',
  '002',
  '15',
  '03',
  '04',
  '05',
  '1',
  '2',
  '3',
  '4',
  '5',
  'PM',
  'pm',
  '-07:00:00',
  '-070000',
  '-07:00',
  '-0700',
  '-07',
  'Z07:00:00',
  'Z070000',
  'Z07:00',
  'Z0700',
  'Z07'
]

function dayOfYear(d: Date): number {
  const start = Date.UTC(d.getUTCFullYear(), 0, 1)
  return Math.floor((d.getTime() - start) / 86400000) + 1
}

/** Go's time.Format for a UTC time: every standard layout element, fractions included. */
export function formatTime(d: Date, layout: string): string {
  let out = ''
  let i = 0
  const nanos = d.getUTCMilliseconds() * 1e6
  while (i < layout.length) {
    // Fractional seconds: ".000" / ",999" right after a seconds element or anywhere, as Go does
    // when the run of 0s or 9s is not followed by a digit.
    const c = layout[i]!
    if ((c === '.' || c === ',') && (layout[i + 1] === '0' || layout[i + 1] === '9')) {
      const digit = layout[i + 1]!
      let j = i + 1
      while (layout[j] === digit) j++
      if (!/[0-9]/.test(layout[j] ?? '')) {
        const width = j - i - 1
        let frac = String(nanos).padStart(9, '0').slice(0, width)
        if (digit === '9') {
          frac = frac.replace(/0+$/, '')
          out += frac === '' ? '' : c + frac
        } else {
          out += c + frac
        }
        i = j
        continue
      }
    }
    const token = LAYOUT_TOKENS.find(t => layout.startsWith(t, i))
    if (token === undefined || !tokenApplies(layout, i, token)) {
      out += c
      i++
      continue
    }
    out += layoutElement(d, token)
    i += token.length
  }
  return out
}

// Go reads "Jan"/"Mon" as elements only when not followed by a lowercase letter ("January" is
// matched first), and "2006"/"01"… anywhere.
function tokenApplies(layout: string, i: number, token: string): boolean {
  if (token === 'Jan' || token === 'Mon') {
    const next = layout[i + token.length] ?? ''
    return !/[a-z]/.test(next)
  }
  return true
}

function layoutElement(d: Date, token: string): string {
  const hour = d.getUTCHours()
  switch (token) {
    case 'January':
      return MONTHS[d.getUTCMonth()]!
    case 'Jan':
      return MONTHS[d.getUTCMonth()]!.slice(0, 3)
    case 'Monday':
      return DAYS[d.getUTCDay()]!
    case 'Mon':
      return DAYS[d.getUTCDay()]!.slice(0, 3)
    case 'MST':
      return 'UTC'
    case '2006':
      return pad(d.getUTCFullYear(), 4)
    case '06':
      return pad(d.getUTCFullYear() % 100, 2)
    case '01':
      return pad(d.getUTCMonth() + 1, 2)
    case '1':
      return String(d.getUTCMonth() + 1)
    case '02':
      return pad(d.getUTCDate(), 2)
    case '_2':
      return pad(d.getUTCDate(), 2, ' ')
    case '2':
      return String(d.getUTCDate())
    case '__2':
      return pad(dayOfYear(d), 3, ' ')
    case '002':
      return pad(dayOfYear(d), 3)
    case '15':
      return pad(hour, 2)
    case '3':
      return String(hour % 12 === 0 ? 12 : hour % 12)
    case '03':
      return pad(hour % 12 === 0 ? 12 : hour % 12, 2)
    case '4':
      return String(d.getUTCMinutes())
    case '04':
      return pad(d.getUTCMinutes(), 2)
    case '5':
      return String(d.getUTCSeconds())
    case '05':
      return pad(d.getUTCSeconds(), 2)
    case 'PM':
      return hour >= 12 ? 'PM' : 'AM'
    case 'pm':
      return hour >= 12 ? 'pm' : 'am'
    case '-07:00:00':
      return '+00:00:00'
    case '-070000':
      return '+000000'
    case '-07:00':
      return '+00:00'
    case '-0700':
      return '+0000'
    case '-07':
      return '+00'
    default:
      // Z07… forms print Z for UTC.
      return 'Z'
  }
}

/** Go's type name of a value, as fmt's %T and error messages print it. */
export function goTypeName(v: GoValue | undefined): string {
  if (v === undefined || v === null) return '<nil>'
  if (typeof v === 'string') return 'string'
  if (typeof v === 'boolean') return 'bool'
  if (typeof v === 'bigint') return 'int'
  if (typeof v === 'number') return 'float64'
  if (Array.isArray(v)) return '[]string'
  if (v instanceof GoMap) return v.typeName
  return 'time.Time'
}

/** Go's strconv.FormatFloat(f, 'g', -1, 64): shortest digits, %e when the exponent is < -4 or >= 6 (%v). */
export function formatFloat(f: number, expLimit = 6): string {
  if (Number.isNaN(f)) return 'NaN'
  if (f === Infinity) return '+Inf'
  if (f === -Infinity) return '-Inf'
  if (f === 0) return Object.is(f, -0) ? '-0' : '0'
  // JS gives the shortest round-trip digits too; only the layout differs.
  const [mantissa, expText] = f.toExponential().split('e') as [string, string]
  const exp = Number(expText)
  if (exp < -4 || exp >= expLimit) {
    const sign = exp < 0 ? '-' : '+'
    return `${mantissa}e${sign}${String(Math.abs(exp)).padStart(2, '0')}`
  }
  const negative = mantissa.startsWith('-')
  const digits = mantissa.replace('-', '').replace('.', '')
  let text: string
  if (exp >= 0) {
    text =
      digits.length > exp + 1
        ? `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`
        : digits.padEnd(exp + 1, '0')
  } else {
    text = `0.${'0'.repeat(-exp - 1)}${digits}`
  }
  return (negative ? '-' : '') + text
}

/** What fmt.Print writes for a value (%v). */
export function printValue(v: GoValue | undefined): string {
  if (v === undefined) return '<no value>'
  if (v === null) return '<nil>'
  if (typeof v === 'string') return v
  if (typeof v === 'boolean' || typeof v === 'bigint') return String(v)
  // fmt's %v is %g with the shortest digits.
  if (typeof v === 'number') return formatFloat(v)
  if (Array.isArray(v)) return `[${v.map(printValue).join(' ')}]`
  if (v instanceof GoMap) {
    const keys = [...v.entries.keys()].sort(compareStrings)
    return `map[${keys.map(k => `${k}:${printValue(v.entries.get(k)!)}`).join(' ')}]`
  }
  return v.toString()
}

/** Go's string order: bytewise on UTF-8. */
export function compareStrings(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b))
}

/** strconv.Quote for the characters templates meet. */
export function quote(s: string): string {
  let out = '"'
  for (const ch of s) {
    const code = ch.codePointAt(0)!
    switch (ch) {
      case '"':
        out += '\\"'
        continue
      case '\\':
        out += '\\\\'
        continue
      case '\x07':
        out += '\\a'
        continue
      case '\b':
        out += '\\b'
        continue
      case '\f':
        out += '\\f'
        continue
      case '\n':
        out += '\\n'
        continue
      case '\r':
        out += '\\r'
        continue
      case '\t':
        out += '\\t'
        continue
      case '\v':
        out += '\\v'
        continue
    }
    if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`
    else if (code >= 0x80 && code < 0xa0) out += `\\u${code.toString(16).padStart(4, '0')}`
    else out += ch
  }
  return out + '"'
}

/** fmt.Sprint: spaces between operands when neither side is a string. */
export function sprint(args: GoValue[]): string {
  let out = ''
  args.forEach((a, i) => {
    if (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string') out += ' '
    out += printValue(a)
  })
  return out
}

/** fmt.Sprintln: always spaces, and a newline. */
export function sprintln(args: GoValue[]): string {
  return args.map(printValue).join(' ') + '\n'
}

interface Spec {
  minus: boolean
  plus: boolean
  sharp: boolean
  space: boolean
  zero: boolean
  width?: number
  precision?: number
}

function padded(text: string, spec: Spec, numeric: boolean): string {
  if (spec.width === undefined || [...text].length >= spec.width) return text
  const fill = spec.width - [...text].length
  if (spec.minus) return text + ' '.repeat(fill)
  if (spec.zero && numeric) {
    const sign = /^[+-]/.test(text) ? text[0]! : ''
    return sign + '0'.repeat(fill) + text.slice(sign.length)
  }
  if (spec.zero && !numeric) return '0'.repeat(fill) + text
  return ' '.repeat(fill) + text
}

function badVerb(verb: string, v: GoValue | undefined): string {
  if (v === undefined || v === null) return `%!${verb}(<nil>)`
  return `%!${verb}(${goTypeName(v)}=${printValue(v)})`
}

function signed(text: string, negative: boolean, spec: Spec): string {
  if (negative) return '-' + text
  if (spec.plus) return '+' + text
  if (spec.space) return ' ' + text
  return text
}

function formatInt(n: bigint, verb: string, spec: Spec): string | undefined {
  const negative = n < 0n
  const abs = negative ? -n : n
  let digits: string
  switch (verb) {
    case 'd':
    case 'v':
      digits = abs.toString(10)
      break
    case 'b':
      digits = abs.toString(2)
      break
    case 'o':
      digits = abs.toString(8)
      if (spec.sharp && digits[0] !== '0') digits = '0' + digits
      break
    case 'O':
      digits = '0o' + abs.toString(8)
      break
    case 'x':
      digits = (spec.sharp ? '0x' : '') + abs.toString(16)
      break
    case 'X':
      digits = (spec.sharp ? '0X' : '') + abs.toString(16).toUpperCase()
      break
    case 'c':
      return String.fromCodePoint(Number(n))
    case 'q':
      return `'${String.fromCodePoint(Number(n))}'`
    default:
      return undefined
  }
  if (spec.precision !== undefined) digits = digits.padStart(spec.precision, '0')
  return signed(digits, negative, spec)
}

/** The exact decimal value of a finite double: 0.digits × 10^point, digits without leading zeros. */
function exactDecimal(x: number): { digits: string; point: number } {
  if (x === 0) return { digits: '', point: 0 }
  const view = new DataView(new ArrayBuffer(8))
  view.setFloat64(0, x)
  const bits = view.getBigUint64(0)
  const exponentBits = Number((bits >> 52n) & 0x7ffn)
  let mantissa = bits & ((1n << 52n) - 1n)
  let exp2: number
  if (exponentBits === 0) exp2 = -1074
  else {
    mantissa |= 1n << 52n
    exp2 = exponentBits - 1075
  }
  let text: string
  let fraction: number
  if (exp2 >= 0) {
    text = (mantissa << BigInt(exp2)).toString()
    fraction = 0
  } else {
    text = (mantissa * 5n ** BigInt(-exp2)).toString()
    fraction = -exp2
  }
  const point = text.length - fraction
  const digits = text.replace(/0+$/, '')
  const lead = digits.length - digits.replace(/^0+/, '').length
  return { digits: digits.slice(lead), point: point - lead }
}

/** Rounds an exact decimal to `keep` digits, ties to even (strconv's rule). */
function roundDigits(
  d: { digits: string; point: number },
  keep: number
): { digits: string; point: number } {
  if (keep < 0) return { digits: '', point: d.point }
  if (d.digits.length <= keep) return d
  const head = d.digits.slice(0, keep)
  const next = d.digits[keep]!
  const rest = d.digits.slice(keep + 1)
  const up =
    next > '5' ||
    (next === '5' && (/[1-9]/.test(rest) || (keep > 0 && Number(head[keep - 1]) % 2 === 1)))
  if (!up) return { digits: head.replace(/0+$/, ''), point: d.point }
  if (head === '') return { digits: '1', point: d.point + 1 }
  const bumped = (BigInt(head) + 1n).toString()
  return bumped.length > head.length
    ? { digits: bumped.replace(/0+$/, ''), point: d.point + 1 }
    : { digits: bumped.replace(/0+$/, ''), point: d.point }
}

/** %f with `precision` fraction digits, rounded as Go rounds. */
function fixed(x: number, precision: number): string {
  const d = roundDigits(exactDecimal(x), exactDecimal(x).point + precision)
  const all = d.digits.padEnd(Math.max(d.point + precision, 0), '0')
  const intPart = d.point > 0 ? all.slice(0, d.point).padEnd(d.point, '0') : '0'
  let frac = ''
  for (let i = 0; i < precision; i++) {
    const at = d.point + i
    frac += at < 0 ? '0' : (all[at] ?? '0')
  }
  return precision > 0 ? `${intPart}.${frac}` : intPart
}

/** %e with `precision` digits after the point, rounded as Go rounds. */
function exponential(x: number, precision: number): { text: string; exp: number } {
  const d = x === 0 ? { digits: '', point: 1 } : roundDigits(exactDecimal(x), precision + 1)
  const digits = d.digits.padEnd(precision + 1, '0')
  const exp = x === 0 ? 0 : d.point - 1
  const mant = precision > 0 ? `${digits[0]}.${digits.slice(1)}` : digits[0]!
  return { text: `${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`, exp }
}

function formatFloatVerb(f: number, verb: string, spec: Spec): string | undefined {
  const negative = f < 0 || Object.is(f, -0)
  const abs = Math.abs(f)
  let text: string
  switch (verb) {
    case 'f':
    case 'F':
      text = fixed(abs, spec.precision ?? 6)
      break
    case 'e':
    case 'E':
      text = exponential(abs, spec.precision ?? 6).text
      if (verb === 'E') text = text.toUpperCase()
      break
    case 'g':
    case 'G':
    case 'v':
      if (spec.precision === undefined) {
        text = formatFloat(abs)
      } else {
        const p = Math.max(spec.precision, 1)
        const e = exponential(abs, p - 1)
        if (e.exp < -4 || e.exp >= p) {
          text = e.text.replace(/\.?0+e/, 'e')
        } else {
          text = fixed(abs, Math.max(p - 1 - e.exp, 0))
          if (text.includes('.')) text = text.replace(/\.?0+$/, '')
        }
      }
      if (verb === 'G') text = text.toUpperCase()
      break
    default:
      return undefined
  }
  return signed(text, negative, spec)
}

function formatOne(v: GoValue | undefined, verb: string, spec: Spec): string {
  if (verb === 'T') return padded(goTypeName(v), spec, false)
  if (v === undefined || v === null) {
    return verb === 'v' ? padded('<nil>', spec, false) : badVerb(verb, v)
  }
  if (Array.isArray(v)) {
    if (verb === 'q' || verb === 's' || verb === 'v' || verb === 'd' || verb === 'x')
      return `[${v.map(e => formatOne(e, verb, spec)).join(' ')}]`
    return badVerb(verb, v)
  }
  if (typeof v === 'string') {
    let s = v
    switch (verb) {
      case 'v':
        if (spec.sharp) return padded(quote(s), spec, false)
        break
      case 's':
        break
      case 'q':
        return padded(quote(s), spec, false)
      case 'x':
      case 'X': {
        const hex = Buffer.from(s).toString('hex')
        return padded(verb === 'X' ? hex.toUpperCase() : hex, spec, false)
      }
      default:
        return badVerb(verb, v)
    }
    if (spec.precision !== undefined) s = [...s].slice(0, spec.precision).join('')
    return padded(s, spec, false)
  }
  if (typeof v === 'boolean') {
    return verb === 'v' || verb === 't' ? padded(String(v), spec, false) : badVerb(verb, v)
  }
  if (typeof v === 'bigint') {
    const text = formatInt(v, verb, spec)
    if (text === undefined) return badVerb(verb, v)
    return padded(text, spec, verb !== 'c' && verb !== 'q' && spec.precision === undefined)
  }
  if (typeof v === 'number') {
    const text = formatFloatVerb(v, verb, spec)
    return text === undefined ? badVerb(verb, v) : padded(text, spec, true)
  }
  if (verb === 'v' || verb === 's') return padded(printValue(v), spec, false)
  return badVerb(verb, v)
}

/** fmt.Sprintf with the verbs and flags templates use; wrong verbs and arity print as Go does. */
export function sprintf(format: string, args: GoValue[]): string {
  let out = ''
  let argIndex = 0
  let i = 0
  while (i < format.length) {
    const c = format[i]!
    if (c !== '%') {
      out += c
      i++
      continue
    }
    i++
    const spec: Spec = { minus: false, plus: false, sharp: false, space: false, zero: false }
    for (; i < format.length; i++) {
      const f = format[i]
      if (f === '-') spec.minus = true
      else if (f === '+') spec.plus = true
      else if (f === '#') spec.sharp = true
      else if (f === ' ') spec.space = true
      else if (f === '0') spec.zero = true
      else break
    }
    let digits = /^\d+/.exec(format.slice(i))?.[0]
    if (digits) {
      spec.width = Number(digits)
      i += digits.length
    }
    if (format[i] === '.') {
      i++
      digits = /^\d+/.exec(format.slice(i))?.[0]
      spec.precision = digits ? Number(digits) : 0
      if (digits) i += digits.length
    }
    if (i >= format.length) {
      out += '%!(NOVERB)'
      break
    }
    const verb = String.fromCodePoint(format.codePointAt(i)!)
    i += verb.length
    if (verb === '%') {
      out += '%'
      continue
    }
    if (argIndex >= args.length) {
      out += `%!${verb}(MISSING)`
      continue
    }
    out += formatOne(args[argIndex++], verb, spec)
  }
  if (argIndex < args.length) {
    const extra = args.slice(argIndex).map(a => `${goTypeName(a)}=${printValue(a)}`)
    out += `%!(EXTRA ${extra.join(', ')})`
  }
  return out
}
