import type { ReleaseStamp } from './facts.js'

/** What the version is derived from. */
export interface StampSource {
  /** the `version` input, '' when not given */
  explicit: string
  /** GITHUB_REF (refs/tags/v1.2.3, refs/heads/main), or '' outside Actions */
  ref: string
  /** tags pointing at the commit (local mode, when there is no ref) */
  tagsAtCommit: string[]
  /** the newest v* tag reachable from the commit (the commit's own tag when it has one) */
  previousTag: string
  /** the newest v* tag reachable from the commit's parent: {{.PreviousTag}} of a tagged release */
  parentTag?: string
  /** `git describe --tags --always --dirty` */
  summary?: string
  dirty?: boolean
  commit: string
  /** commit time (or SOURCE_DATE_EPOCH) in seconds */
  epoch: number
}

const SEMVER_TAG = /^v(\d+)\.(\d+)\.(\d+)(?:[-+].*)?$/

/**
 * Derives the version stamp. A v* tag gives its version; anything else is a snapshot named after
 * the next patch of the previous tag and the short commit, so snapshot builds sort after the
 * release they follow and two commits never share a version.
 */
export function deriveStamp(source: StampSource): ReleaseStamp {
  const shortCommit = source.commit.slice(0, 7)
  const date = new Date(source.epoch * 1000).toISOString().replace('.000Z', 'Z')
  const refTag = source.ref.startsWith('refs/tags/') ? source.ref.slice('refs/tags/'.length) : ''
  const localTag = source.ref === '' ? pickTag(source.tagsAtCommit) : ''
  const tag = refTag || localTag
  const base = {
    commit: source.commit,
    shortCommit,
    date,
    epoch: source.epoch,
    summary: source.summary ?? '',
    dirty: source.dirty ?? false
  }
  // GoReleaser's PreviousTag: the tag before the current one, or the latest tag for a snapshot.
  const previousOf = (current: string): string =>
    current !== '' && current === source.previousTag ? (source.parentTag ?? '') : source.previousTag

  if (source.explicit) {
    const version = source.explicit.replace(/^v(?=\d)/, '')
    return {
      ...base,
      version,
      tag: tag || `v${version}`,
      snapshot: false,
      previousTag: previousOf(tag)
    }
  }
  if (tag.startsWith('v') && tag.length > 1) {
    return { ...base, version: tag.slice(1), tag, snapshot: false, previousTag: previousOf(tag) }
  }
  const previous = SEMVER_TAG.exec(source.previousTag)
  const next = previous ? `${previous[1]}.${previous[2]}.${Number(previous[3]) + 1}` : '0.0.0'
  const version = shortCommit ? `${next}-SNAPSHOT-${shortCommit}` : `${next}-SNAPSHOT`
  return { ...base, version, tag, snapshot: true, previousTag: previousOf(tag) }
}

/** The highest semver v* tag of a list ('' when none). */
export function pickTag(tags: string[]): string {
  const versions = tags.filter(t => SEMVER_TAG.test(t))
  versions.sort((a, b) => compareSemverTags(b, a))
  return versions[0] ?? ''
}

function compareSemverTags(a: string, b: string): number {
  const pa = SEMVER_TAG.exec(a)!
  const pb = SEMVER_TAG.exec(b)!
  for (let i = 1; i <= 3; i++) {
    const d = Number(pa[i]) - Number(pb[i])
    if (d !== 0) return d
  }
  // A release sorts after its pre-releases.
  const preA = a.includes('-') ? 0 : 1
  const preB = b.includes('-') ? 0 : 1
  return preA - preB || a.localeCompare(b)
}
