// P9: container images. The action makes its image from the binaries of the release (nothing
// compiled again); ko builds the program again and makes its image. Side by side on the same
// five linux platforms, the same base and the same local registry (the CNCF distribution registry
// on 127.0.0.1, anonymous push), interleaved in each round:
//   action cold: dist/cli.js with a fresh GOCACHE, pushing to a new repository;
//   ko cold:     ko build with a fresh GOCACHE, pushing to a new repository;
//   action warm: again, with the GOCACHE the cold run left, to the same repository (every blob there);
//   ko warm:     likewise.
// For the action, the time its image stages took (making and pushing) is read from its log: what
// the image adds to a release whose binaries exist.
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
import { baseEnv, fresh, parseStageTimes } from './p1.mjs'
import { startDistribution } from '../build/__tests__/services/distribution.js'
import { pushTestBase } from '../build/__tests__/fakes/hello-image.js'
import { findGoTool } from '../build/__tests__/fakes/go-tools.js'

const PLATFORMS = [
  { architecture: 'amd64', os: 'linux' },
  { architecture: 'arm64', os: 'linux' },
  { architecture: 'arm', os: 'linux', variant: 'v7' },
  { architecture: '386', os: 'linux' },
  { architecture: 'ppc64le', os: 'linux' }
]
const TARGETS = ['linux/amd64', 'linux/arm64', 'linux/arm/7', 'linux/386', 'linux/ppc64le']
const KO_PLATFORMS = 'linux/amd64,linux/arm64,linux/arm/v7,linux/386,linux/ppc64le'
export const KO = {
  name: 'ko',
  module: 'github.com/google/ko',
  version: 'v0.19.1',
  versionArgs: ['version'],
  versionOf: out => /\bv\d+\.\d+\.\d+\b/.exec(out)?.[0] ?? ''
}
const IMAGE_STAGES = ['making the container image', 'pushing the container image']

export async function p9({ root, work, rounds, retries, facts, log }) {
  const cores = facts.nproc
  const module = path.join(root, 'examples', 'hello')
  const ko = await findGoTool(KO)
  const registry = await startDistribution('none')
  try {
    log(`P9: registry on ${registry.host}; pushing the base (not timed)…`)
    const base = `${registry.host}/acme/base:1`
    const baseDigest = await pushTestBase(
      registry,
      fresh(path.join(work, 'base')),
      PLATFORMS,
      1_700_000_000
    )

    const action = async (label, gocache, repo) => {
      const dist = fresh(path.join(work, `dist-${label}`))
      const args = [
        path.join(root, 'dist', 'cli.js'),
        '--working-directory',
        path.relative(root, module),
        '--targets',
        TARGETS.join(','),
        '--dist',
        dist,
        '--image',
        `${registry.host}/${repo}`,
        '--image-base',
        base,
        '--image-push',
        'true'
      ]
      const m = await measure(
        () => run(process.execPath, args, { cwd: root, env: baseEnv(gocache) }),
        { companions: [registry.pid] }
      )
      const output = m.result.stdout + m.result.stderr
      const stages = parseStageTimes(output)
      const digest = /^image (sha256:[0-9a-f]{64}):/m.exec(output)?.[1]
      if (!digest || IMAGE_STAGES.some(s => !(s in stages))) {
        throw new Error(`the action's output is not what the bench expects:\n${output}`)
      }
      return { ...m, stages, imageMs: IMAGE_STAGES.reduce((sum, s) => sum + stages[s], 0), digest }
    }
    const koBuild = async (gocache, repo) => {
      const m = await measure(
        () =>
          run(
            ko,
            [
              'build',
              '--bare',
              `--platform=${KO_PLATFORMS}`,
              '--sbom=none',
              '--insecure-registry',
              '.'
            ],
            {
              cwd: module,
              env: {
                ...baseEnv(gocache),
                KO_DOCKER_REPO: `${registry.host}/${repo}`,
                KO_DEFAULTBASEIMAGE: base
              }
            }
          ),
        { companions: [registry.pid] }
      )
      const ref = m.result.stdout.trim().split('\n').pop()
      if (!ref?.includes('@sha256:'))
        throw new Error(`ko printed no image: ${m.result.stdout}${m.result.stderr}`)
      return { ...m, ref }
    }

    const all = await measureRounds(
      { rounds, retries, noisy: r => r.runs.some(m => isNoisy(m, cores)), log },
      async n => {
        const caches = {
          action: fresh(path.join(work, `gocache-action-${n}`)),
          ko: fresh(path.join(work, `gocache-ko-${n}`))
        }
        const order = n % 2 ? ['action', 'ko'] : ['ko', 'action']
        const r = { round: n }
        for (const phase of ['cold', 'warm']) {
          for (const who of order) {
            await waitForQuiet()
            const repo = `${who}-${n}`
            r[`${who}-${phase}`] =
              who === 'action'
                ? await action(`${n}-${phase}`, caches.action, repo)
                : await koBuild(caches.ko, repo)
            const m = r[`${who}-${phase}`]
            log(
              `  round ${n} ${who} ${phase}: ${seconds(m.wallMs)}${who === 'action' ? ` (image stages ${seconds(m.imageMs)})` : ''}`
            )
          }
        }
        for (const dir of Object.values(caches)) fs.rmSync(dir, { recursive: true, force: true })
        r.runs = ['action-cold', 'ko-cold', 'action-warm', 'ko-warm'].map(k => r[k])
        return r
      }
    )
    const used = roundsForMedian(all)
    const med = (key, field = 'wallMs') => median(used.map(r => r[key][field]))
    const digests = new Set(all.map(r => r['action-cold'].digest))
    const warmDigests = all.every(r => r['action-warm'].digest === r['action-cold'].digest)
    const rows = ['cold', 'warm'].map(phase => {
      const a = med(`action-${phase}`)
      const img = med(`action-${phase}`, 'imageMs')
      const stage = name => median(used.map(r => r[`action-${phase}`].stages[name]))
      const k = med(`ko-${phase}`)
      return [
        phase === 'cold'
          ? 'cold (fresh GOCACHE, new repository)'
          : 'warm (GOCACHE kept, blobs in the registry)',
        `${seconds(img)} (${IMAGE_STAGES.map(n => seconds(stage(n))).join(' + ')})`,
        seconds(a),
        seconds(k),
        ratio(img / k),
        ratio(a / k)
      ]
    })
    const noisy = all.every(r => r.noisy)
    const body = [
      '## P9: container images, the action vs ko (5 linux platforms, local registry)',
      '',
      `Measured ${new Date().toISOString()} by \`npm run bench -- --only p9\`.`,
      ...machineLines(facts),
      `- examples/hello for ${TARGETS.join(', ')}, on one base (the test base: /etc/passwd per platform, ${baseDigest}) in the CNCF distribution registry on 127.0.0.1 (anonymous push; its CPU is counted as the measured code's). action: \`node dist/cli.js --targets … --image <registry>/action-<round> --image-base <base> --image-push true\` (archives and checksums too); "image stages" is the sum of its \`making the container image\` and \`pushing the container image\` stage times from its log. ko ${KO.version}: \`ko build --bare --platform=${KO_PLATFORMS} --sbom=none --insecure-registry .\` with KO_DEFAULTBASEIMAGE the same base. Cold: fresh GOCACHE and a new repository; warm: the cold run's GOCACHE and the same repository. Interleaved, alternating which goes first; medians ${medianBasis(all)}`,
      `- the action's index digest: ${[...digests].join(', ')} (${digests.size === 1 ? 'the same in every round' : '**differs between rounds**'}; warm runs ${warmDigests ? 'gave the same digest' : '**gave another digest**'})`,
      '',
      table(
        [
          'run',
          'action image stages (making + pushing)',
          'action whole run',
          'ko',
          'image stages / ko',
          'whole run / ko'
        ],
        rows
      ),
      '',
      `Per round: ${all.map(r => `${r.round}${r.noisy ? ' (noisy)' : ''}: action ${seconds(r['action-cold'].wallMs)}/${seconds(r['action-warm'].wallMs)} (image ${seconds(r['action-cold'].imageMs)}/${seconds(r['action-warm'].imageMs)}), ko ${seconds(r['ko-cold'].wallMs)}/${seconds(r['ko-warm'].wallMs)}`).join('; ')} (cold/warm).`
    ].join('\n')
    return { sections: { p9: body }, allNoisy: noisy }
  } finally {
    await registry.stop()
  }
}
