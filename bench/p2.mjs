// P2, P2b and P4: the action's Go caches across runs, against the loopback results service
// (cache v2 twirp) with Azurite behind the signed URLs — the services the e2e tests use — and the
// cost of `go mod verify` on a module with real dependencies.
//
// One cold job at commit 0, then `rounds` jobs, each after a one-line change committed to
// examples/hello. Every job is dist/main.js then dist/post.js spawned like a runner spawns them,
// with empty local caches (a fresh runner), so what it has comes from the cache service. Each
// job is followed by the link-only floor: a sequential loop of plain `go build`s of the same
// targets at the same commit with a local GOCACHE that is fully warm from the previous commit.
import * as fs from 'node:fs'
import * as path from 'node:path'
import {
  isNoisy,
  machineLines,
  measure,
  measureRounds,
  median,
  medianBasis,
  mib,
  NOISE_SHARE,
  parseDuration,
  ratio,
  roundsForMedian,
  run,
  seconds,
  table,
  waitForQuiet
} from './lib.mjs'
import { baseEnv, fresh, goBuildArgs, parseStageTimes, targetEnv, TARGETS } from './p1.mjs'
import { startAzurite } from '../build/__tests__/services/azurite.js'
import { runnerEnvFor, startResultsService } from '../build/__tests__/services/results-service.js'
import { runStep } from '../build/__tests__/fakes/runner.js'

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'bench',
  GIT_AUTHOR_EMAIL: 'bench@example.invalid',
  GIT_COMMITTER_NAME: 'bench',
  GIT_COMMITTER_EMAIL: 'bench@example.invalid'
}
const VERIFY_RUNS = 5

/** Total bytes of the files below dir (what a cache of the folder would hold). */
export function dirBytes(dir) {
  let total = 0
  if (!fs.existsSync(dir)) return 0
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) total += fs.statSync(path.join(entry.parentPath, entry.name)).size
  }
  return total
}

/** Removes a tree even when Go left it read-only (module cache folders are 0555). */
export function removeTree(dir) {
  if (!fs.existsSync(dir)) return
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isDirectory()) fs.chmodSync(path.join(entry.parentPath, entry.name), 0o755)
  }
  fs.rmSync(dir, { recursive: true, force: true })
}

export async function git(cwd, args) {
  return (await run('git', args, { cwd, env: { ...process.env, ...GIT_ENV } })).stdout.trim()
}

/** The one-line change of round n: the text versionString prints. */
export function editProgram(module, n) {
  const file = path.join(module, 'main.go')
  const text = fs.readFileSync(file, 'utf8')
  const line = /^\treturn fmt\.Sprintf\("hello %s \(%s, %s\)[^"]*"/m
  if (!line.test(text)) throw new Error(`${file}: the line P2 changes is gone; update bench/p2.mjs`)
  fs.writeFileSync(file, text.replace(line, `\treturn fmt.Sprintf("hello %s (%s, %s) #${n}"`))
}

/** Sizes the action logs ("12.3 MiB") → bytes; only for the table, the bench measures its own. */
function parseSize(text) {
  const m = /^(\d+(?:\.\d+)?) (B|KiB|MiB)$/.exec(text)
  if (!m) throw new Error(`not a size: ${text}`)
  return Number(m[1]) * { B: 1, KiB: 1024, MiB: 1024 * 1024 }[m[2]]
}

/** What one job logged about its build cache: the base (large, per go.sum) and the commit's layer. */
function parseCacheLines(mainOut, postOut) {
  const restoreLine = label =>
    new RegExp(
      `^${label}: (?:exact hit|restored from an earlier key) (\\S+) \\((.+?)\\) in (\\S+)$`,
      'm'
    ).exec(mainOut)
  const saveLine = label =>
    new RegExp(`^${label}: saved (\\S+) \\((.+?)\\) in (\\S+)$`, 'm').exec(postOut)
  const base = restoreLine('build cache base')
  const layer = restoreLine('build cache')
  const used =
    /^build cache: restored (.+?), used (.+?) \((\d+) entries\), dropped (.+?) \((\d+) entries/m.exec(
      postOut
    )
  const baseSaved = saveLine('build cache base')
  const layerSaved = saveLine('build cache')
  return {
    baseKey: base?.[1],
    baseRestoredBytes: base ? parseSize(base[2]) : 0,
    restoredKey: layer?.[1],
    layerRestoredBytes: layer ? parseSize(layer[2]) : 0,
    usedBytes: used ? parseSize(used[2]) : undefined,
    usedEntries: used ? Number(used[3]) : undefined,
    droppedBytes: used ? parseSize(used[4]) : undefined,
    droppedEntries: used ? Number(used[5]) : undefined,
    baseSavedBytes: baseSaved ? parseSize(baseSaved[2]) : 0,
    savedKey: layerSaved?.[1],
    layerSavedBytes: layerSaved ? parseSize(layerSaved[2]) : 0,
    saveMs:
      (baseSaved ? parseDuration(baseSaved[3]) : 0) +
      (layerSaved ? parseDuration(layerSaved[3]) : 0)
  }
}

/**
 * One job on a fresh runner: main, then post (post-if: success()). Returns the measurements of
 * both steps, the stage times, the cache lines and the bytes left in GOCACHE after the post step
 * (what it saved).
 */
export async function job({
  root,
  module,
  runner,
  service,
  azurite,
  inputs = {},
  post = true,
  env: extraEnv = {},
  warnings = false
}) {
  removeTree(runner.gocache)
  removeTree(runner.gomodcache)
  const sha = await git(module, ['rev-parse', 'HEAD'])
  const env = {
    ...runnerEnvFor(service),
    GOCACHE: runner.gocache,
    GOMODCACHE: runner.gomodcache,
    GOPROXY: 'off',
    GITHUB_EVENT_NAME: 'push',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_EVENT_PATH: runner.eventFile,
    GITHUB_SHA: sha,
    ...extraEnv
  }
  const allInputs = { targets: TARGETS.join(','), ...inputs }
  const gate = await waitForQuiet()
  const companions = [azurite.pid]
  const main = await measure(
    () => runStep(path.join(root, 'dist', 'main.js'), allInputs, { workspace: module, env }),
    { companions }
  )
  const mainOut = main.result.stdout + main.result.stderr
  if (main.result.code !== 0 || (warnings ? /::error/ : /::(warning|error)/).test(mainOut)) {
    throw new Error(`the main step failed or warned:\n${mainOut.slice(-4000)}`)
  }
  let postStep
  let postOut = ''
  if (post) {
    postStep = await measure(
      () =>
        runStep(path.join(root, 'dist', 'post.js'), allInputs, {
          workspace: module,
          env,
          state: main.result.state
        }),
      { companions }
    )
    postOut = postStep.result.stdout + postStep.result.stderr
    if (postStep.result.code !== 0 || /::(warning|error)/.test(postOut)) {
      throw new Error(`the post step failed or warned:\n${postOut.slice(-4000)}`)
    }
  }
  const both = [main, postStep].filter(Boolean)
  const sum = key => both.reduce((total, m) => total + m[key], 0)
  return {
    gate,
    main,
    post: postStep,
    wallMs: sum('wallMs'),
    childCpuMs: sum('childCpuMs'),
    azuriteCpuMs: sum('companionCpuMs'),
    otherCpuMs: sum('otherCpuMs'),
    stages: parseStageTimes(mainOut),
    cache: parseCacheLines(mainOut, postOut),
    version: main.result.outputs.version,
    cacheHit: main.result.outputs['cache-hit'],
    gocacheBytes: dirBytes(runner.gocache)
  }
}

/** The link-only floor: plain go builds of every target with the warm local GOCACHE. */
async function floor({ module, gocache, out, version }) {
  const gate = await waitForQuiet()
  const m = await measure(async () => {
    for (const target of TARGETS) {
      const id = target.replaceAll('/', '_')
      const exe = target.startsWith('windows/') ? 'hello.exe' : 'hello'
      await run('go', goBuildArgs(version, path.join(out, id, exe)), {
        cwd: module,
        env: { ...baseEnv(gocache), ...targetEnv(target) }
      })
    }
  })
  return { ...m, gate }
}

/** `go mod verify` on the fixture with real dependencies, its module cache filled first. */
async function modVerifyCost({ root, work, log }) {
  const module = path.join(work, 'deps')
  fs.cpSync(path.join(root, '__tests__', 'fixtures', 'deps'), module, { recursive: true })
  const gomodcache = fresh(path.join(work, 'gomod-verify'))
  const env = {
    ...baseEnv(fresh(path.join(work, 'gocache-verify'))),
    GOMODCACHE: gomodcache,
    GOPROXY: `file://${path.join(root, '__tests__', 'fixtures', 'goproxy')}`,
    GOFLAGS: '-modcacherw'
  }
  await run('go', ['mod', 'download'], { cwd: module, env })
  const modules = (await run('go', ['list', '-m', 'all'], { cwd: module, env })).stdout
    .trim()
    .split('\n')
    .slice(1)
  const runs = []
  for (let i = 0; i < VERIFY_RUNS; i++) {
    await waitForQuiet()
    const m = await measure(() => run('go', ['mod', 'verify'], { cwd: module, env }))
    if (!/all modules verified/.test(m.result.stdout + m.result.stderr)) {
      throw new Error(`go mod verify said: ${m.result.stdout}${m.result.stderr}`)
    }
    runs.push(m)
  }
  const result = {
    modules,
    bytes: dirBytes(gomodcache),
    wallMs: median(runs.map(m => m.wallMs)),
    cpuMs: median(runs.map(m => m.childCpuMs))
  }
  log(
    `P2: go mod verify of ${modules.length} modules (${mib(result.bytes)}): median ${seconds(result.wallMs)} wall`
  )
  removeTree(gomodcache)
  return result
}

/** Runs P2/P2b/P4; returns the markdown of its RESULTS.md section. */
export async function p2({ root, work, rounds, retries, facts, log }) {
  const cores = facts.nproc
  const module = path.join(work, 'hello')
  fs.cpSync(path.join(root, 'examples', 'hello'), module, {
    recursive: true,
    filter: src => path.basename(src) !== 'dist'
  })
  await git(module, ['init', '-q', '-b', 'main'])
  await git(module, ['add', '-A'])
  await git(module, ['commit', '-qm', 'commit 0'])
  const eventFile = path.join(work, 'event.json')
  fs.writeFileSync(eventFile, JSON.stringify({ repository: { default_branch: 'main' } }))
  const runner = {
    gocache: path.join(work, 'runner', 'go-build'),
    gomodcache: path.join(work, 'runner', 'go-mod'),
    eventFile
  }
  const floorCache = path.join(work, 'gocache-floor')
  const out = path.join(work, 'out-floor')

  const azurite = await startAzurite()
  let service
  try {
    service = await startResultsService({ azurite })
    log('P2: cold job at commit 0…')
    const cold = await job({ root, module, runner, service, azurite })
    log(
      `  cold: ${seconds(cold.wallMs)} whole, building ${seconds(cold.stages['building binaries'])}`
    )
    // The floor's cache: everything the cold job compiled, completed by one untimed plain loop at
    // commit 0 so that only the one-line change is left for the timed floor builds to compile.
    fs.cpSync(runner.gocache, floorCache, { recursive: true, preserveTimestamps: true })
    await floor({ module, gocache: floorCache, out: fresh(out), version: cold.version })

    const measured = await measureRounds(
      {
        rounds,
        retries,
        log,
        noisy: r => isNoisy(r.a.main, cores) || isNoisy(r.a.post, cores) || isNoisy(r.floor, cores)
      },
      async n => {
        editProgram(module, n)
        await git(module, ['commit', '-qam', `round ${n}: one-line change`])
        const a = await job({ root, module, runner, service, azurite })
        if (
          a.cache.baseKey === undefined ||
          a.cache.restoredKey === undefined ||
          a.cacheHit !== 'false' ||
          !a.cache.savedKey
        ) {
          throw new Error(
            `round ${n}: expected the base, the previous commit's layer and a saved layer (${JSON.stringify(a.cache)})`
          )
        }
        const f = await floor({ module, gocache: floorCache, out: fresh(out), version: a.version })
        const build = a.stages['building binaries']
        log(
          `  round ${n}: build ${seconds(build)} vs floor ${seconds(f.wallMs)} (${ratio(build / f.wallMs)}); whole ${seconds(a.wallMs)} (${ratio(a.wallMs / cold.wallMs)} of cold); layer saved ${mib(a.gocacheBytes)}`
        )
        return { n, a, floor: f }
      }
    )

    // P4's reference: the entries a build of the last commit needs, as a cold build makes them.
    log('P2: cold reference build of the last commit (cache: false)…')
    const reference = await job({
      root,
      module,
      runner,
      service,
      azurite,
      inputs: { cache: 'false' },
      post: false
    })
    const verify = await modVerifyCost({ root, work, log })
    return {
      sections: {
        p2: report({ cold, measured, reference, verify, facts, retries })
      },
      allNoisy: measured.every(r => r.noisy)
    }
  } finally {
    await service?.stop()
    await azurite.stop()
    removeTree(runner.gomodcache)
  }
}

function report({ cold, measured, reference, verify, facts, retries }) {
  const used = roundsForMedian(measured)
  const buildRatio = r => r.a.stages['building binaries'] / r.floor.wallMs
  const wholeRatio = r => r.a.wallMs / cold.wallMs
  const p2 = median(used.map(buildRatio))
  const p2b = median(used.map(wholeRatio))
  const last = measured.at(-1)
  // What the next job restores: the base (as the cold job saved it) and this round's layer.
  const restorable = r => cold.cache.baseSavedBytes + r.a.gocacheBytes
  const p4 = restorable(last) / reference.gocacheBytes
  const saved = measured.map(r => r.a.gocacheBytes)
  const growth = saved.at(-1) / saved[0]
  const maxOverMin = Math.max(...saved) / Math.min(...saved)
  const met = ok => (ok ? '**met**' : '**not met**')
  const rows = measured.map(r => [
    `${r.n}${r.noisy ? ' (noisy)' : ''}`,
    seconds(r.a.stages['restoring caches']),
    seconds(r.a.stages['building binaries']),
    seconds(r.floor.wallMs),
    ratio(buildRatio(r)),
    seconds(r.a.main.wallMs),
    seconds(r.a.post.wallMs),
    seconds(r.a.cache.saveMs),
    seconds(r.a.wallMs),
    ratio(wholeRatio(r)),
    seconds(r.a.azuriteCpuMs),
    seconds(r.a.otherCpuMs + r.floor.otherCpuMs)
  ])
  const sizeRows = measured.map(r => [
    `${r.n}`,
    `${mib(r.a.cache.baseRestoredBytes)} + ${mib(r.a.cache.layerRestoredBytes)}`,
    `${mib(r.a.cache.usedBytes)} (${r.a.cache.usedEntries})`,
    `${mib(r.a.cache.droppedBytes)} (${r.a.cache.droppedEntries})`,
    mib(r.a.gocacheBytes),
    mib(restorable(r))
  ])
  return [
    '## P2, P2b, P4: the Go caches across runs (examples/hello, 6 targets)',
    '',
    `Measured ${new Date().toISOString()} by \`npm run bench -- --only p2\` (a cold job, then ${measured.length} jobs each after a one-line change, each followed by the floor).`,
    ...machineLines(facts),
    `- every job: \`dist/main.js\` then \`dist/post.js\` spawned like a runner spawns them (push to main), on a fresh runner (empty GOCACHE and GOMODCACHE at the same paths), against the loopback results service (cache v2 twirp) with Azurite (blob store) in __tests__/services; targets ${TARGETS.join(', ')}, default inputs`,
    "- one-line change: the format string of `versionString` in main.go, committed; the next job restores the previous commit's build cache through its restore keys and saves its own",
    '- floor = a sequential loop of plain `go build -trimpath -ldflags="-s -w -X main.version=<same>"` of the 6 targets at the same commit, with a local GOCACHE fully warm from the previous commit (started as a copy of the cold job\'s cache and completed by one untimed loop): compile the changed package, link',
    "- 'Azurite CPU' = user+sys CPU of the Azurite process during the job (it stands in for the network and blob storage; counted apart, not as other processes' noise); the results service runs inside the bench process",
    "- 'build' = the action's own 'building binaries took …' line (0.1 s resolution); 'restore' = its 'restoring caches took' line (base, then layer); 'save' = its build cache 'saved … in' lines; whole = main step + post step wall, node start included",
    `- noise: a round in which other processes took more than ${NOISE_SHARE * 100} % of all cores' time during any of its runs is marked noisy, measured again (at most ${retries} extra rounds) and left out of the medians when clean rounds exist`,
    '',
    `Cold job at commit 0: whole ${seconds(cold.wallMs)} (main ${seconds(cold.main.wallMs)}, post ${seconds(cold.post.wallMs)}; building ${seconds(cold.stages['building binaries'])}; save ${seconds(cold.cache.saveMs)}); build cache base saved ${mib(cold.cache.baseSavedBytes)}; other CPU ${seconds(cold.otherCpuMs)}.`,
    '',
    table(
      [
        'round',
        'restore',
        'build',
        'floor',
        'build/floor',
        'main',
        'post',
        'save',
        'whole',
        'whole/cold',
        'Azurite CPU',
        'other CPU'
      ],
      rows
    ),
    '',
    `Medians ${medianBasis(measured, r => r.n)}: **P2** build/floor = **${ratio(p2)}** (goal ≤ 1.3: ${met(p2 <= 1.3)}); **P2b** whole second run / cold first run = **${ratio(p2b)}** (goal ≤ 0.10: ${met(p2b <= 0.1)}).`,
    '',
    "Build cache sizes per round: what the job restored, what it used and dropped (the action's own post-step log, entries counted), and what it saved (the bench's own sum of file sizes in GOCACHE after the post step):",
    '',
    table(
      [
        'round',
        'restored: base + layer',
        'used (entries)',
        'dropped (entries)',
        'layer saved',
        'next job restores'
      ],
      sizeRows
    ),
    '',
    `**P4**: what a job after round ${last.n} restores (base + layer) / GOCACHE of a cold build of the same commit (\`cache: false\`, fresh GOCACHE, the bench's own sum: ${mib(reference.gocacheBytes)}) = **${ratio(p4)}** (goal ≤ 1.10: ${met(p4 <= 1.1)}). Layer saved over ${saved.length} consecutive runs: last/first = ${ratio(growth)}, max/min = ${ratio(maxOverMin)} (goal: no growth: ${met(growth <= 1.01)}).`,
    '',
    `\`go mod verify\` on __tests__/fixtures/deps (${verify.modules.length} module${verify.modules.length === 1 ? '' : 's'}: ${verify.modules.join(', ')}; module cache ${mib(verify.bytes)}), median of ${VERIFY_RUNS}: ${seconds(verify.wallMs)} wall, ${seconds(verify.cpuMs)} CPU; ${ratio(verify.wallMs / median(used.map(r => r.a.wallMs)))} of a warm job's whole time above. The action runs it only after restoring a module cache.`
  ].join('\n')
}
