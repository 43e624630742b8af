import { DefaultArtifactClient } from '@actions/artifact'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { copyFixture, gitInit } from '../fakes/context.js'
import { runStep, type StepResult } from '../fakes/runner.js'
import { startAzurite, type Azurite } from '../services/azurite.js'
import {
  runnerEnvFor,
  startResultsService,
  type ResultsService
} from '../services/results-service.js'

/**
 * dist/main.js uploading its files as a workflow artifact to the loopback results service
 * (artifact twirp) with Azurite behind the signed URLs; the test downloads the artifact back with
 * the real @actions/artifact client.
 */
let azurite: Azurite
let service: ResultsService
let workspace: string
let sha: string
const NAME = 'hello-fixture_linux_amd64-windows_amd64'

beforeAll(async () => {
  azurite = await startAzurite()
  service = await startResultsService({ azurite })
  workspace = copyFixture('hello')
  sha = await gitInit(workspace)
})

afterAll(async () => {
  await service?.stop()
  await azurite?.stop()
})

async function job(
  inputs: Record<string, string> = {},
  env: Record<string, string> = {}
): Promise<StepResult> {
  const step = await runStep(
    'dist/main.js',
    { targets: 'linux/amd64,windows/amd64', cache: 'false', ...inputs },
    {
      workspace,
      env: {
        ...runnerEnvFor(service),
        GITHUB_REF: 'refs/heads/main',
        GITHUB_SHA: sha,
        ...env
      }
    }
  )
  if (step.code !== 0) throw new Error(`step failed:\n${step.stdout}\n${step.stderr}`)
  return step
}

/** Downloads an artifact with the toolkit's own client, as a later job would. */
async function download(id: number): Promise<Record<string, Buffer>> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-artifact-'))
  const saved = { ...process.env }
  Object.assign(process.env, runnerEnvFor(service))
  try {
    await new DefaultArtifactClient().downloadArtifact(id, { path: dir })
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key]
    Object.assign(process.env, saved)
  }
  return Object.fromEntries(
    fs.readdirSync(dir).map(name => [name, fs.readFileSync(path.join(dir, name))])
  )
}

test('uploads archives and checksums as one artifact named after the targets; a later job downloads the same bytes', async () => {
  const step = await job({ 'retention-days': '3' })
  const ids = JSON.parse(step.outputs['artifact-ids']!) as number[]
  const stored = service.artifacts().filter(a => a.finalized)
  expect(stored.map(a => [a.id, a.name])).toEqual([[ids[0], NAME]])
  expect(stored[0]!.digest).toBe(`sha256:${stored[0]!.storedSha256}`)
  // Three days from now, give or take the run's own minutes.
  const days = (Date.parse(stored[0]!.expiresAt!) - Date.now()) / 86_400_000
  expect(days).toBeGreaterThan(2.9)
  expect(days).toBeLessThanOrEqual(3)

  const files = await download(ids[0]!)
  const dist = step.outputs['dist-dir']!
  expect(Object.keys(files).sort()).toEqual([
    'checksums.txt',
    `hello-fixture_${step.outputs.version}_linux_amd64.tar.gz`,
    `hello-fixture_${step.outputs.version}_windows_amd64.zip`
  ])
  for (const [name, bytes] of Object.entries(files)) {
    expect(bytes.equals(fs.readFileSync(path.join(dist, name)))).toBe(true)
  }
})

test('a re-run of the job (attempt 2, same run) replaces the artifact instead of failing on its name', async () => {
  const before = service.artifacts().filter(a => a.finalized && a.name === NAME)
  expect(before).toHaveLength(1)
  const step = await job({}, { GITHUB_RUN_ATTEMPT: '2' })
  expect(step.stdout).toMatch(/replaced the one an earlier attempt of this run uploaded/)
  const after = service.artifacts().filter(a => a.finalized && a.name === NAME)
  expect(after).toHaveLength(1)
  expect(after[0]!.id).not.toBe(before[0]!.id)
  expect(JSON.parse(step.outputs['artifact-ids']!)).toEqual([after[0]!.id])
})

test('artifact-name and upload-artifacts: false', async () => {
  const named = await job({ 'artifact-name': 'my-binaries' })
  expect(service.artifacts().some(a => a.finalized && a.name === 'my-binaries')).toBe(true)
  expect(JSON.parse(named.outputs['artifact-ids']!)).toHaveLength(1)
  const count = service.artifacts().length
  const off = await job({ 'upload-artifacts': 'false', 'artifact-name': 'never' })
  expect(off.stdout).toMatch(/^skipped uploading workflow artifacts: upload-artifacts is false$/m)
  expect(off.outputs['artifact-ids']).toBe('[]')
  expect(service.artifacts()).toHaveLength(count)
})
