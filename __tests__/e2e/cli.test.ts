import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { realProcess } from '../../src/ports/process.js'
import { runCli } from '../fakes/cli.js'
import { copyFixture, gitInit } from '../fakes/context.js'
import { githubEnvFor, startGitHubService } from '../services/github.js'

const cli = runCli

test('a token on the command line is refused before anything runs', async () => {
  const dir = copyFixture('hello')
  const run = await cli(['--targets', 'linux/amd64', '--github-token', 'ghs_secretvalue'], dir)
  expect(run.status).toBe(1)
  expect(run.stderr).toMatch(/--github-token is refused: put it in GITHUB_TOKEN instead/)
  expect(run.stderr + run.stdout).not.toContain('ghs_secretvalue')
  expect(run.stdout).not.toMatch(/building binaries/)
})

test.each([
  ['--cosign-key', '-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----', 'COSIGN_PRIVATE_KEY'],
  ['--cosign-password', 'pw-secretvalue', 'COSIGN_PASSWORD']
])('%s on the command line is refused before anything runs', async (flag, value, variable) => {
  const dir = copyFixture('hello')
  const run = await cli(['--targets', 'linux/amd64', flag, value], dir)
  expect(run.status).toBe(1)
  expect(run.stderr).toContain(`${flag} is refused: put it in ${variable} instead`)
  expect(run.stderr + run.stdout).not.toContain(value)
  expect(run.stdout).not.toMatch(/building binaries/)
})

test('local mode publishes with GITHUB_TOKEN from the environment when asked to (release: true)', async () => {
  const service = await startGitHubService()
  try {
    const dir = copyFixture('hello')
    await gitInit(dir, { tag: 'v0.9.0' })
    const run = await cli(
      ['--targets', 'linux/amd64', '--release', 'true', '--release-tag', 'v0.9.0'],
      dir,
      {
        ...githubEnvFor(service),
        GITHUB_TOKEN: service.token
      }
    )
    if (run.status !== 0) throw new Error(`cli failed:\n${run.stdout}\n${run.stderr}`)
    expect(run.stderr).toMatch(/release v0\.9\.0: published /)
    const [release] = service.releases()
    expect(release).toMatchObject({ tagName: 'v0.9.0', draft: false })
    expect(release!.assets.map(a => a.name).sort()).toEqual([
      'checksums.txt',
      'hello-fixture_0.9.0_linux_amd64.tar.gz'
    ])
    expect(run.stdout + run.stderr).not.toContain(service.token)
    expect(service.contractViolations).toEqual([])
  } finally {
    await service.stop()
  }
})

test('SIGSTORE_ID_TOKEN in the environment reaches none of the programs the CLI starts (attest is off)', async () => {
  // A `go` and a `git` first on PATH that append their environment to a file, then run the real ones.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-cli-env-'))
  const log = path.join(dir, 'env.log')
  fs.writeFileSync(log, '')
  for (const program of ['go', 'git']) {
    const real = await realProcess.run('sh', ['-c', `command -v ${program}`], {
      env: { PATH: process.env.PATH ?? '' }
    })
    fs.writeFileSync(
      path.join(dir, program),
      `#!/bin/sh\nenv >> '${log}'\necho ---- >> '${log}'\nexec '${real.stdout.trim()}' "$@"\n`,
      { mode: 0o755 }
    )
  }
  const token = `eyJhbGciOiJub25lIn0.${crypto.randomUUID()}.x`
  const workspace = copyFixture('hello')
  await gitInit(workspace)
  const run = await cli(['--targets', 'linux/amd64'], workspace, {
    PATH: `${dir}${path.delimiter}${process.env.PATH ?? ''}`,
    GOCACHE: process.env.GOCACHE ?? path.join(os.homedir(), '.cache', 'go-build'),
    SIGSTORE_ID_TOKEN: token
  })
  expect(run.status).toBe(0)
  const seen = fs.readFileSync(log, 'utf8')
  // go ran (go env, go list, go build …), never with the variable.
  expect(seen.split('----').length).toBeGreaterThan(3)
  expect(seen).not.toMatch(/^SIGSTORE_ID_TOKEN=/m)
  expect(seen).not.toContain(token)
})

describe('goreleaser-config', () => {
  const config = [
    'version: 2',
    'project_name: greeter',
    'before:',
    '  hooks:',
    '    - go mod tidy',
    'builds:',
    '  - env: [CGO_ENABLED=0]',
    '    goos: [linux, windows, darwin]',
    '    goarch: [amd64, "386"]',
    '    flags: [-trimpath]',
    '    ldflags: ["-s -w -X main.version={{.Version}}"]',
    'archives:',
    '  - name_template: "{{ .ProjectName }}_{{ .Version }}_{{ .Os }}_{{ .Arch }}"',
    '    format_overrides:',
    '      - goos: windows',
    '        formats: [zip]',
    '    files: [none*]',
    'checksum:',
    '  name_template: checksums.txt',
    'changelog:',
    '  sort: asc',
    ''
  ].join('\n')

  async function project(text = config): Promise<string> {
    const dir = copyFixture('hello')
    fs.writeFileSync(path.join(dir, '.goreleaser.yaml'), text)
    await gitInit(dir, { tag: 'v1.2.3' })
    return dir
  }

  const published = (dir: string): string[] =>
    fs
      .readdirSync(path.join(dir, 'dist'))
      .filter(f => /\.(tar\.gz|zip|txt)$/.test(f))
      .sort()

  test('auto reads .goreleaser.yaml: its names, formats and targets; darwin/386 dropped as GoReleaser drops it', async () => {
    const dir = await project()
    const run = await cli(['--goreleaser-config', 'auto'], dir)
    if (run.status !== 0) throw new Error(`cli failed:\n${run.stdout}\n${run.stderr}`)
    expect(published(dir)).toEqual([
      'checksums.txt',
      'greeter_1.2.3_darwin_amd64.tar.gz',
      'greeter_1.2.3_linux_386.tar.gz',
      'greeter_1.2.3_linux_amd64.tar.gz',
      'greeter_1.2.3_windows_386.zip',
      'greeter_1.2.3_windows_amd64.zip'
    ])
    expect(run.stderr).toMatch(/goreleaser-config: read \.goreleaser\.yaml/)
    expect(run.stderr).toMatch(
      /goreleaser-config: not built, as GoReleaser skips them \(not in go tool dist list\): darwin\/386/
    )
    expect(run.stderr).toMatch(/before\.hooks\[0\]: "go mod tidy" is not run/)
    // files: [none*] — the archive holds the binary alone.
    const listed = await realProcess.run(
      'tar',
      ['-tzf', path.join(dir, 'dist', 'greeter_1.2.3_linux_amd64.tar.gz')],
      { env: { PATH: process.env.PATH ?? '' } }
    )
    expect(listed.stdout.trim().split('\n')).toEqual(['greeter'])
  })

  test('upx: the filters pack the targets they select; one GoReleaser drops (darwin/386) is not an error', async () => {
    const dir = await project(
      config.replace(
        'changelog:',
        [
          'upx:',
          '  - enabled: true',
          '    goos: [linux, darwin]',
          '    goarch: ["386"]',
          '    compress: best',
          'changelog:'
        ].join('\n')
      )
    )
    const run = await cli(['--goreleaser-config', 'auto'], dir)
    if (run.status !== 0) throw new Error(`cli failed:\n${run.stdout}\n${run.stderr}`)
    const packed = (id: string): boolean =>
      fs.readFileSync(path.join(dir, 'dist', id, 'greeter')).includes('UPX!')
    expect(packed('linux_386')).toBe(true)
    expect(packed('linux_amd64')).toBe(false)
    expect(run.stderr).toMatch(/darwin\/386/)
    expect(run.stderr).not.toMatch(/matches none of the targets/)
  })

  test("goreleaser init's name template (title, if/else if, trim markers), wrap_in_directory, the default checksum name and a conditional ldflags render as GoReleaser renders them", async () => {
    const dir = await project(
      [
        'version: 2',
        'project_name: greeter',
        'builds:',
        '  - env: [CGO_ENABLED=0]',
        '    goos: [linux, windows]',
        '    goarch: [amd64, arm64, "386"]',
        '    ignore: [{ goos: windows, goarch: arm64 }]',
        '    ldflags:',
        '      - -s -w -X main.version={{ .Version }}',
        "      - '{{ if not .IsSnapshot }}-X main.commit={{ .ShortCommit }}{{ end }}'",
        '      - \'{{ if index .Env "NO_SUCH_VARIABLE" }}-X main.date={{ .Env.NO_SUCH_VARIABLE }}{{ end }}\'',
        'archives:',
        '  - formats: [tar.gz]',
        '    name_template: >-',
        '      {{ .ProjectName }}_',
        '      {{- title .Os }}_',
        '      {{- if eq .Arch "amd64" }}x86_64',
        '      {{- else if eq .Arch "386" }}i386',
        '      {{- else }}{{ .Arch }}{{ end }}',
        '      {{- if .Arm }}v{{ .Arm }}{{ end }}',
        '    wrap_in_directory: true',
        '    format_overrides:',
        '      - goos: windows',
        '        formats: [zip]',
        '    files: [none*]',
        ''
      ].join('\n')
    )
    const run = await cli(['--goreleaser-config', 'auto'], dir)
    if (run.status !== 0) throw new Error(`cli failed:\n${run.stdout}\n${run.stderr}`)
    expect(published(dir)).toEqual([
      'greeter_1.2.3_checksums.txt',
      'greeter_Linux_arm64.tar.gz',
      'greeter_Linux_i386.tar.gz',
      'greeter_Linux_x86_64.tar.gz',
      'greeter_Windows_i386.zip',
      'greeter_Windows_x86_64.zip'
    ])
    // wrap_in_directory: true puts the files in a folder named like the archive; as in
    // GoReleaser's archives, the folder is not a member of its own.
    const listed = await realProcess.run(
      'tar',
      ['-tzf', path.join(dir, 'dist', 'greeter_Linux_x86_64.tar.gz')],
      { env: { PATH: process.env.PATH ?? '' } }
    )
    expect(listed.stdout.trim().split('\n')).toEqual(['greeter_Linux_x86_64/greeter'])
    // The empty third ldflags entry is dropped; the second renders with the tag's commit.
    const binary = path.join(dir, 'dist', 'linux_amd64', 'greeter')
    const ran = await realProcess.run(binary, [], { env: {} })
    const commit = (
      await realProcess.run('git', ['rev-parse', '--short=7', 'HEAD'], {
        cwd: dir,
        env: { PATH: process.env.PATH ?? '' }
      })
    ).stdout.trim()
    expect(ran.stdout).toMatch(new RegExp(`^version=1\\.2\\.3 commit=${commit} date=unknown `))
  })

  test('several archive sets (ids): one archive per binary, a zip of windows besides its tar.gz, each SBOM of its own binaries', async () => {
    const dir = copyFixture('multi')
    fs.writeFileSync(
      path.join(dir, '.goreleaser.yaml'),
      [
        'version: 2',
        'project_name: multi',
        'builds:',
        '  - id: client',
        '    binary: client',
        '    main: ./cmd/client',
        '    env: [CGO_ENABLED=0]',
        '    goos: [linux, windows]',
        '    goarch: [amd64]',
        '  - id: server',
        '    binary: server',
        '    main: ./cmd/server',
        '    env: [CGO_ENABLED=0]',
        '    goos: [linux, windows]',
        '    goarch: [amd64]',
        'archives:',
        '  - id: client-archive',
        '    ids: [client]',
        '    name_template: "client_{{ .Tag }}_{{ .Os }}"',
        '    files: [none*]',
        '  - id: server-archive',
        '    ids: [server]',
        '    name_template: "{{ .Binary }}-{{ .Os }}"',
        '    wrap_in_directory: true',
        '    files: [none*]',
        '  - id: windows-zips',
        '    ids: [client, server]',
        '    formats: [zip]',
        '    format_overrides: [{ goos: linux, formats: [none] }]',
        '    name_template: "all_{{ .Os }}"',
        '    files: [none*]',
        'checksum:',
        '  name_template: checksums.txt',
        ''
      ].join('\n')
    )
    await gitInit(dir, { tag: 'v0.3.0' })
    const run = await cli(['--goreleaser-config', 'auto', '--sbom', 'spdx-json'], dir)
    if (run.status !== 0) throw new Error(`cli failed:\n${run.stdout}\n${run.stderr}`)
    expect(published(dir)).toEqual([
      'all_windows.zip',
      'checksums.txt',
      'client_v0.3.0_linux.tar.gz',
      'client_v0.3.0_windows.tar.gz',
      'server-linux.tar.gz',
      'server-windows.tar.gz'
    ])
    const list = async (name: string): Promise<string[]> => {
      const file = path.join(dir, 'dist', name)
      const out = name.endsWith('.zip')
        ? await realProcess.run('unzip', ['-Z1', file], { env: { PATH: process.env.PATH ?? '' } })
        : await realProcess.run('tar', ['-tzf', file], { env: { PATH: process.env.PATH ?? '' } })
      return out.stdout.trim().split('\n').sort()
    }
    expect(await list('client_v0.3.0_linux.tar.gz')).toEqual(['client'])
    expect(await list('server-windows.tar.gz')).toEqual(['server-windows/server.exe'])
    expect(await list('all_windows.zip')).toEqual(['client.exe', 'server.exe'])
    // Each file is in the checksums, and each SBOM names the binaries of its own file.
    const sums = fs.readFileSync(path.join(dir, 'dist', 'checksums.txt'), 'utf8')
    expect(sums.trim().split('\n')).toHaveLength(10)
    const sbomFiles = (name: string): string[] =>
      (
        JSON.parse(fs.readFileSync(path.join(dir, 'dist', `${name}.sbom.spdx.json`), 'utf8')) as {
          packages: { SPDXID: string; name: string }[]
        }
      ).packages
        .filter(p => p.SPDXID.startsWith('SPDXRef-Binary-'))
        .map(p => p.name)
    expect(sbomFiles('client_v0.3.0_linux.tar.gz')).toEqual(['client'])
    expect(sbomFiles('all_windows.zip').sort()).toEqual(['client.exe', 'server.exe'])
  })

  test('before.hooks run in the module root as argv, never a shell, before the build; archive files they write are packed', async () => {
    const dir = await project(
      config
        .replace(
          '    - go mod tidy',
          '    - go mod tidy\n    - mkdir -p completions\n    - cp README.md completions/greeter.{{ .Version }}.bash\n    - echo {{ .Tag }} > redirected.txt'
        )
        .replace('    files: [none*]', '    files: [completions/*]')
        .replace('goarch: [amd64, "386"]', 'goarch: [amd64]')
    )
    const run = await cli(['--goreleaser-config', 'auto', '--targets', 'linux/amd64'], dir)
    if (run.status !== 0) throw new Error(`cli failed:\n${run.stdout}\n${run.stderr}`)
    // Each command is logged, then its output: `>` reached echo as an argument.
    expect(run.stderr).toContain('$ cp README.md completions/greeter.1.2.3.bash')
    expect(run.stderr).toMatch(/\$ echo v1\.2\.3 > redirected\.txt\n.*v1\.2\.3 > redirected\.txt/)
    expect(fs.existsSync(path.join(dir, 'redirected.txt'))).toBe(false)
    const listed = await realProcess.run(
      'tar',
      ['-tzf', path.join(dir, 'dist', 'greeter_1.2.3_linux_amd64.tar.gz')],
      { env: { PATH: process.env.PATH ?? '' } }
    )
    expect(listed.stdout.trim().split('\n').sort()).toEqual([
      'completions/greeter.1.2.3.bash',
      'greeter'
    ])
  })

  test('before.hooks on pull_request_target are refused before anything runs, naming the input that allows them', async () => {
    const dir = await project(config.replace('    - go mod tidy', '    - touch ran.txt'))
    const run = await cli(['--goreleaser-config', 'auto'], dir, {
      GITHUB_EVENT_NAME: 'pull_request_target'
    })
    expect(run.status).not.toBe(0)
    expect(run.stderr).toContain(
      'before-hooks (from .goreleaser.yaml before.hooks): not run: on pull_request_target the job holds secrets'
    )
    expect(run.stderr).toContain('set hooks-on-pull-request-target: true to run them anyway')
    expect(fs.existsSync(path.join(dir, 'ran.txt'))).toBe(false)
    expect(fs.existsSync(path.join(dir, 'dist'))).toBe(false)
  })

  test('files rules: src/dst/strip_parent/info.mode place and mode the members; the source mode is kept otherwise', async () => {
    const dir = await project(
      config.replace(
        '    files: [none*]',
        [
          '    files:',
          '      - LICENSE',
          '      - src: docs/*.md',
          '        dst: share/doc',
          '        strip_parent: true',
          '        info: { mode: 0600 }',
          '      - src: scripts/*.sh',
          // GoReleaser's places: under dst by file name; a src without wildcards is named dst.
          '      - { src: docs/*.md, dst: manual }',
          '      - { src: LICENSE, dst: legal/COPYING }'
        ].join('\n')
      )
    )
    fs.mkdirSync(path.join(dir, 'docs'))
    fs.writeFileSync(path.join(dir, 'docs', 'usage.md'), '# usage\n')
    fs.mkdirSync(path.join(dir, 'scripts'))
    fs.writeFileSync(path.join(dir, 'scripts', 'install.sh'), '#!/bin/sh\n', { mode: 0o755 })
    await realProcess.run('git', ['add', '-A'], { cwd: dir, env: { PATH: process.env.PATH ?? '' } })
    await realProcess.run(
      'git',
      ['-c', 'user.name=t', '-c', 'user.email=t@e', 'commit', '-qm', 'docs'],
      { cwd: dir, env: { PATH: process.env.PATH ?? '' } }
    )
    await realProcess.run('git', ['tag', 'v1.2.4'], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '' }
    })
    const run = await cli(['--goreleaser-config', 'auto', '--targets', 'linux/amd64'], dir)
    if (run.status !== 0) throw new Error(`cli failed:\n${run.stdout}\n${run.stderr}`)
    const listed = await realProcess.run(
      'tar',
      ['-tvzf', path.join(dir, 'dist', 'greeter_1.2.4_linux_amd64.tar.gz')],
      { env: { PATH: process.env.PATH ?? '' } }
    )
    const members = listed.stdout
      .trim()
      .split('\n')
      .map(l => {
        const f = l.split(/\s+/)
        return `${f[0]} ${f[f.length - 1]}`
      })
    expect(members.sort()).toEqual(
      [
        '-rw-r--r-- LICENSE',
        '-rwxr-xr-x greeter',
        '-rwxr-xr-x scripts/install.sh',
        '-rw------- share/doc/usage.md',
        '-rw-r--r-- manual/usage.md',
        '-rw-r--r-- legal/COPYING'
      ].sort()
    )
  })

  test('a binary in a sub-folder (binary: bin/greeter): kept there in one set, at the top with strip_binary_directory, and it runs', async () => {
    const dir = await project(
      config
        .replace('  - env: [CGO_ENABLED=0]', '  - env: [CGO_ENABLED=0]\n    binary: bin/greeter')
        .replace(
          /archives:[\s\S]*?files: \[none\*\]/,
          [
            'archives:',
            '  - id: kept',
            '    formats: [tar.gz]',
            '    name_template: "{{ .ProjectName }}_{{ .Os }}_{{ .Arch }}"',
            '    wrap_in_directory: true',
            '    files: [none*]',
            '  - id: stripped',
            '    formats: [zip]',
            '    name_template: "{{ .ProjectName }}_{{ .Os }}_{{ .Arch }}_flat"',
            '    strip_binary_directory: true',
            '    files: [none*]'
          ].join('\n')
        )
    )
    const run = await cli(
      ['--goreleaser-config', 'auto', '--targets', 'linux/amd64,windows/amd64'],
      dir
    )
    if (run.status !== 0) throw new Error(`cli failed:\n${run.stdout}\n${run.stderr}`)
    const env = { PATH: process.env.PATH ?? '' }
    const tarList = async (name: string): Promise<string[]> =>
      (await realProcess.run('tar', ['-tzf', path.join(dir, 'dist', name)], { env })).stdout
        .trim()
        .split('\n')
    const zipList = async (name: string): Promise<string[]> =>
      (await realProcess.run('unzip', ['-Z1', path.join(dir, 'dist', name)], { env })).stdout
        .trim()
        .split('\n')
    expect(await tarList('greeter_linux_amd64.tar.gz')).toEqual(['greeter_linux_amd64/bin/greeter'])
    expect(await tarList('greeter_windows_amd64.tar.gz')).toEqual([
      'greeter_windows_amd64/bin/greeter.exe'
    ])
    expect(await zipList('greeter_linux_amd64_flat.zip')).toEqual(['greeter'])
    expect(await zipList('greeter_windows_amd64_flat.zip')).toEqual(['greeter.exe'])
    // The extracted binary is the one that was built, and it runs.
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-subfolder-'))
    await realProcess.run(
      'tar',
      ['-xzf', path.join(dir, 'dist', 'greeter_linux_amd64.tar.gz'), '-C', out],
      { env }
    )
    const ran = await realProcess.run(path.join(out, 'greeter_linux_amd64', 'bin', 'greeter'), [], {
      env: {}
    })
    expect(ran.stdout).toContain('1.2.3')
    fs.rmSync(out, { recursive: true, force: true })
  })

  test('an input given on the command line wins over the file', async () => {
    const dir = await project()
    const run = await cli(
      ['--goreleaser-config', '.goreleaser.yaml', '--targets', 'linux/arm64'],
      dir
    )
    if (run.status !== 0) throw new Error(`cli failed:\n${run.stdout}\n${run.stderr}`)
    expect(published(dir)).toEqual(['checksums.txt', 'greeter_1.2.3_linux_arm64.tar.gz'])
  })

  test('bad values in the file fail before building, naming the file and the key; unsupported sections are listed', async () => {
    const dir = await project(
      config.replace('name_template: checksums.txt', 'name_template: "check sums.txt"') +
        'brews:\n  - name: greeter\ndockers:\n  - image_templates: [greeter]\n'
    )
    const run = await cli(['--goreleaser-config', 'auto'], dir)
    expect(run.status).toBe(1)
    expect(run.stderr).toContain(
      'checksums-name (from .goreleaser.yaml checksum.name_template): "check sums.txt"'
    )
    // A list entry's key is named once with its place in the file.
    expect(run.stderr).toContain(
      'homebrew-formulas[0].repository (from .goreleaser.yaml brews): is required: {owner: …, name: …}'
    )
    expect(run.stderr).toContain(
      '.goreleaser.yaml: dockers: not made by this action yet; set goreleaser-unsupported: warn to build the rest without it'
    )
    expect(run.stderr).not.toMatch(/building binaries/)
  })
})
