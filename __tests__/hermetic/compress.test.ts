import * as fs from 'node:fs'
import * as path from 'node:path'
import { runStages } from '../../src/pipeline.js'
import { build } from '../../src/stages/build.js'
import { compressBinaries } from '../../src/stages/compress.js'
import { moduleContext, validate, type Values } from '../fakes/hermetic.js'
import type { Call, Expected } from '../fakes/scripted-process.js'
import { numbered } from '../fakes/targets.js'
import { COMMIT, EPOCH, goBuilds, goModDownload, upxVersion } from '../fakes/toolchain.js'

const TAGGED = { commit: COMMIT, epoch: EPOCH, tags: ['v1.2.3'] }

/** What upx does to a file: rewrites it in place, smaller. */
const pack = (call: Call): void => {
  fs.writeFileSync(call.args.at(-1)!, 'packed')
}

/** The hello module built for `targets` (upx on PATH), ready for the compress stage. */
async function builtWithUpx(values: Values, upx: (program: string) => Expected[]) {
  const run = moduleContext(values, { repo: TAGGED, tools: ['upx'] })
  const program = path.join(run.bin, 'upx')
  const root = run.ctx.inputs.workingDirectory
  const targets = values.targets!.split(',').length
  run.script.expect(goModDownload(root), goBuilds(targets), ...upx(program))
  await validate(run)
  await runStages(run.ctx, [build])
  const binary = (id: string): string =>
    run.ctx.artifacts.byKind('binary', id)[0]?.path ?? `(no ${id} binary)`
  return { ...run, program, binary }
}

describe('upx compresses the selected targets it can pack and skips the rest', () => {
  test.each(
    numbered<[string, string, string[], string[]]>([
      [
        'true',
        'linux/amd64,darwin/arm64,windows/arm64',
        ['linux_amd64'],
        [
          'notice: upx: darwin_arm64 is not compressed: UPX 4 output does not run on macOS 13 and later (upx needs --force-macos and still breaks it)',
          'notice: upx: windows_arm64 is not compressed: UPX has no packer for ARM64 PE executables'
        ]
      ],
      [
        'linux/*',
        'linux/arm/7,linux/riscv64,windows/amd64',
        ['linux_arm_7'],
        [
          'notice: upx: linux_riscv64 is not compressed: UPX has no packer for linux/riscv64 executables'
        ]
      ],
      [
        'windows/*, linux/386',
        'windows/386,windows/amd64,linux/386',
        ['windows_386', 'windows_amd64', 'linux_386'],
        []
      ]
    ])
  )('[%d] upx %j over %s -> packs %j', async (_n, upx, targets, packed, notices) => {
    const run = await builtWithUpx({ targets, upx }, program => [
      upxVersion(program),
      { program, args: a => a[0] === '-q', times: packed.length, effect: pack, label: 'upx -q …' },
      { program, args: a => a[0] === '-t', times: packed.length, label: 'upx -t …' }
    ])
    await runStages(run.ctx, [compressBinaries])
    run.script.done()
    // Per binary, pack then test; binaries run in parallel, so their calls interleave.
    const upxCalls = run.script.argv().filter(a => a[0] === run.program && a[1] !== '--version')
    const byBinary: Record<string, string[][]> = {}
    for (const a of upxCalls) (byBinary[a.at(-1)!] ??= []).push(a)
    expect(byBinary).toEqual(
      Object.fromEntries(
        packed.map(id => [
          run.binary(id),
          [
            [run.program, '-q', '--no-color', '--', run.binary(id)],
            [run.program, '-t', '-q', '--no-color', '--', run.binary(id)]
          ]
        ])
      )
    )
    expect(run.lines.filter(l => l.startsWith('notice: upx:'))).toEqual(notices)
    for (const id of packed) {
      const bin = run.ctx.artifacts.byKind('binary', id)[0]!
      expect([bin.size, bin.uncompressedSize, fs.statSync(bin.path).mtimeMs / 1000]).toEqual([
        6,
        `fake ${bin.target!.goos}/${bin.target!.goarch} binary of .\n`.length,
        EPOCH
      ])
    }
  })

  test('nothing packable selected: upx is neither required nor run', async () => {
    const run = moduleContext({ targets: 'darwin/arm64', upx: 'darwin/*' }, { repo: TAGGED })
    run.script.expect(goModDownload(run.ctx.inputs.workingDirectory), goBuilds(1))
    await validate(run)
    await runStages(run.ctx, [build, compressBinaries])
    run.script.done()
    expect(run.script.argv().filter(a => a[0]!.includes('upx'))).toEqual([])
  })

  test('upx: false skips the stage', async () => {
    const run = moduleContext({ targets: 'linux/amd64' }, { repo: TAGGED })
    run.script.expect(goModDownload(run.ctx.inputs.workingDirectory), goBuilds(1))
    await validate(run)
    await runStages(run.ctx, [build, compressBinaries])
    run.script.done()
    expect(run.lines).toContain('skipped compressing binaries with UPX: upx is false')
  })

  test('upx-args go before the path, after the options the action sets', async () => {
    const run = await builtWithUpx(
      { targets: 'linux/amd64', upx: 'true', 'upx-args': '--best --lzma' },
      program => [
        upxVersion(program),
        { program, args: a => a[0] === '-q', effect: pack, label: 'upx -q …' },
        { program, args: a => a[0] === '-t', label: 'upx -t …' }
      ]
    )
    await runStages(run.ctx, [compressBinaries])
    run.script.done()
    expect(run.script.argv().find(a => a[1] === '-q')).toEqual([
      run.program,
      '-q',
      '--no-color',
      '--best',
      '--lzma',
      '--',
      run.binary('linux_amd64')
    ])
  })

  test.each(
    numbered<[string, string, Expected['result'], Expected['result']]>([
      [
        'packing fails',
        'UPX failed:\nlinux_amd64: upx hello-fixture exited 1: upx: hello-fixture: NotCompressibleException',
        { code: 1, stderr: 'upx: hello-fixture: NotCompressibleException\n' },
        {}
      ],
      [
        'the packed file does not test',
        'UPX failed:\nlinux_amd64: upx -t hello-fixture exited 2: upx: hello-fixture: CantUnpackException: header corrupted',
        {},
        { code: 2, stderr: 'upx: hello-fixture: CantUnpackException: header corrupted\n' }
      ]
    ])
  )('[%d] %s -> %s', async (_n, what, message, packed, tested) => {
    const run = await builtWithUpx({ targets: 'linux/amd64', upx: 'true' }, program => [
      upxVersion(program),
      { program, args: a => a[0] === '-q', result: packed, label: 'upx -q …' },
      {
        program,
        args: a => a[0] === '-t',
        result: tested,
        times: what === 'packing fails' ? 'any' : 1,
        label: 'upx -t …'
      }
    ])
    await expect(runStages(run.ctx, [compressBinaries])).rejects.toThrow(message)
    run.script.done()
  })
})
