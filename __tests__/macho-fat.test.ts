import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { checkUniversalHeader, parseBinaryHeader, type BinaryHeader } from '../src/binary-header.js'
import {
  fatHeader,
  fatLayout,
  readThinMachO,
  sliceAlignment,
  writeUniversalBinary,
  type FatSlice
} from '../src/macho-fat.js'
import { numbered } from './fakes/targets.js'

const X86_64 = 0x01000007
const ARM64 = 0x0100000c
const I386 = 7

/** A thin little-endian mach_header_64 (as Go writes for darwin) padded with a fill byte to `size`. */
function thin(cputype: number, cpusubtype: number, size: number, fill: number): Buffer {
  const buf = Buffer.alloc(size, fill)
  buf.writeUInt32LE(0xfeedfacf, 0)
  buf.writeUInt32LE(cputype, 4)
  buf.writeUInt32LE(cpusubtype >>> 0, 8)
  buf.writeUInt32LE(2, 12) // MH_EXECUTE
  buf.fill(0, 16, 32)
  return buf
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-fat-'))
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

test.each(
  numbered<[string, number, number]>([
    ['x86_64', X86_64, 12],
    ['arm64', ARM64, 14],
    ['i386', I386, 12],
    ['arm', 12, 14]
  ])
)('[%d] %s slices are aligned to 2^%s... as lipo does', (_n, _name, cputype, align) => {
  expect(sliceAlignment(cputype)).toBe(align)
})

// [description, slices in input order, expected (cputype, offset, align) in file order]
const layouts: [string, FatSlice[], [number, number, number][]][] = [
  [
    'amd64 then arm64: x86_64 at 4 KiB, arm64 at the next 16 KiB boundary',
    [
      { cputype: X86_64, cpusubtype: 3, size: 10_000 },
      { cputype: ARM64, cpusubtype: 0, size: 5_000 }
    ],
    [
      [X86_64, 4096, 12],
      [ARM64, 16384, 14]
    ]
  ],
  [
    'arm64 given first still goes last (cctools and llvm-lipo order)',
    [
      { cputype: ARM64, cpusubtype: 0, size: 5_000 },
      { cputype: X86_64, cpusubtype: 3, size: 20_000 }
    ],
    [
      [X86_64, 4096, 12],
      [ARM64, 32768, 14]
    ]
  ],
  [
    'a slice ending exactly on a boundary needs no padding',
    [
      { cputype: X86_64, cpusubtype: 3, size: 12_288 },
      { cputype: ARM64, cpusubtype: 0, size: 1 }
    ],
    [
      [X86_64, 4096, 12],
      [ARM64, 16384, 14]
    ]
  ]
]

test.each(numbered(layouts))('[%d] layout: %s', (_n, _d, slices, expected) => {
  expect(fatLayout(slices).map(a => [a.cputype, a.offset, a.align])).toEqual(expected)
})

test('two slices of one CPU are refused, like lipo does', () => {
  expect(() =>
    fatLayout([
      { cputype: ARM64, cpusubtype: 0, size: 1 },
      { cputype: ARM64, cpusubtype: 0, size: 2 }
    ])
  ).toThrow('same cputype and cpusubtype')
})

test('the fat header is big-endian cafebabe, nfat_arch, then {cputype, cpusubtype, offset, size, align}', () => {
  const header = fatHeader(
    fatLayout([
      { cputype: X86_64, cpusubtype: 0x80000003 | 0, size: 100 },
      { cputype: ARM64, cpusubtype: 0, size: 200 }
    ])
  )
  expect(header.toString('hex')).toBe(
    [
      'cafebabe00000002',
      '01000007800000030000100000000064' + '0000000c',
      '0100000c000000000000400000000' + '0c8' + '0000000e'
    ].join('')
  )
})

test('written file: header parses back with both archs, each slice byte-identical at its offset, zero padding', () => {
  const amd64 = path.join(dir, 'amd64')
  const arm64 = path.join(dir, 'arm64')
  fs.writeFileSync(amd64, thin(X86_64, 3, 7_000, 0xaa))
  fs.writeFileSync(arm64, thin(ARM64, 0, 9_000, 0xbb))
  const dest = path.join(dir, 'fat')
  const archs = writeUniversalBinary([arm64, amd64], dest)
  const fat = fs.readFileSync(dest)

  const header = parseBinaryHeader(fat)
  expect(header).toEqual({
    format: 'macho-fat',
    goos: 'darwin',
    goarch: 'amd64+arm64',
    archs: ['amd64', 'arm64']
  })
  expect(checkUniversalHeader(header, ['arm64', 'amd64'])).toBeUndefined()
  expect(archs.map(a => [a.offset, a.size])).toEqual([
    [4096, 7_000],
    [16384, 9_000]
  ])
  expect(fat.subarray(4096, 4096 + 7_000).equals(fs.readFileSync(amd64))).toBe(true)
  expect(fat.subarray(16384).equals(fs.readFileSync(arm64))).toBe(true)
  expect(fat.length).toBe(16384 + 9_000)
  expect(fat.subarray(8 + 2 * 20, 4096).every(b => b === 0)).toBe(true)
  expect(fat.subarray(4096 + 7_000, 16384).every(b => b === 0)).toBe(true)
})

test.each(
  numbered<[string, Buffer, string]>([
    [
      'an ELF file',
      Buffer.concat([Buffer.from('7f454c46', 'hex'), Buffer.alloc(60)]),
      'no mach_header magic'
    ],
    [
      'a fat file',
      Buffer.concat([Buffer.from('cafebabe', 'hex'), Buffer.alloc(60)]),
      'already a universal'
    ],
    ['a 10-byte stub', Buffer.alloc(10), 'too short']
  ])
)('[%d] %s is not a slice: %s', (_n, _d, bytes, message) => {
  expect(() => readThinMachO(bytes)).toThrow(message)
})

test('a non-Mach-O source fails naming the file', () => {
  const elf = path.join(dir, 'elf')
  fs.writeFileSync(elf, Buffer.concat([Buffer.from('7f454c46', 'hex'), Buffer.alloc(60)]))
  expect(() => writeUniversalBinary([elf], path.join(dir, 'x'))).toThrow(`${elf}: not a Mach-O`)
})

test.each(
  numbered<[string, BinaryHeader, string]>([
    [
      'thin arm64',
      { format: 'macho', goos: 'darwin', goarch: 'arm64' } as const,
      'is a Mach-O arm64 executable for darwin, expected a universal Mach-O with amd64+arm64 slices'
    ],
    [
      'fat with one slice',
      { format: 'macho-fat', goos: 'darwin', goarch: 'arm64', archs: ['arm64'] } as const,
      'is a universal Mach-O executable with arm64 slices, expected a universal Mach-O with amd64+arm64 slices'
    ]
  ])
)('[%d] checkUniversalHeader refuses %s', (_n, _d, header, sentence) => {
  expect(checkUniversalHeader(header, ['amd64', 'arm64'])).toBe(sentence)
})
