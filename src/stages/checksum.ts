import * as fs from 'node:fs'
import * as path from 'node:path'
import { formatChecksums, hashFile } from '../checksums.js'
import type { Stage } from '../context.js'
import { forEachLimit } from '../lib/concurrency.js'
import { checksumsFiles } from '../naming.js'

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
