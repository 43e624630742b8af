import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { runStages } from '../../src/pipeline.js'
import { realProcess } from '../../src/ports/process.js'
import { copyFixture, gitInit, testContext } from '../fakes/context.js'
import { cyclonedxValidator, spdx23Problems } from '../fakes/schemas.js'

interface Cdx {
  metadata: { component: { name: string; version: string } }
  components: {
    type: string
    name: string
    purl?: string
    pedigree?: unknown
    properties: { name: string; value: string }[]
  }[]
}

interface Spdx {
  packages: {
    SPDXID: string
    name: string
    primaryPackagePurpose: string
    externalRefs?: unknown[]
    comment?: string
  }[]
  relationships: { relationshipType: string; relatedSpdxElement: string }[]
}

const read = <T>(file: string): T => JSON.parse(fs.readFileSync(file, 'utf8')) as T

describe('SBOMs of real builds', () => {
  const validate = cyclonedxValidator()

  test('several binaries in one archive: one SBOM naming both, the main module once; checksummed', async () => {
    const workspace = copyFixture('multi')
    await gitInit(workspace, { tag: 'v0.3.0' })
    const run = testContext(
      { targets: 'linux/amd64', package: './cmd/...', sbom: 'cyclonedx-json,spdx-json' },
      { workspace }
    )
    await runStages(run.ctx)
    const sboms = run.ctx.artifacts.byKind('sbom')
    expect(sboms.map(s => s.name)).toEqual([
      'client_0.3.0_linux_amd64.tar.gz.sbom.cdx.json',
      'client_0.3.0_linux_amd64.tar.gz.sbom.spdx.json'
    ])
    const cdx = read<Cdx>(sboms[0]!.path)
    expect(validate(cdx)).toEqual([])
    expect(cdx.metadata.component).toMatchObject({ name: 'example.com/multi', version: 'v0.3.0' })
    expect(cdx.components.filter(c => c.type === 'application').map(c => c.name)).toEqual([
      'client',
      'server'
    ])
    expect(
      cdx.components.find(c => c.name === 'server')!.properties.find(p => p.name === 'go:package')!
        .value
    ).toBe('example.com/multi/cmd/server')
    const spdx = read<Spdx>(sboms[1]!.path)
    expect(spdx23Problems(spdx as unknown as Record<string, unknown>)).toEqual([])
    expect(spdx.packages.filter(p => p.name === 'example.com/multi')).toHaveLength(1)
    expect(
      spdx.relationships
        .filter(r => r.relationshipType === 'DESCRIBES')
        .map(r => r.relatedSpdxElement)
    ).toEqual(['SPDXRef-Binary-1', 'SPDXRef-Binary-2'])
    const sums = fs.readFileSync(path.join(run.ctx.inputs.dist, 'checksums.txt'), 'utf8')
    for (const s of sboms) expect(sums).toContain(`  ${s.name}\n`)
    expect(sboms.every(s => s.digests?.sha256)).toBe(true)
    expect(run.summary.join('\n')).toContain(
      'SBOMs (cyclonedx-json, spdx-json): client_0.3.0_linux_amd64.tar.gz.sbom.cdx.json, client_0.3.0_linux_amd64.tar.gz.sbom.spdx.json'
    )
  })

  test('archive: binary: one SBOM per published binary, describing only that binary', async () => {
    const workspace = copyFixture('multi')
    await gitInit(workspace, { tag: 'v0.3.0' })
    const run = testContext(
      { targets: 'windows/amd64', package: './cmd/...', archive: 'binary', sbom: 'spdx-json' },
      { workspace }
    )
    await runStages(run.ctx)
    const sboms = run.ctx.artifacts.byKind('sbom')
    expect(sboms.map(s => [s.name, s.binary])).toEqual([
      ['client_0.3.0_windows_amd64.exe.sbom.spdx.json', 'client'],
      ['server_0.3.0_windows_amd64.exe.sbom.spdx.json', 'server']
    ])
    const server = read<Spdx>(sboms[1]!.path)
    expect(
      server.packages.filter(p => p.primaryPackagePurpose === 'APPLICATION').map(p => p.name)
    ).toEqual(['server_0.3.0_windows_amd64.exe', 'example.com/multi'])
    expect(server.packages.find(p => p.SPDXID === 'SPDXRef-Binary-1')!.comment).toContain(
      'package example.com/multi/cmd/server'
    )
  })

  test('a dependency replaced by a folder: listed under its import path with the folder noted and no purl', async () => {
    const workspace = copyFixture('deps')
    const proxy = path.join(import.meta.dirname, '..', 'fixtures', 'goproxy')
    const modcache = fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-modcache-'))
    const env = { GOPROXY: `file://${proxy}`, GOMODCACHE: modcache, GOFLAGS: '-modcacherw' }
    const goEnv = { ...(process.env as Record<string, string>), ...env }
    expect(
      (await realProcess.run('go', ['mod', 'download'], { cwd: workspace, env: goEnv })).code
    ).toBe(0)
    fs.cpSync(
      path.join(modcache, 'github.com', 'google', 'uuid@v1.6.0'),
      path.join(workspace, 'uuidfork'),
      {
        recursive: true
      }
    )
    const edit = await realProcess.run(
      'go',
      ['mod', 'edit', '-replace', 'github.com/google/uuid=./uuidfork'],
      {
        cwd: workspace,
        env: goEnv
      }
    )
    expect(edit.code).toBe(0)
    await gitInit(workspace, { tag: 'v1.0.0' })
    const run = testContext({ targets: 'linux/amd64', sbom: 'cyclonedx-json' }, { workspace, env })
    await runStages(run.ctx)
    const cdx = read<Cdx>(run.ctx.artifacts.byKind('sbom')[0]!.path)
    expect(validate(cdx)).toEqual([])
    const uuid = cdx.components.find(c => c.name === 'github.com/google/uuid')!
    expect(uuid.purl).toBeUndefined()
    expect(uuid.properties).toContainEqual({
      name: 'go:module:replacement-dir',
      value: './uuidfork'
    })
    expect(uuid.pedigree).toEqual({
      ancestors: [
        {
          type: 'library',
          name: 'github.com/google/uuid',
          version: 'v1.6.0',
          purl: 'pkg:golang/github.com/google/uuid@v1.6.0'
        }
      ]
    })
  })

  test('a bad sbom value fails before anything is built, naming the input', async () => {
    const workspace = copyFixture('hello')
    const run = testContext({ targets: 'linux/amd64', sbom: 'spdx' }, { workspace })
    await expect(runStages(run.ctx)).rejects.toThrow(
      /sbom: "spdx" is not allowed \(allowed: false, cyclonedx-json, spdx-json/
    )
    expect(run.process.calls.some(c => c.args[0] === 'build')).toBe(false)
  })
})
