import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { errorMessage } from './lib/errors.js'

/** Digest algorithms for checksum files. */
export type ChecksumAlgorithm = 'sha256' | 'sha512'

/** Every supported algorithm, for validating inputs. */
export const CHECKSUM_ALGORITHMS: readonly ChecksumAlgorithm[] = ['sha256', 'sha512']

/** Hex digits in one digest of each algorithm. */
export const DIGEST_HEX_LENGTH: Readonly<Record<ChecksumAlgorithm, number>> = {
  sha256: 64,
  sha512: 128
}

/** One line of a checksums file. */
export interface ChecksumLine {
  /** base name of the file, as `sha256sum -c` will open it from the checksums file's folder */
  name: string
  /** lowercase hex digest */
  digest: string
}

/** Hashes a file in one streaming pass for all requested algorithms (hex). */
export async function hashFile<A extends ChecksumAlgorithm>(
  path: string,
  algorithms: readonly A[]
): Promise<Record<A, string>> {
  const unique = [...new Set(algorithms)]
  for (const algorithm of unique) {
    if (!CHECKSUM_ALGORITHMS.includes(algorithm)) {
      throw new Error(
        `checksum algorithm "${String(algorithm)}" is not one of ${CHECKSUM_ALGORITHMS.join(', ')}`
      )
    }
  }
  const hashes = unique.map(algorithm => createHash(algorithm))
  try {
    for await (const chunk of createReadStream(path)) {
      for (const hash of hashes) hash.update(chunk as Buffer)
    }
  } catch (err) {
    throw new Error(`hashing ${path}: ${errorMessage(err)}`, { cause: err })
  }
  return Object.fromEntries(unique.map((a, i) => [a, hashes[i].digest('hex')])) as Record<A, string>
}

/**
 * Formats `sha256sum` output: '<hex>  <name>\n' per line, sorted by name (byte order), base
 * names only, LF; rejects duplicate names with different digests and names with '/', newline or
 * backslash. An empty list gives an empty string.
 */
export function formatChecksums(lines: ChecksumLine[]): string {
  return collect(lines.map(line => ({ line, where: `"${line.name}"` })))
    .map(line => `${line.digest}  ${line.name}\n`)
    .join('')
}

/** Parses a checksums file strictly (same format; a leg's file in mode: publish); errors name the line number. */
export function parseChecksums(text: string, algorithm: ChecksumAlgorithm): ChecksumLine[] {
  const hexLength = DIGEST_HEX_LENGTH[algorithm]
  if (hexLength === undefined)
    throw new Error(`checksum algorithm "${String(algorithm)}" is not supported`)
  if (text === '') return []
  const rows = text.split('\n')
  // A file cut short inside a name would otherwise parse as a shorter, wrong name.
  if (rows.pop() !== '')
    throw new Error(`line ${rows.length + 1}: no newline at the end (truncated file?)`)
  const seen = new Map<string, number>()
  return rows.map((row, i) => {
    const lineNo = i + 1
    const fail = (why: string): never => {
      throw new Error(`line ${lineNo}: ${why}`)
    }
    if (row.endsWith('\r')) fail('ends with CR (Windows line endings); expected LF only')
    const m = /^(\S+) (.)(.*)$/s.exec(row)
    if (!m) return fail(`expected "<${algorithm} hex>  <name>", got ${JSON.stringify(row)}`)
    const [, digest, mark, name] = m as unknown as [string, string, string, string]
    if (mark === '*') fail('binary-mode marker "*" is not used in this format; expected two spaces')
    if (mark !== ' ') fail(`expected two spaces after the digest, got ${JSON.stringify(row)}`)
    if (!/^[0-9a-f]+$/.test(digest)) fail(`digest "${digest}" is not lowercase hex`)
    if (digest.length !== hexLength) {
      fail(`digest has ${digest.length} hex digits; ${algorithm} has ${hexLength}`)
    }
    try {
      checkName(name)
    } catch (err) {
      fail(errorMessage(err))
    }
    const earlier = seen.get(name)
    if (earlier !== undefined) fail(`"${name}" is already listed on line ${earlier}`)
    seen.set(name, lineNo)
    return { name, digest }
  })
}

/** Validates lines, collapses identical duplicates, and sorts by name in UTF-8 byte order. */
function collect(items: { line: ChecksumLine; where: string }[]): ChecksumLine[] {
  const byName = new Map<string, { line: ChecksumLine; where: string }>()
  let hexLength: number | undefined
  for (const item of items) {
    const { name, digest } = item.line
    checkName(name)
    if (!/^[0-9a-f]+$/.test(digest) || !Object.values(DIGEST_HEX_LENGTH).includes(digest.length)) {
      throw new Error(
        `checksum for ${item.where}: "${digest}" is not a lowercase hex sha256 or sha512 digest`
      )
    }
    // One file holds one algorithm; sha256sum would reject the other lines as malformed.
    hexLength ??= digest.length
    if (digest.length !== hexLength) {
      throw new Error(
        `checksum for ${item.where} has ${digest.length} hex digits, others have ${hexLength}`
      )
    }
    const earlier = byName.get(name)
    if (earlier === undefined) byName.set(name, { line: { name, digest }, where: item.where })
    else if (earlier.line.digest !== digest) {
      throw new Error(
        `conflicting checksums for "${name}": ${earlier.line.digest} (${earlier.where}) vs ${digest} (${item.where})`
      )
    }
  }
  return [...byName.values()]
    .map(v => v.line)
    .sort((a, b) => Buffer.compare(Buffer.from(a.name, 'utf8'), Buffer.from(b.name, 'utf8')))
}

/**
 * Only base names: `sha256sum -c` resolves names from its working folder, and it escapes names
 * with backslash or newline by prefixing the line with '\', which other verifiers do not read.
 */
function checkName(name: string): void {
  const quoted = JSON.stringify(name)
  if (typeof name !== 'string' || name === '') throw new Error('checksum file name is empty')
  if (name.includes('/'))
    throw new Error(`checksum file name ${quoted} contains '/'; use base names`)
  if (name.includes('\\')) throw new Error(`checksum file name ${quoted} contains '\\'`)
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) {
    throw new Error(`checksum file name ${quoted} contains a newline or other control character`)
  }
  if (name === '.' || name === '..') throw new Error(`checksum file name ${quoted} is not a file`)
}

/** The message of an unknown thrown value. */
