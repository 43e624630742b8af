// The real projects the parity suite (__tests__/e2e/goreleaser-parity.test.ts) and bench P7
// release with GoReleaser and with the action, and how each becomes a git repository.
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { realProcess } from '../../src/ports/process.js'
import { processEnv } from './go-tools.js'

export interface Project {
  module: string
  version: string
  /** a fixture folder of this repository instead of the module from the proxy */
  fixture?: string
  origin: string
  /** targets GoReleaser builds for this config, as a check that the whole matrix was compared */
  archives: number
  /** Linux packages GoReleaser makes for this config (nfpms) */
  packages?: number
  /** Homebrew formulas and casks and Scoop manifests it writes (brews, homebrew_casks, scoops) */
  manifests?: number
  /** ldflags written into the config where it relies on GoReleaser's default (which has .Date) */
  ldflags?: string
}

// Release-on-tag projects with different shapes: ffuf (16 targets over 5 systems, `if eq .Os`
// in the name, format_overrides, the default archive files, -trimpath, a quoted -extldflags,
// a gpg `signs` section skipped on both sides), stern (an ldflags list with .Date, v1 spellings
// `format` and `builds`, no -trimpath, dockers and krews we do not make), act (goarm 6 and 7
// with an ignore on goarm, `title .Os` and else-if chains, GoReleaser's default ldflags, a
// `go mod tidy` hook), kubectx (two builds, two archive sets chosen by ids, one per binary,
// with the richest name template: .Tag, with, dot, parentheses, trim markers, nested if;
// GoReleaser's default ldflags in both builds), jira-cli (its binary in a sub-folder, bin/jira;
// three builds sharing settings through YAML merge keys; a wrapped tar.gz set and an unwrapped
// zip set; a `go mod tidy` hook; a Homebrew formula of one archive set), and the suite's own
// fixture `shapes` for what none of them has: a templated before hook that writes files the
// archives take, files as src/dst/strip_parent/info.mode rules, a folder named by a template, a
// cask and a Scoop manifest of wrapped archives (not part of bench P7,
// which measures real builds). fq v0.17.0 needs a gojq pseudo-version the
// module proxy here refuses.
export const PROJECTS: Project[] = [
  {
    module: 'github.com/ffuf/ffuf/v2',
    version: 'v2.2.1',
    origin: 'https://github.com/ffuf/ffuf.git',
    archives: 16
  },
  {
    module: 'github.com/stern/stern',
    version: 'v1.33.0',
    origin: 'https://github.com/stern/stern.git',
    archives: 7
  },
  {
    module: 'github.com/nektos/act',
    version: 'v0.2.87',
    origin: 'https://github.com/nektos/act.git',
    archives: 11,
    ldflags:
      '-s -w -X main.version={{.Version}} -X main.commit={{.Commit}} -X main.date={{.CommitDate}} -X main.builtBy=goreleaser'
  },
  {
    module: 'github.com/ahmetb/kubectx',
    version: 'v0.11.0',
    origin: 'https://github.com/ahmetb/kubectx.git',
    // 10 targets × 2 binaries, each in its own archive
    archives: 20,
    ldflags:
      '-s -w -X main.version={{.Version}} -X main.commit={{.Commit}} -X main.date={{.CommitDate}} -X main.builtBy=goreleaser'
  },
  {
    module: 'github.com/ankitpokhrel/jira-cli',
    version: 'v1.7.0',
    origin: 'https://github.com/ankitpokhrel/jira-cli.git',
    archives: 7,
    // Formula/jira-cli.rb (skip_upload: true)
    manifests: 1
  },
  {
    module: 'example.com/shapes',
    version: 'v0.3.1',
    origin: 'https://github.com/example/shapes.git',
    fixture: 'shapes',
    // linux, darwin and windows × amd64, arm64 and arm v7, less windows/arm64, windows/arm and
    // darwin/arm; and 15 Linux packages: 3 targets × 4 formats, 3 debs of the minimal set
    archives: 6,
    packages: 15,
    // Casks/shapes.rb and shapes.json
    manifests: 2
  }
]

export const COMMIT_DATE = '2024-10-01T12:00:00Z'
export async function run(
  program: string,
  args: string[],
  cwd: string,
  env: Record<string, string> = {}
): Promise<string> {
  const out = await realProcess.run(program, args, { cwd, env: { ...processEnv(), ...env } })
  if (out.code !== 0)
    throw new Error(
      `${program} ${args.join(' ')} exited ${out.code}:\n${out.stdout}\n${out.stderr}`
    )
  return out.stdout
}

/**
 * The module at its tag as a git repository with a fixed commit date and a GitHub origin. Its
 * config's ldflags get the commit date where they would bake in the wall clock ({{.Date}}, also
 * in GoReleaser's default ldflags): GoReleaser has no way to fix that date, and the same config
 * goes to both tools.
 */
export async function checkout(project: Project, into: string): Promise<void> {
  const from = project.fixture
    ? path.join(import.meta.dirname, '..', 'fixtures', project.fixture)
    : (
        JSON.parse(
          await run(
            'go',
            ['mod', 'download', '-json', `${project.module}@${project.version}`],
            os.tmpdir()
          )
        ) as { Dir: string }
      ).Dir
  fs.cpSync(from, into, { recursive: true })
  // The module cache is read-only.
  execFileSync('chmod', ['-R', 'u+w', into])
  const config = ['.goreleaser.yml', '.goreleaser.yaml']
    .map(f => path.join(into, f))
    .find(f => fs.existsSync(f))!
  let text = fs.readFileSync(config, 'utf8').replace(/\{\{\s*\.Date\s*\}\}/g, '{{ .CommitDate }}')
  if (project.ldflags)
    // Every build's: kubectx has two.
    text = text.replace(/^(\s+)goos:/gm, `$1ldflags: [${JSON.stringify(project.ldflags)}]\n$1goos:`)
  fs.writeFileSync(config, text)
  const git = { GIT_AUTHOR_DATE: COMMIT_DATE, GIT_COMMITTER_DATE: COMMIT_DATE }
  const who = ['-c', 'user.name=parity', '-c', 'user.email=parity@example.com']
  await run('git', ['init', '-q'], into)
  await run('git', ['add', '-A'], into)
  await run('git', [...who, 'commit', '-q', '-m', 'release'], into, git)
  await run('git', [...who, 'tag', project.version], into, git)
  await run('git', ['remote', 'add', 'origin', project.origin], into)
  // nFPM dates an apk's maintainer scripts by their files (the action gives its copies the
  // commit time): the checkout's files get the commit time too, so both tools see the same.
  const time = new Date(COMMIT_DATE)
  for (const file of fs.readdirSync(into, { recursive: true }) as string[])
    if (!file.startsWith('.git')) fs.utimesSync(path.join(into, file), time, time)
}

/**
 * `goreleaser release` as the suite and bench P7 run it, before `--release-notes <file>`: no
 * token, no network: publishing, announcing, signing (gpg keys we do not have) and docker images
 * (no Docker engine) are skipped; validate would refuse the untracked dist/ of a second run;
 * snapcraft (kubectx) needs the snapcraft tool, whose section the action skips too.
 */
export const GORELEASER_RELEASE_ARGS = [
  'release',
  '--clean',
  '--skip=publish,announce,validate,sign,docker,snapcraft'
]
