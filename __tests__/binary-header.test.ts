import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {
  checkHeader,
  parseBinaryHeader,
  readBinaryHeader,
  type BinaryHeader
} from '../src/binary-header.js'
import { numbered } from './fakes/targets.js'

/** One ELF program header; content is laid out after the table unless offset/filesz override it. */
interface Segment {
  type: number
  content?: Buffer
  offset?: number
  filesz?: number
  align?: number
}

interface ElfSpec {
  machine: number
  is64?: boolean
  le?: boolean
  osabi?: number
  segments?: Segment[]
  phentsize?: number
  phoff?: number
}

const PT_INTERP = 3
const PT_NOTE = 4
const PT_SUNWSTACK = 0x6ffffffb

function elf(spec: ElfSpec): Buffer {
  const { machine, is64 = true, le = true, osabi = 0, segments = [] } = spec
  const ehsize = is64 ? 64 : 52
  const phentsize = is64 ? 56 : 32
  const phoff = spec.phoff ?? ehsize
  let cursor = ehsize + segments.length * phentsize
  let end = cursor
  const placed = segments.map(s => {
    const offset = s.offset ?? cursor
    if (s.content && s.offset === undefined) {
      end = cursor + s.content.length
      cursor += Math.ceil(s.content.length / 8) * 8
    }
    return { ...s, offset, filesz: s.filesz ?? s.content?.length ?? 0 }
  })
  // No tail padding: the file ends where the last thing a parser must read ends.
  const buf = Buffer.alloc(end)
  const w16 = (v: number, at: number): number =>
    le ? buf.writeUInt16LE(v, at) : buf.writeUInt16BE(v, at)
  const w32 = (v: number, at: number): number =>
    le ? buf.writeUInt32LE(v, at) : buf.writeUInt32BE(v, at)
  const w64 = (v: number, at: number): number =>
    le ? buf.writeBigUInt64LE(BigInt(v), at) : buf.writeBigUInt64BE(BigInt(v), at)
  buf.set([0x7f, 0x45, 0x4c, 0x46, is64 ? 2 : 1, le ? 1 : 2, 1, osabi])
  w16(2, 16)
  w16(machine, 18)
  w32(1, 20)
  if (is64) {
    w64(phoff, 32)
    w16(ehsize, 52)
    w16(spec.phentsize ?? phentsize, 54)
    w16(segments.length, 56)
  } else {
    w32(phoff, 28)
    w16(ehsize, 40)
    w16(spec.phentsize ?? phentsize, 42)
    w16(segments.length, 44)
  }
  placed.forEach((s, i) => {
    const at = ehsize + i * phentsize
    w32(s.type, at)
    if (is64) {
      w64(s.offset, at + 8)
      w64(s.filesz, at + 32)
      w64(s.align ?? 4, at + 48)
    } else {
      w32(s.offset, at + 4)
      w32(s.filesz, at + 16)
      w32(s.align ?? 4, at + 28)
    }
    if (s.content && s.offset + s.content.length <= buf.length) s.content.copy(buf, s.offset)
  })
  return buf
}

/** An ELF note (name NUL-terminated, both fields padded to `pad`), in the given byte order. */
function note(name: string, type: number, desc: Buffer, le = true, pad = 4): Buffer {
  const round = (n: number): number => Math.ceil(n / pad) * pad
  const nameBytes = Buffer.from(`${name}\0`, 'latin1')
  const buf = Buffer.alloc(12 + round(nameBytes.length) + round(desc.length))
  const w32 = (v: number, at: number): number =>
    le ? buf.writeUInt32LE(v, at) : buf.writeUInt32BE(v, at)
  w32(nameBytes.length, 0)
  w32(desc.length, 4)
  w32(type, 8)
  nameBytes.copy(buf, 12)
  desc.copy(buf, 12 + round(nameBytes.length))
  return buf
}

const interp = (p: string): Segment => ({
  type: PT_INTERP,
  content: Buffer.from(`${p}\0`),
  align: 1
})
const goBuildIdNote = note('Go', 4, Buffer.from('abc/def/ghi/jkl'))

function pe(machine: number, lfanew = 0x80): Buffer {
  const buf = Buffer.alloc(lfanew + 24)
  buf.write('MZ', 0, 'latin1')
  buf.writeUInt32LE(lfanew, 0x3c)
  buf.write('PE\0\0', lfanew, 'latin1')
  buf.writeUInt16LE(machine, lfanew + 4)
  return buf
}

function macho(cputype: number, le = true): Buffer {
  const buf = Buffer.alloc(32)
  if (le) {
    buf.writeUInt32LE(0xfeedfacf, 0)
    buf.writeUInt32LE(cputype, 4)
  } else {
    buf.writeUInt32BE(0xfeedfacf, 0)
    buf.writeUInt32BE(cputype, 4)
  }
  return buf
}

function fat(cputypes: number[], fat64 = false): Buffer {
  const size = fat64 ? 32 : 20
  const buf = Buffer.alloc(8 + cputypes.length * size)
  buf.writeUInt32BE(fat64 ? 0xcafebabf : 0xcafebabe, 0)
  buf.writeUInt32BE(cputypes.length, 4)
  cputypes.forEach((c, i) => {
    buf.writeUInt32BE(c, 8 + i * size)
    buf.writeUInt32BE(0x4000 * (i + 1), 8 + i * size + 8)
  })
  return buf
}

const uleb = (n: number): number[] => {
  const out: number[] = []
  do {
    let byte = n & 0x7f
    n >>>= 7
    if (n) byte |= 0x80
    out.push(byte)
  } while (n)
  return out
}
const wasmName = (s: string): number[] => [...uleb(Buffer.byteLength(s)), ...Buffer.from(s)]
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body]
const WASM_HEAD = [0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0]
// Go's modules open with a go:buildid custom section, then types, then imports.
const buildIdSection = section(0, [
  ...wasmName('go:buildid'),
  ...Buffer.from('Go build ID: "x/y/z"')
])
const typeSection = section(1, [1, 0x60, 0, 0])
const funcImport = (module: string, field: string): number[] => [
  ...wasmName(module),
  ...wasmName(field),
  0,
  0
]

function wasm(...sections: number[][]): Buffer {
  return Buffer.from([...WASM_HEAD, ...sections.flat()])
}

function importSection(...entries: number[][]): number[] {
  return section(2, [...uleb(entries.length), ...entries.flat()])
}

const jsWasm = wasm(
  buildIdSection,
  typeSection,
  importSection(funcImport('gojs', 'runtime.wasmExit'), funcImport('gojs', 'runtime.wasmWrite'))
)
const wasip1Wasm = wasm(
  buildIdSection,
  typeSection,
  importSection(
    funcImport('wasi_snapshot_preview1', 'sched_yield'),
    funcImport('wasi_snapshot_preview1', 'proc_exit')
  )
)

function xcoff64(): Buffer {
  const buf = Buffer.alloc(24)
  buf.writeUInt16BE(0x01f7, 0)
  buf.writeUInt16BE(120, 16)
  buf.writeUInt16BE(2, 18)
  return buf
}

function plan9(magic: number): Buffer {
  const buf = Buffer.alloc(magic & 0x8000 ? 40 : 32)
  buf.writeUInt32BE(magic, 0)
  return buf
}

const EM = {
  I386: 3,
  MIPS: 8,
  PPC64: 21,
  S390: 22,
  ARM: 40,
  X86_64: 62,
  AARCH64: 183,
  RISCV: 243,
  LOONGARCH: 258
}
const CPU_AMD64 = 0x01000007
const CPU_ARM64 = 0x0100000c

const parseTable: [string, Buffer, BinaryHeader][] = [
  [
    'ELF64 x86-64, static',
    elf({ machine: EM.X86_64 }),
    { format: 'elf', goos: 'linux', goarch: 'amd64', dynamic: false }
  ],
  [
    'ELF64 AArch64 with PT_INTERP',
    elf({
      machine: EM.AARCH64,
      segments: [interp('/lib/ld-linux-aarch64.so.1'), { type: PT_NOTE, content: goBuildIdNote }]
    }),
    {
      format: 'elf',
      goos: 'linux',
      goarch: 'arm64',
      dynamic: true,
      interpreter: '/lib/ld-linux-aarch64.so.1'
    }
  ],
  [
    'ELF32 ARM',
    elf({ machine: EM.ARM, is64: false }),
    { format: 'elf', goos: 'linux', goarch: 'arm', dynamic: false }
  ],
  [
    'ELF32 386 with PT_INTERP (32-bit program header layout)',
    elf({ machine: EM.I386, is64: false, segments: [{ type: 1 }, interp('/lib/ld-linux.so.2')] }),
    {
      format: 'elf',
      goos: 'linux',
      goarch: '386',
      dynamic: true,
      interpreter: '/lib/ld-linux.so.2'
    }
  ],
  [
    'ELF64 RISC-V',
    elf({ machine: EM.RISCV }),
    { format: 'elf', goos: 'linux', goarch: 'riscv64', dynamic: false }
  ],
  [
    'ELF64 PPC64 big-endian',
    elf({ machine: EM.PPC64, le: false }),
    { format: 'elf', goos: 'linux', goarch: 'ppc64', dynamic: false }
  ],
  [
    'ELF64 PPC64 little-endian',
    elf({ machine: EM.PPC64 }),
    { format: 'elf', goos: 'linux', goarch: 'ppc64le', dynamic: false }
  ],
  [
    'ELF64 S390 big-endian',
    elf({ machine: EM.S390, le: false }),
    { format: 'elf', goos: 'linux', goarch: 's390x', dynamic: false }
  ],
  [
    'ELF32 MIPS MSB',
    elf({ machine: EM.MIPS, is64: false, le: false }),
    { format: 'elf', goos: 'linux', goarch: 'mips', dynamic: false }
  ],
  [
    'ELF32 MIPS LSB',
    elf({ machine: EM.MIPS, is64: false }),
    { format: 'elf', goos: 'linux', goarch: 'mipsle', dynamic: false }
  ],
  [
    'ELF64 MIPS MSB',
    elf({ machine: EM.MIPS, le: false }),
    { format: 'elf', goos: 'linux', goarch: 'mips64', dynamic: false }
  ],
  [
    'ELF64 MIPS LSB',
    elf({ machine: EM.MIPS }),
    { format: 'elf', goos: 'linux', goarch: 'mips64le', dynamic: false }
  ],
  [
    'ELF64 LoongArch',
    elf({ machine: EM.LOONGARCH }),
    { format: 'elf', goos: 'linux', goarch: 'loong64', dynamic: false }
  ],
  [
    'OSABI 9 is freebsd',
    elf({ machine: EM.X86_64, osabi: 9 }),
    { format: 'elf', goos: 'freebsd', goarch: 'amd64', dynamic: false }
  ],
  [
    'OSABI 2 is netbsd',
    elf({ machine: EM.AARCH64, osabi: 2 }),
    { format: 'elf', goos: 'netbsd', goarch: 'arm64', dynamic: false }
  ],
  [
    'OSABI 12 is openbsd (big-endian ppc64, with its ld.so)',
    elf({ machine: EM.PPC64, le: false, osabi: 12, segments: [interp('/usr/libexec/ld.so')] }),
    {
      format: 'elf',
      goos: 'openbsd',
      goarch: 'ppc64',
      dynamic: true,
      interpreter: '/usr/libexec/ld.so'
    }
  ],
  [
    'OSABI 3 (GNU, from ifunc-using glibc links) is linux',
    elf({ machine: EM.X86_64, osabi: 3 }),
    { format: 'elf', goos: 'linux', goarch: 'amd64', dynamic: false }
  ],
  [
    'OSABI 0 with an OpenBSD note (externally linked)',
    elf({
      machine: EM.X86_64,
      segments: [{ type: PT_NOTE, content: note('OpenBSD', 1, Buffer.alloc(4)) }]
    }),
    { format: 'elf', goos: 'openbsd', goarch: 'amd64', dynamic: false }
  ],
  [
    'NetBSD note after a Go build-id note in the same segment',
    elf({
      machine: EM.ARM,
      is64: false,
      segments: [
        {
          type: PT_NOTE,
          content: Buffer.concat([goBuildIdNote, note('NetBSD', 1, Buffer.alloc(4))])
        }
      ]
    }),
    { format: 'elf', goos: 'netbsd', goarch: 'arm', dynamic: false }
  ],
  [
    'FreeBSD note after a GNU property note in an 8-aligned segment',
    elf({
      machine: EM.X86_64,
      segments: [
        {
          type: PT_NOTE,
          align: 8,
          content: Buffer.concat([
            note('GNU', 5, Buffer.alloc(20), true, 8),
            note('FreeBSD', 1, Buffer.alloc(4), true, 8)
          ])
        }
      ]
    }),
    { format: 'elf', goos: 'freebsd', goarch: 'amd64', dynamic: false }
  ],
  [
    'big-endian notes are read big-endian',
    elf({
      machine: EM.S390,
      le: false,
      segments: [{ type: PT_NOTE, content: note('NetBSD', 1, Buffer.alloc(4), false) }]
    }),
    { format: 'elf', goos: 'netbsd', goarch: 's390x', dynamic: false }
  ],
  [
    'PT_SUNWSTACK marks solaris/illumos',
    elf({ machine: EM.X86_64, segments: [interp('/lib/amd64/ld.so.1'), { type: PT_SUNWSTACK }] }),
    {
      format: 'elf',
      goos: 'solaris',
      goarch: 'amd64',
      dynamic: true,
      interpreter: '/lib/amd64/ld.so.1'
    }
  ],
  [
    'a note from another vendor does not change the OS',
    elf({
      machine: EM.X86_64,
      segments: [{ type: PT_NOTE, content: note('Android', 1, Buffer.alloc(4)) }]
    }),
    { format: 'elf', goos: 'linux', goarch: 'amd64', dynamic: false }
  ],
  ['PE AMD64', pe(0x8664), { format: 'pe', goos: 'windows', goarch: 'amd64' }],
  ['PE I386', pe(0x14c), { format: 'pe', goos: 'windows', goarch: '386' }],
  [
    'PE ARM64 with the PE header far from the start',
    pe(0xaa64, 0x400),
    { format: 'pe', goos: 'windows', goarch: 'arm64' }
  ],
  ['PE ARMNT', pe(0x1c4), { format: 'pe', goos: 'windows', goarch: 'arm' }],
  ['Mach-O x86_64', macho(CPU_AMD64), { format: 'macho', goos: 'darwin', goarch: 'amd64' }],
  ['Mach-O arm64', macho(CPU_ARM64), { format: 'macho', goos: 'darwin', goarch: 'arm64' }],
  [
    'Mach-O big-endian magic',
    macho(CPU_ARM64, false),
    { format: 'macho', goos: 'darwin', goarch: 'arm64' }
  ],
  [
    'universal Mach-O with two slices',
    fat([CPU_AMD64, CPU_ARM64]),
    { format: 'macho-fat', goos: 'darwin', goarch: 'amd64+arm64', archs: ['amd64', 'arm64'] }
  ],
  [
    'universal Mach-O with 64-bit fat_arch entries',
    fat([CPU_ARM64, CPU_AMD64], true),
    { format: 'macho-fat', goos: 'darwin', goarch: 'arm64+amd64', archs: ['arm64', 'amd64'] }
  ],
  ['wasm importing gojs is js', jsWasm, { format: 'wasm', goos: 'js', goarch: 'wasm' }],
  [
    'wasm importing wasi_snapshot_preview1 is wasip1',
    wasip1Wasm,
    { format: 'wasm', goos: 'wasip1', goarch: 'wasm' }
  ],
  [
    'wasm whose first import is a user module still finds the runtime',
    wasm(
      typeSection,
      importSection(funcImport('env', 'hook'), funcImport('wasi_snapshot_preview1', 'fd_write'))
    ),
    { format: 'wasm', goos: 'wasip1', goarch: 'wasm' }
  ],
  ['empty wasm module: no imports, no OS', wasm(), { format: 'wasm', goarch: 'wasm' }],
  [
    'wasm stops at the first section past imports (the cut-off tail is never read)',
    wasm(typeSection, section(3, [0]), [0, 100, 1]),
    { format: 'wasm', goarch: 'wasm' }
  ],
  [
    'wasm skips table, memory and global imports before the runtime one',
    wasm(
      importSection(
        [...wasmName('env'), ...wasmName('table'), 1, 0x70, 1, 1, 0x80, 0x01],
        [...wasmName('env'), ...wasmName('memory'), 2, 0, 1],
        [...wasmName('env'), ...wasmName('g'), 3, 0x7f, 0],
        funcImport('gojs', 'runtime.wasmExit')
      )
    ),
    { format: 'wasm', goos: 'js', goarch: 'wasm' }
  ],
  [
    'wasm with an import kind it cannot skip gives no OS',
    wasm(
      importSection(
        [...wasmName('env'), ...wasmName('tag'), 9, 0],
        funcImport('gojs', 'runtime.wasmExit')
      )
    ),
    { format: 'wasm', goarch: 'wasm' }
  ],
  ['XCOFF64', xcoff64(), { format: 'xcoff', goos: 'aix', goarch: 'ppc64' }],
  ['Plan 9 386 (I_MAGIC)', plan9(0x1eb), { format: 'plan9', goos: 'plan9', goarch: '386' }],
  ['Plan 9 amd64 (S_MAGIC)', plan9(0x8a97), { format: 'plan9', goos: 'plan9', goarch: 'amd64' }],
  ['Plan 9 arm (E_MAGIC)', plan9(0x647), { format: 'plan9', goos: 'plan9', goarch: 'arm' }]
]

test.each(numbered(parseTable))('[%d] parses %s', (_n, _name, buf, expected) => {
  expect(parseBinaryHeader(buf)).toEqual(expected)
})

function withByte(buf: Buffer, at: number, value: number): Buffer {
  const copy = Buffer.from(buf)
  copy[at] = value
  return copy
}

function withU64(buf: Buffer, at: number, value: bigint): Buffer {
  const copy = Buffer.from(buf)
  copy.writeBigUInt64LE(value, at)
  return copy
}

const elfAmd64 = elf({ machine: EM.X86_64, segments: [interp('/lib64/ld-linux-x86-64.so.2')] })

const errorTable: [string, Buffer, RegExp][] = [
  ['empty file', Buffer.alloc(0), /^not an executable: the file is empty$/],
  ['three bytes of ELF magic', Buffer.from([0x7f, 0x45, 0x4c]), /only 3 bytes, too short/],
  [
    'ELF cut inside the file header',
    elfAmd64.subarray(0, 40),
    /^truncated ELF header: the file header needs bytes 0\.\.64, only 40 present$/
  ],
  [
    'ELF cut inside the program headers',
    elfAmd64.subarray(0, 100),
    /^truncated ELF program headers: 1 program headers needs bytes 64\.\.120/
  ],
  [
    'ELF cut inside the interpreter path',
    elfAmd64.subarray(0, 130),
    /^truncated ELF interpreter: PT_INTERP needs bytes 120\.\.148/
  ],
  ['EI_CLASS 3', withByte(elfAmd64, 4, 3), /^corrupt ELF header: EI_CLASS is 3/],
  ['EI_DATA 0', withByte(elfAmd64, 5, 0), /^corrupt ELF header: EI_DATA is 0/],
  [
    'SPARC machine',
    withByte(elfAmd64, 18, 2),
    /^unsupported ELF: machine 2 as 64-bit is not a Go architecture$/
  ],
  [
    'x86-64 machine in a 32-bit ELF (x32)',
    elf({ machine: EM.X86_64, is64: false }),
    /machine 62 as 32-bit/
  ],
  [
    'wrong e_phentsize',
    elf({ machine: EM.X86_64, segments: [{ type: 1 }], phentsize: 40 }),
    /e_phentsize is 40, expected 56/
  ],
  [
    'e_phoff beyond 2^53',
    withU64(elfAmd64, 32, 0xffffffffffffffffn),
    /^corrupt ELF header: e_phoff is \d+, too large$/
  ],
  ['e_phoff past the end', withU64(elfAmd64, 32, 0x10000n), /^truncated ELF program headers/],
  [
    'PT_INTERP of 1 MiB',
    elf({ machine: EM.X86_64, segments: [{ type: PT_INTERP, offset: 0, filesz: 1 << 20 }] }),
    /PT_INTERP is 1048576 bytes/
  ],
  [
    'PT_NOTE past the end',
    elf({ machine: EM.X86_64, segments: [{ type: PT_NOTE, offset: 4096, filesz: 24 }] }),
    /^truncated ELF note: PT_NOTE/
  ],
  [
    'MZ without a PE signature (DOS program)',
    withByte(pe(0x8664), 0x80, 0x4e),
    /no "PE\\0\\0" signature at offset 128/
  ],
  ['PE machine 0x1234', pe(0x1234), /^unsupported PE: machine 0x1234/],
  [
    'PE header offset past the end',
    pe(0x8664).fill(0xff, 0x3c, 0x40),
    /^truncated PE header: the PE signature and COFF header needs bytes 4294967295\.\./
  ],
  ['Mach-O arm64_32 cputype', macho(0x0200000c), /^unsupported Mach-O: cputype 0x200000c/],
  [
    'Mach-O cut to 8 bytes',
    macho(CPU_ARM64).subarray(0, 8),
    /^truncated Mach-O header: the header needs bytes 0\.\.32, only 8 present$/
  ],
  ['universal Mach-O with no slices', fat([]), /no slices/],
  [
    'Java class file (version 65 reads as 65 slices)',
    Buffer.from([0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 65, 0, 0]),
    /Java class file/
  ],
  [
    'universal Mach-O missing its second slice entry',
    fat([CPU_AMD64, CPU_ARM64]).subarray(0, 40),
    /needs bytes 8\.\.48, only 40 present/
  ],
  [
    'universal Mach-O with an unknown slice',
    fat([CPU_AMD64, 0x12]),
    /unsupported Mach-O: slice 1 cputype 0x12/
  ],
  [
    'wasm component (version 0x1000d)',
    Buffer.from([...WASM_HEAD.slice(0, 4), 0x0d, 0, 1, 0]),
    /^unsupported WebAssembly: version 65549/
  ],
  [
    'wasm cut inside the version',
    Buffer.from(WASM_HEAD.slice(0, 6)),
    /^truncated WebAssembly module: the version/
  ],
  [
    'wasm section running past the end',
    wasm([0, 100, 1, 2, 3]),
    /^truncated WebAssembly module: a section needs bytes 0\.\.110/
  ],
  [
    'wasm import section cut short',
    jsWasm.subarray(0, jsWasm.length - 5),
    /^truncated WebAssembly module/
  ],
  [
    'wasm section size of 6 LEB128 bytes',
    wasm([0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]),
    /not a valid LEB128 u32/
  ],
  ['shell script', Buffer.from('#!/bin/sh\necho hi\n'), /starts with #! \(a script\)/],
  [
    'ar archive from -buildmode=c-archive',
    Buffer.from('!<arch>\n/               0'),
    /an ar archive \(a c-archive build\?\)/
  ],
  [
    'text',
    Buffer.from('hello world'),
    /^not an executable Go can build: it starts with 68 65 6c 6c; expected ELF, PE/
  ],
  ['XCOFF64 cut to 10 bytes', xcoff64().subarray(0, 10), /^truncated XCOFF header/],
  [
    'Plan 9 amd64 cut to 32 bytes (needs 40)',
    plan9(0x8a97).subarray(0, 32),
    /^truncated Plan 9 a\.out header: the header needs bytes 0\.\.40/
  ]
]

test.each(numbered(errorTable))('[%d] rejects %s', (_n, _name, buf, message) => {
  expect(() => parseBinaryHeader(buf)).toThrow(message)
})

// Every well-formed sample below is the minimum a parser must see, so any shorter prefix must fail.
const complete: [string, Buffer][] = [
  [
    'ELF64 with PT_INTERP and notes',
    elf({
      machine: EM.X86_64,
      segments: [
        interp('/lib64/ld-linux-x86-64.so.2'),
        {
          type: PT_NOTE,
          content: Buffer.concat([goBuildIdNote, note('OpenBSD', 1, Buffer.alloc(4))])
        }
      ]
    })
  ],
  [
    'ELF32 big-endian with PT_INTERP',
    elf({ machine: EM.MIPS, is64: false, le: false, segments: [interp('/lib/ld.so.1')] })
  ],
  ['PE', pe(0x8664)],
  ['Mach-O', macho(CPU_ARM64)],
  ['universal Mach-O', fat([CPU_AMD64, CPU_ARM64])],
  ['XCOFF64', xcoff64()],
  ['Plan 9 amd64', plan9(0x8a97)]
]

const TRUNCATION = /^(truncated |not an executable: (the file is empty|only \d+ bytes))/
const truncationTable = complete.flatMap(([name, buf]) =>
  [...Array(buf.length).keys()]
    .filter(cut => cut % 3 === 0 || cut > buf.length - 8)
    .map(
      cut =>
        [`${name} cut to ${cut} of ${buf.length} bytes`, buf.subarray(0, cut)] as [string, Buffer]
    )
)

test.each(numbered(truncationTable))('[%d] %s says it is truncated', (_n, _name, buf) => {
  expect(() => parseBinaryHeader(buf)).toThrow(TRUNCATION)
})

test.each(numbered(complete))(
  '[%d] %s parses when complete (the truncation rows start from a valid file)',
  (_n, _name, buf) => {
    expect(() => parseBinaryHeader(buf)).not.toThrow()
  }
)

/** Deterministic PRNG (mulberry32) so a failing fuzz row can be replayed. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const OUR_ERROR = /^(truncated |corrupt |unsupported |not an executable|not a PE executable)/

/** Parses and, on failure, returns the error, so a RangeError from a missed bounds check shows up. */
function parseOrError(buf: Buffer): BinaryHeader | Error {
  try {
    return parseBinaryHeader(buf)
  } catch (error) {
    return error as Error
  }
}

const seeds = [...Array(12).keys()].map(i => i + 1)
const fuzzSamples: [string, Buffer][] = [
  ...complete,
  ['js wasm', jsWasm],
  ['wasip1 wasm', wasip1Wasm]
]

const mutationTable: [string, Buffer, number][] = fuzzSamples.flatMap(([name, buf]) =>
  seeds.map(
    seed =>
      [`${name} with random bytes overwritten (seed ${seed})`, buf, seed] as [
        string,
        Buffer,
        number
      ]
  )
)

test.each(numbered(mutationTable))(
  '[%d] %s: a header or one of our errors',
  (_n, _name, sample, seed) => {
    const random = prng(seed)
    for (let round = 0; round < 200; round++) {
      const buf = Buffer.from(sample)
      // Keep the magic most of the time so the mutation reaches the format's own parser.
      const from = random() < 0.9 ? 4 : 0
      for (let k = 1 + Math.floor(random() * 4); k > 0; k--) {
        buf[from + Math.floor(random() * (buf.length - from))] = Math.floor(random() * 256)
      }
      const cut = random() < 0.3 ? Math.floor(random() * buf.length) : buf.length
      const got = parseOrError(buf.subarray(0, cut))
      if (got instanceof Error) {
        expect([got.name, got.message]).toEqual([
          expect.stringMatching(/^(Error|TruncatedError)$/),
          expect.stringMatching(OUR_ERROR)
        ])
      } else {
        expect(typeof got.goarch).toBe('string')
        expect(() => checkHeader(got, 'linux', 'amd64')).not.toThrow()
      }
    }
  }
)

const MAGICS: [string, number[]][] = [
  ['no magic', []],
  ['ELF magic', [0x7f, 0x45, 0x4c, 0x46]],
  ['ELF64 LSB magic', [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]],
  ['ELF32 MSB magic', [0x7f, 0x45, 0x4c, 0x46, 1, 2, 1, 0]],
  ['MZ', [0x4d, 0x5a]],
  ['wasm magic', WASM_HEAD],
  ['fat magic', [0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2]],
  ['Mach-O magic', [0xcf, 0xfa, 0xed, 0xfe]],
  ['XCOFF64 magic', [0x01, 0xf7]]
]
const randomTable: [string, number[], number][] = MAGICS.flatMap(([name, magic]) =>
  [1, 2, 3].map(
    seed => [`${name} then random bytes (seed ${seed})`, magic, seed] as [string, number[], number]
  )
)

test.each(numbered(randomTable))(
  '[%d] %s: a header or one of our errors',
  (_n, _name, magic, seed) => {
    const random = prng(seed * 7919)
    for (let round = 0; round < 300; round++) {
      const length = Math.floor(random() * 256)
      const buf = Buffer.from([
        ...magic,
        ...Array.from({ length }, () => Math.floor(random() * 256))
      ])
      const got = parseOrError(buf)
      if (got instanceof Error) expect(got.message).toMatch(OUR_ERROR)
      else expect(typeof got.goarch).toBe('string')
    }
  }
)

const linux = (goarch: string): BinaryHeader => ({
  format: 'elf',
  goos: 'linux',
  goarch,
  dynamic: false
})
const elfFor = (goos: string, goarch: string): BinaryHeader => ({
  format: 'elf',
  goos,
  goarch,
  dynamic: false
})
const universal: BinaryHeader = {
  format: 'macho-fat',
  goos: 'darwin',
  goarch: 'amd64+arm64',
  archs: ['amd64', 'arm64']
}

const checkTable: [string, BinaryHeader, string, string, string | undefined][] = [
  ['linux amd64 fits', linux('amd64'), 'linux', 'amd64', undefined],
  [
    'ELF where PE was wanted',
    linux('arm64'),
    'windows',
    'amd64',
    'is an ELF arm64 executable, expected windows/amd64 (PE)'
  ],
  [
    'wrong architecture',
    linux('amd64'),
    'linux',
    'arm64',
    'is an ELF amd64 executable, expected linux/arm64'
  ],
  [
    'mips vs mipsle (byte order)',
    linux('mips'),
    'linux',
    'mipsle',
    'is an ELF mips executable, expected linux/mipsle'
  ],
  [
    'freebsd binary for a linux target',
    elfFor('freebsd', 'amd64'),
    'linux',
    'amd64',
    'is an ELF amd64 executable for freebsd, expected linux/amd64'
  ],
  [
    'linux binary for a freebsd target',
    linux('amd64'),
    'freebsd',
    'amd64',
    'is an ELF amd64 executable for linux, expected freebsd/amd64'
  ],
  [
    'openbsd binary for a netbsd target',
    elfFor('openbsd', 'arm64'),
    'netbsd',
    'arm64',
    'is an ELF arm64 executable for openbsd, expected netbsd/arm64'
  ],
  ['android binaries are plain linux ELF', linux('arm64'), 'android', 'arm64', undefined],
  ['dragonfly binaries carry no OS marker', linux('amd64'), 'dragonfly', 'amd64', undefined],
  ['illumos is the solaris family', elfFor('solaris', 'amd64'), 'illumos', 'amd64', undefined],
  ['solaris fits solaris', elfFor('solaris', 'amd64'), 'solaris', 'amd64', undefined],
  [
    'solaris binary for a linux target',
    elfFor('solaris', 'amd64'),
    'linux',
    'amd64',
    'is an ELF amd64 executable for solaris, expected linux/amd64'
  ],
  [
    'PE of the wrong architecture',
    { format: 'pe', goos: 'windows', goarch: 'amd64' },
    'windows',
    '386',
    'is a PE amd64 executable, expected windows/386'
  ],
  [
    'PE for a linux target',
    { format: 'pe', goos: 'windows', goarch: 'amd64' },
    'linux',
    'amd64',
    'is a PE amd64 executable, expected linux/amd64 (ELF)'
  ],
  [
    'Mach-O fits darwin',
    { format: 'macho', goos: 'darwin', goarch: 'arm64' },
    'darwin',
    'arm64',
    undefined
  ],
  [
    'Mach-O fits ios',
    { format: 'macho', goos: 'darwin', goarch: 'arm64' },
    'ios',
    'arm64',
    undefined
  ],
  [
    'Mach-O for linux',
    { format: 'macho', goos: 'darwin', goarch: 'arm64' },
    'linux',
    'arm64',
    'is a Mach-O arm64 executable, expected linux/arm64 (ELF)'
  ],
  [
    'ELF for darwin',
    linux('arm64'),
    'darwin',
    'arm64',
    'is an ELF arm64 executable, expected darwin/arm64 (Mach-O)'
  ],
  ['universal binary holding the arch', universal, 'darwin', 'arm64', undefined],
  [
    'universal binary without the arch',
    universal,
    'darwin',
    '386',
    'is a universal Mach-O executable with amd64+arm64 slices, expected darwin/386'
  ],
  ['wasm of unknown runtime fits js', { format: 'wasm', goarch: 'wasm' }, 'js', 'wasm', undefined],
  [
    'wasm of unknown runtime fits wasip1',
    { format: 'wasm', goarch: 'wasm' },
    'wasip1',
    'wasm',
    undefined
  ],
  [
    'js wasm for a wasip1 target',
    { format: 'wasm', goos: 'js', goarch: 'wasm' },
    'wasip1',
    'wasm',
    'is a WebAssembly module for js, expected wasip1/wasm'
  ],
  [
    'wasip1 wasm fits wasip1',
    { format: 'wasm', goos: 'wasip1', goarch: 'wasm' },
    'wasip1',
    'wasm',
    undefined
  ],
  [
    'wasm for linux',
    { format: 'wasm', goarch: 'wasm' },
    'linux',
    'amd64',
    'is a WebAssembly module, expected linux/amd64 (ELF)'
  ],
  [
    'ELF for js',
    linux('amd64'),
    'js',
    'wasm',
    'is an ELF amd64 executable, expected js/wasm (WebAssembly)'
  ],
  ['XCOFF fits aix', { format: 'xcoff', goos: 'aix', goarch: 'ppc64' }, 'aix', 'ppc64', undefined],
  [
    'XCOFF for linux/ppc64',
    { format: 'xcoff', goos: 'aix', goarch: 'ppc64' },
    'linux',
    'ppc64',
    'is an XCOFF ppc64 executable, expected linux/ppc64 (ELF)'
  ],
  [
    'ELF for aix',
    linux('ppc64'),
    'aix',
    'ppc64',
    'is an ELF ppc64 executable, expected aix/ppc64 (XCOFF)'
  ],
  [
    'Plan 9 of the wrong arch',
    { format: 'plan9', goos: 'plan9', goarch: 'amd64' },
    'plan9',
    '386',
    'is a Plan 9 a.out amd64 executable, expected plan9/386'
  ],
  [
    'ELF for plan9',
    linux('386'),
    'plan9',
    '386',
    'is an ELF 386 executable, expected plan9/386 (Plan 9 a.out)'
  ]
]

test.each(numbered(checkTable))(
  '[%d] checkHeader: %s',
  (_n, _name, header, goos, goarch, expected) => {
    expect(checkHeader(header, goos, goarch)).toBe(expected)
  }
)

describe('readBinaryHeader', () => {
  let dir: string
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'binary-header-'))
  })
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

  const write = (name: string, buf: Buffer): string => {
    const file = path.join(dir, name)
    fs.writeFileSync(file, buf)
    return file
  }

  // An interpreter past the first read (64 KiB) proves the reader grows its read instead of failing.
  const FAR = 200 * 1024
  const farInterp = (): Buffer => {
    const head = elf({
      machine: EM.AARCH64,
      segments: [{ type: PT_INTERP, offset: FAR, filesz: 27 }]
    })
    const buf = Buffer.alloc(FAR + 64)
    head.copy(buf)
    buf.write('/lib/ld-linux-aarch64.so.1\0', FAR, 'latin1')
    return buf
  }

  const readTable: [string, () => Buffer, BinaryHeader | RegExp][] = [
    [
      'a small file is read whole',
      () => pe(0x8664),
      { format: 'pe', goos: 'windows', goarch: 'amd64' }
    ],
    [
      'PT_INTERP beyond the first 64 KiB',
      farInterp,
      {
        format: 'elf',
        goos: 'linux',
        goarch: 'arm64',
        dynamic: true,
        interpreter: '/lib/ld-linux-aarch64.so.1'
      }
    ],
    [
      'a file cut inside PT_INTERP names itself',
      () => farInterp().subarray(0, FAR + 10),
      /^\S+\/case-\d+: truncated ELF interpreter: PT_INTERP needs bytes 204800\.\.204827, only 204810 present$/
    ],
    ['an empty file', () => Buffer.alloc(0), /case-\d+: not an executable: the file is empty/],
    [
      'a text file',
      () => Buffer.from('not a binary\n'),
      /case-\d+: not an executable Go can build: it starts with 6e 6f 74 20/
    ]
  ]

  test.each(numbered(readTable))('[%d] %s', async (n, _name, make, expected) => {
    const file = write(`case-${n}`, make())
    if (expected instanceof RegExp) await expect(readBinaryHeader(file)).rejects.toThrow(expected)
    else await expect(readBinaryHeader(file)).resolves.toEqual(expected)
  })

  test('a missing file rejects with the fs error', async () => {
    await expect(readBinaryHeader(path.join(dir, 'missing'))).rejects.toMatchObject({
      code: 'ENOENT'
    })
  })
})
