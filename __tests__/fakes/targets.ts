import {
  archiveSetsOf,
  type ArchiveSet,
  type PackFormat,
  type PlannedArchive
} from '../../src/archive-sets.js'
import type { GoTargetPlan } from '../../src/facts.js'
import { targetId, type Target } from '../../src/targets.js'

/** Rows of a test table prefixed with their 1-based number, for `[%d]` in test names. */
export const numbered = <T extends unknown[]>(rows: T[]): [number, ...T][] =>
  rows.map((r, i) => [i + 1, ...r])

/** 'linux/arm/7' → its Target, without a dist list (tests of logic over targets). */
export function targetOf(spec: string): Target {
  const [goos, goarch, variant] = spec.split('/') as [string, string, string | undefined]
  return { goos, goarch, ...(variant ? { variant } : {}), id: targetId(goos, goarch, variant) }
}

/** One file of the first archive set, holding `binaries`. */
export function archivesOf(format: PackFormat = 'tar.gz', binaries = ['app']): PlannedArchive[] {
  return [{ set: 0, format, binaries }]
}

/** A pure-Go plan of the target `spec` publishing one tar.gz of binary app. */
export function planOf(spec: string): GoTargetPlan {
  return { kind: 'go', target: targetOf(spec), cgo: { enabled: false }, archives: archivesOf() }
}

/** The one archive set of the top-level inputs, with this name template and folder. */
export function oneSet(nameTemplate: string, archiveDirectory = ''): ArchiveSet[] {
  return archiveSetsOf([], {
    archive: 'auto',
    archiveOverrides: [],
    nameTemplate,
    archiveDirectory,
    archiveFiles: [],
    archiveFilesOptional: true
  })
}
