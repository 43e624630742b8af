import * as fs from 'node:fs'
import { errorMessage } from './errors.js'
import { trimUnused } from './go-cache.js'
import type { CachePort } from './ports/cache.js'
import { formatDuration, type Clock } from './ports/clock.js'
import type { LogPort } from './ports/log.js'
import type { OutputPort } from './ports/outputs.js'
import type { StatePort } from './ports/state.js'
import { formatSize } from './stages/build.js'
import { folderSize } from './stages/cache-restore.js'

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
    const rows: string[][] = [['cache', 'key', 'outcome', 'size', 'time']]
    for (const { spec, matchedKey } of state.caches) {
      if (matchedKey === spec.key) {
        log.info(`${spec.kind} cache: primary key ${spec.key} already hit; not saving`)
        rows.push([spec.kind, spec.key, 'hit, not saved', '', ''])
        continue
      }
      if (!fs.existsSync(spec.path)) {
        log.info(`${spec.kind} cache: ${spec.path} does not exist; nothing to save`)
        continue
      }
      let size: number
      if (spec.kind === 'build') {
        const { kept, removed } = trimUnused(spec.path, state.restoredAt)
        log.info(
          `build cache: restored ${formatSize(state.restoredBytes)}, used ${formatSize(kept.bytes)} (${kept.entries} entries), ` +
            `dropped ${formatSize(removed.bytes)} (${removed.entries} entries this job did not use)`
        )
        size = kept.bytes
      } else {
        size = folderSize(spec.path)
      }
      const started = ports.clock.now()
      const result = await ports.cache.save([spec.path], spec.key)
      const time = formatDuration(ports.clock.now() - started)
      if (result.outcome === 'saved') {
        log.info(`${spec.kind} cache: saved ${spec.key} (${formatSize(size)}) in ${time}`)
      } else if (result.outcome === 'exists') {
        log.info(`${spec.kind} cache: another job saved ${spec.key} first; nothing to do`)
      } else {
        log.warning(
          `${spec.kind} cache not saved (${result.detail}); the next run builds without it`
        )
      }
      rows.push([spec.kind, spec.key, result.outcome, formatSize(size), time])
    }
    await ports.outputs.writeSummary([{ heading: 'go-xbuild caches saved', rows }])
  } catch (error) {
    log.warning(`caches not saved: ${errorMessage(error)}`)
  }
}
