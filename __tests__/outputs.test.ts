import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { actionsOutputs } from '../src/ports/outputs.js'
import { formatTextTable } from '../src/lib/summary-doc.js'
import { formatDuration } from '../src/lib/format.js'

test('text tables align columns under a rule', () => {
  expect(
    formatTextTable([
      ['target', 'file'],
      ['linux/amd64', 'a.tar.gz'],
      ['x', 'b.zip']
    ])
  ).toBe('target       file\n-----------  --------\nlinux/amd64  a.tar.gz\nx            b.zip\n')
})

test.each([
  [1, 850, '850ms'],
  [2, 3210, '3.2s'],
  [3, 125_000, '2m05s']
])('[%d] formatDuration(%d) -> %s', (_n, ms, text) => {
  expect(formatDuration(ms)).toBe(text)
})

test('a section that would take the step summary over 1 MiB is replaced by a line saying so', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-summary-'))
  const file = path.join(dir, 'step-summary.md')
  fs.writeFileSync(file, '')
  const saved = process.env.GITHUB_STEP_SUMMARY
  process.env.GITHUB_STEP_SUMMARY = file
  try {
    await actionsOutputs.writeSummary([{ kind: 'heading', text: 'small' }])
    const rows = Array.from({ length: 20_000 }, (_, i) => [`file-${i}`, 'x'.repeat(40)])
    await actionsOutputs.writeSummary([
      { kind: 'heading', text: 'huge' },
      { kind: 'table', rows }
    ])
    const text = fs.readFileSync(file, 'utf8')
    expect(text).toMatch(
      /^<h3>small<\/h3>\n<h3>huge<\/h3>\n<p>This section \(\d+ bytes\) would take the step summary over GitHub&#39;s limit of 1048576 bytes; the step outputs and dist\/artifacts.json list every file.<\/p>\n$/
    )
  } finally {
    if (saved === undefined) delete process.env.GITHUB_STEP_SUMMARY
    else process.env.GITHUB_STEP_SUMMARY = saved
  }
})
