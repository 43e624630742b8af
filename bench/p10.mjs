// P10: the two ways the templates could be rendered, side by side on one release's templates.
// Ours: the TypeScript interpreter (src/lib/go-template.ts) in the action's own process. The
// alternative: Go's text/template in a small helper built with the job's Go toolchain and called
// once per run with every target's templates (__tests__/oracle/gotemplate is that helper, with
// GoReleaser v2.16.0's functions), on a fresh runner's empty GOCACHE and on a warm one.
import { isDeepStrictEqual } from 'node:util'
import * as fs from 'node:fs'
import * as path from 'node:path'
import {
  isNoisy,
  machineLines,
  measure,
  measureRounds,
  median,
  medianBasis,
  ratio,
  roundsForMedian,
  run,
  seconds,
  table,
  waitForQuiet
} from './lib.mjs'
import { fresh } from './p1.mjs'
import { buildOracle, renderInGo } from '../build/__tests__/fakes/template-oracle.js'

// ffuf v2.2.1's release (.goreleaser.yml of the parity suite's first project): 16 targets, each
// with its ldflags, binary and archive name; the checksums file and the release are named once.
const TARGETS = [
  ...['linux', 'windows', 'freebsd', 'openbsd'].flatMap(os =>
    ['amd64', '386', 'arm', 'arm64']
      .filter(
        arch => !(os === 'freebsd' && arch === 'arm64') && !(os === 'windows' && arch === 'arm')
      )
      .map(arch => [os, arch])
  ),
  ['darwin', 'amd64'],
  ['darwin', 'arm64']
]
const PER_TARGET = [
  "-s -w -X github.com/ffuf/ffuf/v2/pkg/ffuf.VERSION={{ .Version }} -X github.com/ffuf/ffuf/v2/pkg/ffuf.VERSION_APPENDIX= -extldflags '-static'",
  'ffuf',
  '{{ .ProjectName }}_{{ .Version }}_{{- if eq .Os "darwin" }}macOS{{ else }}{{ .Os }}{{ end }}_{{- .Arch }}{{ with .Arm }}v{{ . }}{{ end }}'
]
const PER_RELEASE = ['{{ .ProjectName }}_{{ .Version }}_checksums.txt', '{{ .Tag }}']
const COMMIT = '3f1a2b4c5d6e7f8091a2b3c4d5e6f708192a3b4c'
const NOW = 1727784000 // the parity suite's commit date, 2024-10-01T12:00:00Z

function release() {
  return {
    ProjectName: { s: 'ffuf' },
    Version: { s: '2.2.1' },
    RawVersion: { s: '2.2.1' },
    Tag: { s: 'v2.2.1' },
    PreviousTag: { s: 'v2.2.0' },
    Major: { u: 2 },
    Minor: { u: 2 },
    Patch: { u: 1 },
    Prerelease: { s: '' },
    Commit: { s: COMMIT },
    FullCommit: { s: COMMIT },
    ShortCommit: { s: COMMIT.slice(0, 7) },
    CommitDate: { s: '2024-10-01T12:00:00Z' },
    CommitTimestamp: { i: NOW },
    Date: { s: '2024-10-01T12:00:00Z' },
    Timestamp: { i: NOW },
    Now: { t: NOW },
    Env: { m: {} },
    IsSnapshot: { b: false },
    IsGitDirty: { b: false },
    Summary: { s: 'v2.2.1' }
  }
}

/** One batch per target and one for the release: what one run renders. */
export function batches() {
  const targets = TARGETS.map(([os, arch]) => ({
    data: {
      ...release(),
      Os: { s: os },
      Arch: { s: arch },
      Arm: { s: arch === 'arm' ? '6' : '' },
      Arm64: { s: arch === 'arm64' ? 'v8.0' : '' },
      Amd64: { s: arch === 'amd64' ? 'v1' : '' },
      Mips: { s: '' },
      I386: { s: arch === '386' ? 'sse2' : '' },
      Target: { s: `${os}_${arch}${arch === 'arm' ? '_6' : arch === 'amd64' ? '_v1' : ''}` },
      Binary: { s: 'ffuf' }
    },
    now: NOW,
    cases: PER_TARGET
  }))
  return [...targets, { data: release(), now: NOW, cases: PER_RELEASE }]
}

export async function p10({ root, work, rounds, retries, facts, log }) {
  const cores = facts.nproc
  const jobs = batches()
  const templates = jobs.reduce((n, b) => n + b.cases.length, 0)
  const jobFile = path.join(work, 'job.json')
  fs.writeFileSync(jobFile, JSON.stringify({ batches: jobs }))
  const oracleDir = path.join(root, '__tests__', 'oracle', 'gotemplate')
  // The helper's modules (x/text, semver) would ship with the action: fetched before timing.
  await run('go', ['mod', 'download'], { cwd: oracleDir })

  const ours = async () => {
    const m = await measure(() =>
      run(process.execPath, [path.join(root, 'bench', 'p10-render.mjs'), jobFile], { cwd: root })
    )
    return { ...m, inner: JSON.parse(m.result.stdout) }
  }
  const helper = async (gocache, out) => {
    const env = { ...process.env, GOCACHE: gocache, GOFLAGS: '-mod=readonly', CGO_ENABLED: '0' }
    const build = await measure(() => buildOracle(root, out, env))
    const call = await measure(() => renderInGo(out, jobs))
    return { build, call, outcomes: call.result, wallMs: build.wallMs + call.wallMs }
  }

  const all = await measureRounds(
    {
      rounds,
      retries,
      noisy: r =>
        [r.ours, r.cold.build, r.cold.call, r.warm.build, r.warm.call].some(m => isNoisy(m, cores)),
      log
    },
    async n => {
      await waitForQuiet()
      const gocache = fresh(path.join(work, `gocache-${n}`))
      // Alternating which goes first; the warm helper build reuses the GOCACHE the cold one left.
      const round = { round: n }
      for (const kind of n % 2 ? ['ours', 'helper'] : ['helper', 'ours']) {
        if (kind === 'ours') round.ours = await ours()
        else {
          round.cold = await helper(gocache, path.join(work, `helper-cold-${n}`))
          round.warm = await helper(gocache, path.join(work, `helper-warm-${n}`))
        }
      }
      for (const h of [round.cold, round.warm])
        if (!isDeepStrictEqual(h.outcomes, round.ours.inner.outcomes))
          throw new Error('P10: the interpreter and Go rendered the release differently')
      fs.rmSync(gocache, { recursive: true, force: true })
      log(
        `  round ${n}: interpreter ${round.ours.inner.renderMs.toFixed(1)} ms (+ load ${round.ours.inner.loadMs.toFixed(1)} ms); helper cold ${seconds(round.cold.wallMs)}, warm ${seconds(round.warm.wallMs)}`
      )
      return round
    }
  )
  const used = roundsForMedian(all)
  const med = f => median(used.map(f))
  const oursMs = med(r => r.ours.inner.loadMs + r.ours.inner.renderMs)
  const renderMs = med(r => r.ours.inner.renderMs)
  const loadMs = med(r => r.ours.inner.loadMs)
  const processMs = med(r => r.ours.wallMs)
  const coldBuild = med(r => r.cold.build.wallMs)
  const coldCall = med(r => r.cold.call.wallMs)
  const coldMs = med(r => r.cold.wallMs)
  const warmBuild = med(r => r.warm.build.wallMs)
  const warmCall = med(r => r.warm.call.wallMs)
  const warmMs = med(r => r.warm.wallMs)
  const coldCpu = med(r => r.cold.build.childCpuMs + r.cold.call.childCpuMs)
  const ms = x => `${x.toFixed(1)} ms`

  const body = [
    '## P10: rendering the templates: our interpreter vs a Go text/template helper',
    '',
    `Measured ${new Date().toISOString()} by \`npm run bench -- --only p10\`.`,
    ...machineLines(facts),
    `- the templates of one release of ffuf v2.2.1 (the parity suite's config): for each of its ${TARGETS.length} targets the ldflags, the binary and the archive name (\`if eq .Os "darwin"\`, \`with .Arm\`, trim markers), then the checksums file and the release name: ${templates} templates in ${jobs.length} data sets; both engines gave the same ${templates} results in every round (checked)`,
    '- the interpreter: a fresh node process loads the engine (build/, compiled from src/) and renders them all; "load + render" is what a job pays, the process wall (node start included) is shown apart',
    `- the Go helper: __tests__/oracle/gotemplate (Go's text/template with GoReleaser v2.16.0's functions, golang.org/x/text and semver), \`go build\` with the job's Go, then one call that renders every data set; cold = an empty GOCACHE (a fresh runner's first run; its modules already in GOMODCACHE, as if shipped with the action), warm = the GOCACHE that build left; interleaved, medians ${medianBasis(all)}`,
    '',
    table(
      ['engine', 'build', 'render', 'total', 'total / interpreter'],
      [
        [
          'interpreter (TypeScript, in the action)',
          `load ${ms(loadMs)}`,
          ms(renderMs),
          ms(oursMs),
          '1.000'
        ],
        [
          'Go helper, empty GOCACHE',
          seconds(coldBuild),
          ms(coldCall),
          seconds(coldMs),
          ratio(coldMs / oursMs)
        ],
        [
          'Go helper, warm GOCACHE',
          seconds(warmBuild),
          ms(warmCall),
          seconds(warmMs),
          ratio(warmMs / oursMs)
        ]
      ]
    ),
    '',
    `The interpreter renders a release's ${templates} templates in ${ms(oursMs)} with its load (its whole node process: ${ms(processMs)}). The helper costs ${seconds(warmMs)} a run with a warm build cache (${ratio(warmMs / oursMs)} times) and ${seconds(coldMs)} with an empty one (${ratio(coldMs / oursMs)} times; ${seconds(coldCpu)} of CPU: an empty GOCACHE compiles all the helper imports, the standard library included), and it could only run once the Go toolchain is set up, where the interpreter checks every template before anything else happens. Hence the interpreter, held to Go's output by the differential test (__tests__/integration/go-template-differential.test.ts).`
  ]
  return { sections: { p10: body.join('\n') }, allNoisy: all.every(r => r.noisy) }
}
