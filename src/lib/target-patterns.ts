/** A target pattern as the per-target inputs take it: goos/goarch[/variant], `*` for a whole part. */
export const TARGET_PATTERN = /^(\*|[a-z0-9]+)\/(\*|[a-z0-9]+)(\/[A-Za-z0-9.,]+)?$/

/** Variables only the target list may set; inherited values would silently change the output. */
export const TARGET_VARIABLES = [
  'GOOS',
  'GOARCH',
  'GOARM',
  'GOAMD64',
  'GOARM64',
  'GO386',
  'GOMIPS',
  'GOMIPS64',
  'GOPPC64',
  'GORISCV64'
]

/** Whether a pattern ('linux/arm64', 'linux/*', '*\/arm64', 'linux/arm/7') selects a target; no variant in the pattern matches every variant. */
export function matchesTargetPattern(
  pattern: string,
  t: { goos: string; goarch: string; variant?: string }
): boolean {
  const parts = pattern.trim().split('/')
  if (parts.length < 2 || parts.length > 3) return false
  const [goos, goarch, variant] = parts
  if (goos !== '*' && goos !== t.goos) return false
  if (goarch !== '*' && goarch !== t.goarch) return false
  return variant === undefined || variant === (t.variant ?? '')
}
