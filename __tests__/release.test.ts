import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {
  ApiError,
  type AssetInfo,
  type ReleaseApi,
  type ReleaseInfo
} from '../src/ports/release-api.js'
import {
  awaitedFiles,
  checkAssetNames,
  chooseRelease,
  findOrCreateRelease,
  isPrereleaseTag,
  missingAssets,
  releaseBody,
  releaseTagOf,
  renderReleaseText,
  sameAsset,
  uploadAsset,
  type AssetFile
} from '../src/release.js'
import { releaseValues } from '../src/naming.js'
import { numbered } from './fakes/targets.js'

/** Numbers the rows and moves each row's last column (the outcome) after its description. */
const numberedOutcome = <D, T extends unknown[], E>(rows: [D, ...T, E][]): [number, D, E, ...T][] =>
  rows.map((r, i) => [i + 1, r[0], r[r.length - 1], ...r.slice(1, -1)] as [number, D, E, ...T])

const SHA = 'ab'.repeat(32)
const OTHER_SHA = 'cd'.repeat(32)

const file = (name: string, size = 10, sha256 = SHA): AssetFile => ({
  name,
  path: `/dist/${name}`,
  size,
  sha256
})

const asset = (
  name: string,
  over: Partial<Pick<AssetInfo, 'id' | 'size' | 'state' | 'digest'>> = {}
): AssetInfo => ({
  id: 1,
  name,
  size: 10,
  state: 'uploaded',
  digest: `sha256:${SHA}`,
  browserDownloadUrl: `https://github.com/o/r/releases/download/v1/${name}`,
  ...over
})

const release = (id: number, draft: boolean): ReleaseInfo => ({
  id,
  tagName: 'v1.0.0',
  name: 'v1.0.0',
  draft,
  prerelease: false,
  immutable: false,
  htmlUrl: `https://github.com/o/r/releases/${id}`,
  uploadUrl: `https://uploads.github.com/repos/o/r/releases/${id}/assets{?name,label}`,
  assets: []
})

// [description, release-tag input, GITHUB_REF, tag]
const tagRows: [string, string, string | undefined, string][] = [
  ['the input wins over a branch ref', 'v1.0.0', 'refs/heads/main', 'v1.0.0'],
  ['the input wins over a tag ref', 'v3.0.0', 'refs/tags/v2.0.0', 'v3.0.0'],
  ['a tag ref', '', 'refs/tags/v2.0.0', 'v2.0.0'],
  ['a tag with slashes (Go submodule tag)', '', 'refs/tags/cmd/tool/v1.4.0', 'cmd/tool/v1.4.0'],
  ['a branch ref: no release', '', 'refs/heads/main', ''],
  ['a pull request ref: no release', '', 'refs/pull/7/merge', ''],
  ['a ref that only starts like a tag ref', '', 'refs/tagsx/v1.0.0', ''],
  ['no ref at all', '', undefined, '']
]

test.each(numberedOutcome(tagRows))('[%d] releaseTagOf: %s -> %j', (_n, _what, tag, input, ref) => {
  expect(releaseTagOf(input, ref)).toBe(tag)
})

// [tag, pre-release]
const prereleaseRows: [string, boolean][] = [
  ['v1.2.0-rc.1', true],
  ['cmd/tool/v1.2.0-rc.1', true],
  ['cmd/tool/v1.2.0', false],
  ['1.2.0-beta', true],
  ['v1.2.0-alpha.1+build.5', true],
  ['v0.0.1-0', true],
  ['v10.20.30-pre-release.2', true],
  ['v1.2.0', false],
  ['1.2.0', false],
  ['v1.2.0+build', false],
  ['v1.2.0+build-1', false],
  ['v1.2-rc.1', false],
  ['v1.2.0-', false],
  ['V1.2.0-rc.1', false],
  ['cmd/tool/v1.2.0', false],
  ['release-2024-rc', false],
  ['nightly', false],
  ['', false]
]

test.each(numbered(prereleaseRows))('[%d] isPrereleaseTag %j -> %s', (_n, tag, expected) => {
  expect(isPrereleaseTag(tag)).toBe(expected)
})

const renamed = (name: string): string =>
  `"${name}": GitHub would rename it (use letters, digits, ".", "_", "+", "-", no leading or trailing ".")`
const twice = (name: string): string => `"${name}" would be uploaded twice`

// [description, asset names, problems (exact, in order)]
const nameRows: [string, string[], string[]][] = [
  [
    'usual archive and checksums names',
    [
      'hello_1.0.0_linux_amd64.tar.gz',
      'hello_1.0.0_linux_armv7.tar.xz',
      'hello_1.0.0_windows_amd64.zip',
      'hello-cli_1.0.0-rc.1_darwin_arm64v8.2',
      'checksums.txt',
      'checksums.sha512'
    ],
    []
  ],
  ['one character', ['a'], []],
  ['no files', [], []],
  ['a space', ['hello 1.0.tar.gz'], [renamed('hello 1.0.tar.gz')]],
  ['a tilde', ['hello_1.0~rc1.tar.gz'], [renamed('hello_1.0~rc1.tar.gz')]],
  ['a colon', ['hello_1:1.0.tar.gz'], [renamed('hello_1:1.0.tar.gz')]],
  ['parentheses', ['hello_(linux).tar.gz'], [renamed('hello_(linux).tar.gz')]],
  ['a leading dot', ['.hello.tar.gz'], [renamed('.hello.tar.gz')]],
  ['a trailing dot', ['hello.tar.gz.'], [renamed('hello.tar.gz.')]],
  ['only a dot', ['.'], [renamed('.')]],
  ['a non-ASCII letter', ['héllo.zip'], [renamed('héllo.zip')]],
  ['a slash', ['linux/hello.zip'], [renamed('linux/hello.zip')]],
  ['an empty name', [''], [renamed('')]],
  ['a duplicate', ['a.zip', 'b.zip', 'a.zip'], [twice('a.zip')]],
  ['three of a name', ['a.zip', 'a.zip', 'a.zip'], [twice('a.zip'), twice('a.zip')]],
  [
    'a bad name twice: both problems, for each copy',
    ['x y.zip', 'x y.zip'],
    [renamed('x y.zip'), renamed('x y.zip'), twice('x y.zip')]
  ],
  [
    'every bad name is listed, in order',
    ['ok.zip', 'a b.zip', 'c:d.zip'],
    [renamed('a b.zip'), renamed('c:d.zip')]
  ]
]

test.each(numberedOutcome(nameRows))(
  '[%d] checkAssetNames: %s -> %j',
  (_n, _what, problems, names) => {
    expect(checkAssetNames(names.map(n => file(n)))).toEqual(problems)
  }
)

// [description, candidates as [id, draft], chosen id]
const chooseRows: [string, [number, boolean][], number | undefined][] = [
  ['no releases', [], undefined],
  ['one draft', [[2, true]], 2],
  [
    'drafts only: the lowest id',
    [
      [5, true],
      [3, true],
      [8, true]
    ],
    3
  ],
  [
    'a published release beats an older draft',
    [
      [1, true],
      [7, false]
    ],
    7
  ],
  [
    'a published release beats a newer draft',
    [
      [9, true],
      [4, false]
    ],
    4
  ],
  [
    'two published releases: the lowest id',
    [
      [9, false],
      [6, true],
      [4, false]
    ],
    4
  ]
]

test.each(numberedOutcome(chooseRows))(
  '[%d] chooseRelease: %s -> %s',
  (_n, _what, chosen, rows) => {
    const candidates = rows.map(([id, draft]) => release(id, draft))
    const before = candidates.map(r => r.id)
    expect(chooseRelease(candidates)?.id).toBe(chosen)
    // The caller's list is not reordered.
    expect(candidates.map(r => r.id)).toEqual(before)
  }
)

// [description, asset fields, file, same]
const sameRows: [string, Partial<AssetInfo>, AssetFile, boolean][] = [
  ['uploaded, same size and digest', {}, file('a.zip'), true],
  ['uploaded, same size, no digest (older GHES)', { digest: null }, file('a.zip'), true],
  ['a starter asset', { state: 'starter' }, file('a.zip'), false],
  ['an open asset', { state: 'open' }, file('a.zip'), false],
  ['a starter asset without a digest', { state: 'starter', digest: null }, file('a.zip'), false],
  ['another size', { size: 11 }, file('a.zip'), false],
  ['another size without a digest', { size: 9, digest: null }, file('a.zip'), false],
  ['another digest', { digest: `sha256:${OTHER_SHA}` }, file('a.zip'), false],
  ['the file has other bytes', {}, file('a.zip', 10, OTHER_SHA), false],
  ['an empty file', { size: 0 }, file('a.zip', 0), true]
]

test.each(numberedOutcome(sameRows))('[%d] sameAsset: %s -> %s', (_n, _what, same, over, f) => {
  expect(sameAsset(asset(f.name, over), f)).toBe(same)
})

// [description, assets on the release, files, problems (exact)]
const missingRows: [string, AssetInfo[], AssetFile[], string[]][] = [
  ['nothing to check', [], [], []],
  [
    'every file there; other assets are ignored',
    [asset('a.zip', { id: 1 }), asset('b.zip', { id: 2, digest: null }), asset('other.txt')],
    [file('a.zip'), file('b.zip')],
    []
  ],
  ['an empty release', [], [file('a.zip')], ['a.zip: not on the release']],
  [
    'a starter left by a failed upload',
    [asset('a.zip', { state: 'starter', size: 0, digest: null })],
    [file('a.zip')],
    [`a.zip: starter, 0 bytes, no digest (expected 10 bytes, sha256:${SHA})`]
  ],
  [
    'other bytes',
    [asset('a.zip', { size: 12, digest: `sha256:${OTHER_SHA}` })],
    [file('a.zip')],
    [`a.zip: uploaded, 12 bytes, sha256:${OTHER_SHA} (expected 10 bytes, sha256:${SHA})`]
  ],
  [
    'a name that differs only in case is not the file',
    [asset('A.zip')],
    [file('a.zip')],
    ['a.zip: not on the release']
  ],
  [
    'every problem, in file order',
    [asset('b.zip', { state: 'open' }), asset('c.zip')],
    [file('a.zip'), file('b.zip'), file('c.zip')],
    [
      'a.zip: not on the release',
      `b.zip: open, 10 bytes, sha256:${SHA} (expected 10 bytes, sha256:${SHA})`
    ]
  ]
]

test.each(numberedOutcome(missingRows))(
  '[%d] missingAssets: %s -> %j',
  (_n, _what, problems, assets, files) => {
    expect(missingAssets(assets, files)).toEqual(problems)
  }
)

// [description, release files, assets on the release, files still awaited]
const awaitedRows: [string, string[], AssetInfo[], string[]][] = [
  ['a single job: its own files, all there', ['a.zip'], [asset('a.zip')], []],
  [
    'a leg: other legs have not uploaded yet',
    ['a.zip', 'b.zip', 'c.zip'],
    [asset('b.zip')],
    ['a.zip', 'c.zip']
  ],
  [
    'a starter or open upload of another leg is not there yet',
    ['a.zip', 'b.zip', 'c.zip'],
    [asset('a.zip'), asset('b.zip', { state: 'starter' }), asset('c.zip', { state: 'open' })],
    ['b.zip', 'c.zip']
  ],
  [
    'files outside the plan and checksums files do not count',
    ['a.zip'],
    [asset('a.zip'), asset('old.zip'), asset('checksums.txt')],
    []
  ],
  ['nothing planned', [], [asset('a.zip')], []]
]

test.each(numberedOutcome(awaitedRows))(
  '[%d] awaitedFiles: %s -> %j',
  (_n, _what, awaited, files, assets) => {
    expect(awaitedFiles(files, assets)).toEqual(awaited)
  }
)

describe('uploadAsset after a 422', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-upload-'))
  const zip = path.join(dir, 'a.zip')
  fs.writeFileSync(zip, 'ten bytes!')
  const mine = { name: 'a.zip', path: zip, size: 10, sha256: SHA }
  const silent = { info: () => {} } as never
  const noSleep = async (): Promise<void> => {}

  /** A release API whose uploads answer from `answers` in turn and whose listing shows `listed`. */
  function api(answers: (ApiError | AssetInfo)[], listed: () => AssetInfo[]) {
    const calls: string[] = []
    const fake = {
      uploadAsset: async (_r: ReleaseInfo, name: string) => {
        calls.push(`upload ${name}`)
        const answer = answers.shift()!
        if (answer instanceof ApiError) throw answer
        return answer
      },
      listAssets: async () => {
        calls.push('list')
        return listed()
      },
      deleteAsset: async (id: number) => {
        calls.push(`delete ${id}`)
      }
    }
    return { fake: fake as unknown as ReleaseApi, calls }
  }

  test('an immutable release refuses the upload: no second attempt, the message says why', async () => {
    const refused = new ApiError(422, 'HTTP 422: Cannot upload assets to an immutable release.')
    const { fake, calls } = api([refused, asset('a.zip')], () => [])
    await expect(
      uploadAsset(fake, release(1, false), mine, undefined, 'replace', noSleep, silent)
    ).rejects.toThrow(
      'a.zip: upload refused: HTTP 422: Cannot upload assets to an immutable release.'
    )
    expect(calls).toEqual(['upload a.zip', 'list'])
  })

  test('another job uploaded the name meanwhile: its asset is replaced', async () => {
    const taken = new ApiError(422, 'HTTP 422: Validation Failed', ['already_exists'])
    const theirs = asset('a.zip', { id: 7, size: 12, digest: `sha256:${OTHER_SHA}` })
    const { fake, calls } = api([taken, asset('a.zip', { id: 8 })], () => [theirs])
    const stored = await uploadAsset(
      fake,
      release(1, false),
      mine,
      undefined,
      'replace',
      noSleep,
      silent
    )
    expect(stored.id).toBe(8)
    expect(calls).toEqual(['upload a.zip', 'list', 'delete 7', 'upload a.zip'])
  })
})

describe('findOrCreateRelease on a published immutable release (issue 13: a re-run after a kill)', () => {
  const names = ['a.tar.gz', 'b.zip', 'checksums.txt']
  const published = (assets: AssetInfo[]): ReleaseInfo => ({
    ...release(5, false),
    immutable: true,
    assets
  })
  const complete = names.map((n, i) => asset(n, { id: 10 + i }))
  const starter = asset('b.zip', { state: 'starter', size: 0, digest: null })

  /** A release API that lists `existing` and records every call. */
  function api(existing: ReleaseInfo) {
    const calls: string[] = []
    const record =
      (what: string) =>
      async (...args: unknown[]): Promise<never> => {
        calls.push(`${what} ${JSON.stringify(args)}`)
        throw new Error(`unexpected ${what}`)
      }
    const fake = {
      listReleases: async () => {
        calls.push('list')
        return [existing]
      },
      createRelease: record('create'),
      updateRelease: record('update'),
      deleteRelease: record('delete')
    }
    return { fake: fake as unknown as ReleaseApi, calls }
  }

  // [description, assets of the release, names this run publishes, outcome: used or the error]
  const rows: [string, AssetInfo[], string[], string][] = [
    ['holds every file of the run: used, nothing written', complete, names, 'used'],
    [
      'holds more than the run publishes (another leg too): used',
      [...complete, asset('c.zip', { id: 20 })],
      names,
      'used'
    ],
    [
      'one file missing: refused before building',
      complete.filter(a => a.name !== 'b.zip'),
      names,
      'is published and immutable'
    ],
    [
      'one file a starter leftover: refused',
      [complete[0]!, starter, complete[2]!],
      names,
      'is published and immutable'
    ],
    ['no names given: refused as before', complete, [], 'is published and immutable'],
    ['empty: refused', [], names, 'is published and immutable']
  ]

  test.each(numberedOutcome(rows))('[%d] %s -> %s', async (_n, _what, outcome, assets, run) => {
    const existing = published(assets)
    const { fake, calls } = api(existing)
    const found = findOrCreateRelease(fake, 'v1.0.0', () => ({}), { info: () => {} } as never, run)
    if (outcome === 'used') {
      await expect(found).resolves.toEqual({ release: existing, created: false })
      expect(calls).toEqual(['list'])
    } else {
      await expect(found).rejects.toThrow(outcome)
      expect(calls).toEqual(['list'])
    }
  })
})

describe('release text', () => {
  const values = releaseValues(
    {
      version: '1.2.0',
      tag: 'v1.2.0',
      commit: 'c0ffee',
      shortCommit: 'c0ffee',
      date: '2024-10-01T12:00:00Z',
      epoch: 1727784000,
      snapshot: false,
      previousTag: '',
      summary: 'v1.2.0',
      dirty: false
    },
    'app',
    {}
  )

  test('each input renders with the release fields; the title defaults to the tag', () => {
    const problems: string[] = []
    const text = renderReleaseText(
      { releaseName: '', releaseHeader: '# {{ .ProjectName }}', releaseFooter: '{{ .Tag }} ends' },
      'v1.2.0',
      values,
      problems
    )
    expect(problems).toEqual([])
    expect(text).toEqual({ title: 'v1.2.0', header: '# app', footer: 'v1.2.0 ends' })
  })

  test('a title over two lines, and a template that fails, are problems naming their input', () => {
    const problems: string[] = []
    renderReleaseText(
      { releaseName: 'a{{ "\\n" }}b', releaseHeader: '{{ .Env.NOPE }}', releaseFooter: '' },
      'v1',
      values,
      problems
    )
    expect(problems).toEqual([
      'release-name: "a\nb" is not one line of at most 1000 characters',
      expect.stringMatching(/^release-header: .*NOPE/)
    ])
  })

  test('a title of 1001 characters is a problem; 1000 are not', () => {
    const problems: string[] = []
    renderReleaseText(
      { releaseName: 'n'.repeat(1000), releaseHeader: '', releaseFooter: '' },
      'v1',
      values,
      problems
    )
    expect(problems).toEqual([])
    renderReleaseText(
      { releaseName: 'n'.repeat(1001), releaseHeader: '', releaseFooter: '' },
      'v1',
      values,
      problems
    )
    expect(problems).toEqual([
      expect.stringMatching(/^release-name: "n+" is not one line of at most 1000 characters$/)
    ])
  })

  test.each([
    ['# h', 'notes', 'f', '# h\n\nnotes\n\nf'],
    ['', 'notes\n', '', 'notes'],
    ['# h\n', '', 'f', '# h\n\nf']
  ])('releaseBody(%j, %j, %j) = %j', (header, notes, footer, body) => {
    expect(releaseBody(header, notes, footer)).toBe(body)
  })
})
