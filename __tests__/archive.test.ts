import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import {
  chmod,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  rm,
  stat,
  utimes,
  writeFile
} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import ts from 'typescript'
import { writeArchive, XZ_ARGS, type ArchiveEntry, type ArchiveFormat } from '../src/archive.js'

const run = promisify(execFile)
const MTIME = new Date('2023-11-14T22:13:20.750Z')
const MTIME_TEXT = '2023-11-14 22:13:20'
const FORMATS: ArchiveFormat[] = ['tar.gz', 'tar.xz', 'zip']
const LONG_NAME = `p/${'q'.repeat(110)}.txt`

/** Files put into every archive; contents are deterministic but not trivially compressible. */
const FILES: { name: string; mode: number; content: Buffer }[] = [
  { name: 'app', mode: 0o755, content: pseudoRandom(300_000) },
  { name: 'README.md', mode: 0o644, content: Buffer.from('# hello\n') },
  { name: 'LICENSE', mode: 0o644, content: Buffer.from('MIT\n') },
  { name: 'docs/guide/intro.txt', mode: 0o644, content: Buffer.from('intro\n') },
  { name: 'docs/a-b.txt', mode: 0o644, content: Buffer.from('a-b\n') },
  { name: 'empty.txt', mode: 0o644, content: Buffer.alloc(0) },
  { name: 'zeta/ü-nïcode.txt', mode: 0o644, content: Buffer.from('unicode\n') },
  { name: LONG_NAME, mode: 0o755, content: Buffer.from('long\n') }
]

/** Archive order: UTF-8 byte order, each directory just before its contents. */
// Files only, as GoReleaser writes them: the folders of nested names are not members.
const ORDER = [
  'LICENSE',
  'README.md',
  'app',
  'docs/a-b.txt',
  'docs/guide/intro.txt',
  'empty.txt',
  LONG_NAME,
  'zeta/ü-nïcode.txt'
]

let tmp: string
let srcA: string
let srcB: string

function pseudoRandom(size: number): Buffer {
  const out = Buffer.alloc(size)
  let x = 2463534242
  for (let i = 0; i < size; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    // Low entropy every other 4 KiB so deflate has something to find, like a real binary.
    out[i] = (i >> 12) % 2 === 0 ? x & 0xff : i & 0x0f
  }
  return out
}

/** Entries for the sources under root, in the given order. */
function entriesFor(root: string, order: 'given' | 'reversed' = 'given'): ArchiveEntry[] {
  const list = FILES.map(f => ({
    name: f.name,
    source: path.join(root, ...f.name.split('/')),
    mode: f.mode
  }))
  return order === 'reversed' ? list.reverse() : list
}

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'archive-test-'))
  srcA = path.join(tmp, 'src-a')
  srcB = path.join(tmp, 'src-b')
  for (const [root, fileMode, when] of [
    [srcA, 0o644, new Date('2001-01-01T00:00:00Z')],
    [srcB, 0o600, new Date('2019-06-06T06:06:06Z')]
  ] as const) {
    for (const f of FILES) {
      const file = path.join(root, ...f.name.split('/'))
      await mkdir(path.dirname(file), { recursive: true })
      await writeFile(file, f.content)
      // The archive must not carry the source's own mode or mtime.
      await chmod(file, root === srcA ? f.mode : fileMode)
      await utimes(file, when, when)
    }
  }
})

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true })
})

/** A fresh empty folder for one test's output. */
async function outDir(label: string): Promise<string> {
  const dir = path.join(tmp, `out-${label}-${Math.random().toString(16).slice(2)}`)
  await mkdir(dir)
  return dir
}

/** `tar -tv` lines as [mode, owner, size, time, name]; TZ=UTC so times are comparable. */
async function tarList(file: string, flags: string[]): Promise<string[][]> {
  const { stdout } = await run(
    'tar',
    [...flags, '--full-time', '--quoting-style=literal', '-tvf', file],
    {
      env: { ...process.env, TZ: 'UTC', LC_ALL: 'C' }
    }
  )
  return stdout
    .trimEnd()
    .split('\n')
    .map(line => {
      const m = /^(\S+) (\S+)\s+(\d+) (\S+ \S+) (.*)$/.exec(line)
      if (!m) throw new Error(`unexpected tar line: ${line}`)
      return m.slice(1)
    })
}

/** Central directory records of a zip, read straight from the bytes. */
interface ZipRecord {
  name: string
  madeBy: number
  flags: number
  method: number
  dosTime: number
  dosDate: number
  externalAttrs: number
  centralExtraLength: number
  localExtraLength: number
}

function readZip(buf: Buffer): ZipRecord[] {
  const eocd = buf.length - 22
  expect(buf.readUInt32LE(eocd)).toBe(0x06054b50)
  const count = buf.readUInt16LE(eocd + 10)
  let p = buf.readUInt32LE(eocd + 16)
  const records: ZipRecord[] = []
  for (let i = 0; i < count; i++) {
    expect(buf.readUInt32LE(p)).toBe(0x02014b50)
    const nameLength = buf.readUInt16LE(p + 28)
    const extraLength = buf.readUInt16LE(p + 30)
    const commentLength = buf.readUInt16LE(p + 32)
    const local = buf.readUInt32LE(p + 42)
    expect(buf.readUInt32LE(local)).toBe(0x04034b50)
    records.push({
      name: buf.subarray(p + 46, p + 46 + nameLength).toString('utf8'),
      madeBy: buf.readUInt16LE(p + 4),
      flags: buf.readUInt16LE(p + 8),
      method: buf.readUInt16LE(p + 10),
      dosTime: buf.readUInt16LE(p + 12),
      dosDate: buf.readUInt16LE(p + 14),
      externalAttrs: buf.readUInt32LE(p + 38),
      centralExtraLength: extraLength,
      localExtraLength: buf.readUInt16LE(local + 28)
    })
    p += 46 + nameLength + extraLength + commentLength
  }
  return records
}

/** DOS date/time fields as 'YYYY-MM-DD hh:mm:ss'. */
function dosText(date: number, time: number): string {
  const pad = (n: number): string => String(n).padStart(2, '0')
  return (
    `${1980 + (date >> 9)}-${pad((date >> 5) & 0xf)}-${pad(date & 0x1f)} ` +
    `${pad(time >> 11)}:${pad((time >> 5) & 0x3f)}:${pad((time & 0x1f) * 2)}`
  )
}

/** Extracts an archive with the system tools into a new folder. */
async function extract(format: ArchiveFormat, file: string): Promise<string> {
  const dir = await outDir('x')
  if (format === 'zip') await run('unzip', ['-q', file, '-d', dir])
  else await run('tar', ['-xpf', file, '-C', dir])
  return dir
}

describe('writeArchive determinism', () => {
  test.each(FORMATS.map((f, i) => [i, f] as const))(
    '[%d] %s: same bytes for the same inputs, whatever the source metadata and entry order',
    async (_i, format) => {
      const dir = await outDir('det')
      const a = path.join(dir, `a.${format}`)
      const b = path.join(dir, `b.${format}`)
      const c = path.join(dir, `c.${format}`)
      const d = path.join(dir, `d.${format}`)
      const sizeA = await writeArchive(format, entriesFor(srcA), a, MTIME)
      await writeArchive(format, entriesFor(srcA), b, MTIME)
      await writeArchive(format, entriesFor(srcB, 'reversed'), c, new Date(MTIME.getTime() - 500))
      // Two seconds apart so even zip's 2-second DOS time must change.
      await writeArchive(format, entriesFor(srcA), d, new Date(MTIME.getTime() + 2000))
      const [bytesA, bytesB, bytesC, bytesD] = await Promise.all([a, b, c, d].map(f => readFile(f)))
      expect(sizeA).toBe(bytesA.length)
      expect(bytesB.equals(bytesA)).toBe(true)
      expect(bytesC.equals(bytesA)).toBe(true)
      expect(bytesD.equals(bytesA)).toBe(false)
      expect((await readdir(dir)).sort()).toEqual([a, b, c, d].map(f => path.basename(f)).sort())
    }
  )
})

describe('writeArchive tar listings', () => {
  const table = [
    ['tar.gz', ['-z', '--numeric-owner']],
    ['tar.gz', []],
    ['tar.xz', ['-J', '--numeric-owner']],
    ['tar.xz', []]
  ] as const
  test.each(table.map((row, i) => [i, ...row] as const))(
    '[%d] %s: tar %j lists 0/0, fixed modes and mtime, sorted, files only',
    async (_i, format, flags) => {
      const file = path.join(await outDir('tar'), `t.${format}`)
      await writeArchive(format, entriesFor(srcB, 'reversed'), file, MTIME)
      const rows = await tarList(file, [...flags])
      const expected = ORDER.map(name => {
        const f = FILES.find(x => x.name === name)!
        const mode = f.mode === 0o755 ? '-rwxr-xr-x' : '-rw-r--r--'
        return [mode, '0/0', String(f.content.length), MTIME_TEXT, name]
      })
      expect(rows).toEqual(expected)
    }
  )

  test.each(FORMATS.map((f, i) => [i, f] as const))(
    '[%d] %s: extracted files equal the sources, with the entry modes',
    async (_i, format) => {
      const file = path.join(await outDir('ext'), `e.${format}`)
      await writeArchive(format, entriesFor(srcB), file, MTIME)
      const dir = await extract(format, file)
      for (const f of FILES) {
        const out = path.join(dir, ...f.name.split('/'))
        expect([f.name, (await readFile(out)).equals(f.content)]).toEqual([f.name, true])
        expect([f.name, (await stat(out)).mode & 0o777]).toEqual([f.name, f.mode])
      }
      expect((await stat(path.join(dir, 'docs', 'guide'))).isDirectory()).toBe(true)
    }
  )

  test('[0] tar.gz has a fixed gzip header: no name, mtime 0, XFL 0 for level 6, OS 255', async () => {
    const file = path.join(await outDir('gz'), 'h.tar.gz')
    await writeArchive('tar.gz', entriesFor(srcA), file, MTIME)
    const header = (await readFile(file)).subarray(0, 10)
    expect([...header]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255])
  })

  test('[0] tar stream has no pax time records and ustar magic', async () => {
    const file = path.join(await outDir('pax'), 'p.tar.xz')
    await writeArchive('tar.xz', entriesFor(srcA), file, MTIME)
    const { stdout } = await run('xz', ['-dc', file], { encoding: 'buffer', maxBuffer: 1 << 26 })
    const text = stdout.toString('latin1')
    expect(text).not.toMatch(/\d+ (atime|ctime|mtime)=/)
    // The one pax record is the long path; its value is the full name.
    expect(text).toContain(` path=${LONG_NAME}\n`)
    expect(stdout.subarray(257, 265).toString('latin1')).toBe('ustar\u000000')
  })

  test('[0] xz stream uses crc64 and passes xz -t', async () => {
    const file = path.join(await outDir('xz'), 'x.tar.xz')
    await writeArchive('tar.xz', entriesFor(srcA), file, MTIME)
    await run('xz', ['-t', file])
    const { stdout } = await run('xz', ['--robot', '--list', file])
    expect(stdout).toMatch(/^file\t.*\tCRC64\t/m)
    expect(XZ_ARGS).toContain('--threads=1')
  })
})

describe('writeArchive zip', () => {
  test('[0] unzip -Z shows unix modes and the fixed time; unzip -t passes', async () => {
    const file = path.join(await outDir('zip'), 'z.zip')
    await writeArchive('zip', entriesFor(srcB, 'reversed'), file, MTIME)
    const { stdout } = await run('unzip', ['-Z', '-T', file])
    // 'l': data descriptor and no extra field (an 'x' would be one); yazl never sets the level hint bits, hence defN.
    const lines = stdout.trimEnd().split('\n').slice(2, -1)
    expect(
      lines
        .map(l => l.split(/\s+/))
        .filter(f => ['app', 'README.md', 'docs/a-b.txt'].includes(f[7]))
    ).toEqual([
      ['-rw-r--r--', '6.3', 'unx', '8', 'bl', 'defN', '20231114.221320', 'README.md'],
      ['-rwxr-xr-x', '6.3', 'unx', '300000', 'bl', 'defN', '20231114.221320', 'app'],
      ['-rw-r--r--', '6.3', 'unx', '4', 'bl', 'defN', '20231114.221320', 'docs/a-b.txt']
    ])
    expect(lines).toHaveLength(ORDER.length)
    const test = await run('unzip', ['-t', file])
    expect(test.stdout).toContain('No errors detected')
  })

  test('[0] zip records: byte order, files only, no extra fields, deflate, DOS time only', async () => {
    const file = path.join(await outDir('zip'), 'r.zip')
    await writeArchive('zip', entriesFor(srcA, 'reversed'), file, MTIME)
    const records = readZip(await readFile(file))
    expect(records.map(r => r.name)).toEqual(ORDER)
    for (const r of records) {
      expect([r.name, r.centralExtraLength, r.localExtraLength]).toEqual([r.name, 0, 0])
      expect([r.name, r.madeBy >> 8, r.method]).toEqual([r.name, 3, 8])
      expect([r.name, dosText(r.dosDate, r.dosTime)]).toEqual([r.name, MTIME_TEXT])
    }
  })
})

describe('writeArchive ordering', () => {
  // U+FF21 sorts after U+1F600 in UTF-16 code units but before it in UTF-8 bytes.
  const names = ['\u{1F600}.txt', '\uFF21.txt', 'B', 'a0', 'a-b', 'a/b', 'a.b']
  const expected = ['B', 'a-b', 'a.b', 'a/b', 'a0', '\uFF21.txt', '\u{1F600}.txt']
  test.each(FORMATS.map((f, i) => [i, f] as const))(
    '[%d] %s: entries in UTF-8 byte order',
    async (_i, format) => {
      const source = path.join(srcA, 'README.md')
      const entries = names.map(name => ({ name, source, mode: 0o644 }))
      const file = path.join(await outDir('ord'), `o.${format}`)
      await writeArchive(format, entries, file, MTIME)
      const listed =
        format === 'zip'
          ? readZip(await readFile(file)).map(r => r.name)
          : (await tarList(file, [])).map(r => r[4])
      expect(listed).toEqual(expected)
    }
  )
})

describe('writeArchive zip time does not follow the TZ', () => {
  let moduleFile: string
  beforeAll(async () => {
    // A child node cannot load TypeScript, so hand it the module (and the leaf helpers it
    // imports) transpiled to CommonJS.
    const transpile = async (from: string, to: string): Promise<void> => {
      const source = await readFile(
        fileURLToPath(new URL(`../src/${from}`, import.meta.url)),
        'utf8'
      )
      const { outputText } = ts.transpileModule(source, {
        compilerOptions: {
          module: ts.ModuleKind.CommonJS,
          target: ts.ScriptTarget.ES2022,
          esModuleInterop: true
        }
      })
      await mkdir(path.dirname(path.join(tmp, to)), { recursive: true })
      await writeFile(path.join(tmp, to), outputText)
    }
    moduleFile = path.join(tmp, 'archive.cjs')
    await transpile('archive.ts', 'archive.cjs')
    await transpile('lib/errors.ts', 'lib/errors.js')
    await transpile('lib/tar.ts', 'lib/tar.js')
  })

  const script = `
    const { writeArchive } = require(process.argv[1])
    const [out, source, iso] = process.argv.slice(2)
    writeArchive('zip', [{ name: 'app', source, mode: 0o755 }, { name: 'd/f', source, mode: 0o644 }], out, new Date(iso))
      .catch(err => { console.error(err); process.exit(1) })
  `
  const zones = [
    'UTC',
    'Pacific/Auckland',
    'America/Los_Angeles',
    'Pacific/Kiritimati',
    'Asia/Kolkata'
  ]
  const table = [
    ['an ordinary time', '2023-11-14T22:13:21.900Z', '2023-11-14 22:13:20'],
    ['a time in the Auckland DST gap', '2023-09-24T02:30:00Z', '2023-09-24 02:30:00'],
    [
      'before 1980-01-01 local midnight in Los Angeles',
      '1980-01-01T05:00:00Z',
      '1980-01-01 05:00:00'
    ],
    ['after 2107-12-31 local end in Kiritimati', '2107-12-31T20:00:00Z', '2107-12-31 20:00:00'],
    ['1970, clamped to the DOS epoch', '1970-01-01T00:00:00Z', '1980-01-01 00:00:00'],
    ['2200, clamped to the last DOS time', '2200-01-01T00:00:00Z', '2107-12-31 23:59:58']
  ] as const
  test.each(table.map((row, i) => [i, ...row] as const))(
    '[%d] %s (%s) -> %s in every TZ',
    async (_i, _label, iso, expected) => {
      const dir = await outDir('tz')
      const source = path.join(srcA, 'README.md')
      const outputs = await Promise.all(
        zones.map(async zone => {
          const out = path.join(dir, `${zone.replace('/', '_')}.zip`)
          await run(process.execPath, ['-e', script, moduleFile, out, source, iso], {
            env: { ...process.env, TZ: zone, NODE_PATH: path.resolve('node_modules') }
          })
          return readFile(out)
        })
      )
      for (const [i, bytes] of outputs.entries()) {
        expect([zones[i], bytes.equals(outputs[0])]).toEqual([zones[i], true])
      }
      expect(readZip(outputs[0]).map(r => dosText(r.dosDate, r.dosTime))).toEqual([
        expected,
        expected
      ])
    },
    30_000
  )
})

describe('writeArchive errors', () => {
  const ok = (): ArchiveEntry => ({ name: 'app', source: path.join(srcA, 'app'), mode: 0o755 })
  const named = (name: string): ArchiveEntry => ({ ...ok(), name })
  const table: [string, ArchiveFormat, () => ArchiveEntry[], Date, RegExp][] = [
    ['empty name', 'tar.gz', () => [named('')], MTIME, /name is empty/],
    ['absolute name', 'zip', () => [named('/etc/passwd')], MTIME, /is absolute/],
    ['drive letter name', 'zip', () => [named('C:/x')], MTIME, /is absolute/],
    ['leading ..', 'tar.gz', () => [named('../x')], MTIME, /contains '\.\.'/],
    ['inner ..', 'tar.xz', () => [named('a/../b')], MTIME, /contains '\.\.'/],
    ['. component', 'tar.gz', () => [named('./a')], MTIME, /contains '\.'/],
    ['double slash', 'zip', () => [named('a//b')], MTIME, /empty path component/],
    ['trailing slash', 'tar.gz', () => [named('a/')], MTIME, /empty path component/],
    ['backslash', 'zip', () => [named('bin\\app')], MTIME, /contains '\\'/],
    ['newline', 'tar.gz', () => [named('a\nb')], MTIME, /control character/],
    ['duplicate', 'tar.gz', () => [ok(), ok()], MTIME, /"app" is listed twice/],
    [
      'file and directory',
      'zip',
      () => [named('a'), named('a/b')],
      MTIME,
      /"a" is both a file and a directory/
    ],
    [
      'setuid mode',
      'tar.gz',
      () => [{ ...ok(), mode: 0o4755 }],
      MTIME,
      /mode 0o4755 is not within/
    ],
    [
      'relative source',
      'tar.gz',
      () => [{ ...ok(), source: 'app' }],
      MTIME,
      /not an absolute path/
    ],
    ['missing source', 'zip', () => [{ ...ok(), source: path.join(tmp, 'nope') }], MTIME, /ENOENT/],
    ['directory source', 'tar.gz', () => [{ ...ok(), source: srcA }], MTIME, /not a regular file/],
    ['no entries', 'zip', () => [], MTIME, /no entries/],
    ['invalid date', 'zip', () => [ok()], new Date('nope'), /not a valid date/],
    ['tar mtime before 1970', 'tar.gz', () => [ok()], new Date(-1000), /outside 1970-01-01/],
    ['tar mtime after 2038', 'tar.xz', () => [ok()], new Date('2038-01-20T00:00:00Z'), /outside/],
    ['unknown format', 'rar' as ArchiveFormat, () => [ok()], MTIME, /"rar" is not one of/]
  ]
  test.each(table.map((row, i) => [i, ...row] as const))(
    '[%d] %s rejected (%s)',
    async (_i, _label, format, entries, mtime, message) => {
      const dir = await outDir('err')
      await expect(writeArchive(format, entries(), path.join(dir, 'out'), mtime)).rejects.toThrow(
        message
      )
      expect(await readdir(dir)).toEqual([])
    }
  )

  // /proc files stat as size 0 but read as text: the same fault as a binary rewritten mid-packaging.
  const racy = existsSync('/proc/self/status') ? test.each : test.skip.each
  racy(FORMATS.map((f, i) => [i, f] as const))(
    '[%d] %s: a source that changes size while being read fails and keeps the old archive',
    async (_i, format) => {
      const dir = await outDir('race')
      const out = path.join(dir, `out.${format}`)
      await writeFile(out, 'previous archive')
      const entries = [ok(), { name: 'status', source: '/proc/self/status', mode: 0o644 }]
      await expect(writeArchive(format, entries, out, MTIME)).rejects.toThrow(
        /Size mismatch|unexpected number of bytes/
      )
      expect(await readdir(dir)).toEqual([`out.${format}`])
      expect(await readFile(out, 'utf8')).toBe('previous archive')
    }
  )

  test('[0] tar.xz without xz on PATH names the xz-utils package and leaves nothing behind', async () => {
    const dir = await outDir('noxz')
    const saved = process.env.PATH
    process.env.PATH = path.join(tmp, 'no-such-bin')
    try {
      await expect(
        writeArchive('tar.xz', [ok()], path.join(dir, 'o.tar.xz'), MTIME)
      ).rejects.toThrow(/xz-utils/)
    } finally {
      process.env.PATH = saved
    }
    expect(await readdir(dir)).toEqual([])
  })

  test('[0] a missing output folder fails with the path in the message', async () => {
    const out = path.join(tmp, 'no-such-dir', 'o.tar.gz')
    await expect(writeArchive('tar.gz', [ok()], out, MTIME)).rejects.toThrow(
      `writing ${out}: ENOENT`
    )
  })
})
