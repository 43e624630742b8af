// The input table: every input the action takes, once. action.yml's inputs, the README's inputs
// table, the CLI's options, the INPUT names and the typed Inputs fields all come from these rows,
// so adding an input is one row here (and the code that uses its field).
import { FORMAT_CHOICES, PACK_FORMATS, type ArchiveSet } from '../archive-sets.js'
import { linuxPackageEntries } from './package-kind.js'
import { checkGpgKey, checkRsaKey } from '../linux-packages.js'
import { CHECKSUM_ALGORITHMS } from '../checksums.js'
import { checkCosignKey } from '../cosign.js'
import { checkBuildFlags } from '../go-flags.js'
import { SBOM_FORMATS } from '../sbom.js'
import { DEFAULT_TARGETS } from '../targets.js'
import { RELEASE_FIELDS, TEMPLATE_FIELDS } from '../template.js'
import { checkUpxArgs } from '../upx.js'
import { baseProblem, DEFAULT_IMAGE_BASE, repositoryProblem } from '../image.js'
import {
  archiveEntries,
  binaryTargetLines,
  buildOverrideEntries,
  boolean,
  choice,
  choiceList,
  count,
  envLines,
  filePatterns,
  folder,
  imageFileRules,
  list,
  matching,
  optionalCount,
  quotedArgs,
  secret,
  size,
  targetMap,
  targetPatterns,
  template,
  templateLines,
  text,
  wordOrFile,
  type Kind,
  type ParseAt,
  type TargetMapEntry
} from './kinds.js'
import { manifestEntries } from './manifest-kind.js'
import { badValue, notA, notAllowed } from './messages.js'
import { splitQuoted } from './syntax.js'

/** Where action.yml lists an input; a blank line separates the groups. */
export type InputGroup = 'build' | 'cache' | 'artifacts' | 'release' | 'matrix' | 'extras'

/** One input: its name, the Inputs field it fills, how it is parsed, and its documentation. */
export interface InputRow<N extends string = string, F extends string = string, T = unknown> {
  /** the name in action.yml (kebab-case), also the CLI's `--<name>` option */
  readonly name: N
  /** the camelCase field of Inputs it fills */
  readonly field: F
  /** how its text becomes the field's value, with the default and the allowed values */
  readonly kind: Kind<T>
  /** the section of action.yml it is listed in */
  readonly group: InputGroup
  /** action.yml's description: one line, single spaces, no `${{ }}` expression */
  readonly description: string
  /**
   * the README inputs table's default and meaning columns (Markdown, no `|`); the default is
   * the kind's own when it has one
   */
  readonly readme: { readonly default?: string; readonly meaning: string }
  /** action.yml's `default:`, only for a value the workflow alone can give (the job's token) */
  readonly actionDefault?: string
}

/** True for the secrets (the token, the cosign key and password): their values are never in a message. */
export function isSecret(row: InputRow): boolean {
  return row.kind.kind === 'secret'
}

/** The values of every secret input that is given. */
export function secretValues(inputs: Inputs): string[] {
  return INPUT_TABLE.filter(isSecret)
    .map(r => (inputs as unknown as Record<string, unknown>)[r.field])
    .filter((v): v is string => typeof v === 'string' && v !== '')
}

/** Keeps a row's name and field as literal types, so INPUT and Inputs can be derived. */
function row<const N extends string, const F extends string, T>(
  r: InputRow<N, F, T>
): InputRow<N, F, T> {
  return r
}

/** Defaults that are not derived from the run. */
export const DEFAULTS = {
  ldflags: '-s -w -X main.version={{.Version}}',
  nameTemplate: '{{.Binary}}_{{.Version}}_{{.Os}}_{{.Arch}}{{.Variant}}',
  checksumsName: 'checksums.txt',
  dist: 'dist',
  archiveFiles: ['LICENSE*', 'README*']
} as const

/** A matrix leg's shard as the plan names it: `<index>-of-<count>[-<goos>]`. */
export const SHARD = /^([1-9][0-9]{0,2})-of-([1-9][0-9]{0,2})(?:-([a-z0-9]+))?$/
const SHARD_RULE = "is not a shard of the plan's matrix (like 2-of-3 or 1-of-2-darwin)"
const SAFE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/
const SAFE_NAME_RULE =
  'is not allowed: use letters, digits, ".", "_" and "-", not starting with "." or "-"'
/** A binary name, optionally in sub-folders of the archive (GoReleaser's `binary: bin/gh`). */
const BINARY_PATH = /^(?:[A-Za-z0-9_][A-Za-z0-9._-]*\/)*[A-Za-z0-9_][A-Za-z0-9._-]*$/
const BINARY_PATH_RULE =
  'is not allowed: use letters, digits, ".", "_" and "-", not starting with "." or "-", with "/" between sub-folders'
const VERSION = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/
const VERSION_RULE =
  'is not allowed: use letters, digits, ".", "_", "+" and "-", starting with a letter or digit'
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.]*$/
const TAG_RULE = 'is not a build tag (letters, digits, "_" and ".")'
const CACHE_KEY_SUFFIX = /^[A-Za-z0-9._-]{1,64}$/
const CACHE_KEY_SUFFIX_RULE =
  'is not allowed: up to 64 letters, digits, ".", "_" and "-" (cache keys cannot hold commas)'
/** Characters the artifact service refuses in names (github-runtime.md), and its length limit. */
const ARTIFACT_NAME = /^[^":<>|*?\r\n\\/]{1,200}$/
const ARTIFACT_NAME_RULE =
  'is not allowed: up to 200 characters, none of " : < > | * ? \\ / or line breaks'

/** A leading dash would reach go as a flag: a package path is data, never an option. */
function notAFlag(item: string): string | undefined {
  return item.startsWith('-') ? 'is not a package path (it starts with "-")' : undefined
}

/** A cc value is a command line by Go's quoting (CC may carry flags), never empty. */
function checkCompiler(entry: TargetMapEntry, at: ParseAt): void {
  try {
    if (splitQuoted(entry.value).length === 0) at.bad(entry.scope, 'has no compiler')
  } catch (error) {
    at.fail(`${(error as Error).message} in "${entry.value}"`)
  }
}

/** GitHub shows a release title on one line and refuses very long ones. */
/** A token with whitespace is two values pasted together; the message never shows it. */
function tokenComplaint(token: string): string | undefined {
  return /\s/.test(token) ? 'the token holds whitespace; pass the token alone' : undefined
}

/**
 * What is wrong with a tag name by `git check-ref-format` rules (GitHub refuses such tags with a
 * 422), so it is refused before anything is built.
 */
export function tagNameComplaint(tag: string): string | undefined {
  const bad =
    tag.length > 250 ||
    // eslint-disable-next-line no-control-regex -- git refuses control characters in ref names
    /[\x00-\x20\x7f~^:?*[\\]/.test(tag) ||
    tag.includes('..') ||
    tag.includes('@{') ||
    tag.includes('//') ||
    /^[-/.]|[/.]$|\.lock(\/|$)|\/\./.test(tag) ||
    tag === '@'
  return bad
    ? 'is not a valid tag name (git check-ref-format: no spaces, ~ ^ : ? * [ \\, "..", "@{", leading "-" or ".", trailing "." or ".lock")'
    : undefined
}

/** Problems of a tag name given in input `name` (none when git accepts it). */
export function checkTagName(name: string, tag: string): string[] {
  const complaint = tagNameComplaint(tag)
  return complaint === undefined ? [] : [badValue(name, tag, complaint)]
}

/** Every input, in action.yml's order; problems are listed in this order too. */
/** The compiler settings' kinds: the top-level inputs and their build-overrides keys. */
const BUILD_KINDS = {
  ldflags: template({ fallback: DEFAULTS.ldflags, fields: TEMPLATE_FIELDS }),
  flags: quotedArgs(checkBuildFlags),
  tags: list({ spaces: true, item: matching(TAG, TAG_RULE) }),
  trimpath: boolean(true)
}

export const INPUT_TABLE = [
  row({
    name: 'goreleaser-config',
    field: 'goreleaserConfig',
    kind: text(),
    group: 'build',
    description:
      'A GoReleaser config to read as inputs: a path relative to the module root, or `auto` (the first of .config/goreleaser.yml, .config/goreleaser.yaml, .goreleaser.yml, .goreleaser.yaml, goreleaser.yml and goreleaser.yaml at the module root, as GoReleaser looks; none: not read). Its builds, archives, checksum, release and the other keys that map onto these inputs fill them; an input given in the workflow wins over the file. Sections the action does not make fail the run unless goreleaser-unsupported is warn. Empty: not read.',
    readme: {
      meaning:
        'path or `auto`: read `.goreleaser.yaml` as inputs (workflow inputs win), see [Coming from GoReleaser](#coming-from-goreleaser)'
    }
  }),
  row({
    name: 'goreleaser-unsupported',
    field: 'goreleaserUnsupported',
    kind: choice(['error', 'warn'], 'error'),
    group: 'build',
    description:
      'What to do with sections of goreleaser-config the action does not make (dockers, dockers_v2, signs, snapcrafts, aurs, …), and keys of the sections it reads that it does not make yet: error fails before building, listing them; warn skips them with a warning. GoReleaser Pro keys always fail.',
    readme: { meaning: '`error` or `warn` (skip them with a warning)' }
  }),
  row({
    name: 'targets',
    field: 'targets',
    kind: list({ fallback: DEFAULT_TARGETS, blankOnly: true }),
    group: 'build',
    description:
      'Targets, newline or comma separated: goos/goarch[/variant] (linux/arm/7, linux/amd64/v3, linux/arm64/v8.2), the preset first-class, or wildcards (linux/*, */arm64). Validated against `go tool dist list` of the installed Go. Default: linux/amd64, linux/arm64, darwin/amd64, darwin/arm64, windows/amd64.',
    readme: {
      default: 'linux/amd64, linux/arm64, darwin/amd64, darwin/arm64, windows/amd64',
      meaning: '`goos/goarch[/variant]`, `first-class`, `linux/*`, `*/arm64`'
    }
  }),
  row({
    name: 'working-directory',
    field: 'workingDirectory',
    kind: folder({ base: 'workspace', fallback: '.' }),
    group: 'build',
    description:
      'Module root (the folder with go.mod), relative to the workspace. Default the workspace.',
    readme: { default: 'workspace', meaning: 'module root (folder with go.mod)' }
  }),
  row({
    name: 'package',
    field: 'packages',
    kind: list({ fallback: ['.'], item: notAFlag }),
    group: 'build',
    description:
      'Main package(s) to build, relative to the module root (./cmd/app, ./cmd/...). Default ".".',
    readme: {
      default: '`.`',
      meaning:
        'main package(s): `./cmd/app`, `./cmd/...`; several make several binaries per archive'
    }
  }),
  row({
    name: 'binary-name',
    field: 'binaryNames',
    kind: list({ item: matching(BINARY_PATH, BINARY_PATH_RULE) }),
    group: 'build',
    description:
      'Binary name per package, in the same order; bin/app puts it in a sub-folder of the archive. Default the package folder\'s name (the module\'s for ".").',
    readme: {
      default: 'package folder (module name for `.`)',
      meaning: 'one per package; `bin/app` puts it in a sub-folder of the archive'
    }
  }),
  row({
    name: 'binary-targets',
    field: 'binaryTargets',
    kind: binaryTargetLines(matching(BINARY_PATH, BINARY_PATH_RULE)),
    group: 'build',
    description:
      'Binaries built for some targets only, one "binary: target patterns" line each (server: linux/*, darwin/arm64). A binary not listed is built for every target. Default: every binary for every target.',
    readme: {
      default: 'every target',
      meaning: '`binary: linux/*, darwin/arm64` lines: a binary built for those targets only'
    }
  }),
  row({
    name: 'project-name',
    field: 'projectName',
    kind: text({ check: matching(SAFE_NAME, SAFE_NAME_RULE) }),
    group: 'build',
    description:
      "The project's name ({{.ProjectName}} in templates, the workflow artifact's name). Default the module path's last element without a /vN suffix; with goreleaser-config, GoReleaser's order: project_name, the origin remote's repository name, then the module path.",
    readme: { default: 'module name', meaning: '`{{.ProjectName}}`' }
  }),
  row({
    name: 'version',
    field: 'version',
    kind: text({ check: matching(VERSION, VERSION_RULE) }),
    group: 'build',
    description:
      'Version to stamp. Default: from a refs/tags/v* ref (v1.2.3 gives 1.2.3), otherwise a snapshot version <next patch>-SNAPSHOT-<short commit>.',
    readme: {
      default: 'from a `refs/tags/v*` ref, else `<next patch>-SNAPSHOT-<short commit>`',
      meaning: 'version stamp'
    }
  }),
  row({
    name: 'ldflags',
    field: 'ldflags',
    kind: BUILD_KINDS.ldflags,
    group: 'build',
    description:
      "-ldflags template; passed to go as one argument and split by Go's own quoting rules. Fields: {{.Version}} {{.Tag}} {{.Commit}} {{.ShortCommit}} {{.Date}} (commit time, RFC 3339) {{.Os}} {{.Arch}} {{.Variant}} {{.Target}} {{.Binary}} {{.ProjectName}}. Default: -s -w -X main.version={{.Version}}",
    readme: { default: '`-s -w -X main.version={{.Version}}`', meaning: 'template, fields below' }
  }),
  row({
    name: 'flags',
    field: 'flags',
    kind: BUILD_KINDS.flags,
    group: 'build',
    description:
      'Extra go build flags (allowlisted; -o, -toolexec, -overlay, -modfile, -pkgdir, -n, -work are refused).',
    readme: { meaning: 'extra go build flags (allowlisted)' }
  }),
  row({
    name: 'tags',
    field: 'tags',
    kind: BUILD_KINDS.tags,
    group: 'build',
    description: 'Build tags, comma or space separated.',
    readme: { meaning: 'build tags' }
  }),
  row({
    name: 'trimpath',
    field: 'trimpath',
    kind: BUILD_KINDS.trimpath,
    group: 'build',
    description: 'Build with -trimpath (needed for reproducible binaries). Default true.',
    readme: { meaning: '`-trimpath`' }
  }),
  row({
    name: 'build-overrides',
    field: 'buildOverrides',
    kind: buildOverrideEntries({
      // An override's ldflags given empty means none, not the default.
      ldflags: template({ fields: TEMPLATE_FIELDS }),
      flags: BUILD_KINDS.flags,
      tags: BUILD_KINDS.tags,
      trimpath: BUILD_KINDS.trimpath
    }),
    group: 'build',
    description:
      'Other compiler settings for some binaries or targets: a YAML list, each entry with binaries (names; default all) and targets (patterns; default all), and any of ldflags, flags, tags and trimpath, checked as those inputs. The first entry that matches a binary and a target wins; a key it leaves out takes the top-level input. Default: none.',
    readme: {
      meaning:
        'YAML list: `binaries`, `targets`, then `ldflags`, `flags`, `tags`, `trimpath` for those builds; see [Per-build settings](#per-build-settings)'
    }
  }),
  row({
    name: 'buildvcs',
    field: 'buildvcs',
    kind: choice(['auto', 'true', 'false'], 'auto'),
    group: 'build',
    description: "-buildvcs setting (auto, true, false). Default auto (Go's default).",
    readme: { meaning: '`-buildvcs`' }
  }),
  row({
    name: 'env',
    field: 'env',
    kind: envLines(),
    group: 'build',
    description:
      'Extra build environment, one NAME=value per line, optionally for some targets only ("linux/arm64: CGO_CFLAGS=-O2"). Allowed: GO*, CGO_*, CC, CXX, AR, PKG_CONFIG*.',
    readme: {
      meaning:
        '`NAME=value` lines, optionally `goos/goarch: NAME=value`; `GO*`, `CGO_*`, `CC`, `CXX`, `AR`, `PKG_CONFIG*`'
    }
  }),
  row({
    name: 'cgo',
    field: 'cgo',
    kind: choice(['false', 'true', 'auto'], 'false'),
    group: 'build',
    description:
      'false (default), true (fail before building when a target has no C compiler), or auto (cgo only where a C compiler for the target is found: Debian/Ubuntu cross gcc, or zig on PATH).',
    readme: {
      meaning: '`true` (every target needs a C compiler) or `auto` (only where one is found)'
    }
  }),
  row({
    name: 'cgo-link',
    field: 'cgoLink',
    kind: choice(['dynamic', 'static'], 'dynamic'),
    group: 'build',
    description:
      "dynamic (default) or static: fully static cgo binaries for linux targets that run on any Linux, Alpine included: musl-gcc for the runner's own architecture when installed (Debian/Ubuntu: musl-tools), the cc given for a target, else glibc linked statically (with a warning: name lookups and dlopen then need the same glibc at run time). Verification fails for a binary that is still dynamic.",
    readme: {
      meaning:
        '`static`: linux cgo binaries with no interpreter and no shared libraries (musl-gcc, your `cc`, or static glibc with a warning)'
    }
  }),
  row({
    name: 'cc',
    field: 'cc',
    kind: targetMap(checkCompiler),
    group: 'build',
    description: 'C compiler per target, one per line: "linux/arm64: aarch64-linux-gnu-gcc".',
    readme: { default: 'found by triplet', meaning: '`goos/goarch: compiler` lines' }
  }),
  row({
    name: 'parallelism',
    field: 'parallelism',
    kind: count({ min: 1, max: 256, fallback: at => at.cpus }),
    group: 'build',
    description: 'How many go builds run at once. Default the number of CPUs.',
    readme: { default: 'CPU count', meaning: 'builds at once' }
  }),
  row({
    name: 'before-hooks',
    field: 'beforeHooks',
    kind: templateLines(RELEASE_FIELDS),
    group: 'build',
    description:
      "Commands to run in the module root before building, one per line (GoReleaser's before.hooks): each a template of the release's fields, split into arguments with Go's quoting rules, never run by a shell; output in the log; one that fails or runs 15 minutes fails the run. Refused on pull_request_target unless hooks-on-pull-request-target is true. Default: none.",
    readme: {
      meaning:
        'commands run in the module root before building, one per line; a [template](#templates), split into argv, no shell, see [Before hooks](#before-hooks)'
    }
  }),
  row({
    name: 'hooks-on-pull-request-target',
    field: 'hooksOnPullRequestTarget',
    kind: boolean(false),
    group: 'build',
    description:
      'true: run before-hooks on pull_request_target events too, where the job holds secrets and a write token while the checkout may be code from a fork. Default false.',
    readme: {
      meaning:
        '`true`: run `before-hooks` on `pull_request_target`, where a fork’s code would run with your secrets'
    }
  }),
  row({
    name: 'archive',
    field: 'archive',
    kind: choice(FORMAT_CHOICES, 'auto'),
    group: 'build',
    description:
      'auto (zip for windows, tar.gz otherwise), tar.gz, tar.xz, zip, or binary (no archive). Default auto.',
    readme: {
      meaning: '`auto` (zip for windows, tar.gz elsewhere), `tar.gz`, `tar.xz`, `zip`, `binary`'
    }
  }),
  row({
    name: 'archive-overrides',
    field: 'archiveOverrides',
    kind: targetMap((entry, at) => {
      if (!(PACK_FORMATS as readonly string[]).includes(entry.value))
        at.bad(entry.value, `is not an archive format (${PACK_FORMATS.join(', ')})`)
    }),
    group: 'build',
    description:
      'Another archive format for some targets, one "goos/goarch: format" line each (darwin/*: zip); the first matching line wins over archive. Formats: tar.gz, tar.xz, zip, binary.',
    readme: { meaning: '`goos/goarch: format` lines (`darwin/*: zip`), over `archive`' }
  }),
  row({
    name: 'archive-files',
    field: 'archiveFiles',
    kind: filePatterns(DEFAULTS.archiveFiles),
    group: 'build',
    description:
      'Extra files for every archive, relative to the module root; wildcards in file names. Default LICENSE* README*.',
    readme: {
      default: '`LICENSE*` `README*`',
      meaning: 'extra files in every archive; wildcards in file names'
    }
  }),
  row({
    name: 'archive-directory',
    field: 'archiveDirectory',
    kind: template({ fields: TEMPLATE_FIELDS }),
    group: 'build',
    description:
      "Folder inside each archive that holds its files, a template like name-template (GoReleaser's wrap_in_directory). Default: none, the files sit at the archive's top.",
    readme: { meaning: "folder holding each archive's files, a [template](#templates)" }
  }),
  row({
    name: 'archives',
    field: 'archives',
    kind: archiveEntries(TEMPLATE_FIELDS),
    group: 'build',
    description:
      'Several archive sets instead of one archive per target: a YAML list, each entry with any of id, binaries (names; default all), targets (patterns; default all), formats (auto, tar.gz, tar.xz, zip, binary), overrides (pattern: formats, or none for no file), name, directory, strip-binary-directory (true: a binary named bin/app goes in at the top) and files; a key left out takes archive, archive-overrides, name-template, archive-directory or archive-files. Each target publishes one file per set and format that holds one of its binaries. Default: one set from those inputs.',
    readme: {
      meaning:
        'YAML list of archive sets (`binaries`, `targets`, `formats`, `overrides`, `name`, `directory`, `strip-binary-directory`, `files`), see [Several archives](#several-archives)'
    }
  }),
  row({
    name: 'name-template',
    field: 'nameTemplate',
    kind: template({ fallback: DEFAULTS.nameTemplate, fields: TEMPLATE_FIELDS }),
    group: 'build',
    description:
      'Archive name without extension. Default: {{.Binary}}_{{.Version}}_{{.Os}}_{{.Arch}}{{.Variant}}',
    readme: {
      default: '`{{.Binary}}_{{.Version}}_{{.Os}}_{{.Arch}}{{.Variant}}`',
      meaning: 'archive name; `[A-Za-z0-9._-]`, unique'
    }
  }),
  row({
    name: 'checksum-algorithms',
    field: 'checksumAlgorithms',
    kind: choiceList({
      choices: CHECKSUM_ALGORITHMS,
      fallback: ['sha256'],
      complaint: notA('supported', CHECKSUM_ALGORITHMS)
    }),
    group: 'build',
    description: 'sha256 and/or sha512. Default sha256.',
    readme: { meaning: '`sha256`, `sha512`' }
  }),
  row({
    name: 'checksums-name',
    field: 'checksumsName',
    kind: template({ fallback: DEFAULTS.checksumsName, fields: RELEASE_FIELDS }),
    group: 'build',
    description:
      'Name template of the checksums file, e.g. {{ .ProjectName }}_{{ .Version }}_checksums.txt (further algorithms get .sha512 before the extension). Default checksums.txt.',
    readme: {
      default: '`checksums.txt`',
      meaning:
        'a template of the release fields (no target fields); further algorithms: `checksums.sha512.txt`'
    }
  }),
  row({
    name: 'dist',
    field: 'dist',
    kind: folder({ base: 'working-directory', fallback: DEFAULTS.dist }),
    group: 'build',
    description:
      'Output folder, relative to the module root; emptied on each run, refused if it holds foreign files. Default dist.',
    readme: {
      default: '`dist`',
      meaning: 'output folder; emptied each run, refused if it holds foreign files'
    }
  }),
  row({
    name: 'cache',
    field: 'cache',
    kind: boolean(true),
    group: 'cache',
    description:
      'Restore the Go build and module caches before building and save them after a green job. Default true.',
    readme: { meaning: 'restore the Go build and module caches, save them in the post step' }
  }),
  row({
    name: 'cache-save',
    field: 'cacheSave',
    kind: choice(['auto', 'always', 'never'], 'auto'),
    group: 'cache',
    description:
      'When the post step saves: auto (default; only push, schedule and workflow_dispatch runs on the default branch), always, or never. Pull requests never save.',
    readme: {
      meaning: '`auto` (push, schedule, workflow_dispatch on the default branch), `always`, `never`'
    }
  }),
  row({
    name: 'cache-key-suffix',
    field: 'cacheKeySuffix',
    kind: text({ check: matching(CACHE_KEY_SUFFIX, CACHE_KEY_SUFFIX_RULE) }),
    group: 'cache',
    description: 'Extra part for every cache key, to keep caches apart by hand.',
    readme: { meaning: 'extra key part, to keep caches apart by hand' }
  }),
  row({
    name: 'verify-modules',
    field: 'verifyModules',
    kind: boolean(true),
    group: 'cache',
    description: 'Run go mod verify after restoring the module cache. Default true.',
    readme: { meaning: '`go mod verify` after restoring the module cache' }
  }),
  row({
    name: 'upload-artifacts',
    field: 'uploadArtifacts',
    kind: boolean(true),
    group: 'artifacts',
    description:
      'Upload the archives and checksums as one workflow artifact of this job. Default true.',
    readme: {
      meaning:
        'upload archives, SBOMs and checksums as one workflow artifact (a re-run replaces it)'
    }
  }),
  row({
    name: 'artifact-name',
    field: 'artifactName',
    kind: text({ check: matching(ARTIFACT_NAME, ARTIFACT_NAME_RULE) }),
    group: 'artifacts',
    description:
      'Name of the workflow artifact. Default <project>_<target ids>, or <project>_<n>-targets-<hash> for long target lists, so every matrix leg gets its own. A re-run of the job replaces it.',
    readme: {
      default: '`<project>_<target ids>`',
      meaning: 'unique per matrix leg; long lists `<project>_<n>-targets-<hash>`'
    }
  }),
  row({
    name: 'retention-days',
    field: 'retentionDays',
    kind: optionalCount({ min: 1, max: 90 }),
    group: 'artifacts',
    description: "Days to keep the workflow artifact, 1 to 90. Default the repository's setting.",
    readme: { default: 'repository setting', meaning: '1–90' }
  }),
  row({
    name: 'release',
    field: 'release',
    kind: choice(['auto', 'true', 'false'], 'auto'),
    group: 'release',
    description:
      'Publish to a GitHub Release: auto (default; when the ref is a tag), true, or false. Fork pull requests never publish.',
    readme: { meaning: '`auto` (publish on tag refs), `true`, `false`' }
  }),
  row({
    name: 'release-tag',
    field: 'releaseTag',
    kind: text({ check: tagNameComplaint }),
    group: 'release',
    description: 'Tag of the release. Default the tag of the ref (refs/tags/<tag>).',
    readme: { default: "the ref's tag", meaning: 'tag to publish to' }
  }),
  row({
    name: 'release-name',
    field: 'releaseName',
    kind: template({ fields: RELEASE_FIELDS }),
    group: 'release',
    description:
      'Title of a release this run creates, a template of the release fields (v{{ .Version }}); one line. Default the tag.',
    readme: {
      default: 'the tag',
      meaning: 'title of a release this run creates, a [template](#templates); one line'
    }
  }),
  row({
    name: 'release-header',
    field: 'releaseHeader',
    kind: template({ fields: RELEASE_FIELDS }),
    group: 'release',
    description:
      "Markdown above the notes of a release this run creates, a template of the release fields (GoReleaser's release.header). Default: none.",
    readme: { meaning: 'Markdown above the release notes, a [template](#templates)' }
  }),
  row({
    name: 'release-footer',
    field: 'releaseFooter',
    kind: template({ fields: RELEASE_FIELDS }),
    group: 'release',
    description:
      "Markdown below the notes of a release this run creates, a template of the release fields (GoReleaser's release.footer). Default: none.",
    readme: { meaning: 'Markdown below the release notes, a [template](#templates)' }
  }),
  row({
    name: 'release-files',
    field: 'releaseFiles',
    kind: filePatterns([]),
    group: 'release',
    description:
      "Files uploaded to the release as they are, by file name, relative to the module root; wildcards in file names (GoReleaser's release.extra_files). Not archived, not in the checksums file, not in the workflow artifact; uploaded and verified by the job that publishes the release. Default: none.",
    readme: {
      meaning: 'files uploaded to the release as they are (not archived, not checksummed)'
    }
  }),
  row({
    name: 'draft',
    field: 'draft',
    kind: boolean(false),
    group: 'release',
    description:
      'Leave the release a draft after every asset is uploaded and verified. Default false.',
    readme: { meaning: 'leave the release a draft after upload and verification' }
  }),
  row({
    name: 'prerelease',
    field: 'prerelease',
    kind: choice(['auto', 'true', 'false'], 'auto'),
    group: 'release',
    description:
      'auto (default; when the tag has a semver pre-release part such as v1.2.0-rc.1), true, or false.',
    readme: {
      meaning: '`auto` (semver pre-release part, also `cmd/tool/v1.2.0-rc.1`), `true`, `false`'
    }
  }),
  row({
    name: 'make-latest',
    field: 'makeLatest',
    kind: choice(['true', 'false', 'legacy'], 'true'),
    group: 'release',
    description:
      'true (default), false, or legacy (GitHub picks by date and version); pre-releases are never latest.',
    readme: { meaning: '`true`, `false`, `legacy`; pre-releases are never latest' }
  }),
  row({
    name: 'release-notes',
    field: 'releaseNotes',
    kind: wordOrFile({
      words: ['generate', 'none'],
      fallback: 'generate',
      maxBytes: 125_000,
      limit: "GitHub's 125,000 characters"
    }),
    group: 'release',
    description:
      "Notes of a release this run creates: generate (default; GitHub's generated notes), none, or the path of a Markdown file in the workspace.",
    readme: { meaning: '`generate`, `none`, or a Markdown file in the workspace' }
  }),
  row({
    name: 'overwrite',
    field: 'overwrite',
    kind: choice(['replace', 'skip', 'fail'], 'replace'),
    group: 'release',
    description:
      'When the release already has an asset of the same name: replace (default), skip (keep it when it is identical by size and digest, fail otherwise), or fail.',
    readme: {
      meaning:
        'an existing asset of the same name with other bytes: `replace`, `skip` (keep identical ones, fail otherwise), `fail` (any existing one)'
    }
  }),
  row({
    name: 'github-token',
    field: 'githubToken',
    kind: secret({ variable: 'GITHUB_TOKEN', check: tokenComplaint }),
    actionDefault: '${{ github.token }}',
    group: 'release',
    description:
      "Token for the release API; needs `permissions: contents: write`. Default the job's GITHUB_TOKEN.",
    readme: {
      default: '`${{ github.token }}`',
      meaning: 'needs `contents: write`; masked, never on a command line'
    }
  }),
  row({
    name: 'mode',
    field: 'mode',
    kind: choice(['all', 'plan', 'build', 'publish'], 'all'),
    group: 'matrix',
    description:
      "all (default): everything in this job. plan: validate and split the targets into matrix legs (outputs matrix, targets, version); nothing is built. build: one leg of that matrix. publish: the fan-in; downloads every leg's artifact, checks them against the plan's targets, merges one checksums file and publishes the release.",
    readme: {
      meaning:
        '`all` (one job), `plan` (write the matrix; nothing is built), `build` (one leg), `publish` (the fan-in)'
    }
  }),
  row({
    name: 'legs',
    field: 'legs',
    kind: count({ min: 1, max: 256, fallback: 0 }),
    group: 'matrix',
    description: 'mode: plan: number of legs (near-equal groups of targets in their order).',
    readme: { default: 'one leg', meaning: '`mode: plan`: number of legs, in near-equal groups' }
  }),
  row({
    name: 'targets-per-leg',
    field: 'targetsPerLeg',
    kind: count({ min: 1, max: 256, fallback: 0 }),
    group: 'matrix',
    description: 'mode: plan: at most this many targets per leg (legs balanced).',
    readme: { meaning: '`mode: plan`: at most N targets per leg (balanced)' }
  }),
  row({
    name: 'split-by',
    field: 'splitBy',
    kind: choice(['', 'goos'], ''),
    group: 'matrix',
    description:
      'mode: plan: goos, one leg per OS (with cgo, darwin and windows legs get native runners).',
    readme: { meaning: '`mode: plan`: `goos`, one leg per OS' }
  }),
  row({
    name: 'shard',
    field: 'shard',
    kind: text({ check: matching(SHARD, SHARD_RULE) }),
    group: 'matrix',
    description:
      "mode: build: the leg's shard from the matrix (matrix.shard); names its artifact and cache.",
    readme: { meaning: "`mode: build`: `matrix.shard`; names the leg's artifact and cache" }
  }),
  row({
    name: 'planned-targets',
    field: 'plannedTargets',
    kind: list(),
    group: 'matrix',
    description:
      'mode: build with release: true and no fan-in job: every target of the plan (needs.<plan>.outputs.targets). Each leg uploads its files to the shared draft; the leg that finds every planned file there writes checksums.txt and publishes.',
    readme: {
      meaning:
        "`mode: build` with `release: true`: the plan's `targets` output; the leg that finds every planned file on the release publishes it"
    }
  }),
  row({
    name: 'universal-binaries',
    field: 'universalBinaries',
    kind: choice(['false', 'true', 'replace'], 'false'),
    group: 'extras',
    description:
      'true: also join the darwin/amd64 and darwin/arm64 binaries into one universal (fat) Mach-O, target darwin_all, archived and checksummed like a target ({{.Arch}} is "all"), keeping the thin darwin archives; replace: publish darwin_all instead of them. Needs both darwin targets in the job (matrix: the plan keeps them in one leg). Default false.',
    readme: {
      meaning:
        '`true`: also join darwin/amd64 + darwin/arm64 into one universal Mach-O, target `darwin_all` ([below](#upx-and-macos-universal-binaries)); `replace`: publish it instead of the thin darwin archives'
    }
  }),
  row({
    name: 'upx',
    field: 'upx',
    kind: targetPatterns(),
    group: 'extras',
    description:
      'Compress binaries with UPX (upx on PATH; Debian/Ubuntu package upx-ucl): false (default), true, or target patterns (linux/amd64, linux/*). Targets UPX cannot pack (darwin, windows/arm64, riscv64, ...) are skipped with a notice.',
    readme: {
      default: '`false`',
      meaning:
        '`true` or target patterns (`linux/*`, `windows/amd64`): compress those binaries with UPX; darwin and targets UPX cannot pack are skipped with a notice'
    }
  }),
  row({
    name: 'upx-args',
    field: 'upxArgs',
    kind: quotedArgs(checkUpxArgs),
    group: 'extras',
    description:
      'Extra upx options, Go-style quoting: compression options such as --best, --lzma, --brute, -1..-9. Default: none (upx defaults).',
    readme: {
      default: 'UPX defaults',
      meaning: 'upx compression options, Go-style quoting: `--best --lzma`, `--brute`, `-1`..`-9`'
    }
  }),
  row({
    name: 'sbom',
    field: 'sbom',
    kind: choiceList({
      choices: SBOM_FORMATS,
      fallback: [],
      noneIsFalse: true,
      complaint: notAllowed(['false', ...SBOM_FORMATS, 'or both comma separated'])
    }),
    group: 'extras',
    description:
      'false (default), cyclonedx-json, spdx-json, or both comma separated: one SBOM per archive (or bare binary) from the Go build info in its binaries (go version -m): main module, every dependency module with version, h1 hash and purl, Go version and build settings. Named <file>.sbom.cdx.json / <file>.sbom.spdx.json, checksummed, uploaded and published with the archives; reproducible (commit time, content-derived ids).',
    readme: {
      meaning:
        '`cyclonedx-json`, `spdx-json` or both: one SBOM per published file, see [SBOMs](#sboms)'
    }
  }),
  row({
    name: 'linux-packages',
    field: 'linuxPackages',
    kind: linuxPackageEntries(TEMPLATE_FIELDS),
    group: 'extras',
    description:
      "Linux packages made by nFPM (the library GoReleaser uses) from the same binaries: a YAML list of package sets, each with formats (deb, rpm, apk, archlinux) and any of id, binaries, targets (patterns; default every linux target), package-name, file-name, bindir (default /usr/bin), maintainer, description, homepage, license, vendor, section, priority, epoch, release, prerelease, version-metadata, mtime (default the commit time), umask, depends, recommends, suggests, conflicts, replaces, provides, contents (src, dst, type, packager, mode, owner, group), scripts (preinstall, postinstall, preremove, postremove), deb (compression, predepends, breaks, fields, lintian-overrides), rpm (summary, group, compression, packager, prefixes, scripts: pretrans, posttrans), apk (key-name, scripts: preupgrade, postupgrade), archlinux (pkgbase, packager, scripts: preupgrade, postupgrade) and overrides (per format). One package per linux target and format, checksummed, uploaded and published with the archives; GoReleaser's nfpms section is read onto it. Default: none.",
    readme: {
      meaning:
        'YAML list of package sets (`formats`: deb, rpm, apk, archlinux; metadata, contents, scripts), see [Linux packages](#linux-packages)'
    }
  }),
  row({
    name: 'package-gpg-key',
    field: 'packageGpgKey',
    kind: secret({ variable: 'PACKAGE_GPG_KEY', check: checkGpgKey, value: key => `${key}\n` }),
    group: 'extras',
    description:
      'Sign the deb and rpm packages of linux-packages with this OpenPGP private key: the ASCII-armored key (gpg --armor --export-secret-keys; a secret, e.g. the PACKAGE_GPG_KEY secret). debs get a debsign signature (_gpgorigin), rpms a header signature (rpm -K). Masked, given to nFPM in a 0600 file that is deleted afterwards; checked with package-key-passphrase before anything is built. Empty: unsigned.',
    readme: {
      meaning:
        'ASCII-armored OpenPGP private key (a secret): sign the deb and rpm packages, see [Linux packages](#linux-packages)'
    }
  }),
  row({
    name: 'package-rsa-key',
    field: 'packageRsaKey',
    kind: secret({ variable: 'PACKAGE_RSA_KEY', check: checkRsaKey, value: key => `${key}\n` }),
    group: 'extras',
    description:
      "Sign the apk packages of linux-packages with this RSA private key in PEM (openssl genrsa; a secret, e.g. the PACKAGE_RSA_KEY secret). apk installs then need its public key as /etc/apk/keys/<name>.rsa.pub, the name being the set's apk key-name or the maintainer's e-mail address. Masked, given to nFPM in a 0600 file that is deleted afterwards. Empty: unsigned.",
    readme: {
      meaning: 'RSA private key in PEM (a secret): sign the apk packages'
    }
  }),
  row({
    name: 'package-key-passphrase',
    field: 'packageKeyPassphrase',
    kind: secret({ variable: 'PACKAGE_KEY_PASSPHRASE', trim: false }),
    group: 'extras',
    description:
      'The passphrase of package-gpg-key and package-rsa-key (a secret), given to nFPM on its standard input, never on a command line.',
    readme: { meaning: "the package signing keys' passphrase (a secret)" }
  }),
  row({
    name: 'smoke-test',
    field: 'smokeTest',
    kind: quotedArgs(),
    group: 'extras',
    description:
      "Arguments to run every built binary with (like --version), split with Go's quoting rules, never by a shell. Binaries run natively, under qemu-<arch>-static (with the Debian cross sysroot for dynamically linked cgo binaries) or windows/amd64 under wine, each for at most 60 s; a non-zero exit fails the step naming the target. Targets this runner cannot run are listed as skipped. Empty: no smoke test.",
    readme: {
      meaning:
        'arguments to run every binary with after the build (`--version`), Go quoting, no shell; see [Smoke tests](#smoke-tests)'
    }
  }),
  row({
    name: 'smoke-test-expect',
    field: 'smokeTestExpect',
    kind: template({ fields: TEMPLATE_FIELDS }),
    group: 'extras',
    description:
      "Text the smoke run's stdout+stderr must contain; a template like {{.Version}}. Needs smoke-test.",
    readme: { meaning: "text the smoke run's output must contain, a template: `{{.Version}}`" }
  }),
  row({
    name: 'max-binary-size',
    field: 'maxBinarySize',
    kind: size(),
    group: 'extras',
    description:
      'Largest allowed binary: bytes, or with a unit KB, KiB, MB, MiB, GB, GiB (25MiB). A larger binary fails the step naming the target and both sizes.',
    readme: {
      meaning:
        'largest allowed binary: `25MiB`, `30MB`, `25000000` (KB/KiB/MB/MiB/GB/GiB); larger fails naming the target and both sizes'
    }
  }),
  row({
    name: 'cosign-key',
    field: 'cosignKey',
    kind: secret({
      variable: 'COSIGN_PRIVATE_KEY',
      check: checkCosignKey,
      value: key => `${key}\n`
    }),
    group: 'extras',
    description:
      "Sign the checksums file with cosign (on PATH: sigstore/cosign-installer): the contents of cosign.key from `cosign generate-key-pair` (a secret, e.g. the COSIGN_PRIVATE_KEY secret). Writes <checksums name>.sigstore.json (cosign sign-blob --bundle), uploaded and published with the checksums; on a release it signs the release's merged checksums file. Masked, passed to cosign in a 0600 file that is deleted afterwards. Empty: no signing.",
    readme: {
      meaning:
        'contents of `cosign.key` (a secret): sign the checksums file with cosign, see [Signing](#signing)'
    }
  }),
  row({
    name: 'cosign-password',
    field: 'cosignPassword',
    kind: secret({ variable: 'COSIGN_PASSWORD', trim: false }),
    group: 'extras',
    description:
      "The key's password (a secret), passed to cosign as COSIGN_PASSWORD, never on a command line.",
    readme: { meaning: "the key's password (a secret), given to cosign as `COSIGN_PASSWORD`" }
  }),
  row({
    name: 'cosign-tlog',
    field: 'cosignTlog',
    kind: boolean(true),
    group: 'extras',
    description:
      'true (default): record each signature in the public Rekor transparency log (needs network); false: sign without it (verify with --insecure-ignore-tlog=true).',
    readme: {
      meaning:
        'record signatures in the public Rekor transparency log; `false`: key-only signatures'
    }
  }),
  row({
    name: 'image',
    field: 'image',
    kind: list({ item: repositoryProblem }),
    group: 'extras',
    description:
      'Container image repositories (one per line or comma separated, e.g. ghcr.io/owner/app; lowercased) to push one multi-platform OCI image of the linux binaries to: the exact binaries of the release in one layer on image-base, one manifest per linux target (arm variants included), one image index, reproducible (commit time, fixed tar and gzip), no Docker, buildx or QEMU. ghcr.io takes the job token (permissions: packages: write); other registries image-username and image-password. In a matrix, the legs push their platform manifests by digest and the mode: publish job writes the index and the tags. Default: none.',
    readme: {
      meaning:
        'repositories to push a multi-platform image of the linux binaries to (`ghcr.io/owner/app`), no Docker; see [Container images](#container-images)'
    }
  }),
  row({
    name: 'image-base',
    field: 'imageBase',
    kind: text({ fallback: DEFAULT_IMAGE_BASE, check: baseProblem }),
    group: 'extras',
    description: `The base image: a reference (registry/name[:tag][@sha256:digest]) or scratch. Resolved to its digest before anything is built and recorded in the org.opencontainers.image.base.name and base.digest annotations; give @sha256:… to pin it, so a re-run gives the same image digest. Default: ${DEFAULT_IMAGE_BASE} (CA certificates, tzdata, /etc/passwd with nonroot).`,
    readme: {
      default: `\`${DEFAULT_IMAGE_BASE}\``,
      meaning: 'base image reference, or `scratch`; pin it with `@sha256:…` for stable digests'
    }
  }),
  row({
    name: 'image-targets',
    field: 'imageTargets',
    kind: targetPatterns(),
    group: 'extras',
    description:
      'The linux targets the image holds, as target patterns (linux/amd64, linux/arm/*). Default: every linux target of the run.',
    readme: { default: 'every linux target', meaning: 'target patterns of the image platforms' }
  }),
  row({
    name: 'image-tags',
    field: 'imageTags',
    kind: templateLines(RELEASE_FIELDS),
    group: 'extras',
    description:
      'Image tags, one template per line ({{ .Version }}, {{ .Major }}.{{ .Minor }}). Default: the version; for a stable release also X.Y, X and latest, each only when no higher stable release of that line (or at all) is among the repository tags, so backports and prereleases never move latest; snapshots get sha-<short commit>.',
    readme: {
      default: 'version, `X.Y`, `X`, `latest` as the release tags allow',
      meaning: 'image tags, one template per line'
    }
  }),
  row({
    name: 'image-labels',
    field: 'imageLabels',
    kind: templateLines(RELEASE_FIELDS),
    group: 'extras',
    description:
      'KEY=VALUE lines (templates), set as config labels and as annotations of the index and every manifest, after the defaults: org.opencontainers.image.created (commit time), source (the repository URL), revision, version, title (project name) and base.name/base.digest.',
    readme: { meaning: 'extra labels and annotations, `KEY=VALUE` per line' }
  }),
  row({
    name: 'image-entrypoint',
    field: 'imageEntrypoint',
    kind: quotedArgs(),
    group: 'extras',
    description:
      "The image's entrypoint, Go-style quoting. Binaries go to /usr/local/bin. Default: /usr/local/bin/<the first binary>.",
    readme: { default: '`/usr/local/bin/<first binary>`', meaning: 'image entrypoint' }
  }),
  row({
    name: 'image-user',
    field: 'imageUser',
    kind: text({ fallback: '65532:65532' }),
    group: 'extras',
    description:
      'The user the image runs as (uid:gid or a name the base knows). Default 65532:65532 (nonroot).',
    readme: { default: '`65532:65532`', meaning: 'image user' }
  }),
  row({
    name: 'image-files',
    field: 'imageFiles',
    kind: imageFileRules(),
    group: 'extras',
    description:
      "Extra files in the image's layer, one SRC or SRC:DST per line: SRC relative to the module root (wildcards in the file name), DST an absolute path in the image (a folder when it ends with / or SRC has wildcards). Without DST a file keeps its path below the module root, under /. Modes: 0755 for executables, 0644 otherwise. Default: none.",
    readme: { meaning: 'extra files in the image, `SRC` or `SRC:/path/in/image` per line' }
  }),
  row({
    name: 'image-push',
    field: 'imagePush',
    kind: choice(['auto', 'true', 'false'], 'auto'),
    group: 'extras',
    description:
      'auto (default): push to every image repository in a workflow run, only write the image locally (the CLI); true: push; false: only write it. It is always written as an OCI layout folder, <dist>/image (skopeo copy oci:<dist>/image:<tag> …).',
    readme: {
      meaning:
        'push (`true`) or only write the OCI layout folder (`false`); `auto`: push in workflows only'
    }
  }),
  row({
    name: 'image-username',
    field: 'imageUsername',
    kind: text(),
    group: 'extras',
    description:
      'User name for registries other than ghcr.io (with image-password). ghcr.io uses the job token with the workflow actor as user.',
    readme: { meaning: 'registry user name (not needed for ghcr.io)' }
  }),
  row({
    name: 'image-password',
    field: 'imagePassword',
    kind: secret({ variable: 'IMAGE_PASSWORD' }),
    group: 'extras',
    description:
      'Password or token for registries other than ghcr.io (a secret, masked; sent only to the registry and its own token service over HTTPS).',
    readme: { meaning: 'registry password or token (a secret)' }
  }),
  row({
    name: 'homebrew-casks',
    field: 'homebrewCasks',
    kind: manifestEntries('cask'),
    group: 'extras',
    description:
      "Homebrew casks to commit to a tap after the release is published: a YAML list, each with repository (owner, name, branch) and any of GoReleaser's homebrew_casks keys with dashes (name, directory (default Casks), ids, description, homepage, binaries, manpages, completions, caveats, custom-block, service, hooks, dependencies, conflicts, uninstall, zap, generate-completions-from-executable, url, commit-author, commit-msg-template, skip-upload). The cask is GoReleaser's text byte for byte (darwin and linux amd64/arm64 files, their download URLs and sha256), written to <dist>/homebrew/ and committed through the contents API with homebrew-token: not when the tap holds the same bytes or a newer version's cask. Default: none.",
    readme: {
      meaning:
        'YAML list of Homebrew casks to commit to a tap, see [Homebrew and Scoop](#homebrew-and-scoop)'
    }
  }),
  row({
    name: 'homebrew-formulas',
    field: 'homebrewFormulas',
    kind: manifestEntries('formula'),
    group: 'extras',
    description:
      "Homebrew formulas (GoReleaser's older brews) to commit to a tap after the release is published: a YAML list, each with repository (owner, name, branch) and any of GoReleaser's brews keys with dashes (name, directory (default: the tap's root), ids, goarm, goamd64, description, homepage, license, dependencies, conflicts, caveats, install, extra-install, post-install, test, service, custom-require, custom-block, download-strategy, url-template, url-headers, commit-author, commit-msg-template, skip-upload). Written and committed as homebrew-casks are. Default: none.",
    readme: {
      meaning:
        'YAML list of Homebrew formulas to commit to a tap, see [Homebrew and Scoop](#homebrew-and-scoop)'
    }
  }),
  row({
    name: 'homebrew-token',
    field: 'homebrewToken',
    kind: secret({ variable: 'HOMEBREW_TAP_TOKEN' }),
    group: 'extras',
    description:
      "A token that may push to the taps of homebrew-casks and homebrew-formulas (contents: write there; the job's GITHUB_TOKEN cannot write another repository). Checked before anything is built. Masked.",
    readme: { meaning: 'token with `contents: write` on the tap (a secret)' }
  }),
  row({
    name: 'scoop-manifests',
    field: 'scoopManifests',
    kind: manifestEntries('scoop'),
    group: 'extras',
    description:
      "Scoop manifests to commit to a bucket after the release is published: a YAML list, each with repository (owner, name, branch) and any of GoReleaser's scoops keys with dashes (name, directory, ids, goamd64, description, homepage, license, persist, pre-install, post-install, depends, shortcuts, url-template, commit-author, commit-msg-template, skip-upload). GoReleaser's JSON byte for byte (windows 386, amd64 and arm64 archives), written to <dist>/scoop/ and committed with scoop-token as homebrew-casks are. Default: none.",
    readme: {
      meaning:
        'YAML list of Scoop manifests to commit to a bucket, see [Homebrew and Scoop](#homebrew-and-scoop)'
    }
  }),
  row({
    name: 'scoop-token',
    field: 'scoopToken',
    kind: secret({ variable: 'SCOOP_BUCKET_TOKEN' }),
    group: 'extras',
    description:
      'A token that may push to the buckets of scoop-manifests (contents: write there). Checked before anything is built. Masked.',
    readme: { meaning: 'token with `contents: write` on the bucket (a secret)' }
  }),
  row({
    name: 'attest',
    field: 'attest',
    kind: boolean(false),
    group: 'extras',
    description:
      "true: a GitHub build-provenance attestation (SLSA v1, signed with Sigstore through the job's OIDC token) of every file in this job's checksums file, stored in the repository's attestations (verify: gh attestation verify <file> -R owner/repo). Needs `permissions: id-token: write` and `attestations: write`; refused before any build when the job has no OIDC token. At most 1024 files per attestation, more in several. Fork pull requests skip it. Default false.",
    readme: {
      meaning:
        '`true`: GitHub build-provenance attestations of every checksummed file; needs `id-token: write` and `attestations: write`, see [Attestations](#attestations)'
    }
  })
]

/** One row of the table. */
export type TableRow = (typeof INPUT_TABLE)[number]

/** An input's name as action.yml spells it. */
export type InputName = TableRow['name']

/** `working-directory` → `workingDirectory`. */
type CamelCase<S extends string> = S extends `${infer Head}-${infer Tail}`
  ? `${Head}${Capitalize<CamelCase<Tail>>}`
  : S

/** The value type a kind parses to. */
type ValueOf<K> = K extends Kind<infer T> ? T : never

/** Input names by their camelCase key (`INPUT.workingDirectory`); the CLI takes the same names. */
export const INPUT = Object.fromEntries(
  INPUT_TABLE.map(r => [r.name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase()), r.name])
) as { readonly [R in TableRow as CamelCase<R['name']>]: R['name'] }

/** Each secret input and the environment variable the CLI reads it from, never its command line. */
export const SECRET_VARIABLES: ReadonlyMap<InputName, string> = new Map(
  INPUT_TABLE.filter(isSecret).map(r => [r.name, r.kind.variable ?? ''])
)

/** The Inputs fields the table fills, each typed by its kind's parser. */
export type TableInputs = { [R in TableRow as R['field']]: ValueOf<R['kind']> }

/** The validated, typed inputs of a run: the table's fields and two the parser derives. */
export interface Inputs extends TableInputs {
  /** folder all user paths must stay inside (GITHUB_WORKSPACE, or the CLI's current folder) */
  workspace: string
  /** true when archiveFiles is the default list or comes from goreleaser-config: its patterns may match nothing */
  archiveFilesOptional: boolean
  /** what each target publishes: the archives entries over the top-level archive inputs */
  archiveSets: ArchiveSet[]
  /**
   * true when the targets come from goreleaser-config: those Go cannot build are dropped with a
   * warning, as GoReleaser drops them, instead of failing the run
   */
  targetsFromConfig: boolean
  /** the GoReleaser config that was read, and what its reading has to say (logged by resolve) */
  goreleaser?: {
    file: string
    warnings: string[]
    notes: string[]
    /** where in the file each input taken from it was set (inputs the workflow gave are absent) */
    origins: Partial<Record<InputName, string>>
  }
}
