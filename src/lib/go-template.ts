// Go's text/template, interpreted: the lexer, parser and evaluator follow the Go package's rules
// (trim markers, comments, pipelines, variables, if/else if/with/else with/range/break/continue,
// define/template/block, missingkey=error, the builtins) so a template renders here exactly as
// Go renders it; __tests__/go-template-differential.test.ts holds that against Go itself.

import {
  compareStrings,
  GoMap,
  GoTime,
  goTypeName,
  printValue,
  sprint,
  sprintf,
  sprintln,
  TIME_METHODS,
  type GoValue
} from './go-values.js'

/** A parse or execution error at a position of the template text. */
export class GoTemplateError extends Error {
  constructor(
    readonly reason: string,
    readonly line: number,
    readonly column: number,
    readonly near?: string
  ) {
    super(`line ${line}, column ${column}${near ? ` at ${near}` : ''}: ${reason}`)
  }
}

// ---------------------------------------------------------------------------------------------
// Lexer

type TokenType =
  | 'text'
  | 'leftDelim'
  | 'rightDelim'
  | 'space'
  | 'field'
  | 'variable'
  | 'dot'
  | 'identifier'
  | 'keyword'
  | 'bool'
  | 'nil'
  | 'number'
  | 'charConstant'
  | 'string'
  | 'rawString'
  | 'leftParen'
  | 'rightParen'
  | 'pipe'
  | 'declare'
  | 'assign'
  | 'char'
  | 'eof'

interface Token {
  type: TokenType
  value: string
  pos: number
}

const KEYWORDS = new Set([
  'block',
  'break',
  'continue',
  'define',
  'else',
  'end',
  'if',
  'range',
  'template',
  'with'
])

const isSpace = (c: string | undefined): boolean =>
  c === ' ' || c === '\t' || c === '\r' || c === '\n'
const isAlphaNumeric = (c: string | undefined): boolean =>
  c !== undefined && (c === '_' || /^[\p{L}\p{Nd}]$/u.test(c))

const hasLeftTrim = (s: string, i: number): boolean => s[i] === '-' && isSpace(s[i + 1])
const hasRightTrim = (s: string, i: number): boolean => isSpace(s[i]) && s[i + 1] === '-'

class Lexer {
  readonly tokens: Token[] = []
  private pos = 0
  private parenDepth = 0

  constructor(
    private readonly input: string,
    private readonly fail: (pos: number, message: string) => never
  ) {}

  run(): Token[] {
    while (this.pos < this.input.length) this.lexText()
    this.tokens.push({ type: 'eof', value: '', pos: this.input.length })
    return this.tokens
  }

  private emit(type: TokenType, start: number, end: number): void {
    this.tokens.push({ type, value: this.input.slice(start, end), pos: start })
  }

  private lexText(): void {
    const s = this.input
    const start = this.pos
    const open = s.indexOf('{{', start)
    if (open < 0) {
      this.emit('text', start, s.length)
      this.pos = s.length
      return
    }
    const trim = hasLeftTrim(s, open + 2)
    let end = open
    if (trim) while (end > start && isSpace(s[end - 1])) end--
    if (end > start) this.emit('text', start, end)
    this.pos = open + 2 + (trim ? 2 : 0)
    if (s.startsWith('/*', this.pos)) {
      this.lexComment(open)
      return
    }
    this.tokens.push({ type: 'leftDelim', value: '{{', pos: open })
    this.parenDepth = 0
    this.lexInsideAction()
  }

  private atRightDelim(): { delim: boolean; trim: boolean } {
    const s = this.input
    if (hasRightTrim(s, this.pos) && s.startsWith('}}', this.pos + 2))
      return { delim: true, trim: true }
    if (s.startsWith('}}', this.pos)) return { delim: true, trim: false }
    return { delim: false, trim: false }
  }

  private skipRightDelim(trim: boolean): void {
    const at = this.pos + (trim ? 2 : 0)
    this.tokens.push({ type: 'rightDelim', value: '}}', pos: at })
    this.pos = at + 2
    if (trim) while (isSpace(this.input[this.pos])) this.pos++
  }

  private lexComment(open: number): void {
    const close = this.input.indexOf('*/', this.pos + 2)
    if (close < 0) this.fail(open, 'unclosed comment')
    this.pos = close + 2
    const { delim, trim } = this.atRightDelim()
    if (!delim) this.fail(open, 'comment ends before closing delimiter')
    this.pos += trim ? 4 : 2
    if (trim) while (isSpace(this.input[this.pos])) this.pos++
  }

  private lexInsideAction(): void {
    const s = this.input
    for (;;) {
      const { delim, trim } = this.atRightDelim()
      if (delim) {
        if (this.parenDepth !== 0) this.fail(this.pos, 'unclosed left paren')
        this.skipRightDelim(trim)
        return
      }
      const start = this.pos
      const c = s[this.pos]
      if (c === undefined) this.fail(start, 'unclosed action')
      if (isSpace(c)) {
        // Stop before " -}}" so the trim marker is seen.
        while (
          isSpace(s[this.pos]) &&
          !(hasRightTrim(s, this.pos) && s.startsWith('}}', this.pos + 2))
        )
          this.pos++
        if (this.pos === start) this.pos++
        this.emit('space', start, this.pos)
        continue
      }
      this.pos++
      switch (c) {
        case '=':
          this.emit('assign', start, this.pos)
          continue
        case ':':
          if (s[this.pos] !== '=') this.fail(start, 'expected :=')
          this.pos++
          this.emit('declare', start, this.pos)
          continue
        case '|':
          this.emit('pipe', start, this.pos)
          continue
        case '"':
          this.lexQuoted(start, '"')
          continue
        case '`': {
          const close = s.indexOf('`', this.pos)
          if (close < 0) this.fail(start, 'unterminated raw quoted string')
          this.pos = close + 1
          this.emit('rawString', start, this.pos)
          continue
        }
        case '$':
          this.lexFieldOrVariable('variable', start)
          continue
        case "'":
          this.lexQuoted(start, "'")
          continue
        case '(':
          this.parenDepth++
          this.emit('leftParen', start, this.pos)
          continue
        case ')':
          this.parenDepth--
          if (this.parenDepth < 0) this.fail(start, 'unexpected right paren')
          this.emit('rightParen', start, this.pos)
          continue
      }
      if (c === '.' && !/[0-9]/.test(s[this.pos] ?? '')) {
        this.lexFieldOrVariable('field', start)
        continue
      }
      if (c === '.' || c === '+' || c === '-' || /[0-9]/.test(c)) {
        this.pos = start
        this.lexNumber(start)
        continue
      }
      if (isAlphaNumeric(c)) {
        while (isAlphaNumeric(s[this.pos])) this.pos++
        if (!this.atTerminator()) this.fail(this.pos, `bad character ${describe(s[this.pos]!)}`)
        const word = s.slice(start, this.pos)
        if (KEYWORDS.has(word)) this.emit('keyword', start, this.pos)
        else if (word === 'true' || word === 'false') this.emit('bool', start, this.pos)
        else if (word === 'nil') this.emit('nil', start, this.pos)
        else this.emit('identifier', start, this.pos)
        continue
      }
      const code = c.codePointAt(0)!
      if (code <= 0x7f && code >= 0x20 && code !== 0x7f) {
        this.emit('char', start, this.pos)
        continue
      }
      this.fail(start, `unrecognized character in action: ${describe(c)}`)
    }
  }

  private atTerminator(): boolean {
    const c = this.input[this.pos]
    if (c === undefined || isSpace(c)) return true
    if ('.,|:)('.includes(c)) return true
    return this.input.startsWith('}}', this.pos)
  }

  private lexFieldOrVariable(type: 'field' | 'variable', start: number): void {
    if (this.atTerminator()) {
      if (type === 'variable') this.emit('variable', start, this.pos)
      else this.emit('dot', start, this.pos)
      return
    }
    while (isAlphaNumeric(this.input[this.pos])) this.pos++
    if (!this.atTerminator())
      this.fail(this.pos, `bad character ${describe(this.input[this.pos]!)}`)
    this.emit(type, start, this.pos)
  }

  /** A "…" string or '…' character constant: backslash escapes, no newline inside. */
  private lexQuoted(start: number, quote: '"' | "'"): void {
    const s = this.input
    const what = quote === '"' ? 'unterminated quoted string' : 'unterminated character constant'
    for (;;) {
      const c = s[this.pos++]
      if (c === '\\') {
        const next = s[this.pos]
        if (next !== undefined && next !== '\n') {
          this.pos++
          continue
        }
        this.fail(start, what)
      }
      if (c === undefined || c === '\n') this.fail(start, what)
      if (c === quote) break
    }
    this.emit(quote === '"' ? 'string' : 'charConstant', start, this.pos)
  }

  private accept(valid: string): boolean {
    const c = this.input[this.pos]
    if (c !== undefined && valid.includes(c)) {
      this.pos++
      return true
    }
    return false
  }

  private acceptRun(valid: string): void {
    while (this.accept(valid));
  }

  private lexNumber(start: number): void {
    this.accept('+-')
    let digits = '0123456789_'
    if (this.accept('0')) {
      if (this.accept('xX')) digits = '0123456789abcdefABCDEF_'
      else if (this.accept('oO')) digits = '01234567_'
      else if (this.accept('bB')) digits = '01_'
    }
    this.acceptRun(digits)
    if (this.accept('.')) this.acceptRun(digits)
    if (digits.length === 11 && this.accept('eE')) {
      this.accept('+-')
      this.acceptRun('0123456789_')
    }
    if (digits.length === 23 && this.accept('pP')) {
      this.accept('+-')
      this.acceptRun('0123456789_')
    }
    this.accept('i')
    if (isAlphaNumeric(this.input[this.pos])) {
      this.pos++
      this.fail(start, `bad number syntax: ${JSON.stringify(this.input.slice(start, this.pos))}`)
    }
    this.emit('number', start, this.pos)
  }
}

function describe(c: string): string {
  const code = c.codePointAt(0)!
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')} '${c}'`
}

// ---------------------------------------------------------------------------------------------
// Parse tree

type Node =
  | { kind: 'text'; pos: number; text: string }
  | { kind: 'action'; pos: number; pipe: Pipe }
  | ControlNode
  | { kind: 'break' | 'continue'; pos: number }
  | { kind: 'template'; pos: number; name: string; pipe?: Pipe }

interface ControlNode {
  kind: 'if' | 'with' | 'range'
  pos: number
  pipe: Pipe
  list: Node[]
  elseList?: Node[]
}

interface Pipe {
  pos: number
  decl: string[]
  isAssign: boolean
  cmds: Command[]
}

interface Command {
  pos: number
  args: Operand[]
}

type Operand =
  | { kind: 'field'; pos: number; idents: string[] }
  | { kind: 'variable'; pos: number; name: string; idents: string[] }
  | { kind: 'dot'; pos: number }
  | { kind: 'nil'; pos: number }
  | { kind: 'bool'; pos: number; value: boolean }
  | { kind: 'number'; pos: number; text: string; num: NumberConst }
  | { kind: 'string'; pos: number; value: string; text: string }
  | { kind: 'identifier'; pos: number; name: string }
  | { kind: 'pipe'; pos: number; pipe: Pipe }
  | { kind: 'chain'; pos: number; node: Operand; idents: string[] }

interface NumberConst {
  int?: bigint
  float?: number
  /** the text looks like a float (".eEpP" and not a hex or rune constant) */
  floaty: boolean
}

// ---------------------------------------------------------------------------------------------
// Functions

/** Parameter types of template functions; values are checked and converted as Go's reflect would. */
export type ParamType = 'string' | 'bool' | 'int' | 'float' | 'any'

export interface TemplateFunc {
  params: readonly ParamType[]
  /** type of further arguments when the function is variadic */
  variadic?: ParamType
  /** throws an Error for Go's "error calling f: …" */
  call: (...args: GoValue[]) => GoValue
}

export type FuncMap = Readonly<Record<string, TemplateFunc>>

// ---------------------------------------------------------------------------------------------
// Parser

class Parser {
  private tokens: Token[] = []
  private i = 0
  private vars: string[][] = []
  private rangeDepth = 0
  readonly templates = new Map<string, Node[]>()

  constructor(
    private readonly text: string,
    private readonly funcs: FuncMap,
    private readonly fail: (pos: number, message: string) => never
  ) {}

  parse(): Node[] {
    this.tokens = new Lexer(this.text, this.fail).run()
    this.vars = [['$']]
    const list: Node[] = []
    for (;;) {
      const t = this.peek()
      if (t.type === 'eof') break
      if (t.type === 'leftDelim' && this.peekKeywordAfterDelim() === 'define') {
        this.next()
        this.nextNonSpace() // define
        this.parseDefinition()
        continue
      }
      const n = this.textOrAction()
      if (n.kind === 'end' || n.kind === 'else') this.fail(n.pos, `unexpected {{${n.kind}}}`)
      list.push(n.node!)
    }
    return list
  }

  private peekKeywordAfterDelim(): string | undefined {
    let j = this.i + 1
    while (this.tokens[j]?.type === 'space') j++
    const t = this.tokens[j]
    return t?.type === 'keyword' ? t.value : undefined
  }

  private next(): Token {
    return this.tokens[this.i++]!
  }

  private peek(): Token {
    return this.tokens[this.i]!
  }

  private backup(): void {
    this.i--
  }

  private nextNonSpace(): Token {
    let t = this.next()
    while (t.type === 'space') t = this.next()
    return t
  }

  private peekNonSpace(): Token {
    const t = this.nextNonSpace()
    this.backup()
    return t
  }

  private expect(type: TokenType, context: string): Token {
    const t = this.nextNonSpace()
    if (t.type !== type) this.unexpected(t, context)
    return t
  }

  private unexpected(t: Token, context: string): never {
    if (t.type === 'eof') this.fail(t.pos, `unexpected EOF in ${context}`)
    this.fail(t.pos, `unexpected ${tokenText(t)} in ${context}`)
  }

  private parseDefinition(): void {
    const nameTok = this.nextNonSpace()
    if (nameTok.type !== 'string' && nameTok.type !== 'rawString')
      this.unexpected(nameTok, 'define clause')
    const name = unquote(nameTok, this.fail)
    this.expect('rightDelim', 'define clause')
    const saved = this.vars
    this.vars = [['$']]
    const { list, end } = this.itemList()
    if (end.kind !== 'end') this.fail(end.pos, 'unexpected {{else}} in define clause')
    this.vars = saved
    this.templates.set(name, list)
  }

  /** A list of nodes up to {{end}} or {{else}}. */
  private itemList(): { list: Node[]; end: { kind: 'end' | 'else'; pos: number } } {
    const list: Node[] = []
    for (;;) {
      if (this.peekNonSpace().type === 'eof') this.fail(this.peek().pos, 'unexpected EOF')
      const n = this.textOrAction()
      if (n.kind === 'end' || n.kind === 'else') return { list, end: { kind: n.kind, pos: n.pos } }
      list.push(n.node!)
    }
  }

  private textOrAction(): { kind: 'node' | 'end' | 'else'; pos: number; node?: Node } {
    const t = this.nextNonSpace()
    if (t.type === 'text')
      return { kind: 'node', pos: t.pos, node: { kind: 'text', pos: t.pos, text: t.value } }
    if (t.type === 'leftDelim') return this.action()
    this.unexpected(t, 'input')
  }

  private action(): { kind: 'node' | 'end' | 'else'; pos: number; node?: Node } {
    const t = this.nextNonSpace()
    if (t.type === 'keyword') {
      switch (t.value) {
        case 'end':
          this.expect('rightDelim', 'end')
          return { kind: 'end', pos: t.pos }
        case 'else': {
          // "else if" / "else with": leave the keyword for the enclosing control to read.
          const peek = this.peekNonSpace()
          if (peek.type === 'keyword' && (peek.value === 'if' || peek.value === 'with'))
            return { kind: 'else', pos: t.pos }
          this.expect('rightDelim', 'else')
          return { kind: 'else', pos: t.pos }
        }
        case 'if':
        case 'with':
        case 'range':
          return { kind: 'node', pos: t.pos, node: this.control(t.value, t.pos) }
        case 'break':
        case 'continue':
          if (this.rangeDepth === 0) this.fail(t.pos, `{{${t.value}}} outside {{range}}`)
          this.expect('rightDelim', t.value)
          return { kind: 'node', pos: t.pos, node: { kind: t.value, pos: t.pos } }
        case 'template':
          return { kind: 'node', pos: t.pos, node: this.templateCall(t.pos, 'template') }
        case 'block':
          return { kind: 'node', pos: t.pos, node: this.block(t.pos) }
        case 'define':
          this.fail(t.pos, 'unexpected <define> in command')
      }
    }
    this.backup()
    return {
      kind: 'node',
      pos: t.pos,
      node: { kind: 'action', pos: t.pos, pipe: this.pipeline('command', 'rightDelim') }
    }
  }

  private templateCall(pos: number, context: string): Node {
    const nameTok = this.nextNonSpace()
    if (nameTok.type !== 'string' && nameTok.type !== 'rawString')
      this.unexpected(nameTok, `${context} clause`)
    const name = unquote(nameTok, this.fail)
    let pipe: Pipe | undefined
    if (this.nextNonSpace().type !== 'rightDelim') {
      this.backup()
      pipe = this.pipeline(context, 'rightDelim')
    }
    return { kind: 'template', pos, name, pipe }
  }

  private block(pos: number): Node {
    const node = this.templateCall(pos, 'block') as Extract<Node, { kind: 'template' }>
    if (!node.pipe) this.fail(pos, 'missing value for block clause')
    const saved = this.vars
    this.vars = [['$']]
    const { list, end } = this.itemList()
    if (end.kind !== 'end') this.fail(end.pos, 'unexpected {{else}} in block clause')
    this.vars = saved
    this.templates.set(node.name, list)
    return node
  }

  private control(context: 'if' | 'with' | 'range', pos: number): Node {
    this.vars.push([])
    const pipe = this.pipeline(context, 'rightDelim')
    if (context === 'range') this.rangeDepth++
    const { list, end } = this.itemList()
    if (context === 'range') this.rangeDepth--
    let elseList: Node[] | undefined
    if (end.kind === 'else') {
      const peek = this.peekNonSpace()
      if (
        (context === 'if' || context === 'with') &&
        peek.type === 'keyword' &&
        peek.value === context
      ) {
        // {{else if x}} is {{else}}{{if x}}…{{end}}{{end}}: the inner control reads the one {{end}}.
        const kw = this.nextNonSpace()
        elseList = [this.control(context, kw.pos)]
      } else {
        const rest = this.itemList()
        if (rest.end.kind !== 'end') this.fail(rest.end.pos, 'expected end; found {{else}}')
        elseList = rest.list
      }
    }
    this.vars.pop()
    return { kind: context, pos, pipe, list, elseList }
  }

  private pipeline(context: string, end: 'rightDelim' | 'rightParen'): Pipe {
    const pos = this.peekNonSpace().pos
    const pipe: Pipe = { pos, decl: [], isAssign: false, cmds: [] }
    // Declarations: $x := / $x = / $i, $v := (range only).
    decls: for (;;) {
      const v = this.peekNonSpace()
      if (v.type !== 'variable') break
      this.nextNonSpace()
      const tokenAfterVariable = this.peek()
      const next = this.peekNonSpace()
      if (next.type === 'assign' || next.type === 'declare') {
        pipe.isAssign = next.type === 'assign'
        this.nextNonSpace()
        pipe.decl.push(v.value)
        // Go records assigned names too; an assignment to an undeclared one fails when run.
        this.vars[this.vars.length - 1]!.push(v.value)
        break
      }
      if (next.type === 'char' && next.value === ',') {
        this.nextNonSpace()
        pipe.decl.push(v.value)
        this.vars[this.vars.length - 1]!.push(v.value)
        if (context === 'range' && pipe.decl.length < 2) {
          const n = this.peekNonSpace()
          if (n.type === 'variable' || n.type === 'rightDelim' || n.type === 'rightParen')
            continue decls
          this.fail(n.pos, 'range can only initialize variables')
        }
        this.fail(v.pos, `too many declarations in ${context}`)
      }
      if (tokenAfterVariable.type === 'space') this.backup()
      this.backup()
      break
    }
    for (;;) {
      const t = this.nextNonSpace()
      if (t.type === end) {
        this.checkPipeline(pipe, context, t)
        return pipe
      }
      switch (t.type) {
        case 'bool':
        case 'charConstant':
        case 'dot':
        case 'field':
        case 'identifier':
        case 'number':
        case 'nil':
        case 'rawString':
        case 'string':
        case 'variable':
        case 'leftParen':
          this.backup()
          pipe.cmds.push(this.command())
          break
        default:
          this.unexpected(t, context)
      }
    }
  }

  private checkPipeline(pipe: Pipe, context: string, at: Token): void {
    if (pipe.cmds.length === 0) this.fail(at.pos, `missing value for ${context}`)
    pipe.cmds.slice(1).forEach((c, i) => {
      const k = c.args[0]!.kind
      if (k === 'bool' || k === 'dot' || k === 'nil' || k === 'number' || k === 'string')
        this.fail(c.pos, `non executable command in pipeline stage ${i + 2}`)
    })
  }

  private command(): Command {
    const cmd: Command = { pos: this.peekNonSpace().pos, args: [] }
    for (;;) {
      this.peekNonSpace()
      const op = this.operand()
      if (op) cmd.args.push(op)
      const t = this.next()
      if (t.type === 'space') continue
      if (t.type === 'rightDelim' || t.type === 'rightParen') {
        this.backup()
        break
      }
      if (t.type === 'pipe') break
      this.unexpected(t, 'operand')
    }
    if (cmd.args.length === 0) this.fail(cmd.pos, 'empty command')
    return cmd
  }

  private operand(): Operand | undefined {
    const node = this.term()
    if (!node) return undefined
    if (this.peek().type !== 'field') return node
    const idents: string[] = []
    while (this.peek().type === 'field') idents.push(this.next().value.slice(1))
    switch (node.kind) {
      case 'field':
        return { kind: 'field', pos: node.pos, idents: [...node.idents, ...idents] }
      case 'variable':
        return { ...node, idents: [...node.idents, ...idents] }
      case 'bool':
      case 'string':
      case 'number':
      case 'nil':
      case 'dot':
        this.fail(node.pos, `unexpected . after term ${JSON.stringify(operandText(node))}`)
      // falls through: fail never returns
      default:
        return { kind: 'chain', pos: node.pos, node, idents }
    }
  }

  private useVar(t: Token): void {
    const name = t.value.split('.')[0]!
    if (!this.vars.some(scope => scope.includes(name)))
      this.fail(t.pos, `undefined variable "${name}"`)
  }

  private term(): Operand | undefined {
    const t = this.nextNonSpace()
    switch (t.type) {
      case 'identifier':
        if (!(t.value in this.funcs) && !BUILTINS.has(t.value))
          this.fail(t.pos, `function "${t.value}" not defined`)
        return { kind: 'identifier', pos: t.pos, name: t.value }
      case 'dot':
        return { kind: 'dot', pos: t.pos }
      case 'nil':
        return { kind: 'nil', pos: t.pos }
      case 'variable':
        this.useVar(t)
        return { kind: 'variable', pos: t.pos, name: t.value, idents: [] }
      case 'field':
        return { kind: 'field', pos: t.pos, idents: [t.value.slice(1)] }
      case 'bool':
        return { kind: 'bool', pos: t.pos, value: t.value === 'true' }
      case 'charConstant':
      case 'number':
        return { kind: 'number', pos: t.pos, text: t.value, num: parseNumber(t, this.fail) }
      case 'leftParen':
        return {
          kind: 'pipe',
          pos: t.pos,
          pipe: this.pipeline('parenthesized pipeline', 'rightParen')
        }
      case 'string':
      case 'rawString':
        return { kind: 'string', pos: t.pos, value: unquote(t, this.fail), text: t.value }
    }
    this.backup()
    return undefined
  }
}

function tokenText(t: Token): string {
  switch (t.type) {
    case 'rightDelim':
      return '<}}>'
    case 'leftDelim':
      return '<{{>'
    case 'keyword':
      return `<${t.value}>`
    case 'eof':
      return 'EOF'
    case 'space':
      return 'space'
    default:
      return JSON.stringify(t.value)
  }
}

function operandText(op: Operand): string {
  switch (op.kind) {
    case 'field':
      return '.' + op.idents.join('.')
    case 'variable':
      return [op.name, ...op.idents].join('.')
    case 'dot':
      return '.'
    case 'nil':
      return 'nil'
    case 'bool':
      return String(op.value)
    case 'number':
      return op.text
    case 'string':
      return op.text
    case 'identifier':
      return op.name
    case 'pipe':
      return '(…)'
    case 'chain':
      return `${operandText(op.node)}.${op.idents.join('.')}`
  }
}

const ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  "'": "'",
  '"': '"'
}

/** Go's strconv.Unquote for "…", `…` and '…' literals. */
function unquoteText(text: string, quoteChar: string): string | undefined {
  const body = text.slice(1, -1)
  if (quoteChar === '`') return body.includes('`') ? undefined : body.replace(/\r/g, '')
  let out = ''
  const bytes: number[] = []
  const flush = (): void => {
    if (bytes.length) out += Buffer.from(bytes).toString('utf8')
    bytes.length = 0
  }
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!
    if (c === quoteChar) return undefined
    if (c !== '\\') {
      flush()
      out += c
      continue
    }
    const e = body[++i]
    if (e === undefined) return undefined
    if (e in ESCAPES) {
      if ((e === "'" && quoteChar === '"') || (e === '"' && quoteChar === "'")) return undefined
      flush()
      out += ESCAPES[e]
      continue
    }
    const hex = (n: number): number | undefined => {
      const h = body.slice(i + 1, i + 1 + n)
      if (h.length !== n || !/^[0-9a-fA-F]+$/.test(h)) return undefined
      i += n
      return parseInt(h, 16)
    }
    if (e === 'x') {
      const b = hex(2)
      if (b === undefined) return undefined
      if (quoteChar === "'") {
        flush()
        out += String.fromCodePoint(b)
      } else bytes.push(b)
      continue
    }
    if (e === 'u' || e === 'U') {
      const cp = hex(e === 'u' ? 4 : 8)
      if (cp === undefined || cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000)) return undefined
      flush()
      out += String.fromCodePoint(cp)
      continue
    }
    if (/[0-7]/.test(e)) {
      const o = body.slice(i, i + 3)
      if (!/^[0-7]{3}$/.test(o)) return undefined
      i += 2
      const b = parseInt(o, 8)
      if (b > 255) return undefined
      if (quoteChar === "'") {
        flush()
        out += String.fromCodePoint(b)
      } else bytes.push(b)
      continue
    }
    return undefined
  }
  flush()
  return out
}

function unquote(t: Token, fail: (pos: number, message: string) => never): string {
  const q = t.type === 'rawString' ? '`' : '"'
  const s = unquoteText(t.value, q)
  if (s === undefined) fail(t.pos, 'invalid syntax')
  return s
}

function parseNumber(t: Token, fail: (pos: number, message: string) => never): NumberConst {
  const text = t.value
  if (t.type === 'charConstant') {
    const s = unquoteText(text, "'")
    if (s === undefined || [...s].length !== 1) fail(t.pos, `malformed character constant: ${text}`)
    const code = BigInt(s.codePointAt(0)!)
    return { int: code, float: Number(code), floaty: false }
  }
  if (text.endsWith('i')) fail(t.pos, `complex numbers are not supported: ${text}`)
  const n: NumberConst = { floaty: false }
  const asInt = parseGoInt(text)
  if (asInt !== undefined) {
    if (asInt >= -(2n ** 63n) && asInt < 2n ** 63n) n.int = asInt
    else if (asInt >= 0n && asInt < 2n ** 64n) n.int = asInt // a uint64: overflows int when used
    n.float = Number(asInt)
  } else {
    const f = parseGoFloat(text)
    if (f === undefined) fail(t.pos, `illegal number syntax: ${JSON.stringify(text)}`)
    if (!/[.eEpP]/.test(text)) fail(t.pos, `integer overflow: ${JSON.stringify(text)}`)
    n.float = f
    if (Number.isInteger(f) && Math.abs(f) < 2 ** 63) n.int = BigInt(f)
  }
  const hexInt = /^[+-]?0[xX]/.test(text) && !/[pP]/.test(text)
  n.floaty = n.float !== undefined && !hexInt && /[.eEpP]/.test(text)
  return n
}

function underscoresOk(s: string): boolean {
  // Go: "_" only between digits, or between a base prefix and a digit.
  return !/(^|[^0-9a-fA-F])_|_($|[^0-9a-fA-F])|__/.test(s.replace(/^[+-]?0[xXbBoO]_/, '0'))
}

function parseGoInt(text: string): bigint | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|0[0-7_]*|[1-9][0-9_]*)$/.exec(
    text
  )
  if (!m) return undefined
  if (text.includes('_') && !underscoresOk(m[2]!)) return undefined
  let body = m[2]!.replace(/_/g, '')
  if (/^0[0-7]+$/.test(body)) body = '0o' + body.slice(1)
  const v = BigInt(body)
  return m[1] === '-' ? -v : v
}

function parseGoFloat(text: string): number | undefined {
  if (/^[+-]?0[xX]/.test(text)) {
    const m = /^([+-]?)0[xX]([0-9a-fA-F_]*)(?:\.([0-9a-fA-F_]*))?[pP]([+-]?[0-9_]+)$/.exec(text)
    if (!m) return undefined
    const int = m[2]!.replace(/_/g, '')
    const frac = (m[3] ?? '').replace(/_/g, '')
    if (int === '' && frac === '') return undefined
    const mant = parseInt(int + frac || '0', 16) / 16 ** frac.length
    const v = mant * 2 ** Number(m[4]!.replace(/_/g, ''))
    return m[1] === '-' ? -v : v
  }
  if (!/^[+-]?(?:[0-9_]+\.?[0-9_]*|\.[0-9_]+)(?:[eE][+-]?[0-9_]+)?$/.test(text)) return undefined
  if (text.includes('_') && !underscoresOk(text)) return undefined
  const v = Number(text.replace(/_/g, ''))
  return Number.isNaN(v) ? undefined : v
}

// ---------------------------------------------------------------------------------------------
// Evaluation

const BUILTINS = new Set([
  'and',
  'or',
  'not',
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
  'index',
  'slice',
  'len',
  'print',
  'printf',
  'println'
])

const MISSING = Symbol('missing')
type Final = GoValue | undefined | typeof MISSING

class BreakSignal {}
class ContinueSignal {}

// Go allows 100000; a JavaScript stack ends far sooner, and no release name nests this deep.
const MAX_DEPTH = 1000

/** A parsed template, ready to execute against data with missingkey=error. */
export class GoTemplate {
  private constructor(
    readonly text: string,
    private readonly root: Node[],
    private readonly templates: Map<string, Node[]>,
    private readonly funcs: FuncMap
  ) {}

  /** Parses `text`; throws GoTemplateError for what Go's parser rejects. */
  static parse(text: string, funcs: FuncMap = {}): GoTemplate {
    const fail = (pos: number, message: string): never => {
      const { line, column } = position(text, pos)
      throw new GoTemplateError(message, line, column)
    }
    const parser = new Parser(text, funcs, fail)
    const root = parser.parse()
    return new GoTemplate(text, root, parser.templates, funcs)
  }

  /** Field names this template reads from its data (root-level `.X` and `$.X`), with positions. */
  rootFields(): { name: string; line: number; column: number }[] {
    const out: { name: string; line: number; column: number }[] = []
    const visitOperand = (op: Operand, atRoot: boolean): void => {
      if (op.kind === 'field' && atRoot)
        out.push({ name: op.idents[0]!, ...position(this.text, op.pos) })
      if (op.kind === 'variable' && op.name === '$' && op.idents.length > 0)
        out.push({ name: op.idents[0]!, ...position(this.text, op.pos) })
      if (op.kind === 'pipe') visitPipe(op.pipe, atRoot)
      if (op.kind === 'chain') visitOperand(op.node, atRoot)
    }
    const visitPipe = (p: Pipe, atRoot: boolean): void => {
      for (const c of p.cmds) for (const a of c.args) visitOperand(a, atRoot)
    }
    const visit = (list: Node[], atRoot: boolean): void => {
      for (const n of list) {
        switch (n.kind) {
          case 'action':
            visitPipe(n.pipe, atRoot)
            break
          case 'if':
            visitPipe(n.pipe, atRoot)
            visit(n.list, atRoot)
            if (n.elseList) visit(n.elseList, atRoot)
            break
          case 'with':
          case 'range':
            visitPipe(n.pipe, atRoot)
            visit(n.list, false)
            if (n.elseList) visit(n.elseList, atRoot)
            break
          case 'template':
            if (n.pipe) visitPipe(n.pipe, atRoot)
            break
        }
      }
    }
    visit(this.root, true)
    for (const list of this.templates.values()) visit(list, false)
    return out
  }

  /** Renders with `data` as dot; throws GoTemplateError on what Go's Execute rejects. */
  execute(data: GoValue): string {
    const state = new ExecState(this, this.funcs, this.templates, data)
    state.walkList(data, this.root)
    return state.out
  }

  fail(pos: number, message: string, near?: string): never {
    const { line, column } = position(this.text, pos)
    throw new GoTemplateError(message, line, column, near)
  }
}

function position(text: string, pos: number): { line: number; column: number } {
  const before = text.slice(0, pos)
  const line = before.split('\n').length
  const column = pos - (before.lastIndexOf('\n') + 1) + 1
  return { line, column }
}

interface Variable {
  name: string
  value: GoValue | undefined
}

class ExecState {
  out = ''
  private vars: Variable[]
  private depth = 0
  private at: { pos: number; near: string } = { pos: 0, near: '' }

  constructor(
    private readonly tmpl: GoTemplate,
    private readonly funcs: FuncMap,
    private readonly templates: Map<string, Node[]>,
    data: GoValue
  ) {
    this.vars = [{ name: '$', value: data }]
  }

  private fail(message: string): never {
    this.tmpl.fail(this.at.pos, message, this.at.near ? `<${this.at.near}>` : undefined)
  }

  private mark(pos: number, near: string): void {
    this.at = { pos, near }
  }

  walkList(dot: GoValue | undefined, list: Node[]): void {
    for (const n of list) this.walk(dot, n)
  }

  private walk(dot: GoValue | undefined, n: Node): void {
    switch (n.kind) {
      case 'text':
        this.out += n.text
        return
      case 'action': {
        const v = this.evalPipeline(dot, n.pipe)
        if (n.pipe.decl.length === 0) this.out += this.printable(v)
        return
      }
      case 'if':
      case 'with': {
        const mark = this.vars.length
        const v = this.evalPipeline(dot, n.pipe)
        if (truth(v)) this.walkList(n.kind === 'with' ? v : dot, n.list)
        else if (n.elseList) this.walkList(dot, n.elseList)
        this.vars.length = mark
        return
      }
      case 'range':
        this.walkRange(dot, n)
        return
      case 'break':
        throw new BreakSignal()
      case 'continue':
        throw new ContinueSignal()
      case 'template': {
        this.mark(n.pos, `template "${n.name}"`)
        const list = this.templates.get(n.name)
        if (!list) this.fail(`template "${n.name}" not defined`)
        const newDot = n.pipe ? this.evalPipeline(dot, n.pipe) : undefined
        if (++this.depth > MAX_DEPTH) this.fail(`exceeded maximum template depth (${MAX_DEPTH})`)
        const saved = this.vars
        this.vars = [{ name: '$', value: newDot as GoValue }]
        this.walkList(newDot, list)
        this.vars = saved
        this.depth--
        return
      }
    }
  }

  private printable(v: GoValue | undefined): string {
    return printValue(v)
  }

  private walkRange(dot: GoValue | undefined, n: ControlNode): void {
    const mark = this.vars.length
    const v = this.evalPipeline(dot, n.pipe)
    // The pipeline pushed the declared variables; they are set per element below.
    this.vars.length = mark
    const items: [GoValue, GoValue][] = []
    if (Array.isArray(v)) v.forEach((e, i) => items.push([BigInt(i), e]))
    else if (v instanceof GoMap)
      [...v.entries.keys()].sort(compareStrings).forEach(k => items.push([k, v.entries.get(k)!]))
    else if (typeof v === 'bigint') {
      if (n.pipe.decl.length > 1) this.fail(`can't use ${v} to iterate over more than one variable`)
      for (let i = 0n; i < v; i++) items.push([i, i])
    } else if (v === null || v === undefined) {
      // nil ranges over nothing
    } else this.fail(`range can't iterate over ${printValue(v)}`)
    const one = typeof v === 'bigint'
    for (const [key, elem] of items) {
      const values = n.pipe.decl.length === 2 ? [key, elem] : [one ? key : elem]
      n.pipe.decl.forEach((name, i) => {
        if (n.pipe.isAssign) this.setVar(name, values[i])
        else this.vars.push({ name, value: values[i] })
      })
      const inner = this.vars.length
      try {
        this.walkList(one ? key : elem, n.list)
      } catch (e) {
        if (e instanceof BreakSignal) {
          this.vars.length = mark
          break
        }
        if (!(e instanceof ContinueSignal)) throw e
      }
      this.vars.length = inner
      this.vars.length = mark
    }
    if (items.length === 0 && n.elseList) this.walkList(dot, n.elseList)
    this.vars.length = mark
  }

  private evalPipeline(dot: GoValue | undefined, pipe: Pipe): GoValue | undefined {
    let value: Final = MISSING
    for (const cmd of pipe.cmds) value = this.evalCommand(dot, cmd, value)
    const v = value === MISSING ? undefined : value
    for (const name of pipe.decl) {
      if (pipe.isAssign) this.setVar(name, v)
      else this.vars.push({ name, value: v })
    }
    return v
  }

  private setVar(name: string, value: GoValue | undefined): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]!.name === name) {
        this.vars[i]!.value = value
        return
      }
    }
    this.fail(`undefined variable: ${name}`)
  }

  private varValue(name: string): GoValue | undefined {
    for (let i = this.vars.length - 1; i >= 0; i--)
      if (this.vars[i]!.name === name) return this.vars[i]!.value
    this.fail(`undefined variable: ${name}`)
  }

  private notAFunction(args: Operand[], final: Final): void {
    if (args.length > 1 || final !== MISSING)
      this.fail(`can't give argument to non-function ${operandText(args[0]!)}`)
  }

  private evalCommand(dot: GoValue | undefined, cmd: Command, final: Final): GoValue | undefined {
    const first = cmd.args[0]!
    this.mark(first.pos, operandText(first))
    switch (first.kind) {
      case 'field':
        return this.evalFieldChain(dot, dot, first.idents, cmd.args, final)
      case 'chain': {
        const receiver = this.evalArgValue(dot, first.node)
        return this.evalFieldChain(dot, receiver, first.idents, cmd.args, final)
      }
      case 'identifier':
        return this.evalFunction(dot, first, cmd.args, final)
      case 'pipe':
        this.notAFunction(cmd.args, final)
        return this.evalPipeline(dot, first.pipe)
      case 'variable':
        return this.evalVariable(dot, first, cmd.args, final)
    }
    this.notAFunction(cmd.args, final)
    switch (first.kind) {
      case 'bool':
        return first.value
      case 'dot':
        return dot
      case 'nil':
        this.fail('nil is not a command')
      // falls through: fail never returns
      case 'number':
        return this.idealConstant(first)
      case 'string':
        return first.value
    }
  }

  private idealConstant(op: Extract<Operand, { kind: 'number' }>): GoValue {
    const n = op.num
    if (n.floaty) return n.float!
    if (n.int !== undefined) {
      if (n.int >= 2n ** 63n) this.fail(`${op.text} overflows int`)
      return n.int
    }
    return n.float!
  }

  private evalVariable(
    dot: GoValue | undefined,
    op: Extract<Operand, { kind: 'variable' }>,
    args: Operand[],
    final: Final
  ): GoValue | undefined {
    const value = this.varValue(op.name)
    if (op.idents.length === 0) {
      this.notAFunction(args, final)
      return value
    }
    return this.evalFieldChain(dot, value, op.idents, args, final)
  }

  private evalFieldChain(
    dot: GoValue | undefined,
    receiver: GoValue | undefined,
    idents: string[],
    args: Operand[],
    final: Final
  ): GoValue | undefined {
    let r = receiver
    for (let i = 0; i < idents.length - 1; i++) r = this.evalField(dot, idents[i]!, [], MISSING, r)
    return this.evalField(dot, idents[idents.length - 1]!, args, final, r)
  }

  private evalField(
    dot: GoValue | undefined,
    name: string,
    args: Operand[],
    final: Final,
    receiver: GoValue | undefined
  ): GoValue | undefined {
    if (receiver === undefined || receiver === null)
      this.fail(`nil data; no entry for key "${name}"`)
    const hasArgs = args.length > 1 || final !== MISSING
    if (receiver instanceof GoTime && name in TIME_METHODS) {
      const params = TIME_METHODS[name]!
      const fn: TemplateFunc = {
        params,
        call: (...a: GoValue[]) =>
          (receiver[name as 'Format'] as (...x: GoValue[]) => GoValue)(...a)
      }
      return this.evalCall(dot, fn, name, args, final)
    }
    if (receiver instanceof GoMap) {
      if (hasArgs) this.fail(`${name} is not a method but has arguments`)
      if (!receiver.entries.has(name)) this.fail(`map has no entry for key "${name}"`)
      return receiver.entries.get(name)
    }
    this.fail(`can't evaluate field ${name} in type ${goTypeName(receiver)}`)
  }

  private evalFunction(
    dot: GoValue | undefined,
    op: Extract<Operand, { kind: 'identifier' }>,
    args: Operand[],
    final: Final
  ): GoValue | undefined {
    const name = op.name
    if (name === 'and' || name === 'or') return this.evalAndOr(dot, name, args, final)
    const fn = this.funcs[name] ?? BUILTIN_FUNCS[name]
    if (!fn) this.fail(`"${name}" is not a defined function`)
    return this.evalCall(dot, fn, name, args, final)
  }

  private evalAndOr(
    dot: GoValue | undefined,
    name: string,
    args: Operand[],
    final: Final
  ): GoValue | undefined {
    const count = args.length - 1 + (final !== MISSING ? 1 : 0)
    if (count < 1) this.fail(`wrong number of args for ${name}: want at least 1 got 0`)
    let v: GoValue | undefined
    for (const arg of args.slice(1)) {
      // Go passes and/or arguments as reflect.Values: a nil literal is the invalid value.
      v = arg.kind === 'nil' ? undefined : this.evalArg(dot, 'any', arg)
      if (truth(v) === (name === 'or')) return v
    }
    if (final !== MISSING) return final
    return v
  }

  private evalCall(
    dot: GoValue | undefined,
    fn: TemplateFunc,
    name: string,
    args: Operand[],
    final: Final
  ): GoValue | undefined {
    const given = args.slice(1)
    const count = given.length + (final !== MISSING ? 1 : 0)
    const fixed = fn.params.length
    if (fn.variadic !== undefined) {
      if (count < fixed)
        this.fail(`wrong number of args for ${name}: want at least ${fixed} got ${count}`)
    } else if (count !== fixed) {
      this.fail(`wrong number of args for ${name}: want ${fixed} got ${count}`)
    }
    const values: GoValue[] = []
    given.forEach((arg, i) => {
      values.push(this.evalArg(dot, fn.params[i] ?? fn.variadic!, arg))
    })
    if (final !== MISSING) {
      const type = fn.params[given.length] ?? fn.variadic!
      values.push(this.validateType(final, type))
    }
    this.mark(args[0]!.pos, operandText(args[0]!))
    try {
      return fn.call(...values)
    } catch (e) {
      if (e instanceof GoTemplateError) throw e
      this.fail(`error calling ${name}: ${e instanceof Error ? e.message : String(e)}`)
    }
  }

  private evalArgValue(dot: GoValue | undefined, op: Operand): GoValue | undefined {
    switch (op.kind) {
      case 'dot':
        return dot
      case 'field':
        return this.evalFieldChain(dot, dot, op.idents, [op], MISSING)
      case 'variable':
        return this.evalVariable(dot, op, [op], MISSING)
      case 'pipe':
        return this.evalPipeline(dot, op.pipe)
      case 'identifier':
        return this.evalFunction(dot, op, [op], MISSING)
      case 'chain':
        return this.evalFieldChain(dot, this.evalArgValue(dot, op.node), op.idents, [op], MISSING)
      case 'bool':
        return op.value
      case 'string':
        return op.value
      case 'number':
        return this.idealConstant(op)
      case 'nil':
        return null
    }
  }

  private evalArg(dot: GoValue | undefined, type: ParamType, op: Operand): GoValue {
    this.mark(op.pos, operandText(op))
    switch (op.kind) {
      case 'dot':
      case 'field':
      case 'variable':
      case 'pipe':
      case 'identifier':
      case 'chain':
        return this.validateType(this.evalArgValue(dot, op), type)
      case 'nil':
        if (type === 'any') return null
        this.fail(`cannot assign nil to ${GO_TYPE[type]}`)
    }
    switch (type) {
      case 'bool':
        if (op.kind === 'bool') return op.value
        this.fail(`expected bool; found ${operandText(op)}`)
      // falls through: fail never returns
      case 'string':
        if (op.kind === 'string') return op.value
        this.fail(`expected string; found ${operandText(op)}`)
      // falls through: fail never returns
      case 'int':
        if (op.kind === 'number' && op.num.int !== undefined) return op.num.int
        this.fail(`expected integer; found ${operandText(op)}`)
      // falls through: fail never returns
      case 'float':
        if (op.kind === 'number' && op.num.float !== undefined) return op.num.float
        this.fail(`expected float; found ${operandText(op)}`)
      // falls through: fail never returns
      case 'any':
        if (op.kind === 'number') return this.idealConstant(op)
        return op.value
    }
  }

  private validateType(v: GoValue | undefined, type: ParamType): GoValue {
    if (v === undefined) {
      if (type === 'any') return null
      this.fail(`invalid value; expected ${GO_TYPE[type]}`)
    }
    if (type === 'any') return v
    const ok =
      (type === 'string' && typeof v === 'string') ||
      (type === 'bool' && typeof v === 'boolean') ||
      (type === 'int' && typeof v === 'bigint') ||
      (type === 'float' && typeof v === 'number')
    if (!ok) this.fail(`wrong type for value; expected ${GO_TYPE[type]}; got ${goTypeName(v)}`)
    return v
  }
}

const GO_TYPE: Record<ParamType, string> = {
  string: 'string',
  bool: 'bool',
  int: 'int',
  float: 'float64',
  any: 'interface {}'
}

/** Go's truth: false, 0, nil and empty strings, slices and maps are false; everything else true. */
export function truth(v: GoValue | undefined): boolean {
  if (v === undefined || v === null) return false
  if (typeof v === 'boolean') return v
  if (typeof v === 'string') return v.length > 0
  if (typeof v === 'bigint') return v !== 0n
  if (typeof v === 'number') return v !== 0
  if (Array.isArray(v)) return v.length > 0
  if (v instanceof GoMap) return v.entries.size > 0
  return true
}

type Kind = 'bool' | 'int' | 'float' | 'string' | 'other'

function kindOf(v: GoValue): Kind {
  if (typeof v === 'boolean') return 'bool'
  if (typeof v === 'bigint') return 'int'
  if (typeof v === 'number') return 'float'
  if (typeof v === 'string') return 'string'
  return 'other'
}

function fnError(message: string): Error {
  return new Error(message)
}

function eq(a: GoValue, ...rest: GoValue[]): boolean {
  if (rest.length === 0) throw fnError('missing argument for comparison')
  const k1 = kindOf(a)
  for (const b of rest) {
    const k2 = kindOf(b)
    let same = false
    if (k1 !== k2) {
      if (a !== null && b !== null) throw fnError('incompatible types for comparison')
    } else if (k1 === 'other') {
      if (a === null || b === null) same = (a === null) === (b === null)
      else if (a instanceof GoTime && b instanceof GoTime) same = a.epochMs === b.epochMs
      else throw fnError(`non-comparable type ${printValue(b)}: ${goTypeName(b)}`)
    } else {
      same = a === b
    }
    if (same) return true
  }
  return false
}

function lt(a: GoValue, b: GoValue): boolean {
  const k1 = kindOf(a)
  const k2 = kindOf(b)
  if (k1 === 'other' || k2 === 'other') throw fnError('invalid type for comparison')
  if (k1 !== k2) throw fnError('incompatible types for comparison')
  if (k1 === 'bool') throw fnError('invalid type for comparison')
  if (k1 === 'string') return compareStrings(a as string, b as string) < 0
  return (a as number) < (b as number)
}

function indexArg(i: GoValue, cap: number): number {
  if (typeof i !== 'bigint') throw fnError(`cannot index slice/array with type ${goTypeName(i)}`)
  if (i < 0n || i > BigInt(cap)) throw fnError(`index out of range: ${i}`)
  return Number(i)
}

function index(item: GoValue, ...indexes: GoValue[]): GoValue {
  let v = item
  for (const i of indexes) {
    if (v === null) throw fnError('index of untyped nil')
    if (typeof v === 'string' || Array.isArray(v)) {
      const len = typeof v === 'string' ? Buffer.byteLength(v) : v.length
      const x = indexArg(i, len)
      if (x === len) throw fnError(`index out of range: ${x}`)
      v = typeof v === 'string' ? BigInt(Buffer.from(v)[x]!) : v[x]!
    } else if (v instanceof GoMap) {
      if (i === null) throw fnError('value is nil; should be of type string')
      if (typeof i !== 'string') throw fnError(`value has type ${goTypeName(i)}; should be string`)
      v = v.entries.has(i) ? v.entries.get(i)! : v.zero
    } else {
      throw fnError(`can't index item of type ${goTypeName(v)}`)
    }
  }
  return v
}

function slice(item: GoValue, ...indexes: GoValue[]): GoValue {
  if (item === null) throw fnError('slice of untyped nil')
  if (indexes.length > 3) throw fnError(`too many slice indexes: ${indexes.length}`)
  let len: number
  if (typeof item === 'string') {
    if (indexes.length === 3) throw fnError('cannot 3-index slice a string')
    len = Buffer.byteLength(item)
  } else if (Array.isArray(item)) len = item.length
  else throw fnError(`can't slice item of type ${goTypeName(item)}`)
  const idx = [0, len, len]
  indexes.forEach((x, i) => (idx[i] = indexArg(x, len)))
  if (idx[0]! > idx[1]!) throw fnError(`invalid slice index: ${idx[0]} > ${idx[1]}`)
  if (indexes.length === 3 && idx[1]! > idx[2]!)
    throw fnError(`invalid slice index: ${idx[1]} > ${idx[2]}`)
  if (typeof item === 'string') return Buffer.from(item).subarray(idx[0], idx[1]).toString('utf8')
  return item.slice(idx[0], idx[1])
}

function len(item: GoValue): bigint {
  if (typeof item === 'string') return BigInt(Buffer.byteLength(item))
  if (Array.isArray(item)) return BigInt(item.length)
  if (item instanceof GoMap) return BigInt(item.entries.size)
  if (item === null) throw fnError('len of nil pointer')
  throw fnError(`len of type ${goTypeName(item)}`)
}

const BUILTIN_FUNCS: FuncMap = {
  not: { params: ['any'], call: a => !truth(a) },
  eq: { params: ['any'], variadic: 'any', call: (a, ...r) => eq(a, ...r) },
  ne: { params: ['any', 'any'], call: (a, b) => !eq(a, b) },
  lt: { params: ['any', 'any'], call: (a, b) => lt(a, b) },
  le: { params: ['any', 'any'], call: (a, b) => lt(a, b) || eq(a, b) },
  gt: { params: ['any', 'any'], call: (a, b) => !(lt(a, b) || eq(a, b)) },
  ge: { params: ['any', 'any'], call: (a, b) => !lt(a, b) },
  index: { params: ['any'], variadic: 'any', call: (a, ...r) => index(a, ...r) },
  slice: { params: ['any'], variadic: 'any', call: (a, ...r) => slice(a, ...r) },
  len: { params: ['any'], call: a => len(a) },
  print: { params: [], variadic: 'any', call: (...a) => sprint(a) },
  println: { params: [], variadic: 'any', call: (...a) => sprintln(a) },
  printf: { params: ['string'], variadic: 'any', call: (f, ...a) => sprintf(f as string, a) }
}
