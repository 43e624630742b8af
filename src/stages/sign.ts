import * as fs from 'node:fs'
import * as path from 'node:path'
import { cosignTempDir, signFile, verifyFile, type CosignSigner } from '../cosign.js'
import { INPUT } from '../inputs/index.js'
import type { Context, Stage } from '../context.js'
import { findOnPath } from '../lib/which.js'
import { bundleNameFor } from '../naming.js'

/** How to install the pinned cosign, for the error when it is missing. */
const INSTALL_HINT =
  'add `- uses: sigstore/cosign-installer@v3` before this step, or `go install github.com/sigstore/cosign/v3/cmd/cosign@v3.1.3`'

/** The signer of this run: the key, the password and cosign from the resolve stage. */
export function signerOf(ctx: Context): CosignSigner {
  const program = ctx.facts.cosign
  if (!program) throw new Error('internal: signing without cosign resolved')
  return {
    program,
    key: ctx.inputs.cosignKey,
    password: ctx.inputs.cosignPassword,
    tlog: ctx.inputs.cosignTlog,
    tempDir: cosignTempDir(ctx.ports.env),
    env: ctx.ports.env,
    process: ctx.ports.process,
    debug: message => ctx.log.debug(message)
  }
}

/**
 * Signs each checksums file in dist with `cosign sign-blob --bundle`, writing
 * `<checksums name>.sigstore.json` next to it, and checks the bundle verifies. This signs the
 * local file, which the workflow artifact holds; a release may merge other jobs' lines into its
 * checksums file, so the release stage signs that one again (publishSignatures in release-sign.ts).
 */
export const signChecksums: Stage = {
  name: 'signing checksums with cosign',
  skip: ctx => (ctx.inputs.cosignKey ? undefined : `${INPUT.cosignKey} is empty`),
  // cosign must be on PATH before anything is built (a plan has no signing stage: the legs and
  // the publish job need it).
  async prepare(ctx) {
    if (!ctx.inputs.cosignKey) return []
    const program = findOnPath('cosign', ctx.ports.env.PATH)
    if (!program) {
      return [
        `${INPUT.cosignKey}: set, but cosign is not on PATH; ${INSTALL_HINT} (or leave ${INPUT.cosignKey} empty to not sign)`
      ]
    }
    ctx.facts.cosign = program
    return []
  },
  async run(ctx) {
    const signer = signerOf(ctx)
    for (const sums of ctx.artifacts.byKind('checksums')) {
      const name = bundleNameFor(sums.name)
      const bundle = path.join(ctx.inputs.dist, name)
      await signFile(signer, sums.path, bundle)
      const problem = await verifyFile(signer, sums.path, bundle)
      if (problem) throw new Error(`${name} does not verify ${sums.name}: ${problem}`)
      ctx.artifacts.add({
        kind: 'signature',
        path: bundle,
        name,
        signs: sums.name,
        size: fs.statSync(bundle).size
      })
      ctx.log.info(
        `${name}: signed ${sums.name}${signer.tlog ? ' (recorded in the Rekor transparency log)' : ' (no transparency log: cosign-tlog is false)'}`
      )
    }
  }
}
