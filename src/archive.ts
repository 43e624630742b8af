import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { open, rename, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import { Transform, type Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { createGzip } from 'node:zlib'
import yazl from 'yazl'
import { errorMessage } from './lib/errors.js'
import { packTar } from './lib/tar.js'

/**
 * Deflate level for tar.gz and zip. Level 9 cost 2.6-2.9x the CPU of level 6 on Go binaries for
 * archives 0.3% smaller (bench/RESULTS.md, P5), so the default level is the better trade.
 */
export const DEFLATE_LEVEL = 6

/** Archive formats the action writes. */
export type ArchiveFormat = 'tar.gz' | 'tar.xz' | 'zip'

/** One file to put in an archive. */
export interface ArchiveEntry {
  /** path inside the archive, '/'-separated, relative */
  name: string
  /** absolute path of the file on disk */
  source: string
  /** 0o755 for executables, 0o644 otherwise */
  mode: number
}

/** Every format writeArchive accepts, for validating inputs. */
export const ARCHIVE_FORMATS: readonly ArchiveFormat[] = ['tar.gz', 'tar.xz', 'zip']

/** Arguments for the system xz: single-threaded because xz >= 5.6 defaults to threads, whose block layout depends on the core count. */
export const XZ_ARGS: readonly string[] = [
  '--format=xz',
  '--check=crc64',
  '-9',
  '--threads=1',
  '-c'
]

// RFC 1952 "unknown" OS; Go's compress/gzip writes the same, so GoReleaser archives match.
const GZIP_OS_BYTE = 255
const GZIP_OS_OFFSET = 9
const S_IFREG = 0o100000
// tar-stream encodes mtime as `(ms / 1000) | 0`, which wraps after 2038-01-19.
const TAR_MAX_SECONDS = 0x7fffffff

/**
 * A validated archive member. Archives hold files only, as GoReleaser's do: a nested name's
 * folders are made by whoever extracts it, so member lists match GoReleaser's exactly.
 */
interface PlannedEntry {
  name: string
  mode: number
  source: string
  size: number
}

/** Writes a byte-for-byte reproducible archive; returns its size in bytes. */
export async function writeArchive(
  format: ArchiveFormat,
  entries: ArchiveEntry[],
  outPath: string,
  mtime: Date
): Promise<number> {
  if (!ARCHIVE_FORMATS.includes(format)) {
    throw new Error(
      `archive format "${String(format)}" is not one of ${ARCHIVE_FORMATS.join(', ')}`
    )
  }
  const seconds = archiveSeconds(format, mtime)
  const plan = await planEntries(entries)
  const tmpPath = path.join(
    path.dirname(outPath),
    `.${path.basename(outPath)}.${randomBytes(6).toString('hex')}.tmp`
  )
  try {
    if (format === 'tar.gz') {
      await pipeline(
        packTar(plan, seconds),
        createGzip({ level: DEFLATE_LEVEL }),
        fixGzipOsByte(),
        createWriteStream(tmpPath)
      )
    } else if (format === 'tar.xz') {
      await writeTarXz(plan, seconds, tmpPath)
    } else {
      await writeZip(plan, seconds, tmpPath)
    }
    const { size } = await stat(tmpPath)
    await rename(tmpPath, outPath)
    return size
  } catch (err) {
    await rm(tmpPath, { force: true })
    throw new Error(`writing ${outPath}: ${errorMessage(err)}`, { cause: err })
  }
}

/** Whole seconds of mtime, checked against what the format can store. */
function archiveSeconds(format: ArchiveFormat, mtime: Date): number {
  if (!(mtime instanceof Date) || Number.isNaN(mtime.getTime())) {
    throw new Error(`archive mtime is not a valid date: ${String(mtime)}`)
  }
  const seconds = Math.floor(mtime.getTime() / 1000)
  // zip clamps instead (see dosDate), because DOS time cannot express 1970 at all.
  if (format !== 'zip' && (seconds < 0 || seconds > TAR_MAX_SECONDS)) {
    throw new Error(
      `archive mtime ${mtime.toISOString()} is outside 1970-01-01..2038-01-19, which tar headers here can store`
    )
  }
  return seconds
}

/** Validates names and sources and returns the members in archive order. */
async function planEntries(entries: ArchiveEntry[]): Promise<PlannedEntry[]> {
  if (entries.length === 0) throw new Error('archive has no entries')
  const files = new Map<string, ArchiveEntry>()
  const dirs = new Set<string>()
  for (const entry of entries) {
    checkName(entry.name)
    if (!Number.isInteger(entry.mode) || entry.mode < 0 || entry.mode > 0o777) {
      throw new Error(
        `archive entry "${entry.name}": mode 0o${Number(entry.mode).toString(8)} is not within 0o0..0o777`
      )
    }
    if (!path.isAbsolute(entry.source)) {
      throw new Error(
        `archive entry "${entry.name}": source "${entry.source}" is not an absolute path`
      )
    }
    if (files.has(entry.name)) throw new Error(`archive entry "${entry.name}" is listed twice`)
    files.set(entry.name, entry)
    const parts = entry.name.split('/')
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'))
  }
  for (const dir of dirs) {
    if (files.has(dir)) throw new Error(`archive entry "${dir}" is both a file and a directory`)
  }

  const planned: PlannedEntry[] = []
  for (const entry of files.values()) {
    let size: number
    try {
      const info = await stat(entry.source)
      if (!info.isFile()) throw new Error('not a regular file')
      size = info.size
    } catch (err) {
      throw new Error(
        `archive entry "${entry.name}": source ${entry.source}: ${errorMessage(err)}`,
        {
          cause: err
        }
      )
    }
    planned.push({ name: entry.name, mode: entry.mode, source: entry.source, size })
  }
  // Byte order of UTF-8, not UTF-16 code units.
  const key = (e: PlannedEntry): Buffer => Buffer.from(e.name, 'utf8')
  return planned.sort((a, b) => Buffer.compare(key(a), key(b)))
}

/** Rejects names that would escape the extraction folder or mean different paths on different systems. */
function checkName(name: string): void {
  if (typeof name !== 'string' || name === '') throw new Error('archive entry name is empty')
  const quoted = JSON.stringify(name)
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) {
    throw new Error(`archive entry name ${quoted} contains a control character`)
  }
  if (name.includes('\\')) {
    throw new Error(`archive entry name ${quoted} contains '\\' (use '/' as separator)`)
  }
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) {
    throw new Error(`archive entry name ${quoted} is absolute`)
  }
  for (const part of name.split('/')) {
    if (part === '') throw new Error(`archive entry name ${quoted} has an empty path component`)
    if (part === '..') throw new Error(`archive entry name ${quoted} contains '..'`)
    if (part === '.') throw new Error(`archive entry name ${quoted} contains '.'`)
  }
}

/** Node's zlib writes the platform's OS code into the gzip header; pin it so every runner gives the same bytes. */
function fixGzipOsByte(): Transform {
  let offset = 0
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (offset <= GZIP_OS_OFFSET && offset + chunk.length > GZIP_OS_OFFSET) {
        chunk = Buffer.from(chunk)
        chunk[GZIP_OS_OFFSET - offset] = GZIP_OS_BYTE
      }
      offset += chunk.length
      callback(null, chunk)
    }
  })
}

/** Pipes the tar stream through the system xz; no maintained pure-JS xz encoder exists. */
async function writeTarXz(plan: PlannedEntry[], seconds: number, tmpPath: string): Promise<void> {
  const out = await open(tmpPath, 'w')
  try {
    // env is passed so the PATH lookup follows this process's (possibly modified) environment.
    const child = spawn('xz', [...XZ_ARGS], {
      stdio: ['pipe', out.fd, 'pipe'],
      env: process.env,
      windowsHide: true
    })
    const { stdin, stderr: errStream } = child
    if (!stdin || !errStream) throw new Error('xz was started without stdin/stderr pipes')
    let stderr = ''
    errStream.setEncoding('utf8')
    errStream.on('data', (text: string) => {
      stderr = (stderr + text).slice(-2000)
    })
    const exited = new Promise<number | string>((resolve, reject) => {
      child.once('error', reject)
      child.once('close', (code, signal) => resolve(code ?? `signal ${String(signal)}`))
    })
    const [packed, exit] = await Promise.allSettled([
      pipeline(packTar(plan, seconds), stdin),
      exited
    ])
    if (exit.status === 'rejected') {
      const err = exit.reason as NodeJS.ErrnoException
      if (err.code === 'ENOENT') {
        throw new Error(
          'tar.xz needs the xz program, which is not on PATH: install the xz-utils package (apt-get install xz-utils, brew install xz) or choose tar.gz or zip',
          { cause: err }
        )
      }
      throw err
    }
    if (exit.value !== 0) {
      throw new Error(`xz exited ${exit.value}: ${stderr.trim() || '(no stderr)'}`)
    }
    if (packed.status === 'rejected') throw packed.reason
  } finally {
    await out.close()
  }
}

/** Writes a zip with DOS timestamps only, deflate at DEFLATE_LEVEL, and unix modes in the external attributes. */
async function writeZip(plan: PlannedEntry[], seconds: number, tmpPath: string): Promise<void> {
  const zip = new yazl.ZipFile()
  const output = zip.outputStream as Readable
  zip.once('error', (err: Error) => output.destroy(err))
  const mtime = dosDate(seconds)
  for (const e of plan) {
    const options = {
      mtime,
      mode: S_IFREG | e.mode,
      size: e.size,
      compressionLevel: DEFLATE_LEVEL,
      forceDosTimestamp: true
    }
    zip.addReadStreamLazy(e.name, options, callback => {
      const input = createReadStream(e.source)
      input.once('error', err => output.destroy(err))
      callback(null, input)
    })
  }
  zip.end()
  await pipeline(output, createWriteStream(tmpPath))
}

/**
 * yazl turns a Date into DOS date/time with its local-time getters and clamps it against
 * local-time bounds, so the bytes would follow the runner's TZ. This Date answers those getters
 * with its UTC fields, and compares as the same wall-clock time in local time so the bounds
 * apply to the fields yazl will write.
 */
class DosWallClock extends Date {
  override getFullYear(): number {
    return this.getUTCFullYear()
  }
  override getMonth(): number {
    return this.getUTCMonth()
  }
  override getDate(): number {
    return this.getUTCDate()
  }
  override getHours(): number {
    return this.getUTCHours()
  }
  override getMinutes(): number {
    return this.getUTCMinutes()
  }
  override getSeconds(): number {
    return this.getUTCSeconds()
  }
  override valueOf(): number {
    const wall = new Date(
      this.getUTCFullYear(),
      this.getUTCMonth(),
      this.getUTCDate(),
      this.getUTCHours(),
      this.getUTCMinutes(),
      this.getUTCSeconds()
    )
    return wall.getTime()
  }
}

// DOS dates start in 1980 and end in 2107; clamp like yazl does, but on UTC fields.
const DOS_MIN_MS = Date.UTC(1980, 0, 1)
const DOS_MAX_MS = Date.UTC(2107, 11, 31, 23, 59, 58)

/** The zip timestamp for seconds since the epoch, clamped to the range DOS time can store. */
function dosDate(seconds: number): Date {
  return new DosWallClock(Math.min(Math.max(seconds * 1000, DOS_MIN_MS), DOS_MAX_MS))
}

/** The message of an unknown thrown value. */
