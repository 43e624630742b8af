// P6: REST calls per uploaded asset of the project's release publishing path, and its wall time
// for 20 × 5 MB assets against a naive sequential baseline, both against the loopback GitHub
// REST service of the e2e tests (__tests__/services/github.ts, run in a process of its own).
//
// (a) the publishing path as the preflight and publish-release stages drive it (build/src,
//     compiled from src/): find or create the draft, list its assets, upload every file with
//     UPLOAD_CONCURRENCY at once (each upload checked against the file's size and sha256), merge
//     and upload checksums.txt, read the assets back and verify them, publish.
// (b) what typical release actions do: @actions/github's Octokit without plugins, create the
//     release published, upload the files one after another; nothing is checked.
import { fork } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import * as github from '@actions/github'
import Bottleneck from 'bottleneck/light.js'
import {
  isNoisy,
  machineLines,
  measure,
  measureRounds,
  median,
  medianBasis,
  mib,
  NOISE_SHARE,
  ratio,
  roundsForMedian,
  seconds,
  table,
  waitForQuiet
} from './lib.mjs'
import { githubReleaseApi } from '../build/src/ports/release-api.js'
import {
  checkAssetNames,
  findOrCreateRelease,
  missingAssets,
  publishChecksums,
  UPLOAD_CONCURRENCY,
  uploadAsset
} from '../build/src/release.js'
import { forEachLimit } from '../build/src/lib/concurrency.js'

const ASSETS = 20
const ASSET_BYTES = 5 * 1024 * 1024
const TAG = 'v1.0.0'
const CHECKSUMS = 'checksums.txt'
/** P6's goal: REST calls per uploaded asset. */
const GOAL = 2.5
const WRITE_METHODS = new Set(['POST', 'PATCH', 'PUT', 'DELETE'])

/** Operation → number of calls, in the order first seen. */
export function countCalls(calls) {
  const counts = new Map()
  for (const c of calls) counts.set(c.operationId, (counts.get(c.operationId) ?? 0) + 1)
  return counts
}

/** Writes among calls (what the throttling plugin's write limiter schedules). */
export function countWrites(calls) {
  return calls.filter(c => WRITE_METHODS.has(c.method)).length
}

/** "3", or "3–5" when the rounds differ. */
export function spread(values) {
  const lo = Math.min(...values)
  const hi = Math.max(...values)
  return lo === hi ? `${lo}` : `${lo}–${hi}`
}

/** The 20 files, random bytes written once, with the sha256 the packaging stage would give. */
function writeAssets(dir) {
  fs.mkdirSync(dir, { recursive: true })
  const files = []
  for (let i = 1; i <= ASSETS; i++) {
    const name = `p6_1.0.0_asset-${String(i).padStart(2, '0')}.tar.gz`
    const file = path.join(dir, name)
    const bytes = randomBytes(ASSET_BYTES)
    fs.writeFileSync(file, bytes)
    files.push({
      name,
      path: file,
      size: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex')
    })
  }
  return files
}

/** A fresh loopback GitHub service in its own process (bench/p6-service.mjs). */
async function startService(root) {
  const child = fork(path.join(root, 'bench', 'p6-service.mjs'), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc']
  })
  const next = type =>
    new Promise((resolve, reject) => {
      const onMessage = message => {
        if (message.type !== type) return
        cleanup()
        resolve(message)
      }
      const onExit = code => {
        cleanup()
        reject(new Error(`the P6 service exited (${code}) before it sent '${type}'`))
      }
      const cleanup = () => {
        child.off('message', onMessage)
        child.off('exit', onExit)
        child.off('error', onExit)
      }
      child.on('message', onMessage)
      child.once('exit', onExit)
      child.once('error', onExit)
    })
  const ready = await next('ready')
  const exited = new Promise(resolve => child.once('exit', resolve))
  return {
    ...ready,
    pid: child.pid,
    report: () => {
      const answer = next('report')
      child.send({ type: 'report' })
      return answer
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.send({ type: 'stop' })
      await exited
    }
  }
}

/** A log port that keeps the lines, for the rate-limit and retry lines the client may write. */
function memoryLog() {
  const lines = []
  const keep = message => lines.push(message)
  return {
    lines,
    log: {
      info: keep,
      debug: () => {},
      notice: keep,
      warning: keep,
      error: keep,
      group: (_title, fn) => fn(),
      untrusted: () => {}
    }
  }
}

/**
 * Watches the write limiter of the project's client (a Bottleneck.Group with a reservoir, made by
 * githubReleaseApi): Bottleneck.Group is replaced by a subclass that listens to the limiters it
 * creates. 'depleted' fires when a write takes the reservoir's last token: the next write waits.
 */
function watchWriteReservoir() {
  const Original = Bottleneck.Group
  const watched = []
  Bottleneck.Group = class extends Original {
    constructor(options = {}) {
      super(options)
      if (options.reservoir == null) return
      this.on('created', limiter => {
        const entry = { limiter, reservoir: options.reservoir, depleted: 0 }
        limiter.on('depleted', () => entry.depleted++)
        watched.push(entry)
      })
    }
  }
  return {
    /** The write limiters created since the last call. */
    take: () => watched.splice(0),
    restore: () => {
      Bottleneck.Group = Original
    }
  }
}

/** (a): the project's publishing path, as the preflight and publish-release stages run it. */
async function publishPath({ service, files, checksumsPath }) {
  const { log, lines } = memoryLog()
  const env = { GITHUB_API_URL: service.url, GITHUB_REPOSITORY: service.repository }
  const api = githubReleaseApi(service.token, env, log)
  // preflight
  const { release } = await findOrCreateRelease(
    api,
    TAG,
    () => ({
      target_commitish: 'main',
      name: TAG,
      prerelease: false,
      generate_release_notes: true
    }),
    log
  )
  // publish-release
  const checksums = [{ name: CHECKSUMS, path: checksumsPath, algorithm: 'sha256' }]
  const nameProblems = checkAssetNames([
    ...files,
    ...checksums.map(c => ({ ...c, size: 0, sha256: '' }))
  ])
  if (nameProblems.length > 0) throw new Error(`P6 asset names: ${nameProblems.join('; ')}`)
  const current = await api.listAssets(release.id)
  const before = new Map(current.map(a => [a.name, a]))
  const failures = []
  const pause = ms => sleep(ms)
  await forEachLimit(files, UPLOAD_CONCURRENCY, async file => {
    try {
      await uploadAsset(api, release, file, before.get(file.name), 'replace', pause, log)
    } catch (error) {
      failures.push(error.message)
    }
  })
  if (failures.length > 0) throw new Error(`P6 (a): uploads failed:\n${failures.join('\n')}`)
  const digests = new Map(files.map(f => [f.name, { sha256: f.sha256 }]))
  await publishChecksums(api, release, checksums, files, digests, pause, log)
  const assets = await api.listAssets(release.id)
  const problems = missingAssets(assets, files)
  if (problems.length > 0) throw new Error(`P6 (a): verification failed:\n${problems.join('\n')}`)
  const final = await api.updateRelease(release.id, { draft: false, make_latest: 'true' })
  return { release: final, lines }
}

/** (b): the naive sequence: create the release published, upload one file after another. */
async function sequentialBaseline({ service, files }) {
  const octokit = github.getOctokit(service.token, { baseUrl: service.url })
  const repo = { owner: service.owner, repo: service.repo }
  const { data: release } = await octokit.rest.repos.createRelease({
    ...repo,
    tag_name: TAG,
    target_commitish: 'main',
    name: TAG,
    draft: false,
    generate_release_notes: true
  })
  const uploadBase = release.upload_url.slice(0, release.upload_url.indexOf('/repos/'))
  for (const file of files) {
    const data = await fs.promises.readFile(file.path)
    await octokit.rest.repos.uploadReleaseAsset({
      ...repo,
      release_id: release.id,
      name: file.name,
      baseUrl: uploadBase,
      data,
      headers: { 'content-type': 'application/gzip', 'content-length': data.length }
    })
  }
}

/** What the service holds after a run: checked outside the timed part, for both runs. */
function checkRelease(label, report, files, { checksums }) {
  if (report.contractViolations.length > 0) {
    throw new Error(`P6 ${label}: contract violations:\n${report.contractViolations.join('\n')}`)
  }
  if (report.releases.length !== 1) {
    throw new Error(`P6 ${label}: ${report.releases.length} releases on the service, expected 1`)
  }
  const [release] = report.releases
  if (release.draft || release.tagName !== TAG) {
    throw new Error(`P6 ${label}: release ${release.tagName} draft=${release.draft}`)
  }
  const expected = files.length + (checksums ? 1 : 0)
  if (release.assets.length !== expected) {
    throw new Error(`P6 ${label}: ${release.assets.length} assets, expected ${expected}`)
  }
  for (const file of files) {
    const asset = release.assets.find(a => a.name === file.name)
    if (asset?.state !== 'uploaded' || asset.sha256 !== file.sha256) {
      throw new Error(`P6 ${label}: ${file.name} is missing or has other bytes`)
    }
  }
  if (checksums && !release.assets.some(a => a.name === CHECKSUMS && a.state === 'uploaded')) {
    throw new Error(`P6 ${label}: no ${CHECKSUMS} on the release`)
  }
}

/** One measured run on a fresh service: quiet wait, measure, then the service's record. */
async function measuredRun({ root, label, files, fn, checks }) {
  const service = await startService(root)
  try {
    const gate = await waitForQuiet()
    const m = await measure(() => fn(service), { companions: [service.pid] })
    const report = await service.report()
    checkRelease(label, report, files, checks)
    return { ...m, gate, calls: report.calls }
  } finally {
    await service.stop()
  }
}

/** Runs P6; returns the markdown of its RESULTS.md section. */
export async function p6({ root, work, rounds, retries, facts, log }) {
  const cores = facts.nproc
  log(`P6: writing ${ASSETS} files of ${mib(ASSET_BYTES)} of random bytes…`)
  const files = writeAssets(path.join(work, 'assets'))
  const reservoirs = watchWriteReservoir()
  try {
    const measured = await measureRounds(
      { rounds, retries, log, noisy: r => isNoisy(r.a, cores) || isNoisy(r.b, cores) },
      async n => {
        const checksumsPath = path.join(work, `checksums-${n}.txt`)
        const a = await measuredRun({
          root,
          label: '(a)',
          files,
          checks: { checksums: true },
          fn: service => publishPath({ service, files, checksumsPath })
        })
        const limiters = reservoirs.take()
        if (limiters.length !== 1) {
          throw new Error(
            `P6: expected the client's one write limiter with a reservoir, saw ${limiters.length}; update watchWriteReservoir in bench/p6.mjs`
          )
        }
        const [writeLimiter] = limiters
        const reservoirLeft = await writeLimiter.limiter.currentReservoir()
        const rateLimitLines = a.result.lines.filter(l => /rate limit/i.test(l))
        const retryLines = a.result.lines.filter(l => /attempt \d+ failed/.test(l))
        const b = await measuredRun({
          root,
          label: '(b)',
          files,
          checks: { checksums: false },
          fn: service => sequentialBaseline({ service, files })
        })
        const round = {
          n,
          a,
          b,
          aCalls: a.calls.length,
          bCalls: b.calls.length,
          aWrites: countWrites(a.calls),
          reservoir: writeLimiter.reservoir,
          reservoirUsed: writeLimiter.reservoir - reservoirLeft,
          depleted: writeLimiter.depleted,
          rateLimitLines,
          retryLines
        }
        log(
          `  round ${n}: (a) ${seconds(a.wallMs)}, ${round.aCalls} calls (${ratio(round.aCalls / ASSETS)} per asset); (b) ${seconds(b.wallMs)}, ${round.bCalls} calls; a/b ${ratio(a.wallMs / b.wallMs)}; write reservoir ${round.reservoirUsed}/${round.reservoir} used, depleted ${round.depleted}×`
        )
        return round
      }
    )
    return {
      sections: { p6: report({ measured, files, facts, retries }) },
      allNoisy: measured.every(r => r.noisy)
    }
  } finally {
    reservoirs.restore()
  }
}

function report({ measured, files, facts, retries }) {
  const used = roundsForMedian(measured)
  const met = ok => (ok ? '**met**' : '**not met**')
  const perAsset = r => r.aCalls / files.length
  // client + service CPU ÷ wall: how many of the cores the run kept busy
  const coresBusy = m => (m.selfCpuMs + m.companionCpuMs) / m.wallMs
  const callsPerAsset = median(used.map(perAsset))
  const aWall = median(used.map(r => r.a.wallMs))
  const bWall = median(used.map(r => r.b.wallMs))
  const wallRatio = median(used.map(r => r.a.wallMs / r.b.wallMs))
  const totalBytes = files.reduce((sum, f) => sum + f.size, 0)
  const waited = measured.filter(r => r.depleted > 0 || r.rateLimitLines.length > 0)
  const retried = measured.filter(r => r.retryLines.length > 0)

  const rows = measured.map(r => [
    `${r.n}${r.noisy ? ' (noisy)' : ''}`,
    seconds(r.a.wallMs),
    seconds(r.b.wallMs),
    ratio(r.a.wallMs / r.b.wallMs),
    `${r.aCalls} (${ratio(perAsset(r))})`,
    `${r.bCalls} (${ratio(r.bCalls / files.length)})`,
    `${seconds(r.a.selfCpuMs)} / ${seconds(r.b.selfCpuMs)}`,
    `${seconds(r.a.companionCpuMs)} / ${seconds(r.b.companionCpuMs)}`,
    `${ratio(coresBusy(r.a))} / ${ratio(coresBusy(r.b))}`,
    `${r.aWrites}: ${r.reservoirUsed}/${r.reservoir}, ${r.depleted > 0 ? `depleted ${r.depleted}×` : 'never empty'}`,
    `${seconds(r.a.otherCpuMs)} / ${seconds(r.b.otherCpuMs)}`,
    `${seconds(r.a.gate.waitedMs)} / ${seconds(r.b.gate.waitedMs)}`
  ])

  // calls by operation: (a) and (b), per round when the rounds differ
  const aCounts = measured.map(r => countCalls(r.a.calls))
  const bCounts = measured.map(r => countCalls(r.b.calls))
  const methods = new Map()
  for (const r of measured) {
    for (const c of [...r.a.calls, ...r.b.calls]) methods.set(c.operationId, c.method)
  }
  const operations = [...methods.keys()].sort(
    (x, y) =>
      median(aCounts.map(m => m.get(y) ?? 0)) - median(aCounts.map(m => m.get(x) ?? 0)) ||
      x.localeCompare(y)
  )
  const breakdownRows = operations.map(op => {
    const aOp = aCounts.map(m => m.get(op) ?? 0)
    return [
      `\`${op}\` (${methods.get(op)})`,
      spread(aOp),
      ratio(median(aOp) / files.length),
      spread(bCounts.map(m => m.get(op) ?? 0))
    ]
  })
  const statuses = new Set(measured.flatMap(r => [...r.a.calls, ...r.b.calls].map(c => c.status)))
  const uploadsA = aCounts.map(m => m.get('repos/upload-release-asset') ?? 0)
  const nonUpload = measured.map(
    r => r.aCalls - (countCalls(r.a.calls).get('repos/upload-release-asset') ?? 0)
  )

  return [
    `## P6: REST calls per uploaded asset and upload wall time (${files.length} × ${mib(files[0].size)})`,
    '',
    `Measured ${new Date().toISOString()} by \`npm run bench -- --only p6\` (${measured.length} rounds, a then b in every round, each on a fresh service).`,
    ...machineLines(facts),
    `- service: the loopback GitHub REST stand-in of the e2e tests (__tests__/services/github.ts, compiled to build/), started fresh for every measured run in a process of its own (bench/p6-service.mjs) so that client and service do not share one event loop; it checks every request and response against GitHub's OpenAPI description, stores the bytes in memory and hashes each upload (sha256 digest). Its \`calls\` list (every request it answered) gives the counts`,
    `- files: ${files.length} files of ${mib(files[0].size)} of random bytes (${mib(totalBytes)} in all), written once into bench/.work/p6; their sha256 is computed before the rounds (the packaging stage provides it in the action)`,
    `- (a) the project's publishing path with build/src (compiled from src/), driven as the preflight and publish-release stages drive it: \`githubReleaseApi\` (Octokit with the throttling and retry plugins), \`findOrCreateRelease\` (list releases, create a draft, list again), list the draft's assets, \`uploadAsset\` for every file with \`forEachLimit\` ${UPLOAD_CONCURRENCY} at a time (UPLOAD_CONCURRENCY; each upload's answer checked against the file's size and sha256), \`publishChecksums\` (list, upload ${CHECKSUMS}, list again until stable), list the assets and \`missingAssets\`, then \`updateRelease(draft: false, make_latest: 'true')\`. The release notes are generated (the action's default)`,
    "- (b) the sequential baseline, what typical release actions do: `getOctokit(token, { baseUrl })` of @actions/github without plugins; `repos.createRelease` (published: draft false, the same name and generated notes), then `repos.uploadReleaseAsset` for one file after another (read into a Buffer, content-type and content-length set, upload host from the release's upload_url). **(b) verifies nothing, publishes the release before its assets land (a reader can see it half-uploaded), and uploads no checksums file: it is the naive speed baseline, not an equivalent.** After each run, outside the timed part, the bench checks that the service holds the published release with every file's exact bytes (and for (a) the checksums file)",
    `- wall = the whole sequence, client creation included; 'client CPU' = user+sys CPU of the bench process (the client under test) during the run; 'service CPU' = the service process's (counted apart, not as other processes' noise); 'cores busy' = (client CPU + service CPU) ÷ wall, of ${facts.nproc} cores`,
    `- throttling: the project's client starts writes through a Bottleneck group with a reservoir (a token per write, refilled every minute); the bench watches the limiter it creates (a subclass of Bottleneck.Group that counts its 'depleted' events: the reservoir ran empty, so the next write would wait) and reads how much of the reservoir the run used. The client's log lines are checked for rate-limit retries and upload retries too`,
    `- noise: a round in which other processes took more than ${NOISE_SHARE * 100} % of all cores' time during (a) or (b) is marked noisy, measured again (at most ${retries} extra rounds) and left out of the medians when clean rounds exist. Before every run the bench waits (at most 45 s) for a second in which the CPUs are < 10 % busy ('quiet wait')`,
    '',
    table(
      [
        'round',
        'a wall',
        'b wall',
        'a/b',
        'a calls (per asset)',
        'b calls (per asset)',
        'client CPU a / b',
        'service CPU a / b',
        'cores busy a / b',
        'a writes: reservoir used',
        'other CPU a / b',
        'quiet wait a / b'
      ],
      rows
    ),
    '',
    `Medians ${medianBasis(measured, r => r.n)}: **P6 calls per asset** (a) = **${ratio(callsPerAsset)}** (goal ≤ ${GOAL}: ${met(callsPerAsset <= GOAL)}); wall (a) ${seconds(aWall)}, (b) ${seconds(bWall)}; **a/b wall = ${ratio(wallRatio)}** (median of the rounds' ratios). Cores busy (client + service CPU ÷ wall): (a) ${ratio(median(used.map(r => coresBusy(r.a))))}, (b) ${ratio(median(used.map(r => coresBusy(r.b))))} of ${facts.nproc}. The loopback service answers without network latency or bandwidth limits, so here both runs are bounded by the CPU of client and service; against GitHub, where an upload also waits on the network, (a)'s ${UPLOAD_CONCURRENCY} uploads at a time can overlap that wait and (b)'s one at a time cannot. This figure says what (a)'s extra calls and checks cost when the network is free, not what its concurrency gains on a real network.`,
    '',
    `Calls by operation, per run (a range when the rounds differ); 'a per asset' = the median count ÷ ${files.length}. HTTP statuses seen in all runs: ${[...statuses].sort((x, y) => x - y).join(', ')}.`,
    '',
    table(['operation', '(a) calls', 'a per asset', '(b) calls'], breakdownRows),
    '',
    `(a) made ${spread(uploadsA)} uploads (${files.length} files and ${CHECKSUMS}) and ${spread(nonUpload)} other calls per run: the other calls are a fixed cost per release, so calls per asset fall as assets are added.`,
    '',
    waited.length === 0
      ? `Throttling: in no round did (a) wait on the write reservoir (it was never emptied: ${spread(measured.map(r => r.reservoirUsed))} of its ${spread(measured.map(r => r.reservoir))} writes per minute used, matching the ${spread(measured.map(r => r.aWrites))} writes the service counted) and the client logged no rate-limit retry.`
      : `Throttling: (a) may have waited on the write reservoir or a rate limit in round${waited.length === 1 ? '' : 's'} ${waited.map(r => `${r.n} (reservoir depleted ${r.depleted}×, ${r.rateLimitLines.length} rate-limit lines)`).join(', ')}.`,
    retried.length === 0
      ? 'No upload of (a) was retried.'
      : `Uploads of (a) were retried in round${retried.length === 1 ? '' : 's'} ${retried.map(r => `${r.n} (${r.retryLines.length}×)`).join(', ')}.`
  ].join('\n')
}
