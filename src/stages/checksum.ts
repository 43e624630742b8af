import * as fs from 'node:fs'
import * as path from 'node:path'
import { formatChecksums, hashFile, type ChecksumAlgorithm } from '../checksums.js'
import type { Inputs } from '../inputs.js'
import type { Stage } from '../context.js'
import { forEachLimit } from '../lib/concurrency.js'

/** Hashes every archive and SBOM once for all algorithms and writes one sha*sum-format file per algorithm. */
export const checksum: Stage = {
  name: 'writing checksums',
  async run(ctx) {
    const { inputs } = ctx
    const archives = ctx.artifacts.published()
    await forEachLimit(archives, inputs.parallelism, async artifact => {
      artifact.digests = await hashFile(artifact.path, inputs.checksumAlgorithms)
    })
    for (const { name, algorithm } of checksumsFiles(inputs)) {
      const text = formatChecksums(
        archives.map(a => ({ name: a.name, digest: a.digests![algorithm]! }))
      )
      const dest = path.join(inputs.dist, name)
      fs.writeFileSync(dest, text)
      fs.utimesSync(dest, ctx.facts.stamp.epoch, ctx.facts.stamp.epoch)
      ctx.artifacts.add({ kind: 'checksums', path: dest, name, size: Buffer.byteLength(text) })
      ctx.log.info(`${name}: ${archives.length} ${algorithm} lines`)
    }
  }
}

/** The checksums files a run writes: checksums-name for the first algorithm, derived names after. */
export function checksumsFiles(
  inputs: Pick<Inputs, 'checksumsName' | 'checksumAlgorithms'>
): { name: string; algorithm: ChecksumAlgorithm }[] {
  return inputs.checksumAlgorithms.map((algorithm, i) => ({
    name: i === 0 ? inputs.checksumsName : checksumsNameFor(inputs.checksumsName, algorithm),
    algorithm
  }))
}

/** checksums.txt → checksums.sha512.txt: the name of a further algorithm's file. */
export function checksumsNameFor(base: string, algorithm: string): string {
  const ext = path.extname(base)
  return ext ? `${base.slice(0, -ext.length)}.${algorithm}${ext}` : `${base}.${algorithm}`
}
