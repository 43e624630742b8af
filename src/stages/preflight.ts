import { INPUT } from '../inputs/index.js'
import type { Stage } from '../context.js'
import * as fs from 'node:fs'
import { ApiError } from '../ports/release-api.js'
import {
  checkReleaseLimits,
  findOrCreateRelease,
  isPrereleaseTag,
  releaseTagOf
} from '../release.js'
import { isForkPullRequest } from '../lib/run-event.js'
import { InputError } from '../lib/errors.js'
import { releaseAssetNames } from '../naming.js'

/**
 * Settles the release before anything is built: a tag, a token that may write, no published
 * immutable release of the tag (its assets can never change), and the release itself, found by
 * listing or created as a draft. Fork pull requests build but never publish.
 */
export const preflight: Stage = {
  name: 'checking the release',
  skip(ctx) {
    const { inputs } = ctx
    if (inputs.release === 'false') return `${INPUT.release} is false`
    // A matrix leg's release: auto stays off: the fan-in (or a leg told release: true) publishes.
    if (!ctx.facts.wholeRelease && inputs.release === 'auto') {
      return `a ${INPUT.mode}: build leg publishes only with ${INPUT.release}: true`
    }
    const tag = releaseTagOf(inputs.releaseTag, ctx.ports.env.GITHUB_REF)
    if (!tag) {
      return inputs.release === 'auto'
        ? 'the ref is not a tag (release: auto publishes tag runs)'
        : undefined
    }
    if (!inputs.githubToken && inputs.release === 'auto') return `no ${INPUT.githubToken} given`
    if (isForkPullRequest(ctx.ports.env)) {
      ctx.log.notice('release: a pull request from a fork never publishes; building only')
      return 'pull request from a fork'
    }
    return undefined
  },
  async run(ctx) {
    const { inputs, ports } = ctx
    const tag = releaseTagOf(inputs.releaseTag, ports.env.GITHUB_REF)
    if (!tag) {
      throw new InputError([
        `${INPUT.release}: "true" needs a tag: set ${INPUT.releaseTag} or run on a tag ref`
      ])
    }
    if (!inputs.githubToken) {
      throw new InputError([`${INPUT.githubToken}: empty; publishing ${tag} needs a token`])
    }
    const api = ports.releaseApi(inputs.githubToken)
    const prerelease =
      inputs.prerelease === 'auto' ? isPrereleaseTag(tag) : inputs.prerelease === 'true'
    // The number of files is known now, their sizes only after packaging (release-limits stage).
    const names = releaseAssetNames(ctx.facts.releaseFiles, inputs)
    try {
      // Created now, as a draft: a token that may not write fails here, before any build.
      const { release, created } = await findOrCreateRelease(
        api,
        tag,
        () => ({
          target_commitish: ctx.facts.stamp.commit,
          name: inputs.releaseName || tag,
          prerelease,
          ...(inputs.releaseNotes.kind === 'generate'
            ? { generate_release_notes: true }
            : inputs.releaseNotes.kind === 'file'
              ? { body: fs.readFileSync(inputs.releaseNotes.path, 'utf8') }
              : {})
        }),
        ctx.log,
        names
      )
      const limits = checkReleaseLimits(
        names.map(name => ({ name })),
        release.assets
      )
      if (limits.length > 0) {
        throw new Error(`release ${tag}: before building:\n  ${limits.join('\n  ')}`)
      }
      ctx.release = { api, tag, prerelease, release, created }
    } catch (error) {
      if (error instanceof ApiError && error.status === 403 && !isRateLimit(error)) {
        throw new Error(
          `release ${tag}: the token may not write releases of ${api.owner}/${api.repo} (${error.message}); give the job \`permissions: contents: write\``,
          { cause: error }
        )
      }
      throw error
    }
  }
}

/** A 403 that is a rate limit, not a missing permission. */
function isRateLimit(error: ApiError): boolean {
  return /rate limit/i.test(error.message)
}
