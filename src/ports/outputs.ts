import * as core from '@actions/core'
import * as fs from 'node:fs'
import { renderHtml, renderText, type Block } from '../lib/summary-doc.js'

/** Step outputs and the job summary. */
export interface OutputPort {
  setOutput(name: string, value: string): void
  /** appends a section to the job summary (each step has its own; GitHub shows them in order) */
  writeSummary(blocks: readonly Block[]): Promise<void>
}

/** GitHub refuses a step summary larger than this. */
export const SUMMARY_LIMIT = 1024 * 1024

/** Output port for a GitHub runner. */
export const actionsOutputs: OutputPort = {
  setOutput: (name, value) => core.setOutput(name, value),
  async writeSummary(blocks) {
    // core.summary throws when GITHUB_STEP_SUMMARY is unset (a runner always sets it; act may not).
    const file = process.env.GITHUB_STEP_SUMMARY
    if (!file) return
    let html = renderHtml(blocks) + '\n'
    const used = fs.existsSync(file) ? fs.statSync(file).size : 0
    if (used + Buffer.byteLength(html) > SUMMARY_LIMIT) {
      // Over the limit GitHub shows none of the step's summary: keep the headings and say so.
      html =
        renderHtml([
          ...blocks.filter(b => b.kind === 'heading').slice(0, 1),
          {
            kind: 'paragraph',
            parts: [
              `This section (${Buffer.byteLength(html)} bytes) would take the step summary over GitHub's limit of ${SUMMARY_LIMIT} bytes; the step outputs and dist/artifacts.json list every file.`
            ]
          }
        ]) + '\n'
    }
    await core.summary.addRaw(html).write()
  }
}

/** Output port for the command line: outputs are kept, the summary is printed as plain text. */
export function consoleOutputs(
  write: (text: string) => void = t => process.stdout.write(t)
): OutputPort & {
  outputs: Map<string, string>
} {
  const outputs = new Map<string, string>()
  return {
    outputs,
    setOutput: (name, value) => void outputs.set(name, value),
    async writeSummary(blocks) {
      write(renderText(blocks))
    }
  }
}
