import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { compilerCandidates, zigTriple } from '../src/cross-cc.js'
import { targetId, type Target } from '../src/targets.js'
import { findOnPath } from '../src/lib/which.js'

const t = (goos: string, goarch: string, variant?: string): Target => ({
  goos,
  goarch,
  ...(variant === undefined ? {} : { variant }),
  id: targetId(goos, goarch, variant)
})

const AMD64_LINUX = { goos: 'linux', goarch: 'amd64' }
const ARM64_LINUX = { goos: 'linux', goarch: 'arm64' }
const ARM64_DARWIN = { goos: 'darwin', goarch: 'arm64' }

// Each row: the candidates as `cc/cxx@package` (no package: `cc/cxx`).
const candidateTable: [number, Target, { goos: string; goarch: string }, string[]][] = [
  [1, t('linux', 'amd64'), AMD64_LINUX, ['gcc/g++@gcc', 'cc/c++', 'clang/clang++@clang']],
  [2, t('linux', 'amd64', 'v3'), AMD64_LINUX, ['gcc/g++@gcc', 'cc/c++', 'clang/clang++@clang']],
  [3, t('darwin', 'arm64'), ARM64_DARWIN, ['gcc/g++', 'cc/c++', 'clang/clang++']],
  [
    4,
    t('linux', 'arm64'),
    AMD64_LINUX,
    ['aarch64-linux-gnu-gcc/aarch64-linux-gnu-g++@gcc-aarch64-linux-gnu']
  ],
  [
    5,
    t('linux', 'arm64', 'v8.2,lse'),
    AMD64_LINUX,
    ['aarch64-linux-gnu-gcc/aarch64-linux-gnu-g++@gcc-aarch64-linux-gnu']
  ],
  [
    6,
    t('linux', 'arm'),
    AMD64_LINUX,
    ['arm-linux-gnueabihf-gcc/arm-linux-gnueabihf-g++@gcc-arm-linux-gnueabihf']
  ],
  [
    7,
    t('linux', 'arm', '7'),
    AMD64_LINUX,
    ['arm-linux-gnueabihf-gcc/arm-linux-gnueabihf-g++@gcc-arm-linux-gnueabihf']
  ],
  [
    8,
    t('linux', 'arm', '6'),
    AMD64_LINUX,
    ['arm-linux-gnueabi-gcc/arm-linux-gnueabi-g++@gcc-arm-linux-gnueabi']
  ],
  [
    9,
    t('linux', 'arm', '5,softfloat'),
    AMD64_LINUX,
    ['arm-linux-gnueabi-gcc/arm-linux-gnueabi-g++@gcc-arm-linux-gnueabi']
  ],
  [
    10,
    t('linux', '386'),
    AMD64_LINUX,
    ['i686-linux-gnu-gcc/i686-linux-gnu-g++@gcc-i686-linux-gnu']
  ],
  [
    11,
    t('linux', 'amd64'),
    ARM64_LINUX,
    ['x86_64-linux-gnu-gcc/x86_64-linux-gnu-g++@gcc-x86-64-linux-gnu']
  ],
  [
    12,
    t('linux', 'riscv64'),
    AMD64_LINUX,
    ['riscv64-linux-gnu-gcc/riscv64-linux-gnu-g++@gcc-riscv64-linux-gnu']
  ],
  [
    13,
    t('linux', 'ppc64le'),
    AMD64_LINUX,
    ['powerpc64le-linux-gnu-gcc/powerpc64le-linux-gnu-g++@gcc-powerpc64le-linux-gnu']
  ],
  [
    14,
    t('linux', 's390x'),
    AMD64_LINUX,
    ['s390x-linux-gnu-gcc/s390x-linux-gnu-g++@gcc-s390x-linux-gnu']
  ],
  [
    15,
    t('linux', 'mipsle'),
    AMD64_LINUX,
    ['mipsel-linux-gnu-gcc/mipsel-linux-gnu-g++@gcc-mipsel-linux-gnu']
  ],
  [
    16,
    t('linux', 'mips64le'),
    AMD64_LINUX,
    ['mips64el-linux-gnuabi64-gcc/mips64el-linux-gnuabi64-g++@gcc-mips64el-linux-gnuabi64']
  ],
  [
    17,
    t('linux', 'loong64'),
    AMD64_LINUX,
    ['loongarch64-linux-gnu-gcc/loongarch64-linux-gnu-g++@gcc-loongarch64-linux-gnu']
  ],
  [
    18,
    t('windows', 'amd64'),
    AMD64_LINUX,
    ['x86_64-w64-mingw32-gcc/x86_64-w64-mingw32-g++@gcc-mingw-w64-x86-64']
  ],
  [
    19,
    t('windows', '386'),
    AMD64_LINUX,
    ['i686-w64-mingw32-gcc/i686-w64-mingw32-g++@gcc-mingw-w64-i686']
  ],
  [
    20,
    t('windows', 'arm64'),
    AMD64_LINUX,
    ['aarch64-w64-mingw32-clang/aarch64-w64-mingw32-clang++']
  ],
  [21, t('darwin', 'arm64'), AMD64_LINUX, []],
  [22, t('darwin', 'amd64'), ARM64_DARWIN, []],
  [23, t('freebsd', 'amd64'), AMD64_LINUX, []],
  [24, t('js', 'wasm'), AMD64_LINUX, []]
]

test.each(candidateTable)(
  '[%d] compilerCandidates %j on host %j -> %j',
  (_n, target, host, expected) => {
    const got = compilerCandidates(target, host).map(
      c => `${c.cc}/${c.cxx}${c.debianPackage ? `@${c.debianPackage}` : ''}`
    )
    expect(got).toEqual(expected)
  }
)

const zigTable: [number, Target, string | undefined][] = [
  [1, t('linux', 'amd64'), 'x86_64-linux-gnu'],
  [2, t('linux', 'arm64', 'v8.2'), 'aarch64-linux-gnu'],
  [3, t('linux', '386'), 'x86-linux-gnu'],
  [4, t('linux', 'arm'), 'arm-linux-gnueabihf'],
  [5, t('linux', 'arm', '7,softfloat'), 'arm-linux-gnueabihf'],
  [6, t('linux', 'arm', '5'), 'arm-linux-gnueabi'],
  [7, t('linux', 'riscv64'), 'riscv64-linux-gnu'],
  [8, t('linux', 'ppc64le'), 'powerpc64le-linux-gnu'],
  [9, t('linux', 's390x'), 's390x-linux-gnu'],
  [10, t('linux', 'mips'), 'mips-linux-gnueabihf'],
  [11, t('linux', 'mipsle', 'softfloat'), 'mipsel-linux-gnueabi'],
  [12, t('linux', 'mips64le'), 'mips64el-linux-gnuabi64'],
  [13, t('linux', 'loong64'), 'loongarch64-linux-gnu'],
  [14, t('windows', 'amd64'), 'x86_64-windows-gnu'],
  [15, t('windows', '386'), 'x86-windows-gnu'],
  [16, t('windows', 'arm64'), 'aarch64-windows-gnu'],
  [17, t('darwin', 'amd64'), 'x86_64-macos'],
  [18, t('darwin', 'arm64'), 'aarch64-macos'],
  [19, t('ios', 'arm64'), undefined],
  [20, t('freebsd', 'amd64'), undefined],
  [21, t('js', 'wasm'), undefined],
  [22, t('wasip1', 'wasm'), undefined]
]

test.each(zigTable)('[%d] zigTriple %j -> %s', (_n, target, triple) => {
  expect(zigTriple(target)).toBe(triple)
})

// Built at load time so the table below can name real paths.
const ROOT = mkdtempSync(path.join(tmpdir(), 'find-on-path-'))
const BIN = path.join(ROOT, 'bin')
const OTHER = path.join(ROOT, 'other')
mkdirSync(BIN)
mkdirSync(OTHER)
writeFileSync(path.join(BIN, 'xcc'), '#!/bin/sh\n', { mode: 0o755 })
writeFileSync(path.join(BIN, 'plain'), 'not a program\n', { mode: 0o644 })
writeFileSync(path.join(OTHER, 'plain'), '#!/bin/sh\n', { mode: 0o755 })

afterAll(() => rmSync(ROOT, { recursive: true, force: true }))

const pathTable: [number, string, string, string | undefined, string | undefined][] = [
  [1, 'executable in the only dir', 'xcc', BIN, path.join(BIN, 'xcc')],
  [2, 'missing name', 'ycc', BIN, undefined],
  [3, 'non-executable file is skipped', 'plain', BIN, undefined],
  [
    4,
    'search goes on past a non-executable',
    'plain',
    `${BIN}:${OTHER}`,
    path.join(OTHER, 'plain')
  ],
  [5, 'first dir wins', 'plain', `${OTHER}:${BIN}`, path.join(OTHER, 'plain')],
  [6, 'a directory is not a program', 'bin', ROOT, undefined],
  [
    7,
    'relative and empty entries are ignored (cwd holds bin/xcc)',
    'xcc',
    '::bin:./bin',
    undefined
  ],
  [8, 'absolute name checked directly', path.join(BIN, 'xcc'), '', path.join(BIN, 'xcc')],
  [9, 'absolute non-executable name', path.join(BIN, 'plain'), BIN, undefined],
  [10, 'relative name with a slash is not searched', 'bin/xcc', ROOT, undefined],
  [11, 'undefined PATH', 'xcc', undefined, undefined],
  [12, 'empty name', '', BIN, undefined]
]

test.each(pathTable)('[%d] findOnPath %s', (_n, _name, file, pathEnv, expected) => {
  // The working directory is the temp root, so a relative PATH entry would find bin/xcc.
  const cwd = process.cwd()
  process.chdir(ROOT)
  try {
    expect(findOnPath(file, pathEnv)).toBe(expected)
  } finally {
    process.chdir(cwd)
  }
})

test('the installed aarch64-linux-gnu-gcc is found on the real PATH', () => {
  expect(findOnPath('aarch64-linux-gnu-gcc', process.env.PATH)).toMatch(/\/aarch64-linux-gnu-gcc$/)
})
