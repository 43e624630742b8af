// P8: Linux packages. (1) Making 6 linux targets × 3 formats (deb, rpm, apk) with the nFPM
// runner, as the packages stage does (one runner call, `parallelism` at a time), against packing
// the same 6 binaries into tar.gz archives with the project's writeArchive, interleaved in one
// run. (2) The runner's first-run cost: `go build` of nfpm/ with an empty GOCACHE (modules
// already in GOMODCACHE: a runner whose module cache was restored), with the GOCACHE that build
// left (a binary lost, its build cached), and a job that finds the binary built.
import * as fs from 'node:fs'
import * as path from 'node:path'
import {
  isNoisy,
  machineLines,
  measure,
  measureRounds,
  medianBasis,
  median,
  ratio,
  run,
  roundsForMedian,
  seconds,
  table,
  waitForQuiet
} from './lib.mjs'
import { fresh } from './p1.mjs'
import { writeArchive } from '../build/src/archive.js'
import { forEachLimit } from '../build/src/lib/concurrency.js'
import { nfpmInfo } from '../build/src/linux-packages.js'
import { parseInputs } from '../build/src/inputs/index.js'
import { ensureRunner, runnerSourceDir, runRunner } from '../build/src/nfpm-tool.js'
import { realProcess } from '../build/src/ports/process.js'

const TARGETS = [
  'linux/amd64',
  'linux/arm64',
  'linux/arm/7',
  'linux/386',
  'linux/ppc64le',
  'linux/riscv64'
]
const FORMATS = ['deb', 'rpm', 'apk']
const EPOCH = 1_700_000_000
const PARALLELISM = 2

export async function p8({ root, work, rounds, retries, facts, log }) {
  const cores = facts.nproc
  const module = path.join(root, 'examples', 'hello')
  const env = { ...process.env }
  for (const k of ['GOOS', 'GOARCH', 'GOARM']) delete env[k]
  log('P8: building the six linux binaries (not timed)…')
  const binaries = []
  for (const target of TARGETS) {
    const [goos, goarch, variant] = target.split('/')
    const id = target.replaceAll('/', '_')
    const out = path.join(work, 'bin', id, 'hello')
    await run('go', ['build', '-trimpath', '-ldflags=-s -w', '-o', out, '.'], {
      cwd: module,
      env: {
        ...env,
        GOOS: goos,
        GOARCH: goarch,
        CGO_ENABLED: '0',
        ...(variant ? { GOARM: variant } : {})
      }
    })
    binaries.push({ id, target: { goos, goarch, ...(variant ? { variant } : {}), id }, path: out })
  }
  const goVersion = (await run('go', ['env', 'GOVERSION'])).stdout.trim()
  const runner = await ensureRunner(realProcess, env, goVersion)

  // The set as the input parser makes it from the workflow's YAML.
  const parsed = parseInputs(
    name =>
      name === 'linux-packages'
        ? `- formats: [${FORMATS.join(', ')}]\n  package-name: hello\n  maintainer: Bench <bench@example.com>\n  description: bench\n  license: MIT`
        : '',
    { workspace: module, cpus: cores }
  )
  if (parsed.problems.length > 0) throw new Error(parsed.problems.join('\n'))
  const set = parsed.inputs.linuxPackages[0]
  const mtime = new Date(EPOCH * 1000).toISOString().replace('.000Z', 'Z')
  const packages = async dist => {
    const jobs = FORMATS.flatMap(format =>
      binaries.map(b => ({
        format,
        out: path.join(dist, `${b.id}.${format}`),
        info: nfpmInfo(
          set,
          { set: 0, format, target: b.target },
          '1.0.0',
          {
            packageName: 'hello',
            bindir: '/usr/bin',
            maintainer: set.maintainer,
            description: 'bench',
            homepage: '',
            mtime,
            contents: [],
            scripts: {}
          },
          [{ path: b.path, name: 'hello' }]
        )
      }))
    )
    const results = await runRunner(realProcess, runner.path, jobs, {
      cwd: module,
      env,
      parallelism: PARALLELISM
    })
    const failed = results.filter(r => r.error)
    if (failed.length > 0) throw new Error(`nFPM: ${failed[0].error}`)
    return jobs.length
  }
  const archives = async dist => {
    await forEachLimit(binaries, PARALLELISM, async b => {
      await writeArchive(
        'tar.gz',
        [{ name: 'hello', source: b.path, mode: 0o755 }],
        path.join(dist, `${b.id}.tar.gz`),
        new Date(EPOCH * 1000)
      )
    })
    return binaries.length
  }

  const all = await measureRounds(
    { rounds, retries, noisy: r => r.runs.some(m => isNoisy(m, cores)), log },
    async n => {
      await waitForQuiet()
      // Interleaved, alternating which goes first.
      const order = n % 2 ? ['archives', 'packages'] : ['packages', 'archives']
      const runs = {}
      for (const kind of order) {
        const dist = fresh(path.join(work, `dist-${kind}-${n}`))
        runs[kind] = await measure(() => (kind === 'packages' ? packages(dist) : archives(dist)))
        log(`  round ${n} ${kind}: ${seconds(runs[kind].wallMs)}`)
      }
      return { round: n, ...runs, runs: [runs.archives, runs.packages] }
    }
  )
  const used = roundsForMedian(all)
  const pkgMs = median(used.map(r => r.packages.wallMs))
  const arcMs = median(used.map(r => r.archives.wallMs))

  // The runner's build: empty GOCACHE, then the GOCACHE it left, then the binary found.
  log('P8: the nFPM runner, built with an empty GOCACHE…')
  const gocache = fresh(path.join(work, 'gocache'))
  const out = path.join(work, 'runner-cold')
  await waitForQuiet()
  const cold = await measure(() =>
    run('go', ['build', '-trimpath', '-o', out, '.'], {
      cwd: runnerSourceDir(),
      env: { ...env, GOCACHE: gocache, GOFLAGS: '-mod=readonly', CGO_ENABLED: '0' }
    })
  )
  fs.rmSync(out)
  await waitForQuiet()
  const warm = await measure(() =>
    run('go', ['build', '-trimpath', '-o', out, '.'], {
      cwd: runnerSourceDir(),
      env: { ...env, GOCACHE: gocache, GOFLAGS: '-mod=readonly', CGO_ENABLED: '0' }
    })
  )
  const found = await measure(() => ensureRunner(realProcess, env, goVersion))
  const cacheBytes = Number((await run('du', ['-sb', gocache])).stdout.split('\t')[0])

  const noisy = [cold, warm].some(m => isNoisy(m, cores))
  const body = [
    "## P8: Linux packages (nFPM runner) vs archives; the runner's first-run cost",
    '',
    `Measured ${new Date().toISOString()} by \`npm run bench -- --only p8\`.`,
    ...machineLines(facts),
    `- six linux targets (${TARGETS.join(', ')}) of examples/hello, built once (not timed); packages: deb, rpm and apk of each (18), one runner call with parallelism ${PARALLELISM}, as the packages stage makes them; archives: one tar.gz of each (6) with writeArchive, parallelism ${PARALLELISM}, as the archives stage packs them; interleaved, medians ${medianBasis(all)}`,
    '',
    table(
      ['what', 'files', 'median wall', 'per file', 'ratio to archives'],
      [
        [
          'archives (tar.gz)',
          String(binaries.length),
          seconds(arcMs),
          seconds(arcMs / binaries.length),
          '1.000'
        ],
        [
          'packages (deb, rpm, apk)',
          String(binaries.length * FORMATS.length),
          seconds(pkgMs),
          seconds(pkgMs / (binaries.length * FORMATS.length)),
          ratio(pkgMs / arcMs)
        ]
      ]
    ),
    '',
    table(
      ['the nFPM runner', 'wall', 'CPU', 'noisy'],
      [
        [
          'go build, empty GOCACHE (modules in GOMODCACHE)',
          seconds(cold.wallMs),
          seconds(cold.childCpuMs),
          cold && isNoisy(cold, cores) ? 'yes' : 'no'
        ],
        [
          `go build again, the GOCACHE it left (${(cacheBytes / 1024 / 1024).toFixed(1)} MiB)`,
          seconds(warm.wallMs),
          seconds(warm.childCpuMs),
          isNoisy(warm, cores) ? 'yes' : 'no'
        ],
        ['a job that finds the runner built', seconds(found.wallMs), seconds(found.childCpuMs), '—']
      ]
    ),
    '',
    `18 packages take ${ratio(pkgMs / arcMs)} times the wall of 6 archives: ${ratio(pkgMs / (binaries.length * FORMATS.length) / (arcMs / binaries.length))} times per file. A job without the runner's build in its GOCACHE pays ${seconds(cold.wallMs)} once (${ratio(cold.wallMs / pkgMs)} times the packaging itself); the action then saves the runner binary as its own Actions cache entry, which later runs restore instead of building it (the restore is not measured here); with its build cache kept, a rebuild takes ${seconds(warm.wallMs)}.${noisy ? ' **Noisy**: other processes used the CPUs during the runner builds.' : ''}`
  ]
  return { sections: { p8: body.join('\n') }, allNoisy: all.every(r => r.noisy) && noisy }
}
