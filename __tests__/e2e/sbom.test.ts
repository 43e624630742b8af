import * as crypto from 'node:crypto'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { realProcess } from '../../src/ports/process.js'
import { copyFixture, gitInit } from '../fakes/context.js'
import { sha256sumRelease } from '../fakes/release-check.js'
import { runStep, type StepResult } from '../fakes/runner.js'
import { cyclonedxValidator, spdx23Problems } from '../fakes/schemas.js'
import { startAzurite, type Azurite } from '../services/azurite.js'
import { githubEnvFor, startGitHubService } from '../services/github.js'
import {
  runnerEnvFor,
  startResultsService,
  type ResultsService
} from '../services/results-service.js'

/** The deps fixture (github.com/google/uuid from the file:// proxy) built by the bundle with sbom on. */
const EPOCH = 1_720_000_000
const TARGETS = 'linux/amd64, windows/arm64'
const proxy = path.join(import.meta.dirname, '..', 'fixtures', 'goproxy')

interface Module {
  path: string
  version: string
  sum: string
}

/** `go version -m <bin>` (the text form, parsed here on its own): deps after replacements. */
async function goVersionM(bin: string): Promise<{ go: string; main: string; deps: Module[] }> {
  const out = await realProcess.run('go', ['version', '-m', bin], {
    env: process.env as Record<string, string>
  })
  expect(out.code).toBe(0)
  const lines = out.stdout.split('\n')
  const go = lines[0]!.slice(lines[0]!.lastIndexOf(' ') + 1)
  let main = ''
  const deps: Module[] = []
  for (const line of lines.slice(1)) {
    const [, kind, p, version, sum] = line.split('\t')
    if (kind === 'mod') main = p!
    else if (kind === 'dep') deps.push({ path: p!, version: version!, sum: sum ?? '' })
    else if (kind === '=>') deps[deps.length - 1] = { path: p!, version: version!, sum: sum ?? '' }
  }
  return { go, main, deps }
}

describe('sbom: cyclonedx-json, spdx-json on a real build of a module with a dependency', () => {
  let root: string
  let steps: StepResult[]
  let dists: string[]

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-sbom-'))
    steps = []
    dists = []
    // Two checkouts of one commit in different folders, as two runners would build it.
    for (const name of ['a', 'b']) {
      const workspace = path.join(root, name)
      fs.mkdirSync(workspace)
      copyFixture('deps', { into: workspace })
      const sha = await gitInit(workspace, { epoch: EPOCH, tag: 'v2.0.0' })
      const step = await runStep(
        'dist/main.js',
        { targets: TARGETS, sbom: 'cyclonedx-json, spdx-json', cache: 'false' },
        {
          workspace,
          env: {
            GOPROXY: `file://${proxy}`,
            GOMODCACHE: path.join(root, `modcache-${name}`),
            GOFLAGS: '-modcacherw',
            GITHUB_REF: 'refs/tags/v2.0.0',
            GITHUB_SHA: sha
          }
        }
      )
      expect([step.code, step.stderr]).toEqual([0, ''])
      steps.push(step)
      dists.push(step.outputs['dist-dir']!)
    }
  })

  afterAll(() => fs.rmSync(root, { recursive: true, force: true }))

  const sbomNames = [
    'deps_2.0.0_linux_amd64.tar.gz.sbom.cdx.json',
    'deps_2.0.0_linux_amd64.tar.gz.sbom.spdx.json',
    'deps_2.0.0_windows_arm64.zip.sbom.cdx.json',
    'deps_2.0.0_windows_arm64.zip.sbom.spdx.json'
  ]

  test('one SBOM per archive and format, in checksums.txt, which sha256sum --strict -c accepts', async () => {
    const dist = dists[0]!
    const checksums = fs.readFileSync(path.join(dist, 'checksums.txt'), 'utf8')
    const names = checksums
      .trimEnd()
      .split('\n')
      .map(l => l.split('  ')[1])
    expect(names).toEqual(
      ['deps_2.0.0_linux_amd64.tar.gz', 'deps_2.0.0_windows_arm64.zip', ...sbomNames].sort()
    )
    const out = await realProcess.run('sha256sum', ['--strict', '-c', 'checksums.txt'], {
      cwd: dist,
      env: process.env as Record<string, string>
    })
    expect([out.code, out.stderr]).toEqual([0, ''])
    expect(out.stdout.split('\n').filter(l => l.endsWith(': OK'))).toHaveLength(6)
    expect(steps[0]!.stdout).toMatch(/^::group::writing SBOMs/m)
  })

  test('each CycloneDX file is valid against the official 1.6 schema (@cyclonedx/cyclonedx-library)', () => {
    const validate = cyclonedxValidator()
    for (const name of sbomNames.filter(n => n.endsWith('.cdx.json'))) {
      const doc = JSON.parse(fs.readFileSync(path.join(dists[0]!, name), 'utf8')) as unknown
      expect([name, validate(doc)]).toEqual([name, []])
    }
  })

  test('each SPDX file has SPDX 2.3’s mandatory fields and consistent identifiers', () => {
    for (const name of sbomNames.filter(n => n.endsWith('.spdx.json'))) {
      const doc = JSON.parse(fs.readFileSync(path.join(dists[0]!, name), 'utf8')) as Record<
        string,
        unknown
      >
      expect([name, spdx23Problems(doc)]).toEqual([name, []])
    }
  })

  test('the module lists match go version -m of the binaries: path, version, h1 sum, Go version', async () => {
    const dist = dists[0]!
    for (const [target, archive] of [
      ['linux_amd64', 'deps_2.0.0_linux_amd64.tar.gz'],
      ['windows_arm64', 'deps_2.0.0_windows_arm64.zip']
    ] as const) {
      const bin = fs.readdirSync(path.join(dist, target))[0]!
      const real = await goVersionM(path.join(dist, target, bin))
      expect(real.deps).toEqual([
        {
          path: 'github.com/google/uuid',
          version: 'v1.6.0',
          sum: 'h1:NIvaJDMOsjHA8n1jAhLSgzrAzy1Hgr+hNrb57e+94F0='
        }
      ])

      const cdx = JSON.parse(
        fs.readFileSync(path.join(dist, `${archive}.sbom.cdx.json`), 'utf8')
      ) as {
        metadata: { component: { name: string; version: string; purl: string } }
        components: {
          type: string
          name: string
          version?: string
          purl?: string
          hashes?: { content: string }[]
          properties: { name: string; value: string }[]
        }[]
      }
      expect(cdx.metadata.component).toMatchObject({
        name: real.main,
        version: 'v2.0.0',
        purl: `pkg:golang/${real.main}@v2.0.0`
      })
      const libs = cdx.components.filter(c => c.type === 'library')
      expect(
        libs.map(c => ({
          path: c.name,
          version: c.version,
          sum: c.properties.find(p => p.name === 'go:module:sum')?.value,
          h1FromHash: 'h1:' + Buffer.from(c.hashes![0]!.content, 'hex').toString('base64'),
          purl: c.purl
        }))
      ).toEqual(
        real.deps.map(d => ({
          ...d,
          h1FromHash: d.sum,
          purl: `pkg:golang/${d.path}@${d.version}`
        }))
      )
      const app = cdx.components.find(c => c.type === 'application')!
      expect(app.name).toBe(bin)
      expect(app.properties).toContainEqual({ name: 'go:version', value: real.go })
      expect(app.properties).toContainEqual({
        name: 'go:build:GOARCH',
        value: target.split('_')[1]
      })

      const spdx = JSON.parse(
        fs.readFileSync(path.join(dist, `${archive}.sbom.spdx.json`), 'utf8')
      ) as {
        packages: {
          name: string
          versionInfo?: string
          primaryPackagePurpose: string
          checksums?: { checksumValue: string }[]
          externalRefs?: { referenceLocator: string }[]
        }[]
      }
      expect(
        spdx.packages
          .filter(p => p.primaryPackagePurpose === 'LIBRARY')
          .map(p => ({
            path: p.name,
            version: p.versionInfo,
            sum: 'h1:' + Buffer.from(p.checksums![0]!.checksumValue, 'hex').toString('base64'),
            purl: p.externalRefs![0]!.referenceLocator
          }))
      ).toEqual(real.deps.map(d => ({ ...d, purl: `pkg:golang/${d.path}@${d.version}` })))
    }
  })

  test('two builds of one commit in two folders give byte-identical SBOMs (and checksums)', () => {
    for (const name of [...sbomNames, 'checksums.txt']) {
      const a = fs.readFileSync(path.join(dists[0]!, name))
      const b = fs.readFileSync(path.join(dists[1]!, name))
      expect([name, a.equals(b)]).toEqual([name, true])
    }
    // Nothing in them comes from the clock: the commit time is the only date.
    const cdx = fs.readFileSync(path.join(dists[0]!, sbomNames[0]!), 'utf8')
    expect(JSON.parse(cdx).metadata.timestamp).toBe(
      new Date(EPOCH * 1000).toISOString().replace('.000Z', 'Z')
    )
  })
})

test('with upx and universal binaries: SBOMs of a packed binary and of darwin_all list the modules go version -m read before packing', async () => {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-sbom-upx-'))
  copyFixture('deps', { into: workspace })
  const sha = await gitInit(workspace, { epoch: EPOCH, tag: 'v2.0.0' })
  const step = await runStep(
    'dist/main.js',
    {
      targets: 'linux/amd64, darwin/amd64, darwin/arm64',
      sbom: 'cyclonedx-json',
      upx: 'linux/amd64',
      'universal-binaries': 'replace',
      cache: 'false'
    },
    {
      workspace,
      env: {
        GOPROXY: `file://${proxy}`,
        GOMODCACHE: path.join(workspace, '.modcache'),
        GOFLAGS: '-modcacherw',
        GITHUB_REF: 'refs/tags/v2.0.0',
        GITHUB_SHA: sha
      }
    }
  )
  expect([step.code, step.stderr]).toEqual([0, ''])
  const dist = step.outputs['dist-dir']!
  // The packed binary: Go can no longer read its build info, the SBOM was made from it before.
  const packed = path.join(workspace, 'packed')
  fs.mkdirSync(packed)
  await realProcess.run(
    'tar',
    ['-xzf', path.join(dist, 'deps_2.0.0_linux_amd64.tar.gz'), '-C', packed],
    {
      env: process.env as Record<string, string>
    }
  )
  const unreadable = await realProcess.run('go', ['version', '-m', path.join(packed, 'deps')], {
    env: process.env as Record<string, string>
  })
  expect(unreadable.stdout + unreadable.stderr).toMatch(
    /not a Go executable|could not read Go build info/
  )
  const validate = cyclonedxValidator()
  for (const name of [
    'deps_2.0.0_linux_amd64.tar.gz.sbom.cdx.json',
    'deps_2.0.0_darwin_all.tar.gz.sbom.cdx.json'
  ]) {
    const doc = JSON.parse(fs.readFileSync(path.join(dist, name), 'utf8')) as {
      components?: { purl?: string }[]
    }
    expect([name, validate(doc)]).toEqual([name, []])
    expect(doc.components?.map(c => c.purl)).toContain('pkg:golang/github.com/google/uuid@v1.6.0')
  }
  fs.rmSync(workspace, { recursive: true, force: true })
})

describe('sbom in plan → legs → publish: the fan-in expects every leg’s SBOMs', () => {
  const TAG = 'v4.0.0'
  let azurite: Azurite
  let service: ResultsService

  beforeAll(async () => {
    azurite = await startAzurite()
    service = await startResultsService({ azurite })
  })

  afterAll(async () => {
    await service?.stop()
    await azurite?.stop()
  })

  /** Two legs (the second with `legSbom`), then the publish job with sbom: cyclonedx-json. */
  async function flow(legSbom: string): Promise<{
    publish: StepResult
    gh: Awaited<ReturnType<typeof startGitHubService>>
  }> {
    const gh = await startGitHubService()
    const workspace = copyFixture('hello')
    const sha = await gitInit(workspace, { tag: TAG })
    // A run of its own, so artifacts of other tests' runs are not listed.
    const env = {
      ...runnerEnvFor(service),
      ACTIONS_RUNTIME_TOKEN: service.token(crypto.randomUUID(), crypto.randomUUID()),
      GITHUB_REF: `refs/tags/${TAG}`,
      GITHUB_SHA: sha
    }
    const legs = [
      { shard: '1-of-2', targets: 'linux/amd64', sbom: 'cyclonedx-json' },
      { shard: '2-of-2', targets: 'windows/amd64', sbom: legSbom }
    ]
    for (const leg of legs) {
      const dir = copyFixture('hello')
      await gitInit(dir, { tag: TAG })
      const step = await runStep(
        'dist/main.js',
        { mode: 'build', cache: 'false', ...leg },
        { workspace: dir, env }
      )
      expect([leg.shard, step.code, step.stderr]).toEqual([leg.shard, 0, ''])
    }
    const publish = await runStep(
      'dist/main.js',
      {
        mode: 'publish',
        targets: 'linux/amd64,windows/amd64',
        sbom: 'cyclonedx-json',
        'github-token': gh.token
      },
      { workspace, env: { ...env, ...githubEnvFor(gh) } }
    )
    return { publish, gh }
  }

  test('every leg built SBOMs: the release holds them, covered by checksums.txt', async () => {
    const { publish, gh } = await flow('cyclonedx-json')
    try {
      // stderr may carry a dependency's Buffer() deprecation warning: the exit code is what counts.
      expect([publish.code, publish.code === 0 ? '' : publish.stdout]).toEqual([0, ''])
      const release = gh.releases()[0]!
      expect(release.draft).toBe(false)
      expect(release.assets.map(a => a.name).sort()).toEqual([
        'checksums.txt',
        'hello-fixture_4.0.0_linux_amd64.tar.gz',
        'hello-fixture_4.0.0_linux_amd64.tar.gz.sbom.cdx.json',
        'hello-fixture_4.0.0_windows_amd64.zip',
        'hello-fixture_4.0.0_windows_amd64.zip.sbom.cdx.json'
      ])
      expect(await sha256sumRelease(gh, release)).toEqual(
        release.assets
          .map(a => a.name)
          .filter(n => n !== 'checksums.txt')
          .sort()
      )
      expect(gh.contractViolations).toEqual([])
    } finally {
      await gh.stop()
    }
  })

  test('a leg built without sbom: publish fails naming the input and each leg’s value; nothing is published', async () => {
    const { publish, gh } = await flow('false')
    try {
      expect(publish.code).toBe(1)
      expect(publish.stdout).toMatch(
        /::error::.*legs disagree on sbom: shard-1-of-2 cyclonedx-json, shard-2-of-2 \(none\)/
      )
      expect(gh.releases().every(r => r.draft && r.assets.length === 0)).toBe(true)
    } finally {
      await gh.stop()
    }
  })
})
