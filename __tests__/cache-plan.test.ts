import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { cachePolicy, cacheSpecs, hashGoSums } from '../src/cache-plan.js'
import type { Facts } from '../src/facts.js'
import type { Inputs } from '../src/inputs/index.js'
import { runEvent, type RunEvent } from '../src/lib/run-event.js'

type Row = [
  string,
  Partial<Pick<Inputs, 'cache' | 'cacheSave'>>,
  RunEvent,
  boolean,
  boolean,
  RegExp
]
const main: RunEvent = { name: 'push', ref: 'refs/heads/main', defaultBranch: 'main' }
const rows: Row[] = [
  ['push to the default branch saves', {}, main, true, true, /^$/],
  ['schedule on the default branch saves', {}, { ...main, name: 'schedule' }, true, true, /^$/],
  [
    'workflow_dispatch on the default branch saves',
    {},
    { ...main, name: 'workflow_dispatch' },
    true,
    true,
    /^$/
  ],
  [
    'push to another branch restores only',
    {},
    { ...main, ref: 'refs/heads/feature' },
    true,
    false,
    /default branch \(main\)/
  ],
  [
    'a tag run restores only',
    {},
    { ...main, ref: 'refs/tags/v1.0.0' },
    true,
    false,
    /tag runs do not save/
  ],
  [
    'a pull request restores only',
    {},
    { name: 'pull_request', ref: 'refs/pull/1/merge', defaultBranch: 'main' },
    true,
    false,
    /never save/
  ],
  [
    'a fork PR with cache-save: always still never saves',
    { cacheSave: 'always' },
    { name: 'pull_request', ref: 'refs/pull/2/merge' },
    true,
    false,
    /never save/
  ],
  [
    'pull_request_target neither restores nor saves',
    {},
    { name: 'pull_request_target', ref: 'refs/heads/main', defaultBranch: 'main' },
    false,
    false,
    /untrusted/
  ],
  [
    'workflow_run neither restores nor saves',
    {},
    { ...main, name: 'workflow_run' },
    false,
    false,
    /untrusted/
  ],
  [
    'pull_request_target with cache-save: always does both',
    { cacheSave: 'always' },
    { name: 'pull_request_target', ref: 'refs/heads/main' },
    true,
    true,
    /^$/
  ],
  ['cache-save: never', { cacheSave: 'never' }, main, true, false, /cache-save: never/],
  [
    'cache-save: always on a tag',
    { cacheSave: 'always' },
    { ...main, ref: 'refs/tags/v1' },
    true,
    true,
    /^$/
  ],
  ['cache: false', { cache: false }, main, false, false, /cache: false/],
  [
    'unknown default branch',
    {},
    { name: 'push', ref: 'refs/heads/main' },
    true,
    false,
    /default branch is unknown/
  ],
  [
    'a release event is not trusted for saving',
    {},
    { ...main, name: 'release' },
    true,
    false,
    /only from push/
  ]
]

test.each(rows.map((r, i) => [i + 1, ...r] as const))(
  '[%d] %s',
  (_n, _name, inputs, event, restore, save, reason) => {
    const policy = cachePolicy({ cache: true, cacheSave: 'auto', ...inputs }, event)
    expect([policy.restore, policy.save]).toEqual([restore, save])
    expect(policy.reason).toMatch(reason)
  }
)

test('runEvent reads the default branch from the event payload', () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-event-')), 'event.json')
  fs.writeFileSync(file, JSON.stringify({ repository: { default_branch: 'trunk' } }))
  expect(
    runEvent({ GITHUB_EVENT_NAME: 'push', GITHUB_REF: 'refs/heads/trunk', GITHUB_EVENT_PATH: file })
  ).toEqual({
    name: 'push',
    ref: 'refs/heads/trunk',
    defaultBranch: 'trunk'
  })
})

describe('keys', () => {
  const inputs = {
    tags: [],
    flags: [],
    trimpath: true,
    buildvcs: 'auto',
    env: [],
    cacheKeySuffix: ''
  } as unknown as Inputs
  const facts = (over: Partial<Facts> = {}, cc = 'gcc'): Facts =>
    ({
      go: { version: 'go1.26.8', gocache: '/c/build', gomodcache: '/c/mod', goflags: '' },
      vendored: false,
      stamp: { commit: 'abcdef0123456789' },
      plans: [
        {
          kind: 'go',
          target: { id: 'linux_amd64' },
          cgo: { enabled: true, cc, ccVersion: 'gcc 12' }
        }
      ],
      ...over
    }) as unknown as Facts
  const runner = { os: 'Linux', arch: 'X64' }

  test('module key: OS and go.sum hash; falls back to any entry of the same OS', () => {
    const [mod] = cacheSpecs(inputs, facts(), runner, 'f'.repeat(64))
    expect(mod).toEqual({
      kind: 'module',
      path: '/c/mod',
      key: 'go-xbuild-mod-v2-Linux-ffffffffffffffff',
      restoreKeys: ['go-xbuild-mod-v2-Linux-']
    })
  })

  test('build cache base: configuration and go.sum, no commit; falls back to other go.sums', () => {
    const base = cacheSpecs(inputs, facts(), runner, 'e'.repeat(64))[1]!
    expect(base.kind).toBe('build-base')
    expect(base.key).toMatch(
      /^go-xbuild-base-v2-Linux-X64-go1\.26\.8-[0-9a-f]{16}-eeeeeeeeeeeeeeee$/
    )
    expect(base.restoreKeys).toEqual([base.key.replace(/eeeeeeeeeeeeeeee$/, '')])
  })

  test('build cache layer: per commit, restoring the previous commit with the same go.sum, then with another', () => {
    const build = cacheSpecs(inputs, facts(), runner, 'e'.repeat(64))[2]!
    expect(build.kind).toBe('build')
    expect(build.key).toMatch(
      /^go-xbuild-build-v2-Linux-X64-go1\.26\.8-[0-9a-f]{16}-eeeeeeeeeeeeeeee-abcdef012345$/
    )
    expect(build.restoreKeys).toEqual([
      build.key.replace(/abcdef012345$/, ''),
      build.key.replace(/eeeeeeeeeeeeeeee-abcdef012345$/, '')
    ])
    for (const k of build.restoreKeys) expect(build.key.startsWith(k)).toBe(true)
  })

  test.each([
    [1, 'another C compiler', facts({}, 'clang')],
    [
      2,
      'another Go version',
      facts({
        go: { version: 'go1.26.9', gocache: '/c/build', gomodcache: '/c/mod', goflags: '' }
      } as Partial<Facts>)
    ],
    [
      3,
      'another GOFLAGS',
      facts({
        go: { version: 'go1.26.8', gocache: '/c/build', gomodcache: '/c/mod', goflags: '-race' }
      } as Partial<Facts>)
    ]
  ])('[%d] %s changes the build keys, base and layer', (_n, _what, other) => {
    for (const i of [1, 2]) {
      const a = cacheSpecs(inputs, facts(), runner, 'e'.repeat(64))[i]!.key
      const b = cacheSpecs(inputs, other, runner, 'e'.repeat(64))[i]!.key
      expect(a).not.toBe(b)
    }
  })

  test('no go.sum or a vendored module: no module cache; the suffix goes into every prefix', () => {
    expect(cacheSpecs(inputs, facts(), runner, '').map(s => s.kind)).toEqual([
      'build-base',
      'build'
    ])
    expect(
      cacheSpecs(inputs, facts({ vendored: true }), runner, 'a'.repeat(64)).map(s => s.kind)
    ).toEqual(['build-base', 'build'])
    const specs = cacheSpecs(
      { ...inputs, cacheKeySuffix: 'nightly' },
      facts(),
      runner,
      'a'.repeat(64)
    )
    for (const s of specs)
      for (const k of [s.key, ...s.restoreKeys]) expect(k).toContain('-nightly-')
  })
})

test('hashGoSums covers every go.sum and go.work.sum below the module, skipping vendor', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-sums-'))
  expect(hashGoSums(dir)).toBe('')
  fs.writeFileSync(path.join(dir, 'go.sum'), 'a v1 h1:x\n')
  const one = hashGoSums(dir)
  fs.mkdirSync(path.join(dir, 'tools'))
  fs.writeFileSync(path.join(dir, 'tools', 'go.sum'), 'b v1 h1:y\n')
  const two = hashGoSums(dir)
  fs.mkdirSync(path.join(dir, 'vendor'))
  fs.writeFileSync(path.join(dir, 'vendor', 'go.sum'), 'c\n')
  expect(hashGoSums(dir)).toBe(two)
  expect(new Set([one, two]).size).toBe(2)
})
