// P1: the action in local mode vs a sequential loop of plain `go build`, both with a cold Go
// build cache, on examples/hello for six targets; and both against the CPU-bound floor.
import * as fs from 'node:fs'
import * as path from 'node:path'
import {
  isNoisy,
  machineLines,
  measure,
  measureRounds,
  medianBasis,
  NOISE_SHARE,
  median,
  parseDuration,
  ratio,
  run,
  roundsForMedian,
  seconds,
  table,
  waitForQuiet
} from './lib.mjs'

/** The six targets of the issue, as the action spells them. */
export const TARGETS = [
  'linux/amd64',
  'linux/arm64',
  'linux/arm/7',
  'windows/amd64',
  'darwin/amd64',
  'darwin/arm64'
]

// Variables the loop sets per target; inherited values would change what is built.
const TARGET_VARIABLES = ['GOOS', 'GOARCH', 'GOARM', 'GOAMD64', 'GOARM64', 'GO386', 'CGO_ENABLED']

/** GOOS/GOARCH/GOARM of a target id like linux/arm/7. */
export function targetEnv(target) {
  const [goos, goarch, variant] = target.split('/')
  const env = { GOOS: goos, GOARCH: goarch, CGO_ENABLED: '0' }
  if (variant) env.GOARM = variant
  return env
}

export function baseEnv(gocache) {
  const env = { ...process.env, GOCACHE: gocache }
  for (const name of TARGET_VARIABLES) delete env[name]
  return env
}

/** Plain go build argv, the same flags the action passes by default. */
export function goBuildArgs(version, output) {
  return ['build', '-trimpath', `-ldflags=-s -w -X main.version=${version}`, '-o', output, '.']
}

/** A fresh, empty directory. */
export function fresh(dir) {
  fs.rmSync(dir, { recursive: true, force: true })
  fs.mkdirSync(dir, { recursive: true })
  return dir
}

/**
 * Checks once that cutime+cstime of /proc/self/stat count the grandchildren of a go build, by
 * comparing with /usr/bin/time's user+sys of the same process (wait4 rusage).
 */
async function verifyCpuAccounting(work, module, version, log) {
  const gocache = fresh(path.join(work, 'gocache-verify'))
  const out = path.join(work, 'verify', 'hello')
  const m = await measure(() =>
    run('/usr/bin/time', ['-f', 'TIME %U %S', 'go', ...goBuildArgs(version, out)], {
      cwd: module,
      env: { ...baseEnv(gocache), ...targetEnv('linux/amd64') }
    })
  )
  fs.rmSync(gocache, { recursive: true, force: true })
  const match = /TIME (\d+(?:\.\d+)?) (\d+(?:\.\d+)?)\s*$/.exec(m.result.stderr)
  if (!match) throw new Error(`/usr/bin/time printed no times: ${m.result.stderr}`)
  const timeMs = (Number(match[1]) + Number(match[2])) * 1000
  log(
    `cpu accounting check: /usr/bin/time says ${seconds(timeMs)} user+sys, cutime+cstime delta ${seconds(m.childCpuMs)}`
  )
  return { timeMs, procMs: m.childCpuMs, wallMs: m.wallMs }
}

/** Stage durations from the CLI's '<stage> took <duration>' lines. */
export function parseStageTimes(output) {
  const stages = {}
  for (const m of output.matchAll(/^(.+) took (\S+)$/gm)) stages[m[1]] = parseDuration(m[2])
  return stages
}

/** Per-target build times from the CLI's 'built <id> <binary> (<size>) in <duration>' lines. */
export function parseBuiltLines(output) {
  const built = {}
  for (const m of output.matchAll(/^built (\S+) \S+ \(.*\) in (\S+)$/gm)) {
    built[m[1]] = parseDuration(m[2])
  }
  return built
}

/** Measures one action run; `inputs` are extra `--name value` options (investigation variants). */
async function runAction({ root, module, work, label, inputs = [] }) {
  const gocache = fresh(path.join(work, `gocache-${label}`))
  const dist = path.join(work, `dist-${label}`)
  fs.rmSync(dist, { recursive: true, force: true })
  const args = [
    path.join(root, 'dist', 'cli.js'),
    '--working-directory',
    path.relative(root, module),
    '--targets',
    TARGETS.join(','),
    '--dist',
    dist,
    ...inputs.flatMap(({ name, value }) => [`--${name}`, value])
  ]
  const gate = await waitForQuiet()
  const m = await measure(() => run(process.execPath, args, { cwd: root, env: baseEnv(gocache) }))
  const output = m.result.stdout + m.result.stderr
  const stages = parseStageTimes(output)
  const version = /^version: (\S+)$/m.exec(output)?.[1]
  const checksums = fs.readFileSync(path.join(dist, 'checksums.txt'), 'utf8').trim().split('\n')
  if (!version || checksums.length !== TARGETS.length || !('building binaries' in stages)) {
    throw new Error(`the action's output is not what the bench expects:\n${output}`)
  }
  // The build must have been cold: go used the empty cache this run was given, not another one.
  const logged = /GOCACHE=(.+)$/m.exec(output)?.[1]?.trim()
  if ((logged !== undefined && logged !== gocache) || fs.readdirSync(gocache).length === 0) {
    throw new Error(
      `the action did not build with the fresh GOCACHE ${gocache} (it says ${logged})`
    )
  }
  fs.rmSync(gocache, { recursive: true, force: true })
  fs.rmSync(dist, { recursive: true, force: true })
  return { ...m, gate, stages, built: parseBuiltLines(output), version }
}

/** Measures the sequential loop of plain go builds. */
async function runLoop({ module, work, label, version }) {
  const gocache = fresh(path.join(work, `gocache-${label}`))
  const out = fresh(path.join(work, `out-${label}`))
  const perTarget = {}
  const gate = await waitForQuiet()
  const m = await measure(async () => {
    for (const target of TARGETS) {
      const id = target.replaceAll('/', '_')
      const exe = target.startsWith('windows/') ? 'hello.exe' : 'hello'
      const t = await measure(() =>
        run('go', goBuildArgs(version, path.join(out, id, exe)), {
          cwd: module,
          env: { ...baseEnv(gocache), ...targetEnv(target) }
        })
      )
      perTarget[id] = { wallMs: t.wallMs, cpuMs: t.childCpuMs }
    }
  })
  if (fs.readdirSync(gocache).length === 0) throw new Error(`go did not use GOCACHE ${gocache}`)
  fs.rmSync(gocache, { recursive: true, force: true })
  fs.rmSync(out, { recursive: true, force: true })
  return { ...m, gate, perTarget }
}

/** 'parallelism=1' → { label, inputs: [{ name: 'parallelism', value: '1' }] }. */
export function parseVariant(text) {
  const inputs = text.split(';').map(part => {
    const eq = part.indexOf('=')
    if (eq < 1) throw new Error(`--variant "${text}": expected input=value[;input=value]`)
    return { name: part.slice(0, eq).trim(), value: part.slice(eq + 1).trim() }
  })
  return { label: text, inputs }
}

/**
 * Runs P1. Returns the markdown of its RESULTS.md section, and of the p1-investigation section
 * when `variants` (action runs with other inputs, e.g. parallelism=1) were measured as well.
 */
export async function p1({ root, work, rounds, retries, facts, variants = [], log }) {
  const module = path.join(work, 'hello')
  fs.rmSync(module, { recursive: true, force: true })
  fs.cpSync(path.join(root, 'examples', 'hello'), module, {
    recursive: true,
    filter: src => path.basename(src) !== 'dist'
  })

  let version
  const cores = facts.nproc
  const pairs = await measureRounds(
    {
      rounds,
      retries,
      log,
      noisy: p => [p.a, p.b, ...p.variants].some(m => isNoisy(m, cores))
    },
    async round => {
      log(`P1 round ${round}: action (a)…`)
      const a = await runAction({ root, module, work, label: `a-${round}` })
      version ??= a.version
      log(
        `  a: ${seconds(a.wallMs)} wall, building ${seconds(a.stages['building binaries'])}, ${seconds(a.childCpuMs)} CPU, other ${seconds(a.otherCpuMs)}`
      )
      log(`P1 round ${round}: go build loop (b)…`)
      const b = await runLoop({ module, work, label: `b-${round}`, version })
      log(
        `  b: ${seconds(b.wallMs)} wall, ${seconds(b.childCpuMs)} CPU, other ${seconds(b.otherCpuMs)}`
      )
      const measured = []
      for (const [i, variant] of variants.entries()) {
        log(`P1 round ${round}: action with ${variant.label}…`)
        const v = await runAction({ root, module, work, label: `v${i}-${round}`, ...variant })
        log(
          `  ${variant.label}: ${seconds(v.wallMs)} wall, ${seconds(v.childCpuMs)} CPU, other ${seconds(v.otherCpuMs)}`
        )
        measured.push({ label: variant.label, ...v })
      }
      return { round, a, b, variants: measured }
    }
  )

  // After the rounds, so that it cannot warm anything the rounds measure.
  const check = await verifyCpuAccounting(work, module, version, log)
  return report({ pairs, cores, facts, check, version, retries })
}

const verdict = ok => (ok ? '**met**' : '**not met**')

/** Splits wall − floor (core-seconds ÷ cores) into extra CPU, idle cores and other processes. */
function decompose(run, floorMs, cores) {
  const usedMs = run.childCpuMs + run.selfCpuMs + run.otherCpuMs
  return {
    gapMs: run.wallMs - floorMs,
    extraCpuMs: (run.childCpuMs - floorMs * cores) / cores,
    idleMs: (run.wallMs * cores - usedMs) / cores,
    otherMs: (run.otherCpuMs + run.selfCpuMs) / cores
  }
}

function report({ pairs, cores, facts, check, version, retries }) {
  const floor = p => p.b.childCpuMs / cores
  const build = p => p.a.stages['building binaries']
  const gate = g => (g.quiet ? `${seconds(g.waitedMs)}` : `${seconds(g.waitedMs)}, not quiet`)
  const roundLabel = p => (p.noisy ? `${p.round} (noisy)` : String(p.round))
  const rows = pairs.map(p => [
    roundLabel(p),
    seconds(p.a.wallMs),
    seconds(build(p)),
    seconds(p.a.childCpuMs),
    seconds(p.b.wallMs),
    seconds(p.b.childCpuMs),
    seconds(floor(p)),
    ratio(p.a.wallMs / p.b.wallMs),
    ratio(p.a.wallMs / floor(p)),
    ratio(build(p) / floor(p)),
    ratio(p.a.childCpuMs / p.b.childCpuMs),
    `${seconds(p.a.otherCpuMs)} / ${seconds(p.b.otherCpuMs)}`,
    `${gate(p.a.gate)} / ${gate(p.b.gate)}`
  ])
  const counted = roundsForMedian(pairs)
  const med = f => median(counted.map(f))
  const countedText = medianBasis(pairs)
  const medAB = med(p => p.a.wallMs / p.b.wallMs)
  const medAFloor = med(p => p.a.wallMs / floor(p))
  const medBuildFloor = med(p => build(p) / floor(p))

  const stageNames = [...new Set(pairs.flatMap(p => Object.keys(p.a.stages)))]
  const stageRows = stageNames.map(name => [
    name,
    ...pairs.map(p => (name in p.a.stages ? seconds(p.a.stages[name]) : '–'))
  ])
  const ids = Object.keys(pairs[0].b.perTarget)
  const targetRows = ids.map(id => [
    id,
    ...pairs.map(p => {
      const t = p.b.perTarget[id]
      return `${seconds(t.wallMs)} / ${seconds(t.cpuMs)} / ${ratio(t.cpuMs / t.wallMs)}`
    }),
    ...pairs.map(p => (id in p.a.built ? seconds(p.a.built[id]) : '–'))
  ])
  const gapRows = pairs.map(p => {
    const d = decompose(p.a, floor(p), cores)
    return [
      roundLabel(p),
      seconds(d.gapMs),
      seconds(d.extraCpuMs),
      seconds(d.idleMs),
      seconds(d.otherMs),
      seconds(p.a.wallMs - build(p)),
      seconds(p.a.iowaitMs / cores)
    ]
  })

  const p1Lines = [
    '## P1: cold cross-build of examples/hello, 6 targets',
    '',
    `Measured ${new Date().toISOString()} by \`npm run bench\` (${pairs.length} rounds, a then b in every round${pairs[0].variants.length > 0 ? ', then the variants of the P1 investigation section' : ''}).`,
    ...machineLines(facts),
    `- targets: ${TARGETS.join(', ')}; version stamp \`${version}\` in both`,
    '- (a) `node dist/cli.js --working-directory <copy of examples/hello> --targets … --dist <fresh dir>`: default ldflags `-s -w -X main.version={{.Version}}`, default parallelism (= cores), archives (zip for windows, tar.gz else) and checksums.txt included',
    '- (b) for each target in turn: `go build -trimpath -ldflags="-s -w -X main.version=<same>" -o <out> .` with GOOS/GOARCH/GOARM and CGO_ENABLED=0',
    '- both: a fresh empty GOCACHE per measured run; the module has no dependencies',
    `- floor = (b's user+sys CPU of all child processes) / ${cores} cores: the wall time of b's work if it kept every core busy. CPU comes from cutime+cstime of /proc/self/stat read before and after a run (the kernel adds every reaped child, with its own reaped children such as go's compile and link processes, to the parent's cutime/cstime; ticks of 1/${facts.clkTck} s). Checked once after the rounds on a cold linux/amd64 \`go build\` wrapped in /usr/bin/time (wait4 rusage): time says ${seconds(check.timeMs)} user+sys, /proc says ${seconds(check.procMs)} (difference ${ratio((Math.abs(check.procMs - check.timeMs) / check.timeMs) * 100)} %).`,
    "- 'building' = the CLI's own 'building binaries took …' line (go mod download + all go builds); whole seconds above one minute",
    `- 'other CPU' = busy time of all CPUs (/proc/stat, steal excluded) during the run minus the bench's and its children's: what other processes on the machine used meanwhile. Before every run the bench waits (at most 45 s) for a second in which the CPUs are < 10 % busy ('quiet wait'). A round in which other processes took more than ${NOISE_SHARE * 100} % of all cores' time during any of its runs is marked noisy, measured again (at most ${retries} extra rounds), and left out of the medians when clean rounds exist`,
    '',
    table(
      [
        'round',
        'a wall',
        'a building',
        'a CPU',
        'b wall',
        'b CPU',
        'floor',
        'a/b',
        'a/floor',
        'building/floor',
        'a CPU / b CPU',
        'other CPU a / b',
        'quiet wait a / b'
      ],
      rows
    ),
    '',
    `Medians ${countedText}: a/b = **${ratio(medAB)}** (goal ≤ 1: ${verdict(medAB <= 1)}); median a/floor = **${ratio(medAFloor)}** (goal ≤ 1.05: ${verdict(medAFloor <= 1.05)}); median building/floor = ${ratio(medBuildFloor)}.`,
    '',
    "Where a's time above the floor goes, per round, in seconds of wall time (core-seconds ÷ cores; the first three add up to the gap): extra CPU = a's CPU − b's CPU; idle = cores × a wall − all CPU used on the machine (waiting: serial steps of go build, the last build alone, I/O); other = other processes and the bench itself. 'not building' = a wall − a's building stage (node start, resolve, verify, packaging, checksums); 'iowait' = CPUs' iowait ÷ cores during a.",
    '',
    table(['round', 'a − floor', 'extra CPU', 'idle', 'other', 'not building', 'iowait'], gapRows),
    '',
    "Stages of (a), from the CLI's 'took' lines, per round:",
    '',
    table(['stage', ...pairs.map(p => `round ${p.round}`)], stageRows),
    '',
    "Per target: (b) wall / CPU / cores in use (CPU ÷ wall) of each `go build`, then (a)'s 'built … in' time, per round (a builds two at a time, so its per-target times overlap):",
    '',
    table(
      ['target', ...pairs.map(p => `b round ${p.round}`), ...pairs.map(p => `a round ${p.round}`)],
      targetRows
    )
  ]
  const sections = { p1: p1Lines.join('\n') }

  if (pairs[0].variants.length > 0) {
    const labels = pairs[0].variants.map(v => v.label)
    const variantRows = pairs.flatMap(p =>
      [{ label: '(a) defaults', ...p.a }, ...p.variants].map(v => {
        const d = decompose(v, floor(p), cores)
        return [
          roundLabel(p),
          v.label,
          seconds(v.wallMs),
          seconds(v.stages['building binaries']),
          seconds(v.childCpuMs),
          ratio(v.wallMs / p.a.wallMs),
          ratio(v.wallMs / p.b.wallMs),
          ratio(v.wallMs / floor(p)),
          ratio(v.childCpuMs / p.b.childCpuMs),
          seconds(d.idleMs),
          seconds(v.otherCpuMs)
        ]
      })
    )
    const medians = labels.map(label => {
      const of = p => p.variants.find(v => v.label === label)
      return `\`${label}\`: variant/a ${ratio(med(p => of(p).wallMs / p.a.wallMs))}, variant/floor ${ratio(med(p => of(p).wallMs / floor(p)))}, variant CPU / b CPU ${ratio(med(p => of(p).childCpuMs / p.b.childCpuMs))}`
    })
    sections['p1-investigation'] = [
      '## P1 investigation: the action with other inputs',
      '',
      `Measured ${new Date().toISOString()} by \`npm run bench -- --only p1 ${labels.map(l => `--variant '${l}'`).join(' ')}\`: in every round (a), (b) and then each variant, all with a cold GOCACHE; (a), (b) and floor are defined as in the P1 section. Inputs are passed as \`--<input> <value>\` to dist/cli.js. Noisy rounds as there.`,
      ...machineLines(facts),
      `- (b) in these rounds: ${pairs.map(p => `round ${roundLabel(p)}: ${seconds(p.b.wallMs)} wall, ${seconds(p.b.childCpuMs)} CPU, floor ${seconds(floor(p))}`).join('; ')}`,
      '',
      table(
        [
          'round',
          'run',
          'wall',
          'building',
          'CPU',
          '/ a wall',
          '/ b wall',
          '/ floor',
          'CPU / b CPU',
          'idle',
          'other CPU'
        ],
        variantRows
      ),
      '',
      `Medians ${countedText}: ${medians.join('; ')}.`
    ].join('\n')
  }
  return { sections, allNoisy: pairs.every(p => p.noisy), medAB, medAFloor, medBuildFloor }
}
