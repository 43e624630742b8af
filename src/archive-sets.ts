// Archive sets: which files each target publishes. One set (the default, from the archive,
// archive-overrides, name-template, archive-directory and archive-files inputs) packs every binary
// of a target into one archive; the `archives` input lists several, each choosing its binaries,
// targets, formats, name, folder and extra files (GoReleaser's `archives` with `ids`). Pure.
import { matchesTargetPattern } from './lib/target-patterns.js'
import type { Target } from './targets.js'

/** What a target's published file can be: an archive, or the bare binary. */
export const PACK_FORMATS = ['tar.gz', 'tar.xz', 'zip', 'binary'] as const
export type PackFormat = (typeof PACK_FORMATS)[number]
/** What an input can ask for: `auto` is zip for windows and tar.gz elsewhere. */
export const FORMAT_CHOICES = ['auto', ...PACK_FORMATS] as const
export type FormatChoice = (typeof FORMAT_CHOICES)[number]
/** Every format an archives entry or an override can name; `none`: no file for those targets. */
export const SET_FORMATS = [...FORMAT_CHOICES, 'none'] as const
export type SetFormat = (typeof SET_FORMATS)[number]

/**
 * One extra file rule of a set: the files `src` matches (wildcards in the file name), put at
 * their path, or by their file name under `dst` (a `src` without wildcards is named `dst`
 * itself), or with `stripParent` by their file name under `dst` or at the top, as GoReleaser
 * places them; with `mode` or the source's (0755 when executable, else 0644: what git records).
 */
export interface FileSpec {
  src: string
  dst?: string
  stripParent?: boolean
  mode?: number
}

/** One entry of the `archives` input as written: each absent key takes the top-level input. */
export interface ArchiveEntry {
  /** shown in messages and the log */
  id?: string
  /** binary names; absent: every binary */
  binaries?: string[]
  /** target patterns; absent: every target */
  targets?: string[]
  formats?: SetFormat[]
  overrides?: { scope: string; formats: SetFormat[] }[]
  name?: string
  directory?: string
  /** binaries named with a sub-folder (bin/app) go in at the top of the archive */
  stripBinaryDirectory?: boolean
  files?: FileSpec[]
}

/** An archive set with every value known. */
export interface ArchiveSet {
  /** `archives[1]` or `archives[1] (id)`; '' for the one set of the top-level inputs */
  label: string
  /** the entry's id ('' when it has none): what manifests choose sets by */
  id: string
  /** binary names; empty: every binary */
  binaries: readonly string[]
  /** target patterns; empty: every target */
  targets: readonly string[]
  formats: readonly SetFormat[]
  /** the first override whose pattern matches a target replaces `formats` for it */
  overrides: readonly { scope: string; formats: readonly SetFormat[] }[]
  nameTemplate: string
  directory: string
  /** binaries named with a sub-folder (bin/app) go in at the top of the archive */
  stripBinaryDirectory: boolean
  files: readonly FileSpec[]
  /** the files may match nothing (defaults, and lists from a GoReleaser config) */
  filesOptional: boolean
  /** the input each value came from, for messages: `name-template` or `archives[1].name` */
  from: Readonly<Record<'name' | 'directory' | 'files' | 'binaries', string>>
}

/** The top-level inputs every set falls back to. */
export interface SetDefaults {
  archive: FormatChoice
  archiveOverrides: readonly { scope: string; value: string }[]
  nameTemplate: string
  archiveDirectory: string
  archiveFiles: readonly string[]
  archiveFilesOptional: boolean
  /** the entries come from a GoReleaser config, whose file patterns may match nothing */
  fromFile?: boolean
}

/** One file (or, for `binary`, one file per binary) a target publishes from one set. */
export interface PlannedArchive {
  /** index into the sets */
  set: number
  format: PackFormat
  /** the binaries it holds, in build order */
  binaries: readonly string[]
}

/** The sets of a run: the `archives` entries over the top-level inputs, or the one default set. */
export function archiveSetsOf(entries: readonly ArchiveEntry[], d: SetDefaults): ArchiveSet[] {
  const top: ArchiveSet['from'] = {
    name: 'name-template',
    directory: 'archive-directory',
    files: 'archive-files',
    binaries: 'archives'
  }
  const base: ArchiveSet = {
    label: '',
    id: '',
    binaries: [],
    targets: [],
    formats: [d.archive],
    overrides: d.archiveOverrides.map(o => ({ scope: o.scope, formats: [o.value as SetFormat] })),
    nameTemplate: d.nameTemplate,
    directory: d.archiveDirectory,
    stripBinaryDirectory: false,
    files: d.archiveFiles.map(src => ({ src })),
    filesOptional: d.archiveFilesOptional,
    from: top
  }
  if (entries.length === 0) return [base]
  return entries.map((e, i) => {
    const at = entryInput(i)
    const given = (key: string, top: string, set: boolean): string => (set ? `${at}.${key}` : top)
    return {
      label: e.id ? `${at} (${e.id})` : at,
      id: e.id ?? '',
      binaries: e.binaries ?? [],
      targets: e.targets ?? [],
      formats: e.formats ?? base.formats,
      overrides: e.overrides ?? base.overrides,
      nameTemplate: e.name ?? base.nameTemplate,
      directory: e.directory ?? base.directory,
      stripBinaryDirectory: e.stripBinaryDirectory ?? false,
      files: e.files ?? base.files,
      filesOptional:
        e.files === undefined ? base.filesOptional : d.fromFile === true || e.files.length === 0,
      from: {
        name: given('name', top.name, e.name !== undefined),
        directory: given('directory', top.directory, e.directory !== undefined),
        files: given('files', top.files, e.files !== undefined),
        binaries: `${at}.binaries`
      }
    }
  })
}

/** Where a set puts a binary in its archives (before the set's folder): its name, or with `stripBinaryDirectory` the name's last part. */
export function binaryMember(set: Pick<ArchiveSet, 'stripBinaryDirectory'>, name: string): string {
  return set.stripBinaryDirectory ? name.slice(name.lastIndexOf('/') + 1) : name
}

/** How messages name entry `i` of the archives input (0-based, as YAML paths count). */
export function entryInput(i: number): string {
  return `archives[${i}]`
}

/** The formats a set makes for a target: its first matching override, or its formats. */
export function formatsFor(set: ArchiveSet, target: Target): PackFormat[] {
  const override = set.overrides.find(o => matchesTargetPattern(o.scope, target))
  const chosen = override ? override.formats : set.formats
  const made: PackFormat[] = []
  for (const f of chosen) {
    if (f === 'none') continue
    const format = f === 'auto' ? (target.goos === 'windows' ? 'zip' : 'tar.gz') : f
    if (!made.includes(format)) made.push(format)
  }
  return made
}

/** Whether a set takes a target at all (its target patterns). */
export function setTakes(set: ArchiveSet, target: Target): boolean {
  return set.targets.length === 0 || set.targets.some(p => matchesTargetPattern(p, target))
}

/**
 * What a target publishes: for every set that takes it and holds one of its binaries, one file
 * per format. `binaries` are the target's binary names in build order.
 */
export function plannedArchives(
  sets: readonly ArchiveSet[],
  target: Target,
  binaries: readonly string[]
): PlannedArchive[] {
  return sets.flatMap((set, i) => {
    if (!setTakes(set, target)) return []
    const held =
      set.binaries.length === 0 ? [...binaries] : binaries.filter(b => set.binaries.includes(b))
    if (held.length === 0) return []
    return formatsFor(set, target).map(format => ({ set: i, format, binaries: held }))
  })
}

/** Whether set `i` makes an archive (not only bare binaries) for some of these plans. */
export function setArchived(
  plans: readonly { archives: readonly PlannedArchive[] }[]
): (set: number) => boolean {
  return i => plans.some(p => p.archives.some(a => a.set === i && a.format !== 'binary'))
}
