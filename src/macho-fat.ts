import * as fs from 'node:fs'

// Universal ("fat") Mach-O writer, as <mach-o/fat.h> lays it out: a big-endian fat_header
// {magic 0xcafebabe, nfat_arch} and one fat_arch {cputype, cpusubtype, offset, size, align}
// per slice, then each thin executable unchanged at an offset aligned to 2^align (zero padding).
// Slices stay byte-identical, so the Go linker's ad-hoc code signatures remain valid.

/** FAT_MAGIC: offsets and sizes are 32-bit (FAT_MAGIC_64 is only needed past 4 GiB). */
export const FAT_MAGIC = 0xcafebabe
const FAT_HEADER_SIZE = 8
const FAT_ARCH_SIZE = 20
const MH_MAGIC = 0xfeedface
const MH_MAGIC_64 = 0xfeedfacf
const CPU_ARCH_ABI64 = 0x01000000
const CPU_ARCH_ABI64_32 = 0x02000000
const CPU_TYPE_ARM = 12
const CPU_TYPE_ARM64 = CPU_ARCH_ABI64 | CPU_TYPE_ARM

/** One thin executable to put in a universal binary. */
export interface FatSlice {
  cputype: number
  cpusubtype: number
  /** bytes of the thin file */
  size: number
}

/** One fat_arch entry as written. */
export interface FatArch extends FatSlice {
  offset: number
  /** log2 of the slice's alignment */
  align: number
}

/** cputype and cpusubtype from a thin Mach-O header (either byte order); throws for anything else. */
export function readThinMachO(buf: Buffer): { cputype: number; cpusubtype: number } {
  if (buf.length < 28) throw new Error('not a Mach-O executable: too short for a mach_header')
  for (const le of [true, false]) {
    const u32 = (at: number): number => (le ? buf.readUInt32LE(at) : buf.readUInt32BE(at))
    const magic = u32(0)
    if (magic === MH_MAGIC || magic === MH_MAGIC_64)
      return { cputype: u32(4) | 0, cpusubtype: u32(8) | 0 }
  }
  if (buf.readUInt32BE(0) === FAT_MAGIC)
    throw new Error('already a universal Mach-O: only thin executables can be slices')
  throw new Error('not a Mach-O executable: no mach_header magic')
}

/**
 * log2 of a slice's alignment: the page size its CPU runs with, 2^14 for arm and arm64
 * (Apple silicon's 16 KiB pages), 2^12 for the others — what Apple's and llvm's lipo use
 * for these CPUs (llvm-lipo calculateAlignment).
 */
export function sliceAlignment(cputype: number): number {
  const base = cputype & ~(CPU_ARCH_ABI64 | CPU_ARCH_ABI64_32)
  return base === CPU_TYPE_ARM ? 14 : 12
}

/**
 * Lays slices out as lipo does: sorted by alignment, with arm64 last (cctools compatibility,
 * kept by llvm-lipo), each at the next multiple of its alignment after the previous one.
 */
export function fatLayout(slices: readonly FatSlice[]): FatArch[] {
  if (slices.length === 0) throw new Error('a universal binary needs at least one slice')
  const cpus = new Set(slices.map(s => `${s.cputype}/${s.cpusubtype}`))
  if (cpus.size !== slices.length)
    throw new Error('two slices have the same cputype and cpusubtype; lipo refuses that too')
  const sorted = slices
    .map((s, i) => ({ s, i, align: sliceAlignment(s.cputype) }))
    .sort((a, b) => {
      const aArm64 = a.s.cputype === CPU_TYPE_ARM64
      const bArm64 = b.s.cputype === CPU_TYPE_ARM64
      if (a.s.cputype === b.s.cputype) return a.s.cpusubtype - b.s.cpusubtype
      if (aArm64 !== bArm64) return aArm64 ? 1 : -1
      return a.align - b.align || a.i - b.i
    })
  let offset = FAT_HEADER_SIZE + FAT_ARCH_SIZE * slices.length
  return sorted.map(({ s, align }) => {
    offset = Math.ceil(offset / 2 ** align) * 2 ** align
    const arch = { ...s, offset, align }
    offset += s.size
    if (offset > 0xffffffff)
      throw new Error('the universal binary would pass 4 GiB, beyond 32-bit fat offsets')
    return arch
  })
}

/** The fat_header and fat_arch table (big-endian) for a layout. */
export function fatHeader(archs: readonly FatArch[]): Buffer {
  const buf = Buffer.alloc(FAT_HEADER_SIZE + FAT_ARCH_SIZE * archs.length)
  buf.writeUInt32BE(FAT_MAGIC, 0)
  buf.writeUInt32BE(archs.length, 4)
  archs.forEach((a, i) => {
    const at = FAT_HEADER_SIZE + FAT_ARCH_SIZE * i
    buf.writeInt32BE(a.cputype | 0, at)
    buf.writeInt32BE(a.cpusubtype | 0, at + 4)
    buf.writeUInt32BE(a.offset, at + 8)
    buf.writeUInt32BE(a.size, at + 12)
    buf.writeUInt32BE(a.align, at + 16)
  })
  return buf
}

/** Writes a universal binary of the thin executables at `sources` to `dest`; returns its layout. */
export function writeUniversalBinary(sources: readonly string[], dest: string): FatArch[] {
  const slices = sources.map(source => {
    const fd = fs.openSync(source, 'r')
    try {
      const head = Buffer.alloc(32)
      fs.readSync(fd, head, 0, head.length, 0)
      let cpu: { cputype: number; cpusubtype: number }
      try {
        cpu = readThinMachO(head)
      } catch (error) {
        throw new Error(`${source}: ${(error as Error).message}`, { cause: error })
      }
      return { source, ...cpu, size: fs.fstatSync(fd).size }
    } finally {
      fs.closeSync(fd)
    }
  })
  const archs = fatLayout(slices)
  const out = fs.openSync(dest, 'w')
  try {
    fs.writeSync(out, fatHeader(archs), 0, undefined, 0)
    for (const arch of archs) {
      // Positional writes leave the gaps as zeros (the file grows over them), as lipo pads.
      const source = slices.find(
        s => s.cputype === arch.cputype && s.cpusubtype === arch.cpusubtype
      )!
      fs.writeSync(out, fs.readFileSync(source.source), 0, undefined, arch.offset)
    }
  } finally {
    fs.closeSync(out)
  }
  return archs
}
