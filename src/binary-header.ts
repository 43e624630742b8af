import { open } from 'node:fs/promises'

/** What a compiled executable's header says about where it runs. */
export interface BinaryHeader {
  /** container format, from the magic number */
  format: 'elf' | 'pe' | 'macho' | 'macho-fat' | 'wasm' | 'xcoff' | 'plan9'
  /**
   * GOOS family the file implies: 'linux' for an ELF without an OS marker (DragonFly and Android
   * binaries look the same), 'freebsd'/'netbsd'/'openbsd' from OSABI or notes, 'solaris' for
   * solaris and illumos (PT_SUNWSTACK), 'windows', 'darwin', 'aix', 'plan9', and 'js' or 'wasip1'
   * from a wasm module's imports (undefined when it imports neither runtime).
   */
  goos?: string
  /** GOARCH the machine field implies; for fat Mach-O the slices joined with '+' */
  goarch: string
  /** For fat Mach-O: the GOARCH of every slice. */
  archs?: string[]
  /** ELF only: PT_INTERP present (dynamically linked). */
  dynamic?: boolean
  /** ELF only: the PT_INTERP path, e.g. /lib/ld-linux-aarch64.so.1 */
  interpreter?: string
  /**
   * ELF with a dynamic section but no PT_INTERP only: how many shared libraries that section
   * asks for (DT_NEEDED). A fully static binary has no dynamic section, a static-pie one names none.
   */
  needed?: number
}

/** A read past the end of the bytes at hand; `needed` is the length that would have sufficed. */
class TruncatedError extends Error {
  constructor(
    private readonly detail: string,
    readonly needed: number,
    have: number
  ) {
    super(TruncatedError.say(detail, have))
    this.name = 'TruncatedError'
  }

  static say(detail: string, have: number): string {
    return `${detail}, only ${have} present`
  }

  /** The message again, for when the whole file (not just the buffer) has `have` bytes. */
  sayForFile(have: number): string {
    return TruncatedError.say(this.detail, have)
  }
}

/** Bounds-checked little/big-endian reads, so garbage offsets become errors rather than RangeErrors. */
class View {
  constructor(
    readonly buf: Buffer,
    readonly what: string,
    public le = true
  ) {}

  need(offset: number, length: number, part: string): void {
    if (
      !Number.isSafeInteger(offset) ||
      !Number.isSafeInteger(length) ||
      offset < 0 ||
      length < 0
    ) {
      throw new Error(`corrupt ${this.what}: ${part} is at an impossible offset`)
    }
    const end = offset + length
    if (end > this.buf.length) {
      throw new TruncatedError(
        `truncated ${this.what}: ${part} needs bytes ${offset}..${end}`,
        end,
        this.buf.length
      )
    }
  }

  u8(offset: number, part: string): number {
    this.need(offset, 1, part)
    return this.buf[offset]!
  }

  u16(offset: number, part: string): number {
    this.need(offset, 2, part)
    return this.le ? this.buf.readUInt16LE(offset) : this.buf.readUInt16BE(offset)
  }

  u32(offset: number, part: string): number {
    this.need(offset, 4, part)
    return this.le ? this.buf.readUInt32LE(offset) : this.buf.readUInt32BE(offset)
  }

  u64(offset: number, part: string): number {
    this.need(offset, 8, part)
    const v = this.le ? this.buf.readBigUInt64LE(offset) : this.buf.readBigUInt64BE(offset)
    if (v > BigInt(Number.MAX_SAFE_INTEGER))
      throw new Error(`corrupt ${this.what}: ${part} is ${v}, too large`)
    return Number(v)
  }
}

const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46])
const WASM_MAGIC = Buffer.from([0x00, 0x61, 0x73, 0x6d])

/** Parses a header from the start of a file (throws a clear Error on unknown/truncated formats). */
export function parseBinaryHeader(buf: Buffer): BinaryHeader {
  if (buf.length === 0) throw new Error('not an executable: the file is empty')
  if (buf.length < 4)
    throw new Error(`not an executable: only ${buf.length} bytes, too short for any format`)
  if (buf.subarray(0, 4).equals(ELF_MAGIC)) return parseElf(buf)
  if (buf[0] === 0x4d && buf[1] === 0x5a) return parsePe(buf)
  if (buf.subarray(0, 4).equals(WASM_MAGIC)) return parseWasm(buf)
  const be32 = buf.readUInt32BE(0)
  const le32 = buf.readUInt32LE(0)
  if (le32 === 0xfeedfacf || le32 === 0xfeedface)
    return parseMachO(new View(buf, 'Mach-O header', true))
  if (be32 === 0xfeedfacf || be32 === 0xfeedface)
    return parseMachO(new View(buf, 'Mach-O header', false))
  if (be32 === 0xcafebabe || be32 === 0xcafebabf) return parseFat(buf, be32 === 0xcafebabf)
  const be16 = buf.readUInt16BE(0)
  if (be16 === 0x01f7 || be16 === 0x01df) return parseXcoff(buf, be16 === 0x01f7)
  const plan9 = PLAN9_MAGIC.get(be32)
  if (plan9 !== undefined) {
    // The 32-byte a.out header; 64-bit magics (0x8000 bit) append an 8-byte entry point.
    new View(buf, 'Plan 9 a.out header').need(0, be32 & 0x8000 ? 40 : 32, 'the header')
    return { format: 'plan9', goos: 'plan9', goarch: plan9 }
  }
  throw new Error(`not an executable Go can build: ${describeGarbage(buf)}`)
}

/** Says what an unrecognised file starts with, naming the usual wrong files a build step can produce. */
function describeGarbage(buf: Buffer): string {
  const hex = [...buf.subarray(0, 4)].map(b => b.toString(16).padStart(2, '0')).join(' ')
  if (buf[0] === 0x23 && buf[1] === 0x21) return 'it starts with #! (a script)'
  if (buf.subarray(0, 8).toString('latin1') === '!<arch>\n')
    return 'it is an ar archive (a c-archive build?)'
  return `it starts with ${hex}; expected ELF, PE, Mach-O, WebAssembly, XCOFF or Plan 9 a.out`
}

/** Reads what is needed from a file (program headers can be past the first KiB) and parses it. */
export async function readBinaryHeader(path: string): Promise<BinaryHeader> {
  const file = await open(path, 'r')
  try {
    const { size } = await file.stat()
    // Go and GNU ld put the program headers, PT_INTERP and notes in the first page, and a wasm
    // module's imports within a few KiB; 64 KiB covers them in one read nearly always.
    let length = Math.min(size, 64 * 1024)
    for (;;) {
      const buf = Buffer.alloc(length)
      const { bytesRead } = await file.read(buf, 0, length, 0)
      try {
        return parseBinaryHeader(buf.subarray(0, bytesRead))
      } catch (error) {
        if (!(error instanceof TruncatedError))
          throw new Error(`${path}: ${(error as Error).message}`, { cause: error })
        if (error.needed > size || bytesRead < length) {
          throw new Error(`${path}: ${error.sayForFile(bytesRead < length ? bytesRead : size)}`, {
            cause: error
          })
        }
        length = error.needed
      }
    }
  } finally {
    await file.close()
  }
}

const ELF_OSABI: Record<number, string> = { 2: 'netbsd', 3: 'linux', 9: 'freebsd', 12: 'openbsd' }
const ELF_NOTE_OS: Record<string, string> = {
  FreeBSD: 'freebsd',
  NetBSD: 'netbsd',
  OpenBSD: 'openbsd'
}
const PT_DYNAMIC = 2
const DT_NULL = 0
const DT_NEEDED = 1
/** A dynamic section is a few hundred bytes; a larger PT_DYNAMIC is a corrupt header. */
const MAX_DYNAMIC = 1024 * 1024
const PT_INTERP = 3
const PT_NOTE = 4
const PT_SUNWSTACK = 0x6ffffffb
// PN_XNUM moves the count into section header 0; no Go or GNU executable has that many.
const PN_XNUM = 0xffff
const MAX_NOTE_SCAN = 64 * 1024

function parseElf(buf: Buffer): BinaryHeader {
  const v = new View(buf, 'ELF header')
  const cls = v.u8(4, 'EI_CLASS')
  const data = v.u8(5, 'EI_DATA')
  if (cls !== 1 && cls !== 2)
    throw new Error(`corrupt ELF header: EI_CLASS is ${cls}, expected 1 (32-bit) or 2 (64-bit)`)
  if (data !== 1 && data !== 2)
    throw new Error(`corrupt ELF header: EI_DATA is ${data}, expected 1 (LSB) or 2 (MSB)`)
  const is64 = cls === 2
  v.le = data === 1
  v.need(0, is64 ? 64 : 52, 'the file header')
  const machine = v.u16(18, 'e_machine')
  const goarch = elfGoarch(machine, is64, v.le)

  const phoff = is64 ? v.u64(32, 'e_phoff') : v.u32(28, 'e_phoff')
  const phentsize = v.u16(is64 ? 54 : 42, 'e_phentsize')
  const phnum = v.u16(is64 ? 56 : 44, 'e_phnum')
  const wantEnt = is64 ? 56 : 32
  if (phnum === PN_XNUM)
    throw new Error('unsupported ELF: more than 65534 program headers (PN_XNUM)')
  if (phnum > 0 && phentsize !== wantEnt) {
    throw new Error(`corrupt ELF header: e_phentsize is ${phentsize}, expected ${wantEnt}`)
  }
  const ph = new View(buf, 'ELF program headers', v.le)
  ph.need(phoff, phnum * wantEnt, `${phnum} program headers`)

  let interpreter: string | undefined
  let dynamicAt: { offset: number; size: number } | undefined
  let noteOs: string | undefined
  let solaris = false
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * wantEnt
    const type = ph.u32(at, 'p_type')
    const offset = is64 ? ph.u64(at + 8, 'p_offset') : ph.u32(at + 4, 'p_offset')
    const filesz = is64 ? ph.u64(at + 32, 'p_filesz') : ph.u32(at + 16, 'p_filesz')
    const align = is64 ? ph.u64(at + 48, 'p_align') : ph.u32(at + 28, 'p_align')
    if (type === PT_INTERP) interpreter = readInterp(buf, offset, filesz)
    else if (type === PT_DYNAMIC) dynamicAt = { offset, size: filesz }
    else if (type === PT_NOTE)
      noteOs ??= scanNotes(new View(buf, 'ELF note', v.le), offset, filesz, align)
    else if (type === PT_SUNWSTACK) solaris = true
  }

  // Go sets OSABI for freebsd, netbsd and openbsd itself; externally linked binaries may carry
  // only the note, and Go marks solaris/illumos only by PT_SUNWSTACK (cmd/link/internal/ld/elf.go).
  const goos = ELF_OSABI[v.u8(7, 'EI_OSABI')] ?? noteOs ?? (solaris ? 'solaris' : 'linux')
  const header: BinaryHeader = { format: 'elf', goos, goarch, dynamic: interpreter !== undefined }
  if (interpreter !== undefined) header.interpreter = interpreter
  // With an interpreter it is dynamic whatever it needs; without one, a dynamic section that
  // names libraries still makes it depend on them (the section can lie deep in the file).
  else if (dynamicAt) header.needed = countNeeded(buf, dynamicAt, is64, v.le)
  return header
}

/** The DT_NEEDED entries of a PT_DYNAMIC segment, up to its DT_NULL. */
function countNeeded(
  buf: Buffer,
  at: { offset: number; size: number },
  is64: boolean,
  le: boolean
): number {
  if (at.size > MAX_DYNAMIC) throw new Error(`corrupt ELF: PT_DYNAMIC is ${at.size} bytes`)
  const d = new View(buf, 'ELF dynamic section', le)
  d.need(at.offset, at.size, 'PT_DYNAMIC')
  const entry = is64 ? 16 : 8
  let needed = 0
  for (let p = at.offset; p + entry <= at.offset + at.size; p += entry) {
    const tag = is64 ? d.u64(p, 'd_tag') : d.u32(p, 'd_tag')
    if (tag === DT_NULL) break
    if (tag === DT_NEEDED) needed++
  }
  return needed
}

function elfGoarch(machine: number, is64: boolean, le: boolean): string {
  const bits = is64 ? '64-bit' : '32-bit'
  const pick = (arch: string | undefined): string => {
    if (arch === undefined)
      throw new Error(`unsupported ELF: machine ${machine} as ${bits} is not a Go architecture`)
    return arch
  }
  switch (machine) {
    case 3:
      return pick(is64 ? undefined : '386')
    case 8:
      return is64 ? (le ? 'mips64le' : 'mips64') : le ? 'mipsle' : 'mips'
    case 21:
      return pick(is64 ? (le ? 'ppc64le' : 'ppc64') : undefined)
    case 22:
      return pick(is64 ? 's390x' : undefined)
    case 40:
      return pick(is64 ? undefined : 'arm')
    case 62:
      return pick(is64 ? 'amd64' : undefined)
    case 183:
      return pick(is64 ? 'arm64' : undefined)
    case 243:
      return pick(is64 ? 'riscv64' : undefined)
    case 258:
      return pick(is64 ? 'loong64' : undefined)
    default:
      return pick(undefined)
  }
}

function readInterp(buf: Buffer, offset: number, size: number): string {
  // PATH_MAX bounds a real interpreter path; a larger size is a corrupt header, not a big read.
  if (size === 0 || size > 4096) throw new Error(`corrupt ELF: PT_INTERP is ${size} bytes`)
  new View(buf, 'ELF interpreter').need(offset, size, 'PT_INTERP')
  const raw = buf.subarray(offset, offset + size)
  const nul = raw.indexOf(0)
  return raw.subarray(0, nul === -1 ? raw.length : nul).toString('latin1')
}

/** Returns the GOOS named by the first OS note in one PT_NOTE segment. */
function scanNotes(v: View, offset: number, size: number, align: number): string | undefined {
  // Notes are 4-byte aligned except in segments aligned to 8 (gABI; .note.gnu.property).
  const pad = align === 8 ? 8 : 4
  const round = (n: number): number => Math.ceil(n / pad) * pad
  const end = offset + Math.min(size, MAX_NOTE_SCAN)
  v.need(offset, end - offset, 'PT_NOTE')
  let at = offset
  while (at + 12 <= end) {
    const namesz = v.u32(at, 'n_namesz')
    const descsz = v.u32(at + 4, 'n_descsz')
    const nameAt = at + 12
    if (namesz > end - nameAt) return undefined
    const name = v.buf
      .subarray(nameAt, nameAt + namesz)
      .toString('latin1')
      .replace(/\0+$/, '')
    const os = ELF_NOTE_OS[name]
    if (os !== undefined) return os
    at = nameAt + round(namesz) + round(descsz)
  }
  return undefined
}

const PE_MACHINE: Record<number, string> = {
  0x14c: '386',
  0x8664: 'amd64',
  0x1c0: 'arm',
  0x1c4: 'arm',
  0xaa64: 'arm64'
}

function parsePe(buf: Buffer): BinaryHeader {
  const v = new View(buf, 'PE header')
  const lfanew = v.u32(0x3c, 'e_lfanew')
  v.need(lfanew, 24, 'the PE signature and COFF header')
  if (buf.readUInt32BE(lfanew) !== 0x50450000) {
    throw new Error(
      `not a PE executable: MZ header but no "PE\\0\\0" signature at offset ${lfanew} (a DOS program?)`
    )
  }
  const machine = v.u16(lfanew + 4, 'Machine')
  const goarch = PE_MACHINE[machine]
  if (goarch === undefined) {
    throw new Error(`unsupported PE: machine 0x${machine.toString(16)} is not a Go architecture`)
  }
  return { format: 'pe', goos: 'windows', goarch }
}

const CPU_ARCH_ABI64 = 0x01000000
const MACHO_CPU: Record<number, string> = {
  7: '386',
  [CPU_ARCH_ABI64 | 7]: 'amd64',
  12: 'arm',
  [CPU_ARCH_ABI64 | 12]: 'arm64',
  [CPU_ARCH_ABI64 | 18]: 'ppc64'
}

function machoGoarch(cputype: number, where: string): string {
  const goarch = MACHO_CPU[cputype]
  if (goarch === undefined) {
    throw new Error(
      `unsupported Mach-O: ${where}cputype 0x${cputype.toString(16)} is not a Go architecture`
    )
  }
  return goarch
}

function parseMachO(v: View): BinaryHeader {
  // mach_header is 28 bytes (32 for the 64-bit magic); demand it so a 4-byte stub is not a binary.
  v.need(0, v.u32(0, 'magic') === 0xfeedfacf ? 32 : 28, 'the header')
  return { format: 'macho', goos: 'darwin', goarch: machoGoarch(v.u32(4, 'cputype'), '') }
}

// Java class files share 0xcafebabe; their "count" is the class version (>= 45), which is how
// file(1) and Apple's tools tell them apart. No universal binary has anywhere near 45 slices.
const MAX_FAT_ARCHS = 44

function parseFat(buf: Buffer, fat64: boolean): BinaryHeader {
  const v = new View(buf, 'universal Mach-O header', false)
  const count = v.u32(4, 'nfat_arch')
  if (count === 0) throw new Error('corrupt universal Mach-O: it has no slices')
  if (count > MAX_FAT_ARCHS)
    throw new Error(`not an executable: 0xcafebabe with ${count} "slices" is a Java class file`)
  const size = fat64 ? 32 : 20
  v.need(8, count * size, `${count} fat_arch entries`)
  const archs: string[] = []
  for (let i = 0; i < count; i++)
    archs.push(machoGoarch(v.u32(8 + i * size, 'cputype'), `slice ${i} `))
  return { format: 'macho-fat', goos: 'darwin', goarch: archs.join('+'), archs }
}

function parseXcoff(buf: Buffer, is64: boolean): BinaryHeader {
  // The XCOFF file header: 20 bytes for XCOFF32, 24 for XCOFF64.
  new View(buf, 'XCOFF header', false).need(0, is64 ? 24 : 20, 'the file header')
  return { format: 'xcoff', goos: 'aix', goarch: is64 ? 'ppc64' : 'ppc' }
}

// Plan 9 a.out magics: _MAGIC(f, b) = f | ((4*b)+0)*b + 7, with HDR_MAGIC (0x8000) on 64-bit.
const PLAN9_MAGIC = new Map<number, string>([
  [0x000001eb, '386'],
  [0x00008a97, 'amd64'],
  [0x00000647, 'arm']
])

const WASM_IMPORT_OS: Record<string, string> = { gojs: 'js', wasi_snapshot_preview1: 'wasip1' }

function parseWasm(buf: Buffer): BinaryHeader {
  const v = new View(buf, 'WebAssembly module')
  const version = v.u32(4, 'the version')
  if (version !== 1)
    throw new Error(`unsupported WebAssembly: version ${version} (only core modules, version 1)`)
  const header: BinaryHeader = { format: 'wasm', goarch: 'wasm' }
  const goos = wasmRuntime(v)
  if (goos !== undefined) header.goos = goos
  return header
}

/** Finds js or wasip1 from the module the Go runtime imports from ("gojs" or "wasi_snapshot_preview1"). */
function wasmRuntime(v: View): string | undefined {
  let at = 8
  while (at < v.buf.length) {
    const id = v.u8(at, 'a section id')
    const [size, sizeLen] = leb128(v, at + 1, 'a section size')
    const body = at + 1 + sizeLen
    // Sections come in id order (customs, id 0, anywhere); past 2 there are no imports.
    if (id > 2) return undefined
    if (id === 2) {
      v.need(body, size, 'the import section')
      return wasmImports(v, body, body + size)
    }
    at = body + size
  }
  if (at > v.buf.length) v.need(0, at, 'a section')
  return undefined
}

function wasmImports(v: View, start: number, end: number): string | undefined {
  const [count, len] = leb128(v, start, 'the import count')
  let at = start + len
  // Only module names matter; stop at the first runtime module or an import kind we cannot skip.
  for (let i = 0; i < count && at < end; i++) {
    const [nameLen, n] = leb128(v, at, 'an import module name')
    v.need(at + n, nameLen, 'an import module name')
    const found = WASM_IMPORT_OS[v.buf.subarray(at + n, at + n + nameLen).toString('utf8')]
    if (found !== undefined) return found
    const [fieldLen, f] = leb128(v, at + n + nameLen, 'an import field name')
    at = at + n + nameLen + f + fieldLen
    const next = skipImportDesc(v, at)
    if (next === undefined) return undefined
    at = next
  }
  return undefined
}

/** Returns the offset after an import descriptor (func, table, memory, global), per the core spec's binary format. */
function skipImportDesc(v: View, at: number): number | undefined {
  const limits = (p: number): number => {
    const flags = v.u8(p, 'import limits')
    const [, minLen] = leb128(v, p + 1, 'import limits')
    return flags & 1
      ? p + 1 + minLen + leb128(v, p + 1 + minLen, 'import limits')[1]
      : p + 1 + minLen
  }
  switch (v.u8(at, 'an import kind')) {
    case 0:
      return at + 1 + leb128(v, at + 1, 'an import type index')[1]
    case 1:
      return limits(at + 2)
    case 2:
      return limits(at + 1)
    case 3:
      return at + 3
    default:
      return undefined
  }
}

/** Reads an unsigned LEB128 of at most 5 bytes (u32), returning [value, bytes used]. */
function leb128(v: View, offset: number, part: string): [number, number] {
  let value = 0
  for (let i = 0; i < 5; i++) {
    const byte = v.u8(offset + i, part)
    value += (byte & 0x7f) * 2 ** (7 * i)
    if ((byte & 0x80) === 0) return [value, i + 1]
  }
  throw new Error(`corrupt WebAssembly module: ${part} is not a valid LEB128 u32`)
}

const FORMAT_NAME: Record<BinaryHeader['format'], string> = {
  elf: 'ELF',
  pe: 'PE',
  macho: 'Mach-O',
  'macho-fat': 'Mach-O',
  wasm: 'WebAssembly',
  xcoff: 'XCOFF',
  plan9: 'Plan 9 a.out'
}

/** The GOOS values whose binaries carry no marker telling them apart from the `goos` read from a header. */
const SAME_FAMILY: Record<string, readonly string[]> = {
  linux: ['linux', 'android', 'dragonfly'],
  solaris: ['solaris', 'illumos'],
  darwin: ['darwin', 'ios']
}

function expectedFormat(goos: string): BinaryHeader['format'][] {
  switch (goos) {
    case 'windows':
      return ['pe']
    case 'darwin':
    case 'ios':
      return ['macho', 'macho-fat']
    case 'js':
    case 'wasip1':
      return ['wasm']
    case 'aix':
      return ['xcoff']
    case 'plan9':
      return ['plan9']
    default:
      return ['elf']
  }
}

function describe(h: BinaryHeader, withOs: boolean): string {
  const os = withOs && h.goos !== undefined ? ` for ${h.goos}` : ''
  if (h.format === 'wasm') return `a WebAssembly module${os}`
  if (h.format === 'macho-fat') return `a universal Mach-O executable with ${h.goarch} slices${os}`
  const name = FORMAT_NAME[h.format]
  const article = /^[AEIOX]/.test(name) ? 'an' : 'a'
  return `${article} ${name} ${h.goarch} executable${os}`
}

/** undefined when the header fits GOOS/GOARCH; otherwise a sentence why not, e.g. 'is an ELF arm64 executable, expected windows/amd64 (PE)'. */
export function checkHeader(h: BinaryHeader, goos: string, goarch: string): string | undefined {
  const want = `${goos}/${goarch}`
  const formats = expectedFormat(goos)
  if (!formats.includes(h.format))
    return `is ${describe(h, false)}, expected ${want} (${FORMAT_NAME[formats[0]!]})`
  if (h.goos !== undefined && h.goos !== goos && !(SAME_FAMILY[h.goos] ?? []).includes(goos)) {
    return `is ${describe(h, true)}, expected ${want}`
  }
  if (h.format === 'macho-fat')
    return h.archs?.includes(goarch) ? undefined : `is ${describe(h, false)}, expected ${want}`
  if (h.goarch !== goarch) return `is ${describe(h, false)}, expected ${want}`
  return undefined
}

/** undefined when the header is a universal Mach-O of exactly these GOARCH slices; otherwise why not. */
export function checkUniversalHeader(
  h: BinaryHeader,
  goarchs: readonly string[]
): string | undefined {
  const want = `a universal Mach-O with ${[...goarchs].sort().join('+')} slices`
  if (h.format !== 'macho-fat') return `is ${describe(h, true)}, expected ${want}`
  const have = [...(h.archs ?? [])].sort()
  return have.join('+') === [...goarchs].sort().join('+')
    ? undefined
    : `is ${describe(h, false)}, expected ${want}`
}
