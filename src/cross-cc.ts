import type { Target } from './targets.js'

/** A C compiler the action may use for a cgo target. */
export interface CompilerCandidate {
  /** The C compiler command, used as CC. */
  cc: string
  /** The matching C++ compiler command, used as CXX. */
  cxx: string
  /** The Debian/Ubuntu package that installs `cc`, when there is one. */
  debianPackage?: string
}

/** A cross gcc from Debian's naming scheme: `<triplet>-gcc` in package `gcc-<triplet>` (with '_' as '-'). */
function debianCross(triplet: string): CompilerCandidate {
  return {
    cc: `${triplet}-gcc`,
    cxx: `${triplet}-g++`,
    debianPackage: `gcc-${triplet.replaceAll('_', '-')}`
  }
}

// GNU triplets Debian uses for its cross toolchains (https://wiki.debian.org/Multiarch/Tuples).
const LINUX_TRIPLETS: Readonly<Record<string, string>> = {
  amd64: 'x86_64-linux-gnu',
  arm64: 'aarch64-linux-gnu',
  '386': 'i686-linux-gnu',
  riscv64: 'riscv64-linux-gnu',
  ppc64: 'powerpc64-linux-gnu',
  ppc64le: 'powerpc64le-linux-gnu',
  s390x: 's390x-linux-gnu',
  mips: 'mips-linux-gnu',
  mipsle: 'mipsel-linux-gnu',
  mips64: 'mips64-linux-gnuabi64',
  mips64le: 'mips64el-linux-gnuabi64',
  loong64: 'loongarch64-linux-gnu'
}

/** The GOARM version digit of a linux/arm target; Go's cross-compile default is 7. */
function armVersion(t: Target): string {
  return t.variant ? t.variant.charAt(0) : '7'
}

/** Debian's GNU triplet of a linux target (`aarch64-linux-gnu`), naming its cross sysroot `/usr/<triplet>`. */
export function debianTriplet(t: Target): string | undefined {
  if (t.goos !== 'linux') return undefined
  if (t.goarch === 'arm') return armVersion(t) === '7' ? 'arm-linux-gnueabihf' : 'arm-linux-gnueabi'
  return LINUX_TRIPLETS[t.goarch]
}

/** Candidates for a target in preference order; for the host's own target the native compilers (gcc, cc, clang). */
export function compilerCandidates(
  t: Target,
  host: { goos: string; goarch: string }
): CompilerCandidate[] {
  if (t.goos === host.goos && t.goarch === host.goarch) {
    // Package names only mean something where apt does; macOS's gcc is Apple clang anyway.
    const apt = host.goos === 'linux'
    return [
      { cc: 'gcc', cxx: 'g++', ...(apt ? { debianPackage: 'gcc' } : {}) },
      { cc: 'cc', cxx: 'c++' },
      { cc: 'clang', cxx: 'clang++', ...(apt ? { debianPackage: 'clang' } : {}) }
    ]
  }
  if (t.goos === 'linux') {
    if (t.goarch === 'arm') {
      // ARMv5/v6 boards run the soft-float-ABI distributions (Debian armel); v7 is armhf.
      return armVersion(t) === '7'
        ? [debianCross('arm-linux-gnueabihf')]
        : [debianCross('arm-linux-gnueabi')]
    }
    const triplet = LINUX_TRIPLETS[t.goarch]
    return triplet ? [debianCross(triplet)] : []
  }
  if (t.goos === 'windows') {
    if (t.goarch === 'amd64') {
      return [
        {
          cc: 'x86_64-w64-mingw32-gcc',
          cxx: 'x86_64-w64-mingw32-g++',
          debianPackage: 'gcc-mingw-w64-x86-64'
        }
      ]
    }
    if (t.goarch === '386') {
      return [
        {
          cc: 'i686-w64-mingw32-gcc',
          cxx: 'i686-w64-mingw32-g++',
          debianPackage: 'gcc-mingw-w64-i686'
        }
      ]
    }
    // Debian's mingw-w64 has no arm64 gcc; llvm-mingw ships these names when a user installs it.
    if (t.goarch === 'arm64') {
      return [{ cc: 'aarch64-w64-mingw32-clang', cxx: 'aarch64-w64-mingw32-clang++' }]
    }
  }
  // darwin needs Apple's SDK, which no Debian package ships: a macOS runner or zig covers it.
  return []
}

// zig's names for the architectures (0.11 renamed i386 to x86, ziglang/zig#13101).
const ZIG_ARCH: Readonly<Record<string, string>> = {
  amd64: 'x86_64',
  arm64: 'aarch64',
  '386': 'x86',
  riscv64: 'riscv64',
  ppc64: 'powerpc64',
  ppc64le: 'powerpc64le',
  s390x: 's390x',
  mips: 'mips',
  mipsle: 'mipsel',
  mips64: 'mips64',
  mips64le: 'mips64el',
  loong64: 'loongarch64'
}

/** The `zig cc -target` triple for a target, or undefined when zig cannot target it. */
export function zigTriple(t: Target): string | undefined {
  if (t.goos === 'linux') {
    // glibc, like the Debian compilers, so a zig build and a gcc build link the same way.
    if (t.goarch === 'arm') {
      return armVersion(t) === '7' ? 'arm-linux-gnueabihf' : 'arm-linux-gnueabi'
    }
    if (t.goarch === 'mips' || t.goarch === 'mipsle') {
      const abi = t.variant === 'softfloat' ? 'gnueabi' : 'gnueabihf'
      return `${ZIG_ARCH[t.goarch]}-linux-${abi}`
    }
    if (t.goarch === 'mips64' || t.goarch === 'mips64le') {
      return `${ZIG_ARCH[t.goarch]}-linux-gnuabi64`
    }
    const arch = ZIG_ARCH[t.goarch]
    return arch ? `${arch}-linux-gnu` : undefined
  }
  if (t.goos === 'windows' && ['amd64', '386', 'arm64'].includes(t.goarch)) {
    return `${ZIG_ARCH[t.goarch]}-windows-gnu`
  }
  // zig bundles macOS libc headers and stubs; frameworks still need an SDK (-F/--sysroot).
  if (t.goos === 'darwin' && (t.goarch === 'amd64' || t.goarch === 'arm64')) {
    return `${ZIG_ARCH[t.goarch]}-macos`
  }
  return undefined
}
