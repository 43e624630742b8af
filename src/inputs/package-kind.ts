// The `linux-packages` input: a YAML list of package sets, each a mapping in the spelling of the
// action's other list inputs (GoReleaser's nfpms keys with dashes). Every value is checked here,
// before anything is built: formats, dependency syntax, content types and paths, file modes,
// templates; files that must exist are checked by the packages stage's config check.
import {
  CONTENT_TYPES,
  DEB_COMPRESSIONS,
  DEFAULT_BINDIR,
  DEFAULT_PACKAGE_FILE_NAME,
  DEFAULT_PACKAGE_NAME,
  FORMAT_SCRIPTS,
  PACKAGE_FORMATS,
  relationProblem,
  RPM_COMPRESSIONS,
  SCRIPT_KINDS,
  type ContentType,
  type PackageContent,
  type PackageFormat,
  type PackageOverridable,
  type PackageSet
} from '../linux-packages.js'
import { checkTemplate, RELEASE_FIELDS, type TemplateField } from '../template.js'
import { notA } from './messages.js'
import {
  octalMode,
  targetPatterns,
  within,
  words,
  yamlEntries,
  type Kind,
  type ParseAt
} from './kinds.js'

const RELATIONS = [
  'depends',
  'recommends',
  'suggests',
  'conflicts',
  'replaces',
  'provides'
] as const
const OVERRIDABLE = [
  'file-name',
  ...RELATIONS,
  'contents',
  'scripts',
  'deb',
  'rpm',
  'archlinux',
  'apk'
]
const SET_KEYS = [
  'id',
  'formats',
  'binaries',
  'targets',
  'package-name',
  'bindir',
  'maintainer',
  'description',
  'homepage',
  'license',
  'vendor',
  'section',
  'priority',
  'epoch',
  'release',
  'prerelease',
  'version-metadata',
  'mtime',
  'umask',
  ...OVERRIDABLE,
  'overrides'
]
const TEXT_KEYS = [
  ['license', 'license'],
  ['vendor', 'vendor'],
  ['section', 'section'],
  ['priority', 'priority'],
  ['epoch', 'epoch'],
  ['release', 'release'],
  ['prerelease', 'prerelease'],
  ['version-metadata', 'versionMetadata']
] as const
const TEMPLATE_KEYS = [
  ['package-name', 'packageName'],
  ['bindir', 'bindir'],
  ['maintainer', 'maintainer'],
  ['description', 'description'],
  ['homepage', 'homepage'],
  ['mtime', 'mtime']
] as const

// What package templates read beside the target's fields, as in GoReleaser: the package's
// metadata, then the format (contents and scripts), then the conventional name (file name).
const PACKAGE_META: readonly TemplateField[] = ['Release', 'Epoch', 'PackageName']
const PACKAGE_FORMAT_FIELDS: readonly TemplateField[] = [...PACKAGE_META, 'Format']
const PACKAGE_NAME_FIELDS: readonly TemplateField[] = [
  ...PACKAGE_FORMAT_FIELDS,
  'ConventionalFileName',
  'ConventionalExtension'
]

type Sub = (key: string) => ParseAt

/** The kind of the `linux-packages` input; `fields` are the target template fields. */
export function linuxPackageEntries(fields: readonly TemplateField[]): Kind<PackageSet[]> {
  const checked: Checked = extra => (text, at) =>
    at.add(checkTemplate(at.input, text, [...fields, ...extra]))
  return {
    kind: 'package sets',
    parse(raw, at) {
      return yamlEntries(
        raw,
        at,
        {
          list: 'package sets',
          one: 'a package set',
          example: '- formats: [deb, rpm] ...',
          keys: SET_KEYS,
          nameOf: i => `${at.input}[${i}]`
        },
        (e, sub, i): PackageSet => {
          const id = e.id === undefined ? '' : String(e.id)
          const set: PackageSet = {
            label: id ? `${at.input}[${i}] (${id})` : `${at.input}[${i}]`,
            id: id || 'default',
            formats: formats(e.formats, sub('formats')),
            binaries: words(e.binaries),
            targets:
              e.targets === undefined
                ? []
                : targetPatterns().parse(words(e.targets).join('\n') || 'false', sub('targets')),
            packageName: DEFAULT_PACKAGE_NAME,
            fileName: DEFAULT_PACKAGE_FILE_NAME,
            bindir: DEFAULT_BINDIR,
            maintainer: '',
            description: '',
            homepage: '',
            license: '',
            vendor: '',
            section: '',
            priority: '',
            epoch: '',
            release: '',
            prerelease: '',
            versionMetadata: '',
            mtime: '',
            overrides: {}
          }
          for (const [key, field] of TEXT_KEYS) if (e[key] != null) set[field] = String(e[key])
          for (const [key, field] of TEMPLATE_KEYS) {
            if (e[key] == null) continue
            set[field] = String(e[key])
            // GoReleaser renders the package name before it knows the target.
            if (key === 'package-name')
              sub(key).add(checkTemplate(`${at.input}[${i}].${key}`, set[field], RELEASE_FIELDS))
            else checked(PACKAGE_META)(set[field], sub(key))
          }
          if (set.packageName.trim() === '') sub('package-name').fail('is empty')
          if (!set.bindir.startsWith('/') && !set.bindir.includes('{{'))
            sub('bindir').bad(set.bindir, 'is not an absolute path')
          Object.assign(set, overridable(e, sub, checked))
          if (e.umask != null) {
            const umask = octalMode(e.umask)
            if (umask === undefined)
              sub('umask').bad(String(e.umask), 'is not a file mode mask (octal, like 0022)')
            else set.umask = umask
          }
          if (e.overrides != null) set.overrides = overrides(e.overrides, sub('overrides'), checked)
          return set
        }
      )
    }
  }
}

function formats(value: unknown, at: ParseAt): PackageFormat[] {
  const list = words(value)
  if (list.length === 0) at.fail(`is empty: name one or more of ${PACKAGE_FORMATS.join(', ')}`)
  const out: PackageFormat[] = []
  for (const w of list) {
    if (!(PACKAGE_FORMATS as readonly string[]).includes(w))
      at.bad(w, notA('a package format', PACKAGE_FORMATS))
    else if (out.includes(w as PackageFormat)) at.bad(w, 'is listed twice')
    else out.push(w as PackageFormat)
  }
  return out
}

type Checked = (extra: readonly TemplateField[]) => (text: string, at: ParseAt) => void

/** The keys a set and a format's override share. */
function overridable(e: Record<string, unknown>, sub: Sub, checked: Checked): PackageOverridable {
  const out: PackageOverridable = {}
  if (e['file-name'] != null) {
    out.fileName = String(e['file-name'])
    if (out.fileName.trim() === '') sub('file-name').fail('is empty')
    else checked(PACKAGE_NAME_FIELDS)(out.fileName, sub('file-name'))
  }
  for (const key of RELATIONS) {
    if (e[key] == null) continue
    const list = stringList(e[key])
    for (const item of list) {
      const problem = relationProblem(item)
      if (problem) sub(key).bad(item, problem)
    }
    out[key] = list
  }
  if (e.contents != null) {
    const list = Array.isArray(e.contents) ? e.contents : [e.contents]
    out.contents = list.flatMap((c: unknown, k) => content(c, sub(`contents[${k}]`), checked))
  }
  if (e.scripts != null)
    out.scripts = scriptFiles(e.scripts, sub('scripts'), SCRIPT_KINDS, file =>
      checked(PACKAGE_META)(file.text, file.at)
    )
  if (e.deb != null) {
    const at = sub('deb')
    const deb = mapping(e.deb, at, [
      'compression',
      'predepends',
      'breaks',
      'fields',
      'lintian-overrides'
    ])
    out.deb = {}
    if (deb.compression != null)
      out.deb.compression = choice(deb.compression, DEB_COMPRESSIONS, subOf(at, 'compression'))
    if (deb.predepends != null) out.deb.predepends = stringList(deb.predepends)
    if (deb.breaks != null) out.deb.breaks = stringList(deb.breaks)
    if (deb['lintian-overrides'] != null)
      out.deb.lintianOverrides = stringList(deb['lintian-overrides'])
    if (deb.fields != null) {
      const fields = mapping(deb.fields, subOf(at, 'fields'), undefined)
      out.deb.fields = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, String(v)]))
    }
  }
  if (e.rpm != null) {
    const at = sub('rpm')
    const rpm = mapping(e.rpm, at, [
      'summary',
      'group',
      'compression',
      'packager',
      'prefixes',
      'scripts'
    ])
    out.rpm = {}
    for (const key of ['summary', 'group', 'packager'] as const)
      if (rpm[key] != null) out.rpm[key] = String(rpm[key])
    if (rpm.compression != null)
      out.rpm.compression = choice(rpm.compression, RPM_COMPRESSIONS, subOf(at, 'compression'))
    if (rpm.prefixes != null) out.rpm.prefixes = stringList(rpm.prefixes)
    if (rpm.scripts != null)
      out.rpm.scripts = scriptFiles(rpm.scripts, subOf(at, 'scripts'), FORMAT_SCRIPTS.rpm)
  }
  if (e.apk != null) {
    const at = sub('apk')
    const apk = mapping(e.apk, at, ['key-name', 'scripts'])
    out.apk = {}
    if (apk['key-name'] != null) out.apk.keyName = String(apk['key-name'])
    if (apk.scripts != null)
      out.apk.scripts = scriptFiles(apk.scripts, subOf(at, 'scripts'), FORMAT_SCRIPTS.apk)
  }
  if (e.archlinux != null) {
    const at = sub('archlinux')
    const arch = mapping(e.archlinux, at, ['pkgbase', 'packager', 'scripts'])
    out.archlinux = {}
    for (const key of ['pkgbase', 'packager'] as const)
      if (arch[key] != null) out.archlinux[key] = String(arch[key])
    if (arch.scripts != null)
      out.archlinux.scripts = scriptFiles(
        arch.scripts,
        subOf(at, 'scripts'),
        FORMAT_SCRIPTS.archlinux
      )
  }
  return out
}

function overrides(
  value: unknown,
  at: ParseAt,
  checked: Checked
): Partial<Record<PackageFormat, PackageOverridable>> {
  const byFormat = mapping(value, at, PACKAGE_FORMATS)
  const out: Partial<Record<PackageFormat, PackageOverridable>> = {}
  for (const format of PACKAGE_FORMATS) {
    if (byFormat[format] == null) continue
    const where = subOf(at, format)
    const entry = mapping(byFormat[format], where, OVERRIDABLE)
    out[format] = overridable(entry, key => subOf(where, key), checked)
  }
  return out
}

function content(value: unknown, at: ParseAt, checked: Checked): PackageContent[] {
  const c = mapping(value, at, ['src', 'dst', 'type', 'packager', 'mode', 'owner', 'group'])
  const type = c.type == null || c.type === '' ? undefined : String(c.type)
  if (type === 'tree') {
    at.bad(
      type,
      'is not taken: a tree keeps the times of its files, so packages would differ on every checkout; list the files with a wildcard in src and a folder in dst'
    )
    return []
  }
  if (type !== undefined && !(CONTENT_TYPES as readonly string[]).includes(type)) {
    at.bad(
      type,
      notA(
        'a content type',
        CONTENT_TYPES.filter(t => t !== 'tree')
      )
    )
    return []
  }
  const out: PackageContent = { dst: String(c.dst ?? '').trim() }
  if (type) out.type = type as ContentType
  if (out.dst === '') at.fail('has no dst')
  else checked(PACKAGE_FORMAT_FIELDS)(out.dst, subOf(at, 'dst'))
  const src = c.src == null ? '' : String(c.src).trim()
  if (type === 'dir') {
    if (src !== '') subOf(at, 'src').bad(src, 'is not taken by a dir (it makes an empty folder)')
  } else if (src === '') at.fail('has no src')
  else {
    out.src = src
    checked(PACKAGE_FORMAT_FIELDS)(src, subOf(at, 'src'))
    if (type !== 'symlink' && !src.includes('{{')) insideModule(src, subOf(at, 'src'))
  }
  if (c.packager != null && c.packager !== '') {
    const p = String(c.packager)
    if ((PACKAGE_FORMATS as readonly string[]).includes(p)) out.packager = p as PackageFormat
    else subOf(at, 'packager').bad(p, notA('a package format', PACKAGE_FORMATS))
  }
  if (c.mode != null) {
    const mode = octalMode(c.mode)
    if (mode === undefined)
      subOf(at, 'mode').bad(String(c.mode), 'is not a file mode (octal, like 0644)')
    else out.mode = mode
  }
  for (const key of ['owner', 'group'] as const) {
    if (c[key] == null) continue
    out[key] = String(c[key])
    checked(PACKAGE_FORMAT_FIELDS)(out[key], subOf(at, key))
  }
  return [out]
}

/**
 * Scripts by kind (the four common ones, or a format's own): paths relative to the module root;
 * `template` checks a path that may be a template (only the common scripts are templates).
 */
function scriptFiles(
  value: unknown,
  at: ParseAt,
  kinds: readonly string[],
  template?: (file: { text: string; at: ParseAt }) => void
): Partial<Record<string, string>> {
  const given = mapping(value, at, kinds)
  const out: Partial<Record<string, string>> = {}
  for (const [kind, file] of Object.entries(given)) {
    const text = String(file ?? '').trim()
    if (text === '') continue
    template?.({ text, at: subOf(at, kind) })
    if (!(template && text.includes('{{'))) insideModule(text, subOf(at, kind))
    out[kind] = text
  }
  return out
}

/** Reports a path that is absolute or climbs out with "..": module files are relative. */
function insideModule(file: string, at: ParseAt): void {
  if (file.startsWith('/') || file.split('/').includes('..'))
    at.bad(file, 'is not a path inside the module (relative, without "..")')
}

function choice(value: unknown, choices: readonly string[], at: ParseAt): string {
  const text = String(value)
  if (!choices.includes(text)) at.bad(text, notA('a compression', choices))
  return text
}

function stringList(value: unknown): string[] {
  return (Array.isArray(value) ? value : [value]).map(v => String(v ?? '').trim()).filter(Boolean)
}

/** A YAML mapping whose keys are `keys` (any keys when undefined); problems go to `at`. */
function mapping(
  value: unknown,
  at: ParseAt,
  keys: readonly string[] | undefined
): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    at.fail(`is not a mapping${keys ? ` of ${keys.join(', ')}` : ''}`)
    return {}
  }
  const m = value as Record<string, unknown>
  if (keys)
    for (const key of Object.keys(m))
      if (!keys.includes(key)) at.bad(key, `is not a key here (${keys.join(', ')})`)
  return m
}

function subOf(at: ParseAt, key: string): ParseAt {
  return within(at, `${at.input}.${key}`)
}
