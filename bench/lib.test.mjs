// node --test bench/: the bench's pure helpers (no timing is asserted anywhere).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  isNoisy,
  medianBasis,
  measureRounds,
  median,
  parseDuration,
  parseProcStat,
  parseSystemStat,
  replaceSection,
  roundsForMedian
} from './lib.mjs'
import { parseBuiltLines, parseStageTimes, parseVariant } from './p1.mjs'

test('parseDuration reads every form formatDuration writes', () => {
  assert.equal(parseDuration('35ms'), 35)
  assert.equal(parseDuration('2.2s'), 2200)
  assert.equal(parseDuration('1m43s'), 103000)
  assert.equal(parseDuration('2m05s'), 125000)
  assert.throws(() => parseDuration('soon'), /not a duration/)
})

test('parseProcStat counts fields after the last parenthesis of the command name', () => {
  const line =
    '42 (a) b) c) S 1 42 42 0 -1 4194304 100 0 0 0 11 12 13 14 20 0 1 0 303327 3133440 416 0'
  assert.deepEqual(parseProcStat(line), { utime: 11, stime: 12, cutime: 13, cstime: 14 })
})

test('parseSystemStat: busy excludes idle, iowait and steal', () => {
  const stat = parseSystemStat('cpu  10 1 5 100 7 2 3 4 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n')
  assert.deepEqual(stat, { busy: 21, iowait: 7, steal: 4, total: 132 })
})

test('median of odd and even lists', () => {
  assert.equal(median([3, 1, 2]), 2)
  assert.equal(median([4, 1, 3, 2]), 2.5)
})

test('replaceSection keeps the other sections and appends a missing one', () => {
  const text =
    '# R\n\n<!-- p1:start -->\nold p1\n<!-- p1:end -->\n\n<!-- p9:start -->\nkeep\n<!-- p9:end -->\n'
  const replaced = replaceSection(text, 'p1', 'new p1')
  assert.equal(
    replaced,
    '# R\n\n<!-- p1:start -->\nnew p1\n<!-- p1:end -->\n\n<!-- p9:start -->\nkeep\n<!-- p9:end -->\n'
  )
  const appended = replaceSection(replaced, 'p5', 'p5 body')
  assert.ok(appended.startsWith(replaced.trimEnd()))
  assert.ok(appended.endsWith('\n\n<!-- p5:start -->\np5 body\n<!-- p5:end -->\n'))
  assert.throws(() => replaceSection('<!-- p1:start -->', 'p1', 'x'), /markers are broken/)
})

test('the CLI lines P1 reads: stage times, per-target build times, variants', () => {
  const output = [
    'built linux_arm_7 hello (5.4 MiB) in 23.5s',
    'built windows_amd64 hello.exe (5.7 MiB) in 1m06s',
    'building binaries took 1m55s',
    'writing checksums took 44ms'
  ].join('\n')
  assert.deepEqual(parseStageTimes(output), {
    'building binaries': 115000,
    'writing checksums': 44
  })
  assert.deepEqual(parseBuiltLines(output), { linux_arm_7: 23500, windows_amd64: 66000 })
  assert.deepEqual(parseVariant('parallelism=1;flags=-p=1'), {
    label: 'parallelism=1;flags=-p=1',
    inputs: [
      { name: 'parallelism', value: '1' },
      { name: 'flags', value: '-p=1' }
    ]
  })
  assert.throws(() => parseVariant('=1'), /expected input=value/)
})

test('measureRounds measures again after noisy rounds, within the retries', async () => {
  const noisyRounds = new Set([1, 3])
  const rounds = await measureRounds(
    { rounds: 2, retries: 1, log: () => {}, noisy: r => noisyRounds.has(r.n) },
    async n => ({ n })
  )
  assert.deepEqual(
    rounds.map(r => [r.n, r.noisy]),
    [
      [1, true],
      [2, false],
      [3, true]
    ]
  )
  assert.deepEqual(
    roundsForMedian(rounds).map(r => r.n),
    [2]
  )
  assert.equal(roundsForMedian([{ noisy: true }]).length, 1)
  assert.equal(isNoisy({ otherCpuMs: 11, wallMs: 100 }, 2), true)
  assert.equal(isNoisy({ otherCpuMs: 9, wallMs: 100 }, 2), false)
})

test('medianBasis names the rounds the medians come from, and says when all were noisy', () => {
  assert.equal(medianBasis([{ round: 1 }, { round: 2 }]), 'over all 2 rounds')
  assert.equal(
    medianBasis([{ round: 1, noisy: true }, { round: 2 }, { round: 3 }]),
    'over the 2 clean rounds (2, 3)'
  )
  assert.equal(
    medianBasis([{ n: 1, noisy: true }], r => r.n),
    'over all 1 rounds, **every one of them noisy**'
  )
})
