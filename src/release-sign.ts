import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import type { Artifact } from './artifacts.js'
import { signFile, verifyFile, type CosignSigner } from './cosign.js'
import type { Context } from './context.js'
import { uploadAsset, type ReleasePlan } from './release.js'
import { signerOf } from './stages/sign.js'

/** Rounds of sign → upload → verify while other jobs may still rewrite the checksums file. */
const SIGN_ROUNDS = 5

/**
 * After the checksums merge: signs the checksums files as they are on the release (other legs'
 * and earlier runs' lines included), uploads each bundle and verifies it against the release's
 * bytes, before the release is published. A bundle already on the release that verifies is kept.
 * Returns the problems (the release then stays a draft).
 */
export async function publishSignatures(ctx: Context, plan: ReleasePlan): Promise<string[]> {
  const signatures = ctx.artifacts.byKind('signature')
  if (signatures.length === 0) return []
  const signer = signerOf(ctx)
  fs.mkdirSync(signer.tempDir, { recursive: true })
  const { release } = plan
  const problems: string[] = []
  for (const sig of signatures) {
    const sums = ctx.artifacts.byKind('checksums').find(c => c.name === sig.signs)!
    let problem: string | undefined = `${sig.name}: not verified`
    for (let round = 1; round <= SIGN_ROUNDS && problem; round++) {
      problem = await signRound(ctx, plan, signer, sums, sig)
      if (problem) ctx.log.info(`${sig.name}: ${problem}; signing again`)
    }
    if (problem) problems.push(problem)
    else ctx.log.info(`${sig.name}: verifies ${sums.name} of release ${release.id}`)
  }
  return problems
}

/** One round: the release's checksums bytes → local file → bundle (reused or new) → upload → verify. */
async function signRound(
  ctx: Context,
  plan: ReleasePlan,
  signer: CosignSigner,
  sums: Artifact,
  sig: Artifact
): Promise<string | undefined> {
  const { api, release } = plan
  const assets = await api.listAssets(release.id)
  const onRelease = assets.find(a => a.name === sums.name && a.state === 'uploaded')
  if (!onRelease) return `${sums.name} is not on the release`
  const bytes = await api.downloadAsset(onRelease.id)
  // dist then holds what the release holds; the bundle signs these bytes.
  const changed = !fs.readFileSync(sums.path).equals(bytes)
  if (changed) fs.writeFileSync(sums.path, bytes)
  const existing = assets.find(a => a.name === sig.name)
  let reuse = false
  if (existing?.state === 'uploaded') {
    // Downloaded outside dist, so a failure leaves no stray file among the outputs.
    const dir = fs.mkdtempSync(path.join(signer.tempDir, 'go-xbuild-bundle-'))
    try {
      const tmp = path.join(dir, sig.name)
      fs.writeFileSync(tmp, await api.downloadAsset(existing.id))
      reuse = (await verifyFile(signer, sums.path, tmp)) === undefined
      if (reuse) fs.copyFileSync(tmp, sig.path)
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }
  if (!reuse) {
    // publishChecksums may have rewritten the local file too: sign what is there now.
    await signFile(signer, sums.path, sig.path)
    const data = fs.readFileSync(sig.path)
    await uploadAsset(
      api,
      release,
      {
        name: sig.name,
        path: sig.path,
        size: data.length,
        sha256: createHash('sha256').update(data).digest('hex')
      },
      existing,
      // A bundle is derived from the checksums file, like it: always replaced.
      'replace',
      ctx.ports.clock.sleep,
      ctx.log
    )
    ctx.log.info(`${sig.name}: uploaded, signing ${sums.name} of the release`)
  }
  sig.size = fs.statSync(sig.path).size
  // Read both back: what a user downloads must verify.
  const after = await api.listAssets(release.id)
  const sumsAsset = after.find(a => a.name === sums.name)
  const sigAsset = after.find(a => a.name === sig.name)
  if (!sumsAsset || !sigAsset) return `${sums.name} or ${sig.name} is not on the release`
  const dir = fs.mkdtempSync(path.join(signer.tempDir, 'go-xbuild-verify-'))
  try {
    const file = path.join(dir, sums.name)
    const bundle = path.join(dir, sig.name)
    fs.writeFileSync(file, await api.downloadAsset(sumsAsset.id))
    fs.writeFileSync(bundle, await api.downloadAsset(sigAsset.id))
    const problem = await verifyFile(signer, file, bundle)
    return problem && `${sig.name} on the release does not verify its ${sums.name}: ${problem}`
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}
