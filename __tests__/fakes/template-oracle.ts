// Go's own text/template as a reference for our interpreter (src/lib/go-template.ts): the
// program __tests__/oracle/gotemplate, which carries GoReleaser v2.16.0's template functions.
// The differential test holds the interpreter against it; bench P10 times both engines.
import { execFileSync } from 'node:child_process'
import * as path from 'node:path'
import { GoMap, GoTime, type GoValue } from '../../src/lib/go-values.js'
import { renderTemplate, type TemplateValues } from '../../src/template.js'

/** A value tagged with its Go type, the oracle's input: `s` string, `i` int64, `u` uint64, `t` a unix time… */
export type Tagged =
  | { s: string }
  | { i: number }
  | { u: number }
  | { b: boolean }
  | { f: number }
  | { t: number }
  | { m: Record<string, string> }
  | { l: string[] }

/** A template's data, `now` for `time`, and the templates to render with it. */
export interface Batch {
  data: Record<string, Tagged>
  now: number
  cases: string[]
}

export interface Outcome {
  ok: boolean
  out?: string
  err?: string
}

/** Builds the oracle from the repository at `root` into the file `out`; returns `out`. */
export function buildOracle(
  root: string,
  out: string,
  env: NodeJS.ProcessEnv = process.env
): string {
  execFileSync('go', ['build', '-o', out, '.'], {
    cwd: path.join(root, '__tests__', 'oracle', 'gotemplate'),
    env,
    stdio: 'pipe'
  })
  return out
}

/** Every batch rendered by Go in one run of the oracle: an outcome per case, per batch. */
export function renderInGo(oracle: string, batches: readonly Batch[]): Outcome[][] {
  const input = batches.map(b => JSON.stringify(b)).join('\n')
  const lines = execFileSync(oracle, { input, maxBuffer: 64 << 20 })
    .toString()
    .trim()
    .split('\n')
  if (lines.length !== batches.length)
    throw new Error(`the oracle answered ${lines.length} batches of ${batches.length}`)
  return lines.map(line => JSON.parse(line) as Outcome[])
}

function goValue(v: Tagged): GoValue {
  if ('s' in v) return v.s
  if ('i' in v) return BigInt(v.i)
  if ('u' in v) return BigInt(v.u)
  if ('b' in v) return v.b
  if ('f' in v) return v.f
  if ('t' in v) return new GoTime(v.t * 1000)
  if ('m' in v) return new GoMap(new Map(Object.entries(v.m)), '', 'map[string]string')
  return v.l
}

/** The tagged data as our interpreter's values. */
export function templateValues(data: Record<string, Tagged>): TemplateValues {
  const values: Record<string, GoValue> = {}
  for (const [k, v] of Object.entries(data)) values[k] = goValue(v)
  return values as TemplateValues
}

/** One template rendered by our interpreter, as an outcome like the oracle's. */
export function renderOurs(text: string, values: TemplateValues): Outcome {
  try {
    return { ok: true, out: renderTemplate(text, values) }
  } catch (error) {
    return { ok: false, err: (error as Error).message }
  }
}
