import { formatTextTable } from '../src/ports/outputs.js'
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
