import { DefaultArtifactClient } from '@actions/artifact'
import { errorMessage } from '../lib/errors.js'
import { networkTimeouts, withNodeHttpGuard } from '../lib/net-timeouts.js'

/** One uploaded workflow artifact. */
export interface UploadedArtifact {
  id: number
  /** bytes of the zip the service stored */
  size: number
  /** true when an artifact of the same name from an earlier attempt of this run was replaced */
  replaced: boolean
}

/** The workflow artifact service (artifacts v4 backend). */
export interface WorkflowArtifactPort {
  /** Why artifacts cannot be uploaded here ('' when they can). */
  unavailable(): string
  /**
   * Uploads `files` (absolute paths below `rootDirectory`) as one artifact. A job re-run keeps
   * the run id, and names are unique per run: an artifact of the same name from an earlier
   * attempt is deleted and the upload made again.
   */
  upload(
    name: string,
    files: string[],
    rootDirectory: string,
    retentionDays?: number
  ): Promise<UploadedArtifact>
  /** The artifacts of this run (the latest of each name, after re-runs). */
  list(): Promise<{ id: number; name: string; size: number }[]>
  /** Downloads one artifact of this run into `dir` (unzipped). */
  download(id: number, dir: string): Promise<void>
}

/**
 * A toolkit call guarded like every node http request (withNodeHttpGuard). The blob upload also
 * has the toolkit's own watchdog, which aborts it when no progress is reported for
 * ACTIONS_ARTIFACT_UPLOAD_TIMEOUT_MS (5 min by default): it is given the idle bound unless the
 * environment sets it.
 */
async function bounded<T>(
  env: Readonly<Record<string, string | undefined>>,
  fn: () => Promise<T>
): Promise<T> {
  process.env.ACTIONS_ARTIFACT_UPLOAD_TIMEOUT_MS ??= String(networkTimeouts(env).idleMs)
  return (await withNodeHttpGuard(env, fn)).value
}

/** @actions/artifact against the runner's results service. */
export function actionsArtifacts(
  env: Readonly<Record<string, string | undefined>>
): WorkflowArtifactPort {
  return {
    unavailable() {
      if (!env.ACTIONS_RUNTIME_TOKEN || !env.ACTIONS_RESULTS_URL) {
        return 'this runner gives no artifact service (ACTIONS_RUNTIME_TOKEN or ACTIONS_RESULTS_URL is not set)'
      }
      return ''
    },
    upload: (name, files, rootDirectory, retentionDays) =>
      bounded(env, () => upload(name, files, rootDirectory, retentionDays)),
    list: () =>
      bounded(env, async () => {
        const { artifacts } = await new DefaultArtifactClient().listArtifacts({ latest: true })
        return artifacts.map(a => ({ id: a.id, name: a.name, size: a.size }))
      }),
    download: (id, dir) =>
      bounded(env, async () => {
        await new DefaultArtifactClient().downloadArtifact(id, { path: dir })
      })
  }
}

/** See WorkflowArtifactPort.upload. */
async function upload(
  name: string,
  files: string[],
  rootDirectory: string,
  retentionDays?: number
): Promise<UploadedArtifact> {
  const client = new DefaultArtifactClient()
  // Archives are compressed already: storing them saves the CPU of a second deflate.
  const options = { retentionDays, compressionLevel: 0 }
  try {
    const result = await client.uploadArtifact(name, files, rootDirectory, options)
    return { id: result.id!, size: result.size ?? 0, replaced: false }
  } catch (error) {
    // The toolkit words a duplicate name as "Received non-retryable error: Failed request: (409) Conflict".
    if (!/\(409\)/.test(errorMessage(error))) throw error
  }
  await client.deleteArtifact(name)
  const result = await client.uploadArtifact(name, files, rootDirectory, options)
  return { id: result.id!, size: result.size ?? 0, replaced: true }
}

/** Local mode: there is no artifact service. */
export const noArtifacts: WorkflowArtifactPort = {
  unavailable: () => 'local mode has no workflow artifact service',
  upload: () => Promise.reject(new Error('internal: no artifact service')),
  list: () => Promise.reject(new Error('internal: no artifact service')),
  download: () => Promise.reject(new Error('internal: no artifact service'))
}
