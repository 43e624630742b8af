import * as fs from 'node:fs'
import * as path from 'node:path'

/**
 * Go build cache bookkeeping, mirroring cmd/go/internal/cache: entries are files or folders named
 * `<hash>-a` / `<hash>-d` in 256 subfolders; Go marks an entry used by setting its mtime to now,
 * but only when the mtime is at least an hour old (markUsed), and trims by mtime at most daily,
 * gated by trim.txt.
 */

/** How far back restored entries are dated, so Go's at-most-hourly markUsed bumps every one it uses. */
export const AGE_MS = 2 * 60 * 60 * 1000
/** An entry with an mtime before (restore time - this) was not touched by the build. */
const USED_MARGIN_MS = 60 * 1000

/** Bytes and entry counts of a build cache. */
export interface CacheSize {
  entries: number
  bytes: number
}

function* entries(gocache: string): Generator<{ path: string; stat: fs.Stats }> {
  for (let i = 0; i < 256; i++) {
    const sub = path.join(gocache, i.toString(16).padStart(2, '0'))
    let names: string[]
    try {
      names = fs.readdirSync(sub)
    } catch {
      continue
    }
    for (const name of names) {
      if (!name.endsWith('-a') && !name.endsWith('-d')) continue
      const p = path.join(sub, name)
      try {
        yield { path: p, stat: fs.statSync(p) }
      } catch {
        // removed while we looked: nothing to count
      }
    }
  }
}

function sizeOf(p: string, stat: fs.Stats): number {
  if (!stat.isDirectory()) return stat.size
  let total = 0
  for (const name of fs.readdirSync(p)) {
    const child = path.join(p, name)
    total += sizeOf(child, fs.lstatSync(child))
  }
  return total
}

/** Size of the whole cache (entries only). */
export function measureCache(gocache: string): CacheSize {
  let bytes = 0
  let count = 0
  for (const e of entries(gocache)) {
    bytes += sizeOf(e.path, e.stat)
    count++
  }
  return { entries: count, bytes }
}

/**
 * Dates every restored entry AGE_MS before `now`, so whatever the build uses gets a fresh mtime
 * (tar keeps the archived mtimes, which may be minutes old: Go would not bump those), and writes
 * trim.txt so Go does not run its own trim during this job.
 */
export function ageRestoredCache(gocache: string, now: number): CacheSize {
  const aged = new Date(now - AGE_MS)
  let bytes = 0
  let count = 0
  for (const e of entries(gocache)) {
    fs.utimesSync(e.path, aged, aged)
    bytes += sizeOf(e.path, e.stat)
    count++
  }
  fs.mkdirSync(gocache, { recursive: true })
  fs.writeFileSync(path.join(gocache, 'trim.txt'), `${Math.floor(now / 1000)}`)
  return { entries: count, bytes }
}

/**
 * Removes entries this job did not use (restored and never touched) and resets trim.txt, so the
 * saved cache holds what this build needs and does not grow run over run.
 */
export function trimUnused(
  gocache: string,
  restoredAt: number
): { kept: CacheSize; removed: CacheSize } {
  const cutoff = restoredAt - USED_MARGIN_MS
  const kept = { entries: 0, bytes: 0 }
  const removed = { entries: 0, bytes: 0 }
  for (const e of entries(gocache)) {
    const size = sizeOf(e.path, e.stat)
    if (e.stat.mtimeMs < cutoff) {
      fs.rmSync(e.path, { recursive: true, force: true })
      removed.entries++
      removed.bytes += size
    } else {
      kept.entries++
      kept.bytes += size
    }
  }
  // Whoever restores this cache starts a fresh trim interval instead of inheriting ours.
  fs.rmSync(path.join(gocache, 'trim.txt'), { force: true })
  return { kept, removed }
}
