// P7: the action against GoReleaser OSS on the parity suite's real projects, each read from its
// own .goreleaser.yml (`goreleaser-config: auto`), side by side in one run.
//
// Per project, taken from the Go module proxy at its release tag as the parity suite takes it
// (__tests__/fakes/parity-projects.ts): the action cold (a fresh runner: empty GOCACHE and
// GOMODCACHE, modules from the proxy, nothing in the cache service), then GoReleaser cold on the
// same commit (empty caches: it keeps none of its own), then a one-line change committed and
// tagged and the action's fresh-runner second run, restoring what its first job saved to the
// loopback results service (Azurite behind it). Both tools build with the same parallelism (the
// core count) and the same config.
import * as fs from 'node:fs'
import * as path from 'node:path'
import {
  isNoisy,
  machineLines,
  measure,
  mib,
  ratio,
  run,
  seconds,
  table,
  waitForQuiet
} from './lib.mjs'
import { git, job, removeTree } from './p2.mjs'
import { goreleaserBinary, GORELEASER_VERSION } from './p3.mjs'
import {
  checkout,
  GORELEASER_RELEASE_ARGS,
  PROJECTS
} from '../build/__tests__/fakes/parity-projects.js'
import { startAzurite } from '../build/__tests__/services/azurite.js'
import { startResultsService } from '../build/__tests__/services/results-service.js'

const ARCHIVE = /\.(tar\.gz|tar\.xz|zip)$/

/** The project's short name: its repository's. */
const nameOf = project => path.basename(project.origin, '.git')

/** GoReleaser on a fresh runner: empty caches, modules from the proxy, publishing skipped. */
async function goreleaser({ binary, module, runner, goproxy, notes }) {
  removeTree(runner.gocache)
  removeTree(runner.gomodcache)
  const env = {
    ...process.env,
    GOCACHE: runner.gocache,
    GOMODCACHE: runner.gomodcache,
    GOPROXY: goproxy,
    GITHUB_TOKEN: 'bench-token-unused'
  }
  for (const name of ['GOOS', 'GOARCH', 'GOARM', 'CGO_ENABLED']) delete env[name]
  const gate = await waitForQuiet()
  const m = await measure(() =>
    run(
      binary,
      [...GORELEASER_RELEASE_ARGS, '--release-notes', notes, '--parallelism', String(runner.cores)],
      { cwd: module, env }
    )
  )
  const archives = fs.readdirSync(path.join(module, 'dist')).filter(f => ARCHIVE.test(f))
  fs.rmSync(path.join(module, 'dist'), { recursive: true, force: true })
  return { ...m, gate, archives }
}

/** The tag after `version`: v2.2.1 → v2.2.2. */
function nextPatch(version) {
  const [major, minor, patch] = version.slice(1).split('.').map(Number)
  return `v${major}.${minor}.${patch + 1}`
}

/** A one-line change to the first main package: one more package-level variable. */
function editMain(module) {
  const cmd = path.join(module, 'cmd')
  const commands = fs.existsSync(cmd) ? fs.readdirSync(cmd).map(d => `cmd/${d}/main.go`) : []
  const main = ['main.go', ...commands].map(f => path.join(module, f)).find(f => fs.existsSync(f))
  if (!main) throw new Error(`no main.go in ${module}`)
  fs.appendFileSync(main, '\nvar benchRound = 1\n')
}

/** Runs P7; returns the markdown of its RESULTS.md section. */
export async function p7({ work, facts, log, root }) {
  const cores = facts.nproc
  const binary = await goreleaserBinary(log)
  const version = (await run(binary, ['--version'])).stdout.match(/GitVersion:\s+(\S+)/)?.[1]
  const goproxy = (await run('go', ['env', 'GOPROXY'])).stdout.trim()
  const notes = path.join(work, 'release-notes.md')
  fs.writeFileSync(notes, 'bench\n')
  const eventFile = path.join(work, 'event.json')
  fs.writeFileSync(eventFile, JSON.stringify({ repository: { default_branch: 'main' } }))
  const only = (process.env.P7_PROJECTS ?? '').split(',').filter(Boolean)
  const projects = PROJECTS.filter(
    p => !p.fixture && (only.length === 0 || only.includes(nameOf(p)))
  )

  const azurite = await startAzurite()
  let service
  const measured = []
  try {
    service = await startResultsService({ azurite })
    for (const project of projects) {
      const name = nameOf(project)
      const module = path.join(work, name)
      await checkout(project, module)
      // The runs' dist/ stays out of git, so both tools see a clean tree.
      fs.appendFileSync(path.join(module, '.git', 'info', 'exclude'), 'dist/\n')
      const runner = {
        gocache: path.join(work, 'runner', 'go-build'),
        gomodcache: path.join(work, 'runner', 'go-mod'),
        eventFile,
        cores
      }
      const inputs = {
        targets: '',
        'goreleaser-config': 'auto',
        'goreleaser-unsupported': 'warn',
        parallelism: String(cores)
      }
      const action = () =>
        job({
          root,
          module,
          runner,
          service,
          azurite,
          inputs,
          env: { GOPROXY: goproxy },
          warnings: true
        })
      log(`P7 ${name}: the action cold…`)
      const cold = await action()
      fs.rmSync(path.join(module, 'dist'), { recursive: true, force: true })
      log(`  ${seconds(cold.wallMs)}; GoReleaser cold…`)
      const gr = await goreleaser({ binary, module, runner, goproxy, notes })
      log(`  ${seconds(gr.wallMs)}; the action's second run on a fresh runner…`)
      editMain(module)
      await git(module, ['commit', '-qam', 'one-line change'])
      await git(module, ['tag', nextPatch(project.version)])
      const warm = await action()
      fs.rmSync(path.join(module, 'dist'), { recursive: true, force: true })
      if (warm.cache.baseKey === undefined || warm.cache.restoredKey === undefined)
        throw new Error(
          `${name}: the second run restored no build cache (${JSON.stringify(warm.cache)})`
        )
      log(`  ${seconds(warm.wallMs)}`)
      measured.push({ name, project, cold, gr, warm })
      removeTree(module)
    }
  } finally {
    await service?.stop()
    await azurite.stop()
  }
  return {
    sections: { p7: report({ measured, facts, version, cores }) },
    allNoisy: measured.every(m => [m.cold.main, m.gr, m.warm.main].some(x => isNoisy(x, cores)))
  }
}

function report({ measured, facts, version, cores }) {
  const noisy = m =>
    [m.cold.main, m.cold.post, m.gr, m.warm.main, m.warm.post].some(x => x && isNoisy(x, cores))
  const met = ok => (ok ? '**met**' : '**not met**')
  const rows = measured.map(m => [
    `${m.name} ${m.project.version}${noisy(m) ? ' (noisy)' : ''}`,
    String(m.gr.archives.length),
    seconds(m.cold.wallMs),
    seconds(m.gr.wallMs),
    ratio(m.cold.wallMs / m.gr.wallMs),
    seconds(m.warm.wallMs),
    ratio(m.warm.wallMs / m.gr.wallMs),
    `${seconds(m.cold.childCpuMs)} / ${seconds(m.gr.childCpuMs)} / ${seconds(m.warm.childCpuMs)}`,
    `${seconds(m.cold.otherCpuMs)} / ${seconds(m.gr.otherCpuMs)} / ${seconds(m.warm.otherCpuMs)}`
  ])
  // Where the action's time went: its main step (build, pack, checksum) and its post step (the
  // cache save a later run restores, which GoReleaser does not make), and its slowest stages.
  const slowest = stages =>
    Object.entries(stages)
      .sort(([, a], [, b]) => b - a)
      .slice(0, 3)
      .map(([stage, ms]) => `${stage} ${seconds(ms)}`)
      .join(', ')
  const split = m => [
    seconds(m.main.wallMs),
    seconds(m.post?.wallMs ?? 0),
    ratio(m.main.wallMs / m.gr_.wallMs),
    slowest(m.stages),
    `${mib(m.cache.baseSavedBytes + m.cache.layerSavedBytes)} in ${seconds(m.cache.saveMs)}`
  ]
  const splitRows = measured.flatMap(m => [
    [`${m.name} cold`, ...split({ ...m.cold, gr_: m.gr })],
    [`${m.name} 2nd run`, ...split({ ...m.warm, gr_: m.gr })]
  ])
  const worstCold = Math.max(...measured.map(m => m.cold.wallMs / m.gr.wallMs))
  const worstWarm = Math.max(...measured.map(m => m.warm.wallMs / m.gr.wallMs))
  return [
    '## P7: the parity projects, the action vs GoReleaser OSS from their own .goreleaser.yml',
    '',
    `Measured ${new Date().toISOString()} by \`npm run bench -- --only p7\` (one pass per project).`,
    ...machineLines(facts),
    `- projects: the parity suite's (__tests__/fakes/parity-projects.ts), each from the Go module proxy at its tag, committed with a fixed date, tagged, with its GitHub origin; their configs as they are, \`{{ .Date }}\` and GoReleaser's default ldflags given the commit date as the suite does`,
    `- GoReleaser ${version} (\`go install github.com/goreleaser/goreleaser/v2@${GORELEASER_VERSION}\`): \`release --clean --skip=publish,announce,validate,sign,docker,snapcraft --parallelism ${cores}\`, empty GOCACHE and GOMODCACHE, modules from the proxy: a fresh runner, which it meets cold`,
    `- the action: \`dist/main.js\` then \`dist/post.js\` spawned like a runner spawns them with \`goreleaser-config: auto\`, \`goreleaser-unsupported: warn\`, parallelism ${cores}; cold = empty caches and an empty cache service, modules from the proxy; second run = a one-line change (one more package-level variable in the first main.go) committed and tagged, empty local caches, restoring what the cold job's post step saved to the loopback results service (Azurite behind it); whole = main + post wall, node start included`,
    "- both second-run and cold ratios divide by the same GoReleaser cold run of the project's tag (GoReleaser keeps no cache, so its run after the one-line change is the same cold build)",
    `- noise: a project in which other processes took more than 5 % of all cores' time during any of its runs is marked noisy; 'other CPU' is what they used during each run`,
    '',
    table(
      [
        'project',
        'archives',
        'action cold',
        'GoReleaser cold',
        'cold/cold',
        'action 2nd run',
        '2nd run / GoReleaser cold',
        'CPU cold / GoReleaser / 2nd',
        'other CPU cold / GoReleaser / 2nd'
      ],
      rows
    ),
    '',
    "The action's runs split into its main step and its post step (saving the build cache for later runs: work GoReleaser does not do), with main alone against GoReleaser cold:",
    '',
    table(
      ['run', 'main', 'post', 'main / GoReleaser cold', 'slowest stages', 'build cache saved'],
      splitRows
    ),
    '',
    `Worst over the projects: cold/cold = **${ratio(worstCold)}** (goal ≤ 1.0: ${met(worstCold <= 1)}); the action's fresh-runner second run / GoReleaser cold = **${ratio(worstWarm)}** (goal ≤ 0.15: ${met(worstWarm <= 0.15)}).`
  ].join('\n')
}
