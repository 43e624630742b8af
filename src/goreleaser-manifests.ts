// GoReleaser's `brews`, `homebrew_casks` and `scoops` sections read onto the homebrew-formulas,
// homebrew-casks and scoop-manifests inputs: each entry keeps its keys, with dashes (the inputs'
// spelling); the input's own check then reports what is wrong with a value. What the action does
// not do (pushing over git and SSH, signed commits, Pro keys) goes to `notMade`,
// naming its key path. Pure.
import { stringify } from 'yaml'
import { isObj, list, str, type Obj } from './lib/config-values.js'
import type { NfpmReport as SectionReport } from './goreleaser-nfpms.js'

/** The sections, the input each is read onto, and the token input its repositories take. */
const SECTIONS = [
  { section: 'brews', input: 'homebrew-formulas', token: 'homebrew-token', v1: 'tap' },
  { section: 'homebrew_casks', input: 'homebrew-casks', token: 'homebrew-token', v1: '' },
  { section: 'scoops', input: 'scoop-manifests', token: 'scoop-token', v1: 'bucket' }
] as const

/** Mappings whose keys are the user's own (names, cookies), not GoReleaser's: kept as they are. */
const USER_KEYED = new Set(['cookies', 'data'])

/** A value with every GoReleaser key spelled with dashes, the user's own keys left alone. */
function dashed(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map(v => dashed(v))
  if (!isObj(value) || USER_KEYED.has(key)) return value
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k.replaceAll('_', '-'), dashed(v, k)])
  )
}

/** Reads the three sections onto their inputs (nothing for a section that is absent or empty). */
export function readManifests(
  root: Obj,
  set: (input: string, value: string, at: string) => void,
  r: SectionReport
): void {
  const { problem, note, notMade } = r
  for (const { section, input, token, v1 } of SECTIONS) {
    const entries = list(root[section])
    if (entries.length === 0) continue
    if (section === 'brews')
      note(
        'brews: GoReleaser deprecated formulas for casks (homebrew_casks) in v2.10; the action still writes them'
      )
    const out: Obj[] = []
    entries.forEach((entry, i) => {
      const at = `${section}[${i}]`
      if (!isObj(entry)) {
        problem(at, 'is not a mapping')
        return
      }
      const e: Obj = { ...entry }
      if (v1 && e[v1] !== undefined) {
        note(`${at}.${v1}: GoReleaser v1's spelling of repository; upgrade it to repository`)
        e.repository ??= e[v1]
        delete e[v1]
      }
      const repo = isObj(e.repository) ? { ...e.repository } : e.repository
      if (isObj(repo)) {
        if (repo.token !== undefined) {
          note(`${at}.repository.token: the action takes the token from the ${token} input`)
          delete repo.token
        }
        if (repo.token_type !== undefined)
          problem(`${at}.repository.token_type`, 'is a GoReleaser Pro feature')
        if (repo.git !== undefined) {
          if (isObj(repo.git) && str(repo.git.url) !== '')
            notMade(
              `${at}.repository.git`,
              'pushing over git and SSH is not supported; the action commits through the GitHub API with its token'
            )
          delete repo.git
        }
        if (isObj(repo.pull_request)) {
          const pr = { ...repo.pull_request }
          if (pr.check_boxes !== undefined) {
            note(
              `${at}.repository.pull_request.check_boxes: the pull request's body is the action's own, not the repository's template`
            )
            delete pr.check_boxes
          }
          repo.pull_request = pr
        }
        e.repository = repo
      }
      const author = isObj(e.commit_author) ? { ...e.commit_author } : undefined
      if (author) {
        if (isObj(author.signing) && author.signing.enabled === true)
          notMade(
            `${at}.commit_author.signing`,
            'signed commits need git; GitHub signs commits made through its API by an app token'
          )
        if (author.use_github_app_token !== undefined)
          note(
            `${at}.commit_author.use_github_app_token: the commit names the author given (or the Actions bot)`
          )
        delete author.signing
        delete author.use_github_app_token
        e.commit_author = author
      }
      if (section === 'homebrew_casks') {
        // GoReleaser's deprecated singulars join their lists.
        for (const [one, many] of [
          ['binary', 'binaries'],
          ['manpage', 'manpages']
        ] as const) {
          if (e[one] === undefined) continue
          note(`${at}.${one}: deprecated in GoReleaser; read as ${many}`)
          e[many] = [...list(e[many]), e[one]]
          delete e[one]
        }
        if (e.license !== undefined) {
          note(`${at}.license: casks have no license; GoReleaser writes none either`)
          delete e.license
        }
      }
      for (const key of ['alternative_names', 'app', 'use']) {
        if (e[key] !== undefined) problem(`${at}.${key}`, 'is a GoReleaser Pro feature')
        delete e[key]
      }
      if (typeof e.skip_upload === 'boolean') e.skip_upload = String(e.skip_upload)
      out.push(dashed(e) as Obj)
    })
    if (out.length > 0) set(input, stringify(out), section)
  }
}
