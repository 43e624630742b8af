import * as path from 'node:path'
import { debianTriplet } from './cross-cc.js'
import { wasmExecDir, type Target } from './targets.js'

/** Where a smoke run happens, as far as choosing how to run a binary goes. */
export interface SmokeHost {
  /** GOOS/GOARCH of the machine (`go env GOHOSTOS GOHOSTARCH`) */
  goos: string
  goarch: string
  /** absolute path of a program on PATH, or undefined */
  find(program: string): string | undefined
  /** true when the file exists (a sysroot's ELF interpreter, wine's 32-bit loader) */
  exists(file: string): boolean
  /** amd64 hosts: the x86-64 micro-architecture level the CPU supports (1–4); undefined when unknown */
  amd64Level?: number
  /** the Node.js running this action: it runs WebAssembly programs */
  node: string
  /** the Go toolchain's GOROOT, whose lib/wasm holds wasm_exec_node.js for js/wasm */
  goroot: string
}

/** How one binary is run for its smoke test, or why it is not. */
export type RunPlan =
  | {
      method: 'native' | 'qemu' | 'wine' | 'node'
      /** the program to start and the arguments before the binary's path */
      program: string
      prefix: string[]
      /** for logs: `native`, `qemu-aarch64-static -L /usr/aarch64-linux-gnu`, `wine64`, `node WASI` */
      label: string
    }
  | { method: 'skipped'; reason: string }

// qemu-user's names for Go's architectures (qemu's linux-user/<arch> folders).
const QEMU_ARCH: Readonly<Record<string, string>> = {
  amd64: 'x86_64',
  '386': 'i386',
  arm64: 'aarch64',
  arm: 'arm',
  riscv64: 'riscv64',
  ppc64: 'ppc64',
  ppc64le: 'ppc64le',
  s390x: 's390x',
  mips: 'mips',
  mipsle: 'mipsel',
  mips64: 'mips64',
  mips64le: 'mips64el',
  loong64: 'loongarch64'
}

/** qemu-user's architecture name for a GOARCH (`arm64` → `aarch64`), or undefined. */
export function qemuArch(goarch: string): string | undefined {
  return QEMU_ARCH[goarch]
}

/**
 * Runs a wasip1 module under Node's own WASI (preview1): `node -e WASI_RUNNER -- prog.wasm
 * args…`. The program sees its arguments, the environment it is given and the file system, and
 * its exit code is Node's.
 */
export const WASI_RUNNER = [
  "import { WASI } from 'node:wasi'",
  "import { readFileSync } from 'node:fs'",
  'const [file, ...args] = process.argv.slice(1)',
  "const wasi = new WASI({ version: 'preview1', args: [file, ...args], env: process.env, preopens: { '/': '/' }, returnOnExit: true })",
  'const { instance } = await WebAssembly.instantiate(readFileSync(file), wasi.getImportObject())',
  'process.exitCode = wasi.start(instance)'
].join('\n')

/** Debian/Ubuntu's 32-bit wine loader (package wine32:i386); wine64 alone starts windows/386 programs and exits 0 without running them. */
export const WINE32_LOADER = '/usr/lib/wine/wine'

/**
 * Chooses how to run a binary on this host: natively (the host's own pair, linux/386 on
 * linux/amd64, windows/386 on windows/amd64), under qemu-user for other linux architectures
 * (with the Debian cross sysroot for a dynamically linked binary), under wine for windows on
 * linux; anything else is skipped with the reason. `interpreter` is the ELF PT_INTERP the verify
 * stage found (dynamically linked).
 */
export function planRun(
  target: Target,
  binary: { interpreter?: string },
  host: SmokeHost
): RunPlan {
  const level = amd64LevelOf(target)
  const cpuLacks =
    target.goarch === 'amd64' &&
    level > 1 &&
    host.goarch === 'amd64' &&
    host.amd64Level !== undefined &&
    host.amd64Level < level
  const native = (): RunPlan =>
    cpuLacks
      ? {
          method: 'skipped',
          reason: `this CPU does not support x86-64-v${level} (GOAMD64=v${level}); it supports v${host.amd64Level}`
        }
      : { method: 'native', program: '', prefix: [], label: 'native' }

  if (target.goos === host.goos) {
    // A universal binary (darwin_all) holds a slice for each darwin architecture, the host's too.
    if (target.goarch === host.goarch || target.goarch === 'all') return native()
    // x86-64 kernels run i386 programs (IA32 emulation, on in every distribution kernel);
    // 64-bit Windows runs them with WoW64.
    if (
      target.goarch === '386' &&
      host.goarch === 'amd64' &&
      ['linux', 'windows'].includes(host.goos)
    )
      return native()
  }
  if (target.goarch === 'wasm') return wasmPlan(target, host)
  if (target.goos === 'linux' && host.goos === 'linux') return qemuPlan(target, binary, host)
  if (target.goos === 'windows' && host.goos === 'linux') {
    if (cpuLacks) return native()
    if (target.goarch === 'amd64' && host.goarch === 'amd64') {
      const wine = host.find('wine64') ?? host.find('wine')
      return wine
        ? { method: 'wine', program: wine, prefix: [], label: path.basename(wine) }
        : {
            method: 'skipped',
            reason: 'wine is not installed (Debian/Ubuntu: apt-get install wine wine64)'
          }
    }
    if (target.goarch === '386' && host.goarch === 'amd64') {
      const wine = host.find('wine')
      if (!wine) return { method: 'skipped', reason: 'wine is not installed' }
      if (!host.exists(WINE32_LOADER)) {
        return {
          method: 'skipped',
          reason: `windows/386 needs 32-bit wine (${WINE32_LOADER}, package wine32:i386); only 64-bit wine is installed`
        }
      }
      return { method: 'wine', program: wine, prefix: [], label: 'wine (32-bit)' }
    }
    return {
      method: 'skipped',
      reason: `wine runs windows/${target.goarch} programs only on an ${target.goarch} host, this is ${host.goos}/${host.goarch}`
    }
  }
  // darwin_all (universal-binaries) has the pseudo-architecture `all`.
  const kind =
    target.goarch === 'all' ? `${target.goos} universal` : `${target.goos}/${target.goarch}`
  return {
    method: 'skipped',
    reason: `no way to run ${kind} binaries on ${host.goos}/${host.goarch}${target.goos === 'darwin' ? ' (needs a macOS runner)' : ''}`
  }
}

/** WebAssembly under Node: wasip1 with its WASI, js with Go's own wasm_exec_node.js. */
function wasmPlan(target: Target, host: SmokeHost): RunPlan {
  const node = { method: 'node' as const, program: host.node }
  if (target.goos === 'wasip1')
    return {
      ...node,
      prefix: ['--no-warnings', '--input-type=module', '-e', WASI_RUNNER, '--'],
      label: 'node WASI preview1'
    }
  if (target.goos === 'js') {
    const dir = wasmExecDir(host.goroot, host.exists)
    if (!dir)
      return {
        method: 'skipped',
        reason: `Go's wasm_exec_node.js is not in ${host.goroot}/lib/wasm or misc/wasm`
      }
    return {
      ...node,
      prefix: [path.join(dir, 'wasm_exec_node.js')],
      label: 'node wasm_exec_node.js'
    }
  }
  return { method: 'skipped', reason: `no way to run ${target.goos}/wasm programs` }
}

function qemuPlan(target: Target, binary: { interpreter?: string }, host: SmokeHost): RunPlan {
  const arch = qemuArch(target.goarch)
  if (!arch) {
    return { method: 'skipped', reason: `qemu-user has no emulator for ${target.goarch}` }
  }
  const name = `qemu-${arch}-static`
  const qemu = host.find(name) ?? host.find(`qemu-${arch}`)
  if (!qemu) {
    return {
      method: 'skipped',
      reason: `${name} is not installed (Debian/Ubuntu: apt-get install qemu-user-static)`
    }
  }
  const prefix: string[] = []
  if (binary.interpreter) {
    // A dynamically linked (cgo) binary needs the target's C library: Debian's cross sysroot.
    const triplet = debianTriplet(target)
    const sysroot = triplet ? `/usr/${triplet}` : undefined
    if (!sysroot || !host.exists(path.join(sysroot, binary.interpreter))) {
      return {
        method: 'skipped',
        reason: `dynamically linked (interpreter ${binary.interpreter}) and no sysroot holds it${sysroot ? ` at ${sysroot} (Debian/Ubuntu: apt-get install libc6-${debianArch(target)}-cross)` : ''}`
      }
    }
    prefix.push('-L', sysroot)
  }
  return {
    method: 'qemu',
    program: qemu,
    prefix,
    label: [path.basename(qemu), ...prefix].join(' ')
  }
}

/** Debian's architecture name, as in libc6-<arch>-cross. */
function debianArch(target: Target): string {
  if (target.goarch === 'arm')
    return target.variant && target.variant[0] !== '7' ? 'armel' : 'armhf'
  const names: Record<string, string> = {
    '386': 'i386',
    mips: 'mips',
    mipsle: 'mipsel',
    mips64: 'mips64',
    mips64le: 'mips64el',
    loong64: 'loong64'
  }
  return names[target.goarch] ?? target.goarch
}

/** The GOAMD64 level of an amd64 target (1 without a variant). */
function amd64LevelOf(target: Target): number {
  const match = target.goarch === 'amd64' ? /^v([1-4])$/.exec(target.variant ?? '') : null
  return match ? Number(match[1]) : 1
}

// CPU flags (as /proc/cpuinfo names them) each x86-64 level adds, per the psABI.
const LEVEL_FLAGS: readonly (readonly string[])[] = [
  ['cx16', 'lahf_lm', 'popcnt', 'pni', 'sse4_1', 'sse4_2', 'ssse3'],
  ['avx', 'avx2', 'bmi1', 'bmi2', 'f16c', 'fma', 'abm', 'movbe', 'xsave'],
  ['avx512f', 'avx512bw', 'avx512cd', 'avx512dq', 'avx512vl']
]

/** The x86-64 level (1–4) a Linux /proc/cpuinfo says the CPU supports; undefined without flags. */
export function amd64LevelFromCpuinfo(cpuinfo: string): number | undefined {
  const line = /^flags\s*:(.*)$/m.exec(cpuinfo)
  if (!line) return undefined
  const flags = new Set(line[1]!.trim().split(/\s+/))
  let level = 1
  for (const needed of LEVEL_FLAGS) {
    if (!needed.every(f => flags.has(f))) break
    level++
  }
  return level
}
