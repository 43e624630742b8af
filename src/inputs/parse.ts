// Parses every input of the table from one source, then runs the rules across inputs. Every
// problem is collected (never only the first), before any build or network call.
import * as os from 'node:os'
import * as path from 'node:path'
import type { Kind, ParseAt } from './kinds.js'
import { badValue, inputProblem } from './messages.js'
import { RULES } from './rules.js'
import { splitList } from './syntax.js'
import { INPUT, INPUT_TABLE, type InputName, type Inputs, type TableRow } from './table.js'
import { realpathOr } from '../lib/files.js'
import { fromConfig, readConfigSource } from './goreleaser-source.js'
import { archiveSetsOf, type ArchiveEntry, type SetDefaults } from '../archive-sets.js'

/**
 * Reads one raw input value: '' or undefined when not given. The action's inputs, the CLI's
 * options and a config file are all sources; every source goes through the same checks.
 */
export type InputSource = (name: InputName) => string | undefined

/** Where inputs are read: the workspace root and the machine's core count. */
export interface InputContext {
  /** folder every user path must stay inside */
  workspace: string
  /** core count (default: this machine's), the default parallelism */
  cpus?: number
}

/** A source that takes each input from the first source that gives it (a non-blank value). */
export function firstGiven(...sources: readonly InputSource[]): InputSource {
  return name => {
    for (const source of sources) {
      const value = source(name)
      if (value !== undefined && value.trim() !== '') return value
    }
    return undefined
  }
}

/**
 * Parses every input, collecting every problem instead of stopping at the first, so one failure
 * lists them all. Checks that need the toolchain happen in the resolve stage.
 */
export function parseInputs(
  given: InputSource,
  context: InputContext
): { inputs: Inputs; problems: string[] } {
  const workspace = realpathOr(path.resolve(context.workspace))
  let get = given
  const raw = (name: InputName): string => get(name) ?? ''
  const scope = {
    workspace,
    workingDirectory: workspace,
    cpus: context.cpus ?? os.availableParallelism()
  }
  const problemsOf = new Map<InputName, string[]>()
  const values: Record<string, unknown> = {}
  const parseRow = (row: TableRow): void => {
    const found: string[] = []
    values[row.field] = row.kind.parse(raw(row.name), parseAt(row.name, scope, found))
    problemsOf.set(row.name, found)
  }

  // The module root first: the other paths are relative to it, the GoReleaser config too.
  const root = INPUT_TABLE.find(r => r.name === INPUT.workingDirectory)!
  parseRow(root)
  scope.workingDirectory = values[root.field] as string
  const read = readConfigSource(
    raw(INPUT.goreleaserConfig),
    raw(INPUT.goreleaserUnsupported),
    scope
  )
  const config = read.source
  // Below the workflow's inputs: each one given there wins over the file.
  if (config) get = firstGiven(given, name => config.values[name])
  const fromFile = (name: InputName): boolean =>
    config?.values[name] !== undefined && (given(name) ?? '').trim() === ''
  for (const row of INPUT_TABLE) if (row !== root) parseRow(row)

  const archiveFilesOptional =
    splitList(raw(INPUT.archiveFiles)).length === 0 || fromFile(INPUT.archiveFiles)
  const inputs = {
    ...values,
    workspace,
    // The default list, and GoReleaser's (whose configs write none* to ask for no files), may
    // match nothing; patterns a workflow writes must match something.
    archiveFilesOptional,
    archiveSets: archiveSetsOf(values.archives as ArchiveEntry[], {
      ...(values as unknown as SetDefaults),
      archiveFilesOptional,
      fromFile: fromFile(INPUT.archives)
    }),
    targetsFromConfig: fromFile(INPUT.targets),
    ...(config && {
      goreleaser: {
        file: config.file,
        warnings: config.warnings,
        notes: config.notes,
        origins: Object.fromEntries(
          Object.entries(config.origins).filter(([name]) => fromFile(name as InputName))
        )
      }
    })
  } as Inputs
  const problems = [
    ...read.problems,
    ...(config?.problems ?? []),
    ...INPUT_TABLE.flatMap(r =>
      problemsOf.get(r.name)!.map(p => (fromFile(r.name) ? fromConfig(p, r.name, config!) : p))
    )
  ]
  const view = { inputs, given: (name: InputName) => raw(name).trim() !== '', raw }
  for (const rule of RULES) {
    const problem = rule(view)
    if (problem !== undefined) problems.push(problem)
  }
  return { inputs, problems }
}

/** The folders a parser resolves paths against, and the core count. */
interface ParseScope {
  workspace: string
  workingDirectory: string
  cpus: number
}

/** A ParseAt for input `input` that adds its problems to `found`. */
function parseAt(input: string, scope: ParseScope, found: string[]): ParseAt {
  return {
    input,
    ...scope,
    bad: (value, complaint) => found.push(badValue(input, value, complaint)),
    fail: text => found.push(inputProblem(input, text)),
    add: messages => found.push(...messages)
  }
}

/**
 * Parses one value with one kind, outside a run (tests, other sources checking a single value);
 * paths resolve against `workspace` (default: the current folder).
 */
export function parseWith<T>(
  kind: Kind<T>,
  input: string,
  raw: string,
  problems: string[],
  workspace = process.cwd()
): T {
  const root = realpathOr(path.resolve(workspace))
  return kind.parse(
    raw,
    parseAt(input, { workspace: root, workingDirectory: root, cpus: 1 }, problems)
  )
}
