import { hooksRefusedFor, hooksWillRun, planHooks } from '../src/hooks.js'
import { releaseValues } from '../src/naming.js'

// before-hooks: rendered with the release's fields, split with Go's quoting into argv.
const stamp = {
  version: '1.4.0',
  tag: 'v1.4.0',
  commit: 'abcdef0123456789',
  shortCommit: 'abcdef0',
  date: '2024-10-01T12:00:00Z',
  epoch: 1727784000,
  snapshot: false,
  previousTag: 'v1.3.0',
  summary: 'v1.4.0',
  dirty: false
}
const values = releaseValues(stamp, 'app', { HOME: '/home/me' })

test('each line renders, then splits into argv: quotes group, nothing a shell would read is special', () => {
  const { hooks, problems } = planHooks(
    'before-hooks',
    [
      'go generate ./...',
      `./scripts/completions.sh --version {{ .Version }} --out 'dist/completion files'`,
      'echo $HOME > out.txt; rm -rf "{{ .ProjectName }} tmp"',
      '{{ if .IsSnapshot }}make snapshot-notes{{ end }}'
    ],
    values
  )
  expect(problems).toEqual([])
  expect(hooks).toEqual([
    { line: 1, argv: ['go', 'generate', './...'] },
    {
      line: 2,
      argv: ['./scripts/completions.sh', '--version', '1.4.0', '--out', 'dist/completion files']
    },
    { line: 3, argv: ['echo', '$HOME', '>', 'out.txt;', 'rm', '-rf', 'app tmp'] }
    // line 4 renders empty: nothing runs
  ])
})

test('a template that fails or a quote left open is a problem naming the line', () => {
  const { problems } = planHooks(
    'before-hooks',
    ['make {{ .Env.NOT_SET }}', `sh -c 'echo`, 'true'],
    values
  )
  expect(problems).toEqual([
    expect.stringMatching(/^before-hooks: line 1: .*NOT_SET/),
    "before-hooks: line 2: unterminated ' string"
  ])
})

test.each([
  ['pull_request_target', false, true],
  ['pull_request_target', true, false],
  ['pull_request', false, false],
  ['push', false, false],
  ['', false, false]
])('event %j, allowed %j: refused %j', (event, allowed, refused) => {
  expect(hooksRefusedFor(event, allowed) !== undefined).toBe(refused)
})

test.each([
  ['all', true],
  ['build', true],
  ['plan', false],
  ['publish', false]
] as const)('mode %s runs hooks: %j', (mode, runs) => {
  expect(hooksWillRun({ beforeHooks: ['make'], mode })).toBe(runs)
  expect(hooksWillRun({ beforeHooks: [], mode })).toBe(false)
})
