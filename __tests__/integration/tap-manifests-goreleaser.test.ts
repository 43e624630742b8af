// The Homebrew formulas and casks and the Scoop manifests src/tap-manifests.ts writes, against
// GoReleaser's own: GoReleaser v2.16.0 (the parity suite's) releases a small project whose config
// has two entries of each section (one with defaults, one with every field we write), and our
// renderers get the same values and GoReleaser's archives (names, digests, binaries, folders) from
// its dist/artifacts.json. The files must be identical byte for byte; the Ruby must parse
// (`ruby -c`, Debian's ruby) and the Scoop JSON must validate against Scoop's own schema.
import { execFileSync } from 'node:child_process'
import * as crypto from 'node:crypto'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { stringify } from 'yaml'
import {
  defaultInstall,
  githubDownloadUrl,
  manifestPath,
  matchManpages,
  renderCask,
  renderFormula,
  renderScoop,
  selectAssets,
  type CaskSpec,
  type FormulaSpec,
  type ManifestAsset,
  type ManifestKind,
  type ManifestPackage,
  type ScoopSpec
} from '../../src/tap-manifests.js'
import { renderTemplate } from '../../src/template.js'
import { findGoreleaser } from '../fakes/go-tools.js'
import { run } from '../fakes/parity-projects.js'
import { scoopValidator } from '../fakes/schemas.js'
import { targetId } from '../../src/targets.js'

const TAG = 'v1.2.3'
const VERSION = '1.2.3'
const REPOSITORY = 'octo-org/hello'
const DATE = '2024-10-01T12:00:00Z'
const TAP = { owner: 'octo-org', name: 'homebrew-tap' }

/** Values both tools get: GoReleaser from the YAML, ours as specs. */
const FORMULA_FULL = {
  name: 'hello-full@2',
  description: 'Says hello & <more> to {{ .ProjectName }}',
  homepage: 'https://example.com/hello',
  license: 'MIT',
  dependencies: [
    { name: 'git' },
    { name: 'zsh', type: 'optional' },
    { name: 'bash', version: '3.2.57' },
    { name: 'fish', os: 'mac' }
  ],
  conflicts: ['hello', 'hello-old'],
  caveats: 'Run {{ .ProjectName }} with care.\nSecond line.',
  test: 'system "#{bin}/hello", "--version"\nassert_predicate bin/"hello", :exist?',
  post_install: 'system "echo", "installed"',
  service: 'run [opt_bin/"hello", "serve"]\nkeep_alive true',
  custom_require: 'custom_download_strategy',
  custom_block: 'head "https://github.com/octo-org/hello.git"',
  download_strategy: 'CurlDownloadStrategy',
  url_headers: ['Accept: application/octet-stream', 'X-Tag: {{ .Tag }}'],
  install: 'bin.install "hello"',
  extra_install: 'man1.install "man/hello.1"'
}

const CASK_FULL = {
  name: 'Hello Full',
  description: 'Says hello, fully',
  homepage: 'https://example.com/hello',
  binaries: ['hello'],
  manpages: ['man/*.1'],
  completions: { bash: 'completions/hello.bash', zsh: 'completions/_hello' },
  service: 'hello.plist',
  hooks: {
    pre: { install: 'system_command "/bin/echo", args: ["pre"]' },
    post: {
      install:
        'system_command "/usr/bin/xattr", args: ["-dr", "com.apple.quarantine", "#{staged_path}/hello"]',
      uninstall: 'puts "bye"'
    }
  },
  conflicts: [{ cask: 'hello' }, { formula: 'hello' }],
  dependencies: [{ cask: 'zeta' }, { formula: 'git' }, { formula: 'bash' }],
  uninstall: { delete: ['/usr/local/bin/hello'], quit: ['com.example.hello'] },
  zap: { trash: ['~/.hello', '~/Library/Preferences/com.example.hello.plist'] },
  caveats: 'Hello needs {{ .ProjectName }} configured.',
  custom_block: 'auto_updates true',
  url: {
    verified: 'github.com/octo-org/hello',
    using: ':homebrew_curl',
    cookies: { session: 'abc', lang: 'en' },
    headers: ['Accept: application/octet-stream'],
    user_agent: ':fake'
  },
  generate_completions_from_executable: {
    args: ['completion'],
    base_name: 'hello',
    shell_parameter_format: 'cobra',
    shells: ['bash', 'zsh', 'fish']
  }
}

const SCOOP_FULL = {
  name: 'hello-full',
  description: 'Says <hello> & more',
  homepage: 'https://example.com/hello',
  license: 'Apache-2.0',
  persist: ['data', 'hello.ini'],
  pre_install: ["Write-Host 'before'"],
  post_install: ["Write-Host 'after'"],
  depends: ['git'],
  shortcuts: [['hello.exe', 'Hello']]
}

const CONFIG = {
  version: 2,
  project_name: 'hello',
  builds: [
    {
      id: 'hello',
      main: '.',
      binary: 'hello',
      env: ['CGO_ENABLED=0'],
      flags: ['-trimpath'],
      goos: ['darwin', 'linux', 'windows'],
      goarch: ['amd64', 'arm64', 'arm', '386'],
      goarm: ['6'],
      ignore: [
        { goos: 'darwin', goarch: '386' },
        { goos: 'darwin', goarch: 'arm' },
        { goos: 'windows', goarch: 'arm' },
        { goos: 'linux', goarch: '386' }
      ]
    }
  ],
  archives: [
    {
      id: 'plain',
      formats: ['tar.gz'],
      format_overrides: [{ goos: 'windows', formats: ['zip'] }],
      files: ['none*']
    },
    {
      id: 'wrapped',
      name_template: '{{ .ProjectName }}-{{ .Version }}-{{ .Os }}-{{ .Arch }}',
      wrap_in_directory: true,
      formats: ['tar.gz'],
      format_overrides: [{ goos: 'windows', formats: ['zip'] }],
      files: [{ src: 'man/hello.1', dst: 'man', strip_parent: true }]
    }
  ],
  checksum: { name_template: 'checksums.txt' },
  brews: [
    { name: 'hello', ids: ['plain'], repository: TAP, directory: 'Formula' },
    { ...FORMULA_FULL, ids: ['wrapped'], repository: TAP }
  ],
  homebrew_casks: [
    { name: 'hello', ids: ['plain'], repository: TAP },
    { ...CASK_FULL, ids: ['wrapped'], repository: TAP, directory: 'Casks' }
  ],
  scoops: [
    { name: 'hello', ids: ['plain'], repository: TAP },
    { ...SCOOP_FULL, ids: ['wrapped'], repository: TAP, directory: 'bucket' }
  ]
}

/** GoReleaser's record of one archive (dist/artifacts.json). */
interface Artifact {
  name: string
  path: string
  goos?: string
  goarch?: string
  goarm?: string
  goamd64?: string
  type: string
  extra?: {
    Binaries?: string[]
    WrappedIn?: string
    ID?: string
    Format?: string
    Files?: string[]
  }
}

let work: string
let dist: string
let packages: (ManifestAsset & { sha256: string })[]

const second = (text: string): string =>
  renderTemplate(text, { ProjectName: 'hello', Version: VERSION, Tag: TAG })

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'tap-manifests-'))
  fs.writeFileSync(path.join(work, 'go.mod'), 'module example.com/hello\n\ngo 1.22\n')
  fs.writeFileSync(
    path.join(work, 'main.go'),
    'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hello") }\n'
  )
  fs.mkdirSync(path.join(work, 'man'))
  fs.writeFileSync(path.join(work, 'man', 'hello.1'), '.TH HELLO 1\n')
  fs.writeFileSync(path.join(work, '.goreleaser.yaml'), stringify(CONFIG))
  const git = { GIT_AUTHOR_DATE: DATE, GIT_COMMITTER_DATE: DATE }
  const who = ['-c', 'user.name=t', '-c', 'user.email=t@example.com']
  await run('git', ['init', '-q'], work)
  await run('git', ['add', '-A'], work)
  await run('git', [...who, 'commit', '-q', '-m', 'release'], work, git)
  await run('git', [...who, 'tag', TAG], work, git)
  await run('git', ['remote', 'add', 'origin', `https://github.com/${REPOSITORY}.git`], work)
  const goreleaser = await findGoreleaser()
  await run(goreleaser, ['release', '--clean', '--skip=publish,announce,validate,sign'], work, {
    GITHUB_TOKEN: '',
    GORELEASER_CURRENT_TAG: TAG
  })
  dist = path.join(work, 'dist')
  const artifacts = JSON.parse(
    fs.readFileSync(path.join(dist, 'artifacts.json'), 'utf8')
  ) as Artifact[]
  packages = artifacts
    .filter(a => a.type === 'Archive')
    .map(a => {
      const variant = a.goarch === 'arm' ? a.goarm : a.goarch === 'amd64' ? a.goamd64 : undefined
      const target = {
        goos: a.goos!,
        goarch: a.goarch!,
        ...(variant ? { variant } : {}),
        id: targetId(a.goos!, a.goarch!, variant)
      }
      return {
        target,
        name: a.name,
        format: a.extra?.Format ?? '',
        setId: a.extra?.ID ?? '',
        binaries: a.extra?.Binaries ?? [],
        wrappedIn: a.extra?.WrappedIn ?? '',
        files: a.extra?.Files ?? [],
        sha256: crypto
          .createHash('sha256')
          .update(fs.readFileSync(path.join(work, a.path)))
          .digest('hex')
      }
    })
}, 600_000)

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true })
})

/** The chosen assets with GoReleaser's default GitHub download URL. */
function chosen(kind: ManifestKind, ids: string[]): ManifestPackage[] {
  const assets = selectAssets(packages, { kind, ids, goarm: '6', goamd64: 'v1' })
  return assets.map(a => ({
    ...a,
    url: githubDownloadUrl('https://github.com', REPOSITORY, TAG, a.name),
    sha256: packages.find(p => p.name === a.name)!.sha256
  }))
}

const formulaSpec = (c: Partial<typeof FORMULA_FULL> & { name: string }): FormulaSpec => ({
  name: c.name,
  description: c.description ?? '',
  homepage: c.homepage ?? '',
  license: c.license ?? '',
  dependencies: c.dependencies ?? [],
  conflicts: c.conflicts ?? [],
  postInstall: c.post_install ?? '',
  caveats: c.caveats ?? '',
  service: c.service ?? '',
  test: c.test ?? '',
  customRequire: c.custom_require ?? '',
  customBlock: c.custom_block ?? '',
  downloadStrategy: c.download_strategy ?? '',
  urlHeaders: c.url_headers ?? []
})

const NO_CLEANUP = { launchctl: [], quit: [], loginItem: [], delete: [], trash: [] }
const caskSpec = (
  c: Partial<typeof CASK_FULL> & { name: string },
  manpages: string[]
): CaskSpec => ({
  name: c.name,
  description: c.description ?? '',
  homepage: c.homepage ?? '',
  customBlock: c.custom_block ?? '',
  binaries: c.binaries ?? [c.name],
  manpages,
  completions: { bash: '', zsh: '', fish: '', ...c.completions },
  service: c.service ?? '',
  hooks: {
    preInstall: c.hooks?.pre?.install ?? '',
    postInstall: c.hooks?.post?.install ?? '',
    preUninstall: '',
    postUninstall: c.hooks?.post?.uninstall ?? ''
  },
  dependencies: c.dependencies ?? [],
  conflicts: c.conflicts ?? [],
  uninstall: { ...NO_CLEANUP, ...c.uninstall },
  zap: { ...NO_CLEANUP, ...c.zap },
  caveats: c.caveats ?? '',
  generateCompletions: {
    executable: c.generate_completions_from_executable ? (c.binaries ?? [c.name])[0]! : '',
    args: c.generate_completions_from_executable?.args ?? [],
    baseName: c.generate_completions_from_executable?.base_name ?? '',
    shellParameterFormat: c.generate_completions_from_executable?.shell_parameter_format ?? '',
    shells: c.generate_completions_from_executable?.shells ?? []
  },
  url: {
    verified: c.url?.verified ?? '',
    using: c.url?.using ?? '',
    cookies: c.url?.cookies ?? {},
    referer: '',
    headers: c.url?.headers ?? [],
    userAgent: c.url?.user_agent ?? '',
    data: {}
  }
})

const scoopSpec = (c: Partial<typeof SCOOP_FULL> & { name: string }): ScoopSpec => ({
  name: c.name,
  description: c.description ?? '',
  homepage: c.homepage ?? '',
  license: c.license ?? '',
  persist: c.persist ?? [],
  preInstall: c.pre_install ?? [],
  postInstall: c.post_install ?? [],
  depends: c.depends ?? [],
  shortcuts: c.shortcuts ?? []
})

const theirs = (kind: ManifestKind, directory: string, name: string): string =>
  fs.readFileSync(
    path.join(dist, kind === 'scoop' ? 'scoop' : 'homebrew', manifestPath(kind, directory, name)),
    'utf8'
  )

/** `ruby -c` of a Ruby file's text: Syntax OK, or the parser's complaint. */
function rubyCheck(text: string): string {
  const file = path.join(work, `check-${crypto.randomUUID()}.rb`)
  fs.writeFileSync(file, text)
  return execFileSync('ruby', ['-c', file], { encoding: 'utf8' }).trim()
}

describe('formulas (brews)', () => {
  test('defaults: the same file as GoReleaser, and Ruby parses it', () => {
    const packages = chosen('formula', ['plain'])
    const ours = renderFormula(
      formulaSpec({ name: 'hello' }),
      VERSION,
      packages.map(p => ({ ...p, install: defaultInstall(p, '', '') })),
      second
    )
    expect(ours).toBe(theirs('formula', 'Formula', 'hello'))
    expect(ours).toContain('if Hardware::CPU.arm? && !Hardware::CPU.is_64_bit?')
    expect(rubyCheck(ours)).toBe('Syntax OK')
  })

  test('every field: the same file as GoReleaser, and Ruby parses it', () => {
    const packages = chosen('formula', ['wrapped'])
    const ours = renderFormula(
      formulaSpec(FORMULA_FULL),
      VERSION,
      packages.map(p => ({
        ...p,
        install: defaultInstall(p, FORMULA_FULL.install, FORMULA_FULL.extra_install)
      })),
      second
    )
    expect(ours).toBe(theirs('formula', '', FORMULA_FULL.name))
    expect(ours).toContain('class HelloFullAT2 < Formula')
    expect(ours).toContain('Run hello with care.')
    expect(rubyCheck(ours)).toBe('Syntax OK')
  })
})

describe('casks (homebrew_casks)', () => {
  test('defaults: the same file as GoReleaser, and Ruby parses it', () => {
    const packages = chosen('cask', ['plain'])
    const ours = renderCask(caskSpec({ name: 'hello' }, []), VERSION, packages, second)
    expect(ours).toBe(theirs('cask', 'Casks', 'hello'))
    expect(ours).toContain('#{version}')
    expect(rubyCheck(ours)).toBe('Syntax OK')
  })

  test('every field, wrapped archives and man pages: the same file as GoReleaser', () => {
    const packages = chosen('cask', ['wrapped'])
    const { manpages, warning } = matchManpages(CASK_FULL.manpages, packages)
    expect(warning).toBeUndefined()
    expect(manpages).toEqual(['man/hello.1'])
    const ours = renderCask(caskSpec(CASK_FULL, manpages), VERSION, packages, second)
    expect(ours).toBe(theirs('cask', 'Casks', CASK_FULL.name))
    expect(ours).toContain('cask "hello-full" do')
    expect(ours).toContain('rename "hello-1.2.3-darwin-arm64/hello", "hello"')
    expect(rubyCheck(ours)).toBe('Syntax OK')
  })
})

describe('Scoop manifests (scoops)', () => {
  const validate = scoopValidator()

  test('defaults: the same file as GoReleaser', () => {
    const ours = renderScoop(scoopSpec({ name: 'hello' }), VERSION, chosen('scoop', ['plain']))
    expect(ours).toBe(theirs('scoop', '', 'hello'))
    // Scoop's schema requires homepage and license, which GoReleaser leaves out when unset.
    expect(validate(JSON.parse(ours))).toBe(false)
    expect(validate.errors?.map(e => e.params)).toEqual(
      expect.arrayContaining([{ missingProperty: 'homepage' }])
    )
  })

  test('every field, wrapped archives: the same file as GoReleaser, valid by Scoop schema', () => {
    const ours = renderScoop(scoopSpec(SCOOP_FULL), VERSION, chosen('scoop', ['wrapped']))
    expect(ours).toBe(theirs('scoop', 'bucket', SCOOP_FULL.name))
    expect(ours).toContain('\\u003chello\\u003e \\u0026 more')
    expect(ours).toContain('"hello-1.2.3-windows-386/hello.exe"')
    expect(validate(JSON.parse(ours))).toBe(true)
    expect(Object.keys((JSON.parse(ours) as { architecture: object }).architecture)).toEqual([
      '32bit',
      '64bit',
      'arm64'
    ])
  })
})
