import * as fs from 'node:fs'
import * as path from 'node:path'
import { ProgramNotFoundError } from '../../src/ports/process.js'
import type { Call, Expected } from './scripted-process.js'

/**
 * Canned answers of go, git, C compilers and upx as the resolve and build stages ask them, so a
 * stage runs without any of them installed. Outputs are the real programs' (go1.26.8, git 2.39,
 * Debian 12's gcc 12.2 and upx-ucl 4.2.2), captured into __tests__/fixtures/toolchain.
 */
const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures')
const fixture = (name: string): string => fs.readFileSync(path.join(FIXTURES, name), 'utf8')

/** `go env -json` of go1.26.8 on linux/amd64 (a runner's GOROOT and caches). */
export const GO_ENV: Readonly<Record<string, string>> = JSON.parse(
  fixture('toolchain/go-env.json')
) as Record<string, string>

/** `upx --version` of Debian 12's upx-ucl. */
export const UPX_VERSION = fixture('toolchain/upx-version.txt')

/** `--version` of Debian 12's gcc and its aarch64 cross gcc. */
export const CC_VERSION = {
  gcc: fixture('toolchain/gcc-version.txt'),
  'aarch64-linux-gnu-gcc': fixture('toolchain/aarch64-linux-gnu-gcc-version.txt')
} as const

/**
 * `go env -json NAME…`: the fixture's values of the names asked for (as go prints them: only
 * those), with `vars` over them, e.g. `{ GOHOSTARCH: 'arm64' }` for another host.
 */
export function goEnv(vars: Record<string, string> = {}): Expected {
  const values = { ...GO_ENV, ...vars }
  return {
    program: 'go',
    args: args => args[0] === 'env' && args[1] === '-json',
    label: 'go env -json …',
    result: call =>
      ({
        stdout:
          JSON.stringify(
            Object.fromEntries(call.args.slice(2).map(name => [name, values[name] ?? ''])),
            null,
            '\t'
          ) + '\n'
      }) as const
  }
}

/** `go tool dist list -json` of go1.26 (47 ports). */
export function distList(): Expected {
  return {
    program: 'go',
    args: ['tool', 'dist', 'list', '-json'],
    result: { stdout: fixture('dist-list-go1.26.json') }
  }
}

/** `go list -m` in the module root `dir`: the module path, or go's failure. */
export function goListModule(
  dir: string,
  modulePath: string,
  failure?: { code: number; stderr: string }
): Expected {
  return {
    program: 'go',
    args: args => args[0] === 'list' && args[1] === '-m',
    label: `go list -m … (in ${dir})`,
    cwd: dir,
    result: failure ?? { stdout: modulePath + '\n' }
  }
}

/** A package as `go list -e` reports it. */
export interface GoPackage {
  /** package clause name; '' when go could not read the package */
  name: string
  importPath: string
  /** absolute folder */
  dir: string
  /** go's .Error, for a pattern that names no package */
  error?: string
}

/**
 * Renders the subset of Go's text/template a go list -f format uses: `{{.Field}}` and
 * `{{if .Field}}…{{end}}` over a package's fields.
 */
function renderListFormat(format: string, pkg: GoPackage): string {
  const fields: Record<string, string> = {
    Name: pkg.name,
    ImportPath: pkg.importPath,
    Dir: pkg.dir,
    Error: pkg.error ?? ''
  }
  return format
    .replace(/\{\{if \.(\w+)\}\}(.*?)\{\{end\}\}/g, (_m, field: string, body: string) =>
      fields[field] ? body : ''
    )
    .replace(/\{\{\.(\w+)\}\}/g, (_m, field: string) => {
      if (!(field in fields)) throw new Error(`the go list fake has no field .${field}`)
      return fields[field]!
    })
}

/** `go list -e -find -f <format> <pattern>` in `dir`, answering with `packages` in that format. */
export function goListPackages(dir: string, pattern: string, packages: GoPackage[]): Expected {
  return {
    program: 'go',
    args: args => args[0] === 'list' && args.includes('-f') && args.at(-1) === pattern,
    label: `go list -f … ${pattern} (in ${dir})`,
    cwd: dir,
    result: call => {
      const format = call.args[call.args.indexOf('-f') + 1]!
      return { stdout: packages.map(p => renderListFormat(format, p) + '\n').join('') }
    }
  }
}

/** A main package `rel` ('.' or 'cmd/x') of module `modulePath` rooted at `root`. */
export function mainPackage(root: string, modulePath: string, rel = '.'): GoPackage {
  return {
    name: 'main',
    importPath: rel === '.' ? modulePath : `${modulePath}/${rel}`,
    dir: rel === '.' ? root : path.join(root, rel)
  }
}

/** A git checkout as the resolve stage asks it: commit, commit time, tags. */
export interface Repo {
  commit: string
  /** commit time, seconds */
  epoch: number
  /** tags pointing at the commit */
  tags?: string[]
  /** the newest v* tag reachable from the commit ('' or absent: none) */
  previousTag?: string
}

/** A commit of the fixture repositories, at 2023-11-14T22:13:20Z. */
export const COMMIT = '0123456789abcdef0123456789abcdef01234567'
export const EPOCH = 1_700_000_000

/**
 * git in `dir` answering whatever of rev-parse, show %ct, tag --points-at and describe is asked,
 * any number of times (which it asks depends on GITHUB_SHA, GITHUB_REF and SOURCE_DATE_EPOCH; the
 * tests check what the answers become). `'not-a-repo'` is a plain folder; `'no-git'` means git is
 * not installed (every call fails to start).
 */
export function gitRepo(dir: string, repo: Repo | 'not-a-repo' | 'no-git'): Expected {
  const answer = (call: Call): { code: number; stdout?: string; stderr?: string } => {
    if (repo === 'not-a-repo' || repo === 'no-git') {
      return {
        code: 128,
        stderr: 'fatal: not a git repository (or any of the parent directories): .git\n'
      }
    }
    const a = call.args
    const is = (...want: string[]): boolean =>
      a.length === want.length && want.every((w, i) => w === a[i])
    if (is('rev-parse', '--is-inside-work-tree')) return { code: 0, stdout: 'true\n' }
    if (is('rev-parse', 'HEAD')) return { code: 0, stdout: repo.commit + '\n' }
    if (is('show', '-s', '--format=%ct', repo.commit)) return { code: 0, stdout: `${repo.epoch}\n` }
    if (is('tag', '--points-at', repo.commit))
      return { code: 0, stdout: (repo.tags ?? []).map(t => t + '\n').join('') }
    if (a[0] === 'describe' && a.at(-1) === repo.commit) {
      return repo.previousTag
        ? { code: 0, stdout: repo.previousTag + '\n' }
        : { code: 128, stderr: 'fatal: No names found, cannot describe anything.\n' }
    }
    throw new Error(`the git fake does not answer: git ${a.join(' ')}`)
  }
  return {
    program: 'git',
    args: () => true,
    cwd: dir,
    times: 'any',
    label: `git … (in ${dir})`,
    ...(repo === 'no-git'
      ? {
          throws: new ProgramNotFoundError('git', {
            cause: Object.assign(new Error('spawn git ENOENT'), { code: 'ENOENT' })
          })
        }
      : { result: answer })
  }
}

/** `<cc> --version`, answered with the compiler's canned first lines. */
export function ccVersion(cc: keyof typeof CC_VERSION): Expected {
  return { program: cc, args: ['--version'], result: { stdout: CC_VERSION[cc] } }
}

/** `<program> --version` of upx-ucl 4.2.2. */
export function upxVersion(program: string): Expected {
  return { program, args: ['--version'], result: { stdout: UPX_VERSION } }
}

/**
 * What go build writes: a file at its `-o` path, so later stages (package, checksum) find it.
 * The content names the target, so archives of different targets differ.
 */
export function writeBuildOutput(call: Call): void {
  const output = call.args[call.args.indexOf('-o') + 1]
  if (!output) throw new Error(`go build without -o: ${call.args.join(' ')}`)
  const env = call.options.env ?? {}
  fs.mkdirSync(path.dirname(output), { recursive: true })
  fs.writeFileSync(output, `fake ${env.GOOS}/${env.GOARCH} binary of ${call.args.at(-1)}\n`, {
    mode: 0o755
  })
}

/** What resolving a module asks: go env, the port list, the module path, git and the main packages. */
export function moduleAnswers(o: {
  /** the module root (working-directory) */
  root: string
  modulePath: string
  /** go list's answer per package pattern; default: the module root is the one main package */
  packages?: Record<string, GoPackage[]>
  repo?: Repo | 'not-a-repo' | 'no-git'
  /** go env values over the fixture's (GOHOSTARCH, GOFLAGS, …) */
  goEnv?: Record<string, string>
}): Expected[] {
  const packages = o.packages ?? { '.': [mainPackage(o.root, o.modulePath)] }
  return [
    goEnv(o.goEnv),
    distList(),
    goListModule(o.root, o.modulePath),
    gitRepo(o.root, o.repo ?? { commit: COMMIT, epoch: EPOCH }),
    ...Object.entries(packages).map(([pattern, pkgs]) => goListPackages(o.root, pattern, pkgs))
  ]
}

/** `go mod download` in the module root, exit 0 unless `result` says otherwise. */
export function goModDownload(root: string, result: Expected['result'] = {}): Expected {
  return { program: 'go', args: ['mod', 'download'], cwd: root, result }
}

/** `times` go builds of any target, each writing its -o file. */
export function goBuilds(times: number): Expected {
  return {
    program: 'go',
    args: a => a[0] === 'build',
    times,
    effect: writeBuildOutput,
    label: 'go build …'
  }
}
