import * as core from '@actions/core'
import { errorMessage } from '../lib/errors.js'
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

/**
 * The real port: @actions/attest, which reads the runner's environment (GITHUB_*,
 * ACTIONS_ID_TOKEN_*). `identityToken` is the SIGSTORE_ID_TOKEN the job's environment held at
 * start (run.ts takes it out of the environment); without one, the port fetches the job's OIDC
 * token for the `sigstore` audience itself.
 */
export function actionsAttest(options: { identityToken?: string } = {}): AttestPort {
  return async ({ subjects, token }) => {
    // Loaded on first use: the library and its Sigstore client are a third of the bundle, and
    // most runs do not attest (the bundle keeps it in a chunk of its own).
    const { attest, buildSLSAProvenancePredicate } = await import('@actions/attest')
    // The OIDC tokens and the issuer's keys come through @actions/http-client (node http):
    // bounded like the cache's. Sigstore's clients bound each request to 10 s and retry 3 times;
    // the store call is Octokit on undici's defaults (connect 10 s, headers and body idle 300 s).
    guardNodeHttp(networkTimeouts(process.env))
    // The predicate's claims come from a token @actions/core fetches, and masks.
    const predicate = await buildSLSAProvenancePredicate()
    // @sigstore/sign would fetch its own `sigstore` token and never mask it; it prints a
    // malformed one whole ("invalid identity token: <token>"). Fetched here, core masks it.
    const identity = options.identityToken || (await sigstoreToken())
    try {
      const made = await withIdentityToken(identity, () =>
        attest({ subjects, token, predicateType: predicate.type, predicate: predicate.params })
      )
      return {
        ...(made.attestationID !== undefined ? { id: Number(made.attestationID) } : {}),
        ...(made.tlogID !== undefined ? { tlogId: made.tlogID } : {})
      }
    } catch (error) {
      const from = options.identityToken ? " (SIGSTORE_ID_TOKEN of the job's environment)" : ''
      // eslint-disable-next-line preserve-caught-error -- no cause: the caught error holds the token
      throw new Error(redact(errorMessage(error), identity) + from)
    }
  }
}

/** The job's OIDC token for Fulcio; @actions/core masks it (`::add-mask::`) as it arrives. */
async function sigstoreToken(): Promise<string> {
  try {
    return await core.getIDToken('sigstore')
  } catch (error) {
    // Worded as @actions/attest words it, which explainAttestFailure recognises.
    throw new Error(`Failed to get ID token: ${errorMessage(error)}`, { cause: error })
  }
}

/**
 * Runs `sign` with the token as SIGSTORE_ID_TOKEN, the variable @sigstore/sign's CI identity
 * provider reads, and without ACTIONS_ID_TOKEN_REQUEST_URL, so its other provider cannot fetch a
 * second, unmasked token; both restored afterwards. Nothing else runs meanwhile: stages run one
 * at a time.
 */
async function withIdentityToken<T>(identity: string, sign: () => Promise<T>): Promise<T> {
  const saved = {
    SIGSTORE_ID_TOKEN: process.env.SIGSTORE_ID_TOKEN,
    ACTIONS_ID_TOKEN_REQUEST_URL: process.env.ACTIONS_ID_TOKEN_REQUEST_URL
  }
  process.env.SIGSTORE_ID_TOKEN = identity
  delete process.env.ACTIONS_ID_TOKEN_REQUEST_URL
  try {
    return await sign()
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
  }
}

/** The message with the token (and each of its lines) replaced by `***`, as the runner shows it. */
export function redact(message: string, secret: string): string {
  let text = message
  for (const s of [secret, ...secret.split(/\r?\n/)].filter(s => s.trim().length >= 4)) {
    text = text.split(s).join('***')
  }
  return text
}
