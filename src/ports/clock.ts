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
