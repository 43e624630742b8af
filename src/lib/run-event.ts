import * as fs from 'node:fs'

/** The runner facts the policy depends on. */
export interface RunEvent {
  name: string
  ref: string
  defaultBranch?: string
  /** pull requests: owner/repo of the head branch (another repository for forks) */
  headRepository?: string
}

/** Reads the event name, ref and default branch from the runner's environment and event payload. */
export function runEvent(env: Readonly<Record<string, string | undefined>>): RunEvent {
  let defaultBranch: string | undefined
  let headRepository: string | undefined
  if (env.GITHUB_EVENT_PATH) {
    try {
      const payload = JSON.parse(fs.readFileSync(env.GITHUB_EVENT_PATH, 'utf8')) as {
        repository?: { default_branch?: string }
        pull_request?: { head?: { repo?: { full_name?: string } | null } }
      }
      defaultBranch = payload.repository?.default_branch
      // A deleted fork leaves head.repo null: '' counts as another repository.
      if (payload.pull_request) headRepository = payload.pull_request.head?.repo?.full_name ?? ''
    } catch {
      defaultBranch = undefined // unreadable payload: auto will not save
    }
  }
  return {
    name: env.GITHUB_EVENT_NAME ?? '',
    ref: env.GITHUB_REF ?? '',
    defaultBranch,
    headRepository
  }
}

/** A pull request whose head is another repository: its token is read-only. */
export function isForkPullRequest(env: Readonly<Record<string, string | undefined>>): boolean {
  const event = runEvent(env)
  return (
    event.name.startsWith('pull_request') &&
    event.headRepository !== undefined &&
    event.headRepository !== env.GITHUB_REPOSITORY
  )
}
