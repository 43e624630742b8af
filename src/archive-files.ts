// The extra files of each archive set and the release's own files: their patterns (wildcards in
// the file name only) expanded to files inside the workspace. Read by the resolve stage, and again
// after before-hooks ran, since hooks may write them (completions, man pages, an SBOM).
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { ArchiveSet, FileSpec } from './archive-sets.js'
import type { Facts } from './facts.js'
import { INPUT, type Inputs } from './inputs/index.js'
import { releaseAssetNames } from './naming.js'
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
    const found = expandPattern(inputs, spec.src, set.from.files, set.filesOptional, problems)
    const literal = !/[*?]/.test(path.basename(spec.src))
    for (const { entry, full, real, executable } of found) {
      const relative = path.relative(inputs.workingDirectory, full).split(path.sep).join('/')
      files.set(memberName(spec, literal, entry, relative), {
        source: real,
        mode: spec.mode ?? (executable ? 0o755 : 0o644)
      })
    }
  }
  return [...files].map(([name, f]) => ({ name, ...f }))
}

/**
 * Where a file a rule matched goes in the archive, as GoReleaser places it: at its path; with
 * strip_parent, by its file name under `dst`; with `dst` alone, under `dst` by its path below the
 * pattern's folder (the wildcards match file names only, so that is its file name), and a pattern
 * without wildcards names the member `dst` itself.
 */
function memberName(spec: FileSpec, literal: boolean, entry: string, relative: string): string {
  if (spec.stripParent) return path.posix.join(spec.dst ?? '', entry)
  if (spec.dst === undefined) return relative
  return literal ? spec.dst : path.posix.join(spec.dst, entry)
}

/**
 * release-files: the files uploaded to the release as they are, each by its file name (as
 * GoReleaser's release.extra_files); a pattern that matches nothing is a problem.
 */
function findReleaseFiles(inputs: Inputs, problems: string[]): Facts['releaseExtras'] {
  const files = new Map<string, string>()
  for (const pattern of inputs.releaseFiles) {
    for (const { entry, real } of expandPattern(
      inputs,
      pattern,
      INPUT.releaseFiles,
      false,
      problems
    )) {
      const other = files.get(entry)
      if (other !== undefined && other !== real)
        problems.push(
          `${INPUT.releaseFiles}: "${pattern}" matches a second file named ${entry}; release assets are named by file name`
        )
      files.set(entry, real)
    }
  }
  return [...files].map(([name, source]) => ({ name, source }))
}

/** Whether this job may publish a release, and so needs the release files (not in mode: plan). */
function mayPublish(inputs: Pick<Inputs, 'release' | 'mode' | 'releaseFiles'>): boolean {
  return inputs.releaseFiles.length > 0 && inputs.release !== 'false' && inputs.mode !== 'plan'
}

/**
 * The release files of a job that may publish, checked against the other assets' names:
 * `releaseFiles` are the planned files' names (the checksums files and bundles are added here).
 */
export function findReleaseExtras(
  inputs: Inputs,
  releaseFiles: readonly string[],
  problems: string[]
): Facts['releaseExtras'] {
  if (!mayPublish(inputs)) return []
  const extras = findReleaseFiles(inputs, problems)
  const taken = releaseAssetNames(releaseFiles, inputs)
  for (const e of extras)
    if (taken.includes(e.name))
      problems.push(
        `${INPUT.releaseFiles}: ${e.name} has the name of a file this release publishes; rename it or leave it out`
      )
  return extras
}

/**
 * image-files: each rule's files and their absolute paths in the image. A literal SRC goes to
 * DST itself (or into DST when it ends with /), a pattern's files into DST by file name; without
 * DST a file keeps its path below the module root. A rule that matches nothing is a problem.
 */
export function findImageFiles(
  inputs: Inputs,
  problems: string[]
): { path: string; source: string; mode: number }[] {
  const files: { path: string; source: string; mode: number }[] = []
  for (const rule of inputs.imageFiles) {
    const literal = !/[*?]/.test(path.basename(rule.src))
    for (const { entry, full, real, executable } of expandPattern(
      inputs,
      rule.src,
      INPUT.imageFiles,
      false,
      problems
    )) {
      const relative = path.relative(inputs.workingDirectory, full).split(path.sep).join('/')
      // The archives' placement rule; a DST ending in / is a folder, as strip_parent makes it.
      const spec = { ...rule, stripParent: rule.dst?.endsWith('/') }
      const at = memberName(spec, literal, entry, relative)
      files.push({
        path: at.startsWith('/') ? at : `/${at}`,
        source: real,
        mode: executable ? 0o755 : 0o644
      })
    }
  }
  return files
}

/** The regular files a pattern (wildcards in the file name only) matches inside the workspace. */
function expandPattern(
  inputs: Inputs,
  pattern: string,
  input: string,
  optional: boolean,
  problems: string[]
): { entry: string; full: string; real: string; executable: boolean }[] {
  const dir = path.resolve(inputs.workingDirectory, path.dirname(pattern))
  const glob = globToRegExp(path.basename(pattern))
  const entries = readdirOrEmpty(dir)
    .filter(name => glob.test(name))
    .sort()
  const found: { entry: string; full: string; real: string; executable: boolean }[] = []
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
        `${input}: "${pattern}" matches ${entry}, a link to ${real} outside the workspace`
      )
      continue
    }
    const stat = fs.statSync(real)
    if (!stat.isFile()) continue
    found.push({ entry, full, real, executable: (stat.mode & 0o111) !== 0 })
  }
  if (found.length === 0 && !optional)
    problems.push(`${input}: "${pattern}" matches no file in ${displayPath(inputs, dir)}`)
  return found
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
