import { INPUT } from '../inputs/index.js'
import type { Context, Stage } from '../context.js'
import * as fs from 'node:fs'
import { ApiError, type ReleaseApi } from '../ports/release-api.js'
import {
  checkReleaseLimits,
  findOrCreateRelease,
  isPrereleaseTag,
  releaseBody,
  releaseTagOf,
  renderReleaseText,
  whyNoRelease,
  FORK_PULL_REQUEST,
  type ReleaseText
} from '../release.js'
import { InputError } from '../lib/errors.js'
import { releaseAssetNames, releaseValues } from '../naming.js'
import { templateEnv } from '../build-env.js'

/**
 * Settles the release before anything is built: a tag, a token that may write, no published
 * immutable release of the tag (its assets can never change), and the release itself, found by
 * listing or created as a draft. Fork pull requests build but never publish.
 */
export const preflight: Stage = {
  name: 'checking the release',
  check(ctx) {
    const problems: string[] = []
    releaseText(ctx, releaseTagOf(ctx.inputs.releaseTag, ctx.ports.env.GITHUB_REF) ?? '', problems)
    return problems
  },
  skip(ctx) {
    const reason = whyNoRelease(ctx.inputs, ctx.ports.env, ctx.facts.wholeRelease)
    if (reason === FORK_PULL_REQUEST)
      ctx.log.notice('release: a pull request from a fork never publishes; building only')
    return reason
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
    const names = releaseAssetNames(
      [...ctx.facts.releaseFiles, ...ctx.facts.releaseExtras.map(e => e.name)],
      inputs
    )
    const text = releaseText(ctx, tag, [])
    const notes = await releaseNotes(ctx, api, tag, text)
    try {
      // Created now, as a draft: a token that may not write fails here, before any build.
      const { release, created } = await findOrCreateRelease(
        api,
        tag,
        () => ({
          target_commitish: ctx.facts.stamp.commit,
          name: text.title,
          prerelease,
          ...notes
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

/** release-name, release-header and release-footer rendered for `tag`. */
function releaseText(ctx: Context, tag: string, problems: string[]): ReleaseText {
  const { stamp, projectName } = ctx.facts
  const values = releaseValues(stamp, projectName, templateEnv(ctx.ports.env, ctx.inputs.env))
  return renderReleaseText(ctx.inputs, tag, values, problems)
}

/**
 * The notes of a release this run creates: GitHub's generated ones, a file's, or none, with the
 * header above and the footer below. With a header or footer, generated notes are asked for
 * first (GitHub would only put a given body before them).
 */
async function releaseNotes(
  ctx: Context,
  api: ReleaseApi,
  tag: string,
  text: ReleaseText
): Promise<{ body?: string; generate_release_notes?: boolean }> {
  const { releaseNotes: notes } = ctx.inputs
  const framed = text.header !== '' || text.footer !== ''
  if (notes.kind === 'generate' && !framed) return { generate_release_notes: true }
  const body =
    notes.kind === 'generate'
      ? await api.generateNotes(tag, ctx.facts.stamp.commit)
      : notes.kind === 'file'
        ? fs.readFileSync(notes.path, 'utf8')
        : ''
  return framed ? { body: releaseBody(text.header, body, text.footer) } : body ? { body } : {}
}
