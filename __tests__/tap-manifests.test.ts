import {
  MANIFEST_WRITE_ATTEMPTS,
  caskToken,
  commitManifest,
  compareVersions,
  declaredVersion,
  defaultInstall,
  formulaClassName,
  githubDownloadUrl,
  manifestPath,
  matchManpages,
  renderScoop,
  selectAssets,
  urlPathEscape,
  type AssetFilter,
  type ManifestAsset,
  type ManifestPackage,
  type ManifestRepo
} from '../src/tap-manifests.js'
import { targetId } from '../src/targets.js'

function asset(spec: string, extra: Partial<ManifestAsset> = {}): ManifestAsset {
  const [goos = '', goarch = '', variant] = spec.split('/')
  const format = extra.format ?? (goos === 'windows' ? 'zip' : 'tar.gz')
  return {
    target: { goos, goarch, ...(variant ? { variant } : {}), id: targetId(goos, goarch, variant) },
    name: `tool_${targetId(goos, goarch, variant)}.${format}`,
    format,
    setId: '',
    binaries: [goos === 'windows' ? 'tool.exe' : 'tool'],
    wrappedIn: '',
    files: [],
    ...extra
  }
}

const filter = (kind: AssetFilter['kind'], more: Partial<AssetFilter> = {}): AssetFilter => ({
  kind,
  ids: [],
  goarm: '6',
  goamd64: 'v1',
  ...more
})

const ALL = [
  'linux/amd64',
  'linux/arm64',
  'linux/arm/6',
  'linux/arm/7',
  'linux/386',
  'darwin/amd64',
  'darwin/arm64',
  'windows/amd64',
  'windows/386',
  'windows/arm64',
  'freebsd/amd64'
].map(s => asset(s))

const names = (list: ManifestAsset[]): string[] => list.map(a => a.target.id)

describe('formulaClassName (Homebrew Formulary.class_s)', () => {
  test.each([
    ['some-binary', 'SomeBinary'],
    ['some_binary', 'SomeBinary'],
    ['baton-1password', 'Baton1password'],
    ['binaryv0.0.0', 'Binaryv000'],
    ['some_binary@1', 'SomeBinaryAT1'],
    ['foo@1.2', 'FooAT12'],
    ['FooBar', 'Foobar'],
    ['gtk+', 'Gtkx'],
    ['trailing-', 'Trailing'],
    ['at@x', 'At@x'],
    ['', '']
  ])('%s → %s', (name, expected) => {
    expect(formulaClassName(name)).toBe(expected)
  })

  test('cask tokens are lower case with dashes for spaces', () => {
    expect(caskToken('My App')).toBe('my-app')
  })
})

describe('urlPathEscape (Go url.PathEscape)', () => {
  test.each([
    ['v1.2.3', 'v1.2.3'],
    ['v1.2.3+build.7', 'v1.2.3+build.7'],
    ['release/v1', 'release%2Fv1'],
    ['a b', 'a%20b'],
    ['x~$&:=@', 'x~$&:=@'],
    ['é', '%C3%A9'],
    ["it's(1)", 'it%27s%281%29']
  ])('%s → %s', (tag, expected) => {
    expect(urlPathEscape(tag)).toBe(expected)
  })

  test('the default GitHub download URL escapes the tag only', () => {
    expect(githubDownloadUrl('https://ghe.example/', 'o/r', 'rel/v1', 'tool_1.tar.gz')).toBe(
      'https://ghe.example/o/r/releases/download/rel%2Fv1/tool_1.tar.gz'
    )
  })
})

describe('selectAssets', () => {
  test('a formula takes darwin and linux amd64, arm64 and arm of the chosen GOARM', () => {
    expect(names(selectAssets(ALL, filter('formula')))).toEqual([
      'linux_amd64',
      'linux_arm64',
      'linux_arm_6',
      'darwin_amd64',
      'darwin_arm64'
    ])
    expect(names(selectAssets(ALL, filter('formula', { goarm: '7' })))).toContain('linux_arm_7')
  })

  test('a cask takes no 32-bit arm; a Scoop manifest takes windows archives only', () => {
    expect(names(selectAssets(ALL, filter('cask')))).toEqual([
      'linux_amd64',
      'linux_arm64',
      'darwin_amd64',
      'darwin_arm64'
    ])
    expect(names(selectAssets(ALL, filter('scoop')))).toEqual([
      'windows_amd64',
      'windows_386',
      'windows_arm64'
    ])
  })

  test('the GOAMD64 filter: no variant counts as v1; casks have no filter', () => {
    const list = [asset('linux/amd64'), asset('linux/amd64/v3')]
    expect(names(selectAssets(list, filter('formula')))).toEqual(['linux_amd64'])
    expect(names(selectAssets(list, filter('formula', { goamd64: 'v3' })))).toEqual([
      'linux_amd64_v3'
    ])
    expect(() => selectAssets(list, filter('cask'))).toThrow(
      'homebrew_casks: one manifest takes one file per platform, but linux/amd64 has tool_linux_amd64.tar.gz and tool_linux_amd64_v3.tar.gz: choose one archive set with ids'
    )
  })

  test('two archive formats of one platform need ids to choose', () => {
    const list = [
      asset('darwin/arm64', { setId: 'a' }),
      asset('darwin/arm64', { setId: 'b', format: 'zip', name: 'tool_darwin_arm64.zip' })
    ]
    expect(() => selectAssets(list, filter('formula'))).toThrow('darwin/arm64 has')
    expect(selectAssets(list, filter('formula', { ids: ['b'] }))).toEqual([list[1]])
  })

  test('a universal binary is taken only when no thin darwin file is published', () => {
    const all = asset('darwin/all')
    expect(names(selectAssets([...ALL, all], filter('cask')))).not.toContain('darwin_all')
    expect(names(selectAssets([asset('linux/amd64'), all], filter('cask')))).toEqual([
      'linux_amd64',
      'darwin_all'
    ])
  })

  test('bare binaries serve Homebrew, never Scoop; gz archives serve Scoop only', () => {
    const bare = asset('darwin/arm64', { format: 'binary', binary: 'tool', binaries: [] })
    expect(selectAssets([bare], filter('cask'))).toEqual([bare])
    expect(() =>
      selectAssets([asset('windows/amd64', { format: 'binary' })], filter('scoop'))
    ).toThrow(
      'scoops: no windows archive matches goos=windows goarch=[386 amd64 arm64] goamd64=v1 ids=[]; Scoop needs one per architecture'
    )
    expect(() => selectAssets([asset('linux/amd64', { format: 'gz' })], filter('formula'))).toThrow(
      'brews: no linux/macos archives found matching goos=[darwin linux] goarch=[amd64 arm64 arm] goamd64=v1 goarm=6 ids=[]'
    )
  })
})

describe('defaultInstall', () => {
  test('bin.install of each binary, sorted and unique, then the extra lines', () => {
    const a = asset('linux/amd64', { binaries: ['zed', 'alpha', 'zed'] })
    expect(defaultInstall(a, '', 'man1.install "x.1"\n')).toEqual([
      'bin.install "alpha"',
      'bin.install "zed"',
      'man1.install "x.1"'
    ])
  })

  test('a bare binary is installed under its own name; given lines replace the default', () => {
    const a = asset('darwin/arm64', { format: 'binary', binary: 'tool', name: 'tool_darwin' })
    expect(defaultInstall(a, '', '')).toEqual(['bin.install "tool_darwin" => "tool"'])
    expect(defaultInstall(a, '  bin.install "x"\n\n  y\n', '')).toEqual([
      'bin.install "x"',
      '',
      '  y'
    ])
  })
})

describe('manifests in their repository', () => {
  test('paths', () => {
    expect(manifestPath('formula', '', 'tool')).toBe('tool.rb')
    expect(manifestPath('cask', 'Casks/', 'My App')).toBe('Casks/My App.rb')
    expect(manifestPath('scoop', '/bucket', 'tool')).toBe('bucket/tool.json')
  })

  test('the version a manifest declares', () => {
    expect(declaredVersion('cask', 'cask "x" do\n  version "1.2.3"\n')).toBe('1.2.3')
    expect(declaredVersion('formula', 'class X < Formula\n  version "0.9.0-rc.1"\n')).toBe(
      '0.9.0-rc.1'
    )
    expect(declaredVersion('scoop', '{"version": "2.0.0"}')).toBe('2.0.0')
    expect(declaredVersion('scoop', 'not json')).toBeUndefined()
    expect(declaredVersion('formula', 'class X < Formula\nend\n')).toBeUndefined()
  })

  test.each([
    ['1.2.3', '1.2.3', 0],
    ['1.2.4', '1.2.3', 1],
    ['1.10.0', '1.9.9', 1],
    ['2.0.0-rc.1', '2.0.0', -1],
    ['2.0.0-rc.2', '2.0.0-rc.10', -1],
    ['2.0.0-alpha', '2.0.0-1', 1],
    ['2.0.0-rc.1', '2.0.0-rc.1.1', -1],
    ['v1.0.0+build', '1.0.0', 0],
    ['1.0', '1.0.0', undefined]
  ])('compareVersions(%s, %s) = %s', (a, b, expected) => {
    expect(compareVersions(a, b)).toBe(expected)
  })
})

describe('matchManpages', () => {
  const pkg = (files: string[]): ManifestPackage => ({
    ...asset('darwin/arm64', { files }),
    url: 'u',
    sha256: 's'
  })

  test('patterns match the extra files; * stays in its folder, ** crosses', () => {
    const p = pkg(['man/tool.1', 'man/sub/tool-x.1', 'README.md'])
    expect(matchManpages(['man/*.1'], [p]).manpages).toEqual(['man/tool.1'])
    expect(matchManpages(['man/**.1'], [p]).manpages).toEqual(['man/sub/tool-x.1', 'man/tool.1'])
  })

  test('nothing matched, or archives that differ, is warned', () => {
    expect(matchManpages(['*.5'], [pkg(['man/tool.1'])])).toEqual({
      manpages: [],
      warning: 'no man page in the archives matches *.5'
    })
    expect(matchManpages(['man/*.1'], [pkg(['man/tool.1']), pkg([])]).warning).toBe(
      'the archives hold different extra files; man pages are listed as given'
    )
  })
})

describe('renderScoop', () => {
  test('bin is always a list, folders joined; no binaries is null; Go escapes <>&', () => {
    const p = (goarch: string, extra: Partial<ManifestAsset>): ManifestPackage => ({
      ...asset(`windows/${goarch}`, extra),
      url: `https://x/${goarch}.zip`,
      sha256: 'ab'.repeat(32)
    })
    const text = renderScoop(
      {
        name: 'tool',
        description: 'a & b',
        homepage: '',
        license: '',
        persist: [],
        preInstall: [],
        postInstall: [],
        depends: [],
        shortcuts: []
      },
      '1.0.0',
      [p('arm64', { binaries: [] }), p('amd64', { wrappedIn: 'tool_1' })]
    )
    expect(text.endsWith('}\n')).toBe(true)
    expect(JSON.parse(text)).toEqual({
      version: '1.0.0',
      architecture: {
        '64bit': { url: 'https://x/amd64.zip', bin: ['tool_1/tool.exe'], hash: 'ab'.repeat(32) },
        arm64: { url: 'https://x/arm64.zip', bin: null, hash: 'ab'.repeat(32) }
      },
      description: 'a & b'
    })
    expect(text).toContain('"description": "a \\u0026 b"')
    expect(text).toContain('\n    "architecture": {\n        "64bit": {\n')
  })
})

describe('commitManifest', () => {
  /** A repository of one file whose writes may be made to lose races. */
  function fakeRepo(initial?: string) {
    let file: { sha: string; content: Buffer } | undefined =
      initial === undefined ? undefined : { sha: 'sha-0', content: Buffer.from(initial) }
    let n = 0
    const writes: { sha?: string; content: string }[] = []
    let races = 0
    const repo: ManifestRepo = {
      readFile: async () => file,
      writeFile: async w => {
        writes.push({ ...(w.sha ? { sha: w.sha } : {}), content: w.content.toString() })
        if (races > 0) {
          races--
          // Someone else wrote meanwhile: the file moved on.
          file = { sha: `sha-other-${++n}`, content: Buffer.from(`version "1.0.${n}"`) }
          throw Object.assign(new Error('x.rb does not match'), { status: 409 })
        }
        file = { sha: `sha-${++n}`, content: w.content }
        return { commit: `c${n}`, url: `u${n}` }
      }
    }
    return {
      repo,
      writes,
      race: (k: number) => (races = k),
      text: () => file?.content.toString()
    }
  }
  const manifest = (version: string) => ({
    kind: 'cask' as const,
    path: 'Casks/x.rb',
    branch: 'main',
    content: Buffer.from(`version "${version}"`),
    version,
    message: `x ${version}`
  })

  test('a new file is written; the same bytes again are not', async () => {
    const f = fakeRepo()
    expect(await commitManifest(f.repo, manifest('1.2.0'))).toEqual({
      outcome: 'written',
      commit: 'c1',
      url: 'u1'
    })
    expect(await commitManifest(f.repo, manifest('1.2.0'))).toEqual({ outcome: 'unchanged' })
    expect(f.writes).toEqual([{ content: 'version "1.2.0"' }])
  })

  test('an older manifest is replaced, naming its sha; a newer one is left alone', async () => {
    const f = fakeRepo('version "1.1.0"')
    expect((await commitManifest(f.repo, manifest('1.2.0'))).outcome).toBe('written')
    expect(f.writes).toEqual([{ sha: 'sha-0', content: 'version "1.2.0"' }])
    expect(await commitManifest(f.repo, manifest('1.1.9'))).toEqual({
      outcome: 'newer-there',
      version: '1.2.0'
    })
    expect(f.text()).toBe('version "1.2.0"')
  })

  test('a lost race reads again and writes on the new sha', async () => {
    const f = fakeRepo('version "1.0.0"')
    f.race(2)
    expect((await commitManifest(f.repo, manifest('2.0.0'))).outcome).toBe('written')
    expect(f.writes.map(w => w.sha)).toEqual(['sha-0', 'sha-other-1', 'sha-other-2'])
    expect(f.text()).toBe('version "2.0.0"')
  })

  test('a race lost to a newer release leaves its manifest', async () => {
    const f = fakeRepo('version "0.9.0"')
    f.race(1)
    expect(await commitManifest(f.repo, manifest('1.0.0-rc.1'))).toEqual({
      outcome: 'newer-there',
      version: '1.0.1'
    })
    expect(f.writes).toHaveLength(1)
  })

  test('races lost every time give up with the last error; other failures are not retried', async () => {
    const f = fakeRepo('version "1.0.0"')
    f.race(MANIFEST_WRITE_ATTEMPTS)
    await expect(commitManifest(f.repo, manifest('9.0.0'))).rejects.toThrow('does not match')
    expect(f.writes).toHaveLength(MANIFEST_WRITE_ATTEMPTS)
    const refused: ManifestRepo = {
      readFile: async () => undefined,
      writeFile: async () => {
        throw Object.assign(new Error('Resource not accessible by integration'), { status: 403 })
      }
    }
    await expect(commitManifest(refused, manifest('1.0.0'))).rejects.toThrow('not accessible')
  })
})
