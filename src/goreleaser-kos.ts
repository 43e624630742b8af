// GoReleaser's `kos` section read onto the image inputs. ko builds the binary again; the action
// puts the binaries its builds made into the image, so the build keys of an entry are noted and
// not used. What the action does not make goes to `notMade`, naming its key path. Pure.
import { isObj, list, str, suggest, type Obj } from './lib/config-values.js'
import type { NfpmReport as SectionReport } from './goreleaser-nfpms.js'

/** Every key of a kos entry (GoReleaser v2.16 `config.Ko`). */
const KO_KEYS = new Set([
  'id',
  'build',
  'main',
  'working_dir',
  'base_image',
  'labels',
  'annotations',
  'user',
  'repositories',
  'repository',
  'platforms',
  'tags',
  'creation_time',
  'ko_data_creation_time',
  'sbom',
  'sbom_directory',
  'local_domain',
  'ldflags',
  'flags',
  'env',
  'disable',
  'bare',
  'preserve_import_paths',
  'base_import_paths'
])

/** Keys of ko's own build of the binary: the image holds the build's binaries instead. */
const BUILD_KEYS = ['build', 'main', 'working_dir', 'ldflags', 'flags', 'env']

/** GoReleaser's defaults for a kos entry (internal/pipe/ko). */
const KO_DEFAULT_BASE = 'cgr.dev/chainguard/static'
const KO_DEFAULT_PLATFORMS = ['linux/amd64']
const KO_DEFAULT_TAGS = ['latest']

/** ko's platform `linux/arm/v7` as a target pattern `linux/arm/7`; `all` as every linux target. */
function platformPattern(platform: string): string | undefined {
  if (platform === 'all') return 'linux/*'
  const [os, arch, variant] = platform.split('/')
  if (!os || !arch) return undefined
  if (arch === 'arm' && variant) return `${os}/${arch}/${variant.replace(/^v/, '')}`
  // arm64/v8 is arm64; other variants (amd64/v3) name the GOAMD64 level as targets do.
  if (arch === 'arm64' && (variant === undefined || variant === 'v8')) return `${os}/${arch}`
  return variant ? `${os}/${arch}/${variant}` : `${os}/${arch}`
}

/**
 * Reads `kos` into image, image-base, image-targets, image-tags, image-labels and image-user
 * (nothing when the section is absent, empty or disabled).
 */
export function readKos(
  root: Obj,
  set: (name: string, value: string, at: string) => void,
  r: SectionReport
): void {
  const { problem, note, notMade } = r
  const entries = list(root.kos)
  const used = entries.filter(e => !(isObj(e) && e.disable === true))
  if (entries.length > used.length) note('kos: disabled entries are skipped')
  if (used.length === 0) return
  if (used.length > 1) {
    notMade(
      'kos[1]',
      'one image per run is made (the first kos entry); list every repository in its repositories'
    )
  }
  const e = used[0]
  const at = `kos[${entries.indexOf(e)}]`
  if (!isObj(e)) {
    problem(at, 'is not a mapping')
    return
  }
  for (const key of Object.keys(e)) {
    if (!KO_KEYS.has(key)) problem(`${at}.${key}`, `is not a kos key${suggest(key, [...KO_KEYS])}`)
  }
  if (e.disable !== undefined && typeof e.disable !== 'boolean') {
    notMade(`${at}.disable`, 'a templated disable is not evaluated; the image is made')
  }

  const repositories = [...list(e.repositories), ...(e.repository ? [e.repository] : [])].map(str)
  if (repositories.length === 0) {
    problem(
      `${at}.repositories`,
      'is not set: GoReleaser would take $KO_DOCKER_REPO; name the repositories in the file or in the image input'
    )
  } else {
    set('image', repositories.join('\n'), `${at}.repositories`)
  }
  set('image-base', str(e.base_image) || KO_DEFAULT_BASE, `${at}.base_image`)

  const platforms = e.platforms === undefined ? KO_DEFAULT_PLATFORMS : list(e.platforms).map(str)
  const patterns: string[] = []
  for (const p of platforms) {
    const pattern = platformPattern(p)
    if (pattern) patterns.push(pattern)
    else problem(`${at}.platforms`, `"${p}" is not a platform (linux/arm64, linux/arm/v7)`)
  }
  set('image-targets', patterns.join('\n'), `${at}.platforms`)

  const tags = e.tags === undefined ? KO_DEFAULT_TAGS : list(e.tags).map(str)
  set('image-tags', tags.filter(t => t.trim() !== '').join('\n'), `${at}.tags`)

  const labels: string[] = []
  for (const key of ['labels', 'annotations'] as const) {
    const map = e[key]
    if (map === undefined) continue
    if (!isObj(map)) {
      problem(`${at}.${key}`, 'is not a mapping of names to values')
      continue
    }
    for (const [name, value] of Object.entries(map)) labels.push(`${name}=${str(value)}`)
  }
  if (isObj(e.annotations)) {
    note(`${at}.annotations: set as labels and annotations both, as the image's labels are`)
  }
  if (labels.length > 0) set('image-labels', labels.join('\n'), `${at}.labels`)
  if (e.user !== undefined) set('image-user', str(e.user), `${at}.user`)

  if (e.bare !== true) {
    notMade(
      `${at}.bare`,
      'without bare: true ko names the image after the Go import path under the repository; the action pushes to the repository itself (set bare: true for the same name)'
    )
  }
  const building = BUILD_KEYS.filter(k => e[k] !== undefined)
  if (building.length > 0) {
    note(
      `${at}: ${building.join(', ')}: the image holds the binaries the builds made; ko would build them again with these`
    )
  }
  if (e.sbom !== 'none') {
    note(
      `${at}.sbom: the image gets its SPDX SBOMs as referrers when the sbom input (or the sboms section) asks for spdx-json`
    )
  }
  for (const key of ['creation_time', 'ko_data_creation_time']) {
    if (e[key] !== undefined) note(`${at}.${key}: the image is dated at the commit time`)
  }
  for (const key of [
    'sbom_directory',
    'local_domain',
    'preserve_import_paths',
    'base_import_paths'
  ]) {
    if (e[key] !== undefined) note(`${at}.${key}: changes nothing the action makes; ignored`)
  }
}
