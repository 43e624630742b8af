/** Levenshtein distance: insertions, deletions and substitutions of one character each. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1))
      diagonal = above
    }
  }
  return row[b.length]!
}

/**
 * The first of `known` within `limit` edits of `word` (case-insensitive), for "did you mean"
 * hints; undefined when none is that close.
 */
export function nearest(word: string, known: Iterable<string>, limit: number): string | undefined {
  const lower = word.toLowerCase()
  for (const k of known) if (editDistance(k.toLowerCase(), lower) <= limit) return k
  return undefined
}
