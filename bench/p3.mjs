// P3: the action against GoReleaser OSS, side by side, on examples/hello (6 targets).
//
// A fresh runner's second run: the action with an empty local GOCACHE restoring what the previous
// commit's job saved (loopback results service, Azurite behind it) vs GoReleaser building the same
// commit from cold, as it does on a fresh runner (it has no cache of its own; setup-go's cache is
// keyed on go.sum and holds the module cache and a build cache of whatever the last save built).
// Also the cold-vs-cold pair: the action's first job against GoReleaser's run of the same commit.
//
// Both build the same targets with the same flags, ldflags and archives: -trimpath,
// -ldflags "-s -w -X main.version=<version>", CGO_ENABLED=0, tar.gz (zip for windows) holding
// the binary, LICENSE and README.md, and a sha256 checksums.txt. GoReleaser's release step is
// disabled (the action's publishing is measured by P6), so is its changelog.
import * as fs from 'node:fs'
import * as path from 'node:path'
import {
  isNoisy,
  machineLines,
  measure,
  measureRounds,
  median,
  medianBasis,
  NOISE_SHARE,
  ratio,
  roundsForMedian,
  run,
  seconds,
  table,
  waitForQuiet
} from './lib.mjs'
import { TARGETS } from './p1.mjs'
import { editProgram, git, job, removeTree } from './p2.mjs'
import {
  findGoTool,
  GORELEASER_TOOL,
  GORELEASER_VERSION
} from '../build/__tests__/fakes/go-tools.js'
import { startAzurite } from '../build/__tests__/services/azurite.js'
import { startResultsService } from '../build/__tests__/services/results-service.js'

/** The GoReleaser release this bench installs (the parity suite's, pinned in one place): the newest the machine's Go builds from the module proxy (v2.17 needs go.digitalxero.dev/go-msix, which the proxy refuses with 403; v2.18 needs Go 1.27). */
export { GORELEASER_VERSION }

/** GoReleaser's `targets` ids of TARGETS (linux/arm/7 → linux_arm_7). */
const goreleaserTargets = () => TARGETS.map(t => t.replaceAll('/', '_'))

/** The .goreleaser.yaml equivalent to the action's defaults for TARGETS. */
export function goreleaserConfig() {
  return [
    'version: 2',
    'project_name: hello',
    'builds:',
    '  - id: hello',
    '    main: .',
    '    binary: hello',
    '    env: [CGO_ENABLED=0]',
    '    flags: [-trimpath]',
    '    ldflags: ["-s -w -X main.version={{.Version}}"]',
    '    mod_timestamp: "{{ .CommitTimestamp }}"',
    `    targets: [${goreleaserTargets().join(', ')}]`,
    'archives:',
    '  - formats: [tar.gz]',
    '    format_overrides: [{ goos: windows, formats: [zip] }]',
    '    name_template: "{{ .ProjectName }}_{{ .Version }}_{{ .Os }}_{{ .Arch }}{{ with .Arm }}_{{ . }}{{ end }}"',
    '    files: [LICENSE, README.md]',
    'checksum:',
    '  name_template: checksums.txt',
    '  algorithm: sha256',
    'release:',
    '  disable: true',
    'changelog:',
    '  disable: true',
    ''
  ].join('\n')
}

/** The goreleaser binary of GORELEASER_VERSION: on PATH or in Go's bin folder, else installed. */
export async function goreleaserBinary(log) {
  try {
    return await findGoTool(GORELEASER_TOOL)
  } catch {
    log(`P3: go install ${GORELEASER_TOOL.module}@${GORELEASER_VERSION} (minutes)…`)
    await run('go', ['install', `${GORELEASER_TOOL.module}@${GORELEASER_VERSION}`])
    return findGoTool(GORELEASER_TOOL)
  }
}

/** GoReleaser on a fresh runner: empty GOCACHE and GOMODCACHE, the tag at HEAD. */
async function goreleaser({ binary, module, runner, config }) {
  removeTree(runner.gocache)
  removeTree(runner.gomodcache)
  const env = { ...process.env, GOCACHE: runner.gocache, GOMODCACHE: runner.gomodcache }
  for (const name of ['GOOS', 'GOARCH', 'GOARM', 'CGO_ENABLED', 'GITHUB_TOKEN']) delete env[name]
  env.GOPROXY = 'off'
  const gate = await waitForQuiet()
  const m = await measure(() =>
    run(binary, ['release', '--clean', '--skip=publish', '--config', config], {
      cwd: module,
      env
    })
  )
  const dist = path.join(module, 'dist')
  const files = fs.readdirSync(dist).filter(f => /\.(tar\.gz|zip)$|^checksums\.txt$/.test(f))
  if (files.length !== TARGETS.length + 1) {
    throw new Error(
      `goreleaser left ${files.join(', ')} in ${dist}; expected ${TARGETS.length} archives and checksums.txt`
    )
  }
  fs.rmSync(dist, { recursive: true, force: true })
  return { ...m, gate, files }
}

/** Runs P3; returns the markdown of its RESULTS.md section. */
export async function p3({ root, work, rounds, retries, facts, log }) {
  const cores = facts.nproc
  const binary = await goreleaserBinary(log)
  const version = (await run(binary, ['--version'])).stdout.match(/GitVersion:\s+(\S+)/)?.[1]
  const module = path.join(work, 'hello')
  fs.cpSync(path.join(root, 'examples', 'hello'), module, {
    recursive: true,
    filter: src => path.basename(src) !== 'dist'
  })
  // Outside the module: GoReleaser refuses a dirty tree, and the action would archive nothing of it.
  const config = path.join(work, 'goreleaser.yaml')
  fs.writeFileSync(config, goreleaserConfig())
  fs.writeFileSync(path.join(module, '.gitignore'), 'dist/\n')
  await git(module, ['init', '-q', '-b', 'main'])
  await git(module, ['add', '-A'])
  await git(module, ['commit', '-qm', 'commit 0'])
  await git(module, ['tag', 'v1.0.0'])
  // GoReleaser reads the project's URL from the remote, as on a runner's checkout.
  await git(module, ['remote', 'add', 'origin', 'https://github.com/octo/hello.git'])
  const eventFile = path.join(work, 'event.json')
  fs.writeFileSync(eventFile, JSON.stringify({ repository: { default_branch: 'main' } }))
  const runner = {
    gocache: path.join(work, 'runner', 'go-build'),
    gomodcache: path.join(work, 'runner', 'go-mod'),
    eventFile
  }

  const azurite = await startAzurite()
  let service
  try {
    service = await startResultsService({ azurite })
    log('P3: cold vs cold at v1.0.0…')
    const cold = await job({ root, module, runner, service, azurite })
    const coldGr = await goreleaser({ binary, module, runner, config })
    log(`  action ${seconds(cold.wallMs)}, goreleaser ${seconds(coldGr.wallMs)}`)

    const measured = await measureRounds(
      {
        rounds,
        retries,
        log,
        noisy: r => isNoisy(r.a.main, cores) || isNoisy(r.a.post, cores) || isNoisy(r.b, cores)
      },
      async n => {
        editProgram(module, n)
        await git(module, ['commit', '-qam', `round ${n}: one-line change`])
        await git(module, ['tag', `v1.0.${n}`])
        const a = await job({ root, module, runner, service, azurite })
        if (a.cache.baseKey === undefined || a.cache.restoredKey === undefined) {
          throw new Error(
            `round ${n}: the action restored no build cache (${JSON.stringify(a.cache)})`
          )
        }
        const b = await goreleaser({ binary, module, runner, config })
        log(
          `  round ${n}: action ${seconds(a.wallMs)} vs goreleaser ${seconds(b.wallMs)} (${ratio(a.wallMs / b.wallMs)})`
        )
        return { n, a, b }
      }
    )
    return {
      sections: { p3: report({ cold, coldGr, measured, facts, retries, version }) },
      allNoisy: measured.every(r => r.noisy)
    }
  } finally {
    await service?.stop()
    await azurite.stop()
    removeTree(runner.gomodcache)
  }
}

function report({ cold, coldGr, measured, facts, retries, version }) {
  const used = roundsForMedian(measured)
  const p3 = median(used.map(r => r.a.wallMs / r.b.wallMs))
  const coldRatio = cold.wallMs / coldGr.wallMs
  const met = ok => (ok ? '**met**' : '**not met**')
  const rows = measured.map(r => [
    `${r.n}${r.noisy ? ' (noisy)' : ''}`,
    seconds(r.a.stages['restoring caches']),
    seconds(r.a.stages['building binaries']),
    seconds(r.a.wallMs),
    seconds(r.a.childCpuMs),
    seconds(r.b.wallMs),
    seconds(r.b.childCpuMs),
    ratio(r.a.wallMs / r.b.wallMs),
    seconds(r.a.otherCpuMs + r.b.otherCpuMs)
  ])
  return [
    "## P3: a fresh runner's second run vs GoReleaser OSS (examples/hello, 6 targets)",
    '',
    `Measured ${new Date().toISOString()} by \`npm run bench -- --only p3\` (the cold pair, then ${measured.length} rounds each after a one-line change).`,
    ...machineLines(facts),
    `- GoReleaser ${version} (\`go install github.com/goreleaser/goreleaser/v2@${GORELEASER_VERSION}\`, the newest this Go builds from the module proxy: v2.17 needs a module the proxy refuses, v2.18 needs Go 1.27), \`goreleaser release --clean --skip=publish\` with an equivalent config (bench/p3.mjs goreleaserConfig: targets ${TARGETS.join(', ')}, -trimpath, the same -ldflags, CGO_ENABLED=0, tar.gz / zip for windows with LICENSE and README.md, sha256 checksums.txt; release and changelog disabled), the commit tagged, an empty GOCACHE and GOMODCACHE: a fresh runner, which GoReleaser meets cold`,
    "- the action: `dist/main.js` then `dist/post.js` spawned like a runner spawns them (push to main, default inputs: no artifact upload or release without a tag ref), on a fresh runner, restoring the build cache the previous commit's job saved to the loopback results service (Azurite behind it) and saving its own layer; whole = main + post wall, node start included",
    `- noise: a round in which other processes took more than ${NOISE_SHARE * 100} % of all cores' time during any of its runs is marked noisy, measured again (at most ${retries} extra rounds) and left out of the medians when clean rounds exist`,
    '',
    `Cold pair at v1.0.0 (both with nothing cached): action ${seconds(cold.wallMs)} (CPU ${seconds(cold.childCpuMs)}), GoReleaser ${seconds(coldGr.wallMs)} (CPU ${seconds(coldGr.childCpuMs)}): **cold/cold = ${ratio(coldRatio)}**.`,
    '',
    table(
      [
        'round',
        'action restore',
        'action build',
        'action whole',
        'action CPU',
        'GoReleaser',
        'GoReleaser CPU',
        'action/GoReleaser',
        'other CPU'
      ],
      rows
    ),
    '',
    `Median ${medianBasis(measured, r => r.n)}: **P3** the action's fresh-runner second run / GoReleaser from cold = **${ratio(p3)}** (goal ≤ 0.15: ${met(p3 <= 0.15)}).`,
    '',
    "What GoReleaser does that this comparison leaves out or the action does not do: its release step (disabled here; the action's publishing is P6), changelogs, package formats (deb/rpm/apk via nFPM, Homebrew, Scoop, Snapcraft, Docker images), `before` hooks (go mod tidy, go generate), and signing/SBOMs through external tools. The action's archives are byte-reproducible by default; GoReleaser's need `mod_timestamp` (set here) and archive `mtime` settings."
  ].join('\n')
}
