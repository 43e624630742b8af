import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { realProcess } from '../../src/ports/process.js'
import { copyFixture, gitInit } from '../fakes/context.js'
import { runStep } from '../fakes/runner.js'

/** These tests run the committed bundle, exactly what `uses: org/go-xbuild-action@v1` runs. */
describe('dist/main.js spawned as a runner does', () => {
  test('a tag build of 6 targets sets every output and writes the job summary', async () => {
    const workspace = copyFixture('hello')
    const sha = await gitInit(workspace, { epoch: 1_750_000_000 })
    const step = await runStep(
      'dist/main.js',
      {
        targets: 'linux/amd64, linux/arm64, linux/arm/7\nwindows/amd64\ndarwin/amd64,darwin/arm64'
      },
      {
        workspace,
        env: {
          GITHUB_REF: 'refs/tags/v3.1.0',
          GITHUB_REF_NAME: 'v3.1.0',
          GITHUB_REF_TYPE: 'tag',
          GITHUB_SHA: sha
        }
      }
    )
    expect(step.stderr).toBe('')
    expect(step.code).toBe(0)
    expect(step.outputs.version).toBe('3.1.0')
    expect(step.outputs['dist-dir']).toBe(path.join(fs.realpathSync(workspace), 'dist'))
    expect(step.outputs['checksums-file']).toBe(
      path.join(step.outputs['dist-dir']!, 'checksums.txt')
    )
    const artifacts = JSON.parse(step.outputs.artifacts!) as {
      target: string
      name: string
      sha256: string
    }[]
    expect(artifacts.map(a => a.name)).toEqual([
      'hello-fixture_3.1.0_linux_amd64.tar.gz',
      'hello-fixture_3.1.0_linux_arm64.tar.gz',
      'hello-fixture_3.1.0_linux_armv7.tar.gz',
      'hello-fixture_3.1.0_windows_amd64.zip',
      'hello-fixture_3.1.0_darwin_amd64.tar.gz',
      'hello-fixture_3.1.0_darwin_arm64.tar.gz'
    ])
    const checksums = fs.readFileSync(step.outputs['checksums-file']!, 'utf8')
    for (const a of artifacts) expect(checksums).toContain(`${a.sha256}  ${a.name}\n`)
    // One collapsible group per stage, per-target progress lines, and the summary table.
    for (const group of [
      'resolving toolchain',
      'building binaries',
      'verifying binaries',
      'packaging archives',
      'writing checksums',
      'reporting'
    ]) {
      expect(step.stdout).toMatch(new RegExp(`^::group::${group}`, 'm'))
    }
    expect(step.stdout).toMatch(/^built linux_arm64 hello-fixture \(.+\) in [\d.]+m?s$/m)
    expect(step.summary).toContain('<table>')
    expect(step.summary).toContain('hello-fixture_3.1.0_windows_amd64.zip')
  })

  test('with buildvcs on, the output folder inside the checkout does not make the build dirty', async () => {
    const workspace = copyFixture('hello')
    const sha = await gitInit(workspace, { tag: 'v1.5.0' })
    const step = await runStep(
      'dist/main.js',
      { targets: 'linux/amd64', buildvcs: 'true', archive: 'binary', 'upload-artifacts': 'false' },
      { workspace, env: { GITHUB_REF: 'refs/tags/v1.5.0', GITHUB_SHA: sha } }
    )
    expect([step.code, step.stderr]).toEqual([0, ''])
    const [binary] = JSON.parse(step.outputs.artifacts!) as { name: string }[]
    const info = await realProcess.run(
      'go',
      ['version', '-m', path.join(step.outputs['dist-dir']!, binary!.name)],
      { env: process.env as Record<string, string> }
    )
    expect(info.stdout).toContain(`build\tvcs.revision=${sha}\n`)
    expect(info.stdout).toContain('build\tvcs.modified=false\n')
    // Go stamps a tagged clean checkout with the tag, a dirty one with "+dirty".
    expect(info.stdout).toMatch(/^\tmod\t\S+\tv1\.5\.0\t/m)
    // git itself sees a clean tree after the run.
    const status = await realProcess.run('git', ['status', '--porcelain'], { cwd: workspace })
    expect(status.stdout).toBe('')
  })

  test('a compile error fails the step naming the target, with the output fenced off from workflow commands', async () => {
    const workspace = copyFixture('broken')
    const step = await runStep('dist/main.js', { targets: 'linux/amd64' }, { workspace })
    expect(step.code).toBe(1)
    expect(step.stdout).toMatch(
      /^::error::go-xbuild: linux_amd64: go build \. exited 1: .*main\.go:\d+:\d+: undefined: Foo/m
    )
    // Every relayed block sits between ::stop-commands::<token> and ::<token>::.
    const fences = [...step.stdout.matchAll(/^::stop-commands::([0-9a-f-]{36})$/gm)].map(m =>
      step.stdout.slice(m.index, step.stdout.indexOf(`::${m[1]}::`, m.index))
    )
    expect(fences.filter(f => f.includes('undefined: Foo'))).toHaveLength(1)
    const outside = fences.reduce((text, fence) => text.replace(fence, ''), step.stdout)
    expect(outside).not.toMatch(/^\S*main\.go:\d+:\d+: undefined: Foo$/m)
    expect(step.stdout).toMatch(/^::add-matcher::.+go-xbuild-matcher-\d+\.json$/m)
    expect(step.stdout).toMatch(/^::remove-matcher owner=go-xbuild::$/m)
  })

  test('shell payloads in inputs are data: passed verbatim as one argument, nothing executes', async () => {
    const workspace = copyFixture('hello')
    await gitInit(workspace)
    const canary = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-canary-')), 'pwned')
    const payloads = [
      `$(touch ${canary})`,
      `\`touch ${canary}\``,
      `; touch ${canary}`,
      `' ; touch ${canary} ; '`
    ]
    const step = await runStep(
      'dist/main.js',
      {
        targets: 'linux/amd64',
        ldflags: `-X 'main.version=${payloads[0]}' -X 'main.commit=${payloads[1]}${payloads[2]}'`,
        env: `CGO_CFLAGS=${payloads[3]}`,
        dist: `out $(touch ${canary})`
      },
      { workspace }
    )
    expect(fs.existsSync(canary)).toBe(false)
    // The build went through with the payloads as plain strings inside the binary.
    expect([step.code, step.stdout.match(/::error::.*/)?.[0]]).toEqual([0, undefined])
    const bin = path.join(step.outputs['dist-dir']!, 'linux_amd64', 'hello-fixture')
    const out = await realProcess.run(bin, [], { env: {} })
    expect(out.stdout).toContain(`version=${payloads[0]} commit=${payloads[1]}${payloads[2]}`)
    expect(fs.existsSync(canary)).toBe(false)
  })

  test('bad inputs fail the step before building and list every problem', async () => {
    const workspace = copyFixture('hello')
    const step = await runStep(
      'dist/main.js',
      { targets: 'linux/amd46\nlinux/arm/8', flags: '-toolexec=/bin/sh' },
      { workspace }
    )
    expect(step.code).toBe(1)
    expect(step.stdout).toMatch(/^::error::3 invalid inputs:/m)
    expect(step.stdout).toContain('targets: "linux/amd46" is not a GOOS/GOARCH pair')
    expect(fs.existsSync(path.join(workspace, 'dist'))).toBe(false)
    expect(step.stdout).not.toMatch(/building binaries/)
  })
})
