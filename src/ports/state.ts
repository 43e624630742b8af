import * as core from '@actions/core'
import type { CacheSpec } from '../cache-plan.js'

/** Version of the state the main step leaves for the post step; bumped on any change of shape. */
export const STATE_VERSION = 2

/** What the post step needs to save caches. */
export interface PostState {
  version: typeof STATE_VERSION
  /** caches to save, each with the key it matched on restore ('' for a miss) */
  caches: { spec: CacheSpec; matchedKey: string }[]
  /** when the build cache was restored and aged (ms since the epoch): the trimming cutoff */
  restoredAt: number
  /** bytes of the build cache right after restore */
  restoredBytes: number
  /** file listing the build cache files the base restored (relative to GOCACHE); '' for none */
  baseFiles: string
  /** why saving is off, or '' when the post step should save */
  saveBlockedBy: string
}

/** Main → post hand-over. */
export interface StatePort {
  save(state: PostState): void
  load(): PostState | undefined
}

const NAME = 'go-xbuild'

/** Validates a parsed state value; throws naming what is wrong. */
export function validateState(value: unknown): PostState {
  const s = value as Partial<PostState> | null
  if (!s || typeof s !== 'object') throw new Error('state is not an object')
  if (s.version !== STATE_VERSION)
    throw new Error(`state version ${String(s.version)} is not ${STATE_VERSION}`)
  if (!Array.isArray(s.caches)) throw new Error('state.caches is not a list')
  for (const c of s.caches) {
    const spec = c?.spec
    if (
      !spec ||
      !['build', 'build-base', 'module'].includes(spec.kind) ||
      typeof spec.path !== 'string' ||
      typeof spec.key !== 'string' ||
      typeof c.matchedKey !== 'string'
    ) {
      throw new Error('state.caches holds an entry without kind, path, key and matchedKey')
    }
  }
  if (
    typeof s.restoredAt !== 'number' ||
    typeof s.restoredBytes !== 'number' ||
    typeof s.baseFiles !== 'string' ||
    typeof s.saveBlockedBy !== 'string'
  ) {
    throw new Error('state lacks restoredAt, restoredBytes, baseFiles or saveBlockedBy')
  }
  return s as PostState
}

/** State through the runner's GITHUB_STATE file (core.saveState / STATE_* variables). */
export const actionsState: StatePort = {
  save: state => core.saveState(NAME, JSON.stringify(state)),
  load() {
    const raw = core.getState(NAME)
    return raw ? validateState(JSON.parse(raw)) : undefined
  }
}

/** No post step (local mode). */
export const noState: StatePort = { save: () => undefined, load: () => undefined }
