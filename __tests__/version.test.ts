import { deriveStamp, pickTag, type StampSource } from '../src/version.js'

const base: StampSource = {
  explicit: '',
  ref: '',
  tagsAtCommit: [],
  previousTag: '',
  commit: '0123456789abcdef0123456789abcdef01234567',
  epoch: 1_700_000_000
}

const rows: [string, Partial<StampSource>, { version: string; tag: string; snapshot: boolean }][] =
  [
    ['tag ref', { ref: 'refs/tags/v1.2.3' }, { version: '1.2.3', tag: 'v1.2.3', snapshot: false }],
    [
      'pre-release tag ref',
      { ref: 'refs/tags/v2.0.0-rc.1' },
      { version: '2.0.0-rc.1', tag: 'v2.0.0-rc.1', snapshot: false }
    ],
    [
      'branch ref after a tag',
      { ref: 'refs/heads/main', previousTag: 'v1.2.3' },
      { version: '1.2.4-SNAPSHOT-0123456', tag: '', snapshot: true }
    ],
    [
      'branch ref, no tags yet',
      { ref: 'refs/heads/main' },
      { version: '0.0.0-SNAPSHOT-0123456', tag: '', snapshot: true }
    ],
    [
      'non-v tag ref is a snapshot that keeps the tag',
      { ref: 'refs/tags/nightly' },
      { version: '0.0.0-SNAPSHOT-0123456', tag: 'nightly', snapshot: true }
    ],
    [
      'explicit version with v',
      { explicit: 'v9.9.9', ref: 'refs/heads/x' },
      { version: '9.9.9', tag: 'v9.9.9', snapshot: false }
    ],
    [
      'explicit version without v on a tag ref',
      { explicit: '1.0.0', ref: 'refs/tags/v1.0.0' },
      { version: '1.0.0', tag: 'v1.0.0', snapshot: false }
    ],
    [
      'local mode: tag at HEAD',
      { tagsAtCommit: ['v1.0.0', 'v1.1.0', 'other'] },
      { version: '1.1.0', tag: 'v1.1.0', snapshot: false }
    ],
    [
      'local mode: tags ignored when a ref is given',
      { ref: 'refs/heads/main', tagsAtCommit: ['v1.1.0'] },
      { version: '0.0.0-SNAPSHOT-0123456', tag: '', snapshot: true }
    ],
    ['no commit at all', { commit: '' }, { version: '0.0.0-SNAPSHOT', tag: '', snapshot: true }],
    [
      'pre-release previous tag',
      { previousTag: 'v1.3.0-beta.2' },
      { version: '1.3.1-SNAPSHOT-0123456', tag: '', snapshot: true }
    ]
  ]

test.each(rows.map((r, i) => [i + 1, ...r] as const))('[%d] %s', (_n, _name, source, expected) => {
  const stamp = deriveStamp({ ...base, ...source })
  expect({ version: stamp.version, tag: stamp.tag, snapshot: stamp.snapshot }).toEqual(expected)
})

test('date is the commit time in RFC 3339 UTC, and the short commit has 7 characters', () => {
  const stamp = deriveStamp(base)
  expect(stamp.date).toBe('2023-11-14T22:13:20Z')
  expect(stamp.shortCommit).toBe('0123456')
  expect(stamp.epoch).toBe(1_700_000_000)
})

test.each([
  [1, ['v1.2.3', 'v1.10.0', 'v1.9.9'], 'v1.10.0'],
  [2, ['v2.0.0-rc.1', 'v2.0.0'], 'v2.0.0'],
  [3, ['release', 'latest'], ''],
  [4, [], '']
])('[%d] pickTag(%j) -> %s', (_n, tags, expected) => {
  expect(pickTag(tags)).toBe(expected)
})
