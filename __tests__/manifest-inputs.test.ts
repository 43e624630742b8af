import { parse } from 'yaml'
import { readGoreleaserConfig } from '../src/goreleaser-config.js'
import { parseInputs } from '../src/inputs/index.js'
import { DEFAULT_COMMIT_AUTHOR } from '../src/tap-manifests.js'

/**
 * The homebrew-casks, homebrew-formulas and scoop-manifests inputs (src/inputs/manifest-kind.ts)
 * and GoReleaser's brews, homebrew_casks and scoops sections read onto them
 * (src/goreleaser-manifests.ts).
 */
const parsed = (values: Record<string, string>) =>
  parseInputs(name => values[name] ?? '', { workspace: process.cwd(), cpus: 2 })

describe('the manifest inputs', () => {
  test('defaults: GoReleaser directories, commit messages and the Actions bot as author', () => {
    const { inputs, problems } = parsed({
      'homebrew-casks': '- repository: {owner: octo, name: homebrew-tap}',
      'homebrew-formulas': '- repository: {owner: octo, name: homebrew-tap, branch: formulas}',
      'scoop-manifests': '- repository: {owner: octo, name: scoop-bucket}\n  goamd64: v3'
    })
    expect(problems).toEqual([])
    expect(inputs.homebrewCasks).toEqual([
      expect.objectContaining({
        label: 'homebrew-casks[0]',
        kind: 'cask',
        repository: 'octo/homebrew-tap',
        branch: '',
        name: '',
        directory: 'Casks',
        commitMessage: 'Brew cask update for {{ .ProjectName }} version {{ .Tag }}',
        commitAuthor: DEFAULT_COMMIT_AUTHOR,
        skipUpload: 'false'
      })
    ])
    expect(inputs.homebrewFormulas[0]).toMatchObject({
      directory: '',
      branch: 'formulas',
      goarm: '6',
      goamd64: 'v1'
    })
    expect(inputs.scoopManifests[0]).toMatchObject({ directory: '', goamd64: 'v3' })
  })

  test('every value is checked before anything is built, named by its place', () => {
    const { problems } = parsed({
      'homebrew-casks': [
        '- repository: {owner: "-bad", name: "tap/x"}',
        '  name: "two words!"',
        '  skip-upload: sometimes',
        '  caveats: "{{ .Nope }}"',
        '  binary: tool',
        '  hooks: {pre: {install: x, remove: y}}'
      ].join('\n'),
      'homebrew-formulas': '- description: no repository\n  goarm: "8"',
      'scoop-manifests': '- repository: {owner: o, name: b}\n  shortcuts: [[tool.exe]]'
    })
    expect(problems).toEqual(
      expect.arrayContaining([
        'homebrew-casks[0].repository.owner: "-bad" is not a GitHub owner',
        'homebrew-casks[0].repository.name: "tap/x" is not a GitHub repository name',
        expect.stringContaining(
          'homebrew-casks[0].name: "two words!" is not a name Homebrew or Scoop takes'
        ),
        expect.stringContaining('homebrew-casks[0].skip-upload: "sometimes"'),
        expect.stringContaining('homebrew-casks[0].caveats: unknown template field {{.Nope}}'),
        expect.stringContaining('homebrew-casks[0]: "binary" is not a key of a cask'),
        expect.stringContaining('"remove" is not a key here (install, uninstall)'),
        'homebrew-formulas[0].repository: is required: {owner: …, name: …}',
        expect.stringContaining('homebrew-formulas[0].goarm: "8"'),
        expect.stringContaining(
          'scoop-manifests[0].shortcuts: "["tool.exe"]" is not a [binary, name] list'
        )
      ])
    )
  })

  test('a formula dependency is a name or a mapping of name, type, version and os', () => {
    const { inputs, problems } = parsed({
      'homebrew-formulas': [
        '- repository: {owner: o, name: homebrew-tap}',
        '  dependencies:',
        '    - git',
        '    - {name: zsh, type: optional}',
        '    - {name: fish, os: mac}',
        '    - {name: bad, os: windows}'
      ].join('\n')
    })
    expect(problems).toEqual([
      expect.stringContaining('homebrew-formulas[0].dependencies: "windows" is not an os')
    ])
    const entry = inputs.homebrewFormulas[0]!
    expect(entry.kind === 'formula' && entry.formula.dependencies).toEqual([
      { name: 'git' },
      { name: 'zsh', type: 'optional' },
      { name: 'fish', os: 'mac' },
      { name: 'bad', os: 'windows' }
    ])
  })
})

describe('pull requests (repository.pull-request)', () => {
  const casks = (repository: string) => parsed({ 'homebrew-casks': `- repository: ${repository}` })

  test('to the tap itself from a branch of its own; to another repository from a fork', () => {
    const same = casks(
      '{owner: o, name: tap, branch: up, pull-request: {enabled: true, draft: true}}'
    )
    expect(same.problems).toEqual([])
    expect(same.inputs.homebrewCasks[0]).toMatchObject({
      branch: 'up',
      pullRequest: { repository: 'o/tap', branch: '', draft: true }
    })
    const fork = casks(
      '{owner: me, name: tap, pull-request: {enabled: true, base: {owner: o, name: tap, branch: main}}}'
    )
    expect(fork.problems).toEqual([])
    expect(fork.inputs.homebrewCasks[0]).toMatchObject({
      branch: '',
      pullRequest: { repository: 'o/tap', branch: 'main', draft: false }
    })
    // Not enabled: committed to the branch as without the key.
    const off = casks('{owner: o, name: tap, pull-request: {enabled: false, draft: true}}')
    expect(off.problems).toEqual([])
    expect(off.inputs.homebrewCasks[0]!.pullRequest).toBeUndefined()
  })

  test.each([
    [
      '{owner: o, name: tap, pull-request: {enabled: true}}',
      'homebrew-casks[0].repository.branch: is required with a pull request to the same repository: the branch the pull request comes from'
    ],
    [
      '{owner: o, name: tap, branch: main, pull-request: {enabled: true, base: {branch: main}}}',
      'homebrew-casks[0].repository.branch: "main" is the branch the pull request goes to; name another one for it to come from'
    ],
    [
      '{owner: o, name: tap, branch: b, pull-request: {enabled: yes-please}}',
      expect.stringContaining('homebrew-casks[0].repository.pull-request.enabled: "yes-please"')
    ],
    [
      '{owner: o, name: tap, branch: b, pull-request: {enabled: true, base: {owner: "a b"}}}',
      'homebrew-casks[0].repository.pull-request.base.owner: "a b" is not a GitHub owner'
    ],
    [
      '{owner: o, name: tap, branch: b, pull-request: {enabled: true, head: x}}',
      expect.stringContaining('"head" is not a key here (enabled, draft, base)')
    ]
  ])('%s is refused before anything is built', (repository, problem) => {
    expect(casks(repository).problems).toEqual([problem])
  })
})

describe("GoReleaser's sections", () => {
  const read = (yaml: string, unsupported: 'error' | 'warn' = 'error') =>
    readGoreleaserConfig(`version: 2\nproject_name: tool\n${yaml}`, {
      file: '.goreleaser.yaml',
      modulePath: 'example.com/tool',
      originUrl: '',
      unsupported
    })

  test('keys keep their meaning with dashes; user-named keys (cookies, data) stay as written', () => {
    const r = read(
      [
        'homebrew_casks:',
        '  - name: tool',
        '    repository: {owner: octo, name: homebrew-tap, token: "{{ .Env.TAP }}"}',
        '    commit_author: {name: bot, email: bot@example.com}',
        '    generate_completions_from_executable: {args: [completion], shell_parameter_format: cobra}',
        '    url: {user_agent: x, cookies: {session_id: abc}}',
        '    uninstall: {login_item: [Tool]}',
        '    binary: tool',
        'scoops:',
        '  - bucket: {owner: octo, name: scoop-bucket}',
        '    skip_upload: true',
        '    pre_install: ["Write-Host hi"]'
      ].join('\n')
    )
    expect(r.problems).toEqual([])
    expect(parse(r.values['homebrew-casks']!)).toEqual([
      {
        name: 'tool',
        repository: { owner: 'octo', name: 'homebrew-tap' },
        'commit-author': { name: 'bot', email: 'bot@example.com' },
        'generate-completions-from-executable': {
          args: ['completion'],
          'shell-parameter-format': 'cobra'
        },
        url: { 'user-agent': 'x', cookies: { session_id: 'abc' } },
        uninstall: { 'login-item': ['Tool'] },
        binaries: ['tool']
      }
    ])
    expect(parse(r.values['scoop-manifests']!)).toEqual([
      {
        repository: { owner: 'octo', name: 'scoop-bucket' },
        'skip-upload': 'true',
        'pre-install': ['Write-Host hi']
      }
    ])
    expect(r.notes).toEqual(
      expect.arrayContaining([
        '.goreleaser.yaml: homebrew_casks[0].repository.token: the action takes the token from the homebrew-token input',
        '.goreleaser.yaml: homebrew_casks[0].binary: deprecated in GoReleaser; read as binaries',
        ".goreleaser.yaml: scoops[0].bucket: GoReleaser v1's spelling of repository; upgrade it to repository"
      ])
    )
  })

  test('pushing over SSH fails naming the key, or is warned with warn; pull requests are read', () => {
    const yaml = [
      'brews:',
      '  - repository:',
      '      owner: octo',
      '      name: homebrew-tap',
      '      branch: tool-update',
      '      git: {url: "git@github.com:octo/homebrew-tap.git"}',
      '      pull_request:',
      '        enabled: true',
      '        draft: true',
      '        check_boxes: true',
      '        base: {owner: homebrew, name: homebrew-core, branch: main}'
    ].join('\n')
    const r = read(yaml)
    expect(r.problems).toEqual([
      '.goreleaser.yaml: brews[0].repository.git: pushing over git and SSH is not supported; the action commits through the GitHub API with its token; set goreleaser-unsupported: warn to write the manifest anyway'
    ])
    expect(r.notes).toContain(
      ".goreleaser.yaml: brews[0].repository.pull_request.check_boxes: the pull request's body is the action's own, not the repository's template"
    )
    const warned = read(yaml, 'warn')
    expect(warned.problems).toEqual([])
    expect(warned.warnings.filter(w => w.includes('brews[0].repository'))).toHaveLength(1)
    expect(parse(warned.values['homebrew-formulas']!)).toEqual([
      {
        repository: {
          owner: 'octo',
          name: 'homebrew-tap',
          branch: 'tool-update',
          'pull-request': {
            enabled: true,
            draft: true,
            base: { owner: 'homebrew', name: 'homebrew-core', branch: 'main' }
          }
        }
      }
    ])
    const { inputs, problems } = parsed({
      'homebrew-formulas': warned.values['homebrew-formulas']!
    })
    expect(problems).toEqual([])
    expect(inputs.homebrewFormulas[0]!.pullRequest).toEqual({
      repository: 'homebrew/homebrew-core',
      branch: 'main',
      draft: true
    })
  })
})
