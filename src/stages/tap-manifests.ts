import * as crypto from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { displayPath } from '../archive-files.js'
import { templateEnv } from '../build-env.js'
import { namingOf, type Context, type Stage } from '../context.js'
import { INPUT, type Inputs } from '../inputs/index.js'
import { originUrlOf, ownerRepoOf } from '../inputs/goreleaser-source.js'
import { errorMessage } from '../lib/errors.js'
import { manifestAssets, releaseValues, templateValues } from '../naming.js'
import { ApiError } from '../ports/github-client.js'
import { isPrereleaseTag, releaseTagOf, whyNoRelease } from '../release.js'
import {
  commitManifest,
  defaultInstall,
  filterOf,
  githubDownloadUrl,
  manifestPath,
  matchManpages,
  renderCask,
  renderFormula,
  renderScoop,
  selectAssets,
  proposeManifest,
  type ManifestEntry,
  type ManifestOutcome,
  type ManifestPackage
} from '../tap-manifests.js'
import { renderTemplate } from '../template.js'
import { binaryExtension } from '../targets.js'
import { tableSection } from '../lib/summary-doc.js'

/** Every manifest the inputs ask for, formulas first. */
const entriesOf = (inputs: Inputs): ManifestEntry[] => [
  ...inputs.homebrewFormulas,
  ...inputs.homebrewCasks,
  ...inputs.scoopManifests
]

const tokenInput = (e: ManifestEntry): string =>
  e.kind === 'scoop' ? INPUT.scoopToken : INPUT.homebrewToken
const tokenOf = (inputs: Inputs, e: ManifestEntry): string =>
  e.kind === 'scoop' ? inputs.scoopToken : inputs.homebrewToken

/** Why a repository an entry names cannot be used. */
function unreachable(e: ManifestEntry, repository: string, error: unknown): string {
  return error instanceof ApiError && (error.status === 404 || error.status === 401)
    ? `${e.label}.repository: ${repository} is not there, or ${tokenInput(e)} cannot see it (HTTP ${error.status})`
    : `${e.label}.repository: ${errorMessage(error)}`
}

/** The manifests this run will commit: none when it publishes no release. */
function committed(ctx: Context): ManifestEntry[] {
  const { inputs } = ctx
  if (whyNoRelease(inputs, ctx.ports.env, ctx.facts.wholeRelease) !== undefined) return []
  return entriesOf(inputs).filter(e => e.skipUpload !== 'true')
}

/**
 * Homebrew formulas and casks and Scoop manifests of the published release, GoReleaser's text
 * byte for byte, written to the dist folder and committed to their tap or bucket: only after the
 * release is published (a manifest must never point at missing files), never over a newer
 * version's, and not at all when the repository already holds the same bytes.
 */
export const publishManifests: Stage = {
  name: 'publishing install manifests',
  /** Before any build: a token for each repository, and one that may push there. */
  async prepare(ctx) {
    const problems: string[] = []
    const seen = new Set<string>()
    for (const e of committed(ctx)) {
      const token = tokenOf(ctx.inputs, e)
      const key = `${e.repository} ${tokenInput(e)}`
      if (seen.has(key)) continue
      seen.add(key)
      if (!token) {
        problems.push(
          `${tokenInput(e)}: empty; ${e.label} commits to ${e.repository}, which needs a token with contents: write on it (the job's GITHUB_TOKEN cannot write another repository)`
        )
        continue
      }
      try {
        const { canPush } = await ctx.ports.repoFiles(e.repository, token).describe()
        if (canPush === false)
          problems.push(
            `${tokenInput(e)}: may not push to ${e.repository} (${e.label}): give it contents: write there (a fine-grained token with "Contents: Read and write" on ${e.repository}, or a GitHub App's token)`
          )
      } catch (error) {
        problems.push(unreachable(e, e.repository, error))
      }
      // A pull request to another repository (a fork's branch proposed upstream): it must be there.
      const base = e.pullRequest?.repository
      if (base && base.toLowerCase() !== e.repository.toLowerCase()) {
        try {
          await ctx.ports.repoFiles(base, token).describe()
        } catch (error) {
          problems.push(unreachable(e, base, error))
        }
      }
    }
    return problems
  },
  skip(ctx) {
    if (entriesOf(ctx.inputs).length === 0) return 'no homebrew or scoop manifests asked for'
    if (!ctx.facts.wholeRelease && ctx.inputs.plannedTargets.length === 0)
      return `a ${INPUT.mode}: build leg; the publish job writes them`
    const release = ctx.published.release
    if (ctx.release && (!release || (release.draft && !ctx.inputs.draft)))
      return 'the release is not published by this job; the job that publishes it writes them'
    return undefined
  },
  async run(ctx) {
    const { inputs, facts, log } = ctx
    const env = ctx.ports.env
    const values = releaseValues(facts.stamp, facts.projectName, templateEnv(env, inputs.env))
    const render = (text: string): string => renderTemplate(text, values)
    const tag = releaseTagOf(inputs.releaseTag, env.GITHUB_REF) || facts.stamp.tag
    // The release's repository; outside Actions, the origin remote's (GoReleaser's choice).
    const repository =
      env.GITHUB_REPOSITORY || ownerRepoOf(originUrlOf(inputs.workingDirectory, inputs.workspace))
    const digests = await releaseDigests(ctx)
    const assets = manifestAssets(namingOf(ctx), facts.releasePlans, facts.archiveFiles).filter(a =>
      digests.has(a.name)
    )
    const commits = committed(ctx)
    const publish = ctx.release !== undefined && ctx.published.release?.draft === false
    const rows: string[][] = [['manifest', 'repository', 'file', 'outcome']]
    const failures: string[] = []

    for (const entry of entriesOf(inputs)) {
      let packages: ManifestPackage[]
      let text: string
      let file: string
      try {
        packages = selectAssets(assets, filterOf(entry)).map(a => {
          const artifact = {
            ...templateValues(
              facts.stamp,
              a.target,
              a.binary ?? a.binaries[0] ?? facts.projectName,
              facts.projectName,
              templateEnv(env, inputs.env, a.target)
            ),
            ArtifactName: a.name,
            ArtifactExt:
              a.format === 'binary'
                ? binaryExtension(a.target.goos, a.target.goarch)
                : `.${a.format}`
          }
          return {
            ...a,
            url: entry.urlTemplate
              ? renderTemplate(entry.urlTemplate, artifact)
              : githubDownloadUrl(
                  env.GITHUB_SERVER_URL || 'https://github.com',
                  repository,
                  tag,
                  a.name
                ),
            sha256: digests.get(a.name)!
          }
        })
        const name = render(entry.name || '{{ .ProjectName }}')
        const version = facts.stamp.version
        if (entry.kind === 'formula') {
          text = renderFormula(
            { ...entry.formula, name },
            version,
            packages.map(p => {
              const v = templateValues(
                facts.stamp,
                p.target,
                p.binary ?? p.binaries[0] ?? name,
                facts.projectName,
                templateEnv(env, inputs.env, p.target)
              )
              return {
                ...p,
                install: defaultInstall(
                  p,
                  renderTemplate(entry.install, v),
                  renderTemplate(entry.extraInstall, v)
                )
              }
            }),
            render
          )
        } else if (entry.kind === 'cask') {
          const { manpages, warning } = matchManpages(entry.manpages.map(render), packages)
          if (warning) log.warning(`${entry.label}.manpages: ${warning}`)
          text = renderCask(
            {
              ...entry.cask,
              name,
              manpages,
              binaries: entry.binaries.length > 0 ? entry.binaries.map(render) : [name]
            },
            version,
            packages,
            render
          )
        } else {
          text = renderScoop(
            {
              ...entry.scoop,
              name,
              description: render(entry.scoop.description),
              homepage: render(entry.scoop.homepage)
            },
            version,
            packages
          )
        }
        file = manifestPath(entry.kind, entry.directory, name)
      } catch (error) {
        failures.push(`${entry.label}: ${errorMessage(error)}`)
        continue
      }
      const local = path.join(inputs.dist, entry.kind === 'scoop' ? 'scoop' : 'homebrew', file)
      fs.mkdirSync(path.dirname(local), { recursive: true })
      fs.writeFileSync(local, text)
      log.info(
        `${entry.label}: wrote ${displayPath(inputs, local)} (${packages.length} files of the release)`
      )

      const why = !publish
        ? ctx.release
          ? 'not committed: the release is left a draft (draft: true), whose download URLs work for no one'
          : 'not committed: this run published no release'
        : !commits.includes(entry)
          ? `not committed: skip-upload is ${entry.skipUpload}`
          : entry.skipUpload === 'auto' && isPrereleaseTag(tag)
            ? 'not committed: a pre-release (skip-upload: auto)'
            : undefined
      if (why) {
        log.info(`${entry.label}: ${why}`)
        rows.push([entry.label, entry.repository, file, why])
        continue
      }
      try {
        const token = tokenOf(inputs, entry)
        const api = ctx.ports.repoFiles(entry.repository, token)
        const commit = {
          kind: entry.kind,
          path: file,
          content: Buffer.from(text),
          version: facts.stamp.version,
          message: render(entry.commitMessage),
          committer: {
            name: render(entry.commitAuthor.name),
            email: render(entry.commitAuthor.email)
          }
        }
        const pr = entry.pullRequest
        let said: string
        if (pr) {
          const base =
            pr.repository.toLowerCase() === entry.repository.toLowerCase()
              ? api
              : ctx.ports.repoFiles(pr.repository, token)
          const baseBranch = pr.branch || (await base.describe()).defaultBranch
          const headBranch = entry.branch || (await api.describe()).defaultBranch
          const outcome = await proposeManifest(api, base, {
            ...commit,
            headBranch,
            baseBranch,
            draft: pr.draft,
            body: `${file} for ${facts.projectName} ${tag}, written by go-xbuild-action from the release's files and their sha256 digests.`
          })
          said =
            outcome.outcome === 'proposed'
              ? `${outcome.existing ? 'pull request already open' : 'opened pull request'} #${outcome.number} (${outcome.url}) from ${headBranch}${outcome.commit ? `, committed ${outcome.commit.slice(0, 7)}` : ''}`
              : describeOutcome(outcome, `${pr.repository} ${baseBranch}`, facts.stamp.version)
        } else {
          const branch = entry.branch || (await api.describe()).defaultBranch
          const outcome = await commitManifest(api, { ...commit, branch })
          said = describeOutcome(outcome, branch, facts.stamp.version)
        }
        log.info(`${entry.label}: ${entry.repository} ${file}: ${said}`)
        rows.push([entry.label, entry.repository, file, said])
      } catch (error) {
        failures.push(`${entry.label}: ${entry.repository} ${file}: ${errorMessage(error)}`)
        rows.push([entry.label, entry.repository, file, 'failed'])
      }
    }
    await ctx.ports.outputs.writeSummary(tableSection('go-xbuild install manifests', rows))
    if (failures.length > 0)
      throw new Error(
        `install manifests: ${failures.length} failed (the release itself is published; run the job again to retry them):\n  ${failures.join('\n  ')}`
      )
  }
}

/** A commit's outcome in a sentence: where it went, or why nothing was written. */
function describeOutcome(outcome: ManifestOutcome, branch: string, version: string): string {
  switch (outcome.outcome) {
    case 'written':
      return `committed ${outcome.commit.slice(0, 7)} to ${branch}`
    case 'unchanged':
      return `unchanged: ${branch} already holds it`
    case 'newer-there':
      return `left as it is: ${branch} holds version ${outcome.version}, newer than ${version}`
    case 'proposed':
      return `pull request #${outcome.number} (${outcome.url})`
  }
}

/**
 * The sha256 of every file the release holds, by name: this job's own from its checksums, the
 * rest (other legs' files) from GitHub's digests, downloaded and hashed where GitHub has none.
 */
async function releaseDigests(ctx: Context): Promise<Map<string, string>> {
  const digests = new Map<string, string>()
  for (const a of ctx.artifacts.published())
    if (a.digests?.sha256) digests.set(a.name, a.digests.sha256)
  const plan = ctx.release
  if (!plan) return digests
  for (const asset of await plan.api.listAssets(plan.release.id)) {
    if (digests.has(asset.name) || asset.state !== 'uploaded') continue
    if (asset.digest?.startsWith('sha256:')) digests.set(asset.name, asset.digest.slice(7))
    else
      digests.set(
        asset.name,
        crypto
          .createHash('sha256')
          .update(await plan.api.downloadAsset(asset.id))
          .digest('hex')
      )
  }
  return digests
}
