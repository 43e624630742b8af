// Text for people: sizes, durations, the end of long output.

/** 1234567 → "1.2 MiB". */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`
}

/** 26214400 → "25.0 MiB (26214400 bytes)": human-readable and exact. */
export function describeSize(bytes: number): string {
  const units = ['KiB', 'MiB', 'GiB']
  let value = bytes
  let unit = 'B'
  for (const u of units) {
    if (value < 1024) break
    value /= 1024
    unit = u
  }
  return unit === 'B' ? `${bytes} bytes` : `${value.toFixed(1)} ${unit} (${bytes} bytes)`
}

const SIZE_UNITS: Readonly<Record<string, number>> = {
  '': 1,
  b: 1,
  kb: 1000,
  kib: 1024,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  gb: 1000 ** 3,
  gib: 1024 ** 3
}

/** `25MiB`, `25 MB`, `25000000` → bytes; undefined for anything else. */
export function parseSize(text: string): number | undefined {
  const match = /^([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)$/.exec(text.trim())
  if (!match) return undefined
  const unit = SIZE_UNITS[match[2]!.toLowerCase()]
  if (unit === undefined) return undefined
  const bytes = Math.floor(Number(match[1]) * unit)
  return bytes > 0 && Number.isSafeInteger(bytes) ? bytes : undefined
}

/** Formats a duration for progress lines: 850ms, 3.2s, 2m05s. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`
  const s = Math.round(ms / 1000)
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
}

/** The last `max` characters of process output, for error messages. */
export function tail(text: string, max = 2000): string {
  const trimmed = text.trimEnd()
  return trimmed.length <= max ? trimmed : '…' + trimmed.slice(trimmed.length - max)
}
