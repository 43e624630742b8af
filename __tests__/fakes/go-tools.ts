import * as fs from 'node:fs'
import * as path from 'node:path'
import { realProcess } from '../../src/ports/process.js'

/** This process's environment without unset entries, for spawning helpers. */
export function processEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined)
  )
}

/** Go's view of where `go install` puts programs (GOBIN, else every GOPATH entry's bin). */
export async function goBinDirs(): Promise<string[]> {
  const out = await realProcess.run('go', ['env', 'GOBIN', 'GOPATH'], { env: processEnv() })
  if (out.code !== 0) return []
  const [gobin = '', gopath = ''] = out.stdout.split('\n')
  return [gobin, ...gopath.split(path.delimiter).map(p => (p ? path.join(p, 'bin') : ''))].filter(
    d => d !== ''
  )
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK)
    return fs.statSync(file).isFile()
  } catch {
    return false
  }
}

/**
 * A tool that .ci/run installs with `go install <module>@<version>`: the first `name` on PATH or
 * in Go's bin folders whose version (`versionArgs`, read by `versionOf`) is `version`. Throws,
 * never skips, when there is none: the tests that need it are part of `npm test`.
 */
export async function findGoTool(tool: {
  name: string
  module: string
  version: string
  versionArgs: string[]
  versionOf: (output: string) => string | undefined
}): Promise<string> {
  const goBins = await goBinDirs()
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), ...goBins].filter(d => d !== '')
  const others: string[] = []
  for (const candidate of new Set(dirs.map(d => path.join(d, tool.name)))) {
    if (!isExecutable(candidate)) continue
    const out = await realProcess.run(candidate, tool.versionArgs, { env: processEnv() })
    const version = tool.versionOf(out.stdout + out.stderr)
    if (out.code === 0 && version === tool.version) return candidate
    others.push(`${candidate} (${version ?? `exit ${out.code}`})`)
  }
  throw new Error(
    `${tool.name} ${tool.version} is not installed (looked on PATH and in ${goBins.join(', ') || "Go's bin folder"}${others.length > 0 ? `; found ${others.join(', ')}` : ''}): run go install ${tool.module}@${tool.version} (bash .ci/run does)`
  )
}

type GoTool = Parameters<typeof findGoTool>[0]

/** A tool that prints `GitVersion: vX.Y.Z` (sigstore's and GoReleaser's version output). */
const gitVersioned = (
  name: string,
  module: string,
  version: string,
  versionArgs: string[]
): GoTool => ({
  name,
  module,
  version,
  versionArgs,
  versionOf: out => /GitVersion:\s*(\S+)/.exec(out)?.[1]
})

/** The cosign .ci/run pins and installs. */
export const COSIGN_VERSION = 'v3.1.3'

/** The pinned cosign: .ci/run installs it. */
export function findCosign(): Promise<string> {
  return findGoTool(
    gitVersioned('cosign', 'github.com/sigstore/cosign/v3/cmd/cosign', COSIGN_VERSION, ['version'])
  )
}

/** The GoReleaser OSS release the parity suite and bench P3 compare with: .ci/run installs it. */
export const GORELEASER_VERSION = 'v2.16.0'

export const GORELEASER_TOOL: GoTool = gitVersioned(
  'goreleaser',
  'github.com/goreleaser/goreleaser/v2',
  GORELEASER_VERSION,
  ['--version']
)

export function findGoreleaser(): Promise<string> {
  return findGoTool(GORELEASER_TOOL)
}

/** wazero, the second WASI runtime of the WebAssembly smoke tests: .ci/run installs it. */
export function findWazero(): Promise<string> {
  return findGoTool({
    name: 'wazero',
    module: 'github.com/tetratelabs/wazero/cmd/wazero',
    version: 'v1.12.0',
    versionArgs: ['version'],
    versionOf: out => out.trim().split('\n')[0]
  })
}
