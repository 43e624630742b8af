/** Time, behind a port so tests can drive durations. */
export interface Clock {
  /** milliseconds, monotonic: for durations */
  now(): number
  /** milliseconds since the epoch: for file times */
  wall(): number
  /** waits (retry back-off) */
  sleep(ms: number): Promise<void>
}

/** The real clock. */
export const realClock: Clock = {
  now: () => performance.now(),
  wall: () => Date.now(),
  sleep: ms => new Promise(resolve => setTimeout(resolve, ms))
}

/** Formats a duration for progress lines: 850ms, 3.2s, 2m05s. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`
  const s = Math.round(ms / 1000)
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
}
