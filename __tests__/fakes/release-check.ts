import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { realProcess } from '../../src/ports/process.js'
import type { GitHubService, ReleaseView } from '../services/github.js'

/**
 * Downloads every asset of a release from the loopback GitHub service into a fresh folder, as a
 * user would, and runs `sha256sum --strict -c checksums.txt` there. Returns the names sha256sum
 * checked OK, sorted; throws with its output when it fails.
 */
export async function sha256sumRelease(gh: GitHubService, release: ReleaseView): Promise<string[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-release-'))
  try {
    for (const a of release.assets) fs.writeFileSync(path.join(dir, a.name), gh.assetBytes(a.id)!)
    const check = await realProcess.run('sha256sum', ['--strict', '-c', 'checksums.txt'], {
      cwd: dir
    })
    if (check.code !== 0 || check.stderr !== '') {
      throw new Error(
        `sha256sum -c checksums.txt exited ${check.code}:\n${check.stdout}${check.stderr}`
      )
    }
    return check.stdout
      .trim()
      .split('\n')
      .map(line => line.replace(/: OK$/, ''))
      .sort()
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}
