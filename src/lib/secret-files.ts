// Secrets that programs take only as files (a cosign key, package signing keys): written with
// mode 0600 into a fresh 0700 folder of the runner's temp folder and deleted afterwards, so they
// never appear on a command line and never outlive the step.
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'

/** The temp folder for secret files: RUNNER_TEMP (emptied after every job), else the OS's. */
export function secretTempDir(env: Readonly<Record<string, string | undefined>>): string {
  return env.RUNNER_TEMP || os.tmpdir()
}

/**
 * Runs `fn` with each of `files` (name → contents) written into a fresh folder under `tempDir`,
 * given their paths by name; the folder is removed whatever happens.
 */
export async function withSecretFiles<T>(
  tempDir: string,
  prefix: string,
  files: Readonly<Record<string, string>>,
  fn: (paths: Record<string, string>) => Promise<T>
): Promise<T> {
  fs.mkdirSync(tempDir, { recursive: true })
  const dir = fs.mkdtempSync(path.join(tempDir, prefix))
  try {
    const paths: Record<string, string> = {}
    for (const [name, contents] of Object.entries(files)) {
      paths[name] = path.join(dir, name)
      fs.writeFileSync(paths[name], contents, { mode: 0o600, flag: 'wx' })
    }
    return await fn(paths)
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

/** The lines of a key worth masking one by one: the runner masks line by line. */
export function secretLines(key: string): string[] {
  return key
    .split(/\r?\n/)
    .map(l => l.trim())
    .filter(l => l.length >= 4 && !l.startsWith('-----'))
}
