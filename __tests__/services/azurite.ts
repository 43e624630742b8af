import { spawn, type ChildProcess } from 'node:child_process'
import * as fs from 'node:fs'
import * as http from 'node:http'
import { createRequire } from 'node:module'
import * as net from 'node:net'
import * as os from 'node:os'
import * as path from 'node:path'
import {
  BlobSASPermissions,
  BlobServiceClient,
  generateBlobSASQueryParameters,
  StorageSharedKeyCredential
} from '@azure/storage-blob'

/** Azurite's fixed development account (https://learn.microsoft.com/azure/storage/common/storage-use-azurite). */
export const AZURITE_ACCOUNT = 'devstoreaccount1'
/** The published well-known key of the development account; it is not a secret. */
export const AZURITE_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='

/** Blob SAS permission letters in the order Azure requires them (r, a, c, w, d, ...). */
export type SasPermissions = 'r' | 'w' | 'cw' | 'rcw' | 'racw' | 'rd' | 'rcwd'

/** A running Azurite blob service bound to 127.0.0.1. */
export interface Azurite {
  /** Account endpoint, `http://127.0.0.1:<port>/devstoreaccount1`. */
  url: string
  /** The port Azurite listens on. */
  port: number
  /** Azurite's process id (benchmarks count its CPU apart). */
  pid: number
  /** Unsigned URL of a blob (what a SAS is appended to). */
  blobUrl(container: string, name: string): string
  /** Full blob URL signed with a blob-scoped SAS (the shape GitHub hands out as signed URLs). */
  sas(
    container: string,
    name: string,
    permissions: SasPermissions,
    expiresInMinutes?: number
  ): string
  /** Creates the container if it does not exist yet. */
  ensureContainer(container: string): Promise<void>
  /** Size and content type of a blob, or undefined when it does not exist. */
  blobProperties(
    container: string,
    name: string
  ): Promise<{ size: number; contentType: string | undefined } | undefined>
  /** The bytes of a blob, or undefined when it does not exist. */
  readBlob(container: string, name: string): Promise<Buffer | undefined>
  /** Replaces a blob's bytes (tests use it to model corruption at rest). */
  writeBlob(container: string, name: string, data: Buffer, contentType?: string): Promise<void>
  /** Deletes a blob if it exists. */
  deleteBlob(container: string, name: string): Promise<void>
  /** Stops Azurite and removes its data folder; safe to call twice. */
  stop(): Promise<void>
}

const requireCjs = createRequire(import.meta.url)

/** Bounds on the readiness wait: Azurite needs about 3 s to listen on the machines here. */
const READY_POLLS = 200
const READY_POLL_MS = 100
const START_ATTEMPTS = 3

/**
 * Loaded into the Azurite process with `--require`: the parent holds the other end of stdin, so
 * when the test process dies (even by SIGKILL, where no exit handler runs) stdin reaches EOF and
 * Azurite exits instead of lingering on its port.
 */
const WATCHDOG = `'use strict'
process.stdin.on('end', () => process.exit(0))
process.stdin.on('error', () => process.exit(0))
process.stdin.resume()
`

/** Starts Azurite's blob service on a free loopback port with a throw-away data folder. */
export async function startAzurite(): Promise<Azurite> {
  const location = fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-azurite-'))
  const watchdog = path.join(location, 'watchdog.cjs')
  fs.writeFileSync(watchdog, WATCHDOG)
  let lastError: unknown
  // Another process can take the probed port before Azurite binds it: retry with a new one.
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
    const port = await freePort()
    const data = path.join(location, `data-${attempt}`)
    fs.mkdirSync(data)
    const started = await spawnAzurite(port, data, watchdog).catch((e: unknown) => {
      lastError = e
      return undefined
    })
    if (started) return handle(port, started, location)
  }
  fs.rmSync(location, { recursive: true, force: true })
  throw new Error(`Azurite did not start after ${START_ATTEMPTS} attempts`, { cause: lastError })
}

/** Asks the OS for a free port on 127.0.0.1. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port
      server.close(() => resolve(port))
    })
  })
}

/** A spawned Azurite process and the handler that kills it if the test process exits first. */
interface Spawned {
  child: ChildProcess
  onExit: () => void
  log: string
}

async function spawnAzurite(port: number, data: string, watchdog: string): Promise<Spawned> {
  const log = path.join(data, 'azurite.log')
  const logFd = fs.openSync(log, 'a')
  const bin = requireCjs.resolve('azurite/dist/src/blob/main.js')
  const child = spawn(
    process.execPath,
    [
      '--require',
      watchdog,
      bin,
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      String(port),
      '--location',
      data,
      '--silent',
      // Azurite 3.37 knows API versions up to the one @azure/storage-blob 12.31 sends, but the
      // check would fail the moment either side is upgraded alone.
      '--skipApiVersionCheck',
      '--loose'
    ],
    // Output goes to a file, not a pipe, so the parent holds no handles that keep Jest alive.
    { detached: false, stdio: ['pipe', logFd, logFd] }
  )
  fs.closeSync(logFd)
  const onExit = (): void => {
    child.kill('SIGKILL')
  }
  process.once('exit', onExit)
  child.unref()
  ;(child.stdin as unknown as net.Socket).unref()
  try {
    await waitUntilAnswering(port, child, log)
  } catch (e) {
    child.kill('SIGKILL')
    process.removeListener('exit', onExit)
    throw e
  }
  return { child, onExit, log }
}

/** Polls until Azurite answers any HTTP request, failing early if it exits. */
async function waitUntilAnswering(port: number, child: ChildProcess, log: string): Promise<void> {
  for (let i = 0; i < READY_POLLS; i++) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `Azurite exited (${child.exitCode ?? child.signalCode}): ${fs.readFileSync(log, 'utf8').slice(-2000)}`
      )
    }
    if (await answers(port)) return
    await new Promise(resolve => setTimeout(resolve, READY_POLL_MS))
  }
  throw new Error(
    `Azurite did not answer on 127.0.0.1:${port} within ${READY_POLLS * READY_POLL_MS} ms`
  )
}

async function answers(port: number): Promise<boolean> {
  return new Promise(resolve => {
    const req = http.get(
      { host: '127.0.0.1', port, path: `/${AZURITE_ACCOUNT}?comp=list`, timeout: 1000 },
      res => {
        res.resume()
        resolve(true)
      }
    )
    req.on('timeout', () => req.destroy())
    req.on('error', () => resolve(false))
  })
}

function handle(port: number, spawned: Spawned, location: string): Azurite {
  const url = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`
  const credential = new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY)
  const service = new BlobServiceClient(url, credential)
  const blob = (container: string, name: string) =>
    service.getContainerClient(container).getBlockBlobClient(name)
  let stopping: Promise<void> | undefined

  const blobUrl = (container: string, name: string): string =>
    `${url}/${container}/${name.split('/').map(encodeURIComponent).join('/')}`

  return {
    url,
    port,
    pid: spawned.child.pid!,
    blobUrl,
    sas(container, name, permissions, expiresInMinutes = 60) {
      const now = Date.now()
      const query = generateBlobSASQueryParameters(
        {
          containerName: container,
          blobName: name,
          permissions: BlobSASPermissions.parse(permissions),
          // Start a little in the past: Azure rejects a SAS whose start is ahead of its clock.
          startsOn: new Date(now - 5 * 60_000),
          expiresOn: new Date(now + expiresInMinutes * 60_000)
        },
        credential
      ).toString()
      return `${blobUrl(container, name)}?${query}`
    },
    async ensureContainer(container) {
      await service.getContainerClient(container).createIfNotExists()
    },
    async blobProperties(container, name) {
      try {
        const p = await blob(container, name).getProperties()
        return { size: p.contentLength ?? 0, contentType: p.contentType }
      } catch (e) {
        if ((e as { statusCode?: number }).statusCode === 404) return undefined
        throw e
      }
    },
    async readBlob(container, name) {
      try {
        return await blob(container, name).downloadToBuffer()
      } catch (e) {
        if ((e as { statusCode?: number }).statusCode === 404) return undefined
        throw e
      }
    },
    async writeBlob(container, name, data, contentType) {
      await blob(container, name).uploadData(data, {
        blobHTTPHeaders: contentType ? { blobContentType: contentType } : undefined
      })
    },
    async deleteBlob(container, name) {
      await blob(container, name).deleteIfExists()
    },
    stop() {
      stopping ??= stopChild(spawned).finally(() => {
        fs.rmSync(location, { recursive: true, force: true })
      })
      return stopping
    }
  }
}

/** SIGTERM lets Azurite close its database files; SIGKILL follows if it takes longer than 5 s. */
async function stopChild({ child, onExit }: Spawned): Promise<void> {
  process.removeListener('exit', onExit)
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>(resolve => child.once('exit', () => resolve()))
  // Unreferenced since the start; outside Jest nothing else may keep the event loop waiting for 'exit'.
  child.ref()
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
  await exited
  clearTimeout(timer)
}
