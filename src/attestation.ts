// Build-provenance attestations: what a failed call means, and one attestation made and
// described. Used by the attest stage (every file of a job) and by the image stage (the image
// index, when a self-publishing leg completes the release after the attest stage ran).
import type { AttestationMade, Context } from './context.js'
import type { AttestationSubject } from './ports/attest.js'
import { errorMessage } from './lib/errors.js'

/** The permissions block a job needs for attestations, quoted in every error about them. */
export const PERMISSIONS = '`permissions: id-token: write` and `attestations: write`'

/**
 * Says what to do about a failed attestation call. @actions/attest reports a missing OIDC token
 * as "Failed to get ID token" (or the signer's "error retrieving identity token") and a refused
 * store as "Failed to persist attestation: …" with GitHub's message.
 */
export function explainAttestFailure(message: string): string {
  // @sigstore/sign's words for a token that is not a JWT (the port has masked it).
  if (/invalid identity token/i.test(message)) {
    return `the identity token to sign with is not a JWT (${message})`
  }
  if (/Failed to get ID token|identity token/i.test(message)) {
    return `could not get the job's OIDC token (${message}); give the job ${PERMISSIONS}`
  }
  if (/Failed to persist attestation/.test(message)) {
    if (/Resource not accessible|\b403\b|forbidden/i.test(message)) {
      return `GitHub refused to store the attestation (${message}); give the job \`permissions: attestations: write\` (with \`id-token: write\`)`
    }
    return `GitHub did not store the attestation (${message}); attestations need a public repository, or GitHub Enterprise Cloud for private and internal ones`
  }
  return message
}

/**
 * One attestation of `subjects` through the attest port, with its URL on the repository's
 * attestations page ('' when GitHub gave no id); failures explained.
 */
export async function attest(
  ctx: Pick<Context, 'ports' | 'inputs'>,
  subjects: AttestationSubject[]
): Promise<AttestationMade & { tlogId?: string }> {
  let result
  try {
    result = await ctx.ports.attest({ subjects, token: ctx.inputs.githubToken })
  } catch (error) {
    throw new Error(explainAttestFailure(errorMessage(error)), {
      cause: error
    })
  }
  const server = ctx.ports.env.GITHUB_SERVER_URL || 'https://github.com'
  const url =
    result.id !== undefined
      ? `${server}/${ctx.ports.env.GITHUB_REPOSITORY}/attestations/${result.id}`
      : ''
  return {
    ...(result.id !== undefined ? { id: result.id } : {}),
    url,
    subjects: subjects.length,
    ...(result.tlogId !== undefined ? { tlogId: result.tlogId } : {})
  }
}
