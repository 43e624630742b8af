import * as fs from 'node:fs'
import { forEachLimit } from '../../src/lib/concurrency.js'
import { consoleLog } from '../../src/ports/log.js'
import { githubReleaseApi } from '../../src/ports/release-api.js'
import { UPLOAD_CONCURRENCY, uploadAsset, type AssetFile } from '../../src/release.js'

/**
 * A child process that runs the release stage's upload path (uploadAsset over the real port,
 * UPLOAD_CONCURRENCY at once) and then reports its own peak RSS: the release stage in a process
 * of its own, so the measurement is of it alone, not of Jest. argv[2]: JSON `{ tag, files }`;
 * the GitHub variables come from the environment. Prints one JSON line `{ assets, vmHwmKiB }`.
 */
const { tag, files } = JSON.parse(process.argv[2]!) as { tag: string; files: AssetFile[] }
const log = consoleLog({ write: line => process.stderr.write(`${line}\n`) })
const api = githubReleaseApi(process.env.GITHUB_TOKEN!, process.env, log)
const release = (await api.listReleases()).find(r => r.tagName === tag)!
const sleep = (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))
const assets: unknown[] = []
await forEachLimit(files, UPLOAD_CONCURRENCY, async file => {
  assets.push(await uploadAsset(api, release, file, undefined, 'fail', sleep, log))
})
const status = fs.readFileSync('/proc/self/status', 'utf8')
const vmHwmKiB = Number(/^VmHWM:\s+(\d+) kB$/m.exec(status)![1])
process.stdout.write(`${JSON.stringify({ assets, vmHwmKiB })}\n`)
