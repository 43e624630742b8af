import { ApiError, githubClient, type GitHubClientOptions } from './github-client.js'
import type { LogPort } from './log.js'

/** A file as a branch of a repository holds it. */
export interface RepoFile {
  /** the blob's sha, what an update must name */
  sha: string
  content: Buffer
}

/** Who a commit is by. */
export interface CommitPerson {
  name: string
  email: string
}

/** A file written in one commit. */
export interface FileWrite {
  path: string
  branch: string
  content: Buffer
  message: string
  /** the sha of the file it replaces; absent for a new file */
  sha?: string
  /** absent: GitHub makes the token's owner (or app) the committer */
  committer?: CommitPerson
}

/**
 * Files of another repository (a Homebrew tap, a Scoop bucket) through GitHub's contents and git
 * references APIs, with a token of its own. Failures are ApiError: 409 or 422 on a
 * write when the file changed since it was read.
 */
export interface RepoFilesApi {
  owner: string
  repo: string
  /** The default branch, and whether the token may push (undefined when GitHub does not say). */
  describe(): Promise<{ defaultBranch: string; canPush: boolean | undefined }>
  /** The file on `ref`, undefined when there is none. */
  readFile(path: string, ref: string): Promise<RepoFile | undefined>
  /** Writes the file in one commit; answers the commit's sha and web URL. */
  writeFile(write: FileWrite): Promise<{ commit: string; url: string }>
  /** The commit a branch points at, undefined when there is no such branch. */
  branchHead(branch: string): Promise<string | undefined>
  /** Creates a branch at `sha`. */
  createBranch(branch: string, sha: string): Promise<void>
  /**
   * Opens a pull request in this repository from `head` (`branch`, or `owner:branch` of a fork)
   * to `base`; when one is open already between them, answers it (`existing`).
   */
  openPullRequest(pr: {
    head: string
    base: string
    title: string
    body: string
    draft: boolean
  }): Promise<{ number: number; url: string; existing: boolean }>
}

/** GitHub's 422 when an open pull request joins the same branches. */
const alreadyOpen = (error: unknown): boolean =>
  error instanceof ApiError && error.status === 422 && /already exists/i.test(error.message)

const notFound = (error: unknown): boolean => error instanceof ApiError && error.status === 404

/** The files API of `owner/repo` on GITHUB_API_URL, authenticated with `token`. */
export function githubRepoFiles(
  repository: string,
  token: string,
  env: Readonly<Record<string, string | undefined>>,
  log: LogPort,
  options: GitHubClientOptions = {}
): RepoFilesApi {
  const [owner = '', repo = ''] = repository.split('/')
  const { octokit, call } = githubClient(token, env, log, options)
  const params = { owner, repo }
  const orUndefined = async <T>(fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await fn()
    } catch (error) {
      if (notFound(error)) return undefined
      throw error
    }
  }
  return {
    owner,
    repo,
    describe: () =>
      call(`reading repository ${repository}`, async () => {
        const { data } = await octokit.rest.repos.get(params)
        return { defaultBranch: data.default_branch, canPush: data.permissions?.push }
      }),
    readFile: (path, ref) =>
      orUndefined(() =>
        call(`reading ${path} of ${repository}`, async () => {
          const { data } = await octokit.rest.repos.getContent({ ...params, path, ref })
          if (Array.isArray(data) || data.type !== 'file')
            throw new ApiError(0, `${path} of ${repository} is not a file`)
          const content =
            'content' in data && typeof data.content === 'string'
              ? Buffer.from(data.content, 'base64')
              : Buffer.alloc(0)
          return { sha: data.sha, content }
        })
      ),
    writeFile: w =>
      call(`writing ${w.path} to ${repository}`, async () => {
        const { data } = await octokit.rest.repos.createOrUpdateFileContents({
          ...params,
          path: w.path,
          branch: w.branch,
          message: w.message,
          content: w.content.toString('base64'),
          ...(w.sha ? { sha: w.sha } : {}),
          ...(w.committer ? { committer: w.committer } : {}),
          // A conflict is answered by the caller reading the file again, not by a plain retry.
          request: { retries: 0 }
        })
        return { commit: data.commit.sha ?? '', url: data.commit.html_url ?? '' }
      }),
    branchHead: branch =>
      orUndefined(() =>
        call(`reading branch ${branch} of ${repository}`, async () => {
          const { data } = await octokit.rest.git.getRef({ ...params, ref: `heads/${branch}` })
          return data.object.sha
        })
      ),
    createBranch: (branch, sha) =>
      call(`creating branch ${branch} of ${repository}`, async () => {
        await octokit.rest.git.createRef({ ...params, ref: `refs/heads/${branch}`, sha })
      }),
    openPullRequest: async pr => {
      try {
        return await call(`opening a pull request to ${repository}`, async () => {
          const { data } = await octokit.rest.pulls.create({
            ...params,
            head: pr.head,
            base: pr.base,
            title: pr.title,
            body: pr.body,
            draft: pr.draft
          })
          return { number: data.number, url: data.html_url, existing: false }
        })
      } catch (error) {
        if (!alreadyOpen(error)) throw error
      }
      return call(`reading the pull requests of ${repository}`, async () => {
        // `head` filters by `owner:branch` (the pulls list docs), also for the same repository.
        const { data } = await octokit.rest.pulls.list({
          ...params,
          head: pr.head.includes(':') ? pr.head : `${owner}:${pr.head}`,
          base: pr.base,
          state: 'open'
        })
        const open = data[0]
        if (!open)
          throw new ApiError(
            422,
            `a pull request from ${pr.head} is said to exist, but none is open`
          )
        return { number: open.number, url: open.html_url, existing: true }
      })
    }
  }
}
