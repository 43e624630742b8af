import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { isForkPullRequest } from '../src/lib/run-event.js'

/** Numbers the rows and moves each row's last column (the outcome) after its description. */
const numberedOutcome = <D, T extends unknown[], E>(rows: [D, ...T, E][]): [number, D, E, ...T][] =>
  rows.map((r, i) => [i + 1, r[0], r[r.length - 1], ...r.slice(1, -1)] as [number, D, E, ...T])

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-preflight-'))
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }))

/** Writes an event payload the way the runner does and returns its path. */
let files = 0
const payload = (content: unknown): string => {
  const file = path.join(dir, `event-${++files}.json`)
  fs.writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content))
  return file
}

const pullRequest = (head: string) => ({
  action: 'opened',
  number: 7,
  pull_request: {
    head: { ref: 'feature', repo: { full_name: head } },
    base: { ref: 'main', repo: { full_name: 'octo/hello' } }
  },
  repository: { full_name: 'octo/hello', default_branch: 'main' }
})

// [description, event name, payload (a path to none when undefined), GITHUB_REPOSITORY, fork]
const rows: [string, string, unknown, string | undefined, boolean][] = [
  ['pull_request from a fork', 'pull_request', pullRequest('someone/hello'), 'octo/hello', true],
  [
    'pull_request from a deleted fork (head.repo null)',
    'pull_request',
    { pull_request: { head: { ref: 'feature', repo: null } } },
    'octo/hello',
    true
  ],
  [
    'pull_request_target from a fork',
    'pull_request_target',
    pullRequest('someone/hello'),
    'octo/hello',
    true
  ],
  [
    'pull_request from a fork of the same name under another owner',
    'pull_request',
    pullRequest('octo-fork/hello'),
    'octo/hello',
    true
  ],
  [
    'pull_request from the same repository',
    'pull_request',
    pullRequest('octo/hello'),
    'octo/hello',
    false
  ],
  [
    'push event',
    'push',
    { ref: 'refs/tags/v1.0.0', repository: { full_name: 'octo/hello', default_branch: 'main' } },
    'octo/hello',
    false
  ],
  [
    'release event',
    'release',
    { action: 'published', repository: { full_name: 'octo/hello' } },
    'octo/hello',
    false
  ],
  ['pull_request with a missing payload file', 'pull_request', undefined, 'octo/hello', false],
  ['pull_request with a payload that is not JSON', 'pull_request', '{not json', 'octo/hello', false]
]

test.each(numberedOutcome(rows))(
  '[%d] isForkPullRequest: %s -> %s',
  (_n, _what, fork, name, content, repository) => {
    const env = {
      GITHUB_EVENT_NAME: name,
      GITHUB_EVENT_PATH: content === undefined ? path.join(dir, 'missing.json') : payload(content),
      GITHUB_REPOSITORY: repository
    }
    expect(isForkPullRequest(env)).toBe(fork)
  }
)

test('isForkPullRequest without GITHUB_EVENT_PATH: not a fork', () => {
  expect(
    isForkPullRequest({ GITHUB_EVENT_NAME: 'pull_request', GITHUB_REPOSITORY: 'octo/hello' })
  ).toBe(false)
})
