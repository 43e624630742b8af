import * as fs from 'node:fs'
import * as path from 'node:path'
import type { InputName } from '../../src/inputs/index.js'
import { runStages, stages } from '../../src/pipeline.js'
import { copyFixture, testContext } from '../fakes/context.js'
import { InputError } from '../../src/lib/errors.js'
import { DIST_MARKER } from '../../src/dist.js'

type Values = Partial<Record<InputName, string>>

/**
 * Every row is one bad input. Each must fail before anything is built: no `go build`, no
 * `go mod download`, no dist folder; and the message must name the input and the bad value.
 */
const rows: [string, Values, string, RegExp][] = [
  [
    'misspelled arch',
    { targets: 'linux/amd46' },
    'targets',
    /"linux\/amd46" is not a GOOS\/GOARCH pair of go1\.\d+/
  ],
  ['windows/mips', { targets: 'windows/mips' }, 'targets', /"windows\/mips"/],
  ['darwin/386', { targets: 'darwin/386' }, 'targets', /"darwin\/386"/],
  ['GOARM 8', { targets: 'linux/arm/8' }, 'targets', /"linux\/arm\/8".*GOARM/],
  ['GOARM64 v3', { targets: 'linux/arm64/v3' }, 'targets', /"linux\/arm64\/v3".*GOARM64/],
  ['empty target list', { targets: ' , \n# nothing' }, 'targets', /empty/],
  [
    'target listed twice',
    { targets: 'linux/amd64,linux/amd64' },
    'targets',
    /"linux\/amd64" is listed twice/
  ],
  ['wildcard matching nothing', { targets: 'plan10/*' }, 'targets', /plan10/],
  [
    'duplicate archive names',
    { targets: 'linux/amd64,linux/arm64', 'name-template': '{{.Binary}}_{{.Os}}' },
    'name-template',
    /would both be named "hello-fixture_linux\.tar\.gz"/
  ],
  [
    'illegal asset name',
    { 'name-template': '{{.Binary}} {{.Os}}:{{.Arch}}' },
    'name-template',
    /not a safe asset name/
  ],
  ['unknown template field', { ldflags: '-X main.version={{.Versoin}}' }, 'ldflags', /\.Versoin/],
  [
    'unterminated quote in ldflags',
    { ldflags: "-s -X 'main.version={{.Version}}" },
    'ldflags',
    /unterminated/
  ],
  [
    'quote inside an ldflags field',
    { ldflags: '-X main.version="a b"' },
    'ldflags',
    /-X 'main\.version=a b'|quote the whole/
  ],
  ['-X without a value', { ldflags: '-X main.version' }, 'ldflags', /-X/],
  ['flag -o', { flags: '-o /tmp/x' }, 'flags', /"-o"/],
  ['flag -toolexec', { flags: '-toolexec=/bin/sh' }, 'flags', /-toolexec/],
  ['GOFLAGS smuggling -toolexec', { env: 'GOFLAGS=-toolexec=/bin/sh' }, 'GOFLAGS', /-toolexec/],
  ['env LD_PRELOAD', { env: 'LD_PRELOAD=/tmp/evil.so' }, 'env', /LD_PRELOAD/],
  ['env PATH', { env: 'PATH=/tmp' }, 'env', /PATH/],
  ['env CGO_ENABLED owned by the cgo input', { env: 'CGO_ENABLED=1' }, 'env', /cgo input/],
  [
    'working-directory escaping',
    { 'working-directory': '../x' },
    'working-directory',
    /"\.\.\/x" is outside the workspace/
  ],
  [
    'absolute archive file',
    { 'archive-files': '/etc/passwd' },
    'archive-files',
    /"\/etc\/passwd" is outside the workspace/
  ],
  [
    'archive file matching nothing',
    { 'archive-files': 'NOTICE*' },
    'archive-files',
    /"NOTICE\*" matches no file/
  ],
  [
    'cgo without a C compiler',
    { targets: 'darwin/arm64', cgo: 'true' },
    'cgo',
    /no C compiler for darwin\/arm64/
  ],
  [
    'cc not on PATH',
    { targets: 'linux/arm64', cgo: 'true', cc: 'linux/arm64: no-such-gcc' },
    'cc',
    /"no-such-gcc" for linux\/arm64 is not on PATH/
  ],
  [
    'not a main package',
    { package: './lib' },
    'package',
    /"\.\/lib" is not a main package \(it is package lib\)/
  ],
  [
    'package that looks like a flag',
    { package: '-toolexec=/bin/sh' },
    'package',
    /starts with "-"/
  ],
  ['parallelism zero', { parallelism: '0' }, 'parallelism', /"0" is not a whole number/],
  [
    'unknown archive format',
    { archive: 'rar' },
    'archive',
    /"rar" is not allowed \(allowed: auto, tar\.gz/
  ],
  [
    'md5 checksums',
    { 'checksum-algorithms': 'md5' },
    'checksum-algorithms',
    /"md5" is not supported/
  ],
  ['version with a space', { version: 'v1 2' }, 'version', /"v1 2" is not allowed/],
  [
    'binary name with a slash',
    { 'binary-name': '../evil' },
    'binary-name',
    /"\.\.\/evil" is not allowed/
  ],
  ['build tag with a semicolon', { tags: 'a;touch' }, 'tags', /"a;touch" is not a build tag/],
  ['dist on the sources', { dist: '.' }, 'dist', /holds the sources/],
  ['trimpath not a boolean', { trimpath: 'yes' }, 'trimpath', /"yes" is not a boolean/],
  ['cgo not a choice', { cgo: 'maybe' }, 'cgo', /"maybe" is not allowed/],
  [
    'release tag with ".."',
    { 'release-tag': 'v1..2' },
    'release-tag',
    /"v1\.\.2" is not a valid tag name/
  ],
  [
    'artifact name with a slash',
    { 'artifact-name': 'a/b' },
    'artifact-name',
    /"a\/b" is not allowed/
  ],
  [
    'retention of 0 days',
    { 'retention-days': '0' },
    'retention-days',
    /"0" is not a whole number from 1 to 90/
  ],
  ['overwrite not a choice', { overwrite: 'maybe' }, 'overwrite', /"maybe" is not allowed/],
  [
    'release notes file missing',
    { 'release-notes': 'NOTES.md' },
    'release-notes',
    /"NOTES\.md" is neither generate, none, nor a file/
  ],
  ['release true without a token', { release: 'true' }, 'release', /"true" needs a token/],
  [
    'publishing leg without the plan',
    { mode: 'build', shard: '1-of-2', release: 'true', 'github-token': 'ghs_x' },
    'release',
    /needs planned-targets .*outputs\.targets/
  ],
  [
    'leg target outside the plan',
    { mode: 'build', targets: 'linux/amd64,linux/arm64', 'planned-targets': 'linux/amd64' },
    'planned-targets',
    /this leg's linux\/arm64 is not in the plan/
  ],
  [
    'planned target the toolchain lacks',
    { mode: 'build', targets: 'linux/amd64', 'planned-targets': 'linux/amd64,linux/amd46' },
    'planned-targets',
    /planned-targets: "linux\/amd46" is not a GOOS\/GOARCH pair/
  ],
  [
    'planned targets outside a leg',
    { 'planned-targets': 'linux/amd64' },
    'planned-targets',
    /only for mode: build/
  ]
]

async function expectRejected(
  values: Values,
  workspace: string,
  env: Record<string, string> = {}
): Promise<{ error: InputError; calls: string[][] }> {
  const run = testContext(values, { workspace, env })
  let error: unknown
  try {
    await runStages(run.ctx, stages)
  } catch (e) {
    error = e
  }
  expect(error).toBeInstanceOf(InputError)
  const calls = run.process.calls.map(c => [c.file, ...c.args])
  // Nothing was built or downloaded, and no output folder was made.
  expect(calls.filter(c => c[0] === 'go' && (c[1] === 'build' || c[1] === 'mod'))).toEqual([])
  expect(fs.existsSync(path.join(run.ctx.inputs.dist, DIST_MARKER))).toBe(false)
  return { error: error as InputError, calls }
}

describe('bad inputs are rejected before any build', () => {
  let workspace: string
  beforeAll(() => {
    workspace = copyFixture('hello')
    fs.mkdirSync(path.join(workspace, 'lib'))
    fs.writeFileSync(
      path.join(workspace, 'lib', 'lib.go'),
      'package lib\n\nfunc X() int { return 1 }\n'
    )
  })

  test.each(rows.map((r, i) => [i + 1, ...r] as const))(
    '[%d] %s',
    async (_n, _name, values, input, pattern) => {
      const { error } = await expectRejected(values, workspace)
      const problem = error.problems.find(p => p.startsWith(`${input}:`) || p.includes(input))
      expect(problem).toBeDefined()
      expect(problem).toMatch(pattern)
    }
  )

  test('a symlink out of the workspace is refused as an archive file', async () => {
    fs.symlinkSync('/etc/hostname', path.join(workspace, 'LICENSE-link'))
    try {
      const { error } = await expectRejected({ 'archive-files': 'LICENSE-link' }, workspace)
      expect(error.message).toMatch(
        /archive-files: "LICENSE-link" matches LICENSE-link, a link to \/etc\/hostname outside the workspace/
      )
    } finally {
      fs.rmSync(path.join(workspace, 'LICENSE-link'))
    }
  })

  test('a dist folder with foreign files is refused', async () => {
    fs.mkdirSync(path.join(workspace, 'out'))
    fs.writeFileSync(path.join(workspace, 'out', 'keep.txt'), 'mine')
    try {
      const run = testContext({ dist: 'out' }, { workspace })
      await expect(runStages(run.ctx)).rejects.toThrow(
        /dist: out already holds files this action did not write/
      )
      expect(fs.readFileSync(path.join(workspace, 'out', 'keep.txt'), 'utf8')).toBe('mine')
    } finally {
      fs.rmSync(path.join(workspace, 'out'), { recursive: true })
    }
  })

  test('a folder without go.mod is refused', async () => {
    const nomod = copyFixture('nomod')
    const { error } = await expectRejected({}, nomod)
    expect(error.message).toMatch(/working-directory: \. has no go\.mod/)
  })

  test('every problem is reported in one failure', async () => {
    const { error } = await expectRejected(
      {
        targets: 'linux/amd46,linux/arm/8',
        flags: '-o x',
        env: 'PATH=/tmp',
        archive: 'rar',
        ldflags: '-X main.version={{.Nope}}'
      },
      workspace
    )
    expect(error.problems.length).toBeGreaterThanOrEqual(6)
    expect(error.message).toMatch(/^\d+ invalid inputs:/)
  })
})
