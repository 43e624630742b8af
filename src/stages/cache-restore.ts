import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { cacheLabel, cachePolicy, cacheSpecs, hashGoSums, type CacheSpec } from '../cache-plan.js'
import { ageRestoredCache, measureCache } from '../go-cache.js'
import type { CacheRestore, Context, Stage } from '../context.js'
import { shardIndex } from '../plan.js'
import { STATE_VERSION } from '../ports/state.js'
import { runEvent } from '../lib/run-event.js'
import { formatDuration, formatSize } from '../lib/format.js'

/** Restores the module and build caches before the build; the post step saves them. */
export const restoreCaches: Stage = {
  name: 'restoring caches',
  skip(ctx) {
    if (!ctx.inputs.cache) return 'cache: false'
    if (!ctx.ports.cache.available()) return 'this runner offers no cache service'
    const policy = cachePolicy(ctx.inputs, runEvent(ctx.ports.env))
    return policy.restore ? undefined : policy.reason
  },
  async run(ctx) {
    const policy = cachePolicy(ctx.inputs, runEvent(ctx.ports.env))
    const runner = {
      os: ctx.ports.env.RUNNER_OS || process.platform,
      arch: ctx.ports.env.RUNNER_ARCH || process.arch
    }
    const specs = cacheSpecs(ctx.inputs, ctx.facts, runner, hashGoSums(ctx.inputs.workingDirectory))
    const gocache = ctx.facts.go.gocache
    const moduleSpec = specs.find(s => s.kind === 'module')
    const modules = moduleSpec ? restoreOne(ctx, moduleSpec) : undefined
    // The base first, then the commit layer over it: the post step saves what the base lacks.
    const base = await restoreOne(
      ctx,
      specs.find(s => s.kind === 'build-base')!
    )
    const baseFiles = base.matchedKey ? recordBaseFiles(ctx, gocache) : ''
    const layer = await restoreOne(
      ctx,
      specs.find(s => s.kind === 'build')!
    )
    const restores = [...(modules ? [await modules] : []), base, layer]

    const restoredAt = ctx.ports.clock.wall()
    const aged = ageRestoredCache(gocache, restoredAt)
    ctx.log.info(
      `build cache: ${aged.entries} entries (${formatSize(aged.bytes)}) dated back so this build's use of them shows`
    )

    ctx.caches = {
      restores,
      hit: restores.every(r => r.matchedKey === r.spec.key),
      saveBlockedBy: policy.save ? '' : policy.reason
    }
    ctx.ports.state.save({
      version: STATE_VERSION,
      // Matrix legs share one module cache: only the first leg saves it, the others restore it.
      caches: restores
        .filter(
          r => r.spec.kind !== 'module' || !ctx.inputs.shard || shardIndex(ctx.inputs.shard) === 1
        )
        .map(r => ({ spec: r.spec, matchedKey: r.matchedKey })),
      restoredAt,
      restoredBytes: aged.bytes,
      baseFiles,
      saveBlockedBy: ctx.caches.saveBlockedBy
    })
    if (!policy.save) ctx.log.info(`caches will not be saved: ${policy.reason}`)
  }
}

/** Writes the list of build cache files (relative paths) to a file for the post step; returns its path. */
function recordBaseFiles(ctx: Context, gocache: string): string {
  const file = path.join(
    ctx.ports.env.RUNNER_TEMP || os.tmpdir(),
    `go-xbuild-base-files-${process.pid}.txt`
  )
  const names = [...listFiles(gocache).keys()].map(f => path.relative(gocache, f))
  fs.writeFileSync(file, names.join('\n'))
  return file
}

async function restoreOne(ctx: Context, spec: CacheSpec): Promise<CacheRestore> {
  const started = ctx.ports.clock.now()
  const before = listFiles(spec.path)
  const bytesBefore = spec.kind === 'module' ? 0 : measureCache(spec.path).bytes
  // Module files and folders are read-only (0444/0555): tar cannot add to such a tree as a non-root user.
  if (spec.kind === 'module' && before.size > 0) makeFoldersWritable(spec.path)
  const result = await ctx.ports.cache.restore([spec.path], spec.key, spec.restoreKeys)
  const ms = ctx.ports.clock.now() - started
  if (result.failure) {
    ctx.log.warning(
      `${cacheLabel(spec.kind)} not restored (${result.failure}); building without it`
    )
    // A failed extraction leaves truncated files (the linker crashes on such build cache entries)
    // and may have overwritten files that were there. Build cache entries stand alone, so removing
    // those files is enough; a module folder missing files is broken, so the module cache starts over.
    const removed = removeAdded(spec.path, before)
    if (removed > 0 && spec.kind === 'module') {
      makeFoldersWritable(spec.path)
      fs.rmSync(spec.path, { recursive: true, force: true })
      ctx.log.info('module cache: emptied after the failed restore; modules are downloaded again')
    } else if (removed > 0) {
      ctx.log.info(
        `${cacheLabel(spec.kind)}: removed ${removed} files the failed restore left behind`
      )
    }
    return { spec, matchedKey: '', failure: result.failure, bytes: 0, ms }
  }
  const bytes =
    spec.kind === 'module' ? folderSize(spec.path) : measureCache(spec.path).bytes - bytesBefore
  if (result.matchedKey) {
    const how = result.matchedKey === spec.key ? 'exact hit' : 'restored from an earlier key'
    ctx.log.info(
      `${cacheLabel(spec.kind)}: ${how} ${result.matchedKey} (${formatSize(bytes)}) in ${formatDuration(ms)}`
    )
  } else {
    ctx.log.info(`${cacheLabel(spec.kind)}: no entry for ${spec.key} or its prefixes`)
  }
  return { spec, matchedKey: result.matchedKey ?? '', bytes, ms }
}

/** Every file below dir (absolute paths), with its size and mtime so a rewrite shows. */
export function listFiles(dir: string): Map<string, string> {
  const files = new Map<string, string>()
  const walk = (d: string): void => {
    let entries: fs.Dirent[]
    try {
      entries = fs.readdirSync(d, { withFileTypes: true })
    } catch {
      return
    }
    for (const e of entries) {
      const p = path.join(d, e.name)
      if (e.isDirectory()) walk(p)
      else {
        const st = fs.lstatSync(p)
        files.set(p, `${st.size}:${st.mtimeMs}`)
      }
    }
  }
  walk(dir)
  return files
}

/** Removes the files below dir that are new or rewritten since `before` (and folders left empty); returns how many. */
export function removeAdded(dir: string, before: Map<string, string>): number {
  let removed = 0
  const added = [...listFiles(dir)].filter(([f, stamp]) => before.get(f) !== stamp).map(([f]) => f)
  if (added.length === 0) return 0
  makeFoldersWritable(dir)
  for (const file of added) {
    fs.rmSync(file, { force: true })
    removed++
  }
  const prune = (d: string): boolean => {
    let entries: fs.Dirent[]
    try {
      entries = fs.readdirSync(d, { withFileTypes: true })
    } catch {
      return false
    }
    let empty = true
    for (const e of entries) {
      if (!e.isDirectory() || !prune(path.join(d, e.name))) empty = false
    }
    if (empty && d !== dir) fs.rmdirSync(d)
    return empty
  }
  prune(dir)
  return removed
}

/** chmod u+w on every folder, as `go clean -modcache` does before removing the tree. */
export function makeFoldersWritable(dir: string): void {
  let stat: fs.Stats
  try {
    stat = fs.lstatSync(dir)
  } catch {
    return
  }
  if (!stat.isDirectory()) return
  fs.chmodSync(dir, stat.mode | 0o200)
  for (const name of fs.readdirSync(dir)) makeFoldersWritable(path.join(dir, name))
}

/** Bytes of every file below dir. */
export function folderSize(dir: string): number {
  let total = 0
  let names: fs.Dirent[]
  try {
    names = fs.readdirSync(dir, { withFileTypes: true })
  } catch {
    return 0
  }
  for (const entry of names) {
    const p = path.join(dir, entry.name)
    if (entry.isDirectory()) total += folderSize(p)
    else if (entry.isFile()) total += fs.statSync(p).size
  }
  return total
}
