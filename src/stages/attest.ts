import type { Artifact } from '../artifacts.js'
import { INPUT } from '../inputs/index.js'
import type { AttestationMade, Stage } from '../context.js'
import type { AttestationSubject } from '../ports/attest.js'
import { isForkPullRequest } from '../lib/run-event.js'
import { errorMessage } from '../lib/errors.js'
import { imageRepositories, imageSubjects } from '../image.js'
import { attest as attestOnce, PERMISSIONS } from '../attestation.js'

/** Subjects per attestation: actions/attest-build-provenance's limit, which this follows. */
export const ATTEST_BATCH = 1024

/** Servers with an OIDC issuer and Sigstore instance @actions/attest knows: github.com, GHE.com. */
const ATTESTING_SERVERS = /^https:\/\/(github\.com|[a-z0-9-]+\.ghe\.com)\/?$/

/**
 * The subjects of this job's attestations: every file its checksums file lists (archives or bare
 * binaries, SBOMs), named as published and in its order, with every digest the checksum stage
 * computed. Signature bundles and the checksums file itself are not listed in it, so not attested.
 */
export function attestationSubjects(published: readonly Artifact[]): AttestationSubject[] {
  // In the checksums file's order: by name, byte order.
  const byName = [...published].sort((x, y) =>
    Buffer.compare(Buffer.from(x.name), Buffer.from(y.name))
  )
  return byName.map(a => {
    const digest = Object.fromEntries(
      Object.entries(a.digests ?? {}).filter((e): e is [string, string] => e[1] !== undefined)
    )
    if (!digest.sha256 && !digest.sha512) throw new Error(`internal: ${a.name} has no digest`)
    return { name: a.name, digest }
  })
}

/** Splits the subjects into runs of at most `size`, in order. */
export function batches<T>(items: readonly T[], size = ATTEST_BATCH): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

/**
 * attest: one build-provenance attestation per {@link ATTEST_BATCH} files of this job's checksums
 * file, made before anything is uploaded, so a job that cannot attest publishes nothing. A
 * publish (fan-in) job attests every leg's files at once: give it, not the legs, the permissions.
 */
export const attest: Stage = {
  name: 'attesting build provenance',
  skip(ctx) {
    if (!ctx.inputs.attest) return `${INPUT.attest} is false`
    if (isForkPullRequest(ctx.ports.env)) {
      ctx.log.notice('attest: a pull request from a fork gets no OIDC token; no attestation')
      return 'pull request from a fork'
    }
    return undefined
  },
  /**
   * Before anything is built: the job must be able to get an OIDC token (GitHub sets
   * ACTIONS_ID_TOKEN_REQUEST_URL only with `id-token: write`) and have a token to store the
   * attestation with. A plan has no attest stage; a fork pull request skips (its token is
   * read-only and it gets no OIDC token), as it skips publishing.
   */
  async prepare(ctx) {
    const { inputs, ports } = ctx
    const problems: string[] = []
    if (!inputs.attest || isForkPullRequest(ports.env)) return problems
    if (!ports.env.ACTIONS_ID_TOKEN_REQUEST_URL || !ports.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN) {
      problems.push(
        `${INPUT.attest}: this job cannot get an OIDC token to sign attestations with; give the job ${PERMISSIONS} (outside GitHub Actions, leave ${INPUT.attest} false)`
      )
    }
    if (!inputs.githubToken) {
      problems.push(
        `${INPUT.attest}: storing attestations needs a token: set ${INPUT.githubToken} (the job's GITHUB_TOKEN with ${PERMISSIONS})`
      )
    }
    const server = ports.env.GITHUB_SERVER_URL || 'https://github.com'
    if (!ATTESTING_SERVERS.test(server)) {
      problems.push(
        `${INPUT.attest}: artifact attestations exist on github.com and GHE.com only, not on ${server} (GitHub Enterprise Server); leave ${INPUT.attest} false there`
      )
    }
    if (!ports.env.GITHUB_REPOSITORY) {
      problems.push(
        `${INPUT.attest}: GITHUB_REPOSITORY is not set; attestations belong to a repository`
      )
    }
    return problems
  },
  async run(ctx) {
    const { inputs } = ctx
    // The image (when there is one) by its index digest, under each repository's name; a matrix
    // leg's index is its own, never pushed: the publish job attests the image's.
    const image = ctx.image?.leg ? undefined : ctx.image?.written?.index
    const subjects = [
      ...attestationSubjects(ctx.artifacts.published()),
      ...imageSubjects(image, imageRepositories(inputs.image))
    ]
    const runs = batches(subjects)
    const made: AttestationMade[] = []
    for (const [i, run] of runs.entries()) {
      let one
      try {
        one = await attestOnce(ctx, run)
      } catch (error) {
        const done = made.length > 0 ? ` (${made.length} of ${runs.length} attestations made)` : ''
        throw new Error(`${INPUT.attest}: ${errorMessage(error)}${done}; nothing was uploaded`, {
          cause: error
        })
      }
      const { tlogId, ...recorded } = one
      made.push(recorded)
      ctx.log.info(
        `attestation ${i + 1}/${runs.length}: ${run.length} files${one.url ? `, ${one.url}` : ''}${tlogId !== undefined ? ` (Rekor log index ${tlogId})` : ''}`
      )
    }
    ctx.published.attestations = made
  }
}
