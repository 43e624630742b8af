import * as fs from 'node:fs'
import * as path from 'node:path'
import { cacheLabel, type CacheSpec } from './cache-plan.js'
import { measureCache, trimUnused } from './go-cache.js'
import type { CachePort, SaveResult } from './ports/cache.js'
import { type Clock } from './ports/clock.js'
import type { LogPort } from './ports/log.js'
import type { OutputPort } from './ports/outputs.js'
import type { StatePort } from './ports/state.js'
import { folderSize, listFiles } from './stages/cache-restore.js'
import { errorMessage } from './lib/errors.js'
import { tableSection, type Cell } from './lib/summary-doc.js'
import { KEY_KIND } from './summary.js'
import { formatDuration, formatSize } from './lib/format.js'

/** What the post step needs. */
export interface PostPorts {
  cache: CachePort
  state: StatePort
  log: LogPort
  outputs: OutputPort
  clock: Clock
}

/**
 * The post step (runs only after a green main step, `post-if: success()`): trims the build cache
 * to what this job used and saves the caches whose primary key did not hit. It never fails the
 * job: every problem becomes a warning.
 */
export async function runPost(ports: PostPorts): Promise<void> {
  const { log } = ports
  try {
    const state = ports.state.load()
    if (!state) {
      log.info('no cache state from the main step: nothing to save')
      return
    }
    if (state.saveBlockedBy) {
      log.info(`not saving caches: ${state.saveBlockedBy}`)
      return
    }
    const rows: Cell[][] = [['key kind', 'outcome', 'saved', 'save time']]
    const save = async (spec: CacheSpec, size: number): Promise<SaveResult['outcome']> => {
      const label = cacheLabel(spec.kind)
      const started = ports.clock.now()
      const result = await ports.cache.save([spec.path], spec.key)
      const time = formatDuration(ports.clock.now() - started)
      if (result.outcome === 'saved') {
        log.info(`${label}: saved ${spec.key} (${formatSize(size)}) in ${time}`)
      } else if (result.outcome === 'exists') {
        log.info(`${label}: another job saved ${spec.key} first; nothing to do`)
      } else {
        log.warning(`${label} not saved (${result.detail}); the next run builds without it`)
      }
      rows.push([
        { text: KEY_KIND[spec.kind], title: spec.key },
        result.outcome === 'failed' ? `failed: ${result.detail}` : result.outcome,
        formatSize(size),
        time
      ])
      return result.outcome
    }
    let trimmed = false
    const trim = (gocache: string): void => {
      if (trimmed) return
      trimmed = true
      const { kept, removed } = trimUnused(gocache, state.restoredAt)
      log.info(
        `build cache: restored ${formatSize(state.restoredBytes)}, used ${formatSize(kept.bytes)} (${kept.entries} entries), ` +
          `dropped ${formatSize(removed.bytes)} (${removed.entries} entries this job did not use)`
      )
    }
    const base = state.caches.find(c => c.spec.kind === 'build-base')
    let baseSaved = false
    for (const { spec, matchedKey } of state.caches) {
      const label = cacheLabel(spec.kind)
      if (matchedKey === spec.key) {
        log.info(`${label}: primary key ${spec.key} already hit; not saving`)
        rows.push([{ text: KEY_KIND[spec.kind], title: spec.key }, 'hit, not saved', '', ''])
        continue
      }
      if (!fs.existsSync(spec.path)) {
        log.info(`${label}: ${spec.path} does not exist; nothing to save`)
        continue
      }
      if (spec.kind === 'module') {
        await save(spec, folderSize(spec.path))
      } else if (spec.kind === 'build-base') {
        // No base for this configuration and go.sum yet: this job's whole (trimmed) cache becomes it.
        trim(spec.path)
        baseSaved = (await save(spec, measureCache(spec.path).bytes)) === 'saved'
      } else if (!baseSaved && (base?.matchedKey !== base?.spec.key || !state.baseFiles)) {
        log.info(`${label}: no base of this configuration to layer on; nothing saved`)
      } else {
        trim(spec.path)
        // The layer is what the base does not hold: entries this build made or took from an
        // earlier layer. Saved even when empty, so a re-run of this commit hits exactly.
        const inBase = baseSaved
          ? [...listFiles(spec.path).keys()].map(f => path.relative(spec.path, f))
          : fs.readFileSync(state.baseFiles, 'utf8').split('\n').filter(Boolean)
        for (const name of inBase) fs.rmSync(path.join(spec.path, name), { force: true })
        await save(spec, measureCache(spec.path).bytes)
      }
    }
    if (rows.length > 1)
      await ports.outputs.writeSummary(tableSection('go-xbuild caches saved', rows))
  } catch (error) {
    log.warning(`caches not saved: ${errorMessage(error)}`)
  }
}
