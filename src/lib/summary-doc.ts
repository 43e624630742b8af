import { formatDuration } from './format.js'

// The job summary as data, and its two renderings: the runner's summary file and plain text.
//
// GitHub renders a step summary as GitHub-flavoured Markdown and sanitizes the HTML in it: tables,
// details, code and links with a title survive; <svg>, <script>, <style>, event attributes and
// data: URLs do not. A chart GitHub draws is a ```mermaid fence (GitHub turns it into a diagram in
// summaries as in issues), so charts are Mermaid gantts. Everything else is HTML blocks: inside one
// Markdown is not interpreted, as long as no line is blank, so text never carries a raw newline.

/** Inline content: text, a link, code; `title` is shown on hover (a full digest). */
export type Inline = string | { text: string; href?: string; code?: boolean; title?: string }

/** A table cell: one inline or several in a row. */
export type Cell = Inline | readonly Inline[]

/** One bar of a chart: when it started (ms since the epoch) and how long it took. */
export interface Bar {
  label: string
  start: number
  ms: number
}

/** What a summary is made of. */
export type Block =
  | { kind: 'heading'; text: string; level?: 3 | 4 }
  | { kind: 'paragraph'; parts: readonly Inline[] }
  | { kind: 'list'; items: readonly (readonly Inline[])[] }
  /** the first row is the header; `right` lists the columns aligned right (numbers) */
  | { kind: 'table'; rows: readonly (readonly Cell[])[]; right?: readonly number[] }
  | { kind: 'details'; summary: string; blocks: readonly Block[] }
  | { kind: 'pre'; text: string }
  /** a timeline: one section per group of bars */
  | { kind: 'chart'; title: string; sections: readonly { name: string; bars: readonly Bar[] }[] }

/** The blocks of a heading, a table and notes under it: the shape most sections have. */
export function tableSection(
  heading: string,
  rows: readonly (readonly Cell[])[],
  notes: readonly string[] = []
): Block[] {
  return [
    { kind: 'heading', text: heading },
    ...(rows.length > 0 ? [{ kind: 'table' as const, rows }] : []),
    ...notes.map(note => ({ kind: 'paragraph' as const, parts: [note] }))
  ]
}

// ── HTML for the runner's summary file ─────────────────────────────────────────────────────────

/**
 * Text as HTML: markup characters escaped, newlines as `newline` (<br> by default: a raw blank
 * line would end the HTML block and let Markdown read the rest).
 */
export function escapeHtml(text: string, newline = '<br>'): string {
  return text.replace(/[&<>"']/g, c => ENTITIES[c] ?? c).replace(/\r\n?|\n/g, newline)
}

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;'
}

/** Only web links become links: anything else (javascript:, data:) stays text. */
function safeHref(href: string): boolean {
  return /^https?:\/\/[^\s"'<>]+$/i.test(href)
}

function inlineHtml(part: Inline): string {
  if (typeof part === 'string') return escapeHtml(part)
  const title = part.title ? ` title="${escapeHtml(part.title)}"` : ''
  let html = escapeHtml(part.text)
  if (part.code) html = `<code${part.href ? '' : title}>${html}</code>`
  if (part.href && safeHref(part.href))
    return `<a href="${escapeHtml(part.href)}"${title}>${html}</a>`
  return part.code || !title ? html : `<span${title}>${html}</span>`
}

function cellHtml(cell: Cell): string {
  return typeof cell === 'string' || !Array.isArray(cell)
    ? inlineHtml(cell as Inline)
    : (cell as readonly Inline[]).map(inlineHtml).join(' ')
}

/** The blocks as the summary file holds them: HTML blocks, charts as Mermaid fences. */
export function renderHtml(blocks: readonly Block[]): string {
  return blocks.map(blockHtml).join('\n')
}

function blockHtml(block: Block): string {
  switch (block.kind) {
    case 'heading': {
      const level = block.level ?? 3
      return `<h${level}>${escapeHtml(block.text)}</h${level}>`
    }
    case 'paragraph':
      return `<p>${block.parts.map(inlineHtml).join('')}</p>`
    case 'list':
      return `<ul>${block.items.map(item => `<li>${item.map(inlineHtml).join('')}</li>`).join('')}</ul>`
    case 'table': {
      const [head, ...body] = block.rows
      if (!head) return ''
      const align = (i: number): string => (block.right?.includes(i) ? ' align="right"' : '')
      const row = (cells: readonly Cell[], tag: 'th' | 'td'): string =>
        `<tr>${cells.map((c, i) => `<${tag}${align(i)}>${cellHtml(c)}</${tag}>`).join('')}</tr>`
      return `<table><thead>${row(head, 'th')}</thead><tbody>${body.map(r => row(r, 'td')).join('')}</tbody></table>`
    }
    case 'details':
      return `<details><summary>${escapeHtml(block.summary)}</summary>${block.blocks.map(blockHtml).join('')}</details>`
    case 'pre':
      // &#10; keeps the block one Markdown line; the browser reads it as the newline it is.
      return `<pre>${escapeHtml(block.text.replace(/\n$/, ''), '&#10;')}</pre>`
    case 'chart':
      // Blank lines around the fence: it must not join the HTML block before or after it.
      return `\n${mermaidGantt(block)}\n`
  }
}

/** A Mermaid label: no character that ends a task (`:`), starts a comment (`#`, `%%`) or a new line. */
function mermaidLabel(text: string): string {
  return text.replace(/[^A-Za-z0-9_ ,./+()-]/g, '_').trim() || '_'
}

/**
 * The chart as a Mermaid gantt on the wall clock (dateFormat x: epoch milliseconds), so its axis
 * reads as the time of day in the reader's own time zone.
 */
export function mermaidGantt(chart: Extract<Block, { kind: 'chart' }>): string {
  const bars = chart.sections.flatMap(s => s.bars)
  const span =
    bars.length === 0
      ? 0
      : Math.max(...bars.map(b => b.start + b.ms)) - Math.min(...bars.map(b => b.start))
  const lines = [
    '```mermaid',
    'gantt',
    `  title ${mermaidLabel(chart.title)}`,
    '  dateFormat x',
    `  axisFormat ${span >= 3_600_000 ? '%H:%M' : '%H:%M:%S'}`
  ]
  for (const section of chart.sections) {
    if (section.bars.length === 0) continue
    lines.push(`  section ${mermaidLabel(section.name)}`)
    for (const bar of section.bars) {
      const start = Math.round(bar.start)
      // A bar of 0 ms is drawn as nothing: at least 1 ms.
      lines.push(
        `    ${mermaidLabel(bar.label)} : ${start}, ${start + Math.max(1, Math.round(bar.ms))}`
      )
    }
  }
  lines.push('```')
  return lines.join('\n')
}

// ── Plain text for the command line ────────────────────────────────────────────────────────────

/** Control characters other than newline and tab would reach the terminal as commands. */
function plain(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, '?')
}

/** A cell as plain text: links as `text (href)`, titles left out. */
export function inlineText(part: Inline): string {
  if (typeof part === 'string') return plain(part)
  return plain(part.href ? `${part.text} (${part.href})` : part.text)
}

function cellText(cell: Cell): string {
  return typeof cell === 'string' || !Array.isArray(cell)
    ? inlineText(cell as Inline)
    : (cell as readonly Inline[]).map(inlineText).join(' ')
}

/** Aligned plain-text table: header, a rule, the rows. */
export function formatTextTable(cells: readonly (readonly Cell[])[]): string {
  const rows = cells.map(row => row.map(cellText))
  const widths: number[] = []
  for (const row of rows)
    row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)))
  const line = (row: string[]): string =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd()
  const [head, ...body] = rows
  if (!head) return ''
  return (
    [line(head), widths.map(w => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n') + '\n'
  )
}

/** Width of a text chart's bars, in characters. */
const TEXT_BAR_WIDTH = 40

/** The blocks as plain text, for a terminal. */
export function renderText(blocks: readonly Block[]): string {
  return blocks.map(blockText).join('')
}

function blockText(block: Block): string {
  switch (block.kind) {
    case 'heading':
      return `\n${plain(block.text)}\n`
    case 'paragraph':
      return `${block.parts.map(inlineText).join('')}\n`
    case 'list':
      return block.items.map(item => `- ${item.map(inlineText).join('')}\n`).join('')
    case 'table':
      return formatTextTable(block.rows)
    case 'details':
      return `\n${plain(block.summary)}:\n${renderText(block.blocks)}`
    case 'pre':
      return `${plain(block.text.replace(/\n$/, ''))}\n`
    case 'chart':
      return textChart(block)
  }
}

/** A chart as rows of bars on one time scale: `label  ····████  3.2s`. */
function textChart(chart: Extract<Block, { kind: 'chart' }>): string {
  const bars = chart.sections.flatMap(s =>
    s.bars.map(bar => ({ ...bar, label: `${s.name}: ${bar.label}` }))
  )
  if (bars.length === 0) return ''
  const from = Math.min(...bars.map(b => b.start))
  const span = Math.max(1, Math.max(...bars.map(b => b.start + b.ms)) - from)
  const width = Math.max(...bars.map(b => b.label.length))
  const lines = bars.map(bar => {
    const lead = Math.min(
      TEXT_BAR_WIDTH - 1,
      Math.round(((bar.start - from) / span) * TEXT_BAR_WIDTH)
    )
    const length = Math.min(
      TEXT_BAR_WIDTH - lead,
      Math.max(1, Math.round((bar.ms / span) * TEXT_BAR_WIDTH))
    )
    const drawn = '·'.repeat(lead) + '█'.repeat(length)
    return `${plain(bar.label).padEnd(width)}  ${drawn.padEnd(TEXT_BAR_WIDTH)}  ${formatDuration(bar.ms)}`
  })
  return `\n${plain(chart.title)}\n${lines.join('\n')}\n`
}
