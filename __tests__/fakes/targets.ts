import type { GoTargetPlan } from '../../src/facts.js'
import { targetId, type Target } from '../../src/targets.js'

/** Rows of a test table prefixed with their 1-based number, for `[%d]` in test names. */
export const numbered = <T extends unknown[]>(rows: T[]): [number, ...T][] =>
  rows.map((r, i) => [i + 1, ...r])

/** 'linux/arm/7' → its Target, without a dist list (tests of logic over targets). */
export function targetOf(spec: string): Target {
  const [goos, goarch, variant] = spec.split('/') as [string, string, string | undefined]
  return { goos, goarch, ...(variant ? { variant } : {}), id: targetId(goos, goarch, variant) }
}

/** A pure-Go tar.gz plan of the target `spec`. */
export function planOf(spec: string): GoTargetPlan {
  return { kind: 'go', target: targetOf(spec), cgo: { enabled: false }, format: 'tar.gz' }
}
