// GoReleaser's `upx` section read onto the upx and upx-args inputs. GoReleaser packs each built
// binary an entry's filters select (ids, goos, goarch, goarm, goamd64: values of one filter are
// alternatives, filters combine); the action packs every binary of the targets the upx input
// selects, with one set of upx options. The selection becomes those targets when it can be
// said per target; what cannot be said so is a problem at its key path. Pure.
import { isObj, list, str, suggest, type Obj } from './lib/config-values.js'
import type { NfpmReport as SectionReport } from './goreleaser-nfpms.js'

/** Every key of a upx entry (GoReleaser v2.16 `config.UPX`). */
const UPX_KEYS = new Set([
  'id',
  'ids',
  'enabled',
  'goos',
  'goarch',
  'goarm',
  'goamd64',
  'binary',
  'compress',
  'lzma',
  'brute'
])

/** A build as the upx filters see it: its id and its target lines (`linux/arm/6`, `linux/amd64`). */
export interface UpxBuild {
  id: string
  targets: readonly string[]
}

/** GoReleaser's Goarm and Goamd64 of a target line: arm's GOARM, amd64's level (v1 by default). */
function fields(target: string): { goos: string; goarch: string; goarm: string; goamd64: string } {
  const [goos = '', goarch = '', variant = ''] = target.split('/')
  return {
    goos,
    goarch,
    goarm: goarch === 'arm' ? variant : '',
    goamd64: goarch === 'amd64' ? variant || 'v1' : ''
  }
}

/** upx options of an entry as GoReleaser passes them (`compress`, `lzma`, `brute`). */
function argsOf(e: Obj, at: string, problem: SectionReport['problem']): string[] {
  const args: string[] = []
  const compress = str(e.compress)
  if (compress === 'best') args.push('--best')
  else if (/^[1-9]$/.test(compress)) args.push(`-${compress}`)
  else if (compress !== '')
    problem(`${at}.compress`, `"${compress}" is not best or a level from 1 to 9`)
  if (e.lzma === true) args.push('--lzma')
  if (e.brute === true) args.push('--brute')
  return args
}

/**
 * Reads `upx` into `upx` (`true`, or the selected target lines) and `upx-args` (nothing when
 * the section is absent or selects nothing). As in GoReleaser, a disabled entry ends the section:
 * the entries after it are not run.
 */
export function readUpx(
  root: Obj,
  builds: readonly UpxBuild[],
  set: (name: 'upx' | 'upx-args', value: string, at: string) => void,
  r: SectionReport
): void {
  const { problem, note } = r
  const entries = list(root.upx)
  // "build index + target" of each binary an enabled entry selects
  const packed = new Set<string>()
  let args: { args: string[]; at: string } | undefined
  for (const [i, e] of entries.entries()) {
    const at = `upx[${i}]`
    if (!isObj(e)) {
      problem(at, 'is not a mapping')
      return
    }
    for (const key of Object.keys(e))
      if (!UPX_KEYS.has(key))
        problem(`${at}.${key}`, `is not a upx key${suggest(key, [...UPX_KEYS])}`)
    const enabled = str(e.enabled).trim()
    if (enabled !== 'true' && enabled !== 'false' && enabled !== '') {
      problem(
        `${at}.enabled`,
        `"${enabled}": a templated enabled is not read yet; write true or false`
      )
      return
    }
    if (enabled !== 'true') {
      if (i < entries.length - 1)
        note(
          `${at}: not enabled, so GoReleaser runs none of the upx entries after it; neither does the action`
        )
      break
    }
    if (e.binary !== undefined && str(e.binary) !== 'upx')
      note(`${at}.binary: the action runs upx (or upx-ucl) from PATH, not "${str(e.binary)}"`)
    const own = argsOf(e, at, problem)
    if (args && args.args.join(' ') !== own.join(' ')) {
      problem(
        at,
        `packs with other options than ${args.at} (${own.join(' ') || 'none'} vs ${args.args.join(' ') || 'none'}); the action packs every binary with one set of upx options`
      )
      return
    }
    args ??= { args: own, at }

    const ids = list(e.ids).map(str)
    const unknown = ids.filter(id => !builds.some(b => b.id === id))
    if (unknown.length > 0)
      problem(`${at}.ids`, `${unknown.map(id => `"${id}"`).join(', ')}: no build has this id`)
    const chosen = ids.length > 0 ? builds.filter(b => ids.includes(b.id)) : builds
    if (chosen.some(b => b.targets.includes('first-class'))) {
      problem(
        at,
        'selects go_first_class targets, which the action expands later; list the targets'
      )
      return
    }
    const filters = (['goos', 'goarch', 'goarm', 'goamd64'] as const).map(
      key => [key, list(e[key]).map(str)] as const
    )
    for (const build of chosen) {
      for (const target of build.targets) {
        const f = fields(target)
        if (filters.every(([key, values]) => values.length === 0 || values.includes(f[key])))
          packed.add(`${builds.indexOf(build)} ${target}`)
      }
    }
  }
  // The upx input selects targets, each with all of its binaries.
  const selected = new Set([...packed].map(p => p.slice(p.indexOf(' ') + 1)))
  for (const target of selected) {
    const left = builds.find((b, i) => b.targets.includes(target) && !packed.has(`${i} ${target}`))
    if (left)
      problem(
        'upx',
        `packs some binaries of ${target} but not build "${left.id}"'s; the action packs all binaries of a target or none`
      )
  }
  if (selected.size === 0) return
  const every = builds.flatMap(b => b.targets)
  // A target line without a variant selects every variant of its GOARCH.
  for (const target of selected) {
    if (target.split('/').length > 2) continue
    const apart = every.find(t => t.startsWith(`${target}/`) && !selected.has(t))
    if (apart)
      problem('upx', `selects ${target} but not ${apart}, which the upx input cannot tell apart`)
  }
  const all = every.every(t => selected.has(t))
  set('upx', all ? 'true' : [...selected].join('\n'), 'upx')
  if (args && args.args.length > 0)
    set('upx-args', args.args.join(' '), `${args.at}.compress/lzma/brute`)
}
