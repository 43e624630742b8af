import * as core from '@actions/core'

/** A table cell: text, or a link. */
export type Cell = string | { text: string; href: string }

/** A table for the job summary: the first row is the header. */
export interface SummaryTable {
  heading: string
  rows: Cell[][]
  /** lines shown under the table */
  notes?: string[]
}

/** Step outputs and the job summary. */
export interface OutputPort {
  setOutput(name: string, value: string): void
  writeSummary(tables: SummaryTable[]): Promise<void>
}

/** Output port for a GitHub runner. */
export const actionsOutputs: OutputPort = {
  setOutput: (name, value) => core.setOutput(name, value),
  async writeSummary(tables) {
    // core.summary throws when GITHUB_STEP_SUMMARY is unset (a runner always sets it; act may not).
    if (!process.env.GITHUB_STEP_SUMMARY) return
    for (const table of tables) {
      core.summary.addHeading(table.heading, 3)
      const [head, ...body] = table.rows
      if (head) {
        // core.summary puts cell data into the HTML as given: escape it.
        core.summary.addTable([
          head.map(cell => ({ data: cellHtml(cell), header: true })),
          ...body.map(row => row.map(cell => ({ data: cellHtml(cell) })))
        ])
      }
      for (const note of table.notes ?? []) core.summary.addRaw(`<p>${escapeHtml(note)}</p>`, true)
    }
    await core.summary.write()
  }
}

/** Output port for the command line: outputs are kept, the summary is printed as aligned text. */
export function consoleOutputs(
  write: (text: string) => void = t => process.stdout.write(t)
): OutputPort & {
  outputs: Map<string, string>
} {
  const outputs = new Map<string, string>()
  return {
    outputs,
    setOutput: (name, value) => void outputs.set(name, value),
    async writeSummary(tables) {
      for (const table of tables) write(`\n${table.heading}\n${formatTextTable(table.rows)}`)
      for (const note of tables.flatMap(t => t.notes ?? [])) write(`${note}\n`)
    }
  }
}

/** Aligns rows into columns for a terminal. */
function cellHtml(cell: Cell): string {
  return typeof cell === 'string'
    ? escapeHtml(cell)
    : `<a href="${escapeHtml(cell.href)}">${escapeHtml(cell.text)}</a>`
}

/** A cell as plain text: links as `text (href)`. */
export function cellText(cell: Cell): string {
  return typeof cell === 'string' ? cell : `${cell.text} (${cell.href})`
}

/** Aligned plain-text table (the CLI's summary). */
export function formatTextTable(cells: Cell[][]): string {
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

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"]/g,
    c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c
  )
}
