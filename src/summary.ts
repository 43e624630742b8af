import type { CacheSpec } from './cache-plan.js'
import { formatDuration, formatSize } from './lib/format.js'
import type { Bar, Block, Cell, Inline } from './lib/summary-doc.js'

// The job summary of a run, top to bottom: what was released, what needs attention, the files,
// the caches, where the time went. Pure: the report stage gathers a RunSummary from the context.

/** One binary's smoke run, for the summary (the smoke stage). */
export interface SmokeOutcome {
  target: string
  binary: string
  outcome: 'passed' | 'failed' | 'skipped'
  /** how it ran, or why it did not */
  detail: string
}

/** One published file (archive, bare binary or Linux package). */
export interface SummaryFile {
  /** os/arch[/variant] as the inputs spell it */
  target: string
  /** the target's place in the plan: the table's order */
  order: number
  name: string
  /** where to download it: the release asset, else the workflow artifact */
  href?: string
  size: number
  sha256: string
  /** the go build time of its binaries */
  buildMs?: number
}

/** One cache's restore. */
export interface SummaryCache {
  kind: CacheSpec['kind']
  /** the primary key */
  key: string
  /** matched key, '' on a miss or a fault */
  matchedKey: string
  failure?: string
  bytes: number
  ms: number
}

/** Everything the summary shows; times are milliseconds since the epoch. */
export interface RunSummary {
  version: string
  /** the tag, '' for a snapshot */
  tag: string
  go: string
  shortCommit: string
  /** this job's targets, and the release's when a matrix leg builds a part */
  targets: number
  releaseTargets: number
  release?: {
    url: string
    draft: boolean
    created: boolean
    /** planned files other legs have not uploaded yet */
    waiting?: string[]
  }
  /** the workflow artifacts this job uploaded */
  artifacts: { name: string; url?: string }[]
  files: SummaryFile[]
  checksums: { name: string; href?: string }[]
  /** further lines about the files (SBOMs, signatures, attestations, dynamic linking) */
  notes: string[]
  warnings: string[]
  smoke?: SmokeOutcome[]
  caches?: { restores: SummaryCache[]; saveBlockedBy: string }
  stages: { name: string; start: number; ms: number }[]
  /** one bar per target: from its first go build's start to its last one's end */
  builds: Bar[]
  /** mode: publish: the legs collected */
  legs?: { name: string; files: number }[]
  /** from the first stage's start to the report */
  totalMs: number
}

/** Digest characters shown in the files table; the full digest is its title and in the list below. */
export const SHORT_DIGEST = 12

/** The cache key kinds as the summary names them. */
export const KEY_KIND: Readonly<Record<CacheSpec['kind'], string>> = {
  module: 'module',
  'build-base': 'base',
  build: 'layer'
}

/** A size or time kept on one line when the column is narrow (no-break spaces). */
function nowrap(text: string): string {
  return text.replace(/ /g, '\u00a0')
}

/** The summary, top to bottom. */
export function summaryBlocks(run: RunSummary): Block[] {
  return [
    ...headline(run),
    ...attention(run),
    ...filesSection(run),
    ...legsSection(run),
    ...cachesSection(run),
    ...timeSection(run)
  ]
}

function headline(run: RunSummary): Block[] {
  const version = run.tag || run.version
  const release = run.release
  const heading = !release
    ? `go-xbuild built ${version}`
    : release.waiting?.length
      ? `go-xbuild ${version}: this leg's files are on the draft release`
      : release.draft
        ? `go-xbuild ${version}: draft release`
        : `go-xbuild released ${version}`
  const where: Inline[] = []
  if (release)
    where.push({
      text: release.draft ? `draft release ${version}` : `release ${version}`,
      href: release.url
    })
  for (const a of run.artifacts) {
    if (where.length > 0) where.push(' · ')
    where.push(
      'workflow artifact ',
      a.url ? { text: a.name, href: a.url } : { text: a.name, code: true }
    )
  }
  const count = `${run.files.length} file${run.files.length === 1 ? '' : 's'} for ${run.targets} target${run.targets === 1 ? '' : 's'}${run.targets < run.releaseTargets ? ` of ${run.releaseTargets}` : ''}`
  const facts = [
    count,
    `version ${run.version}`,
    run.go,
    `commit ${run.shortCommit}`,
    `took ${formatDuration(run.totalMs)}`
  ]
  return [
    { kind: 'heading', text: heading },
    {
      kind: 'paragraph',
      parts: [...where, ...(where.length > 0 ? [' · '] : []), facts.join(' · ')]
    }
  ]
}

/** Warnings, smoke runs that did not pass, legs still to come, cache faults. */
function attention(run: RunSummary): Block[] {
  const items: Inline[][] = run.warnings.map(w => [w])
  for (const s of run.smoke ?? []) {
    if (s.outcome !== 'passed')
      items.push([`smoke test ${s.outcome}: ${s.target} ${s.binary}: ${s.detail}`])
  }
  const waiting = run.release?.waiting ?? []
  if (waiting.length > 0) {
    items.push([
      `not published yet: ${waiting.length} planned file${waiting.length === 1 ? ' is' : 's are'} not on the `,
      { text: 'draft', href: run.release!.url },
      ` (${waiting.join(', ')}); the leg that uploads the last one writes the checksums and publishes`
    ])
  } else if (run.release?.draft) {
    items.push(['the release is left a draft (draft: true): publish it on GitHub'])
  }
  for (const c of run.caches?.restores ?? []) {
    if (c.failure) items.push([`${KEY_KIND[c.kind]} cache not restored: ${c.failure}`])
  }
  if (items.length === 0) {
    const passed = (run.smoke ?? []).length
    return [
      {
        kind: 'paragraph',
        parts: [
          `Nothing needs attention: no warnings${passed > 0 ? `, all ${passed} smoke runs passed` : ''}.`
        ]
      }
    ]
  }
  return [
    { kind: 'heading', text: `Needs attention (${items.length})`, level: 4 },
    { kind: 'list', items }
  ]
}

function filesSection(run: RunSummary): Block[] {
  if (run.files.length === 0) return []
  const files = [...run.files].sort((a, b) => a.order - b.order)
  const rows: Cell[][] = [
    ['target', 'file', 'size', 'sha256', 'build'],
    ...files.map(f => [
      f.target,
      f.href ? { text: f.name, href: f.href } : f.name,
      nowrap(formatSize(f.size)),
      f.sha256 ? { text: f.sha256.slice(0, SHORT_DIGEST), code: true, title: f.sha256 } : '',
      f.buildMs === undefined ? '' : formatDuration(f.buildMs)
    ])
  ]
  const checksums: Inline[] = run.checksums.flatMap((c, i) => [
    ...(i > 0 ? [', '] : []),
    c.href ? { text: c.name, href: c.href } : { text: c.name, code: true }
  ])
  return [
    { kind: 'heading', text: 'Files', level: 4 },
    { kind: 'table', rows, right: [2, 4] },
    ...(checksums.length > 0
      ? [{ kind: 'paragraph' as const, parts: ['Checksums: ', ...checksums] }]
      : []),
    {
      kind: 'details',
      summary: 'sha256 of every file',
      blocks: [{ kind: 'pre', text: files.map(f => `${f.sha256}  ${f.name}`).join('\n') }]
    },
    ...(run.notes.length > 0 ? [{ kind: 'list' as const, items: run.notes.map(n => [n]) }] : [])
  ]
}

function legsSection(run: RunSummary): Block[] {
  if (!run.legs) return []
  return [
    { kind: 'heading', text: `Legs collected (${run.legs.length})`, level: 4 },
    {
      kind: 'table',
      rows: [['leg artifact', 'files'], ...run.legs.map(l => [l.name, String(l.files)])],
      right: [1]
    }
  ]
}

/** hit: the primary key; partial: an older entry by a restore key; miss: nothing. */
export function cacheResult(c: SummaryCache): string {
  if (c.failure) return 'fault'
  if (!c.matchedKey) return 'miss'
  return c.matchedKey === c.key ? 'hit' : 'partial'
}

function cachesSection(run: RunSummary): Block[] {
  const caches = run.caches
  if (!caches) return []
  const save = (c: SummaryCache): string =>
    caches.saveBlockedBy
      ? `not saved: ${caches.saveBlockedBy}`
      : cacheResult(c) === 'hit'
        ? 'nothing to save (hit)'
        : 'by the post step, after the job'
  const rows: Cell[][] = [
    ['key kind', 'result', 'restored', 'restore time', 'save'],
    ...caches.restores.map(c => [
      { text: KEY_KIND[c.kind], title: c.key },
      c.matchedKey && c.matchedKey !== c.key
        ? { text: cacheResult(c), title: c.matchedKey }
        : cacheResult(c),
      nowrap(formatSize(c.bytes)),
      formatDuration(c.ms),
      save(c)
    ])
  ]
  return [
    { kind: 'heading', text: 'Caches', level: 4 },
    { kind: 'table', rows, right: [2, 3] },
    ...(caches.saveBlockedBy
      ? []
      : [
          {
            kind: 'paragraph' as const,
            parts: ["The post step's own section below says what it saved, its size and time."]
          }
        ])
  ]
}

function timeSection(run: RunSummary): Block[] {
  if (run.stages.length === 0) return []
  const total = Math.max(1, run.totalMs)
  const rows: Cell[][] = [
    ['stage', 'time', 'share'],
    ...run.stages.map(s => [s.name, formatDuration(s.ms), `${Math.round((s.ms / total) * 100)}%`])
  ]
  const slowest = [...run.builds].sort((a, b) => b.ms - a.ms)[0]
  return [
    { kind: 'heading', text: 'Where the time went', level: 4 },
    { kind: 'table', rows, right: [1, 2] },
    ...(slowest
      ? [
          {
            kind: 'paragraph' as const,
            parts: [
              `${run.builds.length} target builds; the slowest: ${slowest.label} (${formatDuration(slowest.ms)}).`
            ]
          }
        ]
      : []),
    {
      kind: 'chart',
      title: 'Stages and target builds',
      sections: [
        {
          name: 'stages',
          bars: run.stages
            .filter(s => s.ms > 0)
            .map(s => ({ label: s.name, start: s.start, ms: s.ms }))
        },
        { name: 'builds', bars: run.builds }
      ]
    }
  ]
}

/** The smoke runs as a table: folded in the report, or under the failure's heading when a failed smoke test ends the run. */
export function smokeTable(results: readonly SmokeOutcome[]): Block {
  return {
    kind: 'table',
    rows: [
      ['target', 'binary', 'result', 'how / why'],
      ...results.map(r => [r.target, r.binary, r.outcome, r.detail])
    ]
  }
}
