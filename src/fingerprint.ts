import { createHash } from 'node:crypto'
import * as path from 'node:path'
import type { Facts } from './facts.js'
import { INPUT, type Inputs } from './inputs/index.js'

// The legs of a matrix build one release between them, so they must agree on everything that
// shapes a published file's name or bytes (issue 13). Each leg records the values it used; the
// fan-in publish job and self-publishing legs compare the records before uploading anything.

/**
 * Who must agree on a field: `names` — every leg and the publish job (which files exist and how
 * they are named; the publish job expects them by name); `build` — every leg (the bytes of its
 * files; the publish job builds nothing); `publishing` — legs that publish without a fan-in job
 * (the leg that uploads last decides these for all).
 */
export type FingerprintScope = 'names' | 'build' | 'publishing'

/** The values a job used, by field name (an input's name, or a resolved fact's). */
export type Fingerprint = Readonly<Record<string, string>>

/** What a fingerprint reads beside the inputs: the resolved toolchain, stamp and binaries. */
export type FingerprintFacts = Pick<Facts, 'stamp' | 'binaries'> & {
  go: Pick<Facts['go'], 'version' | 'goflags'>
}

/** One field: its name, who must agree on it, and its readable value. */
interface FieldSpec {
  name: string
  scope: FingerprintScope
  value(inputs: Inputs, facts: FingerprintFacts): string
}

/** Version of the recorded file's format; a record of another version is refused, not guessed at. */
export const FINGERPRINT_FORMAT = 1

const list = (items: readonly string[]): string => items.join(',')
/** argv elements, quoted where one holds a space, so `-a -v` and `"-a -v"` stay apart. */
const argv = (items: readonly string[]): string =>
  items.map(a => (/[\s"]/.test(a) ? JSON.stringify(a) : a)).join(' ')
const digest = (value: string): string =>
  `sha256:${createHash('sha256').update(value).digest('hex').slice(0, 12)}`
/** A list of entries by digest; none reads as unset. */
const entries = (items: readonly unknown[]): string =>
  items.length === 0 ? '' : digest(JSON.stringify(items))

/**
 * Every field, in the order messages list them. Left out, because they change no published file:
 * targets, shard, legs, targets-per-leg and split-by (they differ by design; missing and duplicate
 * files are checked by name), parallelism, dist, cache*, verify-modules, smoke-test*,
 * max-binary-size (checks only), upload-artifacts, artifact-name, retention-days (workflow
 * artifacts), release*, draft, prerelease, make-latest, overwrite (the release, not its files),
 * attest (attestations are not release assets), image-tags (the publish job alone tags the
 * image), github-token, image-username, image-password, cosign-password, homebrew-token and
 * scoop-token (secrets), and the runner's paths (workspace).
 */
export const FINGERPRINT_FIELDS: readonly FieldSpec[] = [
  // Which files exist and their names.
  { name: INPUT.version, scope: 'names', value: (_, f) => f.stamp.version },
  { name: 'tag', scope: 'names', value: (_, f) => f.stamp.tag },
  { name: INPUT.projectName, scope: 'names', value: i => i.projectName },
  { name: INPUT.binaryName, scope: 'names', value: (_, f) => list(f.binaries.map(b => b.name)) },
  {
    name: INPUT.binaryTargets,
    scope: 'names',
    value: i => list(i.binaryTargets.map(b => `${b.binary}: ${b.targets.join(' ')}`))
  },
  { name: INPUT.nameTemplate, scope: 'names', value: i => i.nameTemplate },
  { name: INPUT.archive, scope: 'names', value: i => i.archive },
  {
    name: INPUT.archiveOverrides,
    scope: 'names',
    value: i => list(i.archiveOverrides.map(e => `${e.scope}: ${e.value}`))
  },
  // Every set's binaries, targets, formats and names; its files and folder too (few legs differ).
  {
    name: INPUT.archives,
    scope: 'names',
    value: i => (i.archives.length > 0 ? JSON.stringify(i.archives) : '')
  },
  { name: INPUT.sbom, scope: 'names', value: i => list(i.sbom) },
  // Package metadata, contents and scripts shape the packages' bytes as well as their names.
  {
    name: INPUT.linuxPackages,
    scope: 'names',
    value: i => (i.linuxPackages.length > 0 ? JSON.stringify(i.linuxPackages) : '')
  },
  { name: INPUT.universalBinaries, scope: 'names', value: i => i.universalBinaries },
  // The image: which repositories and platforms the publish job expects, and whether pushed.
  { name: INPUT.image, scope: 'names', value: i => list(i.image) },
  { name: INPUT.imageTargets, scope: 'names', value: i => list(i.imageTargets) },
  { name: INPUT.imagePush, scope: 'names', value: i => i.imagePush },
  // The bytes of each leg's files.
  { name: INPUT.imageBase, scope: 'build', value: i => i.imageBase },
  { name: INPUT.imageLabels, scope: 'build', value: i => i.imageLabels.join('\n') },
  { name: INPUT.imageEntrypoint, scope: 'build', value: i => argv(i.imageEntrypoint) },
  { name: INPUT.imageUser, scope: 'build', value: i => i.imageUser },
  {
    name: INPUT.imageFiles,
    scope: 'build',
    value: i => list(i.imageFiles.map(r => (r.dst === undefined ? r.src : `${r.src}:${r.dst}`)))
  },
  { name: 'go', scope: 'build', value: (_, f) => f.go.version },
  { name: 'GOFLAGS', scope: 'build', value: (_, f) => f.go.goflags },
  { name: 'commit', scope: 'build', value: (_, f) => f.stamp.commit },
  // File times in archives and {{.Date}}: the commit's time, or SOURCE_DATE_EPOCH.
  { name: 'date', scope: 'build', value: (_, f) => f.stamp.date },
  {
    name: INPUT.workingDirectory,
    scope: 'build',
    value: i => path.relative(i.workspace, i.workingDirectory).split(path.sep).join('/') || '.'
  },
  { name: INPUT.package, scope: 'build', value: (_, f) => list(f.binaries.map(b => b.pkg)) },
  { name: INPUT.ldflags, scope: 'build', value: i => i.ldflags },
  { name: INPUT.beforeHooks, scope: 'build', value: i => i.beforeHooks.join('\n') },
  { name: INPUT.flags, scope: 'build', value: i => argv(i.flags) },
  { name: INPUT.tags, scope: 'build', value: i => list(i.tags) },
  { name: INPUT.trimpath, scope: 'build', value: i => String(i.trimpath) },
  {
    name: INPUT.buildOverrides,
    scope: 'build',
    value: i => (i.buildOverrides.length > 0 ? JSON.stringify(i.buildOverrides) : '')
  },
  { name: INPUT.buildvcs, scope: 'build', value: i => i.buildvcs },
  {
    // Values only as digests: env may carry credentials (a GOPROXY URL with a password), and the
    // record is readable by everyone who can download the workflow's artifacts.
    name: INPUT.env,
    scope: 'build',
    value: i => list(i.env.map(s => `${s.scope ? `${s.scope}:` : ''}${s.name}=${digest(s.value)}`))
  },
  { name: INPUT.cgo, scope: 'build', value: i => i.cgo },
  { name: INPUT.cgoLink, scope: 'build', value: i => i.cgoLink },
  { name: INPUT.cc, scope: 'build', value: i => list(i.cc.map(c => `${c.scope}=${c.value}`)) },
  { name: INPUT.upx, scope: 'build', value: i => list(i.upx) },
  { name: INPUT.upxArgs, scope: 'build', value: i => argv(i.upxArgs) },
  { name: INPUT.archiveFiles, scope: 'build', value: i => list(i.archiveFiles) },
  { name: INPUT.archiveDirectory, scope: 'build', value: i => i.archiveDirectory },
  // What the leg that publishes decides for every leg's files. With a fan-in, the publish job
  // writes the checksums files and reads each leg's by the values it recorded here.
  { name: INPUT.plannedTargets, scope: 'publishing', value: i => list(i.plannedTargets) },
  { name: INPUT.checksumAlgorithms, scope: 'publishing', value: i => list(i.checksumAlgorithms) },
  { name: INPUT.checksumsName, scope: 'publishing', value: i => i.checksumsName },
  // Whether the release gets a signature bundle; never the key itself.
  { name: INPUT.cosignKey, scope: 'publishing', value: i => (i.cosignKey ? 'set' : '') },
  { name: INPUT.cosignTlog, scope: 'publishing', value: i => String(i.cosignTlog) },
  // The manifests the leg that publishes commits: the same whichever leg that is.
  {
    name: INPUT.homebrewCasks,
    scope: 'publishing',
    value: i => entries(i.homebrewCasks)
  },
  {
    name: INPUT.homebrewFormulas,
    scope: 'publishing',
    value: i => entries(i.homebrewFormulas)
  },
  {
    name: INPUT.scoopManifests,
    scope: 'publishing',
    value: i => entries(i.scoopManifests)
  }
]

/** The fingerprint of a job: every field's readable value. */
export function fingerprintOf(inputs: Inputs, facts: FingerprintFacts): Fingerprint {
  return Object.fromEntries(FINGERPRINT_FIELDS.map(f => [f.name, f.value(inputs, facts)]))
}

/** The recorded file's text. */
export function serializeFingerprint(fingerprint: Fingerprint): string {
  return `${JSON.stringify({ 'go-xbuild-fingerprint': FINGERPRINT_FORMAT, fields: fingerprint }, null, 2)}\n`
}

/** Reads a recorded file: the fingerprint, or why it cannot be read. */
export function parseFingerprint(text: string): { fingerprint: Fingerprint } | { problem: string } {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return { problem: 'is not JSON' }
  }
  const record = value as { 'go-xbuild-fingerprint'?: unknown; fields?: unknown }
  if (typeof value !== 'object' || value === null || !('go-xbuild-fingerprint' in record)) {
    return { problem: 'is not a go-xbuild fingerprint' }
  }
  if (record['go-xbuild-fingerprint'] !== FINGERPRINT_FORMAT) {
    return {
      problem: `has format ${JSON.stringify(record['go-xbuild-fingerprint'])}, not ${FINGERPRINT_FORMAT}: was the leg run with another version of go-xbuild?`
    }
  }
  const fields = record.fields
  if (
    typeof fields !== 'object' ||
    fields === null ||
    Object.values(fields).some(v => typeof v !== 'string')
  ) {
    return { problem: 'has no fields' }
  }
  return { fingerprint: fields as Fingerprint }
}

/** A fingerprint and whose it is (`shard-1-of-2`). */
export interface Recorded {
  label: string
  fingerprint: Fingerprint
}

/** A value as a message shows it: `(none)` for empty, quoted when it holds spaces or commas. */
function shown(value: string | undefined): string {
  if (value === undefined) return '(not recorded)'
  if (value === '') return '(none)'
  return /[\s,"]/.test(value) ? JSON.stringify(value) : value
}

/**
 * One message per field of `scopes` on which the legs differ, naming the field, each leg and its
 * value: `legs disagree on sbom: shard-1-of-2 cyclonedx-json, shard-2-of-2 (none)`. With `job`
 * (the publish job), also each field of its scopes on which the legs agree but the job differs.
 */
export function disagreements(
  legs: readonly Recorded[],
  scopes: readonly FingerprintScope[],
  job?: { fingerprint: Fingerprint; scopes: readonly FingerprintScope[] }
): string[] {
  const sorted = [...legs].sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0))
  const messages: string[] = []
  for (const field of FINGERPRINT_FIELDS) {
    const values = sorted.map(l => l.fingerprint[field.name])
    const agree = values.every(v => v === values[0])
    if (!agree && scopes.includes(field.scope)) {
      const each = sorted.map((l, i) => `${l.label} ${shown(values[i])}`)
      messages.push(`legs disagree on ${field.name}: ${each.join(', ')}`)
    } else if (
      agree &&
      job &&
      job.scopes.includes(field.scope) &&
      sorted.length > 0 &&
      job.fingerprint[field.name] !== values[0]
    ) {
      messages.push(
        `this job and the legs disagree on ${field.name}: this job ${shown(job.fingerprint[field.name])}, ${sorted.length === 1 ? sorted[0]!.label : 'every leg'} ${shown(values[0])}`
      )
    }
  }
  return messages
}
