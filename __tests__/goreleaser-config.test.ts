import * as fs from 'node:fs'
import * as path from 'node:path'
import { parse } from 'yaml'
import { withConfigOrigins } from '../src/inputs/goreleaser-source.js'
import {
  GORELEASER_DEFAULT_BINARY_NAME,
  GORELEASER_DEFAULT_FILES,
  GORELEASER_DEFAULT_LDFLAGS,
  GORELEASER_DEFAULT_NAME,
  readGoreleaserConfig,
  repoNameOf,
  type ConfigContext
} from '../src/goreleaser-config.js'

/**
 * The mapping from a GoReleaser config to the action's raw input values, over real configs from
 * the Go module proxy (__tests__/fixtures/goreleaser, each with its source in its first line) and
 * small synthetic ones for the edges.
 */
const fixture = (name: string): string =>
  fs.readFileSync(path.join(import.meta.dirname, 'fixtures', 'goreleaser', `${name}.yml`), 'utf8')

const ctx = (over: Partial<ConfigContext> = {}): ConfigContext => ({
  file: '.goreleaser.yml',
  modulePath: 'github.com/o/p',
  originUrl: '',
  unsupported: 'error',
  ...over
})

const read = (text: string, over: Partial<ConfigContext> = {}) =>
  readGoreleaserConfig(text, ctx(over))

describe('real configs', () => {
  test('ffuf v2.2.1: the darwin→macOS name template, default files, windows zip, signs refused', () => {
    const r = read(fixture('ffuf'), {
      modulePath: 'github.com/ffuf/ffuf/v2',
      originUrl: 'https://github.com/ffuf/ffuf.git'
    })
    expect(r.values).toEqual({
      'project-name': 'ffuf',
      targets: [
        'linux/amd64',
        'linux/386',
        'linux/arm/6',
        'linux/arm64',
        'windows/amd64',
        'windows/386',
        'windows/arm64',
        'freebsd/amd64',
        'freebsd/386',
        'freebsd/arm/6',
        'openbsd/amd64',
        'openbsd/386',
        'openbsd/arm/6',
        'openbsd/arm64',
        'darwin/amd64',
        'darwin/386',
        'darwin/arm/6',
        'darwin/arm64'
      ].join('\n'),
      package: '.',
      'binary-name': 'ffuf',
      trimpath: 'true',
      ldflags:
        "-s -w -X github.com/ffuf/ffuf/v2/pkg/ffuf.VERSION={{ .Version }} -X github.com/ffuf/ffuf/v2/pkg/ffuf.VERSION_APPENDIX= -extldflags '-static'",
      cgo: 'false',
      archive: 'tar.gz',
      'archive-overrides': 'windows/*: zip',
      'name-template':
        '{{ .ProjectName }}_{{ .Version }}_ {{- if eq .Os "darwin" }}macOS{{ else }}{{ .Os }}{{ end }}_ {{- .Arch }}{{ with .Arm }}v{{ . }}{{ end }}',
      'archive-files': 'license*\nLICENSE*\nreadme*\nREADME*\nchangelog*\nCHANGELOG*',
      'checksums-name': '{{ .ProjectName }}_{{ .Version }}_checksums.txt',
      prerelease: 'auto'
    })
    expect(r.problems).toEqual([
      '.goreleaser.yml: signs: not made by this action yet; set goreleaser-unsupported: warn to build the rest without it'
    ])
    expect(r.targetsFromConfig).toBe(true)
  })

  test('ffuf with goreleaser-unsupported: warn: signs skipped with a warning, nothing refused', () => {
    const r = read(fixture('ffuf'), { unsupported: 'warn' })
    expect(r.problems).toEqual([])
    expect(r.warnings).toEqual(['.goreleaser.yml: skipped (not made by this action): signs'])
  })

  test('kubectx v0.11.0: two builds become two packages and two archive sets; snapcrafts are refused by path', () => {
    const r = read(fixture('kubectx'), {
      modulePath: 'github.com/ahmetb/kubectx',
      originUrl: 'git@github.com:ahmetb/kubectx.git'
    })
    expect(r.values.package).toBe('./cmd/kubectx\n./cmd/kubens')
    expect(r.values['binary-name']).toBe('kubectx\nkubens')
    // No ldflags: GoReleaser's default; no -trimpath in flags: none.
    expect(r.values.ldflags).toBe(GORELEASER_DEFAULT_LDFLAGS)
    expect(r.values.trimpath).toBe('false')
    expect(r.values.targets!.split('\n')).toContain('linux/arm/7')
    expect(r.values.targets!.split('\n')).toContain('windows/s390x')
    expect(r.values['checksum-algorithms']).toBe('sha256')
    // release.extra_files: the two bash scripts of the repository's root.
    expect(r.values['release-files']).toBe('kubens\nkubectx')
    expect(r.problems).toEqual([
      '.goreleaser.yml: snapcrafts: not made by this action yet; set goreleaser-unsupported: warn to build the rest without it'
    ])
    // One archive set per build (ids), each holding its binary for every target.
    const sets = parse(r.values.archives!) as Record<string, unknown>[]
    expect(sets.map(s => [s.id, s.binaries, s.targets, s.formats, s.overrides, s.files])).toEqual([
      [
        'kubectx-archive',
        ['kubectx'],
        undefined,
        ['tar.gz'],
        { 'windows/*': ['zip'] },
        ['LICENSE']
      ],
      ['kubens-archive', ['kubens'], undefined, ['tar.gz'], { 'windows/*': ['zip'] }, ['LICENSE']]
    ])
    expect(sets[1]!.name).toMatch(
      /^kubens_\{\{ \.Tag \}\}_\{\{ \.Os \}\}_\n\{\{- with \.Arch -\}\}/
    )
    expect(r.values['name-template']).toBeUndefined()
    expect(r.notes).toContain(
      '.goreleaser.yml: before.hooks[0]: "go mod download" is not run: the action downloads the modules of the committed go.mod and go.sum itself'
    )
  })

  test('fq v0.17.0: project_name, an ldflags list, none* files, windows and darwin zip, brews as formulas', () => {
    const r = read(fixture('fq'))
    expect(r.values['project-name']).toBe('fq')
    expect(r.values.ldflags).toBe(
      '-s -w -X main.commit={{.Commit}} -X main.date={{.CommitDate}} -X main.builtBy=goreleaser'
    )
    expect(r.values['archive-files']).toBe('none*')
    expect(r.values['archive-overrides']).toBe('windows/*: zip\ndarwin/*: zip')
    expect(r.values.draft).toBe('true')
    expect(r.problems).toEqual([])
    expect(parse(r.values['homebrew-formulas']!)).toEqual([
      {
        'skip-upload': 'auto',
        repository: { owner: 'wader', name: 'homebrew-tap' },
        directory: 'Formula',
        homepage: 'https://github.com/wader/fq',
        description: 'jq for binary formats',
        license: 'MIT',
        test: 'system "#{bin}/fq -v"\n'
      }
    ])
    expect(r.origins['homebrew-formulas']).toBe('brews')
  })

  test('act v0.2.87: goarm 6 and 7, an ignore that names goarm only, default ldflags', () => {
    const r = read(fixture('act'), { originUrl: 'https://github.com/nektos/act' })
    expect(r.values['project-name']).toBe('act')
    // {goos: windows, goarm: 6} drops windows/arm/6 only: other windows targets have no goarm.
    expect(r.values.targets!.split('\n').filter(t => t.startsWith('windows/'))).toEqual([
      'windows/amd64',
      'windows/386',
      'windows/arm64',
      'windows/arm/7',
      'windows/riscv64'
    ])
    expect(r.values.ldflags).toBe(GORELEASER_DEFAULT_LDFLAGS)
    expect(r.problems).toEqual([])
    expect(r.warnings).toEqual([
      '.goreleaser.yml: release.mode: not read: a release this run creates gets the notes; an existing one keeps its own'
    ])
  })

  test('goose v3.27.3: main in a sub-folder, formats binary, a snapshot template that is not used', () => {
    const r = read(fixture('goose'), { modulePath: 'github.com/pressly/goose/v3' })
    expect(r.values).toMatchObject({
      'project-name': 'goose',
      package: './cmd/goose',
      'binary-name': 'goose',
      archive: 'binary',
      ldflags: '-s -w -X main.version=v{{ .Version }}'
    })
    // Bare binaries carry no extra files.
    expect(r.values['archive-files']).toBeUndefined()
    expect(r.warnings).toEqual([
      '.goreleaser.yml: snapshot.version_template "{{ incpatch .Version }}-next" is not used: snapshot builds are versioned <next patch>-SNAPSHOT-<short commit>'
    ])
  })

  test('stern v1.33.0: v1 spellings noted; dockers and krews refused together', () => {
    const r = read(fixture('stern'), { originUrl: 'https://github.com/stern/stern.git' })
    expect(r.values['name-template']).toBe(
      '{{ .ProjectName }}_{{ .Version }}_{{ .Os }}_{{ .Arch }}'
    )
    expect(r.values['archive-files']).toBe('LICENSE')
    expect(r.problems).toEqual([
      '.goreleaser.yml: dockers, krews: not made by this action yet; set goreleaser-unsupported: warn to build the rest without them'
    ])
    expect(r.notes).toEqual(
      expect.arrayContaining([
        '.goreleaser.yml: archives[0].format: a GoReleaser v1 spelling; v2 writes formats: [ … ]',
        '.goreleaser.yml: archives[0].builds: a GoReleaser v1 spelling; v2 writes ids: [ … ]'
      ])
    )
  })

  test('k9s v0.50.16: four per-system builds that agree, go generate as a before hook', () => {
    const r = read(fixture('k9s'), {
      modulePath: 'github.com/derailed/k9s',
      originUrl: 'https://github.com/derailed/k9s.git',
      unsupported: 'warn'
    })
    expect(r.problems).toEqual([])
    expect(r.values.targets!.split('\n')).toEqual([
      'linux/amd64',
      'linux/arm64',
      'linux/arm/7',
      'linux/ppc64le',
      'linux/s390x',
      'freebsd/amd64',
      'freebsd/arm64',
      'darwin/amd64',
      'darwin/arm64',
      'windows/amd64',
      'windows/arm64'
    ])
    // The builds agree on their settings: no overrides, no scoped env.
    expect(r.values['build-overrides']).toBeUndefined()
    expect(r.values['binary-targets']).toBeUndefined()
    expect(r.values.env).toBeUndefined()
    expect(r.values.trimpath).toBe('true')
    expect(r.values['before-hooks']).toBe('go generate ./...')
    expect(r.values['checksums-name']).toBe('checksums.sha256')
    // brews are read now: no warning names them as skipped.
    expect(r.warnings.filter(w => w.includes('brews'))).toEqual([])
    expect(parse(r.values['homebrew-formulas']!)).toMatchObject([
      { name: 'k9s', 'commit-author': { name: 'derailed', email: 'fernand@imhotep.io' } }
    ])
    // nfpms: deb, rpm and apk with k9s's own name template, the LICENSE as the copyright file.
    expect(parse(r.values['linux-packages']!)).toEqual([
      {
        'file-name': '{{ .ProjectName }}_{{ .Os }}_{{ .Arch }}',
        maintainer: 'Fernand Galiana',
        homepage: 'https://k9scli.io',
        description: 'Kubernetes CLI To Manage Your Clusters In Style!',
        license: 'Apache-2.0',
        bindir: '/usr/bin',
        section: 'utils',
        formats: ['deb', 'rpm', 'apk'],
        contents: [{ src: './LICENSE', dst: '/usr/share/doc/k9s/copyright', mode: '0644' }]
      }
    ])
    expect(r.notes).toContain(
      '.goreleaser.yml: before.hooks[0]: "go mod download" is not run: the action downloads the modules of the committed go.mod and go.sum itself'
    )
  })

  test('jira-cli v1.7.0: the binary in a sub-folder (bin/jira), YAML merge keys, one archive set wrapped and one not', () => {
    const r = read(fixture('jira-cli'), {
      modulePath: 'github.com/ankitpokhrel/jira-cli',
      originUrl: 'https://github.com/ankitpokhrel/jira-cli.git',
      unsupported: 'warn'
    })
    expect(r.problems).toEqual([])
    expect(r.values).toMatchObject({
      'project-name': 'jira',
      package: './cmd/jira',
      'binary-name': 'bin/jira',
      cgo: 'false',
      'checksums-name': 'checksums.txt',
      'release-name': 'v{{.Version}}'
    })
    expect(r.values.targets!.split('\n')).toEqual([
      'darwin/amd64',
      'darwin/arm64',
      'linux/386',
      'linux/arm/6',
      'linux/amd64',
      'linux/arm64',
      'windows/amd64'
    ])
    // The three builds share their settings through `<<: *build_defaults`.
    expect(r.values['build-overrides']).toBeUndefined()
    const sets = parse(r.values.archives!) as Record<string, unknown>[]
    expect(sets.map(s => [s.id, s.formats, s.files, s.directory === s.name])).toEqual([
      ['nix', ['tar.gz'], ['LICENSE'], true],
      ['windows', ['zip'], ['LICENSE'], false]
    ])
    expect(sets[1]!.directory).toBeUndefined()
    expect(parse(r.values['homebrew-formulas']!)).toMatchObject([
      { name: 'jira-cli', ids: ['nix'], 'custom-block': expect.stringContaining('head do') }
    ])
  })

  test('strip_binary_directory puts a sub-folder binary at the top of the archive', () => {
    const builds = 'builds:\n  - {binary: bin/tool, goos: [linux], goarch: [amd64]}\n'
    const strip = read(`${builds}archives:\n  - {strip_binary_directory: true}\n`)
    expect(strip.problems).toEqual([])
    expect(parse(strip.values.archives!)).toEqual([
      expect.objectContaining({ 'strip-binary-directory': true })
    ])
    // Without a sub-folder there is nothing to strip: the top-level inputs say it all.
    const flat = read(
      'builds:\n  - {binary: tool, goos: [linux], goarch: [amd64]}\narchives:\n  - {strip_binary_directory: true}\n'
    )
    expect(flat.values.archives).toBeUndefined()
    expect(flat.values['binary-name']).toBe('tool')
  })

  test('trivy v0.74.0: per-system builds with GOEXPERIMENT, a quoted -extldflags, extra files', () => {
    const r = read(fixture('trivy'), {
      modulePath: 'github.com/aquasecurity/trivy',
      originUrl: 'https://github.com/aquasecurity/trivy.git',
      unsupported: 'warn'
    })
    expect(r.problems).toEqual([])
    expect(r.values).toMatchObject({
      package: './cmd/trivy',
      'binary-name': 'trivy',
      trimpath: 'false',
      ldflags:
        "-s -w -extldflags '-static' -X github.com/aquasecurity/trivy/pkg/version/app.ver={{.Version}}",
      cgo: 'false',
      env: 'GOEXPERIMENT=jsonv2',
      'archive-files': 'README.md\nLICENSE\ncontrib/*.tpl',
      'checksums-name': '{{ .ProjectName }}_{{ .Version }}_checksums.txt',
      'release-files': 'bom.json'
    })
    expect(r.values.targets!.split('\n')).toHaveLength(10)
    expect(r.warnings).toEqual([
      '.goreleaser.yml: skipped (not made by this action): dockers_v2, signs, docker_signs',
      '.goreleaser.yml: release.discussion_category_name: not read: no discussion is started'
    ])
  })

  test('lazygit v0.64.1: no project_name: the origin remote names it, not the module path', () => {
    const r = read(fixture('lazygit'), {
      modulePath: 'github.com/jesseduffield/lazygit',
      originUrl: 'https://github.com/jesseduffield/lazygit-fork.git'
    })
    expect(r.values['project-name']).toBe('lazygit-fork')
    expect(r.values.targets!.split('\n')).toHaveLength(16)
    expect(r.problems).toEqual([])
  })
})

describe('defaults and edges', () => {
  test('an empty config: GoReleaser defaults for targets, ldflags, names and files', () => {
    const r = read('version: 2\n', { modulePath: 'example.com/tool/v3' })
    expect(r.values).toMatchObject({
      'project-name': 'tool',
      targets: [
        'linux/amd64',
        'linux/arm64',
        'linux/386',
        'darwin/amd64',
        'darwin/arm64',
        'darwin/386',
        'windows/amd64',
        'windows/arm64',
        'windows/386'
      ].join('\n'),
      ldflags: GORELEASER_DEFAULT_LDFLAGS,
      'name-template': GORELEASER_DEFAULT_NAME,
      'checksums-name': '{{ .ProjectName }}_{{ .Version }}_checksums.txt',
      archive: 'tar.gz'
    })
    expect(r.problems).toEqual([])
  })

  test.each([
    [
      'a typo of a top-level key',
      'archivez: []\n',
      'archivez: is not a GoReleaser key (did you mean "archives"?)'
    ],
    [
      'a typo in a build',
      'builds:\n  - ldflag: -s\n',
      'builds[0].ldflag: is not a build key (did you mean "ldflags"?)'
    ],
    [
      'a Pro key, even with warn',
      'includes:\n  - from_url: {url: x}\n',
      'includes: is a GoReleaser Pro feature; the action reads GoReleaser OSS configs'
    ],
    [
      'a v1 key removed in v2',
      'archives:\n  - replacements: {darwin: Darwin}\n',
      'archives[0].replacements: removed in GoReleaser v2: write the mapping in name_template instead ({{ if eq .Arch "amd64" }}x86_64{{ else }}{{ .Arch }}{{ end }})'
    ],
    [
      'two builds of one binary for the same targets with different settings',
      'builds:\n  - {id: a, ldflags: -s, goos: [linux], goarch: [amd64, arm64]}\n  - {id: b, ldflags: -w, goos: [linux], goarch: [arm64]}\n',
      'builds[1]: builds[0] and builds[1] both make "p" for linux/arm64 with different settings; one binary per target is built'
    ],
    [
      'builds of one target with different env',
      'builds:\n  - {id: a, binary: a, env: [GOAMD64=v2], goos: [linux], goarch: [amd64]}\n  - {id: b, binary: b, env: [GOAMD64=v3], goos: [linux], goarch: [amd64]}\n',
      'builds[1].env: differs from builds[0].env on linux/amd64; env applies to every binary of a target, so builds of one target must agree'
    ],
    [
      'cgo in some builds only',
      'builds:\n  - {id: a, env: [CGO_ENABLED=1], goos: [linux], goarch: [amd64]}\n  - {id: b, env: [CGO_ENABLED=0], goos: [darwin], goarch: [amd64]}\n',
      'builds[].env: CGO_ENABLED=1 in some builds only (builds[0]: 1, builds[1]: 0); cgo per build is not supported yet'
    ],
    [
      'a hook with its own folder',
      'before:\n  hooks:\n    - cmd: make completions\n      dir: docs\n',
      'before.hooks[0].dir: is not supported yet: hooks run in the module root with the build’s environment'
    ],
    [
      'a templated binary name',
      'builds:\n  - binary: "{{ .Os }}-tool"\n',
      'builds[0].binary: "{{ .Os }}-tool": templated binary names are not supported yet'
    ],
    [
      'broken YAML',
      'builds: [\n',
      'YAML: Flow sequence in block collection must be sufficiently indented and end with a ] at line 2, column 1'
    ]
  ])('%s is a problem naming the file and the path', (_name, text, problem) => {
    const r = read(text, { unsupported: 'warn' })
    expect(r.problems).toContain(`.goreleaser.yml: ${problem}`)
  })

  test('anchors, merge keys, unquoted numbers and scalars where lists are allowed', () => {
    const text = [
      'defaults: &d',
      '  env: [CGO_ENABLED=1]',
      '  goos: linux',
      '  goarch: [386, arm]',
      '  goarm: 7',
      'builds:',
      '  - <<: *d',
      '    main: ./cmd/x/main.go',
      '    dir: tools',
      '    flags: -trimpath -tags=netgo',
      '    tags: [osusergo]'
    ].join('\n')
    const r = read(text)
    // `defaults` is not a GoReleaser key; everything else maps.
    expect(r.problems).toEqual(['.goreleaser.yml: defaults: is not a GoReleaser key'])
    expect(r.values).toMatchObject({
      targets: 'linux/386\nlinux/arm/7',
      package: './tools/cmd/x',
      cgo: 'true',
      trimpath: 'true',
      tags: 'osusergo,netgo'
    })
  })

  test('targets: written out, with GoReleaser spellings of variants and the first-class preset', () => {
    const r = read(
      'builds:\n  - targets: [linux_amd64_v1, linux_amd64_v3, linux_arm_7, darwin_arm64_v8.0, go_first_class]\n'
    )
    expect(r.values.targets).toBe(
      'linux/amd64\nlinux/amd64/v3\nlinux/arm/7\ndarwin/arm64\nfirst-class'
    )
  })

  test('no CGO_ENABLED: built without cgo, and the difference from GoReleaser is said', () => {
    const r = read('builds:\n  - goos: [linux]\n    goarch: [amd64]\n')
    expect(r.values.cgo).toBe('false')
    expect(r.warnings[0]).toMatch(
      /no CGO_ENABLED in env: built without cgo; GoReleaser leaves it to Go/
    )
  })

  test.each([
    ['https://github.com/o/name.git', 'name'],
    ['git@github.com:o/name.git', 'name'],
    ['https://github.com/o/name', 'name'],
    ['ssh://git@github.com/o/name.git/', 'name'],
    ['', '']
  ])('the repository name of %j is %j', (url, name) => {
    expect(repoNameOf(url)).toBe(name)
  })
})

describe('wrap_in_directory', () => {
  const archives = (wrap: string) =>
    read(
      [
        'version: 2',
        'archives:',
        '  - name_template: "{{ .ProjectName }}_{{ .Os }}"',
        `    wrap_in_directory: ${wrap}`
      ].join('\n')
    )

  test('true: a folder named like the archive (its name template)', () => {
    const r = archives('true')
    expect(r.problems).toEqual([])
    expect(r.values['archive-directory']).toBe('{{ .ProjectName }}_{{ .Os }}')
    expect(r.origins['archive-directory']).toBe('archives[0].wrap_in_directory')
  })

  test("a string: that folder's name template", () => {
    expect(archives('"{{ .ProjectName }}-dir"').values['archive-directory']).toBe(
      '{{ .ProjectName }}-dir'
    )
  })

  test('false or absent: no folder', () => {
    expect(archives('false').values['archive-directory']).toBeUndefined()
    expect(read('version: 2').values['archive-directory']).toBeUndefined()
  })
})

test('release: name_template, header and footer become templated inputs; plain extra_files globs become release-files', () => {
  const r = read(
    [
      'release:',
      '  name_template: "GitHub CLI {{ .Version }}"',
      '  header: |',
      '    ## {{ .ProjectName }} {{ .Tag }}',
      '  footer: "**Full changelog**: {{ .PreviousTag }}...{{ .Tag }}"',
      '  extra_files:',
      '    - glob: ./install.sh',
      '    - glob: dist/*.sig',
      '    - {glob: "./dist/app_{{ .Version }}.txt"}',
      '    - {glob: ./dist/app_darwin_amd64_v1/app, name_template: app-darwin-amd64}',
      '    - {name_template: x}'
    ].join('\n')
  )
  expect(r.problems).toEqual(['.goreleaser.yml: release.extra_files[4]: has no glob'])
  expect(r.values).toMatchObject({
    'release-name': 'GitHub CLI {{ .Version }}',
    'release-header': '## {{ .ProjectName }} {{ .Tag }}\n',
    'release-footer': '**Full changelog**: {{ .PreviousTag }}...{{ .Tag }}',
    'release-files': 'install.sh\ndist/*.sig'
  })
  expect(r.warnings.filter(w => w.includes('extra_files'))).toEqual([
    '.goreleaser.yml: release.extra_files[2]: not read: templated globs and name_template are not taken, so ./dist/app_{{ .Version }}.txt is not uploaded; attach it in a step after this one',
    '.goreleaser.yml: release.extra_files[3]: not read: templated globs and name_template are not taken, so ./dist/app_darwin_amd64_v1/app is not uploaded; attach it in a step after this one'
  ])
})

test('before.hooks: the module hooks are noted, the others become before-hooks lines', () => {
  const r = read(
    'before:\n  hooks:\n    - go mod tidy\n    - make completions\n    - cmd: ./scripts/man.sh {{ .Version }}\n      output: true\n'
  )
  expect(r.problems).toEqual([])
  expect(r.values['before-hooks']).toBe('make completions\n./scripts/man.sh {{ .Version }}')
  expect(r.origins['before-hooks']).toBe('before.hooks')
  expect(r.notes).toContainEqual(
    expect.stringContaining('before.hooks[0]: "go mod tidy" is not run')
  )
})

describe('several builds and archives', () => {
  const sets = (r: ReturnType<typeof read>) =>
    parse(r.values.archives ?? '[]') as Record<string, unknown>[]

  test('per-system builds of one binary (grype, syft): one set per system, its builds’ targets', () => {
    const r = read(
      [
        'builds:',
        '  - id: linux-build',
        '    binary: grype',
        '    goos: [linux]',
        '    goarch: [amd64, arm64]',
        '  - id: darwin-build',
        '    binary: grype',
        '    goos: [darwin]',
        '    goarch: [amd64, arm64]',
        '  - id: windows-build',
        '    binary: grype',
        '    goos: [windows]',
        '    goarch: [amd64]',
        'archives:',
        '  - id: linux-archives',
        '    ids: [linux-build]',
        '  - id: darwin-archives',
        '    ids: [darwin-build]',
        '  - id: windows-archives',
        '    formats: [zip]',
        '    ids: [windows-build]'
      ].join('\n')
    )
    expect(r.problems).toEqual([])
    expect(r.values.targets).toBe(
      'linux/amd64\nlinux/arm64\ndarwin/amd64\ndarwin/arm64\nwindows/amd64'
    )
    expect(r.values['binary-name']).toBe('grype')
    expect(sets(r).map(s => [s.id, s.binaries, s.targets, s.formats, s.name, s.files])).toEqual([
      [
        'linux-archives',
        undefined,
        ['linux/amd64', 'linux/arm64'],
        ['tar.gz'],
        GORELEASER_DEFAULT_NAME,
        GORELEASER_DEFAULT_FILES.split(' ')
      ],
      [
        'darwin-archives',
        undefined,
        ['darwin/amd64', 'darwin/arm64'],
        ['tar.gz'],
        GORELEASER_DEFAULT_NAME,
        GORELEASER_DEFAULT_FILES.split(' ')
      ],
      [
        'windows-archives',
        undefined,
        ['windows/amd64'],
        ['zip'],
        GORELEASER_DEFAULT_NAME,
        GORELEASER_DEFAULT_FILES.split(' ')
      ]
    ])
  })

  test('per-system builds with their own ldflags, flags and env (k9s, cli): build-overrides and scoped env', () => {
    const r = read(
      [
        'env: [GOPROXY=https://proxy.golang.org]',
        'builds:',
        '  - id: linux',
        '    goos: [linux]',
        '    goarch: [amd64, arm]',
        '    goarm: [7]',
        '    env: [CGO_ENABLED=0]',
        '    flags: [-trimpath]',
        '    ldflags: ["-s -w -X main.version={{.Version}}"]',
        '  - id: osx',
        '    goos: [darwin]',
        '    goarch: [arm64]',
        '    env: [CGO_ENABLED=0, GODEBUG=x=1]',
        '    flags: [-trimpath, -tags=osx]',
        '    ldflags: ["-s -w -X main.version=v{{.Version}}"]',
        '  - id: windows',
        '    goos: [windows]',
        '    goarch: [amd64]',
        '    env: [CGO_ENABLED=0]',
        '    ldflags: ["-s -w -X main.version={{.Version}}"]'
      ].join('\n')
    )
    expect(r.problems).toEqual([])
    expect(r.values.targets).toBe('linux/amd64\nlinux/arm/7\ndarwin/arm64\nwindows/amd64')
    expect(r.values.ldflags).toBe('-s -w -X main.version={{.Version}}')
    expect(r.values.trimpath).toBe('true')
    expect(r.values.cgo).toBe('false')
    // The first build's settings are the inputs; the others' differences become overrides,
    // with their targets, since the binary has several builds.
    expect(parse(r.values['build-overrides'] ?? '')).toEqual([
      {
        binaries: ['p'],
        targets: ['darwin/arm64'],
        ldflags: '-s -w -X main.version=v{{.Version}}',
        tags: ['osx']
      },
      { binaries: ['p'], targets: ['windows/amd64'], trimpath: false }
    ])
    // Env differs between the builds: each build's own lines are scoped to its targets.
    expect(r.values.env).toBe(
      ['GOPROXY=https://proxy.golang.org', 'darwin/arm64: GODEBUG=x=1'].join('\n')
    )
  })

  test('two binaries of one target with different ldflags (kubectx-like): an override per binary', () => {
    const r = read(
      [
        'builds:',
        '  - {id: a, main: ./cmd/a, binary: a, goos: [linux], goarch: [amd64], env: [CGO_ENABLED=0]}',
        '  - id: b',
        '    main: ./cmd/b',
        '    binary: b',
        '    goos: [linux]',
        '    goarch: [amd64]',
        '    env: [CGO_ENABLED=0]',
        '    ldflags: -X main.name=b',
        '    gcflags: [all=-N -l]'
      ].join('\n')
    )
    expect(r.problems).toEqual([])
    expect(r.values['binary-name']).toBe('a\nb')
    expect(parse(r.values['build-overrides'] ?? '')).toEqual([
      { binaries: ['b'], ldflags: '-X main.name=b', flags: ['-gcflags=all=-N -l'] }
    ])
    expect(r.values.env).toBeUndefined()
  })

  test('one archive with two formats, an override of none, bare binaries: the archives input', () => {
    const r = read(
      [
        'builds: [{binary: app, goos: [linux, darwin], goarch: [amd64]}]',
        'archives:',
        '  - formats: [tar.gz, zip]',
        '    format_overrides: [{goos: darwin, formats: [none]}]',
        '    wrap_in_directory: true',
        '  - formats: [binary]'
      ].join('\n')
    )
    expect(r.problems).toEqual([])
    expect(sets(r)).toEqual([
      {
        formats: ['tar.gz', 'zip'],
        overrides: { 'darwin/*': ['none'] },
        name: GORELEASER_DEFAULT_NAME,
        directory: GORELEASER_DEFAULT_NAME,
        files: GORELEASER_DEFAULT_FILES.split(' ')
      },
      { formats: ['binary'], name: GORELEASER_DEFAULT_BINARY_NAME, files: [] }
    ])
    expect(r.values['name-template']).toBeUndefined()
  })

  test('files rules {src, dst, strip_parent, info} make the archives input; owner, group and mtime are warned about', () => {
    const r = read(
      [
        'archives:',
        '  - files:',
        '      - LICENSE',
        '      - src: completions/*',
        '        dst: completions',
        '        strip_parent: true',
        '        info: {owner: root, group: root, mode: 0644, mtime: "{{ .CommitDate }}"}'
      ].join('\n')
    )
    expect(r.problems).toEqual([])
    expect(sets(r)[0]!.files).toEqual([
      'LICENSE',
      { src: 'completions/*', dst: 'completions', strip_parent: true, info: { mode: '0644' } }
    ])
    expect(r.warnings).toContain(
      '.goreleaser.yml: archives[0].files[1].info: owner, group, mtime not taken: archive members are owned by 0/0 and dated at the commit time'
    )
  })

  test('one archive of every build stays in the top-level inputs', () => {
    const r = read(
      'builds: [{id: a, binary: a, main: ./cmd/a}, {id: b, binary: b, main: ./cmd/b}]\narchives: [{ids: [a, b], formats: [zip]}]\n'
    )
    expect(r.problems).toEqual([])
    expect(r.values.archives).toBeUndefined()
    expect(r.values.archive).toBe('zip')
    expect(r.values.package).toBe('./cmd/a\n./cmd/b')
  })

  test('a binary built for fewer targets than the others (osv-scanner): binary-targets', () => {
    const r = read(
      [
        'builds:',
        '  - {id: scanner, binary: scanner, main: ./cmd/scanner, goos: [linux, darwin], goarch: [amd64, arm64]}',
        '  - {id: reporter, binary: reporter, main: ./cmd/reporter, goos: [linux], goarch: [amd64]}'
      ].join('\n')
    )
    expect(r.problems).toEqual([])
    expect(r.values.targets).toBe('linux/amd64\nlinux/arm64\ndarwin/amd64\ndarwin/arm64')
    expect(r.values['binary-name']).toBe('scanner\nreporter')
    expect(r.values['binary-targets']).toBe('reporter: linux/amd64')
  })

  test.each([
    [
      'one binary from two packages',
      'builds:\n  - {id: a, binary: x, main: ./a}\n  - {id: b, binary: x, main: ./b}\n',
      'builds[1].main: builds builds[0] and builds[1] both make "x" from different packages (./a, ./b)'
    ],
    [
      'two builds with one id',
      'builds:\n  - {id: a, binary: a, main: ./a}\n  - {id: a, binary: b, main: ./b}\n',
      'builds[1].id: "a" is the id of another build'
    ],
    [
      'an archive whose ids match no build',
      'builds: [{id: a}]\narchives: [{ids: [zzz]}]\n',
      'archives[0].ids: zzz: matches no build, so the archive holds nothing'
    ],
    [
      'a format override with a format the action does not make',
      'archives: [{format_overrides: [{goos: windows, formats: [7z]}]}]\n',
      'archives[0].format_overrides[0].formats: "7z" is not made by this action (tar.gz, tar.xz, zip, binary)'
    ]
  ])('%s is a problem naming the path', (_what, text, problem) => {
    const r = read(text)
    const [head, tail] = problem.split(' … ')
    expect(r.problems).toContainEqual(
      tail === undefined
        ? `.goreleaser.yml: ${problem}`
        : expect.stringMatching(
            new RegExp(`^\\.goreleaser\\.yml: ${escape(head!)}.* ${escape(tail)}`)
          )
    )
  })
})

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

describe('nfpms', () => {
  const base = [
    'version: 2',
    'project_name: tool',
    'builds:',
    '  - id: cli',
    '    binary: tool',
    '    goos: [linux]',
    '    goarch: [amd64]',
    '  - id: daemon',
    '    binary: toold',
    '    goos: [linux]',
    '    goarch: [amd64]'
  ]
  const ctx = { modulePath: 'example.com/tool', originUrl: '' }

  test('an entry becomes a package set: ids choose binaries, contents and overrides in the input spelling', () => {
    const r = read(
      [
        ...base,
        'nfpms:',
        '  - id: daemon',
        '    ids: [daemon]',
        '    package_name: toold',
        '    formats: [deb, rpm]',
        '    dependencies: [systemd]',
        '    mtime: "{{ .CommitDate }}"',
        '    contents:',
        '      - src: init/toold.service',
        '        dst: /lib/systemd/system/toold.service',
        '        file_info: { mode: 0644, owner: root }',
        '    scripts: { postinstall: init/postinstall.sh }',
        '    overrides:',
        '      rpm:',
        '        dependencies: [systemd-libs]',
        '        file_name_template: "{{ .ConventionalFileName }}"'
      ].join('\n'),
      ctx
    )
    expect(r.problems).toEqual([])
    const sets = parse(r.values['linux-packages']!)
    expect(sets).toEqual([
      {
        id: 'daemon',
        'package-name': 'toold',
        mtime: '{{ .CommitDate }}',
        formats: ['deb', 'rpm'],
        binaries: ['toold'],
        depends: ['systemd'],
        contents: [
          {
            src: 'init/toold.service',
            dst: '/lib/systemd/system/toold.service',
            mode: '0644',
            owner: 'root'
          }
        ],
        scripts: { postinstall: 'init/postinstall.sh' },
        overrides: {
          rpm: { 'file-name': '{{ .ConventionalFileName }}', depends: ['systemd-libs'] }
        }
      }
    ])
    expect(r.origins['linux-packages']).toBe('nfpms')
  })

  test('what is not made yet fails naming its key, or with warn is a warning; formats we do not make fail', () => {
    const text = [
      ...base,
      'nfpms:',
      '  - formats: [deb, ipk]',
      '    meta: true',
      '    deb:',
      '      signature: { key_file: key.gpg }',
      '      triggers: { interest: [some-trigger] }',
      '    overrides:',
      '      deb: { maintainer: x }'
    ].join('\n')
    const failing = read(text, ctx)
    expect(failing.problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('nfpms[0].formats: "ipk" is not made by this action'),
        expect.stringContaining(
          'nfpms[0].meta: meta packages (no binaries) are not made yet; set goreleaser-unsupported: warn'
        ),
        expect.stringContaining('nfpms[0].deb.triggers: is not made by this action yet'),
        expect.stringContaining(
          'nfpms[0].overrides.deb.maintainer: takes no effect in an override in GoReleaser'
        )
      ])
    )
    // The signing key is a secret of the workflow: the file's key_file is noted, not read.
    expect(failing.notes).toContain(
      '.goreleaser.yml: nfpms[0].deb.signature: its key_file is not read: the action signs deb and rpm packages with the package-gpg-key input (a secret), and package-key-passphrase'
    )
    const warned = read(text, { ...ctx, unsupported: 'warn' })
    expect(warned.warnings).toEqual(
      expect.arrayContaining([
        expect.stringContaining(
          'nfpms[0].deb.triggers: is not made by this action yet; the packages are made without it'
        )
      ])
    )
    // A format the action does not make stays a problem: the file names would be missing.
    expect(warned.problems).toEqual([
      expect.stringContaining('nfpms[0].formats: "ipk" is not made by this action'),
      expect.stringContaining('nfpms[0].overrides.deb.maintainer: takes no effect')
    ])
  })
})

describe('kos', () => {
  const base = [
    'version: 2',
    'project_name: tool',
    'builds:',
    '  - goos: [linux, darwin]',
    '    env: [CGO_ENABLED=0]'
  ]
  const ctx = { modulePath: 'example.com/tool', originUrl: '' }

  test("ko's documented example becomes the image inputs; ko's build keys are noted", () => {
    const r = read(
      [
        ...base,
        'kos:',
        '  - repositories: [ghcr.io/caarlos0/test-ko]',
        '    tags:',
        '      - "{{.Version}}"',
        '      - latest',
        '      - "{{if not .Prerelease}}stable{{end}}"',
        '    bare: true',
        '    preserve_import_paths: false',
        '    platforms: [linux/amd64, linux/arm64, linux/arm/v7]',
        '    labels: { org.opencontainers.image.vendor: Acme }',
        '    annotations: { team: tools }',
        '    user: "1234:1234"',
        '    ldflags: [-s -w]'
      ].join('\n'),
      ctx
    )
    expect(r.problems).toEqual([])
    expect(r.values).toMatchObject({
      image: 'ghcr.io/caarlos0/test-ko',
      'image-base': 'cgr.dev/chainguard/static',
      'image-targets': 'linux/amd64\nlinux/arm64\nlinux/arm/7',
      'image-tags': '{{.Version}}\nlatest\n{{if not .Prerelease}}stable{{end}}',
      'image-labels': 'org.opencontainers.image.vendor=Acme\nteam=tools',
      'image-user': '1234:1234'
    })
    expect(r.origins.image).toBe('kos[0].repositories')
    expect(r.notes.join('\n')).toContain(
      'kos[0]: ldflags: the image holds the binaries the builds made'
    )
    expect(r.warnings).toEqual([])
  })

  test("GoReleaser's defaults: linux/amd64 only, tag latest, the Chainguard static base", () => {
    const r = read(
      [...base, 'kos:', '  - repository: ghcr.io/acme/tool', '    bare: true'].join('\n'),
      ctx
    )
    expect(r.problems).toEqual([])
    expect(r.values).toMatchObject({
      image: 'ghcr.io/acme/tool',
      'image-base': 'cgr.dev/chainguard/static',
      'image-targets': 'linux/amd64',
      'image-tags': 'latest'
    })
  })

  test('what differs fails naming its key, or with warn is a warning; no repository is a problem', () => {
    const text = [
      ...base,
      'kos:',
      '  - repositories: [ghcr.io/acme/tool]',
      '  - repositories: [ghcr.io/acme/other]',
      '    bare: true',
      '  - platformz: []',
      '    disable: true'
    ].join('\n')
    const strict = read(text, ctx)
    expect(strict.problems).toEqual([
      '.goreleaser.yml: kos[1]: one image per run is made (the first kos entry); list every repository in its repositories; set goreleaser-unsupported: warn to make the image anyway',
      '.goreleaser.yml: kos[0].bare: without bare: true ko names the image after the Go import path under the repository; the action pushes to the repository itself (set bare: true for the same name); set goreleaser-unsupported: warn to make the image anyway'
    ])
    const lenient = read(text, { ...ctx, unsupported: 'warn' })
    expect(lenient.problems).toEqual([])
    expect(lenient.warnings).toHaveLength(2)
    const none = read([...base, 'kos:', '  - bare: true', '    tagz: [x]'].join('\n'), ctx)
    expect(none.problems).toEqual([
      '.goreleaser.yml: kos[0].tagz: is not a kos key (did you mean "tags"?)',
      '.goreleaser.yml: kos[0].repositories: is not set: GoReleaser would take $KO_DOCKER_REPO; name the repositories in the file or in the image input'
    ])
  })
})

test("a problem names its place in the file once, also when passed again (the stages' problems)", () => {
  const source = {
    file: '.goreleaser.yaml',
    origins: { 'homebrew-formulas': 'brews', 'checksums-name': 'checksum.name_template' }
  } as Parameters<typeof withConfigOrigins>[1] & object
  const once = withConfigOrigins(
    ['homebrew-formulas[0].repository: is required', 'checksums-name: "a b" is not safe', 'other'],
    source
  )
  expect(once).toEqual([
    'homebrew-formulas[0].repository (from .goreleaser.yaml brews): is required',
    'checksums-name (from .goreleaser.yaml checksum.name_template): "a b" is not safe',
    'other'
  ])
  expect(withConfigOrigins(once, source)).toEqual(once)
})

describe('upx', () => {
  const base = [
    'version: 2',
    'project_name: tool',
    'builds:',
    '  - id: cli',
    '    goos: [linux, windows, darwin]',
    '    goarch: [amd64, arm64, arm, "386"]',
    '    goarm: ["6", "7"]',
    '    ignore: [{ goos: windows, goarch: arm }, { goos: darwin, goarch: arm }]',
    '    env: [CGO_ENABLED=0]'
  ]
  const ctx = { modulePath: 'example.com/tool', originUrl: '' }
  const upx = (...lines: string[]) => read([...base, 'upx:', ...lines].join('\n'), ctx)

  test("GoReleaser's documented filters select targets: goos and goarch alternatives, combined", () => {
    const r = upx(
      '  - enabled: true',
      '    goos: [linux, windows]',
      '    goarch: [amd64, "386"]',
      '    compress: best',
      '    lzma: true',
      '    brute: true'
    )
    expect(r.problems).toEqual([])
    expect(r.values.upx).toBe('linux/amd64\nlinux/386\nwindows/amd64\nwindows/386')
    expect(r.values['upx-args']).toBe('--best --lzma --brute')
    expect(r.origins.upx).toBe('upx')
  })

  test('goarm and goamd64 select variants; a level is passed as -N', () => {
    const r = upx('  - enabled: true', '    goarm: ["7"]', '    compress: "9"')
    expect(r.problems).toEqual([])
    expect(r.values.upx).toBe('linux/arm/7')
    expect(r.values['upx-args']).toBe('-9')
    const amd = upx('  - enabled: true', '    goamd64: [v1]')
    expect(amd.values.upx).toBe('linux/amd64\nwindows/amd64\ndarwin/amd64')
  })

  test('no filters: every target, as true; no options: no upx-args', () => {
    const r = upx('  - enabled: true')
    expect(r.problems).toEqual([])
    expect(r.values.upx).toBe('true')
    expect(r.values['upx-args']).toBeUndefined()
  })

  test('several entries add up; a disabled entry ends the section, as in GoReleaser', () => {
    const r = upx(
      '  - enabled: true',
      '    goos: [linux]',
      '    goarch: [arm64]',
      '  - enabled: true',
      '    goos: [windows]',
      '    goarch: [amd64]',
      '  - enabled: false',
      '  - enabled: true',
      '    goos: [darwin]'
    )
    expect(r.problems).toEqual([])
    expect(r.values.upx).toBe('linux/arm64\nwindows/amd64')
    expect(r.notes.join('\n')).toContain(
      'upx[2]: not enabled, so GoReleaser runs none of the upx entries after it'
    )
    const off = upx('  - goos: [linux]')
    expect(off.values.upx).toBeUndefined()
  })

  test('ids choose builds; a target whose binaries are split between packed and not is a problem', () => {
    const two = [
      'version: 2',
      'builds:',
      '  - id: a',
      '    binary: a',
      '    goos: [linux]',
      '    goarch: [amd64, arm64]',
      '  - id: b',
      '    binary: b',
      '    main: ./cmd/b',
      '    goos: [linux, windows]',
      '    goarch: [amd64]'
    ]
    const only = read(
      [...two, 'upx:', '  - enabled: true', '    ids: [a]', '    goarch: [arm64]'].join('\n'),
      ctx
    )
    expect(only.problems).toEqual([])
    expect(only.values.upx).toBe('linux/arm64')
    const split = read([...two, 'upx:', '  - enabled: true', '    ids: [b]'].join('\n'), ctx)
    expect(split.problems).toEqual([
      `.goreleaser.yml: upx: packs some binaries of linux/amd64 but not build "a"'s; the action packs all binaries of a target or none`
    ])
    const typo = read([...two, 'upx:', '  - enabled: true', '    ids: [c]'].join('\n'), ctx)
    expect(typo.problems).toEqual(['.goreleaser.yml: upx[0].ids: "c": no build has this id'])
  })

  test('what cannot be said per target or with one option set fails naming its key', () => {
    expect(
      upx(
        '  - enabled: true',
        '    goos: [linux]',
        '  - enabled: true',
        '    goos: [windows]',
        '    lzma: true'
      ).problems
    ).toEqual([
      '.goreleaser.yml: upx[1]: packs with other options than upx[0] (--lzma vs none); the action packs every binary with one set of upx options'
    ])
    expect(upx('  - enabled: "{{ not .IsSnapshot }}"').problems).toEqual([
      '.goreleaser.yml: upx[0].enabled: "{{ not .IsSnapshot }}": a templated enabled is not read yet; write true or false'
    ])
    expect(upx('  - enabled: true', '    compress: fast').problems).toEqual([
      '.goreleaser.yml: upx[0].compress: "fast" is not best or a level from 1 to 9'
    ])
    expect(upx('  - enabled: true', '    goarh: [amd64]').problems).toEqual([
      '.goreleaser.yml: upx[0].goarh: is not a upx key (did you mean "goarch"?)'
    ])
    const levels = read(
      [
        'builds:',
        '  - targets: [linux_amd64_v1, linux_amd64_v3]',
        'upx:',
        '  - enabled: true',
        '    goamd64: [v1]'
      ].join('\n'),
      ctx
    )
    expect(levels.problems).toEqual([
      '.goreleaser.yml: upx: selects linux/amd64 but not linux/amd64/v3, which the upx input cannot tell apart'
    ])
  })
})
