// npm run bench [-- --only p1|p2|p3|p5|p6|p7|p8|p9|p10|matrix] [--rounds N] [--retries N] [--write-noisy] [--variant 'parallelism=1' ...]
// Runs the benchmarks, prints their tables and rewrites their own sections of bench/RESULTS.md.
import * as fs from 'node:fs'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { machineFacts, replaceSection } from './lib.mjs'
import { p1, parseVariant } from './p1.mjs'
import { p2 } from './p2.mjs'
import { p3 } from './p3.mjs'
import { p5 } from './p5.mjs'
import { p6 } from './p6.mjs'
import { p7 } from './p7.mjs'
import { p8 } from './p8.mjs'
import { p9 } from './p9.mjs'
import { p10 } from './p10.mjs'
import { matrix } from './matrix.mjs'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const resultsFile = path.join(root, 'bench', 'RESULTS.md')
const HEADER = `# Benchmark results

Written by \`npm run bench\` (bench/run.mjs); each section between its markers is rewritten by the
benchmark it belongs to and everything else is kept. Every figure is a measurement of the run named
in its section: ratios of runs made side by side, interleaved, in one run of the benchmark.
`

const { values } = parseArgs({
  options: {
    only: { type: 'string' },
    rounds: { type: 'string' },
    // extra rounds allowed when other processes made a round noisy
    retries: { type: 'string' },
    // record the sections even when every round was noisy
    'write-noisy': { type: 'boolean' },
    // P1 investigation: extra action runs with other inputs, e.g. 'parallelism=1' or 'flags=-p=1'.
    variant: { type: 'string', multiple: true }
  }
})
// default rounds and extra rounds for noisy ones
// p2's rounds are consecutive runs of one repository: P4 wants at least 5 of them.
const BENCHES = {
  p1: { rounds: 2, retries: 1, bench: args => p1({ ...args, variants }) },
  p2: { rounds: 5, retries: 2, bench: p2 },
  // a round: the action's second run (~10 s) and GoReleaser from cold (~2 min)
  p3: { rounds: 3, retries: 2, bench: p3 },
  p5: { rounds: 5, retries: 5, bench: p5 },
  p6: { rounds: 5, retries: 5, bench: p6 },
  p7: { rounds: 1, retries: 0, bench: p7 },
  // a round: 18 packages and 6 archives (seconds); then the nFPM runner built once cold
  p8: { rounds: 5, retries: 3, bench: p8 },
  // a round: the action and ko, each cold and warm (about a minute each cold)
  p9: { rounds: 3, retries: 2, bench: p9 },
  // a round: the interpreter (milliseconds) and the Go helper built cold and warm (~10 s)
  p10: { rounds: 5, retries: 3, bench: p10 },
  // ~8 minutes a round: 12 cold targets twice
  matrix: { rounds: 1, retries: 1, bench: matrix }
}
const only = values.only?.toLowerCase()
if (only !== undefined && !(only in BENCHES)) {
  throw new Error(`--only: "${values.only}" is not one of ${Object.keys(BENCHES).join(', ')}`)
}
const count = (name, min) => {
  const raw = values[name]
  if (raw === undefined) return undefined
  const n = Number(raw)
  if (!Number.isInteger(n) || n < min)
    throw new Error(`--${name}: "${raw}" is not a whole number ≥ ${min}`)
  return n
}
const rounds = count('rounds', 1)
const retries = count('retries', 0)
const variants = (values.variant ?? []).map(parseVariant)
if (variants.length > 0 && only !== 'p1') throw new Error('--variant needs --only p1')

if (!fs.existsSync(path.join(root, 'dist', 'cli.js'))) {
  throw new Error('dist/cli.js is missing: it is committed; run `npm run build` to make it')
}
if (!fs.existsSync(path.join(root, 'build', 'src', 'archive.js'))) {
  throw new Error('build/src/archive.js is missing: run `npm run bench`, which compiles src first')
}

const log = text => process.stderr.write(`${text}\n`)
const facts = machineFacts(root)
log(
  `machine: ${facts.nproc} cores, ${facts.cpuModel}, ${facts.memory}; ${facts.go}; node ${facts.node}; load ${facts.loadavg}`
)

// Two benchmarks at once would measure each other, and share bench/.work: one at a time.
const lockFile = path.join(root, 'bench', '.work', 'lock')
fs.mkdirSync(path.dirname(lockFile), { recursive: true })
try {
  fs.writeFileSync(lockFile, String(process.pid), { flag: 'wx' })
} catch (err) {
  if (err.code !== 'EEXIST') throw err
  const holder = Number(fs.readFileSync(lockFile, 'utf8'))
  if (isRunning(holder)) {
    throw new Error(`another benchmark (pid ${holder}) is running; ${lockFile} says so`, {
      cause: err
    })
  }
  fs.writeFileSync(lockFile, String(process.pid))
}
process.on('exit', () => fs.rmSync(lockFile, { force: true }))

function isRunning(pid) {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return err.code === 'EPERM'
  }
}

const selected = only ? [only] : Object.keys(BENCHES)
for (const name of selected) {
  const work = path.join(root, 'bench', '.work', name)
  fs.rmSync(work, { recursive: true, force: true })
  fs.mkdirSync(work, { recursive: true })
  // Ctrl-C reaches the running go builds too (same process group); leave no work dir behind.
  const stop = signal => {
    log(`stopped by ${signal}; nothing written`)
    fs.rmSync(work, { recursive: true, force: true })
    process.exit(signal === 'SIGINT' ? 130 : 143)
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  try {
    const args = {
      root,
      work,
      rounds: rounds ?? BENCHES[name].rounds,
      retries: retries ?? BENCHES[name].retries,
      facts,
      log
    }
    const { sections, allNoisy } = await BENCHES[name].bench(args)
    if (allNoisy && !values['write-noisy']) {
      // A quieter earlier result is worth more than this one: print it, keep RESULTS.md.
      for (const markdown of Object.values(sections)) process.stdout.write(`\n${markdown}\n`)
      log(
        `${name}: every round was noisy (other processes used the CPUs); RESULTS.md left as it was. Run again on a quiet machine, or pass --write-noisy`
      )
      process.exitCode = 1
      continue
    }
    let text = fs.existsSync(resultsFile) ? fs.readFileSync(resultsFile, 'utf8') : HEADER
    for (const [key, markdown] of Object.entries(sections)) {
      process.stdout.write(`\n${markdown}\n`)
      text = replaceSection(text, key, markdown)
      log(`wrote the ${key} section of ${path.relative(root, resultsFile)}`)
    }
    fs.writeFileSync(resultsFile, text)
  } finally {
    process.off('SIGINT', stop)
    process.off('SIGTERM', stop)
    fs.rmSync(work, { recursive: true, force: true })
  }
}
// bench/.work itself goes too when nothing else is in it.
fs.rmSync(lockFile, { force: true })
try {
  fs.rmdirSync(path.join(root, 'bench', '.work'))
} catch {
  // not empty, or already gone
}
