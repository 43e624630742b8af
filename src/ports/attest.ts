import { guardNodeHttp, networkTimeouts } from '../lib/net-timeouts.js'

/** One file an attestation is about: its published name and its digests (hex, by algorithm). */
export interface AttestationSubject {
  name: string
  digest: Record<string, string>
}

/** What one attestation call made. */
export interface AttestationResult {
  /** the id GitHub stored it under (absent when it was not stored) */
  id?: number
  /** the transparency log index of its signature (public-good Rekor), when there is one */
  tlogId?: string
}

/**
 * Makes one SLSA v1 build-provenance attestation of the subjects: the predicate from the job's
 * OIDC token claims, signed with a Fulcio certificate for that token, witnessed by Rekor (public
 * repositories) or GitHub's timestamp authority (private ones), and stored through
 * `POST /repos/{owner}/{repo}/attestations` with the token.
 */
export type AttestPort = (request: {
  subjects: AttestationSubject[]
  token: string
}) => Promise<AttestationResult>

/** The real port: @actions/attest, which reads the runner's environment (GITHUB_*, ACTIONS_ID_TOKEN_*). */
export const actionsAttest: AttestPort = async ({ subjects, token }) => {
  // Loaded on first use: the library and its Sigstore client are a third of the bundle, and
  // most runs do not attest (the bundle keeps it in a chunk of its own).
  const { attestProvenance } = await import('@actions/attest')
  // The OIDC token and its issuer's keys come through @actions/http-client (node http): bounded
  // like the cache's. Sigstore's clients bound each request to 10 s and retry 3 times; the
  // store call is Octokit on undici's defaults (connect 10 s, headers and body idle 300 s).
  guardNodeHttp(networkTimeouts(process.env))
  const made = await attestProvenance({ subjects, token })
  return {
    ...(made.attestationID !== undefined ? { id: Number(made.attestationID) } : {}),
    ...(made.tlogID !== undefined ? { tlogId: made.tlogID } : {})
  }
}
