// GoReleaser's `nfpms` section read onto the linux-packages input: each entry becomes a package
// set with the same keys in the input's spelling; its ids (v1: builds) choose binaries. What the
// action does not make yet (signatures, deb triggers and scripts of its own, …) goes to
// `notMade`, naming its key path: a problem, or with goreleaser-unsupported: warn a warning, so
// nothing is silently left out of a package. Pure.
import { stringify } from 'yaml'
import { PACKAGE_FORMATS } from './linux-packages.js'
import { isObj, list, str, suggest, type Obj } from './lib/config-values.js'

/** A build as the packages see it: its id and binary. */
export interface NfpmBuild {
  id: string
  binary: string
}

const TEXT = {
  id: 'id',
  package_name: 'package-name',
  file_name_template: 'file-name',
  bindir: 'bindir',
  maintainer: 'maintainer',
  description: 'description',
  homepage: 'homepage',
  license: 'license',
  vendor: 'vendor',
  section: 'section',
  priority: 'priority',
  epoch: 'epoch',
  release: 'release',
  prerelease: 'prerelease',
  version_metadata: 'version-metadata',
  mtime: 'mtime'
} as const
const LISTS = {
  dependencies: 'depends',
  recommends: 'recommends',
  suggests: 'suggests',
  conflicts: 'conflicts',
  replaces: 'replaces',
  provides: 'provides'
} as const
/** Keys an overrides entry may hold (GoReleaser's NFPMOverridables that take effect). */
const OVERRIDABLE = new Set([
  'file_name_template',
  ...Object.keys(LISTS),
  'contents',
  'scripts',
  'deb',
  'rpm',
  'apk',
  'archlinux'
])
const ENTRY_KEYS = new Set([
  ...Object.keys(TEXT),
  ...OVERRIDABLE,
  'ids',
  'builds',
  'formats',
  'overrides',
  'meta',
  'libdirs',
  'goamd64',
  'umask',
  'changelog',
  'ipk'
])
const NOT_YET: Record<string, string> = {
  meta: 'meta packages (no binaries) are not made yet',
  changelog: 'package changelogs are not written yet',
  goamd64: 'is not read yet: choose the amd64 targets with the targets of linux-packages',
  ipk: 'ipk packages are not made'
}

/**
 * Reads `nfpms` into the `linux-packages` input (nothing when the section is absent or empty).
 * Each entry's problems are reported at their key path.
 */
/** Where the reading's findings go. */
export interface NfpmReport {
  /** the mapping cannot be made */
  problem(at: string, why: string): void
  /** worth knowing, changes nothing */
  note(text: string): void
  /** not made by the action yet: a problem, or with goreleaser-unsupported: warn a warning */
  notMade(at: string, why: string): void
}

export function readNfpms(
  root: Obj,
  builds: readonly NfpmBuild[],
  set: (value: string, at: string) => void,
  r: NfpmReport
): void {
  const { problem } = r
  const entries = list(root.nfpms).flatMap((e, i) => {
    const at = `nfpms[${i}]`
    if (!isObj(e)) {
      problem(at, 'is not a mapping')
      return []
    }
    return [readEntry(e, at, builds, r)]
  })
  if (entries.length > 0) set(stringify(entries), 'nfpms')
}

function readEntry(e: Obj, at: string, builds: readonly NfpmBuild[], r: NfpmReport): Obj {
  const { problem, note, notMade } = r
  for (const key of Object.keys(e)) {
    if (!ENTRY_KEYS.has(key))
      problem(`${at}.${key}`, `is not an nfpms key${suggest(key, [...ENTRY_KEYS])}`)
    else if (NOT_YET[key] && e[key] !== false && !isEmpty(e[key]))
      notMade(`${at}.${key}`, NOT_YET[key]!)
  }
  const out: Obj = {}
  for (const [key, ours] of Object.entries(TEXT)) if (e[key] != null) out[ours] = str(e[key])
  const formats = list(e.formats).map(String)
  for (const f of formats)
    if (!(PACKAGE_FORMATS as readonly string[]).includes(f))
      problem(`${at}.formats`, `"${f}" is not made by this action (${PACKAGE_FORMATS.join(', ')})`)
  out.formats = formats
  if (e.builds !== undefined) note(`${at}.builds: a GoReleaser v1 spelling; v2 writes ids: [ … ]`)
  const idsKey = e.ids !== undefined ? 'ids' : 'builds'
  const ids = list(e.ids ?? e.builds).map(String)
  if (ids.length > 0) {
    for (const id of ids)
      if (!builds.some(b => b.id === id))
        note(`${at}.${idsKey}: "${id}" is the id of no build that is made; ignored`)
    const binaries = [...new Set(builds.filter(b => ids.includes(b.id)).map(b => b.binary))]
    if (binaries.length === 0) problem(`${at}.${idsKey}`, `${ids.join(', ')}: matches no build`)
    out.binaries = binaries
  }
  if (e.umask != null) out.umask = e.umask
  if (isObj(e.libdirs) && Object.keys(e.libdirs).length > 0)
    note(`${at}.libdirs: only c-archive and c-shared builds use it; this action builds executables`)
  Object.assign(out, overridable(e, at, r))
  if (e.overrides != null) {
    if (!isObj(e.overrides)) problem(`${at}.overrides`, 'is not a mapping of formats')
    else {
      const overrides: Obj = {}
      for (const [format, o] of Object.entries(e.overrides)) {
        const oat = `${at}.overrides.${format}`
        if (!(PACKAGE_FORMATS as readonly string[]).includes(format)) {
          problem(oat, `is not a format this action makes (${PACKAGE_FORMATS.join(', ')})`)
          continue
        }
        if (!isObj(o)) {
          problem(oat, 'is not a mapping')
          continue
        }
        for (const key of Object.keys(o))
          if (!OVERRIDABLE.has(key))
            problem(
              `${oat}.${key}`,
              ENTRY_KEYS.has(key)
                ? 'takes no effect in an override in GoReleaser; set it on the entry'
                : `is not an nfpms key${suggest(key, [...OVERRIDABLE])}`
            )
        overrides[format] = overridable(o, oat, r)
      }
      if (Object.keys(overrides).length > 0) out.overrides = overrides
    }
  }
  return out
}

/** The keys an entry and its overrides share, in the input's spelling. */
function overridable(e: Obj, at: string, r: NfpmReport): Obj {
  const { problem, note, notMade } = r
  const out: Obj = {}
  if (e.file_name_template != null) out['file-name'] = str(e.file_name_template)
  for (const [key, ours] of Object.entries(LISTS))
    if (e[key] != null) out[ours] = list(e[key]).map(String)
  if (e.contents != null)
    out.contents = list(e.contents).map((c, k) => content(c, `${at}.contents[${k}]`, r))
  if (e.scripts != null) out.scripts = e.scripts
  const sub = (key: string, known: Record<string, string>, ours: Obj): void => {
    const given = e[key]
    if (given == null) return
    if (!isObj(given)) return problem(`${at}.${key}`, 'is not a mapping')
    const mapped: Obj = {}
    for (const [k, v] of Object.entries(given)) {
      if (known[k]) mapped[known[k]] = v
      else if (isEmpty(v)) continue
      else if (k === 'signature') {
        // The key is a secret the workflow gives; its name is the one part the file holds.
        if (key === 'apk' && isObj(v) && v.key_name != null) mapped['key-name'] = str(v.key_name)
        note(
          `${at}.${key}.signature: its key_file is not read: the action signs ${key === 'apk' ? 'apk packages with the package-rsa-key' : 'deb and rpm packages with the package-gpg-key'} input (a secret), and package-key-passphrase`
        )
      } else notMade(`${at}.${key}.${k}`, 'is not made by this action yet')
    }
    if (Object.keys(mapped).length > 0) ours[key] = mapped
  }
  sub(
    'deb',
    {
      compression: 'compression',
      predepends: 'predepends',
      breaks: 'breaks',
      fields: 'fields',
      lintian_overrides: 'lintian-overrides'
    },
    out
  )
  sub(
    'rpm',
    {
      summary: 'summary',
      group: 'group',
      compression: 'compression',
      packager: 'packager',
      prefixes: 'prefixes',
      scripts: 'scripts'
    },
    out
  )
  sub('archlinux', { pkgbase: 'pkgbase', packager: 'packager', scripts: 'scripts' }, out)
  sub('apk', { scripts: 'scripts' }, out)
  return out
}

function content(c: unknown, at: string, r: NfpmReport): Obj {
  const { problem, notMade } = r
  if (!isObj(c)) {
    problem(at, 'is not a mapping of src, dst, type, packager and file_info')
    return {}
  }
  const out: Obj = {}
  for (const key of ['src', 'dst', 'type', 'packager']) if (c[key] != null) out[key] = c[key]
  if (c.expand === true) notMade(`${at}.expand`, 'is not supported yet')
  const info = c.file_info
  if (isObj(info)) {
    for (const key of ['mode', 'owner', 'group']) if (info[key] != null) out[key] = info[key]
    if (info.mtime != null)
      notMade(`${at}.file_info.mtime`, "is not taken: every file has the package's mtime")
  }
  for (const key of Object.keys(c))
    if (!['src', 'dst', 'type', 'packager', 'file_info', 'expand'].includes(key))
      problem(`${at}.${key}`, 'is not a key of nfpms contents')
  return out
}

function isEmpty(v: unknown): boolean {
  return (
    v == null ||
    v === '' ||
    (Array.isArray(v) && v.length === 0) ||
    (isObj(v) && Object.values(v).every(isEmpty))
  )
}
