import * as fs from 'node:fs'
import { githubClient, type GitHubClientOptions } from './github-client.js'
import type { LogPort } from './log.js'

export { ApiError, redact, toApiError } from './github-client.js'
/** Limits of the releases client. */
export type ReleaseApiOptions = GitHubClientOptions

/** The fields of a release the release stage reads. */
export interface ReleaseInfo {
  id: number
  tagName: string
  name: string | null
  draft: boolean
  prerelease: boolean
  /** published while the repository had immutable releases on: assets are frozen */
  immutable: boolean
  htmlUrl: string
  /** `https://uploads.github.com/repos/o/r/releases/1/assets{?name,label}` */
  uploadUrl: string
  assets: AssetInfo[]
}

/** The fields of a release asset the release stage reads. */
export interface AssetInfo {
  id: number
  name: string
  size: number
  /** `uploaded`, or `starter`/`open` for an upload that did not finish */
  state: string
  /** `sha256:<hex>`, null where the server has none (older GHES, starters) */
  digest: string | null
  browserDownloadUrl: string
}

/** The releases REST API of one repository. */
export interface ReleaseApi {
  owner: string
  repo: string
  /** Every release, drafts included (get-by-tag hides drafts), newest first. */
  listReleases(): Promise<ReleaseInfo[]>
  createRelease(params: CreateReleaseParams): Promise<ReleaseInfo>
  /** GitHub's generated notes (Markdown) of a release of `tag` at `target`, as create would write them. */
  generateNotes(tag: string, target: string): Promise<string>
  updateRelease(id: number, params: Partial<CreateReleaseParams>): Promise<ReleaseInfo>
  deleteRelease(id: number): Promise<void>
  listAssets(releaseId: number): Promise<AssetInfo[]>
  /** One upload attempt: the file is opened anew and streamed (memory does not grow with its size). */
  uploadAsset(release: ReleaseInfo, name: string, file: string): Promise<AssetInfo>
  deleteAsset(assetId: number): Promise<void>
  downloadAsset(assetId: number): Promise<Buffer>
}

/** Body of create-release (and the fields update-release takes). */
export interface CreateReleaseParams {
  tag_name: string
  target_commitish?: string
  name?: string
  body?: string
  draft?: boolean
  prerelease?: boolean
  generate_release_notes?: boolean
  make_latest?: 'true' | 'false' | 'legacy'
}

/**
 * The releases API of GITHUB_REPOSITORY on Octokit with the throttling and retry plugins (see
 * githubClient).
 */
export function githubReleaseApi(
  token: string,
  env: Readonly<Record<string, string | undefined>>,
  log: LogPort,
  options: ReleaseApiOptions = {}
): ReleaseApi {
  const [owner, repo] = (env.GITHUB_REPOSITORY ?? '').split('/')
  if (!owner || !repo) throw new Error('GITHUB_REPOSITORY is not set to owner/repo')
  const { octokit, call } = githubClient(token, env, log, options)
  const repoParams = { owner, repo }

  return {
    owner,
    repo,
    listReleases: () =>
      call('listing releases', async () =>
        (
          await octokit.paginate(octokit.rest.repos.listReleases, { ...repoParams, per_page: 100 })
        ).map(toRelease)
      ),
    createRelease: params =>
      call(`creating release ${params.tag_name}`, async () =>
        toRelease((await octokit.rest.repos.createRelease({ ...repoParams, ...params })).data)
      ),
    generateNotes: (tag, target) =>
      call(`generating the notes of ${tag}`, async () => {
        const out = await octokit.rest.repos.generateReleaseNotes({
          ...repoParams,
          tag_name: tag,
          target_commitish: target
        })
        return out.data.body
      }),
    updateRelease: (id, params) =>
      call(`updating release ${id}`, async () =>
        toRelease(
          (await octokit.rest.repos.updateRelease({ ...repoParams, release_id: id, ...params }))
            .data
        )
      ),
    deleteRelease: id =>
      call(`deleting release ${id}`, async () => {
        await octokit.rest.repos.deleteRelease({ ...repoParams, release_id: id })
      }),
    listAssets: releaseId =>
      call(`listing the assets of release ${releaseId}`, async () =>
        (
          await octokit.paginate(octokit.rest.repos.listReleaseAssets, {
            ...repoParams,
            release_id: releaseId,
            per_page: 100
          })
        ).map(toAsset)
      ),
    uploadAsset: (release, name, file) =>
      call(`uploading ${name}`, async () => {
        // Streamed from a fresh read of the file on every attempt: a 1 GiB asset read whole
        // peaked at 3.1 GiB RSS. GitHub requires Content-Length, so it comes from the file.
        const { size } = await fs.promises.stat(file)
        const body = fs.createReadStream(file)
        try {
          const response = await octokit.rest.repos.uploadReleaseAsset({
            ...repoParams,
            release_id: release.id,
            name,
            // The upload host comes from the release (GHES, tests): Octokit's default is uploads.github.com.
            baseUrl: uploadOrigin(release.uploadUrl),
            data: body as unknown as string,
            headers: { 'content-type': contentTypeOf(name), 'content-length': size },
            // A failed upload can leave a `starter` asset a plain retry would collide with (422):
            // the release stage retries uploads itself.
            request: { retries: 0 }
          })
          return toAsset(response.data)
        } finally {
          body.destroy()
        }
      }),
    deleteAsset: assetId =>
      call(`deleting asset ${assetId}`, async () => {
        await octokit.rest.repos.deleteReleaseAsset({ ...repoParams, asset_id: assetId })
      }),
    downloadAsset: assetId =>
      call(`downloading asset ${assetId}`, async () => {
        const response = await octokit.rest.repos.getReleaseAsset({
          ...repoParams,
          asset_id: assetId,
          headers: { accept: 'application/octet-stream' }
        })
        return Buffer.from(response.data as unknown as ArrayBuffer)
      })
  }
}

/** `https://uploads.github.com/repos/o/r/releases/1/assets{?name,label}` → `https://uploads.github.com`. */
export function uploadOrigin(uploadUrl: string): string {
  const i = uploadUrl.indexOf('/repos/')
  if (i < 0) throw new Error(`unexpected upload_url ${uploadUrl}`)
  return uploadUrl.slice(0, i)
}

/** Content type of an asset by its name. */
export function contentTypeOf(name: string): string {
  if (name.endsWith('.tar.gz') || name.endsWith('.tgz')) return 'application/gzip'
  if (name.endsWith('.tar.xz')) return 'application/x-xz'
  if (name.endsWith('.zip')) return 'application/zip'
  if (name.endsWith('.txt') || name.endsWith('.sha256') || name.endsWith('.sha512'))
    return 'text/plain'
  if (name.endsWith('.json')) return 'application/json'
  return 'application/octet-stream'
}

/* eslint-disable @typescript-eslint/no-explicit-any -- Octokit's response types, narrowed here */
function toRelease(r: any): ReleaseInfo {
  return {
    id: r.id,
    tagName: r.tag_name,
    name: r.name ?? null,
    draft: r.draft,
    prerelease: r.prerelease,
    immutable: r.immutable === true,
    htmlUrl: r.html_url,
    uploadUrl: r.upload_url,
    assets: (r.assets ?? []).map(toAsset)
  }
}

function toAsset(a: any): AssetInfo {
  return {
    id: a.id,
    name: a.name,
    size: a.size,
    state: a.state,
    digest: a.digest ?? null,
    browserDownloadUrl: a.browser_download_url
  }
}
/* eslint-enable @typescript-eslint/no-explicit-any */
