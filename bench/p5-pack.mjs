// P5 worker: packs and hashes archives with the project's own code, the way the package and
// checksum stages do (forEachLimit over the targets, `parallelism` at a time), in a fresh Node
// process like the CLI's. Usage: node bench/p5-pack.mjs <job.json>; prints its timings as JSON.
import * as fs from 'node:fs'
import * as path from 'node:path'
import { performance } from 'node:perf_hooks'
import { writeArchive } from '../build/src/archive.js'
import { formatChecksums, hashFile } from '../build/src/checksums.js'
import { forEachLimit } from '../build/src/lib/concurrency.js'

const job = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'))
const mtime = new Date(job.epoch * 1000)

const started = performance.now()
const sizes = []
await forEachLimit(job.archives, job.parallelism, async (archive, i) => {
  sizes[i] = await writeArchive(archive.format, archive.entries, archive.dest, mtime)
})
const packed = performance.now()
const digests = []
await forEachLimit(job.archives, job.parallelism, async (archive, i) => {
  digests[i] = (await hashFile(archive.dest, ['sha256'])).sha256
})
const text = formatChecksums(
  job.archives.map((a, i) => ({ name: path.basename(a.dest), digest: digests[i] }))
)
fs.writeFileSync(path.join(job.dist, 'checksums.txt'), text)
const done = performance.now()

process.stdout.write(
  JSON.stringify({
    packMs: packed - started,
    hashMs: done - packed,
    totalMs: done - started,
    sizes
  })
)
