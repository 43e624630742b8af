import { isGoPlan } from '../../src/facts.js'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { readBinaryHeader } from '../../src/binary-header.js'
import { runStages } from '../../src/pipeline.js'
import { realProcess } from '../../src/ports/process.js'
import { copyFixture, gitInit, testContext } from '../fakes/context.js'

const TARGETS = [
  'linux/amd64',
  'linux/arm64',
  'linux/arm/7',
  'linux/386',
  'linux/riscv64',
  'windows/amd64',
  'windows/arm64',
  'darwin/amd64',
  'darwin/arm64',
  'freebsd/amd64'
]
const EPOCH = 1_700_000_000

function sha256sum(
  dir: string,
  file: string
): Promise<{ code: number; stdout: string; stderr: string }> {
  return realProcess.run('sha256sum', ['--strict', '-c', file], {
    cwd: dir,
    env: process.env as Record<string, string>
  })
}

describe('cross-building the hello fixture for 10 targets', () => {
  let workspace: string
  let run: ReturnType<typeof testContext>
  let commit: string

  beforeAll(async () => {
    workspace = copyFixture('hello')
    commit = await gitInit(workspace, { tag: 'v1.4.2', epoch: EPOCH })
    run = testContext(
      {
        targets: TARGETS.join('\n'),
        ldflags:
          '-s -w -X main.version={{.Version}} -X main.commit={{.ShortCommit}} -X main.date={{.Date}}'
      },
      { workspace }
    )
    await runStages(run.ctx)
  })

  test('every binary has the header of its target', async () => {
    const binaries = run.ctx.artifacts.byKind('binary')
    expect(binaries.map(b => b.target!.id).sort()).toEqual(
      TARGETS.map(t => t.replaceAll('/', '_')).sort()
    )
    for (const b of binaries) {
      const header = await readBinaryHeader(b.path)
      expect([b.target!.id, header.goarch]).toEqual([b.target!.id, b.target!.goarch])
      expect(fs.statSync(b.path).mtimeMs / 1000).toBe(EPOCH)
    }
  })

  test('the version comes from the tag and every stamp reaches the binary (linux/arm64 under QEMU)', async () => {
    const arm64 = run.ctx.artifacts.byKind('binary', 'linux_arm64')[0]!
    const out = await realProcess.run('qemu-aarch64-static', [arm64.path], {
      env: process.env as Record<string, string>
    })
    expect(out.code).toBe(0)
    expect(out.stdout).toContain(
      `version=1.4.2 commit=${commit.slice(0, 7)} date=2023-11-14T22:13:20Z os=linux arch=arm64`
    )
  })

  test('linux/arm/7 runs under QEMU', async () => {
    const arm = run.ctx.artifacts.byKind('binary', 'linux_arm_7')[0]!
    const out = await realProcess.run('qemu-arm-static', [arm.path], {
      env: process.env as Record<string, string>
    })
    expect(out.stdout).toContain('arch=arm')
  })

  test('archives: zip for windows, tar.gz elsewhere, named by the default template', () => {
    const names = run.ctx.artifacts
      .byKind('archive')
      .map(a => a.name)
      .sort()
    expect(names).toContain('hello-fixture_1.4.2_windows_amd64.zip')
    expect(names).toContain('hello-fixture_1.4.2_linux_armv7.tar.gz')
    expect(names).toContain('hello-fixture_1.4.2_darwin_arm64.tar.gz')
    expect(names).toHaveLength(TARGETS.length)
  })

  test('an archive holds the binary and the default extra files', async () => {
    const dist = run.outputs.get('dist-dir')!
    const out = await realProcess.run(
      'tar',
      ['--numeric-owner', '-tvzf', path.join(dist, 'hello-fixture_1.4.2_linux_amd64.tar.gz')],
      {
        env: process.env as Record<string, string>
      }
    )
    const listing = out.stdout.trim().split('\n')
    expect(listing.map(l => l.split(/\s+/).pop())).toEqual([
      'LICENSE',
      'README.md',
      'hello-fixture'
    ])
    expect(listing[2]).toMatch(/^-rwxr-xr-x 0\/0 /)
    expect(listing[0]).toMatch(/^-rw-r--r-- 0\/0 /)
  })

  test('sha256sum --strict -c accepts checksums.txt, and a changed archive fails it', async () => {
    const dist = run.outputs.get('dist-dir')!
    const ok = await sha256sum(dist, 'checksums.txt')
    expect(ok.stderr).toBe('')
    expect(ok.code).toBe(0)
    expect(ok.stdout.trim().split('\n')).toHaveLength(TARGETS.length)
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-tamper-'))
    fs.cpSync(dist, copy, { recursive: true })
    fs.appendFileSync(path.join(copy, 'hello-fixture_1.4.2_linux_amd64.tar.gz'), 'x')
    expect((await sha256sum(copy, 'checksums.txt')).code).not.toBe(0)
  })

  test('outputs list every target with archive, size and sha256', () => {
    const artifacts = JSON.parse(run.outputs.get('artifacts')!) as {
      target: string
      archive: string
      size: number
      sha256: string
      binary: string
    }[]
    expect(artifacts).toHaveLength(TARGETS.length)
    for (const a of artifacts) {
      expect(fs.statSync(a.archive).size).toBe(a.size)
      expect(a.sha256).toMatch(/^[0-9a-f]{64}$/)
      expect(fs.existsSync(a.binary)).toBe(true)
    }
    expect(run.outputs.get('version')).toBe('1.4.2')
    expect(run.summary.join('')).toContain('hello-fixture_1.4.2_linux_arm64.tar.gz')
  })
})

describe('reproducible builds', () => {
  test('the same commit built in two folders gives byte-identical binaries, archives and checksums', async () => {
    const first = copyFixture('hello')
    await gitInit(first, { epoch: EPOCH })
    const second = fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-clone-'))
    const clone = await realProcess.run('git', ['clone', '-q', first, second], {
      env: process.env as Record<string, string>
    })
    expect(clone.code).toBe(0)
    const targets = 'linux/amd64,windows/amd64,darwin/arm64,linux/arm/6'
    const dists: string[] = []
    for (const workspace of [first, second]) {
      const run = testContext({ targets, 'checksum-algorithms': 'sha256,sha512' }, { workspace })
      await runStages(run.ctx)
      dists.push(run.outputs.get('dist-dir')!)
    }
    const files = (dir: string): string[] =>
      (fs.readdirSync(dir, { recursive: true }) as string[])
        .filter(f => fs.statSync(path.join(dir, f)).isFile() && f !== 'artifacts.json')
        .sort()
    expect(files(dists[0]!)).toEqual(files(dists[1]!))
    expect(files(dists[0]!).length).toBeGreaterThan(10)
    for (const f of files(dists[0]!)) {
      expect([
        f,
        fs.readFileSync(path.join(dists[0]!, f)).equals(fs.readFileSync(path.join(dists[1]!, f)))
      ]).toEqual([f, true])
    }
    // The snapshot version carries the commit, so both folders agree on it too.
    expect(fs.readFileSync(path.join(dists[0]!, 'checksums.sha512.txt'), 'utf8')).toMatch(
      /hello-fixture_0\.0\.0-SNAPSHOT-[0-9a-f]{7}_linux_armv6\.tar\.gz/
    )
  })
})

describe('cgo cross builds with Debian cross compilers', () => {
  // .ci/run installs the cross compilers and QEMU; a missing one fails here rather than skipping.
  test('linux/amd64, linux/arm64 and windows/amd64 build with cgo; arm64 runs under QEMU with its sysroot', async () => {
    const workspace = copyFixture('cgo')
    await gitInit(workspace, { tag: 'v2.0.0' })
    const run = testContext(
      { targets: 'linux/amd64,linux/arm64,windows/amd64', cgo: 'true' },
      { workspace }
    )
    await runStages(run.ctx)
    const plans = run.ctx.facts.plans
      .filter(isGoPlan)
      .map(p => [p.target.id, p.cgo.enabled, p.cgo.cc])
    expect(plans).toEqual([
      ['linux_amd64', true, expect.stringMatching(/gcc|cc|clang/)],
      ['linux_arm64', true, 'aarch64-linux-gnu-gcc'],
      ['windows_amd64', true, 'x86_64-w64-mingw32-gcc']
    ])
    const headers = await Promise.all(
      run.ctx.artifacts.byKind('binary').map(b => readBinaryHeader(b.path))
    )
    expect(headers.map(h => [h.format, h.goarch, h.dynamic ?? false])).toEqual([
      ['elf', 'amd64', true],
      ['elf', 'arm64', true],
      ['pe', 'amd64', false]
    ])
    const arm64 = run.ctx.artifacts.byKind('binary', 'linux_arm64')[0]!
    const out = await realProcess.run(
      'qemu-aarch64-static',
      ['-L', '/usr/aarch64-linux-gnu', arm64.path],
      {
        env: process.env as Record<string, string>
      }
    )
    expect(out.stdout).toContain('cgo add(2,3)=5 version=2.0.0')
    expect(run.lines.join('\n')).toMatch(
      /linux_arm64\/cgo-fixture is dynamically linked \(interpreter \/lib\/ld-linux-aarch64\.so\.1\)/
    )
  })
})

describe('packages, formats and module modes', () => {
  test('several main packages give several binaries per target, all in one archive', async () => {
    const workspace = copyFixture('multi')
    await gitInit(workspace, { tag: 'v0.3.0' })
    const run = testContext(
      { targets: 'linux/amd64,windows/arm64', package: './cmd/...' },
      { workspace }
    )
    await runStages(run.ctx)
    expect(run.ctx.facts.binaries).toEqual([
      { name: 'client', pkg: './cmd/client' },
      { name: 'server', pkg: './cmd/server' }
    ])
    const zip = run.ctx.artifacts.byKind('archive', 'windows_arm64')[0]!
    expect(zip.name).toBe('client_0.3.0_windows_arm64.zip')
    const listing = await realProcess.run('unzip', ['-Z1', zip.path], {
      env: process.env as Record<string, string>
    })
    expect(listing.stdout.trim().split('\n')).toEqual(['client.exe', 'server.exe'])
    const server = run.ctx.artifacts
      .byKind('binary', 'linux_amd64')
      .find(b => b.binary === 'server')!
    const out = await realProcess.run(server.path, [], { env: {} })
    expect(out.stdout).toContain('server')
  })

  test('build-overrides give one binary on one target its own ldflags, and another no -trimpath; binary-targets builds one for linux only', async () => {
    const workspace = copyFixture('multi')
    await gitInit(workspace, { tag: 'v0.4.0' })
    const run = testContext(
      {
        targets: 'linux/amd64,linux/amd64/v2,windows/arm64',
        package: './cmd/...',
        'binary-targets': 'server: linux/*',
        'build-overrides': [
          '- binaries: [server]',
          '  targets: [linux/amd64/v2]',
          '  ldflags: -X main.version=own-{{.Arch}}{{.Variant}}',
          '- binaries: [client]',
          '  trimpath: false'
        ].join('\n')
      },
      { workspace }
    )
    await runStages(run.ctx)
    const env = process.env as Record<string, string>
    const runs: string[] = []
    const trimmed: string[] = []
    for (const target of ['linux_amd64', 'linux_amd64_v2']) {
      for (const b of run.ctx.artifacts.byKind('binary', target)) {
        runs.push(`${target} ${(await realProcess.run(b.path, [], { env: {} })).stdout.trim()}`)
        const info = await realProcess.run('go', ['version', '-m', b.path], { env })
        if (/-trimpath=true/.test(info.stdout)) trimmed.push(`${target} ${b.binary}`)
      }
    }
    expect(runs).toEqual([
      expect.stringMatching(/^linux_amd64 .*client.*0\.4\.0/),
      expect.stringMatching(/^linux_amd64 .*server.*0\.4\.0/),
      expect.stringMatching(/^linux_amd64_v2 .*client.*0\.4\.0/),
      expect.stringMatching(/^linux_amd64_v2 server own-amd64v2$/)
    ])
    expect(trimmed).toEqual(['linux_amd64 server', 'linux_amd64_v2 server'])
    // server is not built for windows: its zip holds client alone.
    expect(run.ctx.artifacts.byKind('binary', 'windows_arm64').map(b => b.binary)).toEqual([
      'client'
    ])
    const zip = run.ctx.artifacts.byKind('archive', 'windows_arm64')[0]!
    const listing = await realProcess.run('unzip', ['-Z1', zip.path], { env })
    expect(listing.stdout.trim().split('\n')).toEqual(['client.exe'])
  })

  test('archive: binary publishes renamed bare binaries; tar.xz and sha512 work', async () => {
    const workspace = copyFixture('hello')
    await gitInit(workspace, { tag: 'v1.0.0' })
    const bare = testContext(
      { targets: 'linux/amd64,windows/amd64', archive: 'binary' },
      { workspace }
    )
    await runStages(bare.ctx)
    expect(bare.ctx.artifacts.byKind('archive').map(a => a.name)).toEqual([
      'hello-fixture_1.0.0_linux_amd64',
      'hello-fixture_1.0.0_windows_amd64.exe'
    ])
    const xz = testContext(
      { targets: 'linux/arm64', archive: 'tar.xz', 'checksum-algorithms': 'sha512' },
      { workspace }
    )
    await runStages(xz.ctx)
    const dist = xz.outputs.get('dist-dir')!
    expect(fs.readdirSync(dist).sort()).toEqual([
      '.gitignore',
      '.go-xbuild-dist',
      'artifacts.json',
      'checksums.txt',
      'hello-fixture_1.0.0_linux_arm64.tar.xz',
      'linux_arm64'
    ])
    const check = await realProcess.run('sha512sum', ['--strict', '-c', 'checksums.txt'], {
      cwd: dist,
      env: process.env as Record<string, string>
    })
    expect(check.code).toBe(0)
    const list = await realProcess.run(
      'tar',
      ['-tJf', path.join(dist, 'hello-fixture_1.0.0_linux_arm64.tar.xz')],
      { env: process.env as Record<string, string> }
    )
    expect(list.stdout.trim().split('\n')).toEqual(['LICENSE', 'README.md', 'hello-fixture'])
  })

  test('a vendored module builds offline without go mod download', async () => {
    const workspace = copyFixture('vendored')
    const run = testContext(
      { targets: 'linux/amd64' },
      { workspace, env: { GOPROXY: 'off', GOFLAGS: '' } }
    )
    await runStages(run.ctx)
    expect(run.ctx.facts.vendored).toBe(true)
    expect(run.process.calls.some(c => c.args[0] === 'mod' && c.args[1] === 'download')).toBe(false)
    const bin = run.ctx.artifacts.byKind('binary')[0]!
    const out = await realProcess.run(bin.path, [], { env: {} })
    expect(out.code).toBe(0)
  })

  test('a module with a dependency downloads it once, from a file:// proxy', async () => {
    const workspace = copyFixture('deps')
    const proxy = path.join(import.meta.dirname, '..', 'fixtures', 'goproxy')
    const modcache = fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-modcache-'))
    const run = testContext(
      { targets: 'linux/amd64,linux/arm64' },
      {
        workspace,
        env: { GOPROXY: `file://${proxy}`, GOMODCACHE: modcache, GOFLAGS: '-modcacherw' }
      }
    )
    await runStages(run.ctx)
    expect(
      run.process.calls.filter(c => c.args[0] === 'mod' && c.args[1] === 'download')
    ).toHaveLength(1)
    expect(fs.existsSync(path.join(modcache, 'github.com', 'google', 'uuid@v1.6.0'))).toBe(true)
    expect(run.ctx.artifacts.byKind('binary')).toHaveLength(2)
  })

  test('the first-class preset builds the toolchain’s first-class ports', async () => {
    const workspace = copyFixture('hello')
    const run = testContext({ targets: 'first-class', archive: 'binary' }, { workspace })
    await runStages(run.ctx)
    expect(run.ctx.facts.plans.map(p => p.target.id).sort()).toEqual(
      [
        'darwin_amd64',
        'darwin_arm64',
        'linux_386',
        'linux_amd64',
        'linux_arm',
        'linux_arm64',
        'windows_386',
        'windows_amd64'
      ].sort()
    )
  })
})
