// The `homebrew-formulas`, `homebrew-casks` and `scoop-manifests` inputs: YAML lists of manifests
// in the spelling of the action's other list inputs (GoReleaser's brews, homebrew_casks and
// scoops keys with dashes). Every value is checked here, before anything is built: the
// repository, the templates, the enumerations.
import {
  DEFAULT_COMMIT_AUTHOR,
  DEFAULT_COMMIT_MESSAGE,
  DEFAULT_DIRECTORY,
  type CaskCleanup,
  type CaskRelation,
  type FormulaDependency,
  type ManifestEntry,
  type ManifestKind,
  type PullRequestSpec
} from '../tap-manifests.js'
import {
  ARTIFACT_FIELDS,
  checkTemplate,
  RELEASE_FIELDS,
  TEMPLATE_FIELDS,
  type TemplateField
} from '../template.js'
import { notA } from './messages.js'
import { within, yamlEntries, type Kind, type ParseAt } from './kinds.js'

const COMMON = [
  'name',
  'repository',
  'directory',
  'ids',
  'commit-author',
  'commit-msg-template',
  'skip-upload',
  'description',
  'homepage'
]
const KEYS: Record<ManifestKind, readonly string[]> = {
  formula: [
    ...COMMON,
    'license',
    'url-template',
    'url-headers',
    'download-strategy',
    'dependencies',
    'conflicts',
    'caveats',
    'install',
    'extra-install',
    'post-install',
    'test',
    'service',
    'custom-require',
    'custom-block',
    'goarm',
    'goamd64'
  ],
  cask: [
    ...COMMON,
    'url',
    'binaries',
    'manpages',
    'completions',
    'service',
    'hooks',
    'dependencies',
    'conflicts',
    'uninstall',
    'zap',
    'caveats',
    'custom-block',
    'generate-completions-from-executable'
  ],
  scoop: [
    ...COMMON,
    'license',
    'url-template',
    'persist',
    'pre-install',
    'post-install',
    'depends',
    'shortcuts',
    'goamd64'
  ]
}
const REPOSITORY_KEYS = ['owner', 'name', 'branch', 'pull-request']
const PULL_REQUEST_KEYS = ['enabled', 'draft', 'base']
const CLEANUP_KEYS = ['launchctl', 'quit', 'login-item', 'delete', 'trash']
/** GitHub's owner and repository names. */
const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/
const REPO = /^[A-Za-z0-9._-]{1,100}$/
/** What Homebrew accepts as a formula or cask name (letters, digits, `-_.+@`), before templates. */
const NAME = /^(?:[a-z0-9][a-z0-9._+@-]*|.*\{\{.*)$/i
const SKIP_UPLOAD = ['false', 'true', 'auto'] as const
const GOARM = ['5', '6', '7']
const GOAMD64 = ['v1', 'v2', 'v3', 'v4']

const WHAT: Record<ManifestKind, { list: string; one: string; example: string }> = {
  formula: {
    list: 'Homebrew formulas',
    one: 'a formula',
    example: '- repository: {owner: o, name: homebrew-tap} ...'
  },
  cask: {
    list: 'Homebrew casks',
    one: 'a cask',
    example: '- repository: {owner: o, name: homebrew-tap} ...'
  },
  scoop: {
    list: 'Scoop manifests',
    one: 'a Scoop manifest',
    example: '- repository: {owner: o, name: scoop-bucket} ...'
  }
}

/** The kind of one of the manifest inputs. */
export function manifestEntries(kind: ManifestKind): Kind<ManifestEntry[]> {
  return {
    kind: WHAT[kind].list,
    parse(raw, at) {
      return yamlEntries(
        raw,
        at,
        { ...WHAT[kind], keys: KEYS[kind], nameOf: i => `${at.input}[${i}]` },
        (e, sub, i) => entry(kind, e, sub, `${at.input}[${i}]`)
      )
    }
  }
}

type Sub = (key: string) => ParseAt

function entry(
  kind: ManifestKind,
  e: Record<string, unknown>,
  sub: Sub,
  label: string
): ManifestEntry {
  const tpl = (key: string, fields: readonly TemplateField[] = RELEASE_FIELDS): string => {
    const text = e[key] === undefined || e[key] === null ? '' : String(e[key])
    if (text !== '') sub(key).add(checkTemplate(sub(key).input, text, fields))
    return text
  }
  // brews and casks: GoReleaser renders the whole manifest as a template, so every Ruby value is one.
  const ruby = (key: string): string => tpl(key)
  const repo = mapping(e.repository, sub('repository'), REPOSITORY_KEYS)
  const owner = scalar(repo.owner)
  const repoName = scalar(repo.name)
  if (e.repository === undefined) sub('repository').fail('is required: {owner: …, name: …}')
  else {
    if (!OWNER.test(owner))
      within(sub('repository'), `${label}.repository.owner`).bad(owner, 'is not a GitHub owner')
    if (!REPO.test(repoName))
      within(sub('repository'), `${label}.repository.name`).bad(
        repoName,
        'is not a GitHub repository name'
      )
  }
  const pullRequest = pullRequestOf(repo['pull-request'], sub('repository'), label, {
    repository: `${owner}/${repoName}`,
    branch: scalar(repo.branch)
  })
  const name = tpl('name')
  if (name !== '' && !NAME.test(name))
    sub('name').bad(
      name,
      `is not a name Homebrew or Scoop takes: use letters, digits, ".", "_", "+", "@" and "-"`
    )
  const author = mapping(e['commit-author'] ?? {}, sub('commit-author'), ['name', 'email'])
  const skip = scalar(e['skip-upload']) || 'false'
  if (!(SKIP_UPLOAD as readonly string[]).includes(skip))
    sub('skip-upload').bad(skip, notA('a choice', SKIP_UPLOAD))
  const base = {
    label,
    repository: `${owner}/${repoName}`,
    branch: scalar(repo.branch),
    name,
    directory: e.directory === undefined ? DEFAULT_DIRECTORY[kind] : scalar(e.directory),
    ids: strings(e.ids),
    urlTemplate: '',
    commitMessage: tpl('commit-msg-template') || DEFAULT_COMMIT_MESSAGE[kind],
    commitAuthor: {
      name: scalar(author.name) || DEFAULT_COMMIT_AUTHOR.name,
      email: scalar(author.email) || DEFAULT_COMMIT_AUTHOR.email
    },
    skipUpload: skip as 'false' | 'true' | 'auto',
    ...(pullRequest ? { pullRequest } : {})
  }
  const urlFields = [...TEMPLATE_FIELDS, ...ARTIFACT_FIELDS]
  const choice = (key: string, choices: readonly string[], fallback: string): string => {
    const v = scalar(e[key]) || fallback
    if (!choices.includes(v)) sub(key).bad(v, notA('a choice', choices))
    return v
  }

  if (kind === 'formula') {
    return {
      ...base,
      kind,
      urlTemplate: tpl('url-template', urlFields),
      install: tpl('install', TEMPLATE_FIELDS),
      extraInstall: tpl('extra-install', TEMPLATE_FIELDS),
      goarm: choice('goarm', GOARM, '6'),
      goamd64: choice('goamd64', GOAMD64, 'v1'),
      formula: {
        description: ruby('description'),
        homepage: ruby('homepage'),
        license: ruby('license'),
        dependencies: formulaDependencies(e.dependencies, sub('dependencies')),
        conflicts: strings(e.conflicts),
        postInstall: ruby('post-install'),
        caveats: ruby('caveats'),
        service: ruby('service'),
        test: ruby('test'),
        customRequire: ruby('custom-require'),
        customBlock: ruby('custom-block'),
        downloadStrategy: ruby('download-strategy'),
        urlHeaders: strings(e['url-headers'])
      }
    }
  }
  if (kind === 'cask') {
    const url = mapping(e.url ?? {}, sub('url'), [
      'template',
      'verified',
      'using',
      'cookies',
      'referer',
      'headers',
      'user-agent',
      'data'
    ])
    const urlTemplate = scalar(url.template)
    if (urlTemplate !== '')
      sub('url').add(checkTemplate(`${label}.url.template`, urlTemplate, urlFields))
    const completions = mapping(e.completions ?? {}, sub('completions'), ['bash', 'zsh', 'fish'])
    const hooks = mapping(e.hooks ?? {}, sub('hooks'), ['pre', 'post'])
    const pre = mapping(hooks.pre ?? {}, sub('hooks'), ['install', 'uninstall'])
    const post = mapping(hooks.post ?? {}, sub('hooks'), ['install', 'uninstall'])
    const gen = mapping(
      e['generate-completions-from-executable'] ?? {},
      sub('generate-completions-from-executable'),
      ['executable', 'args', 'base-name', 'shell-parameter-format', 'shells']
    )
    const binaries = strings(e.binaries)
    const generating = Object.keys(gen).length > 0
    return {
      ...base,
      kind,
      urlTemplate,
      binaries,
      manpages: strings(e.manpages),
      cask: {
        description: ruby('description'),
        homepage: ruby('homepage'),
        customBlock: ruby('custom-block'),
        completions: {
          bash: scalar(completions.bash),
          zsh: scalar(completions.zsh),
          fish: scalar(completions.fish)
        },
        service: ruby('service'),
        hooks: {
          preInstall: scalar(pre.install),
          postInstall: scalar(post.install),
          preUninstall: scalar(pre.uninstall),
          postUninstall: scalar(post.uninstall)
        },
        dependencies: relations(e.dependencies, sub('dependencies')),
        conflicts: relations(e.conflicts, sub('conflicts')),
        uninstall: cleanup(e.uninstall, sub('uninstall')),
        zap: cleanup(e.zap, sub('zap')),
        caveats: ruby('caveats'),
        generateCompletions: {
          // GoReleaser's default: the first binary, or the cask's name.
          executable:
            scalar(gen.executable) ||
            (generating ? (binaries[0] ?? (name || '{{ .ProjectName }}')) : ''),
          args: strings(gen.args),
          baseName: scalar(gen['base-name']),
          shellParameterFormat: scalar(gen['shell-parameter-format']),
          shells: strings(gen.shells)
        },
        url: {
          verified: scalar(url.verified),
          using: scalar(url.using),
          cookies: stringMap(url.cookies, sub('url')),
          referer: scalar(url.referer),
          headers: strings(url.headers),
          userAgent: scalar(url['user-agent']),
          data: stringMap(url.data, sub('url'))
        }
      }
    }
  }
  return {
    ...base,
    kind,
    urlTemplate: tpl('url-template', urlFields),
    goamd64: choice('goamd64', GOAMD64, 'v1'),
    scoop: {
      description: tpl('description'),
      homepage: tpl('homepage'),
      license: scalar(e.license),
      persist: strings(e.persist),
      preInstall: strings(e['pre-install']),
      postInstall: strings(e['post-install']),
      depends: strings(e.depends),
      shortcuts: shortcuts(e.shortcuts, sub('shortcuts'))
    }
  }
}

/**
 * `repository.pull-request`: GoReleaser's pull_request. The manifest is committed to
 * `repository.branch` and proposed to `base` (default: the tap itself, its default branch), so
 * a pull request within one repository needs a branch of its own to come from.
 */
function pullRequestOf(
  value: unknown,
  at: ParseAt,
  label: string,
  head: { repository: string; branch: string }
): PullRequestSpec | undefined {
  const pr = mapping(value, at, PULL_REQUEST_KEYS)
  const flag = (key: string): boolean => {
    const v = scalar(pr[key]) || 'false'
    if (v !== 'true' && v !== 'false')
      within(at, `${label}.repository.pull-request.${key}`).bad(
        v,
        notA('a choice', ['true', 'false'])
      )
    return v === 'true'
  }
  const enabled = flag('enabled')
  const draft = flag('draft')
  const base = mapping(pr.base, at, REPOSITORY_KEYS.slice(0, 3))
  const baseOwner = scalar(base.owner)
  const baseName = scalar(base.name)
  if (baseOwner !== '' && !OWNER.test(baseOwner))
    within(at, `${label}.repository.pull-request.base.owner`).bad(
      baseOwner,
      'is not a GitHub owner'
    )
  if (baseName !== '' && !REPO.test(baseName))
    within(at, `${label}.repository.pull-request.base.name`).bad(
      baseName,
      'is not a GitHub repository name'
    )
  if (!enabled) return undefined
  const [headOwner = '', headName = ''] = head.repository.split('/')
  const repository = `${baseOwner || headOwner}/${baseName || headName}`
  const baseBranch = scalar(base.branch)
  const sameRepository = repository.toLowerCase() === head.repository.toLowerCase()
  if (sameRepository && head.branch === '')
    within(at, `${label}.repository.branch`).fail(
      'is required with a pull request to the same repository: the branch the pull request comes from'
    )
  else if (sameRepository && head.branch === baseBranch)
    within(at, `${label}.repository.branch`).bad(
      head.branch,
      'is the branch the pull request goes to; name another one for it to come from'
    )
  return { repository, branch: baseBranch, draft }
}

/** A YAML scalar as text ('' for none); YAML numbers and booleans as written. */
function scalar(v: unknown): string {
  return v === undefined || v === null ? '' : String(v).trim()
}

/** A scalar or a list of scalars, empty items dropped. */
function strings(v: unknown): string[] {
  if (v === undefined || v === null) return []
  return (Array.isArray(v) ? v : [v]).map(scalar).filter(Boolean)
}

function mapping(value: unknown, at: ParseAt, keys: readonly string[]): Record<string, unknown> {
  if (value === undefined || value === null) return {}
  if (typeof value !== 'object' || Array.isArray(value)) {
    at.fail(`is not a mapping of ${keys.join(', ')}`)
    return {}
  }
  const m = value as Record<string, unknown>
  for (const key of Object.keys(m))
    if (!keys.includes(key)) at.bad(key, `is not a key here (${keys.join(', ')})`)
  return m
}

function stringMap(value: unknown, at: ParseAt): Record<string, string> {
  if (value === undefined || value === null) return {}
  if (typeof value !== 'object' || Array.isArray(value)) {
    at.fail('is not a mapping of names to values')
    return {}
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scalar(v)]))
}

/** A formula's dependencies: names, or mappings of name, type, version and os (mac, linux). */
function formulaDependencies(value: unknown, at: ParseAt): FormulaDependency[] {
  if (value === undefined || value === null) return []
  return (Array.isArray(value) ? value : [value]).flatMap((d: unknown): FormulaDependency[] => {
    if (typeof d !== 'object' || d === null) return scalar(d) ? [{ name: scalar(d) }] : []
    const m = mapping(d, at, ['name', 'type', 'version', 'os'])
    const dep: FormulaDependency = { name: scalar(m.name) }
    if (!dep.name) at.fail('has a dependency without a name')
    if (scalar(m.type)) dep.type = scalar(m.type)
    if (scalar(m.version)) dep.version = scalar(m.version)
    const os = scalar(m.os)
    if (os) {
      if (os !== 'mac' && os !== 'linux') at.bad(os, notA('an os', ['mac', 'linux']))
      dep.os = os
    }
    return [dep]
  })
}

/** A cask's dependencies or conflicts: mappings of cask and formula. */
function relations(value: unknown, at: ParseAt): CaskRelation[] {
  if (value === undefined || value === null) return []
  return (Array.isArray(value) ? value : [value]).map((r: unknown) => {
    const m = mapping(r, at, ['cask', 'formula'])
    return {
      ...(scalar(m.cask) ? { cask: scalar(m.cask) } : {}),
      ...(scalar(m.formula) ? { formula: scalar(m.formula) } : {})
    }
  })
}

function cleanup(value: unknown, at: ParseAt): CaskCleanup {
  const m = mapping(value ?? {}, at, CLEANUP_KEYS)
  return {
    launchctl: strings(m.launchctl),
    quit: strings(m.quit),
    loginItem: strings(m['login-item']),
    delete: strings(m.delete),
    trash: strings(m.trash)
  }
}

/** Scoop shortcuts: each a list of the binary and the shortcut's name (and more, as Scoop takes). */
function shortcuts(value: unknown, at: ParseAt): string[][] {
  if (value === undefined || value === null) return []
  if (!Array.isArray(value)) {
    at.fail('is not a list of [binary, name] lists')
    return []
  }
  return value.map((s: unknown) => {
    const items = Array.isArray(s) ? s.map(scalar) : []
    if (items.length < 2) at.bad(JSON.stringify(s), 'is not a [binary, name] list')
    return items
  })
}
