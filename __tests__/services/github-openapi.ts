import * as fs from 'node:fs'
import { createRequire } from 'node:module'
import { Ajv, type ValidateFunction } from 'ajv'
import addFormatsModule from 'ajv-formats'

/**
 * GitHub's official OpenAPI description (npm `@octokit/openapi`, `generated/api.github.com.json`)
 * compiled with Ajv for the operations the release and attest features use, so the loopback GitHub service
 * can check every response it sends and every JSON request it receives against it.
 */

/** The REST operations of the release feature, by the description's operationId. */
export const RELEASE_OPERATIONS = [
  'repos/list-releases',
  'repos/create-release',
  'repos/get-release',
  'repos/update-release',
  'repos/delete-release',
  'repos/get-release-by-tag',
  'repos/get-latest-release',
  'repos/generate-release-notes',
  'repos/list-release-assets',
  'repos/upload-release-asset',
  'repos/get-release-asset',
  'repos/update-release-asset',
  'repos/delete-release-asset',
  'repos/check-immutable-releases'
] as const

/** The REST operations of the attest input (what @actions/attest calls, and what verifiers read). */
export const ATTESTATION_OPERATIONS = [
  'repos/create-attestation',
  'repos/list-attestations'
] as const

/** The REST operations on other repositories (a Homebrew tap, a Scoop bucket): files, branches, pull requests. */
export const REPO_FILES_OPERATIONS = [
  'repos/get',
  'repos/get-content',
  'repos/create-or-update-file-contents',
  'git/get-ref',
  'git/create-ref',
  'pulls/create',
  'pulls/list'
] as const

/** Every operation the stand-in serves. */
export const OPERATIONS = [
  ...RELEASE_OPERATIONS,
  ...ATTESTATION_OPERATIONS,
  ...REPO_FILES_OPERATIONS
] as const

/** One of {@link OPERATIONS}. */
export type OperationId = (typeof OPERATIONS)[number]

/**
 * Where GitHub's real responses differ from its own description, and the schema is widened so
 * the stand-in can answer as GitHub does. Each entry names its evidence.
 */
export const SPEC_GAPS = [
  // The upload docs say a 502 "may leave an empty asset with a state of starter", and clients
  // see it in asset lists (concourse/github-release-resource PR #116, ropensci/piggyback PR #26),
  // but `release-asset.state` only lists uploaded and open.
  'release-asset.state also takes "starter" (what a failed upload leaves)',
  // The 409 of a contents write is `oneOf` basic-error and repository-rule-violation-error, and
  // every property of both is optional, so any error body matches both and `oneOf` none: GitHub
  // sends basic-error's `{message: "<path> does not match <sha>", documentation_url, status}`.
  'the 409 of repos/create-or-update-file-contents is read as anyOf its two error shapes'
] as const

/** A checked operation: its path template, method and documentation link. */
export interface OperationInfo {
  /** Path template as in the description, `/repos/{owner}/{repo}/releases`. */
  path: string
  /** Upper-case HTTP method. */
  method: string
  /** GitHub's docs page for the operation; GitHub echoes it as `documentation_url` in errors. */
  docsUrl: string
}

/** Validators for the operations. */
export interface GitHubContract {
  /** Method, path and docs link of each operation. */
  operations: Record<OperationId, OperationInfo>
  /**
   * Problems with a response, empty when it conforms. A documented status is checked against its
   * schema; an undocumented error status against GitHub's generic error shapes (the description
   * lists only some of the errors GitHub sends, never 401/403/5xx); an undocumented success status
   * is itself a problem. `body` undefined means an empty body.
   */
  checkResponse(operationId: OperationId, status: number, body: unknown): string[]
  /** Problems with a JSON request body, empty when it conforms or the operation takes none. */
  checkRequest(operationId: OperationId, body: unknown): string[]
}

interface Compiled {
  /** Validators per documented status; null when the status documents no body. */
  responses: Map<number, ValidateFunction | null>
  request: ValidateFunction | undefined
}

const requireCjs = createRequire(import.meta.url)
/** ajv-formats is CommonJS with `module.exports = plugin`: Node's ESM loader hands us that. */
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv
const ROOT = 'https://go-xbuild-action.test/api.github.com.json'

let loaded: GitHubContract | undefined

/** Loads and compiles the description once per test file (about 0.3 s for a 13 MB file). */
export function loadGitHubContract(): GitHubContract {
  loaded ??= compile()
  return loaded
}

type Json = Record<string, unknown>

function compile(): GitHubContract {
  const file = requireCjs.resolve('@octokit/openapi/generated/api.github.com.json')
  const api = JSON.parse(fs.readFileSync(file, 'utf8')) as {
    paths: Record<string, Record<string, Json>>
    components: { schemas: Record<string, Json>; responses: Record<string, Json> }
  }
  const operations = {} as Record<OperationId, OperationInfo>
  const found = new Map<OperationId, Json>()
  for (const [path, item] of Object.entries(api.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const id = op.operationId as OperationId
      if (!(OPERATIONS as readonly string[]).includes(id)) continue
      found.set(id, op)
      const docsUrl = (op.externalDocs as { url?: string } | undefined)?.url ?? ''
      operations[id] = { path, method: method.toUpperCase(), docsUrl }
    }
  }
  for (const id of OPERATIONS) {
    if (!found.has(id)) throw new Error(`${file} has no operation ${id}`)
  }

  // One document holding the component schemas the operations reach plus each operation's own
  // schemas, so `#/components/schemas/...` references resolve inside it.
  const needed = new Map<string, Json>()
  const collect = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(collect)
    if (typeof node !== 'object' || node === null) return
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') {
        const m = /^#\/components\/schemas\/(.+)$/.exec(v)
        if (m && !needed.has(m[1]!)) {
          const schema = api.components.schemas[m[1]!]
          if (!schema) throw new Error(`${file}: dangling reference ${v}`)
          needed.set(m[1]!, schema)
          collect(schema)
        }
      } else collect(v)
    }
  }
  const jsonSchemaOf = (content: unknown): Json | undefined =>
    (content as Record<string, { schema?: Json }> | undefined)?.['application/json']?.schema

  const ops: Record<string, { responses: Record<string, Json | null>; request?: Json }> = {}
  for (const [id, op] of found) {
    const responses: Record<string, Json | null> = {}
    for (const [status, r] of Object.entries(op.responses as Record<string, Json>)) {
      const ref = /^#\/components\/responses\/(.+)$/.exec((r.$ref as string | undefined) ?? '')
      const response = ref ? api.components.responses[ref[1]!]! : r
      responses[status] = jsonSchemaOf(response.content) ?? null
    }
    const request = jsonSchemaOf((op.requestBody as Json | undefined)?.content)
    ops[id] = { responses, ...(request ? { request } : {}) }
  }
  const conflict = ops['repos/create-or-update-file-contents']!.responses['409'] as Json
  conflict.anyOf = conflict.oneOf // SPEC_GAPS[1]
  delete conflict.oneOf
  collect(ops)
  for (const name of ['basic-error', 'validation-error']) {
    needed.set(name, api.components.schemas[name]!)
    collect(api.components.schemas[name])
  }

  const schemas = structuredClone(Object.fromEntries(needed))
  const asset = schemas['release-asset'] as { properties: { state: { enum: string[] } } }
  asset.properties.state.enum.push('starter') // SPEC_GAPS[0]

  const ajv = new Ajv({ strict: false, allErrors: true })
  addFormats(ajv)
  // GitHub's own format of pulls/create's head_repo: a repository's `owner/name`.
  ajv.addFormat('repo.nwo', /^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+$/)
  ajv.addSchema(
    { $id: ROOT, components: { schemas }, operations: ops },
    undefined,
    undefined,
    false
  )
  const at = (pointer: string): ValidateFunction => {
    const v = ajv.getSchema(`${ROOT}#${pointer}`)
    if (!v) throw new Error(`no schema at ${pointer}`)
    return v
  }
  const genericError = at('/components/schemas/basic-error')
  const validationError = at('/components/schemas/validation-error')

  const compiled = new Map<OperationId, Compiled>()
  for (const id of OPERATIONS) {
    const op = ops[id]!
    const responses = new Map<number, ValidateFunction | null>()
    for (const [status, schema] of Object.entries(op.responses)) {
      const base = `/operations/${key(id)}/responses/${status}`
      responses.set(Number(status), schema ? at(base) : null)
    }
    compiled.set(id, {
      responses,
      request: op.request ? at(`/operations/${key(id)}/request`) : undefined
    })
  }

  const problems = (v: ValidateFunction, data: unknown): string[] =>
    v(data) ? [] : (v.errors ?? []).map(e => `${e.instancePath || '(body)'} ${e.message ?? ''}`)

  return {
    operations,
    checkResponse(operationId, status, body) {
      const c = compiled.get(operationId)!
      const v = c.responses.get(status)
      if (v) return body === undefined ? ['the body is empty'] : problems(v, body)
      if (v === null && status < 400) {
        return body === undefined ? [] : ['the description documents no body for this status']
      }
      // Error statuses documented without a body (upload's 422) get GitHub's generic shapes too.
      if (status >= 400) {
        if (body === undefined) return ['an error status with an empty body']
        return problems(status === 422 ? validationError : genericError, body)
      }
      return [`status ${status} is not documented for ${operationId}`]
    },
    checkRequest(operationId, body) {
      const v = compiled.get(operationId)!.request
      return v ? problems(v, body) : []
    }
  }
}

/** JSON-pointer-safe key of an operation (`repos/create-release` → `repos~1create-release`). */
function key(id: string): string {
  return id.replace(/~/g, '~0').replace(/\//g, '~1')
}
