import { createHash, randomBytes } from 'node:crypto'
import * as http from 'node:http'
import type { AddressInfo } from 'node:net'
import { readBody, sendJson } from './http.js'

/**
 * An in-memory OCI registry on 127.0.0.1 for what no registry installable here does: the
 * referrers API (distribution v3.1.2 has none) and the faults real registries produce (429 with
 * Retry-After, 503, blob redirects to a storage host, GHCR's DENIED without a challenge, gcr.io's
 * unquoted challenge parameters). Blob and manifest storage follow the distribution spec; the
 * real registry (distribution) is what the integration tests push to.
 */

/** How clients authenticate. */
export type RegistryAuth =
  | { kind: 'none' }
  | { kind: 'basic'; username: string; password: string }
  | {
      kind: 'bearer'
      username: string
      password: string
      /** gcr.io's style: `service=x` without quotes */
      unquoted?: boolean
      /** realm host: 'localhost' (default) or another name */
      realmHost?: string
    }

/** One request as the registry saw it. */
export interface SeenRequest {
  method: string
  url: string
  authorization?: string
}

/** A fault: answers the request itself (returns true) or lets the registry handle it. */
export type Fault = (req: http.IncomingMessage, res: http.ServerResponse) => boolean

export interface FakeRegistry {
  /** host:port, e.g. 127.0.0.1:40123 */
  host: string
  requests: SeenRequest[]
  /** blob content by digest; `link` makes one present in a repository */
  blobs: Map<string, Buffer>
  link(name: string, digest: string): void
  /** per repository: reference (tag or digest) → manifest */
  manifests: Map<string, Map<string, { bytes: Buffer; mediaType: string }>>
  faults: Fault[]
  /** whether GET /v2/<name>/referrers/<digest> exists and PUT answers OCI-Subject */
  referrers: boolean
  close(): Promise<void>
}

const sha256 = (bytes: Buffer): string =>
  `sha256:${createHash('sha256').update(bytes).digest('hex')}`

/** Starts the fake registry. */
export async function startFakeRegistry(
  auth: RegistryAuth = { kind: 'none' }
): Promise<FakeRegistry> {
  const blobs = new Map<string, Buffer>()
  const manifests = new Map<string, Map<string, { bytes: Buffer; mediaType: string }>>()
  const uploads = new Map<string, string>()
  /** which repositories hold which blobs: a blob is content, its presence is per repository */
  const links = new Map<string, Set<string>>()
  const link = (name: string, digest: string): void => {
    links.set(name, (links.get(name) ?? new Set()).add(digest))
  }
  const linked = (name: string, digest: string): boolean => links.get(name)?.has(digest) ?? false
  const requests: SeenRequest[] = []
  const tokens = new Set<string>()
  const registry: FakeRegistry = {
    host: '',
    requests,
    blobs,
    link: (name, digest) => link(name, digest),
    manifests,
    faults: [],
    referrers: false,
    close: () => new Promise(resolve => server.close(() => resolve()))
  }

  const expected =
    auth.kind === 'none'
      ? ''
      : `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`

  function authorized(req: http.IncomingMessage, res: http.ServerResponse, scope: string): boolean {
    const given = req.headers.authorization ?? ''
    if (auth.kind === 'none') return true
    if (auth.kind === 'basic') {
      if (given === expected) return true
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="fake-registry"', 'Content-Length': 0 })
      res.end()
      return false
    }
    if (given.startsWith('Bearer ') && tokens.has(given.slice(7))) return true
    const port = (server.address() as AddressInfo).port
    const realm = `http://${auth.realmHost ?? 'localhost'}:${port}/token`
    const header = auth.unquoted
      ? `Bearer realm="${realm}",service=fake-registry,scope="${scope}"`
      : `Bearer realm="${realm}",service="fake-registry",scope="${scope}"`
    sendJson(
      res,
      401,
      { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] },
      {
        'WWW-Authenticate': header
      }
    )
    return false
  }

  const server = http.createServer((req, res) => {
    requests.push({ method: req.method!, url: req.url!, authorization: req.headers.authorization })
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent)
        sendJson(res, 500, { errors: [{ code: 'UNKNOWN', message: String(err) }] })
      else res.destroy()
    })
  })

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    for (const fault of registry.faults) if (fault(req, res)) return
    const url = new URL(req.url!, `http://${registry.host}`)
    if (url.pathname === '/token') {
      if (auth.kind !== 'bearer' || req.headers.authorization !== expected) {
        sendJson(res, 401, { errors: [{ code: 'UNAUTHORIZED', message: 'bad credentials' }] })
        return
      }
      const token = randomBytes(12).toString('hex')
      tokens.add(token)
      sendJson(res, 200, { token, expires_in: 300 })
      return
    }
    const listing = /^\/v2\/(.+)\/tags\/list$/.exec(url.pathname)
    if (listing) {
      if (!authorized(req, res, `repository:${listing[1]}:pull`)) return
      const repo = manifests.get(listing[1])
      if (!repo) {
        sendJson(res, 404, { errors: [{ code: 'NAME_UNKNOWN', message: listing[1] }] })
        return
      }
      // One tag per page, so clients must follow the Link header (distribution pages at `n`).
      const all = [...repo.keys()].filter(k => !k.startsWith('sha256:')).sort()
      const last = url.searchParams.get('last')
      const page = all.filter(t => last === null || t > last).slice(0, 1)
      const more = page.length > 0 && all.indexOf(page[0]) < all.length - 1
      const link = `</v2/${listing[1]}/tags/list?n=1&last=${page[0]}>; rel="next"`
      sendJson(res, 200, { name: listing[1], tags: page }, more ? { Link: link } : {})
      return
    }
    const match =
      /^\/v2\/(.+?)\/(blobs\/uploads\/?(.*)|blobs\/(.+)|manifests\/(.+)|referrers\/(.+))$/.exec(
        url.pathname
      )
    if (!match) {
      sendJson(res, 404, { errors: [{ code: 'NAME_UNKNOWN', message: url.pathname }] })
      return
    }
    const [, name, , uploadId, blobDigest, reference, referred] = match
    const pushing = req.method !== 'GET' && req.method !== 'HEAD'
    if (!authorized(req, res, `repository:${name}:${pushing ? 'pull,push' : 'pull'}`)) return
    const body = await readBody(req, 64 << 20, message => new Error(message))

    if (uploadId !== undefined && match[2].startsWith('blobs/uploads')) {
      if (req.method === 'POST') {
        const mount = url.searchParams.get('mount')
        const from = url.searchParams.get('from')
        if (mount && from && linked(from, mount)) {
          link(name, mount)
          res.writeHead(201, { Location: `/v2/${name}/blobs/${mount}`, 'Content-Length': 0 })
          res.end()
          return
        }
        const id = randomBytes(8).toString('hex')
        uploads.set(id, name)
        res.writeHead(202, {
          Location: `/v2/${name}/blobs/uploads/${id}?state=s1`,
          'Content-Length': 0
        })
        res.end()
        return
      }
      if (req.method === 'PUT' && uploads.has(uploadId)) {
        const digest = url.searchParams.get('digest') ?? ''
        if (sha256(body) !== digest || url.searchParams.get('state') !== 's1') {
          sendJson(res, 400, { errors: [{ code: 'DIGEST_INVALID', message: 'digest mismatch' }] })
          return
        }
        uploads.delete(uploadId)
        blobs.set(digest, body)
        link(name, digest)
        res.writeHead(201, { Location: `/v2/${name}/blobs/${digest}`, 'Content-Length': 0 })
        res.end()
        return
      }
      if (req.method === 'DELETE' && uploads.delete(uploadId)) {
        res.writeHead(204)
        res.end()
        return
      }
      sendJson(res, 404, { errors: [{ code: 'BLOB_UPLOAD_UNKNOWN', message: uploadId }] })
      return
    }
    if (blobDigest !== undefined) {
      const blob = linked(name, blobDigest) ? blobs.get(blobDigest) : undefined
      if (!blob) {
        sendJson(res, 404, { errors: [{ code: 'BLOB_UNKNOWN', message: blobDigest }] })
        return
      }
      res.writeHead(200, { 'Content-Length': blob.length, 'Docker-Content-Digest': blobDigest })
      res.end(req.method === 'HEAD' ? undefined : blob)
      return
    }
    if (reference !== undefined) {
      const repo = manifests.get(name) ?? new Map<string, { bytes: Buffer; mediaType: string }>()
      manifests.set(name, repo)
      if (req.method === 'PUT') {
        const mediaType = String(req.headers['content-type'] ?? '')
        const digest = sha256(body)
        const parsed = JSON.parse(body.toString()) as { subject?: unknown }
        repo.set(reference, { bytes: body, mediaType })
        repo.set(digest, { bytes: body, mediaType })
        const headers: Record<string, string | number> = {
          Location: `/v2/${name}/manifests/${digest}`,
          'Docker-Content-Digest': digest,
          'Content-Length': 0
        }
        if (registry.referrers && parsed.subject) headers['OCI-Subject'] = 'yes'
        res.writeHead(201, headers)
        res.end()
        return
      }
      const found = repo.get(reference)
      if (!found) {
        sendJson(res, 404, { errors: [{ code: 'MANIFEST_UNKNOWN', message: reference }] })
        return
      }
      res.writeHead(200, {
        'Content-Type': found.mediaType,
        'Content-Length': found.bytes.length,
        'Docker-Content-Digest': sha256(found.bytes)
      })
      res.end(req.method === 'HEAD' ? undefined : found.bytes)
      return
    }
    if (referred !== undefined && registry.referrers) {
      const repo = manifests.get(name) ?? new Map()
      const descriptors = [...new Set([...repo.values()])]
        .map(m => ({ m, parsed: JSON.parse(m.bytes.toString()) as Record<string, unknown> }))
        .filter(
          ({ parsed }) => (parsed.subject as { digest?: string } | undefined)?.digest === referred
        )
        .map(({ m, parsed }) => ({
          mediaType: m.mediaType,
          digest: sha256(m.bytes),
          size: m.bytes.length,
          artifactType: parsed.artifactType,
          annotations: parsed.annotations
        }))
      sendJson(
        res,
        200,
        {
          schemaVersion: 2,
          mediaType: 'application/vnd.oci.image.index.v1+json',
          manifests: descriptors
        },
        { 'Content-Type': 'application/vnd.oci.image.index.v1+json' }
      )
      return
    }
    sendJson(res, 404, { errors: [{ code: 'UNSUPPORTED', message: url.pathname }] })
  }

  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  registry.host = `127.0.0.1:${(server.address() as AddressInfo).port}`
  return registry
}
