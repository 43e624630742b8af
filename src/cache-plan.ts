import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { isGoPlan, type Facts } from './facts.js'
import type { Inputs } from './inputs/index.js'
import type { RunEvent } from './lib/run-event.js'

/** Bumped when the layout of what we save changes, so old entries stop matching (v2: base + layer). */
export const CACHE_SCHEMA = 'v2'

/** One cache: where it lives, its exact key and the prefixes it may fall back to. */
export interface CacheSpec {
  /**
   * 'module' (GOMODCACHE); 'build-base' (GOCACHE as a build of these dependencies left it, saved
   * once per configuration and go.sum); 'build' (the entries a commit's build added to the base,
   * saved per commit)
   */
  kind: 'build' | 'build-base' | 'module'
  path: string
  key: string
  restoreKeys: string[]
}

/** How logs and summaries name a cache. */
export function cacheLabel(kind: CacheSpec['kind']): string {
  return { module: 'module cache', 'build-base': 'build cache base', build: 'build cache' }[kind]
}

/** What the run may do with caches, and why not when it may not. */
export interface CachePolicy {
  restore: boolean
  save: boolean
  /** why restore or save is off; '' when both are on */
  reason: string
}

const TRUSTED_EVENTS = new Set(['push', 'schedule', 'workflow_dispatch'])

/**
 * Decides restore and save from the event. Pull requests (forks included) restore but never save;
 * pull_request_target and workflow_run run untrusted code in the default branch's cache scope, so
 * they neither save nor restore unless cache-save is `always`; tag runs do not save because no
 * other tag can restore their entries; `auto` saves only from trusted events on the default branch.
 */
export function cachePolicy(
  inputs: Pick<Inputs, 'cache' | 'cacheSave'>,
  event: RunEvent
): CachePolicy {
  if (!inputs.cache) return { restore: false, save: false, reason: 'cache: false' }
  const always = inputs.cacheSave === 'always'
  if ((event.name === 'pull_request_target' || event.name === 'workflow_run') && !always) {
    return {
      restore: false,
      save: false,
      reason: `${event.name} runs share the default branch's cache scope with untrusted code (set cache-save: always to override)`
    }
  }
  if (event.name.startsWith('pull_request') && event.name !== 'pull_request_target') {
    return { restore: true, save: false, reason: 'pull requests restore but never save' }
  }
  if (inputs.cacheSave === 'never')
    return { restore: true, save: false, reason: 'cache-save: never' }
  if (always) return { restore: true, save: true, reason: '' }
  if (event.ref.startsWith('refs/tags/')) {
    return {
      restore: true,
      save: false,
      reason: 'tag runs do not save: no other tag can restore their caches'
    }
  }
  if (!TRUSTED_EVENTS.has(event.name)) {
    return {
      restore: true,
      save: false,
      reason: `cache-save: auto saves only from push, schedule and workflow_dispatch (this is ${event.name || 'unknown'})`
    }
  }
  if (!event.defaultBranch)
    return {
      restore: true,
      save: false,
      reason: 'cache-save: auto: the default branch is unknown (no event payload)'
    }
  if (event.ref !== `refs/heads/${event.defaultBranch}`) {
    return {
      restore: true,
      save: false,
      reason: `cache-save: auto saves only on the default branch (${event.defaultBranch})`
    }
  }
  return { restore: true, save: true, reason: '' }
}

/** sha256 of every go.sum below the module root (and go.work.sum), in path order; '' when there are none. */
export function hashGoSums(moduleDir: string): string {
  const found: string[] = []
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        // vendor/ has no go.sum of its own that matters; the others are never module sources.
        if (
          ['vendor', 'node_modules', '.git', 'testdata'].includes(entry.name) ||
          entry.name.startsWith('.')
        )
          continue
        walk(path.join(dir, entry.name))
      } else if (entry.name === 'go.sum' || entry.name === 'go.work.sum') {
        found.push(path.join(dir, entry.name))
      }
    }
  }
  walk(moduleDir)
  if (found.length === 0) return ''
  const hash = createHash('sha256')
  for (const file of found.sort()) {
    hash
      .update(path.relative(moduleDir, file))
      .update('\0')
      .update(fs.readFileSync(file))
      .update('\0')
  }
  return hash.digest('hex')
}

const short = (hex: string): string => hex.slice(0, 16)

/** What changes compiled output but Go's own action IDs do not see: cgo, each CC's identity and version, tags, flags, env, targets. */
export function buildConfigHash(inputs: Inputs, facts: Facts, shard = ''): string {
  const config = {
    // darwin_all is joined from other targets' binaries: it compiles nothing.
    targets: facts.plans.filter(isGoPlan).map(p => ({
      id: p.target.id,
      cgo: p.cgo.enabled,
      cc: p.cgo.cc ?? '',
      ccVersion: p.cgo.ccVersion ?? ''
    })),
    tags: inputs.tags,
    flags: inputs.flags,
    trimpath: inputs.trimpath,
    overrides: inputs.buildOverrides,
    buildvcs: inputs.buildvcs,
    env: inputs.env,
    goflags: facts.go.goflags,
    shard
  }
  return createHash('sha256').update(JSON.stringify(config)).digest('hex')
}

/** The two caches' keys for this run; the module cache only when the module has dependencies. */
export function cacheSpecs(
  inputs: Inputs,
  facts: Facts,
  runner: { os: string; arch: string },
  sumHash: string
): CacheSpec[] {
  const suffix = inputs.cacheKeySuffix ? `${inputs.cacheKeySuffix}-` : ''
  const sums = short(sumHash || 'none')
  const specs: CacheSpec[] = []
  if (sumHash && !facts.vendored) {
    const prefix = `go-xbuild-mod-${CACHE_SCHEMA}-${runner.os}-${suffix}`
    specs.push({
      kind: 'module',
      path: facts.go.gomodcache,
      key: `${prefix}${sums}`,
      restoreKeys: [prefix]
    })
  }
  // The build cache is two entries: a large base (the standard library and dependencies of every
  // target, saved once per configuration and go.sum) and a small per-commit layer of what a
  // build added to it. A new commit restores both and saves only its layer: a few MiB instead
  // of the whole cache.
  const toolchain = `${runner.os}-${runner.arch}-${facts.go.version}-${suffix}${short(buildConfigHash(inputs, facts, inputs.shard))}-`
  const basePrefix = `go-xbuild-base-${CACHE_SCHEMA}-${toolchain}`
  specs.push({
    kind: 'build-base',
    path: facts.go.gocache,
    key: `${basePrefix}${sums}`,
    // Other dependencies: most packages are still the same.
    restoreKeys: [basePrefix]
  })
  const config = `go-xbuild-build-${CACHE_SCHEMA}-${toolchain}`
  const withSums = `${config}${sums}-`
  specs.push({
    kind: 'build',
    path: facts.go.gocache,
    key: `${withSums}${facts.stamp.commit.slice(0, 12) || 'nocommit'}`,
    // The previous commit's layer with the same dependencies, then with other dependencies.
    restoreKeys: [withSums, config]
  })
  return specs
}
