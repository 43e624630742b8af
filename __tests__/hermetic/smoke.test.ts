import * as path from 'node:path'
import { runStages } from '../../src/pipeline.js'
import { ProgramNotFoundError } from '../../src/ports/process.js'
import { build } from '../../src/stages/build.js'
import { smoke } from '../../src/stages/smoke.js'
import { moduleContext, validate, type HermeticRun, type Values } from '../fakes/hermetic.js'
import type { Call, Expected } from '../fakes/scripted-process.js'
import { numbered } from '../fakes/targets.js'
import { COMMIT, EPOCH, goBuilds, goModDownload } from '../fakes/toolchain.js'

const TAGGED = { commit: COMMIT, epoch: EPOCH, tags: ['v1.2.3'] }

/** Any program but go and git: the smoke runs (the binary itself, qemu, wine, wineserver). */
const smokeRuns = (result: Expected['result'], extra: Partial<Expected> = {}): Expected => ({
  program: file => file !== 'go' && file !== 'git',
  args: () => true,
  times: 'any',
  label: 'a smoke run',
  result,
  ...extra
})

/** The hello module built for `targets` on a `host` runner with `tools` on PATH, smoke-tested. */
async function smoked(
  values: Values,
  o: { host?: string; tools?: string[]; runs?: Expected[] }
): Promise<HermeticRun & { ran: string[][]; rows: string[][]; binary: (id: string) => string }> {
  const [hostOs, hostArch] = (o.host ?? 'linux/arm64').split('/') as [string, string]
  const run = moduleContext(
    { 'smoke-test': '--version', 'smoke-test-expect': 'v{{.Version}}', ...values },
    { repo: TAGGED, tools: o.tools, goEnv: { GOHOSTOS: hostOs, GOHOSTARCH: hostArch } }
  )
  const targets = values.targets!.split(',').length
  run.script.expect(
    goModDownload(run.ctx.inputs.workingDirectory),
    goBuilds(targets),
    ...(o.runs ?? [smokeRuns({ stdout: 'hello-fixture v1.2.3\n' })])
  )
  await validate(run)
  await runStages(run.ctx, [build])
  const binary = (id: string): string => run.ctx.artifacts.byKind('binary', id)[0]!.path
  let failure: unknown
  await runStages(run.ctx, [smoke]).catch((e: unknown) => (failure = e))
  run.script.done()
  // What the stage recorded for the summary (the report lists skipped runs under attention).
  const rows = (run.ctx.smoke ?? []).map(r => [r.target, r.binary, r.outcome, r.detail])
  const ran = run.script
    .argv()
    .filter(a => a[0] !== 'go' && a[0] !== 'git')
    .map(a =>
      a.map(s =>
        s
          .replace(run.bin + '/', '$BIN/')
          .replace(path.dirname(path.dirname(binary(run.ctx.facts.plans[0]!.target.id))), '$DIST')
      )
    )
  if (failure) throw failure
  return { ...run, ran, rows, binary }
}

describe('how each target is smoke-tested on this host', () => {
  test.each(
    numbered<[string, string, string[], string, string[], string[][]]>([
      [
        'linux/amd64',
        'linux/amd64',
        [],
        'passed native',
        ['$DIST/linux_amd64/hello-fixture --version'],
        []
      ],
      [
        'linux/386',
        'linux/amd64',
        [],
        'passed native',
        ['$DIST/linux_386/hello-fixture --version'],
        []
      ],
      [
        'linux/arm64',
        'linux/amd64',
        ['qemu-aarch64-static'],
        'passed qemu-aarch64-static',
        ['$BIN/qemu-aarch64-static $DIST/linux_arm64/hello-fixture --version'],
        []
      ],
      [
        'linux/arm/7',
        'linux/amd64',
        ['qemu-arm'],
        'passed qemu-arm',
        ['$BIN/qemu-arm $DIST/linux_arm_7/hello-fixture --version'],
        []
      ],
      [
        'linux/arm64',
        'linux/amd64',
        [],
        'skipped qemu-aarch64-static is not installed (Debian/Ubuntu: apt-get install qemu-user-static)',
        [],
        []
      ],
      [
        'linux/amd64',
        'linux/arm64',
        ['qemu-x86_64-static'],
        'passed qemu-x86_64-static',
        ['$BIN/qemu-x86_64-static $DIST/linux_amd64/hello-fixture --version'],
        []
      ],
      [
        'windows/amd64',
        'linux/amd64',
        ['wine64', 'wineserver'],
        'passed wine64',
        ['$BIN/wine64 $DIST/windows_amd64/hello-fixture.exe --version', '$BIN/wineserver -k'],
        []
      ],
      [
        'windows/amd64',
        'linux/amd64',
        [],
        'skipped wine is not installed (Debian/Ubuntu: apt-get install wine wine64)',
        [],
        []
      ],
      [
        'windows/arm64',
        'linux/amd64',
        ['wine64'],
        'skipped wine runs windows/arm64 programs only on an arm64 host, this is linux/amd64',
        [],
        []
      ],
      [
        'darwin/arm64',
        'linux/amd64',
        ['qemu-aarch64-static'],
        'skipped no way to run darwin/arm64 binaries on linux/amd64 (needs a macOS runner)',
        [],
        []
      ],
      [
        'linux/loong64',
        'linux/arm64',
        ['qemu-loongarch64-static'],
        'passed qemu-loongarch64-static',
        ['$BIN/qemu-loongarch64-static $DIST/linux_loong64/hello-fixture --version'],
        []
      ],
      [
        'linux/riscv64',
        'darwin/arm64',
        ['qemu-riscv64-static'],
        'skipped no way to run linux/riscv64 binaries on darwin/arm64',
        [],
        []
      ]
    ])
  )('[%d] %s on %s with %j -> %s', async (_n, target, host, tools, outcome, argv) => {
    const run = await smoked({ targets: target }, { host, tools })
    expect(run.ran.map(a => a.join(' '))).toEqual(argv)
    const [result, ...how] = outcome.split(' ')
    expect(run.rows).toEqual([
      [
        target.replaceAll('/', '_'),
        path.basename(run.binary(target.replaceAll('/', '_'))),
        result,
        how.join(' ')
      ]
    ])
  })

  test('the binary runs in a clean temp folder with only PATH, HOME and TMPDIR, never the runner’s variables', async () => {
    let seen: Call | undefined
    const run = await smoked(
      { targets: 'linux/amd64' },
      {
        host: 'linux/amd64',
        runs: [smokeRuns({ stdout: 'v1.2.3' }, { effect: call => (seen = call) })]
      }
    )
    expect(Object.keys(seen!.options.env!).sort()).toEqual(['HOME', 'PATH', 'TMPDIR'])
    expect(seen!.options.env!.PATH).toBe(run.bin)
    expect(seen!.options.env!.HOME).toBe(seen!.options.cwd)
    expect(seen!.options.timeoutMs).toBe(60_000)
  })
})

describe('smoke failures name the target and what went wrong', () => {
  test.each(
    numbered<[string, string, Expected['result'] | Error]>([
      [
        'exit code',
        'linux_amd64: smoke test: hello-fixture --version (native) exited 2: panic: boom',
        { code: 2, stderr: 'panic: boom\n' }
      ],
      [
        'expected text missing',
        'linux_amd64: smoke test: hello-fixture --version (native): the output lacks "v1.2.3": hello-fixture dev',
        { stdout: 'hello-fixture dev\n' }
      ],
      [
        'killed at the timeout',
        'linux_amd64: smoke test: hello-fixture --version (native) did not exit within 1m00s and was killed: (no output)',
        { code: 137, timedOut: true }
      ],
      [
        'cannot start',
        'linux_amd64: smoke test: hello-fixture --version (native) could not run: hello-fixture could not be started: it is not on PATH or not executable',
        new ProgramNotFoundError('hello-fixture')
      ]
    ])
  )('[%d] %s -> %s', async (_n, _what, message, result) => {
    const runs = [
      result instanceof Error ? smokeRuns(undefined, { throws: result }) : smokeRuns(result)
    ]
    await expect(smoked({ targets: 'linux/amd64' }, { host: 'linux/amd64', runs })).rejects.toThrow(
      `smoke test failed for 1 of 1 binaries:\n${message}`
    )
  })

  test('one failure among passes and skips fails the stage and counts them all', async () => {
    const runs = [
      smokeRuns(
        { code: 1, stderr: 'exec format error' },
        { args: a => a[0]!.includes('linux_arm64'), label: 'qemu run of linux_arm64', times: 1 }
      ),
      smokeRuns({ stdout: 'v1.2.3' })
    ]
    const error = await smoked(
      { targets: 'linux/amd64,linux/arm64,darwin/amd64' },
      { host: 'linux/amd64', tools: ['qemu-aarch64-static'], runs }
    ).catch((e: unknown) => e)
    expect(error).toMatchObject({
      message: expect.stringMatching(
        /^smoke test failed for 1 of 3 binaries:\nlinux_arm64: smoke test: hello-fixture --version \(qemu-aarch64-static\) exited 1: exec format error$/
      )
    })
  })

  test('no smoke-test arguments: the stage is skipped and nothing runs', async () => {
    const run = await smoked(
      { targets: 'linux/amd64', 'smoke-test': '', 'smoke-test-expect': '' },
      { host: 'linux/amd64' }
    )
    expect(run.ran).toEqual([])
    expect(run.lines).toContain('skipped smoke-testing binaries: no smoke-test arguments given')
  })
})
