import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { realProcess } from '../../src/ports/process.js'
import { copyFixture, gitInit } from '../fakes/context.js'
import { findWazero } from '../fakes/go-tools.js'
import { runStep } from '../fakes/runner.js'

// .ci/run installs qemu-user-static, the arm64 sysroot, mingw and wine: a missing one fails here.
const env = process.env as Record<string, string>
const TAG = { GITHUB_REF: 'refs/tags/v3.2.1', GITHUB_REF_NAME: 'v3.2.1', GITHUB_REF_TYPE: 'tag' }
const LDFLAGS = '-s -w -X main.version={{.Version}}'

/**
 * The smoke table's rows as `target binary result how/why` lines (the HTML table flattened): the
 * report's folded "Smoke runs" section, or the section a failing smoke test writes before the step
 * fails.
 */
function smokeRows(summary: string): string[] {
  const start = Math.max(
    summary.indexOf('<summary>Smoke runs: '),
    summary.indexOf('go-xbuild smoke test failed')
  )
  expect(start).toBeGreaterThanOrEqual(0)
  const table = summary.slice(start, summary.indexOf('</table>', start))
  const text = (html: string): string =>
    html.replace(/&(lt|gt|quot|#39|amp);/g, (_m, e: string) => ENTITIES[e]!)
  return [...table.matchAll(/<tr>(.*?)<\/tr>/gs)]
    .slice(1)
    .map(m => [...m[1]!.matchAll(/<td>(.*?)<\/td>/gs)].map(c => text(c[1]!)).join(' | '))
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', quot: '"', '#39': "'", amp: '&' }

/** The major version of the installed wine ("wine-8.0 (Debian 8.0~repack-4)" → 8). */
async function wineMajor(): Promise<number> {
  const out = await realProcess.run('wine', ['--version'], { env })
  return Number(/wine-(\d+)/.exec(out.stdout)?.[1] ?? 0)
}

/**
 * A wine prefix in RUNNER_TEMP, made ready by wineboot, with a bcryptprimitives.dll (ProcessPrng
 * over RtlGenRandom, built with mingw) like Wine ≥ 9.0 ships: Debian 12's Wine 8.0 lacks it and
 * every Go ≥1.22 Windows program dies at start-up without it.
 */
async function wineTempWithProcessPrng(): Promise<string> {
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-runner-temp-'))
  const prefix = path.join(temp, 'go-xbuild-wine')
  const boot = await realProcess.run('wineboot', ['-i'], {
    env: { ...env, WINEPREFIX: prefix, WINEDEBUG: '-all', WINEDLLOVERRIDES: 'mscoree,mshtml=' }
  })
  expect(boot.code).toBe(0)
  await realProcess.run('wineserver', ['-w'], { env: { ...env, WINEPREFIX: prefix } })
  const source = path.join(temp, 'shim.c')
  fs.writeFileSync(
    source,
    `#include <windows.h>
#include <ntsecapi.h>
BOOL WINAPI ProcessPrng(BYTE *data, SIZE_T size) {
  while (size > 0) {
    ULONG n = size > 0x7fffffff ? 0x7fffffff : (ULONG)size;
    if (!RtlGenRandom(data, n)) return FALSE;
    data += n;
    size -= n;
  }
  return TRUE;
}
`
  )
  const dll = path.join(prefix, 'drive_c', 'windows', 'system32', 'bcryptprimitives.dll')
  const cc = await realProcess.run(
    'x86_64-w64-mingw32-gcc',
    ['-shared', '-O2', '-o', dll, source, '-ladvapi32'],
    { env }
  )
  expect(cc.stderr).toBe('')
  return temp
}

describe('smoke-test: every binary the runner can run is run', () => {
  test('linux/amd64 natively, arm64, arm/7, riscv64 under QEMU, windows/amd64 under wine pass; darwin is listed as skipped', async () => {
    const workspace = copyFixture('hello')
    const sha = await gitInit(workspace)
    const temp = await wineTempWithProcessPrng()
    const step = await runStep(
      'dist/main.js',
      {
        targets:
          'linux/amd64, linux/arm64, linux/arm/7, linux/riscv64, windows/amd64, darwin/arm64',
        ldflags: LDFLAGS,
        'smoke-test': '--version',
        'smoke-test-expect': '{{.Version}}',
        'max-binary-size': '25MiB',
        'upload-artifacts': 'false',
        release: 'false'
      },
      { workspace, env: { ...TAG, GITHUB_SHA: sha, RUNNER_TEMP: temp } }
    )
    expect(step.stderr).toBe('')
    expect(step.code).toBe(0)
    expect(step.stdout).toMatch(/^::group::smoke-testing binaries$/m)
    expect(smokeRows(step.summary)).toEqual([
      'linux_amd64 | hello-fixture | passed | native',
      'linux_arm64 | hello-fixture | passed | qemu-aarch64-static',
      'linux_arm_7 | hello-fixture | passed | qemu-arm-static',
      'linux_riscv64 | hello-fixture | passed | qemu-riscv64-static',
      expect.stringMatching(/^windows_amd64 \| hello-fixture\.exe \| passed \| wine(64)?$/),
      'darwin_arm64 | hello-fixture | skipped | no way to run darwin/arm64 binaries on linux/amd64 (needs a macOS runner)'
    ])
    expect(step.stdout).toMatch(/^smoke test: 5 passed, 0 failed, 1 skipped$/m)
    // The binaries' output is relayed fenced off from workflow commands, like go build's.
    expect(step.stdout).toMatch(/^::stop-commands::[0-9a-f-]{36}\n3\.2\.1\n::[0-9a-f-]{36}::$/m)
    expect(JSON.parse(step.outputs.artifacts!)).toHaveLength(6)
  })

  test('UPX-packed binaries are smoke-tested as shipped: packed linux/amd64 and arm64 run; the darwin slices and darwin_all are skipped', async () => {
    const workspace = copyFixture('hello')
    const sha = await gitInit(workspace)
    const step = await runStep(
      'dist/main.js',
      {
        targets: 'linux/amd64, linux/arm64, darwin/amd64, darwin/arm64',
        ldflags: LDFLAGS,
        upx: 'linux/*',
        'universal-binaries': 'replace',
        'smoke-test': '--version',
        'smoke-test-expect': '{{.Version}}',
        'upload-artifacts': 'false',
        release: 'false'
      },
      { workspace, env: { ...TAG, GITHUB_SHA: sha } }
    )
    expect(step.stderr).toBe('')
    expect(step.code).toBe(0)
    // Packing comes before the smoke runs: they run the files that are archived.
    const order = [
      'compressing binaries with UPX',
      'smoke-testing binaries',
      'packaging archives'
    ].map(g => step.stdout.indexOf(`::group::${g}\n`))
    expect(order).toEqual([...order].sort((a, b) => a - b))
    expect(order[0]).toBeGreaterThanOrEqual(0)
    expect(smokeRows(step.summary)).toEqual([
      'linux_amd64 | hello-fixture | passed | native',
      'linux_arm64 | hello-fixture | passed | qemu-aarch64-static',
      // The slices and the universal binary: none runs here.
      'darwin_amd64 | hello-fixture | skipped | no way to run darwin/amd64 binaries on linux/amd64 (needs a macOS runner)',
      'darwin_arm64 | hello-fixture | skipped | no way to run darwin/arm64 binaries on linux/amd64 (needs a macOS runner)',
      'darwin_all | hello-fixture | skipped | no way to run darwin universal binaries on linux/amd64 (needs a macOS runner)'
    ])
  })

  test('a binary exiting non-zero fails the step naming each target, the exit code and the output; others still run', async () => {
    const workspace = copyFixture('hello')
    await gitInit(workspace)
    const step = await runStep(
      'dist/main.js',
      {
        targets: 'linux/amd64, linux/arm64, darwin/amd64',
        ldflags: LDFLAGS,
        // Go quoting: one argument with a space, passed as is (no shell).
        'smoke-test': "'--bogus flag'",
        'upload-artifacts': 'false'
      },
      { workspace }
    )
    expect(step.code).toBe(1)
    expect(step.stdout).toContain(
      '::error::go-xbuild: smoke test failed for 2 of 3 binaries:%0A' +
        "linux_amd64: smoke test: hello-fixture '--bogus flag' (native) exited 2: flag provided but not defined: --bogus flag%0A" +
        "linux_arm64: smoke test: hello-fixture '--bogus flag' (qemu-aarch64-static) exited 2: flag provided but not defined: --bogus flag"
    )
    expect(smokeRows(step.summary)).toEqual([
      "linux_amd64 | hello-fixture | failed | native: hello-fixture '--bogus flag' (native) exited 2",
      "linux_arm64 | hello-fixture | failed | qemu-aarch64-static: hello-fixture '--bogus flag' (qemu-aarch64-static) exited 2",
      'darwin_amd64 | hello-fixture | skipped | no way to run darwin/amd64 binaries on linux/amd64 (needs a macOS runner)'
    ])
    // Nothing after the smoke test ran: no archives.
    expect(step.stdout).not.toMatch(/^::group::packaging archives$/m)
  })

  test('output lacking smoke-test-expect fails naming the target and the text; windows/amd64 on a wine without bcryptprimitives.dll is skipped, not passed', async () => {
    const workspace = copyFixture('hello')
    await gitInit(workspace)
    const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-runner-temp-'))
    const step = await runStep(
      'dist/main.js',
      {
        targets: 'linux/amd64, windows/amd64',
        ldflags: LDFLAGS,
        'smoke-test': '--version',
        'smoke-test-expect': 'v{{.Version}}',
        'upload-artifacts': 'false',
        release: 'false'
      },
      { workspace, env: { ...TAG, RUNNER_TEMP: temp } }
    )
    expect(step.code).toBe(1)
    expect(step.stdout).toContain(
      '::error::go-xbuild: smoke test failed for 1 of 2 binaries:%0Alinux_amd64: smoke test: hello-fixture --version (native): the output lacks "v3.2.1": 3.2.1'
    )
    const rows = smokeRows(step.summary)
    expect(rows[0]).toBe(
      'linux_amd64 | hello-fixture | failed | native: hello-fixture --version (native): the output lacks "v3.2.1"'
    )
    if ((await wineMajor()) < 9) {
      expect(rows[1]).toMatch(
        /^windows_amd64 \| hello-fixture\.exe \| skipped \| wine-8\.\d.* lacks bcryptprimitives\.dll, which Go ≥1\.22 Windows programs need \(Wine ≥ 9\.0 has it\)$/
      )
    } else {
      // A wine that runs it: the same missing text fails it too.
      expect(rows[1]).toMatch(/^windows_amd64 \| hello-fixture\.exe \| failed \| wine/)
    }
  })

  test('a dynamically linked cgo linux/arm64 binary runs under QEMU with the Debian sysroot', async () => {
    const workspace = copyFixture('cgo')
    await gitInit(workspace)
    const step = await runStep(
      'dist/main.js',
      {
        targets: 'linux/amd64, linux/arm64',
        cgo: 'true',
        ldflags: LDFLAGS,
        'smoke-test': '--version',
        'smoke-test-expect': 'add(2,3)=5 version={{.Version}}',
        'upload-artifacts': 'false',
        release: 'false'
      },
      { workspace, env: TAG }
    )
    expect(step.stderr).toBe('')
    expect(step.code).toBe(0)
    expect(smokeRows(step.summary)).toEqual([
      'linux_amd64 | cgo-fixture | passed | native',
      'linux_arm64 | cgo-fixture | passed | qemu-aarch64-static -L /usr/aarch64-linux-gnu'
    ])
  })

  test('max-binary-size: a larger binary fails in verification naming the target, both sizes, before packaging', async () => {
    const workspace = copyFixture('hello')
    await gitInit(workspace)
    const step = await runStep(
      'dist/main.js',
      {
        targets: 'linux/amd64, linux/arm64',
        'max-binary-size': '100KiB',
        'smoke-test': '--version',
        'upload-artifacts': 'false'
      },
      { workspace }
    )
    expect(step.code).toBe(1)
    const sizes = ['linux_amd64', 'linux_arm64'].map(
      id => fs.statSync(path.join(workspace, 'dist', id, 'hello-fixture')).size
    )
    const mib = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MiB (${n} bytes)`
    expect(step.stdout).toContain(
      `::error::go-xbuild: binary verification failed:%0A` +
        `linux_amd64: hello-fixture is ${mib(sizes[0]!)}, larger than max-binary-size 100.0 KiB (102400 bytes)%0A` +
        `linux_arm64: hello-fixture is ${mib(sizes[1]!)}, larger than max-binary-size 100.0 KiB (102400 bytes)`
    )
    expect(step.stdout).not.toMatch(/^::group::smoke-testing binaries$/m)
    expect(step.stdout).not.toMatch(/^::group::packaging archives$/m)
  })

  test('bad smoke and size inputs fail before building, all listed', async () => {
    const workspace = copyFixture('hello')
    await gitInit(workspace)
    const step = await runStep(
      'dist/main.js',
      { 'smoke-test': "'--version", 'max-binary-size': '25 MiBs' },
      { workspace }
    )
    expect(step.code).toBe(1)
    expect(step.stdout).toContain(
      `smoke-test: unterminated ' string in "'--version"%0A  - max-binary-size: "25 MiBs" is not a size`
    )
    expect(step.stdout).not.toMatch(/^::group::building binaries$/m)
  })
})

describe('WebAssembly: wasip1 under Node’s WASI, js under Go’s wasm_exec_node.js', () => {
  const wasmBinaries = (dist: string): string[] =>
    (fs.readdirSync(dist, { recursive: true }) as string[])
      .filter(f => f.endsWith('.wasm'))
      .map(f => path.join(dist, f))
      .sort()

  test('both print their version and pass; wazero runs the wasip1 module the same; the js archive runs with its wasm_exec.js', async () => {
    const workspace = copyFixture('hello')
    await gitInit(workspace)
    const step = await runStep(
      'dist/main.js',
      {
        targets: 'wasip1/wasm, js/wasm',
        ldflags: LDFLAGS,
        'smoke-test': '--version',
        'smoke-test-expect': '{{.Version}}',
        'upload-artifacts': 'false'
      },
      { workspace, env: { ...env, ...TAG } }
    )
    expect([step.code, step.code === 0 ? '' : step.stdout]).toEqual([0, ''])
    expect(smokeRows(step.summary)).toEqual([
      'wasip1_wasm | hello-fixture.wasm | passed | node WASI preview1',
      'js_wasm | hello-fixture.wasm | passed | node wasm_exec_node.js'
    ])
    const wasi = wasmBinaries(path.join(workspace, 'dist')).find(f => f.includes('wasip1'))!
    const wazero = await realProcess.run(await findWazero(), ['run', wasi, '--version'], { env })
    expect([wazero.code, wazero.stdout]).toEqual([0, '3.2.1\n'])

    // The js/wasm archive carries the wasm_exec.js of the Go that built it, and that file runs
    // the program: loaded into a plain Node (no wasm_exec_node.js), as a page would load it.
    const unpacked = fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-js-wasm-'))
    const archive = path.join(workspace, 'dist', 'hello-fixture_3.2.1_js_wasm.tar.gz')
    const listing = await realProcess.run('tar', ['-xzvf', archive, '-C', unpacked], { env })
    expect(listing.stdout.trim().split('\n').sort()).toEqual(
      expect.arrayContaining(['hello-fixture.wasm', 'wasm_exec.js'])
    )
    const goroot = (await realProcess.run('go', ['env', 'GOROOT'], { env })).stdout.trim()
    expect(fs.readFileSync(path.join(unpacked, 'wasm_exec.js'))).toEqual(
      fs.readFileSync(path.join(goroot, 'lib', 'wasm', 'wasm_exec.js'))
    )
    const page = [
      "require('./wasm_exec.js')",
      'const go = new Go()',
      "go.argv = ['hello-fixture.wasm', '--version']",
      "WebAssembly.instantiate(require('fs').readFileSync('hello-fixture.wasm'), go.importObject)",
      '  .then(r => go.run(r.instance))'
    ].join('\n')
    fs.writeFileSync(path.join(unpacked, 'page.cjs'), page)
    const ran = await realProcess.run(process.execPath, ['page.cjs'], { cwd: unpacked, env })
    expect([ran.code, ran.stdout]).toEqual([0, '3.2.1\n'])
    fs.rmSync(unpacked, { recursive: true, force: true })
    fs.rmSync(workspace, { recursive: true, force: true })
  })

  test('a failing wasm program fails the smoke run naming its target and exit code', async () => {
    const workspace = copyFixture('hello')
    await gitInit(workspace)
    const step = await runStep(
      'dist/main.js',
      {
        targets: 'wasip1/wasm, js/wasm',
        ldflags: LDFLAGS,
        'smoke-test': '--bogus',
        'upload-artifacts': 'false'
      },
      { workspace, env: { ...env, ...TAG } }
    )
    expect(step.code).toBe(1)
    expect(step.stdout).toContain(
      '::error::go-xbuild: smoke test failed for 2 of 2 binaries:%0A' +
        'wasip1_wasm: smoke test: hello-fixture.wasm --bogus (node WASI preview1) exited 2: flag provided but not defined: --bogus%0A' +
        'js_wasm: smoke test: hello-fixture.wasm --bogus (node wasm_exec_node.js) exited 2: flag provided but not defined: --bogus'
    )
    fs.rmSync(workspace, { recursive: true, force: true })
  })
})

describe('cgo-link: static: cgo binaries that need nothing of the Linux they run on', () => {
  const interp = (file: string) => realProcess.run('readelf', ['-l', '-d', file], { env })

  test('linux/amd64 with musl-gcc, linux/arm64 with static glibc: no interpreter, no libraries; arm64 runs under QEMU without a sysroot', async () => {
    const workspace = copyFixture('cgo')
    await gitInit(workspace)
    const step = await runStep(
      'dist/main.js',
      {
        targets: 'linux/amd64, linux/arm64',
        cgo: 'true',
        'cgo-link': 'static',
        ldflags: LDFLAGS,
        'smoke-test': '--version',
        'smoke-test-expect': 'add(2,3)=5 version={{.Version}}',
        'upload-artifacts': 'false'
      },
      { workspace, env: { ...env, ...TAG } }
    )
    expect([step.code, step.code === 0 ? '' : step.stdout]).toEqual([0, ''])
    // Only the glibc target is warned about: musl has no NSS or dlopen caveat.
    expect(step.stdout).toContain(
      '::warning::cgo-link: static links glibc into linux/arm64 (no musl compiler for them)'
    )
    expect(step.stdout).toContain('linux_amd64 cgo-fixture: elf amd64, static')
    expect(step.stdout).toContain('linux_arm64 cgo-fixture: elf arm64, static')
    expect(smokeRows(step.summary)).toEqual([
      'linux_amd64 | cgo-fixture | passed | native',
      // No `-L /usr/aarch64-linux-gnu`: nothing to load from a sysroot.
      'linux_arm64 | cgo-fixture | passed | qemu-aarch64-static'
    ])
    for (const id of ['linux_amd64', 'linux_arm64']) {
      const file = path.join(workspace, 'dist', id, 'cgo-fixture')
      const elf = await interp(file)
      expect([id, elf.stdout]).toEqual([id, expect.stringContaining('There is no dynamic section')])
      expect([id, elf.stdout]).not.toEqual([id, expect.stringContaining('INTERP')])
    }
    // musl, not glibc: its static binaries carry no GNU ABI note.
    const note = await realProcess.run(
      'readelf',
      ['-n', path.join(workspace, 'dist', 'linux_amd64', 'cgo-fixture')],
      { env }
    )
    expect(note.stdout).not.toContain('NT_GNU_ABI_TAG')
    fs.rmSync(workspace, { recursive: true, force: true })
  })

  test('a binary the C linker left dynamic fails verification naming the target', async () => {
    const workspace = copyFixture('cgo')
    await gitInit(workspace)
    // A compiler that drops -static, as some wrappers do.
    const cc = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-cc-')), 'cc-no-static')
    fs.writeFileSync(
      cc,
      '#!/bin/sh\nfor a; do shift; [ "$a" = -static ] || set -- "$@" "$a"; done\nexec gcc "$@"\n',
      { mode: 0o755 }
    )
    const step = await runStep(
      'dist/main.js',
      {
        targets: 'linux/amd64',
        cgo: 'true',
        'cgo-link': 'static',
        cc: `linux/amd64: ${cc}`,
        'upload-artifacts': 'false'
      },
      { workspace, env: { ...env, ...TAG } }
    )
    expect(step.code).toBe(1)
    expect(step.stdout).toMatch(
      /::error::go-xbuild: binary verification failed:%0Alinux_amd64: cgo-fixture is still dynamically linked \(interpreter \/lib64\/ld-linux-x86-64\.so\.2\) though cgo-link is static/
    )
    expect(step.stdout).not.toMatch(/^::group::packaging archives$/m)
    fs.rmSync(workspace, { recursive: true, force: true })
  })
})
