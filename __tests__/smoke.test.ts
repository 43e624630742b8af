import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { parseInputs, type InputName } from '../src/inputs/index.js'
import type { Facts } from '../src/facts.js'
import { ProgramNotFoundError, realProcess, type ProcessPort } from '../src/ports/process.js'
import { smoke } from '../src/stages/smoke.js'
import type { AssetInfo, ReleaseApi, ReleaseInfo } from '../src/ports/release-api.js'
import { checkReleaseLimits, MAX_ASSET_BYTES, MAX_RELEASE_ASSETS } from '../src/release.js'
import { amd64LevelFromCpuinfo, planRun, qemuArch, type SmokeHost } from '../src/smoke.js'
import { publishRelease } from '../src/stages/publish-release.js'
import { releaseLimits } from '../src/stages/release-limits.js'
import { testContext } from './fakes/context.js'
import { numbered, targetOf } from './fakes/targets.js'
import { describeSize, parseSize } from '../src/lib/format.js'

/** A host with the given programs on PATH (found at /usr/bin/<name>) and files present. */
const host = (
  pair: string,
  programs: string[] = [],
  files: string[] = [],
  amd64Level?: number
): SmokeHost => {
  const [goos, goarch] = pair.split('/') as [string, string]
  return {
    goos,
    goarch,
    find: name => (programs.includes(name) ? `/usr/bin/${name}` : undefined),
    exists: file => files.includes(file),
    ...(amd64Level !== undefined ? { amd64Level } : {}),
    node: '/usr/bin/node',
    goroot: '/usr/local/go'
  }
}

const QEMU = ['qemu-aarch64-static', 'qemu-arm-static', 'qemu-riscv64-static', 'qemu-i386-static']
const QEMU_ALL = [
  ...QEMU,
  'qemu-x86_64-static',
  'qemu-mipsel-static',
  'qemu-loongarch64-static',
  'qemu-ppc64le-static',
  'qemu-s390x-static',
  'qemu-mips64el-static'
]
const ARM64_LD = '/usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1'

// [target, host, programs on PATH, files present, ELF interpreter, expected label or skip reason]
const plans: [string, SmokeHost, string | undefined, string][] = [
  ['linux/amd64', host('linux/amd64'), undefined, 'native'],
  ['linux/amd64', host('linux/amd64'), '/lib64/ld-linux-x86-64.so.2', 'native'],
  ['linux/386', host('linux/amd64'), undefined, 'native'],
  ['linux/amd64/v3', host('linux/amd64', [], [], 3), undefined, 'native'],
  [
    'linux/amd64/v4',
    host('linux/amd64', [], [], 3),
    undefined,
    'skipped: this CPU does not support x86-64-v4 (GOAMD64=v4); it supports v3'
  ],
  ['linux/arm64', host('linux/amd64', QEMU), undefined, 'qemu: qemu-aarch64-static'],
  ['linux/arm/7', host('linux/amd64', QEMU), undefined, 'qemu: qemu-arm-static'],
  ['linux/arm/5', host('linux/amd64', QEMU), undefined, 'qemu: qemu-arm-static'],
  ['linux/riscv64', host('linux/amd64', QEMU), undefined, 'qemu: qemu-riscv64-static'],
  ['linux/mipsle', host('linux/amd64', QEMU_ALL), undefined, 'qemu: qemu-mipsel-static'],
  ['linux/mips64le', host('linux/amd64', QEMU_ALL), undefined, 'qemu: qemu-mips64el-static'],
  ['linux/loong64', host('linux/amd64', QEMU_ALL), undefined, 'qemu: qemu-loongarch64-static'],
  ['linux/ppc64le', host('linux/amd64', QEMU_ALL), undefined, 'qemu: qemu-ppc64le-static'],
  ['linux/s390x', host('linux/amd64', QEMU_ALL), undefined, 'qemu: qemu-s390x-static'],
  // A host without the -static build but with the plain qemu-user binary.
  ['linux/arm64', host('linux/amd64', ['qemu-aarch64']), undefined, 'qemu: qemu-aarch64'],
  [
    'linux/arm64',
    host('linux/amd64', QEMU, [ARM64_LD]),
    '/lib/ld-linux-aarch64.so.1',
    'qemu: qemu-aarch64-static -L /usr/aarch64-linux-gnu'
  ],
  [
    'linux/arm64',
    host('linux/amd64', QEMU),
    '/lib/ld-linux-aarch64.so.1',
    'skipped: dynamically linked (interpreter /lib/ld-linux-aarch64.so.1) and no sysroot holds it at /usr/aarch64-linux-gnu (Debian/Ubuntu: apt-get install libc6-arm64-cross)'
  ],
  [
    'linux/arm/6',
    host('linux/amd64', QEMU),
    '/lib/ld-linux.so.3',
    'skipped: dynamically linked (interpreter /lib/ld-linux.so.3) and no sysroot holds it at /usr/arm-linux-gnueabi (Debian/Ubuntu: apt-get install libc6-armel-cross)'
  ],
  [
    'linux/arm64',
    host('linux/amd64'),
    undefined,
    'skipped: qemu-aarch64-static is not installed (Debian/Ubuntu: apt-get install qemu-user-static)'
  ],
  ['linux/amd64', host('linux/arm64', QEMU_ALL), undefined, 'qemu: qemu-x86_64-static'],
  // arm64 machines often have no AArch32 mode: emulate instead of trying natively.
  ['linux/arm/7', host('linux/arm64', QEMU), undefined, 'qemu: qemu-arm-static'],
  ['windows/amd64', host('linux/amd64', ['wine64', 'wine']), undefined, 'wine: wine64'],
  ['windows/amd64', host('linux/amd64', ['wine']), undefined, 'wine: wine'],
  [
    'windows/amd64',
    host('linux/amd64'),
    undefined,
    'skipped: wine is not installed (Debian/Ubuntu: apt-get install wine wine64)'
  ],
  [
    'windows/amd64/v4',
    host('linux/amd64', ['wine'], [], 2),
    undefined,
    'skipped: this CPU does not support x86-64-v4 (GOAMD64=v4); it supports v2'
  ],
  [
    'windows/386',
    host('linux/amd64', ['wine64', 'wine']),
    undefined,
    'skipped: windows/386 needs 32-bit wine (/usr/lib/wine/wine, package wine32:i386); only 64-bit wine is installed'
  ],
  [
    'windows/386',
    host('linux/amd64', ['wine'], ['/usr/lib/wine/wine']),
    undefined,
    'wine: wine (32-bit)'
  ],
  [
    'windows/arm64',
    host('linux/amd64', ['wine']),
    undefined,
    'skipped: wine runs windows/arm64 programs only on an arm64 host, this is linux/amd64'
  ],
  [
    'darwin/arm64',
    host('linux/amd64', QEMU_ALL),
    undefined,
    'skipped: no way to run darwin/arm64 binaries on linux/amd64 (needs a macOS runner)'
  ],
  [
    'freebsd/amd64',
    host('linux/amd64', QEMU_ALL),
    undefined,
    'skipped: no way to run freebsd/amd64 binaries on linux/amd64'
  ],
  ['darwin/arm64', host('darwin/arm64'), undefined, 'native'],
  // universal-binaries: darwin_all runs wherever darwin runs, and is named so where it cannot.
  ['darwin/all', host('darwin/arm64'), undefined, 'native'],
  ['darwin/all', host('darwin/amd64'), undefined, 'native'],
  [
    'darwin/all',
    host('linux/amd64', QEMU_ALL),
    undefined,
    'skipped: no way to run darwin universal binaries on linux/amd64 (needs a macOS runner)'
  ],
  [
    'darwin/amd64',
    host('darwin/arm64'),
    undefined,
    'skipped: no way to run darwin/amd64 binaries on darwin/arm64 (needs a macOS runner)'
  ],
  ['windows/386', host('windows/amd64'), undefined, 'native'],
  [
    'linux/amd64',
    host('windows/amd64'),
    undefined,
    'skipped: no way to run linux/amd64 binaries on windows/amd64'
  ],
  [
    'linux/wasm',
    host('linux/amd64', QEMU_ALL),
    undefined,
    'skipped: no way to run linux/wasm programs'
  ],
  // WebAssembly runs under the Node that runs the action, on any host.
  ['wasip1/wasm', host('linux/amd64'), undefined, 'node: node WASI preview1'],
  ['wasip1/wasm', host('darwin/arm64'), undefined, 'node: node WASI preview1'],
  [
    'js/wasm',
    host('linux/amd64', [], ['/usr/local/go/lib/wasm/wasm_exec.js']),
    undefined,
    'node: node wasm_exec_node.js'
  ],
  [
    'js/wasm',
    host('linux/amd64'),
    undefined,
    "skipped: Go's wasm_exec_node.js is not in /usr/local/go/lib/wasm or misc/wasm"
  ]
]

describe('planRun: how each target runs on a host', () => {
  test.each(numbered(plans))('[%d] %s', (_, spec, h, interpreter, expected) => {
    const plan = planRun(targetOf(spec), interpreter ? { interpreter } : {}, h)
    const got =
      plan.method === 'skipped'
        ? `skipped: ${plan.reason}`
        : plan.method === 'native'
          ? 'native'
          : `${plan.method}: ${plan.label}`
    expect(got).toBe(expected)
    if (plan.method === 'qemu' || plan.method === 'wine') {
      // The argv: the emulator, then its options; the binary's path follows them.
      expect(plan.program).toBe(`/usr/bin/${plan.label.split(' ')[0]}`)
      expect(plan.prefix).toEqual(
        plan.label
          .split(' ')
          .slice(1)
          .filter(w => w !== '(32-bit)')
      )
    }
  })

  test("wasm: the Node running the action, with its WASI or with Go's wasm_exec_node.js", () => {
    const wasi = planRun(targetOf('wasip1/wasm'), {}, host('linux/amd64'))
    expect(wasi).toMatchObject({ method: 'node', program: '/usr/bin/node' })
    // Node's options, the runner script, then `--`: the binary and its arguments follow.
    expect(wasi.method === 'node' && wasi.prefix.at(-1)).toBe('--')
    // Go < 1.24 kept the files in misc/wasm.
    const js = planRun(
      targetOf('js/wasm'),
      {},
      host('linux/amd64', [], ['/usr/local/go/misc/wasm/wasm_exec.js'])
    )
    expect(js).toMatchObject({
      method: 'node',
      program: '/usr/bin/node',
      prefix: ['/usr/local/go/misc/wasm/wasm_exec_node.js']
    })
  })

  test.each(
    numbered<[string, string | undefined]>([
      ['arm64', 'aarch64'],
      ['386', 'i386'],
      ['amd64', 'x86_64'],
      ['mips64le', 'mips64el'],
      ['loong64', 'loongarch64'],
      ['wasm', undefined]
    ])
  )('[%d] qemu name of %s is %s', (_, goarch, name) => {
    expect(qemuArch(goarch)).toBe(name)
  })
})

describe('x86-64 level from /proc/cpuinfo', () => {
  const v1 = 'fpu sse sse2 lm'
  const v2 = `${v1} cx16 lahf_lm popcnt pni sse4_1 sse4_2 ssse3`
  const v3 = `${v2} avx avx2 bmi1 bmi2 f16c fma abm movbe xsave`
  const v4 = `${v3} avx512f avx512bw avx512cd avx512dq avx512vl`
  test.each(
    numbered([
      [v1, 1],
      [v2, 2],
      [v3, 3],
      [v4, 4],
      // AVX-512 without v3's AVX2 is still v2: levels build on each other.
      [`${v2} avx512f avx512bw avx512cd avx512dq avx512vl`, 2]
    ])
  )('[%d] flags %s -> v%s', (_, flags, level) => {
    expect(amd64LevelFromCpuinfo(`processor\t: 0\nflags\t\t: ${flags}\n`)).toBe(level)
  })
  test('no flags line: unknown', () => {
    expect(amd64LevelFromCpuinfo('processor: 0\n')).toBeUndefined()
  })
})

describe('sizes', () => {
  test.each(
    numbered<[string, number | undefined]>([
      ['25000000', 25_000_000],
      ['25MiB', 25 * 1024 * 1024],
      ['25 MB', 25_000_000],
      ['1.5KiB', 1536],
      ['2gib', 2 * 1024 ** 3],
      ['2GB', 2_000_000_000],
      ['100kb', 100_000],
      ['7B', 7],
      ['0', undefined],
      ['-5MB', undefined],
      ['25 MiBs', undefined],
      ['25TB', undefined],
      ['MiB', undefined],
      ['1e6', undefined],
      ['', undefined]
    ])
  )('[%d] %s -> %s bytes', (_, text, bytes) => {
    expect(parseSize(text)).toBe(bytes)
  })
  test.each(
    numbered<[number, string]>([
      [500, '500 bytes'],
      [1536, '1.5 KiB (1536 bytes)'],
      [25 * 1024 * 1024, '25.0 MiB (26214400 bytes)'],
      [2 * 1024 ** 3, '2.0 GiB (2147483648 bytes)']
    ])
  )('[%d] %s bytes reads %s', (_, bytes, text) => {
    expect(describeSize(bytes)).toBe(text)
  })
})

const inputsWorkspace = fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-smoke-inputs-'))
const parse = (values: Partial<Record<InputName, string>>) =>
  parseInputs(name => values[name] ?? '', { workspace: inputsWorkspace, cpus: 2 })

describe('smoke and size inputs', () => {
  test('smoke-test-expect without smoke-test is an error (nothing would be run)', () => {
    expect(parse({ 'smoke-test-expect': '{{.Version}}' }).problems).toEqual([
      'smoke-test-expect: needs smoke-test, the arguments to run each binary with (like --version)'
    ])
  })

  test('smoke-test is split with Go quoting into one argv, never a shell line', () => {
    const { inputs, problems } = parse({
      'smoke-test': `--version 'a b' "$(id)" ;rm`,
      'smoke-test-expect': 'v{{.Version}} ',
      'max-binary-size': '25MiB'
    })
    expect(problems).toEqual([])
    expect(inputs.smokeTest).toEqual(['--version', 'a b', '$(id)', ';rm'])
    expect(inputs.smokeTestExpect).toBe('v{{.Version}}')
    expect(inputs.maxBinarySize).toBe(26_214_400)
  })

  test('not given: no smoke test and no size limit', () => {
    const { inputs, problems } = parse({})
    expect(problems).toEqual([])
    expect([inputs.smokeTest, inputs.smokeTestExpect, inputs.maxBinarySize]).toEqual([
      [],
      '',
      undefined
    ])
  })

  test('every bad value is reported at once, naming the input and the value', () => {
    const { problems } = parse({
      'smoke-test': "--version 'oops",
      'smoke-test-expect': '{{.Versoin}}',
      'max-binary-size': '25 megs'
    })
    expect(problems).toEqual([
      `smoke-test: unterminated ' string in "--version 'oops"`,
      expect.stringMatching(
        /^smoke-test-expect: unknown template field \{\{\.Versoin\}\} .*did you mean \{\{\.Version\}\}\?$/
      ),
      'max-binary-size: "25 megs" is not a size (a positive number of bytes, or with a unit: KB, KiB, MB, MiB, GB, GiB, like 25MiB)'
    ])
  })
})

const asset = (name: string, size = 10): AssetInfo => ({
  id: 1,
  name,
  size,
  state: 'uploaded',
  digest: `sha256:${'ab'.repeat(32)}`,
  browserDownloadUrl: `https://github.com/o/r/releases/download/v1/${name}`
})
const many = (n: number, prefix = 'old'): AssetInfo[] =>
  Array.from({ length: n }, (_, i) => asset(`${prefix}-${i}.tar.gz`))

describe("GitHub's release limits", () => {
  test('the limits are 2 GiB per asset and 1000 assets', () => {
    expect([MAX_ASSET_BYTES, MAX_RELEASE_ASSETS]).toEqual([2_147_483_648, 1000])
  })

  // [description, files, existing assets, problems]
  const rows: [string, { name: string; size?: number }[], AssetInfo[], string[]][] = [
    ['small files on an empty release', [{ name: 'a.tar.gz', size: 5 }], [], []],
    ['one byte under 2 GiB', [{ name: 'a.tar.gz', size: MAX_ASSET_BYTES - 1 }], [], []],
    [
      'exactly 2 GiB',
      [{ name: 'a.tar.gz', size: MAX_ASSET_BYTES }],
      [],
      [
        'a.tar.gz is 2.0 GiB (2147483648 bytes); GitHub refuses release assets of 2.0 GiB (2147483648 bytes) or more'
      ]
    ],
    ['sizes not known yet (count only)', [{ name: 'a.tar.gz' }], many(999), []],
    ['999 there + 1 new = 1000', [{ name: 'new.zip' }], many(999), []],
    [
      '999 there + 2 new = 1001',
      [{ name: 'new.zip' }, { name: 'checksums.txt' }],
      many(999),
      ['the release would hold 1001 assets (999 there already, 2 new); GitHub allows at most 1000']
    ],
    [
      'replacements count once: 1000 there, 2 of them replaced',
      [{ name: 'old-0.tar.gz' }, { name: 'old-1.tar.gz' }],
      many(1000),
      []
    ],
    [
      '1000 there, 1 replaced and 1 new',
      [{ name: 'old-0.tar.gz' }, { name: 'checksums.txt' }],
      many(1000),
      ['the release would hold 1001 assets (1000 there already, 1 new); GitHub allows at most 1000']
    ]
  ]
  test.each(numbered(rows))('[%d] %s', (_, __, files, existing, problems) => {
    expect(checkReleaseLimits(files, existing)).toEqual(problems)
  })
})

/** A release API that holds `existing` assets and records every call; uploads are refused. */
function fakeApi(existing: AssetInfo[]): ReleaseApi & { calls: string[] } {
  const calls: string[] = []
  const fail = (what: string) => () => {
    calls.push(what)
    throw new Error(`unexpected ${what}`)
  }
  return {
    owner: 'o',
    repo: 'r',
    calls,
    listReleases: fail('listReleases'),
    createRelease: fail('createRelease'),
    generateNotes: fail('generateNotes'),
    updateRelease: fail('updateRelease'),
    deleteRelease: fail('deleteRelease'),
    listAssets: async () => {
      calls.push('listAssets')
      return existing
    },
    uploadAsset: fail('uploadAsset'),
    deleteAsset: fail('deleteAsset'),
    downloadAsset: fail('downloadAsset')
  }
}

const releaseOf = (assets: AssetInfo[]): ReleaseInfo => ({
  id: 7,
  tagName: 'v1.0.0',
  name: 'v1.0.0',
  draft: true,
  prerelease: false,
  immutable: false,
  htmlUrl: 'https://github.com/o/r/releases/7',
  uploadUrl: 'https://uploads.github.com/repos/o/r/releases/7/assets{?name,label}',
  assets
})

describe('the release stages stop before any upload past the limits', () => {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-limits-'))
  const dist = path.join(workspace, 'dist')
  fs.mkdirSync(dist)
  const file = (name: string, size: number): string => {
    const p = path.join(dist, name)
    fs.writeFileSync(p, 'x'.repeat(size))
    return p
  }
  const setup = (existing: AssetInfo[], size?: number) => {
    const run = testContext({}, { workspace })
    const api = fakeApi(existing)
    run.ctx.facts = { releaseExtras: [] } as unknown as Facts
    run.ctx.release = {
      api,
      tag: 'v1.0.0',
      prerelease: false,
      release: releaseOf(existing),
      created: false
    }
    run.ctx.artifacts.add({
      kind: 'archive',
      path: file('app_linux_amd64.tar.gz', 3),
      name: 'app_linux_amd64.tar.gz',
      // A 2 GiB file is too costly to write: the registry's recorded size stands for it.
      size: size ?? 3,
      digests: { sha256: 'ab'.repeat(32) }
    })
    run.ctx.artifacts.add({
      kind: 'checksums',
      path: file('checksums.txt', 1),
      name: 'checksums.txt',
      size: 1
    })
    return { run, api }
  }

  test('release-limits stage: an archive of 2 GiB fails naming it and both sizes', async () => {
    const { run, api } = setup([], MAX_ASSET_BYTES)
    await expect(releaseLimits.run(run.ctx)).rejects.toThrow(
      'release v1.0.0: nothing uploaded:\n  app_linux_amd64.tar.gz is 2.0 GiB (2147483648 bytes); GitHub refuses release assets of 2.0 GiB (2147483648 bytes) or more'
    )
    expect(api.calls).toEqual([])
  })

  test('release-limits stage: 999 assets on the release plus 2 new fails; 998 plus 2 passes', async () => {
    const full = setup(many(999))
    await expect(releaseLimits.run(full.run.ctx)).rejects.toThrow(
      'the release would hold 1001 assets (999 there already, 2 new); GitHub allows at most 1000'
    )
    const fits = setup(many(998))
    await expect(releaseLimits.run(fits.run.ctx)).resolves.toBeUndefined()
  })

  test('publish stage: assets other legs added since the preflight listing are counted before any upload', async () => {
    // The preflight saw an empty release; the fresh listing shows 999 assets.
    const { run, api } = setup([])
    api.listAssets = async () => {
      api.calls.push('listAssets')
      return many(999, 'leg')
    }
    await expect(publishRelease.run(run.ctx)).rejects.toThrow(
      'release v1.0.0: nothing uploaded:\n  the release would hold 1001 assets (999 there already, 2 new); GitHub allows at most 1000'
    )
    expect(api.calls).toEqual(['listAssets'])
  })
})

describe('the process port bounds a smoke run', () => {
  test('timeoutMs kills the process group and says so', async () => {
    const out = await realProcess.run('sleep', ['30'], { env: {}, timeoutMs: 200 })
    expect([out.timedOut, out.code]).toEqual([true, 137])
  })

  test('a run that ends in time is not marked timed out', async () => {
    const out = await realProcess.run('true', [], { env: {}, timeoutMs: 60_000 })
    expect([out.timedOut, out.code]).toEqual([undefined, 0])
  })

  test('maxOutputBytes keeps the last bytes of a long output', async () => {
    const out = await realProcess.run('seq', ['1', '200000'], { env: {}, maxOutputBytes: 100 })
    expect(out.stdout.length).toBe(100)
    expect(out.stdout.endsWith('199999\n200000\n')).toBe(true)
  })
})

describe('the smoke stage on a fake process port', () => {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-smoke-stage-'))
  const binary = path.join(workspace, 'app')
  fs.writeFileSync(binary, '')

  /** A context with one linux binary per target id, on a linux/amd64 host. */
  const setup = (ids: string[], run: ProcessPort['run']) => {
    const t = testContext(
      { 'smoke-test': '--version', 'smoke-test-expect': '{{.Version}}' },
      {
        workspace,
        env: { RUNNER_TEMP: workspace }
      }
    )
    t.ctx.facts = {
      go: { hostOs: 'linux', hostArch: 'amd64' },
      modulePath: 'example.com/app',
      stamp: {
        version: '1.2.3',
        tag: 'v1.2.3',
        commit: 'c',
        shortCommit: 'c',
        date: 'd',
        epoch: 0,
        snapshot: false,
        previousTag: '',
        summary: 'v1.2.3',
        dirty: false
      }
    } as unknown as Facts
    for (const id of ids) {
      t.ctx.artifacts.add({
        kind: 'binary',
        path: binary,
        name: 'app',
        binary: 'app',
        target: targetOf(id)
      })
    }
    const calls: string[][] = []
    t.ctx.ports.process = {
      run: (file, args, options) => {
        calls.push([file, ...args])
        return run(file, args, options)
      }
    }
    return { ...t, calls }
  }

  test('linux/386 on a kernel without IA32 emulation (ENOEXEC) is run under qemu-i386-static instead', async () => {
    const { ctx, calls, summary } = setup(['linux/386'], async file => {
      if (file === binary) {
        throw new ProgramNotFoundError(file, {
          cause: Object.assign(new Error('spawn ENOEXEC'), { code: 'ENOEXEC' })
        })
      }
      return { code: 0, stdout: '1.2.3\n', stderr: '' }
    })
    await smoke.run(ctx)
    expect(calls).toEqual([
      [binary, '--version'],
      ['/usr/bin/qemu-i386-static', binary, '--version']
    ])
    expect(ctx.smoke).toEqual([
      { target: 'linux_386', binary: 'app', outcome: 'passed', detail: 'qemu-i386-static' }
    ])
    // Only a failure writes a section of its own: the report shows passing runs.
    expect(summary).toEqual([])
  })

  test('a run killed at the timeout fails naming the target and the limit', async () => {
    const { ctx, summary } = setup(['linux/amd64'], async () => ({
      code: 137,
      stdout: 'still starting',
      stderr: '',
      timedOut: true
    }))
    await expect(smoke.run(ctx)).rejects.toThrow(
      'smoke test failed for 1 of 1 binaries:\nlinux_amd64: smoke test: app --version (native) did not exit within 1m00s and was killed: still starting'
    )
    // The run ends before the report: the failure writes its own section.
    expect(summary.join('')).toMatch(
      /smoke test failed: --version\n.*\nlinux_amd64 +app +failed +native/s
    )
  })

  test('only skipped targets: the stage passes and lists them as skipped, never as passed', async () => {
    const { ctx, calls, summary, lines } = setup(['darwin/arm64', 'windows/arm64'], async () => {
      throw new Error('nothing may run')
    })
    await smoke.run(ctx)
    expect(calls).toEqual([])
    expect(lines).toContain('smoke test: 0 passed, 0 failed, 2 skipped')
    expect(ctx.smoke!.map(s => [s.target, s.outcome, s.detail.slice(0, 30)])).toEqual([
      ['darwin_arm64', 'skipped', 'no way to run darwin/arm64 bin'],
      ['windows_arm64', 'skipped', 'wine runs windows/arm64 progra']
    ])
    expect(summary).toEqual([])
  })
})
