import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import {
  formatChecksums,
  hashFile,
  parseChecksums,
  type ChecksumAlgorithm,
  type ChecksumLine
} from '../src/checksums.js'

const run = promisify(execFile)
const A = 'a'.repeat(64)
const B = 'b'.repeat(64)
const C = 'c'.repeat(64)
const LONG = 'd'.repeat(128)

let tmp: string

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'checksums-test-'))
})

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true })
})

/** Runs a coreutils checker in dir; resolves with its exit code and output instead of throwing. */
async function check(
  tool: string,
  dir: string,
  file: string
): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run(tool, ['--strict', '-c', file], { cwd: dir })
    return { code: 0, out: stdout }
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string }
    return { code: e.code, out: e.stdout + e.stderr }
  }
}

describe('hashFile', () => {
  const table: [string, Buffer, ChecksumAlgorithm[]][] = [
    ['empty file, sha256', Buffer.alloc(0), ['sha256']],
    ['text, both algorithms', Buffer.from('hello\n'), ['sha256', 'sha512']],
    [
      '5 MiB over many read chunks, sha512 first',
      Buffer.alloc(5 << 20, 'xyz'),
      ['sha512', 'sha256']
    ],
    ['repeated algorithm', Buffer.from('x'), ['sha256', 'sha256']]
  ]
  test.each(table.map((row, i) => [i, ...row] as const))(
    '[%d] %s matches node:crypto on the whole buffer',
    async (i, _label, content, algorithms) => {
      const file = path.join(tmp, `hash-${i}`)
      await writeFile(file, content)
      const got = await hashFile(file, algorithms)
      const want = Object.fromEntries(
        [...new Set(algorithms)].map(a => [a, createHash(a).update(content).digest('hex')])
      )
      expect(got).toEqual(want)
    }
  )

  test('[0] agrees with sha256sum and sha512sum', async () => {
    const file = path.join(tmp, 'tool-agree')
    await writeFile(file, Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7) & 0xff)))
    const got = await hashFile(file, ['sha256', 'sha512'])
    expect(got.sha256).toBe((await run('sha256sum', [file])).stdout.split(' ')[0])
    expect(got.sha512).toBe((await run('sha512sum', [file])).stdout.split(' ')[0])
  })

  const errors: [string, string, ChecksumAlgorithm[], RegExp][] = [
    ['missing file', 'no-such-file', ['sha256'], /hashing .*no-such-file: ENOENT/],
    ['folder', '.', ['sha256'], /hashing .*: EISDIR/],
    ['md5', 'hash-0', ['md5' as ChecksumAlgorithm], /"md5" is not one of sha256, sha512/]
  ]
  test.each(errors.map((row, i) => [i, ...row] as const))(
    '[%d] %s rejected',
    async (_i, _label, name, algorithms, message) => {
      await expect(hashFile(path.join(tmp, name), algorithms)).rejects.toThrow(message)
    }
  )
})

describe('formatChecksums', () => {
  const table: [string, ChecksumLine[], string][] = [
    ['empty list', [], ''],
    ['one line', [{ name: 'x.zip', digest: A }], `${A}  x.zip\n`],
    [
      'byte order: upper before lower, "-" before ".", U+FF21 before U+1F600',
      [
        { name: '\u{1F600}.zip', digest: A },
        { name: 'b.tar.gz', digest: A },
        { name: '\uFF21.zip', digest: A },
        { name: 'a.zip', digest: A },
        { name: 'a-b.zip', digest: A },
        { name: 'Z.zip', digest: A }
      ],
      [`Z.zip`, 'a-b.zip', 'a.zip', 'b.tar.gz', '\uFF21.zip', '\u{1F600}.zip']
        .map(n => `${A}  ${n}\n`)
        .join('')
    ],
    [
      'identical duplicate collapses',
      [
        { name: 'x.zip', digest: A },
        { name: 'x.zip', digest: A }
      ],
      `${A}  x.zip\n`
    ],
    ['sha512 digest', [{ name: 'x', digest: LONG }], `${LONG}  x\n`],
    ['space and star in names are plain text', [{ name: '*a b', digest: A }], `${A}  *a b\n`]
  ]
  test.each(table.map((row, i) => [i, ...row] as const))('[%d] %s', (_i, _label, lines, want) => {
    expect(formatChecksums(lines)).toBe(want)
  })

  const errors: [string, ChecksumLine[], RegExp][] = [
    ['slash', [{ name: 'dist/x.zip', digest: A }], /contains '\/'; use base names/],
    ['backslash', [{ name: 'dist\\x.zip', digest: A }], /contains '\\'/],
    ['newline', [{ name: 'x\ny', digest: A }], /newline or other control character/],
    ['CR', [{ name: 'x\r', digest: A }], /control character/],
    ['empty name', [{ name: '', digest: A }], /name is empty/],
    ['dot-dot', [{ name: '..', digest: A }], /is not a file/],
    [
      'conflicting duplicate',
      [
        { name: 'x.zip', digest: A },
        { name: 'x.zip', digest: B }
      ],
      new RegExp(`conflicting checksums for "x.zip": ${A} \\("x.zip"\\) vs ${B}`)
    ],
    ['uppercase digest', [{ name: 'x', digest: A.toUpperCase() }], /not a lowercase hex/],
    ['short digest', [{ name: 'x', digest: 'abc' }], /not a lowercase hex/],
    [
      'sha256 and sha512 mixed',
      [
        { name: 'x', digest: A },
        { name: 'y', digest: LONG }
      ],
      /"y" has 128 hex digits, others have 64/
    ]
  ]
  test.each(errors.map((row, i) => [i, ...row] as const))(
    '[%d] %s rejected',
    (_i, _label, lines, message) => {
      expect(() => formatChecksums(lines)).toThrow(message)
    }
  )
})

describe('checksums files against coreutils', () => {
  const table: [ChecksumAlgorithm, string][] = [
    ['sha256', 'sha256sum'],
    ['sha512', 'sha512sum']
  ]
  test.each(table.map((row, i) => [i, ...row] as const))(
    '[%d] %s: %s --strict -c accepts the file, then fails after one byte flips',
    async (i, algorithm, tool) => {
      const dir = await mkdtemp(path.join(tmp, `tool-${i}-`))
      const names = ['app_linux_amd64.tar.gz', 'app windows.zip', 'ünï.tar.xz', 'empty']
      const lines: ChecksumLine[] = []
      for (const [n, name] of names.entries()) {
        const file = path.join(dir, name)
        await writeFile(file, Buffer.alloc(n * 1000, n + 1))
        lines.push({ name, digest: (await hashFile(file, [algorithm]))[algorithm] })
      }
      await writeFile(path.join(dir, 'checksums.txt'), formatChecksums(lines))
      const ok = await check(tool, dir, 'checksums.txt')
      expect(ok).toEqual({
        code: 0,
        out: names
          .map(n => `${n}: OK\n`)
          .sort()
          .join('')
      })

      const victim = path.join(dir, names[1]!)
      const bytes = await readFile(victim)
      bytes[500] ^= 0x01
      await writeFile(victim, bytes)
      const bad = await check(tool, dir, 'checksums.txt')
      expect(bad.code).toBe(1)
      expect(bad.out).toContain(`${names[1]}: FAILED`)
    }
  )
})

describe('parseChecksums', () => {
  const table: [string, string, ChecksumAlgorithm, ChecksumLine[]][] = [
    ['empty file', '', 'sha256', []],
    [
      'two lines',
      `${A}  a.zip\n${B}  b.zip\n`,
      'sha256',
      [
        { name: 'a.zip', digest: A },
        { name: 'b.zip', digest: B }
      ]
    ],
    [
      'order is kept as written',
      `${B}  b\n${A}  a\n`,
      'sha256',
      [
        { name: 'b', digest: B },
        { name: 'a', digest: A }
      ]
    ],
    ['name with spaces', `${A}  a  b .zip\n`, 'sha256', [{ name: 'a  b .zip', digest: A }]],
    ['sha512', `${LONG}  x\n`, 'sha512', [{ name: 'x', digest: LONG }]]
  ]
  test.each(table.map((row, i) => [i, ...row] as const))(
    '[%d] %s',
    (_i, _label, text, algorithm, want) => {
      expect(parseChecksums(text, algorithm)).toEqual(want)
    }
  )

  test('[0] parse(format(lines)) gives the sorted lines back', () => {
    const lines = [
      { name: 'z', digest: C },
      { name: 'a b', digest: A },
      { name: 'ü', digest: B }
    ]
    expect(parseChecksums(formatChecksums(lines), 'sha256')).toEqual([lines[1], lines[0], lines[2]])
  })

  const errors: [string, string, ChecksumAlgorithm, string][] = [
    [
      'no final newline',
      `${A}  a\n${B}  b`,
      'sha256',
      'line 2: no newline at the end (truncated file?)'
    ],
    ['CRLF', `${A}  a\r\n`, 'sha256', 'line 1: ends with CR'],
    [
      'blank line',
      `${A}  a\n\n${B}  b\n`,
      'sha256',
      'line 2: expected "<sha256 hex>  <name>", got ""'
    ],
    ['binary marker', `${A}  a\n${B} *b\n`, 'sha256', 'line 2: binary-mode marker "*"'],
    ['one space', `${A} a\n`, 'sha256', 'line 1: expected two spaces after the digest'],
    [
      'uppercase digest',
      `${A.toUpperCase()}  a\n`,
      'sha256',
      `line 1: digest "${A.toUpperCase()}" is not lowercase hex`
    ],
    [
      'sha512 file read as sha256',
      `${LONG}  a\n`,
      'sha256',
      'line 1: digest has 128 hex digits; sha256 has 64'
    ],
    [
      'sha256 file read as sha512',
      `${A}  a\n`,
      'sha512',
      'line 1: digest has 64 hex digits; sha512 has 128'
    ],
    ['escaped name line', `\\${A}  a\\\\b\n`, 'sha256', 'line 1: digest "\\'],
    [
      'path name',
      `${A}  a\n${A}  dist/b\n`,
      'sha256',
      `line 2: checksum file name "dist/b" contains '/'`
    ],
    ['empty name', `${A}  \n`, 'sha256', 'line 1: checksum file name is empty'],
    [
      'duplicate name',
      `${A}  a\n${B}  b\n${A}  a\n`,
      'sha256',
      'line 3: "a" is already listed on line 1'
    ],
    ['unknown algorithm', `${A}  a\n`, 'md5' as ChecksumAlgorithm, '"md5" is not supported']
  ]
  test.each(errors.map((row, i) => [i, ...row] as const))(
    '[%d] %s rejected',
    (_i, _label, text, algorithm, message) => {
      expect(() => parseChecksums(text, algorithm)).toThrow(message)
    }
  )
})
