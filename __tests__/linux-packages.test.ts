import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { parseInputs, type InputName } from '../src/inputs/index.js'
import {
  conventionalFileName,
  nfpmArch,
  nfpmInfo,
  overriddenFor,
  PACKAGE_FORMATS,
  plannedPackages,
  relationProblem,
  splitVersion,
  type PackageSet
} from '../src/linux-packages.js'
import { ensureRunner, runnerCacheKey, runRunner } from '../src/nfpm-tool.js'
import { realProcess } from '../src/ports/process.js'
import { processEnv } from './fakes/go-tools.js'
import { scriptedProcess } from './fakes/scripted-process.js'
import { targetOf } from './fakes/targets.js'

// The linux-packages input, the packages a run plans, the nFPM request built for each, and the
// conventional file names the action computes before building, checked against nFPM itself.
const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-pkgs-')))
afterAll(() => fs.rmSync(root, { recursive: true, force: true }))

function setsOf(yaml: string, more: Partial<Record<InputName, string>> = {}) {
  const values: Partial<Record<InputName, string>> = { 'linux-packages': yaml, ...more }
  const { inputs, problems } = parseInputs(name => values[name] ?? '', {
    workspace: root,
    cpus: 2
  })
  return { sets: inputs.linuxPackages, problems }
}

test('a package set takes GoReleaser defaults for every key left out', () => {
  const { sets, problems } = setsOf('- formats: [deb, rpm]\n')
  expect(problems).toEqual([])
  expect(sets[0]).toMatchObject({
    label: 'linux-packages[0]',
    id: 'default',
    formats: ['deb', 'rpm'],
    binaries: [],
    targets: [],
    packageName: '{{ .ProjectName }}',
    bindir: '/usr/bin',
    mtime: ''
  })
  expect(sets[0]!.fileName).toContain('{{ .PackageName }}_{{ .Version }}_{{ .Os }}_{{ .Arch }}')
})

test('every bad value is reported before anything is built, naming its key', () => {
  const { problems } = setsOf(
    [
      '- id: cli',
      '  formats: [deb, msi, deb]',
      '  depends: ["libc6 (>= 2.3", "git (=> 2)", "ok (>= 1.0)", "curl | wget"]',
      '  bindir: usr/bin',
      '  contents:',
      '    - src: ../secret',
      '      dst: /etc/x',
      '    - src: conf/',
      '      dst: /etc/app',
      '      type: tree',
      '    - src: a',
      '      dst: /b',
      '      type: socket',
      '    - dst: /var/lib/app',
      '      type: dir',
      '      mode: 0999',
      '  scripts: { postinstall: "{{ .Nope }}" }',
      '  deb: { compression: lz4 }',
      '  overrides:',
      '    rpm: { maintainer: x }',
      '  colour: blue'
    ].join('\n')
  )
  const text = problems.join('\n')
  expect(text).toContain('linux-packages[0].formats: "msi" is not a package format')
  expect(text).toContain('linux-packages[0].formats: "deb" is listed twice')
  expect(text).toContain('depends: "libc6 (>= 2.3" is not a package name with an optional version')
  expect(text).toContain('depends: "git (=> 2)" has "=>", which is not a version operator')
  expect(text).not.toContain('ok (>= 1.0)')
  expect(text).not.toContain('curl | wget')
  expect(text).toContain('linux-packages[0].bindir: "usr/bin" is not an absolute path')
  expect(text).toContain('contents[0].src: "../secret" is not a path inside the module')
  expect(text).toContain('contents[1]: "tree" is not taken')
  expect(text).toContain('contents[2]: "socket" is not a content type')
  expect(text).toContain('contents[3].mode: "999" is not a file mode')
  expect(text).toContain('scripts.postinstall: unknown template field {{.Nope}}')
  expect(text).toContain('deb.compression: "lz4" is not a compression')
  expect(text).toContain('overrides.rpm: "maintainer" is not a key here')
  expect(text).toContain('linux-packages[0]: "colour" is not a key of a package set')
})

test('dependencies: names with deb- or rpm-style constraints and alternatives', () => {
  for (const ok of ['git', 'libc6 (>= 2.31)', 'bash >= 5', 'a | b (<< 2:1.0-1)', 'python3.11'])
    expect([ok, relationProblem(ok)]).toEqual([ok, undefined])
  for (const bad of ['(>= 1)', 'git (>= )', 'git >= v1', 'git (~> 1)', 'a b'])
    expect(relationProblem(bad)).toBeDefined()
})

test('packages per set, format and linux target; archlinux only where Arch has ports', () => {
  const { sets } = setsOf(
    '- formats: [deb, archlinux]\n- id: arm\n  formats: [apk]\n  targets: [linux/arm]\n'
  )
  const targets = [
    'linux/amd64',
    'linux/arm/6',
    'linux/arm/7',
    'linux/ppc64le',
    'darwin/arm64'
  ].map(targetOf)
  expect(plannedPackages(sets, targets).map(p => `${p.set}:${p.format}:${p.target.id}`)).toEqual([
    '0:deb:linux_amd64',
    '0:deb:linux_arm_6',
    '0:deb:linux_arm_7',
    '0:deb:linux_ppc64le',
    '0:archlinux:linux_amd64',
    '0:archlinux:linux_arm_7',
    '1:apk:linux_arm_6',
    '1:apk:linux_arm_7'
  ])
})

test('a format override replaces lists and texts and merges deb fields, as GoReleaser merges', () => {
  const { sets, problems } = setsOf(
    [
      '- formats: [deb, rpm]',
      '  depends: [git]',
      '  recommends: [less]',
      '  deb: { fields: { Bugs: a, Origin: o } }',
      '  overrides:',
      '    rpm: { depends: [git-core], file-name: "{{ .ConventionalFileName }}" }',
      '    deb: { deb: { fields: { Bugs: b } } }'
    ].join('\n')
  )
  expect(problems).toEqual([])
  const set = sets[0]!
  expect(overriddenFor(set, 'rpm')).toMatchObject({
    depends: ['git-core'],
    recommends: ['less'],
    fileName: '{{ .ConventionalFileName }}'
  })
  expect(overriddenFor(set, 'deb').deb?.fields).toEqual({ Bugs: 'b', Origin: 'o' })
  expect(overriddenFor(set, 'deb').depends).toEqual(['git'])
})

test('the nFPM request: metadata, binaries at bindir with 0755, the package time everywhere', () => {
  const { sets } = setsOf(
    [
      '- formats: [deb]',
      '  license: MIT',
      '  contents:',
      '    - { src: app.conf, dst: /etc/app.conf, type: "config|noreplace", mode: 0640 }',
      '    - { src: /usr/bin/app, dst: /usr/local/bin/app, type: symlink }'
    ].join('\n')
  )
  const set = sets[0] as PackageSet
  const planned = { set: 0, format: 'deb' as const, target: targetOf('linux/amd64/v3') }
  const info = nfpmInfo(
    set,
    planned,
    '1.2.3',
    {
      packageName: 'app',
      bindir: '/usr/bin',
      maintainer: 'M <m@example.com>',
      description: '',
      homepage: '',
      mtime: '2026-01-02T03:04:05Z',
      contents: set.contents!,
      scripts: {}
    },
    [{ path: '/dist/app', name: 'app' }]
  )
  expect(info).toEqual({
    name: 'app',
    arch: 'amd64',
    platform: 'linux',
    version: '1.2.3',
    maintainer: 'M <m@example.com>',
    license: 'MIT',
    mtime: '2026-01-02T03:04:05Z',
    contents: [
      {
        src: 'app.conf',
        dst: '/etc/app.conf',
        type: 'config|noreplace',
        file_info: { mode: 0o640, mtime: '2026-01-02T03:04:05Z' }
      },
      {
        src: '/usr/bin/app',
        dst: '/usr/local/bin/app',
        type: 'symlink',
        file_info: { mtime: '2026-01-02T03:04:05Z' }
      },
      {
        src: '/dist/app',
        dst: '/usr/bin/app',
        file_info: { mode: 0o755, mtime: '2026-01-02T03:04:05Z' }
      }
    ],
    deb: { arch_variant: 'v3' }
  })
})

test('nFPM architecture keys: GOARCH with GOARM (7 when not named) or the mips float mode', () => {
  expect(
    ['linux/arm/5', 'linux/arm', 'linux/mipsle/softfloat', 'linux/mips64', 'linux/386'].map(s =>
      nfpmArch(targetOf(s))
    )
  ).toEqual(['arm5', 'arm7', 'mipslesoftfloat', 'mips64hardfloat', '386'])
})

test('versions split the way nFPM splits them (Masterminds semver)', () => {
  const v = (version: string, extra: object = {}) =>
    splitVersion({ version, release: '', prerelease: '', versionMetadata: '', ...extra })
  expect(v('1.2.3-rc.1+git.abc')).toMatchObject({
    version: '1.2.3',
    prerelease: 'rc.1',
    versionMetadata: 'git.abc'
  })
  expect(v('v2')).toMatchObject({ version: '2.0.0', prerelease: '' })
  expect(v('1.2.3-rc1', { prerelease: 'beta' })).toMatchObject({ prerelease: 'beta' })
  expect(v('not-a-version')).toMatchObject({ version: 'not-a-version' })
})

// nFPM itself answers each job's conventional name: the action's, computed before the build,
// must be the same for every format, architecture and version shape.
test('conventional file names match nFPM for every format, architecture and version shape', async () => {
  const env = processEnv()
  // The job's Go version, so this and the e2e tests share one build of the runner.
  const goVersion = execFileSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' }).trim()
  const runner = await ensureRunner(realProcess, env, goVersion)
  const targets = [
    'linux/amd64',
    'linux/amd64/v3',
    'linux/386',
    'linux/arm64',
    'linux/arm/5',
    'linux/arm/6',
    'linux/arm/7',
    'linux/arm',
    'linux/ppc64le',
    'linux/s390x',
    'linux/riscv64',
    'linux/mips/softfloat',
    'linux/mipsle',
    'linux/mips64le',
    'linux/loong64'
  ].map(targetOf)
  const versions = [
    { version: '1.2.3', release: '', prerelease: '', versionMetadata: '' },
    { version: '1.2.3-rc.1-x', release: '2', prerelease: '', versionMetadata: '' },
    { version: '0.4.1-SNAPSHOT-abc1234', release: 'r5', prerelease: '', versionMetadata: 'git7' },
    { version: '2.0.0+build.5', release: 'x', prerelease: 'beta', versionMetadata: '' },
    { version: '1.0', release: '', prerelease: '', versionMetadata: 'p1' }
  ]
  const jobs = PACKAGE_FORMATS.flatMap(format =>
    targets.flatMap(target =>
      versions.map((v, i) => ({
        format,
        target,
        v,
        out: path.join(root, `${format}-${target.id}-${i}`),
        info: {
          name: 'my-app',
          arch: nfpmArch(target),
          platform: 'linux',
          version: v.version,
          release: v.release,
          prerelease: v.prerelease,
          version_metadata: v.versionMetadata,
          mtime: '2026-01-02T03:04:05Z'
        }
      }))
    )
  )
  expect(jobs.length).toBeGreaterThanOrEqual(200)
  const results = await runRunner(
    realProcess,
    runner.path,
    jobs.map(({ format, out, info }) => ({ format, out, info })),
    { cwd: root, env, parallelism: 2 }
  )
  const ours = jobs.map(j => conventionalFileName(j.format, 'my-app', j.target, j.v))
  expect(ours).toEqual(results.map(r => r.conventionalFileName))
  expect(results.filter(r => r.error).map(r => r.error)).toEqual([])
})

test('a key signs only the formats it is for: OpenPGP deb and rpm, RSA apk with its key name', () => {
  const { sets } = setsOf('- formats: [deb, rpm, apk, archlinux]\n  apk: { key-name: ops }\n')
  const set = sets[0]!
  const rendered = {
    packageName: 'app',
    bindir: '/usr/bin',
    maintainer: '',
    description: '',
    homepage: '',
    mtime: '2026-01-02T03:04:05Z',
    contents: [],
    scripts: {}
  }
  const keys = { gpg: '/tmp/k/gpg', rsa: '/tmp/k/rsa' }
  const info = (format: 'deb' | 'rpm' | 'apk' | 'archlinux') =>
    nfpmInfo(set, { set: 0, format, target: targetOf('linux/arm64') }, '1.0.0', rendered, [], keys)
  expect(info('deb').deb).toEqual({ signature: { key_file: '/tmp/k/gpg' } })
  expect(info('deb').apk).toBeUndefined()
  expect(info('rpm').rpm).toEqual({ signature: { key_file: '/tmp/k/gpg' } })
  expect(info('apk').apk).toEqual({ signature: { key_file: '/tmp/k/rsa', key_name: 'ops' } })
  expect(JSON.stringify(info('archlinux'))).not.toContain('/tmp/k/')
  // Without keys, no signature anywhere.
  expect(
    JSON.stringify(
      nfpmInfo(
        set,
        { set: 0, format: 'apk', target: targetOf('linux/arm64') },
        '1.0.0',
        rendered,
        []
      )
    )
  ).not.toContain('signature')
})

test("each format's own scripts, lintian overrides and umask: read, checked and merged", () => {
  const { sets, problems } = setsOf(
    [
      '- formats: [deb, rpm, apk, archlinux]',
      '  umask: 0o027',
      '  rpm: { scripts: { pretrans: pkg/pre.sh } }',
      '  apk: { scripts: { preupgrade: pkg/up.sh } }',
      '  archlinux: { scripts: { postupgrade: pkg/post.sh } }',
      '  deb: { lintian-overrides: [statically-linked-binary] }',
      '  overrides:',
      '    rpm: { rpm: { scripts: { posttrans: pkg/after.sh } } }'
    ].join('\n')
  )
  expect(problems).toEqual([])
  const set = sets[0]!
  expect(set.umask).toBe(0o027)
  expect(set.deb?.lintianOverrides).toEqual(['statically-linked-binary'])
  expect(overriddenFor(set, 'rpm').rpm?.scripts).toEqual({
    pretrans: 'pkg/pre.sh',
    posttrans: 'pkg/after.sh'
  })
  expect(overriddenFor(set, 'apk').apk?.scripts).toEqual({ preupgrade: 'pkg/up.sh' })
  expect(overriddenFor(set, 'archlinux').archlinux?.scripts).toEqual({ postupgrade: 'pkg/post.sh' })
  const bad = setsOf(
    [
      '- formats: [rpm]',
      '  umask: 0999',
      '  rpm: { scripts: { pretrans: ../x.sh, preinstall: a.sh } }',
      '  scripts: { postinstall: /etc/x.sh }'
    ].join('\n')
  ).problems.join('\n')
  expect(bad).toContain('linux-packages[0].umask: "999" is not a file mode mask')
  expect(bad).toContain('rpm.scripts.pretrans: "../x.sh" is not a path inside the module')
  expect(bad).toContain('rpm.scripts: "preinstall" is not a key here (pretrans, posttrans)')
  expect(bad).toContain('scripts.postinstall: "/etc/x.sh" is not a path inside the module')
})

describe('the nFPM runner: found, restored from the Actions cache, or built in a GOCACHE of its own and saved', () => {
  const cacheFake = (onRestore: (paths: string[]) => boolean) => {
    const calls: string[] = []
    return {
      calls,
      port: {
        available: () => true,
        async restore(paths: string[], key: string) {
          calls.push(`restore ${key}`)
          return onRestore(paths) ? { matchedKey: key } : {}
        },
        async save(_paths: string[], key: string) {
          calls.push(`save ${key}`)
          return { outcome: 'saved' as const }
        }
      }
    }
  }
  const envWith = (toolCache: string) => ({
    PATH: '/usr/bin',
    GOCACHE: '/job/gocache',
    RUNNER_TOOL_CACHE: toolCache
  })

  test('a miss builds it with a private GOCACHE, removed afterwards, and saves the binary', async () => {
    const toolCache = fs.mkdtempSync(path.join(root, 'tools-'))
    const cache = cacheFake(() => false)
    let gocache = ''
    const proc = scriptedProcess([
      {
        program: 'go',
        args: a => a[0] === 'build' && a.includes('-trimpath'),
        env: e =>
          e.GOCACHE !== '/job/gocache' && e.GOFLAGS === '-mod=readonly' && e.GOWORK === 'off',
        effect: call => {
          gocache = call.options.env!.GOCACHE!
          expect(fs.existsSync(gocache)).toBe(true)
          fs.writeFileSync(call.args[call.args.indexOf('-o') + 1]!, 'binary')
        }
      }
    ])
    const runner = await ensureRunner(proc, envWith(toolCache), 'go1.26.8', {
      port: cache.port,
      restore: true,
      save: true
    })
    proc.done()
    expect(runner).toMatchObject({ how: 'built', saved: { outcome: 'saved' } })
    expect(fs.readFileSync(runner.path, 'utf8')).toBe('binary')
    expect(fs.existsSync(gocache)).toBe(false)
    expect(cache.calls).toEqual([
      `restore ${runnerCacheKey(runner.path)}`,
      `save ${runnerCacheKey(runner.path)}`
    ])
    // The next job on this machine finds it: no cache, no build.
    const again = await ensureRunner(scriptedProcess(), envWith(toolCache), 'go1.26.8', {
      port: cache.port,
      restore: true,
      save: true
    })
    expect(again).toEqual({ path: runner.path, how: 'found' })
    expect(cache.calls).toHaveLength(2)
  })

  test('a hit restores it without a build; a policy without save builds and does not save', async () => {
    const toolCache = fs.mkdtempSync(path.join(root, 'tools-'))
    const hit = cacheFake(paths => {
      fs.mkdirSync(paths[0]!, { recursive: true })
      fs.writeFileSync(path.join(paths[0]!, 'nfpm-runner'), 'restored')
      return true
    })
    const restored = await ensureRunner(scriptedProcess(), envWith(toolCache), 'go1.26.8', {
      port: hit.port,
      restore: true,
      save: true
    })
    expect(restored.how).toBe('restored')
    expect(fs.readFileSync(restored.path, 'utf8')).toBe('restored')

    const other = fs.mkdtempSync(path.join(root, 'tools-'))
    const miss = cacheFake(() => false)
    const proc = scriptedProcess([
      {
        program: 'go',
        args: a => a[0] === 'build',
        effect: call => fs.writeFileSync(call.args[call.args.indexOf('-o') + 1]!, 'built')
      }
    ])
    const built = await ensureRunner(proc, envWith(other), 'go1.26.8', {
      port: miss.port,
      restore: false,
      save: false
    })
    expect(built).toEqual({ path: built.path, how: 'built' })
    expect(miss.calls).toEqual([])
  })
})
