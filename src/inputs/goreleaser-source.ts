// goreleaser-config as one more input source: the file (and what its defaults depend on: the
// module path, the origin remote) is read here, and the pure mapping turns it into raw values.
import * as fs from 'node:fs'
import * as path from 'node:path'
import { readGoreleaserConfig, type ConfigReading } from '../goreleaser-config.js'
import { errorMessage } from '../lib/errors.js'
import { resolveInside } from './syntax.js'
import type { InputName } from './table.js'

/** The names `auto` looks for at the module root, in GoReleaser's own order. */
export const GORELEASER_FILES = [
  '.config/goreleaser.yml',
  '.config/goreleaser.yaml',
  '.goreleaser.yml',
  '.goreleaser.yaml',
  'goreleaser.yml',
  'goreleaser.yaml'
] as const

/** A config that was read: the values it gives and what its reading found. */
export interface ConfigSource extends ConfigReading {
  /** the file, relative to the workspace */
  file: string
}

/**
 * Reads the config `goreleaser-config` names (`raw`): undefined when none is asked for, or
 * `auto` finds none. A file that cannot be read is a problem of the input.
 */
export function readConfigSource(
  raw: string,
  unsupported: string,
  dirs: { workspace: string; workingDirectory: string }
): { source?: ConfigSource; problems: string[] } {
  const value = raw.trim()
  if (value === '') return { problems: [] }
  let file: string
  if (value === 'auto') {
    const found = GORELEASER_FILES.map(n => path.join(dirs.workingDirectory, n)).find(f =>
      fs.existsSync(f)
    )
    if (!found) return { problems: [] }
    file = found
  } else {
    const { resolved, complaint } = resolveInside(value, dirs.workingDirectory, dirs.workspace)
    if (complaint) return { problems: [`goreleaser-config: "${value}" ${complaint}`] }
    file = resolved
  }
  const shown = path.relative(dirs.workspace, file) || path.basename(file)
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (error) {
    return { problems: [`goreleaser-config: cannot read ${shown}: ${errorMessage(error)}`] }
  }
  const reading = readGoreleaserConfig(text, {
    file: shown,
    modulePath: modulePathIn(dirs.workingDirectory),
    originUrl: originUrlOf(dirs.workingDirectory, dirs.workspace),
    unsupported: unsupported.trim() === 'warn' ? 'warn' : 'error'
  })
  return { source: { ...reading, file: shown }, problems: [] }
}

/** A problem of an input whose value came from the config names where in the file. */
export function fromConfig(
  problem: string,
  name: InputName,
  source: Pick<ConfigSource, 'file' | 'origins'>
): string {
  const origin = source.origins[name]
  // `archives: …` and, for a list input's entries, `archives[1].name: …`
  const head = problem.startsWith(`${name}:`)
    ? name
    : problem.startsWith(`${name}[`)
      ? problem.slice(0, Math.max(problem.indexOf(': '), 0))
      : ''
  // Named once: the parser's problems pass here again with the stages' (withConfigOrigins).
  return head && !head.includes(' (from ')
    ? `${head} (from ${source.file} ${origin}):${problem.slice(head.length + 1)}`
    : problem
}

/** The module path of go.mod in `dir` ('' when there is none). */
function modulePathIn(dir: string): string {
  try {
    const text = fs.readFileSync(path.join(dir, 'go.mod'), 'utf8')
    return /^module\s+"?([^\s"]+)"?/m.exec(text)?.[1] ?? ''
  } catch {
    return ''
  }
}

/**
 * The `origin` remote's URL from the git config of the repository holding `dir` (searched up to
 * the workspace), read from the files: the inputs layer starts no programs.
 */
export function originUrlOf(dir: string, workspace: string): string {
  for (let d = dir; ; d = path.dirname(d)) {
    const dotGit = path.join(d, '.git')
    let gitDir: string | undefined
    try {
      const stat = fs.statSync(dotGit)
      if (stat.isDirectory()) gitDir = dotGit
      else {
        // A worktree's .git file points at its folder, whose commondir holds the shared config.
        const pointed = /^gitdir:\s*(.+)$/m.exec(fs.readFileSync(dotGit, 'utf8'))?.[1]?.trim()
        if (pointed) {
          const own = path.resolve(d, pointed)
          const common = path.join(own, 'commondir')
          gitDir = fs.existsSync(common)
            ? path.resolve(own, fs.readFileSync(common, 'utf8').trim())
            : own
        }
      }
    } catch {
      // no .git here
    }
    if (gitDir) return originInConfig(path.join(gitDir, 'config'))
    if (d === workspace || path.dirname(d) === d || !d.startsWith(workspace)) return ''
  }
}

function originInConfig(file: string): string {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch {
    return ''
  }
  let inOrigin = false
  for (const line of text.split('\n')) {
    const section = /^\s*\[(.+)\]\s*$/.exec(line)
    if (section) inOrigin = /^remote\s+"origin"$/.test(section[1]!.trim())
    else if (inOrigin) {
      const url = /^\s*url\s*=\s*(.+?)\s*$/.exec(line)
      if (url) return url[1]!
    }
  }
  return ''
}

/** Problems found after parsing (resolve, stage checks) named like the parser's: with file and key. */
export function withConfigOrigins(
  problems: readonly string[],
  source: Pick<ConfigSource, 'file' | 'origins'> | undefined
): string[] {
  if (!source) return [...problems]
  const names = Object.keys(source.origins) as InputName[]
  return problems.map(p => names.reduce((text, name) => fromConfig(text, name, source), p))
}

/** `owner/name` of a GitHub remote URL (https or ssh), '' for anything else. */
export function ownerRepoOf(url: string): string {
  const m = /[/:]([^/:]+)\/([^/:]+?)(?:\.git)?\/?$/.exec(url.trim())
  return m ? `${m[1]}/${m[2]}` : ''
}
