// Matrix: the cost of splitting a build over legs. 12 targets of examples/hello, on this machine:
// (a) one `mode: all` job vs (b) the 3 `mode: build` legs of a `mode: plan`, run one after
// another, plus the `mode: publish` fan-in. Every job is dist/main.js spawned like a runner
// spawns it, with a cold GOCACHE of its own (a fresh runner), uploading its workflow artifact to
// the loopback results service (Azurite behind it) and publishing to the loopback GitHub service.
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
import { fresh } from './p1.mjs'
import { startAzurite } from '../build/__tests__/services/azurite.js'
import { githubEnvFor, startGitHubService } from '../build/__tests__/services/github.js'
import { runnerEnvFor, startResultsService } from '../build/__tests__/services/results-service.js'
import { runStep } from '../build/__tests__/fakes/runner.js'

export const MATRIX_TARGETS = [
  'linux/amd64',
  'linux/arm64',
  'linux/arm/7',
  'linux/386',
  'linux/riscv64',
  'linux/ppc64le',
  'darwin/amd64',
  'darwin/arm64',
  'windows/amd64',
  'windows/arm64',
  'freebsd/amd64',
  'openbsd/amd64'
]
const LEGS = 3
const TAG = 'v1.0.0'
const GIT_ENV = {
  GIT_AUTHOR_NAME: 'bench',
  GIT_AUTHOR_EMAIL: 'bench@example.invalid',
  GIT_COMMITTER_NAME: 'bench',
  GIT_COMMITTER_EMAIL: 'bench@example.invalid',
  GIT_AUTHOR_DATE: '@1700000000 +0000',
  GIT_COMMITTER_DATE: '@1700000000 +0000'
}

/** A fresh checkout of examples/hello at the tag (same commit every time: fixed dates). */
async function checkout(root, dir) {
  fs.rmSync(dir, { recursive: true, force: true })
  fs.cpSync(path.join(root, 'examples', 'hello'), dir, {
    recursive: true,
    filter: src => path.basename(src) !== 'dist'
  })
  const git = args => run('git', args, { cwd: dir, env: { ...process.env, ...GIT_ENV } })
  await git(['init', '-q', '-b', 'main'])
  await git(['add', '-A'])
  await git(['commit', '-qm', 'bench'])
  await git(['tag', TAG])
  return (await git(['rev-parse', 'HEAD'])).stdout.trim()
}

/** One job on a fresh runner (cold GOCACHE); returns its measurement and step result. */
async function job({ root, work, label, inputs, env, azurite }) {
  const dir = path.join(work, `ws-${label}`)
  const sha = await checkout(root, dir)
  const gocache = fresh(path.join(work, `gocache-${label}`))
  await waitForQuiet()
  const m = await measure(
    () =>
      runStep(path.join(root, 'dist', 'main.js'), inputs, {
        workspace: dir,
        env: { ...env, GOCACHE: gocache, GITHUB_REF: `refs/tags/${TAG}`, GITHUB_SHA: sha }
      }),
    { companions: [azurite.pid] }
  )
  const out = m.result.stdout + m.result.stderr
  if (m.result.code !== 0) throw new Error(`${label} failed:\n${out.slice(-4000)}`)
  fs.rmSync(gocache, { recursive: true, force: true })
  fs.rmSync(dir, { recursive: true, force: true })
  return { ...m, label }
}

/** Runs the matrix bench; returns the markdown of its RESULTS.md section. */
export async function matrix({ root, work, rounds, retries, facts, log }) {
  const cores = facts.nproc
  const azurite = await startAzurite()
  const measured = []
  try {
    const all = await measureRounds(
      {
        rounds,
        retries,
        log,
        noisy: r => [r.a, ...r.legs, r.publish].some(m => isNoisy(m, cores))
      },
      async n => {
        // A fresh run for each side: its own artifacts (results service) and releases.
        const results = await startResultsService({ azurite })
        const github = await startGitHubService()
        try {
          const env = (svc, gh) => ({ ...runnerEnvFor(svc), ...githubEnvFor(gh) })
          const common = { targets: MATRIX_TARGETS.join(','), cache: 'false' }
          log(`  round ${n}: (a) mode: all…`)
          const a = await job({
            root,
            work,
            label: 'all',
            inputs: { ...common, 'github-token': github.token },
            env: env(results, github),
            azurite
          })
          const results2 = await startResultsService({ azurite })
          const github2 = await startGitHubService()
          try {
            const envB = env(results2, github2)
            log(`  round ${n}: (b) plan…`)
            const plan = await job({
              root,
              work,
              label: 'plan',
              inputs: { mode: 'plan', targets: common.targets, legs: String(LEGS) },
              env: envB,
              azurite
            })
            const legs = []
            for (const leg of JSON.parse(plan.result.outputs.matrix).include) {
              log(`  round ${n}: (b) leg ${leg.shard}…`)
              legs.push(
                await job({
                  root,
                  work,
                  label: `leg-${leg.shard}`,
                  inputs: { mode: 'build', shard: leg.shard, targets: leg.targets, cache: 'false' },
                  env: envB,
                  azurite
                })
              )
            }
            log(`  round ${n}: (b) publish…`)
            const publish = await job({
              root,
              work,
              label: 'publish',
              inputs: {
                mode: 'publish',
                targets: plan.result.outputs.targets,
                'github-token': github2.token
              },
              env: envB,
              azurite
            })
            // Both sides must have published the same 12 archives and a checksums file.
            for (const gh of [github, github2]) {
              const [release] = gh.releases()
              if (
                !release ||
                release.draft ||
                release.assets.length !== MATRIX_TARGETS.length + 1
              ) {
                throw new Error(`a side did not publish all ${MATRIX_TARGETS.length} archives`)
              }
            }
            const round = { n, a, plan, legs, publish }
            measured.push(round)
            return round
          } finally {
            await github2.stop()
            await results2.stop()
          }
        } finally {
          await github.stop()
          await results.stop()
        }
      }
    )
    return { sections: { matrix: report(all, facts, retries) }, allNoisy: all.every(r => r.noisy) }
  } finally {
    await azurite.stop()
  }
}

function report(rounds, facts, retries) {
  const used = roundsForMedian(rounds)
  const b = r => r.plan.wallMs + r.legs.reduce((s, m) => s + m.wallMs, 0) + r.publish.wallMs
  const rows = rounds.map(r => [
    `${r.n}${r.noisy ? ' (noisy)' : ''}`,
    seconds(r.a.wallMs),
    seconds(r.plan.wallMs),
    r.legs.map(l => seconds(l.wallMs)).join(' + '),
    seconds(r.publish.wallMs),
    seconds(b(r)),
    ratio(b(r) / r.a.wallMs),
    ratio(r.publish.wallMs / median(r.legs.map(l => l.wallMs))),
    `${seconds(r.a.childCpuMs)} / ${seconds(r.legs.reduce((s, m) => s + m.childCpuMs, 0))}`
  ])
  const split = median(used.map(r => b(r) / r.a.wallMs))
  const publishShare = median(used.map(r => r.publish.wallMs / median(r.legs.map(l => l.wallMs))))
  return [
    `## Matrix: ${MATRIX_TARGETS.length} targets in one job vs ${LEGS} legs + publish`,
    '',
    `Measured ${new Date().toISOString()} by \`npm run bench -- --only matrix\` (${rounds.length} round${rounds.length === 1 ? '' : 's'}).`,
    ...machineLines(facts),
    `- targets: ${MATRIX_TARGETS.join(', ')} (examples/hello, tag ${TAG}); every job: dist/main.js spawned like a runner spawns it, a cold GOCACHE of its own (a fresh runner), \`cache: false\`, uploading its workflow artifact to the loopback results service (Azurite behind it) and publishing to the loopback GitHub service`,
    `- (a) one \`mode: all\` job: build, package, checksums, artifact, release`,
    `- (b) \`mode: plan\` (legs: ${LEGS}), then its ${LEGS} \`mode: build\` legs one after another (on GitHub they run side by side on ${LEGS} runners), then \`mode: publish\` (download the legs' artifacts, check them, one checksums file, release). 'b' = the sum of their walls: the cost of splitting; on ${LEGS} runners the wall would be plan + the slowest leg + publish`,
    `- noise: a round in which other processes took more than ${NOISE_SHARE * 100} % of all cores' time during any job is marked noisy and measured again (at most ${retries} extra rounds)`,
    '',
    table(
      [
        'round',
        'a wall',
        'plan',
        'legs',
        'publish',
        'b (sum)',
        'b/a',
        'publish / median leg',
        'CPU a / legs'
      ],
      rows
    ),
    '',
    `Medians ${medianBasis(rounds, r => r.n)}: splitting costs **b/a = ${ratio(split)}** (the work of one job done as ${LEGS + 2} jobs); the publish job takes **${ratio(publishShare)}** of a leg's time.`
  ].join('\n')
}
