// The extra files of each archive set: its patterns (wildcards in the file name only) expanded to
// files inside the workspace. Read by the resolve stage, and again after before-hooks ran, since
// hooks may write them (completions, man pages).
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { ArchiveSet } from './archive-sets.js'
import type { Facts } from './facts.js'
import type { Inputs } from './inputs/index.js'
import { globToRegExp, isInside } from './lib/files.js'

/** Every set's files (by set index); sets that make only bare binaries have none. */
export function findSetFiles(
  inputs: Inputs,
  archived: (set: number) => boolean,
  problems: string[]
): Facts['archiveFiles'] {
  return inputs.archiveSets.map((set, i) =>
    archived(i) ? findArchiveFiles(inputs, set, problems) : []
  )
}

/** Expands a set's file patterns (wildcards in the file name only) to files inside the workspace. */
function findArchiveFiles(
  inputs: Inputs,
  set: ArchiveSet,
  problems: string[]
): Facts['archiveFiles'][number] {
  const files = new Map<string, { source: string; mode: number }>()
  for (const spec of set.files) {
    const pattern = spec.src
    const dir = path.resolve(inputs.workingDirectory, path.dirname(pattern))
    const glob = globToRegExp(path.basename(pattern))
    const entries = readdirOrEmpty(dir)
      .filter(name => glob.test(name))
      .sort()
    let matched = 0
    for (const entry of entries) {
      const full = path.join(dir, entry)
      let real: string
      try {
        real = fs.realpathSync(full)
      } catch {
        continue
      }
      if (!isInside(inputs.workspace, real)) {
        problems.push(
          `${set.from.files}: "${pattern}" matches ${entry}, a link to ${real} outside the workspace`
        )
        continue
      }
      const stat = fs.statSync(real)
      if (!stat.isFile()) continue
      const relative = path.relative(inputs.workingDirectory, full).split(path.sep).join('/')
      const name = spec.dst
        ? path.posix.join(spec.dst, spec.stripParent ? entry : relative)
        : relative
      files.set(name, { source: real, mode: spec.mode ?? (stat.mode & 0o111 ? 0o755 : 0o644) })
      matched++
    }
    if (matched === 0 && !set.filesOptional) {
      problems.push(
        `${set.from.files}: "${pattern}" matches no file in ${displayPath(inputs, dir)}`
      )
    }
  }
  return [...files].map(([name, f]) => ({ name, ...f }))
}

function readdirOrEmpty(dir: string): string[] {
  try {
    return fs.readdirSync(dir)
  } catch {
    return [] // a missing folder matches nothing, reported below like any empty match
  }
}

export function displayPath(inputs: Inputs, p: string): string {
  const rel = path.relative(inputs.workspace, p)
  return rel === '' ? '.' : rel.startsWith('..') ? p : rel
}
