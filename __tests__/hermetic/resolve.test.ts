import * as fs from 'node:fs'
import * as path from 'node:path'
import { ProgramNotFoundError } from '../../src/ports/process.js'
import {
  fixtureWorkspace,
  hermeticContext,
  MODULES,
  moduleContext,
  multiPackages,
  problemsOf,
  validate,
  type Values
} from '../fakes/hermetic.js'
import type { Expected } from '../fakes/scripted-process.js'
import { numbered } from '../fakes/targets.js'
import {
  ccVersion,
  COMMIT,
  EPOCH,
  mainPackage,
  moduleAnswers,
  upxVersion,
  type GoPackage,
  type Repo
} from '../fakes/toolchain.js'

describe('targets are expanded against the canned go tool dist list', () => {
  test.each(
    numbered<[string, string[]]>([
      ['linux/amd64', ['linux_amd64']],
      ['linux/arm/6, linux/arm/7', ['linux_arm_6', 'linux_arm_7']],
      ['', ['linux_amd64', 'linux_arm64', 'darwin_amd64', 'darwin_arm64', 'windows_amd64']],
      ['windows/*', ['windows_386', 'windows_amd64', 'windows_arm64']],
      [
        'first-class',
        [
          'darwin_amd64',
          'darwin_arm64',
          'linux_386',
          'linux_amd64',
          'linux_arm',
          'linux_arm64',
          'windows_386',
          'windows_amd64'
        ]
      ],
      ['linux/amd64/v3\n# a comment\nlinux/*/', []],
      ['linux/riscv64, */riscv64', ['linux_riscv64', 'openbsd_riscv64']]
    ])
  )('[%d] %j -> %j', async (_n, targets, ids) => {
    const run = moduleContext({ targets })
    if (ids.length === 0) {
      expect(await problemsOf(run)).toEqual([
        'targets: "linux/*/" is not GOOS/GOARCH, GOOS/GOARCH/variant, a wildcard such as linux/* or */arm64, or the preset first-class'
      ])
    } else {
      await validate(run)
      expect(run.ctx.facts.plans.map(p => p.target.id)).toEqual(ids)
    }
    run.script.done()
  })
})

describe('binaries are named from go list', () => {
  test.each(
    numbered<[string, string[], keyof typeof MODULES, Values]>([
      ['the module root', ['hello-fixture .'], 'hello', {}],
      [
        './... keeps main packages only',
        ['client ./cmd/client', 'server ./cmd/server'],
        'multi',
        { package: './...' }
      ],
      [
        'binary-name renames in order',
        ['s ./cmd/server', 'c ./cmd/client'],
        'multi',
        { package: './cmd/server, ./cmd/client', 'binary-name': 's,c' }
      ]
    ])
  )('[%d] %s -> %j', async (_n, _what, binaries, fixture, values) => {
    const run = moduleContext(
      { targets: 'linux/amd64', ...values },
      {
        fixture,
        packages: values.package ? multiPackages(...values.package.split(/, */)) : undefined
      }
    )
    await validate(run)
    expect(run.ctx.facts.binaries.map(b => `${b.name} ${b.pkg}`)).toEqual(binaries)
    run.script.done()
  })

  test('a module path ending in /v2 names the binary after the element before it', async () => {
    const workspace = fixtureWorkspace('hello')
    const root = fs.realpathSync(workspace)
    const run = hermeticContext(
      { targets: 'linux/amd64' },
      { workspace, script: moduleAnswers({ root, modulePath: 'example.com/tool/v2' }) }
    )
    await validate(run)
    expect(run.ctx.facts.binaries).toEqual([{ name: 'tool', pkg: '.' }])
  })

  test.each(
    numbered<[string, string, Values, (root: string) => GoPackage[]]>([
      [
        'a folder that does not exist',
        'package: "./nope": stat ROOT/nope: directory not found',
        { package: './nope' },
        root => [
          {
            name: '',
            importPath: './nope',
            dir: '',
            error: `stat ${root}/nope: directory not found`
          }
        ]
      ],
      [
        'a library',
        'package: "./internal/banner" is not a main package (it is package banner); name a package with func main',
        { package: './internal/banner' },
        root => [
          {
            name: 'banner',
            importPath: `${MODULES.multi}/internal/banner`,
            dir: `${root}/internal/banner`
          }
        ]
      ],
      [
        'a wildcard without commands',
        'package: "./internal/..." matches no main package',
        { package: './internal/...' },
        root => [
          {
            name: 'banner',
            importPath: `${MODULES.multi}/internal/banner`,
            dir: `${root}/internal/banner`
          }
        ]
      ]
    ])
  )('[%d] go list of %s -> %s', async (_n, _what, problem, values, listed) => {
    const pattern = values.package!
    const run = moduleContext(
      { targets: 'linux/amd64', ...values },
      { fixture: 'multi', packages: root => ({ [pattern]: listed(root) }) }
    )
    const root = fs.realpathSync(run.ctx.inputs.workingDirectory)
    expect(await problemsOf(run)).toEqual([problem.replace('ROOT', root)])
    run.script.done()
  })
})

describe('binary-targets and build-overrides choose builds per binary and target', () => {
  const multi = (values: Values) =>
    moduleContext(
      { targets: 'linux/amd64,windows/amd64', package: './...', ...values },
      { fixture: 'multi', packages: multiPackages('./...') }
    )

  test('a binary built for linux only is in the linux archives alone', async () => {
    const run = multi({ 'binary-targets': 'server: linux/*' })
    await validate(run)
    expect(run.ctx.facts.binaries).toEqual([
      { name: 'client', pkg: './cmd/client' },
      { name: 'server', pkg: './cmd/server', targets: ['linux/*'] }
    ])
    expect(
      run.ctx.facts.plans.map(p => `${p.target.id}: ${p.archives[0]!.binaries.join(' ')}`)
    ).toEqual(['linux_amd64: client server', 'windows_amd64: client'])
    run.script.done()
  })

  test.each(
    numbered<[string, Values, string[]]>([
      [
        'an unknown binary',
        { 'binary-targets': 'srv: linux/*' },
        ['binary-targets: "srv" is not a binary of this build (client, server)']
      ],
      [
        'a binary built for no target',
        { 'binary-targets': 'server: freebsd/*' },
        [
          'binary-targets: "server" is built for none of the targets (freebsd/* match none of linux/amd64, windows/amd64)'
        ]
      ],
      [
        'a target that builds nothing',
        { 'binary-targets': 'server: linux/*\nclient: linux/amd64' },
        [
          'binary-targets: no binary is built for windows/amd64; drop it from the targets or list a binary for it'
        ]
      ],
      [
        'an override for a binary where it is not built',
        {
          'binary-targets': 'server: linux/*',
          'build-overrides': '- binaries: [server]\n  targets: [windows/*]\n  tags: [x]'
        },
        [
          'build-overrides[0]: applies to no build (its binaries and targets are not built, or an earlier entry takes them all)'
        ]
      ],
      [
        'ldflags of an override that do not render as -ldflags',
        { 'build-overrides': "- targets: [windows/*]\n  ldflags: -X main.v='{{.Version}}" },
        [
          expect.stringMatching(
            /^build-overrides\[0\]\.ldflags: .* has quotes inside a word/
          ) as unknown as string
        ]
      ]
    ])
  )('[%d] %s is a problem before any build', async (_n, _what, values, problems) => {
    const run = multi(values)
    expect(await problemsOf(run)).toEqual(problems)
  })
})

describe('the version stamp comes from git and the runner', () => {
  const tagged: Repo = { commit: COMMIT, epoch: EPOCH, tags: ['v1.2.3'], previousTag: 'v1.2.3' }
  const untagged: Repo = { commit: COMMIT, epoch: EPOCH, previousTag: 'v1.2.3' }
  const bare: Repo = { commit: COMMIT, epoch: EPOCH }
  test.each(
    numbered<[string, string, Repo | 'not-a-repo' | 'no-git', Record<string, string>, Values]>([
      ['tag at the commit', '1.2.3 v1.2.3 0123456 2023-11-14T22:13:20Z', tagged, {}, {}],
      [
        'GITHUB_REF tag over local tags',
        '2.0.0 v2.0.0 0123456 2023-11-14T22:13:20Z',
        tagged,
        { GITHUB_REF: 'refs/tags/v2.0.0' },
        {}
      ],
      [
        'a branch ref: snapshot after the previous tag',
        '1.2.4-SNAPSHOT-0123456  0123456 2023-11-14T22:13:20Z',
        tagged,
        { GITHUB_REF: 'refs/heads/main' },
        {}
      ],
      ['untagged commit', '1.2.4-SNAPSHOT-0123456  0123456 2023-11-14T22:13:20Z', untagged, {}, {}],
      ['no tag at all', '0.0.0-SNAPSHOT-0123456  0123456 2023-11-14T22:13:20Z', bare, {}, {}],
      [
        'GITHUB_SHA and SOURCE_DATE_EPOCH',
        '0.0.0-SNAPSHOT-fedcba9  fedcba9 2001-09-09T01:46:40Z',
        bare,
        { GITHUB_SHA: 'fedcba9876543210fedcba9876543210fedcba98', SOURCE_DATE_EPOCH: '1000000000' },
        {}
      ],
      [
        'version input',
        '3.1.4 v3.1.4 0123456 2023-11-14T22:13:20Z',
        untagged,
        {},
        { version: 'v3.1.4' }
      ],
      ['not a repository', '0.0.0-SNAPSHOT   1980-01-01T00:00:00Z', 'not-a-repo', {}, {}],
      ['git not installed', '0.0.0-SNAPSHOT   1980-01-01T00:00:00Z', 'no-git', {}, {}]
    ])
  )('[%d] %s -> %s', async (_n, _what, stamp, repo, env, values) => {
    const run = moduleContext({ targets: 'linux/amd64', ...values }, { repo, env })
    await validate(run)
    const s = run.ctx.facts.stamp
    expect([s.version, s.tag, s.shortCommit, s.date].join(' ')).toBe(stamp)
    if (typeof repo === 'string')
      expect(run.lines).toContain(
        'notice: no git commit time and no SOURCE_DATE_EPOCH: file times are set to 1980-01-01'
      )
    run.script.done()
  })
})

describe('cgo: the C compiler of each target', () => {
  test.each(
    numbered<[string, string, Values, string[], Expected[]]>([
      [
        'cross gcc on PATH',
        'linux_arm64 cgo aarch64-linux-gnu-gcc aarch64-linux-gnu-g++ aarch64-linux-gnu-gcc (Debian 12.2.0-14) 12.2.0',
        { cgo: 'true', targets: 'linux/arm64' },
        ['aarch64-linux-gnu-gcc', 'aarch64-linux-gnu-g++'],
        [ccVersion('aarch64-linux-gnu-gcc')]
      ],
      [
        'the host: gcc without g++',
        'linux_amd64 cgo gcc - gcc (Debian 12.2.0-14+deb12u1) 12.2.0',
        { cgo: 'true', targets: 'linux/amd64' },
        ['gcc', 'clang'],
        [ccVersion('gcc')]
      ],
      [
        'zig when no gcc',
        'linux_arm64 cgo zig cc -target aarch64-linux-gnu zig c++ -target aarch64-linux-gnu clang version 19.1.7',
        { cgo: 'true', targets: 'linux/arm64' },
        ['zig'],
        [
          {
            program: 'zig',
            args: ['cc', '-target', 'aarch64-linux-gnu', '--version'],
            result: { stdout: 'clang version 19.1.7\n' }
          }
        ]
      ],
      [
        'cc input over the default',
        'linux_arm64 cgo gcc - gcc (Debian 12.2.0-14+deb12u1) 12.2.0',
        { cgo: 'true', targets: 'linux/arm64', cc: 'linux/arm64: gcc' },
        ['gcc', 'aarch64-linux-gnu-gcc'],
        [ccVersion('gcc')]
      ],
      [
        'auto without a compiler: off',
        'linux_arm64 off',
        { cgo: 'auto', targets: 'linux/arm64' },
        [],
        []
      ],
      [
        'auto on a port without cgo',
        'js_wasm off',
        { cgo: 'auto', targets: 'js/wasm' },
        ['gcc'],
        []
      ],
      [
        'false: no compiler asked',
        'linux_amd64 off',
        { cgo: 'false', targets: 'linux/amd64' },
        ['gcc'],
        []
      ]
    ])
  )('[%d] %s -> %s', async (_n, _what, expected, values, tools, script) => {
    const run = moduleContext(values, { tools, script })
    await validate(run)
    const shown = run.ctx.facts.plans.map(p => {
      // Only a plan go builds has a cgo setup (a universal plan is joined from its slices).
      const cgo = 'cgo' in p ? p.cgo : undefined
      return cgo?.enabled
        ? [p.target.id, 'cgo', cgo.cc, cgo.cxx ?? '-', cgo.ccVersion].join(' ')
        : `${p.target.id} off`
    })
    expect(shown).toEqual([expected])
    run.script.done()
  })

  test.each(
    numbered<[string, string, Values, string[], Expected[]]>([
      [
        'no compiler for a cross target',
        'cgo: no C compiler for linux/arm64: install gcc-aarch64-linux-gnu (aarch64-linux-gnu-gcc), put zig on PATH, or set cc to "linux/arm64: <compiler>"',
        { cgo: 'true', targets: 'linux/arm64' },
        ['gcc'],
        []
      ],
      [
        'no compiler for darwin (no Debian package)',
        'cgo: no C compiler for darwin/arm64: put zig on PATH, or set cc to "darwin/arm64: <compiler>"',
        { cgo: 'true', targets: 'darwin/arm64' },
        ['gcc'],
        []
      ],
      [
        'a port without cgo',
        'cgo: js/wasm does not support cgo in go1.26.8; build it without cgo or drop it from targets',
        { cgo: 'true', targets: 'js/wasm' },
        ['gcc'],
        []
      ],
      [
        'cc names a compiler not on PATH',
        'cc: the C compiler "aarch64-linux-musl-gcc" for linux/arm64 is not on PATH',
        { cgo: 'true', targets: 'linux/arm64', cc: 'linux/arm64: aarch64-linux-musl-gcc' },
        [],
        []
      ],
      [
        'the compiler does not start',
        'cc: the C compiler "gcc" for linux/amd64 could not be run: gcc could not be started: it is not on PATH or not executable',
        { cgo: 'true', targets: 'linux/amd64' },
        ['gcc'],
        [{ program: 'gcc', args: ['--version'], throws: new ProgramNotFoundError('gcc') }]
      ]
    ])
  )('[%d] %s -> %s', async (_n, _what, problem, values, tools, script) => {
    const run = moduleContext(values, { tools, script })
    expect(await problemsOf(run)).toEqual([problem])
    run.script.done()
  })
})

describe('every problem is reported in one failure, before any build', () => {
  test('bad targets, packages, cgo, upx, cosign and dist fail together and nothing is built', async () => {
    const run = moduleContext(
      {
        targets: 'linux/amd46, linux/arm64, linux/amd64',
        package: './cmd/client, ./nope',
        cgo: 'true',
        upx: 'true',
        'cosign-key':
          '-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\nabcd\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n',
        'name-template': '{{.Binary}}'
      },
      {
        fixture: 'multi',
        tools: ['gcc'],
        script: [ccVersion('gcc')],
        packages: root => ({
          './cmd/client': [mainPackage(root, MODULES.multi, 'cmd/client')],
          './nope': [{ name: '', importPath: './nope', dir: '', error: 'directory not found' }]
        })
      }
    )
    fs.mkdirSync(path.join(run.ctx.inputs.dist))
    fs.writeFileSync(path.join(run.ctx.inputs.dist, 'notes.txt'), 'mine')
    const problems = await problemsOf(run)
    expect(problems.sort()).toEqual(
      [
        'targets: "linux/amd46" is not a GOOS/GOARCH pair of go1.26.8 (see `go tool dist list`)',
        'package: "./nope": directory not found',
        'cgo: no C compiler for linux/arm64: install gcc-aarch64-linux-gnu (aarch64-linux-gnu-gcc), put zig on PATH, or set cc to "linux/arm64: <compiler>"',
        'upx: upx is not on PATH; install it (Debian/Ubuntu package upx-ucl; Debian 12 has it in bookworm-backports) or set upx: false',
        'cosign-key: set, but cosign is not on PATH; add `- uses: sigstore/cosign-installer@v3` before this step, or `go install github.com/sigstore/cosign/v3/cmd/cosign@v3.1.3` (or leave cosign-key empty to not sign)',
        'name-template: linux/arm64 and linux/amd64 would both be named "client.tar.gz"; add {{.Os}}, {{.Arch}}, {{.Variant}} or {{.Binary}}',
        'dist: dist already holds files this action did not write; remove it or choose another folder'
      ].sort()
    )
    // No go build, no go mod download: the script holds neither, and nothing else was asked.
    run.script.done()
    expect(
      run.script
        .argv()
        .filter(a => a[0] === 'go' && a[1] !== 'env' && a[1] !== 'list' && a[1] !== 'tool')
    ).toEqual([])
  })

  test('upx on PATH is asked its version; a broken upx is a problem of the input', async () => {
    const good = moduleContext({ targets: 'linux/amd64', upx: 'true' }, { tools: ['upx'] })
    good.script.expect(upxVersion(path.join(good.bin, 'upx')))
    await validate(good)
    good.script.done()

    const broken = moduleContext({ targets: 'linux/amd64', upx: 'true' }, { tools: ['upx'] })
    const upx = path.join(broken.bin, 'upx')
    broken.script.expect({
      program: upx,
      args: ['--version'],
      result: { code: 1, stderr: 'upx: bad magic\n' }
    })
    expect(await problemsOf(broken)).toEqual([`upx: ${upx} --version exited 1: upx: bad magic`])
    broken.script.done()
  })

  test('go env failing is an error of the toolchain, not of the inputs', async () => {
    const workspace = fixtureWorkspace('hello')
    const run = hermeticContext(
      { targets: 'linux/amd64' },
      {
        workspace,
        script: [
          {
            program: 'go',
            args: a => a[0] === 'env',
            result: {
              code: 1,
              stderr:
                'go: downloading go1.99.0 (linux/amd64)\ngo: download go1.99.0: toolchain not available\n'
            }
          }
        ]
      }
    )
    await expect(validate(run)).rejects.toThrow(
      'go env failed (exit 1): go: downloading go1.99.0 (linux/amd64)\ngo: download go1.99.0: toolchain not available'
    )
  })
})

test('go list is asked once per package pattern, in the module root', async () => {
  const run = moduleContext(
    { targets: 'linux/amd64', package: './cmd/client\n./cmd/server' },
    {
      fixture: 'multi',
      packages: multiPackages('./cmd/client', './cmd/server')
    }
  )
  await validate(run)
  const root = fs.realpathSync(run.ctx.inputs.workingDirectory)
  expect(
    run.script.calls
      .filter(c => c.args[0] === 'list' && c.args[1] !== '-m')
      .map(c => [c.options.cwd, c.args.at(-1)])
  ).toEqual([
    [root, './cmd/client'],
    [root, './cmd/server']
  ])
})
