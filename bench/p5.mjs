// P5: the project's packaging and checksumming (writeArchive + hashFile, two at a time as the
// stages do) vs sequential `tar czf` per target and one `sha256sum` over the archives.
import { execFileSync, spawn } from 'node:child_process'
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
  mib,
  ratio,
  run,
  roundsForMedian,
  seconds,
  table,
  waitForQuiet
} from './lib.mjs'
import { fresh, TARGETS } from './p1.mjs'
import * as archive from '../build/src/archive.js'

const VERSION = '0.0.0-bench'
// writeArchive's deflate level (tar.gz and zip); the constant exists since commit 08780cb, which
// lowered it from 9, the level before it.
const LEVEL = archive.DEFLATE_LEVEL ?? 9
// Any fixed time: the archives' member mtimes (writeArchive is given the commit time).
const EPOCH = 1_700_000_000

/** Builds the six binaries once with the user's (warm) build cache; P5 does not time builds. */
async function buildBinaries(module, binDir, log) {
  log('P5: building the six binaries (not timed)…')
  const binaries = []
  for (const target of TARGETS) {
    const [goos, goarch, variant] = target.split('/')
    const id = target.replaceAll('/', '_')
    const name = goos === 'windows' ? 'hello.exe' : 'hello'
    const out = path.join(binDir, id, name)
    const env = { ...process.env, GOOS: goos, GOARCH: goarch, CGO_ENABLED: '0' }
    delete env.GOARM
    if (variant) env.GOARM = variant
    await run(
      'go',
      ['build', '-trimpath', `-ldflags=-s -w -X main.version=${VERSION}`, '-o', out, '.'],
      { cwd: module, env }
    )
    binaries.push({ id, goos, dir: path.dirname(out), name, path: out })
  }
  return binaries
}

/** (a): the project's writeArchive + hashFile in a fresh node process. */
async function runOwn({ root, work, binaries, module, format, label, round }) {
  const dist = fresh(path.join(work, `dist-${label}-${round}`))
  const archives = binaries.map(b => {
    const ext = format === 'auto' ? (b.goos === 'windows' ? 'zip' : 'tar.gz') : format
    return {
      id: b.id,
      format: ext,
      dest: path.join(dist, `hello_${VERSION}_${b.id}.${ext}`),
      entries: [
        { name: b.name, source: b.path, mode: 0o755 },
        { name: 'LICENSE', source: path.join(module, 'LICENSE'), mode: 0o644 },
        { name: 'README.md', source: path.join(module, 'README.md'), mode: 0o644 }
      ]
    }
  })
  const jobFile = path.join(work, `job-${label}-${round}.json`)
  fs.writeFileSync(jobFile, JSON.stringify({ archives, dist, epoch: EPOCH, parallelism: 2 }))
  const m = await measure(() =>
    run(process.execPath, [path.join(root, 'bench', 'p5-pack.mjs'), jobFile], { cwd: root })
  )
  const inner = JSON.parse(m.result.stdout)
  const sizes = Object.fromEntries(archives.map((a, i) => [a.id, inner.sizes[i]]))
  checkChecksums(dist, archives.length)
  fs.rmSync(dist, { recursive: true, force: true })
  return { ...m, inner, sizes }
}

/** (b): `tar czf` per target, then one `sha256sum`; `level9` pipes `tar cf -` into `gzip -9`. */
async function runTools({ work, binaries, module, label, round, level9 = false }) {
  const dist = fresh(path.join(work, `dist-${label}-${round}`))
  const names = binaries.map(b => `hello_${VERSION}_${b.id}.tar.gz`)
  const m = await measure(async () => {
    for (const [i, b] of binaries.entries()) {
      const members = ['-C', b.dir, b.name, '-C', module, 'LICENSE', 'README.md']
      const dest = path.join(dist, names[i])
      if (level9) await tarGzip9(members, dest)
      else await run('tar', ['czf', dest, ...members])
    }
    const sums = await run('sha256sum', names, { cwd: dist })
    fs.writeFileSync(path.join(dist, 'checksums.txt'), sums.stdout)
  })
  const sizes = Object.fromEntries(
    binaries.map((b, i) => [b.id, fs.statSync(path.join(dist, names[i])).size])
  )
  checkChecksums(dist, binaries.length)
  fs.rmSync(dist, { recursive: true, force: true })
  return { ...m, sizes }
}

/** `tar cf - <members> | gzip -9 > dest` with two argv-array processes and a pipe, no shell. */
async function tarGzip9(members, dest) {
  const out = fs.openSync(dest, 'w')
  try {
    const tar = spawn('tar', ['cf', '-', ...members], { stdio: ['ignore', 'pipe', 'inherit'] })
    const gzip = spawn('gzip', ['-9'], { stdio: [tar.stdout, out, 'inherit'] })
    // gzip holds the pipe now; our end would keep tar's 'close' from ever firing.
    tar.stdout.destroy()
    // 'exit' comes once the child is reaped, which is all the CPU accounting needs.
    const exit = child =>
      new Promise((resolve, reject) => {
        child.on('error', reject)
        child.on('exit', code => (code === 0 ? resolve() : reject(new Error(`exited ${code}`))))
      })
    await Promise.all([exit(tar), exit(gzip)])
  } finally {
    fs.closeSync(out)
  }
}

/** The checksums file lists every archive with a digest sha256sum agrees with. */
function checkChecksums(dist, count) {
  const text = fs.readFileSync(path.join(dist, 'checksums.txt'), 'utf8')
  if (text.trim().split('\n').length !== count) throw new Error(`checksums.txt in ${dist}: ${text}`)
  execFileSync('sha256sum', ['--strict', '--quiet', '-c', 'checksums.txt'], { cwd: dist })
}

/** Runs P5 and returns the markdown body of its RESULTS.md section. */
export async function p5({ root, work, rounds, retries, facts, log }) {
  const module = path.join(root, 'examples', 'hello')
  const binaries = await buildBinaries(module, fresh(path.join(work, 'bin')), log)
  const binarySizes = binaries.map(b => fs.statSync(b.path).size)

  const rows = await measureRounds(
    {
      rounds,
      retries,
      log,
      noisy: r => [r.a, r.b, r.auto, r.b9].some(m => isNoisy(m, facts.nproc))
    },
    async round => {
      log(`P5 round ${round}`)
      const gate = await waitForQuiet({ maxMs: 30_000 })
      const common = { root, work, binaries, module, round }
      const a = await runOwn({ ...common, format: 'tar.gz', label: 'a' })
      const b = await runTools({ ...common, label: 'b' })
      const auto = await runOwn({ ...common, format: 'auto', label: 'auto' })
      const b9 = await runTools({ ...common, label: 'b9', level9: true })
      const zlib = JSON.parse(
        (
          await run(process.execPath, [
            path.join(root, 'bench', 'p5-zlib.mjs'),
            ...binaries.map(bin => bin.path)
          ])
        ).stdout
      )
      log(
        `  a ${seconds(a.wallMs)}, b ${seconds(b.wallMs)}, a(auto) ${seconds(auto.wallMs)}, b(gzip -9) ${seconds(b9.wallMs)}; zlib level 9 / 6 CPU ${ratio(zlib[9].cpuMs / zlib[6].cpuMs)}`
      )
      return { round, gate, a, b, auto, b9, zlib }
    }
  )
  for (const key of ['a', 'b', 'auto', 'b9']) {
    const first = JSON.stringify(rows[0][key].sizes)
    if (rows.some(r => JSON.stringify(r[key].sizes) !== first)) {
      throw new Error(`P5: the ${key} archives differ in size between rounds`)
    }
  }
  return report({ rows, facts, binaries, binarySizes, retries })
}

function report({ rows, facts, binaries, binarySizes, retries }) {
  const counted = roundsForMedian(rows)
  const med = f => median(counted.map(f))
  const countedText = medianBasis(rows)
  const roundLabel = r => (r.noisy ? `${r.round} (noisy)` : String(r.round))
  const medAB = med(r => r.a.wallMs / r.b.wallMs)
  const medAutoB = med(r => r.auto.wallMs / r.b.wallMs)
  const medB9B = med(r => r.b9.wallMs / r.b.wallMs)
  const medAB9 = med(r => r.a.wallMs / r.b9.wallMs)
  const medInnerAB = med(r => r.a.inner.totalMs / r.b.wallMs)
  const last = rows[rows.length - 1]
  const total = sizes => Object.values(sizes).reduce((x, y) => x + y, 0)
  const tools = `${execFileSync('tar', ['--version'], { encoding: 'utf8' }).split('\n')[0]}, ${execFileSync('gzip', ['--version'], { encoding: 'utf8' }).split('\n')[0]}, ${execFileSync('sha256sum', ['--version'], { encoding: 'utf8' }).split('\n')[0]}`

  const lines = [
    '## P5: packaging + checksums of 6 binaries',
    '',
    `Measured ${new Date().toISOString()} by \`npm run bench\` (${rows.length} rounds; in every round, after waiting at most 30 s for a second in which the CPUs are < 10 % busy: a, b, a-auto, b-gzip9 in that order).`,
    ...machineLines(facts),
    `- ${tools}`,
    `- input: the 6 binaries of P1's targets (\`-s -w\`, ${mib(binarySizes.reduce((x, y) => x + y, 0))} together), each archived with examples/hello's LICENSE and README.md`,
    "- (a) the project's `writeArchive` (build/src/archive.js) to tar.gz for all 6, then `hashFile` (build/src/checksums.js) sha256 of the 6 archives and checksums.txt, each step through the stages' `forEachLimit` 2 at a time (the default parallelism on this machine), in a fresh `node` process like the CLI; wall time includes that process's start (the 'in-process' column does not)",
    '- (a-auto) the same with the real default format: zip for windows, tar.gz for the rest',
    '- (b) one `tar czf <archive> -C <bin dir> <binary> -C examples/hello LICENSE README.md` per target in turn, then one `sha256sum <6 archives>` written to checksums.txt',
    '- (b-gzip9) like b but `tar cf -` piped into `gzip -9` (two processes, argv arrays): the system tools at level 9',
    `- compression level: writeArchive deflates at level ${LEVEL} (DEFLATE_LEVEL of build/src/archive.js; zip entries too); \`tar czf\` runs gzip at its default level 6`,
    '- CPU = user+sys of the child processes (for a: the node process, including its zlib worker threads)',
    `- other CPU = what other processes on the machine used during the run (/proc/stat busy, steal excluded, minus ours; per-process and per-CPU accounting differ by a few ticks, so small negative values occur). A round in which that exceeds ${NOISE_SHARE * 100} % of all cores' time in any of its runs is marked noisy, measured again (at most ${retries} extra rounds), and left out of the medians when clean rounds exist`,
    '',
    table(
      [
        'round',
        'a wall',
        'a in-process',
        'a CPU',
        'b wall',
        'b CPU',
        'a-auto wall',
        'b-gzip9 wall',
        'a/b',
        'a-auto/b',
        'b-gzip9/b',
        'a/b-gzip9',
        'other CPU a / b / a-auto / b-gzip9',
        'quiet wait'
      ],
      rows.map(r => [
        roundLabel(r),
        seconds(r.a.wallMs),
        seconds(r.a.inner.totalMs),
        seconds(r.a.childCpuMs),
        seconds(r.b.wallMs),
        seconds(r.b.childCpuMs),
        seconds(r.auto.wallMs),
        seconds(r.b9.wallMs),
        ratio(r.a.wallMs / r.b.wallMs),
        ratio(r.auto.wallMs / r.b.wallMs),
        ratio(r.b9.wallMs / r.b.wallMs),
        ratio(r.a.wallMs / r.b9.wallMs),
        [r.a, r.b, r.auto, r.b9].map(m => seconds(m.otherCpuMs)).join(' / '),
        r.gate.quiet ? seconds(r.gate.waitedMs) : `${seconds(r.gate.waitedMs)}, not quiet`
      ])
    ),
    '',
    `Medians ${countedText}: a/b = **${ratio(medAB)}** (goal ≤ 1.2: ${medAB <= 1.2 ? '**met**' : '**not met**'}; in-process a / b = ${ratio(medInnerAB)}); a-auto/b = ${ratio(medAutoB)}; b-gzip9/b = ${ratio(medB9B)}; a/b-gzip9 = ${ratio(medAB9)}.`,
    '',
    "(a)'s split, in-process: packing / hashing per round: " +
      rows.map(r => `${seconds(r.a.inner.packMs)} / ${seconds(r.a.inner.hashMs)}`).join(', '),
    '',
    'Level 6 vs 9 in node:zlib (writeArchive deflated at 9 until commit 08780cb): `gzipSync` of the 6 binaries alone, one at a time, level 6 then level 9 per binary, in a separate node process after the four runs of each round; CPU of that process:',
    '',
    table(
      ['round', 'level 6 CPU', 'level 9 CPU', 'level 9 / level 6', 'level 6 size', 'level 9 size'],
      rows.map(r => [
        roundLabel(r),
        seconds(r.zlib[6].cpuMs),
        seconds(r.zlib[9].cpuMs),
        ratio(r.zlib[9].cpuMs / r.zlib[6].cpuMs),
        mib(r.zlib[6].bytes),
        mib(r.zlib[9].bytes)
      ])
    ),
    '',
    'Archive sizes (checked identical in every round):',
    '',
    table(
      ['target', 'binary', `a tar.gz (level ${LEVEL})`, 'a-auto', 'b tar czf (level 6)', 'b-gzip9'],
      [
        ...binaries.map((bin, i) => [
          bin.id,
          mib(binarySizes[i]),
          mib(last.a.sizes[bin.id]),
          mib(last.auto.sizes[bin.id]),
          mib(last.b.sizes[bin.id]),
          mib(last.b9.sizes[bin.id])
        ]),
        [
          'total',
          mib(binarySizes.reduce((x, y) => x + y, 0)),
          mib(total(last.a.sizes)),
          mib(total(last.auto.sizes)),
          mib(total(last.b.sizes)),
          mib(total(last.b9.sizes))
        ]
      ]
    )
  ]
  return { sections: { p5: lines.join('\n') }, allNoisy: rows.every(r => r.noisy), medAB }
}
