import * as fs from 'node:fs'
import * as path from 'node:path'
import { runStages } from '../../src/pipeline.js'
import { build } from '../../src/stages/build.js'
import {
  moduleContext,
  multiPackages,
  validate,
  type HermeticRun,
  type Values
} from '../fakes/hermetic.js'
import type { Expected } from '../fakes/scripted-process.js'
import { numbered } from '../fakes/targets.js'
import {
  ccVersion,
  COMMIT,
  EPOCH,
  goBuilds,
  goModDownload,
  writeBuildOutput
} from '../fakes/toolchain.js'

const TAGGED = { commit: COMMIT, epoch: EPOCH, tags: ['v1.2.3'], previousTag: 'v1.2.3' }

/** One target's go build: exact argv after `build`, env the child must see, the file it writes. */
const goBuild = (
  root: string,
  args: string[],
  env: Record<string, string | undefined>,
  result?: Expected['result']
): Expected => ({
  program: 'go',
  args: ['build', ...args],
  cwd: root,
  env,
  effect: writeBuildOutput,
  ...(result ? { result } : {})
})

/** The hello fixture resolved at tag v1.2.3, then the build stage. */
async function built(
  values: Values,
  script: (root: string) => Expected[],
  o: { tools?: string[]; env?: Record<string, string>; fixture?: 'hello' | 'vendored' } = {}
): Promise<HermeticRun & { root: string }> {
  const run = moduleContext(values, {
    fixture: o.fixture,
    repo: TAGGED,
    tools: o.tools,
    env: o.env
  })
  const root = run.ctx.inputs.workingDirectory
  run.script.expect(...script(root))
  await validate(run)
  await runStages(run.ctx, [build])
  return { ...run, root }
}

const out = (root: string, id: string, name = 'hello-fixture'): string =>
  path.join(root, 'dist', id, name)

describe('go build argv per target', () => {
  test.each(
    numbered<[string, Values, string, (root: string) => string[]]>([
      [
        'defaults',
        {},
        'linux/amd64',
        r => ['-trimpath', '-ldflags=-s -w -X main.version=1.2.3', '-o', out(r, 'linux_amd64'), '.']
      ],
      [
        'trimpath off, buildvcs, tags, flags',
        { trimpath: 'false', buildvcs: 'false', tags: 'netgo osusergo', flags: '-v -mod=readonly' },
        'linux/amd64',
        r => [
          '-buildvcs=false',
          '-tags=netgo,osusergo',
          '-v',
          '-mod=readonly',
          '-ldflags=-s -w -X main.version=1.2.3',
          '-o',
          out(r, 'linux_amd64'),
          '.'
        ]
      ],
      [
        'rendered ldflags template, .exe on windows',
        {
          ldflags:
            '-X "main.banner={{.ProjectName}} {{.Version}}" -X main.commit={{.ShortCommit}} -X main.date={{.Date}} -X main.target={{.Os}}-{{.Arch}}{{.Variant}}'
        },
        'windows/amd64',
        r => [
          '-trimpath',
          '-ldflags=-X "main.banner=hello-fixture 1.2.3" -X main.commit=0123456 -X main.date=2023-11-14T22:13:20Z -X main.target=windows-amd64',
          '-o',
          out(r, 'windows_amd64', 'hello-fixture.exe'),
          '.'
        ]
      ],
      [
        'a variant in the template and the folder',
        { ldflags: '-X main.target={{.Target}}' },
        'linux/arm/6',
        r => ['-trimpath', '-ldflags=-X main.target=linux_arm_6', '-o', out(r, 'linux_arm_6'), '.']
      ]
    ])
  )('[%d] %s: %j on %s', async (_n, _what, values, target, argv) => {
    const run = await built({ targets: target, ...values }, root => [
      goModDownload(root),
      goBuild(root, argv(root), {})
    ])
    run.script.done()
  })
})

describe('the environment of each target', () => {
  test.each(
    numbered<[string, Values, string[], Record<string, string | undefined>, Expected[]]>([
      [
        'linux/arm/7: GOARM, no cgo',
        { targets: 'linux/arm/7' },
        [],
        { GOOS: 'linux', GOARCH: 'arm', GOARM: '7', CGO_ENABLED: '0', CC: undefined },
        []
      ],
      [
        'linux/amd64/v3: GOAMD64',
        { targets: 'linux/amd64/v3' },
        [],
        { GOOS: 'linux', GOARCH: 'amd64', GOAMD64: 'v3', GOARM: undefined, CGO_ENABLED: '0' },
        []
      ],
      [
        'cgo: CC and CXX of the cross compiler',
        { targets: 'linux/arm64', cgo: 'true' },
        ['aarch64-linux-gnu-gcc', 'aarch64-linux-gnu-g++'],
        {
          GOARCH: 'arm64',
          CGO_ENABLED: '1',
          CC: 'aarch64-linux-gnu-gcc',
          CXX: 'aarch64-linux-gnu-g++'
        },
        [ccVersion('aarch64-linux-gnu-gcc')]
      ],
      [
        'env input: unscoped and scoped settings',
        {
          targets: 'linux/amd64',
          env: 'GOEXPERIMENT=loopvar\nlinux/*: GOPROXY=off\ndarwin/*: GOPROXY=direct'
        },
        [],
        { GOEXPERIMENT: 'loopvar', GOPROXY: 'off' },
        []
      ],
      [
        "the runner's GOOS, GOARCH, GOAMD64, GOARM and the action's secrets do not reach go",
        { targets: 'windows/arm64' },
        [],
        {
          GOOS: 'windows',
          GOARCH: 'arm64',
          GOAMD64: undefined,
          GOARM: undefined,
          'INPUT_GITHUB-TOKEN': undefined,
          ACTIONS_RUNTIME_TOKEN: undefined
        },
        []
      ]
    ])
  )('[%d] %s', async (_n, _what, values, tools, env, extra) => {
    const runnerEnv = {
      GOOS: 'plan9',
      GOARCH: '386',
      GOAMD64: 'v4',
      GOARM: '5',
      'INPUT_GITHUB-TOKEN': 'ghs_secret',
      ACTIONS_RUNTIME_TOKEN: 'secret'
    }
    const run = await built(
      values,
      root => [
        ...extra,
        goModDownload(root),
        {
          program: 'go',
          args: a => a[0] === 'build',
          cwd: root,
          env,
          effect: writeBuildOutput,
          label: `go build with ${JSON.stringify(env)}`
        }
      ],
      { tools, env: runnerEnv }
    )
    run.script.done()
  })
})

describe('modules are downloaded once, before the builds', () => {
  test('one go mod download, then every target and binary', async () => {
    const run = moduleContext(
      { targets: 'linux/amd64, darwin/arm64', package: './cmd/client, ./cmd/server' },
      { fixture: 'multi', repo: TAGGED, packages: multiPackages('./cmd/client', './cmd/server') }
    )
    const root = run.ctx.inputs.workingDirectory
    run.script.expect(goModDownload(root), goBuilds(4))
    await validate(run)
    await runStages(run.ctx, [build])
    run.script.done()
    const goCalls = run.script.argv().filter(a => a[0] === 'go' && ['mod', 'build'].includes(a[1]!))
    expect(
      goCalls.map(a => `${a[1]} ${a.at(-3) === '-o' ? path.relative(root, a.at(-2)!) : a[2]}`)
    ).toEqual([
      'mod download',
      'build dist/linux_amd64/client',
      'build dist/linux_amd64/server',
      'build dist/darwin_arm64/client',
      'build dist/darwin_arm64/server'
    ])
  })

  test('a vendored module is not downloaded', async () => {
    const run = await built(
      { targets: 'linux/amd64' },
      root => [
        goBuild(
          root,
          [
            '-trimpath',
            '-ldflags=-s -w -X main.version=1.2.3',
            '-o',
            out(root, 'linux_amd64', 'vendored'),
            '.'
          ],
          {}
        )
      ],
      { fixture: 'vendored' }
    )
    run.script.done()
    expect(run.lines).toContain('modules: vendored, no download')
  })

  test('a failed download stops the run before any build', async () => {
    const run = moduleContext({ targets: 'linux/amd64' }, { repo: TAGGED })
    const root = run.ctx.inputs.workingDirectory
    run.script.expect(
      goModDownload(root, {
        code: 1,
        stderr:
          'go: github.com/google/uuid@v1.6.0: Get "https://proxy.golang.org/github.com/google/uuid/@v/v1.6.0.mod": dial tcp: lookup proxy.golang.org: no such host\n'
      })
    )
    await validate(run)
    await expect(runStages(run.ctx, [build])).rejects.toThrow(
      'go mod download exited 1: go: github.com/google/uuid@v1.6.0: Get "https://proxy.golang.org/github.com/google/uuid/@v/v1.6.0.mod": dial tcp: lookup proxy.golang.org: no such host'
    )
    run.script.done()
  })
})

describe('built binaries are registered; failures name each target', () => {
  test('binaries in target order with their size and the commit time as mtime', async () => {
    const run = await built({ targets: 'windows/amd64, linux/arm64' }, root => [
      goModDownload(root),
      goBuilds(2)
    ])
    run.script.done()
    const binaries = run.ctx.artifacts.byKind('binary')
    expect(
      binaries.map(b => [b.target!.id, b.name, b.binary, path.relative(run.root, b.path)])
    ).toEqual([
      [
        'windows_amd64',
        'hello-fixture.exe',
        'hello-fixture',
        'dist/windows_amd64/hello-fixture.exe'
      ],
      ['linux_arm64', 'hello-fixture', 'hello-fixture', 'dist/linux_arm64/hello-fixture']
    ])
    for (const b of binaries) {
      const stat = fs.statSync(b.path)
      expect([b.size, stat.mtimeMs / 1000]).toEqual([stat.size, EPOCH])
    }
  })

  const failing = (stderr: string): Expected['result'] => ({ code: 1, stderr })

  test.each(
    numbered<[string, string, string]>([
      [
        '2',
        'every failure in one error',
        '2 builds failed:\nlinux_amd64: go build . exited 1: ./main.go:7:2: undefined: Foo\nwindows_amd64: go build . exited 1: ./main_windows.go:3:8: package golang.org/x/sys/windows is not in std'
      ],
      [
        '1',
        'nothing new starts after a failure',
        'linux_amd64: go build . exited 1: ./main.go:7:2: undefined: Foo'
      ]
    ])
  )('[%d] parallelism %s: %s', async (_n, parallelism, _what, message) => {
    const run = moduleContext(
      { targets: 'linux/amd64, windows/amd64', parallelism },
      { repo: TAGGED }
    )
    const root = run.ctx.inputs.workingDirectory
    const build1 = (goos: string, stderr: string): Expected => ({
      program: 'go',
      args: a => a[0] === 'build',
      env: { GOOS: goos },
      result: failing(stderr),
      label: `go build for ${goos}`,
      times: parallelism === '1' && goos === 'windows' ? 'any' : 1
    })
    run.script.expect(
      goModDownload(root),
      build1('linux', './main.go:7:2: undefined: Foo\n'),
      build1('windows', './main_windows.go:3:8: package golang.org/x/sys/windows is not in std\n')
    )
    await validate(run)
    await expect(runStages(run.ctx, [build])).rejects.toThrow(message)
    run.script.done()
    expect(run.script.argv().filter(a => a[1] === 'build')).toHaveLength(Number(parallelism))
    expect(run.ctx.artifacts.byKind('binary')).toEqual([])
  })
})
