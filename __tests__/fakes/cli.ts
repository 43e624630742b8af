// dist/cli.js, the local mode, spawned as a person runs it: asynchronously (a loopback service
// may answer from the test's own process), with PATH and HOME and the variables given.
import { spawn } from 'node:child_process'
import * as path from 'node:path'
import { REPO_ROOT } from './runner.js'

export interface CliRun {
  status: number | null
  stdout: string
  stderr: string
}

export async function runCli(
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
  /** the node to run it with (node24, see findNode24); default: this one */
  node = process.execPath
): Promise<CliRun> {
  const child = spawn(node, [path.join(REPO_ROOT, 'dist', 'cli.js'), ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', d => (stdout += d))
  child.stderr.on('data', d => (stderr += d))
  const status = await new Promise<number | null>(resolve => child.on('close', resolve))
  return { status, stdout, stderr }
}
