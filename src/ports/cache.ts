import * as cache from '@actions/cache'
import { errorMessage } from '../lib/errors.js'
import { withNodeHttpGuard } from '../lib/net-timeouts.js'

/** What a restore found. */
export interface RestoreResult {
  /** the key that matched (the primary key on an exact hit), undefined on a miss or failure */
  matchedKey?: string
  /** set when the service or the archive failed (then the folder may hold a partial extraction) */
  failure?: string
}

/** What a save did. */
export interface SaveResult {
  outcome: 'saved' | 'exists' | 'failed'
  detail?: string
}

/** The GitHub cache service. */
export interface CachePort {
  /** false when the runner offers no cache service (local mode, GHES without one) */
  available(): boolean
  restore(paths: string[], key: string, restoreKeys: string[]): Promise<RestoreResult>
  save(paths: string[], key: string): Promise<SaveResult>
}

/**
 * Runs fn while watching what the toolkit writes to stdout: it reports every fault itself, as
 * `::error::` for 5xx and `::warning::` otherwise, and returns no error. A cache fault must never
 * look like a failed build, so errors are demoted to warnings, and the message is kept so the
 * caller learns that the call failed rather than missed.
 */
async function watchToolkit<T>(
  fn: () => Promise<T>
): Promise<{ value: T; failure?: string; exists?: string }> {
  const write = process.stdout.write.bind(process.stdout)
  let failure: string | undefined
  let exists: string | undefined
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    let text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')
    const fault =
      /^::(error|warning)::(Failed to (?:restore|save): .*|Cache reservation failed: .*|Unable to finalize .*)$/m.exec(
        text
      )
    if (fault) {
      failure ??= fault[2]!.replace(/%0A/g, ' ')
      text = text.replace('::error::', '::warning::')
    }
    // The toolkit words every failed reservation as "another job may be creating this cache";
    // only its debug line carries the status, and only a 409 really means that.
    const reserve = /^::debug::Failed to reserve cache: (.*)$/m.exec(text)
    if (reserve) {
      if (/\(409\)/.test(reserve[1]!)) exists = reserve[1]!
      else failure ??= reserve[1]!
    }
    return (write as (c: string, ...r: unknown[]) => boolean)(text, ...rest)
  }) as typeof process.stdout.write
  try {
    return { value: await fn(), failure, exists }
  } finally {
    process.stdout.write = write
  }
}

/** The cache port on @actions/cache 6 (cache service v2 on github.com, v1 on GHES). */
export const actionsCache: CachePort = {
  available: () => cache.isFeatureAvailable(),
  async restore(paths, key, restoreKeys) {
    const { value, explain } = await withNodeHttpGuard(
      process.env,
      async (): Promise<RestoreResult> => {
        try {
          const { value, failure } = await watchToolkit(() =>
            cache.restoreCache(paths, key, restoreKeys)
          )
          return { matchedKey: value, failure: value === undefined ? failure : undefined }
        } catch (error) {
          return { failure: errorMessage(error) }
        }
      }
    )
    return value.failure ? { ...value, failure: explain(value.failure) } : value
  },
  async save(paths, key) {
    const { value, explain } = await withNodeHttpGuard(
      process.env,
      async (): Promise<SaveResult> => {
        try {
          const { value, failure, exists } = await watchToolkit(() => cache.saveCache(paths, key))
          if (value !== -1) return { outcome: 'saved' }
          // A 409 from a concurrent job that saved the same key first: normal, not a fault.
          if (exists) return { outcome: 'exists', detail: exists }
          return {
            outcome: 'failed',
            detail: failure ?? 'the cache service did not accept the entry'
          }
        } catch (error) {
          return { outcome: 'failed', detail: errorMessage(error) }
        }
      }
    )
    return value.outcome === 'failed' ? { ...value, detail: explain(value.detail ?? '') } : value
  }
}

/** No cache service (local mode): the restore stage skips itself. */
export const noCache: CachePort = {
  available: () => false,
  restore: async () => ({}),
  save: async () => ({ outcome: 'failed', detail: 'no cache service' })
}
