import * as crypto from 'node:crypto'

/**
 * Other repositories of the loopback GitHub service, holding files on branches: a Homebrew tap or
 * a Scoop bucket the action commits manifests to (issue 17). It answers the contents API
 * (get and create-or-update a file), git references (get, create), pull requests (create, list)
 * and get-a-repository the way
 * GitHub's REST docs describe them; github.ts routes to it and checks every answer against the
 * OpenAPI description like its own. Sources beside each rule.
 */

/** A repository to put in place before a test runs. */
export interface RepoSeed {
  owner: string
  repo: string
  /** default `main` */
  defaultBranch?: string
  /** files on the default branch, path → text: one commit `seed` holds them */
  files?: Record<string, string>
}

/** One commit of a stored repository. */
export interface RepoCommitView {
  sha: string
  message: string
  committer: { name: string; email: string }
  /** the paths whose content differs from the parent's */
  changed: string[]
}

/** An error the service answers with GitHub's JSON error shape. */
export type Fail = (status: number, message: string, extra?: Record<string, unknown>) => Error

interface Commit {
  sha: string
  parent?: string
  message: string
  committer: { name: string; email: string; date: string }
  /** the whole tree: path → blob sha */
  tree: Map<string, string>
}

/** A pull request, as the repository it goes to keeps it. */
interface Pull {
  number: number
  /** the repository the branch is in */
  head: Repo
  headBranch: string
  baseBranch: string
  title: string
  body: string
  draft: boolean
  createdAt: Date
}

/** What a test sees of a pull request. */
export interface PullView {
  number: number
  /** `owner:branch` */
  head: string
  base: string
  title: string
  body: string
  draft: boolean
}

interface Repo {
  id: number
  pulls: Pull[]
  owner: string
  name: string
  defaultBranch: string
  branches: Map<string, string>
  commits: Map<string, Commit>
  blobs: Map<string, Buffer>
  createdAt: Date
}

/** git's blob id of `data`, what the contents API calls a file's sha. */
export function gitBlobSha(data: Buffer): string {
  return crypto
    .createHash('sha1')
    .update(Buffer.concat([Buffer.from(`blob ${data.length}\0`), data]))
    .digest('hex')
}

const iso = (d: Date): string => d.toISOString().replace(/\.\d{3}Z$/, 'Z')
const nodeId = (prefix: string, id: string | number): string =>
  `${prefix}_kwDO${Buffer.from(String(id)).toString('base64url')}`
const BOT = {
  name: 'github-actions[bot]',
  email: '41898282+github-actions[bot]@users.noreply.github.com'
}

/** The repositories, their branches and commits, and the JSON GitHub answers about them. */
export class RepoStore {
  private readonly repos: Repo[] = []
  private nextId = 700001
  /** pushes made just before the next write to their repository: a writer racing the client */
  private readonly racing: { repo: Repo; path: string; text: string }[] = []

  constructor(
    private readonly urls: () => { api: string; web: string },
    private readonly fail: Fail
  ) {}

  add(seed: RepoSeed): void {
    const repo: Repo = {
      id: this.nextId++,
      owner: seed.owner,
      name: seed.repo,
      defaultBranch: seed.defaultBranch ?? 'main',
      branches: new Map(),
      commits: new Map(),
      blobs: new Map(),
      pulls: [],
      createdAt: new Date()
    }
    const tree = new Map<string, string>()
    for (const [p, text] of Object.entries(seed.files ?? {}))
      tree.set(p, this.blob(repo, Buffer.from(text)))
    const root = this.commit(repo, undefined, 'seed', tree, { ...BOT, date: iso(new Date()) })
    repo.branches.set(repo.defaultBranch, root.sha)
    this.repos.push(repo)
  }

  /** The stored repository, undefined for one the service does not hold. Names ignore case. */
  find(owner: string, name: string): Repo | undefined {
    return this.repos.find(
      r =>
        r.owner.toLowerCase() === owner.toLowerCase() && r.name.toLowerCase() === name.toLowerCase()
    )
  }

  // ---- views for tests ----

  /** The file's text on a branch (default: the default branch), undefined when absent. */
  file(owner: string, name: string, path: string, branch?: string): string | undefined {
    const repo = this.must(owner, name)
    const head = repo.branches.get(branch ?? repo.defaultBranch)
    const sha = head ? repo.commits.get(head)!.tree.get(path) : undefined
    return sha ? repo.blobs.get(sha)!.toString('utf8') : undefined
  }

  /** The commits of a branch, newest first, without the seed. */
  log(owner: string, name: string, branch?: string): RepoCommitView[] {
    const repo = this.must(owner, name)
    const out: RepoCommitView[] = []
    let sha = repo.branches.get(branch ?? repo.defaultBranch)
    while (sha) {
      const c = repo.commits.get(sha)!
      if (!c.parent) break
      const parent = repo.commits.get(c.parent)!
      const paths = new Set([...c.tree.keys(), ...parent.tree.keys()])
      out.push({
        sha: c.sha,
        message: c.message,
        committer: { name: c.committer.name, email: c.committer.email },
        changed: [...paths].filter(p => c.tree.get(p) !== parent.tree.get(p)).sort()
      })
      sha = c.parent
    }
    return out
  }

  /** Commits a file as someone else would (a concurrent release, a maintainer's edit). */
  push(owner: string, name: string, path: string, text: string, branch?: string): void {
    const repo = this.must(owner, name)
    const b = branch ?? repo.defaultBranch
    const head = repo.commits.get(repo.branches.get(b)!)!
    const tree = new Map(head.tree)
    tree.set(path, this.blob(repo, Buffer.from(text)))
    const c = this.commit(repo, head.sha, `edit ${path}`, tree, { ...BOT, date: iso(new Date()) })
    repo.branches.set(b, c.sha)
  }

  /**
   * Someone else commits `text` to `path` on the default branch right before the next write to
   * the repository is processed, after the client read the file: its write names a stale sha.
   */
  interleave(owner: string, name: string, path: string, text: string): void {
    this.racing.push({ repo: this.must(owner, name), path, text })
  }

  /** The open pull requests to a repository, oldest first. */
  pulls(owner: string, name: string): PullView[] {
    return this.must(owner, name).pulls.map(p => ({
      number: p.number,
      head: `${p.head.owner}:${p.headBranch}`,
      base: p.baseBranch,
      title: p.title,
      body: p.body,
      draft: p.draft
    }))
  }

  branches(owner: string, name: string): string[] {
    return [...this.must(owner, name).branches.keys()]
  }

  // ---- the API ----

  /** GET /repos/{owner}/{repo} (full-repository), `push` as the token may. */
  get(repo: Repo, canPush: boolean): Record<string, unknown> {
    const { api, web } = this.urls()
    const full = `${repo.owner}/${repo.name}`
    const u = `${api}/repos/${full}`
    const owner = {
      login: repo.owner,
      id: 9000 + repo.id,
      node_id: nodeId('O', repo.owner),
      avatar_url: `${web}/avatars/${repo.owner}`,
      gravatar_id: '',
      url: `${api}/users/${repo.owner}`,
      html_url: `${web}/${repo.owner}`,
      followers_url: `${api}/users/${repo.owner}/followers`,
      following_url: `${api}/users/${repo.owner}/following{/other_user}`,
      gists_url: `${api}/users/${repo.owner}/gists{/gist_id}`,
      starred_url: `${api}/users/${repo.owner}/starred{/owner}{/repo}`,
      subscriptions_url: `${api}/users/${repo.owner}/subscriptions`,
      organizations_url: `${api}/users/${repo.owner}/orgs`,
      repos_url: `${api}/users/${repo.owner}/repos`,
      events_url: `${api}/users/${repo.owner}/events{/privacy}`,
      received_events_url: `${api}/users/${repo.owner}/received_events`,
      type: 'Organization',
      site_admin: false
    }
    const templated: Record<string, string> = {}
    for (const [field, tail] of Object.entries({
      archive_url: '/{archive_format}{/ref}',
      assignees_url: '/assignees{/user}',
      blobs_url: '/git/blobs{/sha}',
      branches_url: '/branches{/branch}',
      collaborators_url: '/collaborators{/collaborator}',
      comments_url: '/comments{/number}',
      commits_url: '/commits{/sha}',
      compare_url: '/compare/{base}...{head}',
      contents_url: '/contents/{+path}',
      contributors_url: '/contributors',
      deployments_url: '/deployments',
      downloads_url: '/downloads',
      events_url: '/events',
      forks_url: '/forks',
      git_commits_url: '/git/commits{/sha}',
      git_refs_url: '/git/refs{/sha}',
      git_tags_url: '/git/tags{/sha}',
      hooks_url: '/hooks',
      issue_comment_url: '/issues/comments{/number}',
      issue_events_url: '/issues/events{/number}',
      issues_url: '/issues{/number}',
      keys_url: '/keys{/key_id}',
      labels_url: '/labels{/name}',
      languages_url: '/languages',
      merges_url: '/merges',
      milestones_url: '/milestones{/number}',
      notifications_url: '/notifications{?since,all,participating}',
      pulls_url: '/pulls{/number}',
      releases_url: '/releases{/id}',
      stargazers_url: '/stargazers',
      statuses_url: '/statuses/{sha}',
      subscribers_url: '/subscribers',
      subscription_url: '/subscription',
      tags_url: '/tags',
      teams_url: '/teams',
      trees_url: '/git/trees{/sha}'
    }))
      templated[field] = u + tail
    return {
      id: repo.id,
      node_id: nodeId('R', repo.id),
      name: repo.name,
      full_name: full,
      owner,
      private: false,
      html_url: `${web}/${full}`,
      description: null,
      fork: false,
      url: u,
      ...templated,
      clone_url: `${web}/${full}.git`,
      git_url: `git://127.0.0.1/${full}.git`,
      ssh_url: `git@127.0.0.1:${full}.git`,
      svn_url: `${web}/${full}`,
      mirror_url: null,
      homepage: null,
      language: 'Ruby',
      forks: 0,
      forks_count: 0,
      stargazers_count: 0,
      watchers: 0,
      watchers_count: 0,
      size: 1,
      default_branch: repo.defaultBranch,
      open_issues: 0,
      open_issues_count: 0,
      has_issues: true,
      has_projects: false,
      has_wiki: false,
      has_pages: false,
      has_downloads: true,
      has_discussions: false,
      archived: false,
      disabled: false,
      license: null,
      pushed_at: iso(new Date()),
      created_at: iso(repo.createdAt),
      updated_at: iso(new Date()),
      // Present for an authenticated caller (get-a-repository docs).
      permissions: { admin: false, maintain: false, push: canPush, triage: canPush, pull: true },
      network_count: 0,
      subscribers_count: 0
    }
  }

  /** GET /repos/{owner}/{repo}/contents/{path}?ref= — a file (directories are not modelled). */
  getContent(repo: Repo, path: string, ref: string | null): Record<string, unknown> {
    const branch = ref || repo.defaultBranch
    const head = repo.branches.get(branch)
    // GitHub: "No commit found for the ref <ref>" is a 404.
    if (!head) throw this.fail(404, `No commit found for the ref ${branch}`)
    const sha = repo.commits.get(head)!.tree.get(path)
    if (!sha) throw this.fail(404, 'Not Found')
    const data = repo.blobs.get(sha)!
    // The API wraps base64 at 60 characters with newlines; clients decode either way.
    const content = (data.toString('base64').match(/.{1,60}/g) ?? []).join('\n') + '\n'
    return {
      ...this.contentJson(repo, path, sha, data.length, branch),
      content,
      encoding: 'base64'
    }
  }

  /**
   * PUT /repos/{owner}/{repo}/contents/{path}: a new file needs no sha; replacing one needs the
   * current blob sha: none is a 422 (`"sha" wasn't supplied`), a stale one a 409 (`does not
   * match`), what clients meet when two writers race (create-or-update docs; octokit/rest.js
   * #1036). Writing the same bytes still makes a commit, as GitHub does.
   */
  putContent(
    repo: Repo,
    path: string,
    json: Record<string, unknown>
  ): { status: number; body: Record<string, unknown> } {
    const race = this.racing.findIndex(r => r.repo === repo)
    if (race >= 0) {
      const [r] = this.racing.splice(race, 1)
      this.push(repo.owner, repo.name, r!.path, r!.text)
    }
    const branch = typeof json.branch === 'string' ? json.branch : repo.defaultBranch
    const head = repo.branches.get(branch)
    if (!head) throw this.fail(404, `Branch ${branch} not found`)
    const parent = repo.commits.get(head)!
    const current = parent.tree.get(path)
    if (current && json.sha === undefined)
      throw this.fail(422, 'Invalid request.\n\n"sha" wasn\'t supplied.')
    if (json.sha !== undefined && json.sha !== current)
      throw this.fail(409, `${path} does not match ${String(json.sha)}`)
    const data = Buffer.from(String(json.content), 'base64')
    const tree = new Map(parent.tree)
    const sha = this.blob(repo, data)
    tree.set(path, sha)
    const who = (json.committer ?? json.author ?? BOT) as { name: string; email: string }
    const commit = this.commit(repo, parent.sha, String(json.message), tree, {
      name: who.name,
      email: who.email,
      date: iso(new Date())
    })
    repo.branches.set(branch, commit.sha)
    return {
      status: current ? 200 : 201,
      body: {
        content: this.contentJson(repo, path, sha, data.length, branch),
        commit: this.commitJson(repo, commit)
      }
    }
  }

  /** GET /repos/{owner}/{repo}/git/ref/{ref}: `heads/<branch>` only. */
  getRef(repo: Repo, ref: string): Record<string, unknown> {
    const branch = /^heads\/(.+)$/.exec(ref)?.[1]
    const sha = branch ? repo.branches.get(branch) : undefined
    if (!sha) throw this.fail(404, 'Not Found')
    return this.refJson(repo, branch!, sha)
  }

  /** POST /repos/{owner}/{repo}/git/refs: a branch at an existing commit. */
  createRef(repo: Repo, json: Record<string, unknown>): Record<string, unknown> {
    const branch = /^refs\/heads\/(.+)$/.exec(String(json.ref))?.[1]
    if (!branch) throw this.fail(422, 'Reference name is invalid', {})
    if (repo.branches.has(branch)) throw this.fail(422, 'Reference already exists')
    const sha = String(json.sha)
    if (!repo.commits.has(sha)) throw this.fail(422, 'Object does not exist')
    repo.branches.set(branch, sha)
    return this.refJson(repo, branch, sha)
  }

  /**
   * POST /repos/{owner}/{repo}/pulls: `head` is a branch here or `owner:branch` of another
   * repository. GitHub answers 422 Validation Failed for a missing branch (`field: head` or
   * `base`, code invalid), for no commits between the branches, and for an open pull request
   * between the same branches ("A pull request already exists for owner:branch.", code custom).
   */
  createPull(repo: Repo, json: Record<string, unknown>): Record<string, unknown> {
    const invalid = (error: Record<string, unknown>): Error =>
      this.fail(422, 'Validation Failed', { errors: [{ resource: 'PullRequest', ...error }] })
    const [headOwner, headBranch] = String(json.head).includes(':')
      ? String(json.head).split(':', 2)
      : [repo.owner, String(json.head)]
    const head = this.find(headOwner!, repo.name) ?? this.repos.find(r => r.owner === headOwner)
    const from = head?.branches.get(headBranch!)
    if (!head || !from) throw invalid({ field: 'head', code: 'invalid' })
    const baseBranch = String(json.base)
    const onto = repo.branches.get(baseBranch)
    if (!onto) throw invalid({ field: 'base', code: 'invalid' })
    if (repo.pulls.some(p => p.head === head && p.headBranch === headBranch))
      throw invalid({
        code: 'custom',
        message: `A pull request already exists for ${head.owner}:${headBranch}.`
      })
    if (this.sameTree(head, from, repo, onto))
      throw invalid({
        code: 'custom',
        message: `No commits between ${baseBranch} and ${headBranch}`
      })
    const pull: Pull = {
      number: repo.pulls.length + 1,
      head,
      headBranch: headBranch!,
      baseBranch,
      title: String(json.title ?? ''),
      body: String(json.body ?? ''),
      draft: json.draft === true,
      createdAt: new Date()
    }
    repo.pulls.push(pull)
    return this.pullJson(repo, pull, true)
  }

  /** GET /repos/{owner}/{repo}/pulls?head=owner:branch&base=&state=open (open ones only). */
  listPulls(repo: Repo, query: URLSearchParams): Record<string, unknown>[] {
    const head = query.get('head')
    const base = query.get('base')
    if (query.get('state') === 'closed') return []
    return repo.pulls
      .filter(p => !head || `${p.head.owner}:${p.headBranch}`.toLowerCase() === head.toLowerCase())
      .filter(p => !base || p.baseBranch === base)
      .map(p => this.pullJson(repo, p, false))
  }

  // ---- internals ----

  /** Whether two branch heads hold the same files (GitHub: "No commits between"). */
  private sameTree(a: Repo, aSha: string, b: Repo, bSha: string): boolean {
    const ta = a.commits.get(aSha)!.tree
    const tb = b.commits.get(bSha)!.tree
    return ta.size === tb.size && [...ta].every(([p, sha]) => tb.get(p) === sha)
  }

  /** pull-request (`full`, what create answers) or pull-request-simple (what list answers). */
  private pullJson(repo: Repo, p: Pull, full: boolean): Record<string, unknown> {
    const { api, web } = this.urls()
    const base = `${repo.owner}/${repo.name}`
    const u = `${api}/repos/${base}/pulls/${p.number}`
    const html = `${web}/${base}/pull/${p.number}`
    const issue = `${api}/repos/${base}/issues/${p.number}`
    const headSha = p.head.branches.get(p.headBranch)!
    // A pull request's ends hold `repository`: the full one without the caller's view of it.
    const repoJson = (r: Repo): Record<string, unknown> => {
      const json = this.get(r, false)
      for (const key of ['permissions', 'network_count', 'subscribers_count']) delete json[key]
      return json
    }
    const user = (repoJson(p.head) as { owner: Record<string, unknown> }).owner
    const end = (r: Repo, branch: string, sha: string): Record<string, unknown> => ({
      label: `${r.owner}:${branch}`,
      ref: branch,
      repo: repoJson(r),
      sha,
      user: (repoJson(r) as { owner: Record<string, unknown> }).owner
    })
    const link = (href: string): { href: string } => ({ href })
    const at = iso(p.createdAt)
    return {
      url: u,
      id: 880000 + repo.id * 100 + p.number,
      node_id: nodeId('PR', `${repo.id}/${p.number}`),
      html_url: html,
      diff_url: `${html}.diff`,
      patch_url: `${html}.patch`,
      issue_url: issue,
      commits_url: `${u}/commits`,
      review_comments_url: `${u}/comments`,
      review_comment_url: `${api}/repos/${base}/pulls/comments{/number}`,
      comments_url: `${issue}/comments`,
      statuses_url: `${api}/repos/${base}/statuses/${headSha}`,
      number: p.number,
      state: 'open',
      locked: false,
      title: p.title,
      user,
      body: p.body,
      labels: [],
      milestone: null,
      active_lock_reason: null,
      created_at: at,
      updated_at: at,
      closed_at: null,
      merged_at: null,
      merge_commit_sha: null,
      assignee: null,
      assignees: [],
      requested_reviewers: [],
      requested_teams: [],
      head: end(p.head, p.headBranch, headSha),
      base: end(repo, p.baseBranch, repo.branches.get(p.baseBranch)!),
      _links: {
        self: link(u),
        html: link(html),
        issue: link(issue),
        comments: link(`${issue}/comments`),
        review_comments: link(`${u}/comments`),
        review_comment: link(`${api}/repos/${base}/pulls/comments{/number}`),
        commits: link(`${u}/commits`),
        statuses: link(`${api}/repos/${base}/statuses/${headSha}`)
      },
      author_association: 'CONTRIBUTOR',
      auto_merge: null,
      draft: p.draft,
      ...(full
        ? {
            merged: false,
            mergeable: null,
            rebaseable: null,
            mergeable_state: 'unknown',
            merged_by: null,
            comments: 0,
            review_comments: 0,
            maintainer_can_modify: false,
            commits: 1,
            additions: 1,
            deletions: 0,
            changed_files: 1
          }
        : {})
    }
  }

  private must(owner: string, name: string): Repo {
    const repo = this.find(owner, name)
    if (!repo) throw new Error(`no repository ${owner}/${name} in the stand-in`)
    return repo
  }

  private blob(repo: Repo, data: Buffer): string {
    const sha = gitBlobSha(data)
    repo.blobs.set(sha, data)
    return sha
  }

  private commit(
    repo: Repo,
    parent: string | undefined,
    message: string,
    tree: Map<string, string>,
    committer: Commit['committer']
  ): Commit {
    const text = JSON.stringify([parent, message, committer, [...tree].sort()])
    const sha = crypto.createHash('sha1').update(`${text}${repo.commits.size}`).digest('hex')
    const c: Commit = { sha, ...(parent ? { parent } : {}), message, committer, tree }
    repo.commits.set(sha, c)
    return c
  }

  private contentJson(
    repo: Repo,
    path: string,
    sha: string,
    size: number,
    branch: string
  ): Record<string, unknown> {
    const { api, web } = this.urls()
    const full = `${repo.owner}/${repo.name}`
    const self = `${api}/repos/${full}/contents/${path}?ref=${encodeURIComponent(branch)}`
    const html = `${web}/${full}/blob/${branch}/${path}`
    const git = `${api}/repos/${full}/git/blobs/${sha}`
    return {
      name: path.split('/').at(-1),
      path,
      sha,
      size,
      url: self,
      html_url: html,
      git_url: git,
      download_url: `${web}/raw/${full}/${branch}/${path}`,
      type: 'file',
      _links: { self, git, html }
    }
  }

  private commitJson(repo: Repo, c: Commit): Record<string, unknown> {
    const { api, web } = this.urls()
    const full = `${repo.owner}/${repo.name}`
    return {
      sha: c.sha,
      node_id: nodeId('C', c.sha),
      url: `${api}/repos/${full}/git/commits/${c.sha}`,
      html_url: `${web}/${full}/commit/${c.sha}`,
      author: c.committer,
      committer: c.committer,
      message: c.message,
      tree: { url: `${api}/repos/${full}/git/trees/${c.sha}`, sha: c.sha },
      parents: c.parent
        ? [
            {
              url: `${api}/repos/${full}/git/commits/${c.parent}`,
              html_url: `${web}/${full}/commit/${c.parent}`,
              sha: c.parent
            }
          ]
        : [],
      verification: {
        verified: false,
        reason: 'unsigned',
        signature: null,
        payload: null,
        verified_at: null
      }
    }
  }

  private refJson(repo: Repo, branch: string, sha: string): Record<string, unknown> {
    const { api } = this.urls()
    const full = `${repo.owner}/${repo.name}`
    return {
      ref: `refs/heads/${branch}`,
      node_id: nodeId('REF', `${repo.id}/${branch}`),
      url: `${api}/repos/${full}/git/refs/heads/${branch}`,
      object: { type: 'commit', sha, url: `${api}/repos/${full}/git/commits/${sha}` }
    }
  }
}
