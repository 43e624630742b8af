import { inspect } from 'node:util'
import {
  ApiError,
  contentTypeOf,
  redact,
  toApiError,
  uploadOrigin
} from '../src/ports/release-api.js'
import { numbered } from './fakes/targets.js'

/** Numbers the rows and moves each row's last column (the outcome) after its description. */
const numberedOutcome = <D, T extends unknown[], E>(rows: [D, ...T, E][]): [number, D, E, ...T][] =>
  rows.map((r, i) => [i + 1, r[0], r[r.length - 1], ...r.slice(1, -1)] as [number, D, E, ...T])

// [release upload_url, origin to upload to, or the Error message]
const originRows: [string, string | Error][] = [
  [
    'https://uploads.github.com/repos/octo/hello/releases/1/assets{?name,label}',
    'https://uploads.github.com'
  ],
  [
    'https://ghe.example/api/uploads/repos/octo/hello/releases/42/assets{?name,label}',
    'https://ghe.example/api/uploads'
  ],
  [
    'http://127.0.0.1:39811/repos/octo/hello/releases/3/assets{?name,label}',
    'http://127.0.0.1:39811'
  ],
  [
    'https://uploads.github.com/octo/hello/releases/1/assets{?name,label}',
    new Error(
      'unexpected upload_url https://uploads.github.com/octo/hello/releases/1/assets{?name,label}'
    )
  ],
  ['', new Error('unexpected upload_url ')]
]

test.each(numbered(originRows))('[%d] uploadOrigin %s -> %s', (_n, url, expected) => {
  if (expected instanceof Error) {
    expect(() => uploadOrigin(url)).toThrow(expected)
  } else {
    expect(uploadOrigin(url)).toBe(expected)
  }
})

// [asset name, content type]
const typeRows: [string, string][] = [
  ['hello_1.0.0_linux_amd64.tar.gz', 'application/gzip'],
  ['hello.tgz', 'application/gzip'],
  ['hello_1.0.0_linux_amd64.tar.xz', 'application/x-xz'],
  ['hello_1.0.0_windows_amd64.zip', 'application/zip'],
  ['checksums.txt', 'text/plain'],
  ['hello.sha256', 'text/plain'],
  ['checksums.sha512', 'text/plain'],
  ['sbom.spdx.json', 'application/json'],
  ['hello_1.0.0_linux_amd64', 'application/octet-stream'],
  ['hello.exe', 'application/octet-stream'],
  ['hello.gz', 'application/octet-stream'],
  ['hello.xz', 'application/octet-stream'],
  ['zip', 'application/octet-stream']
]

test.each(numbered(typeRows))('[%d] contentTypeOf %s -> %s', (_n, name, type) => {
  expect(contentTypeOf(name)).toBe(type)
})

// [description, text, secret, redacted text]
const redactRows: [string, string, string, string][] = [
  ['one occurrence', 'Bad token ghs_abc123 here', 'ghs_abc123', 'Bad token *** here'],
  ['every occurrence', 'ghs_abc123/ghs_abc123ghs_abc123', 'ghs_abc123', '***/******'],
  [
    'the URL-encoded form too',
    'GET /x?access_token=a%2Fb%2Bc%3D and a/b+c=',
    'a/b+c=',
    'GET /x?access_token=*** and ***'
  ],
  ['not there: unchanged', 'nothing secret', 'ghs_abc123', 'nothing secret'],
  ['a part of the secret stays', 'ghs_abc12 is not it', 'ghs_abc123', 'ghs_abc12 is not it'],
  ['an empty secret: unchanged', 'nothing secret', '', 'nothing secret'],
  ['an empty text', '', 'ghs_abc123', '']
]

test.each(numberedOutcome(redactRows))(
  '[%d] redact: %s -> %j',
  (_n, _what, expected, text, secret) => {
    expect(redact(text, secret)).toBe(expected)
  }
)

const TOKEN = 'ghs_S3cr3tT0k3n+/='
const ENCODED = encodeURIComponent(TOKEN)

/** Shaped like Octokit's RequestError. */
const requestError = (
  status: number,
  message: string,
  data?: { message?: string; errors?: { code?: string; field?: string }[] }
): Error & { status: number; response?: { status: number; data: unknown } } =>
  Object.assign(new Error(message), {
    name: 'HttpError',
    status,
    ...(data ? { response: { status, data } } : {})
  })

// [description, what, thrown, expected status, codes, message]
const errorRows: [string, string, unknown, number, string[], string][] = [
  [
    'a 422 of a tag that has a release',
    'creating release v1.0.0',
    requestError(
      422,
      'Validation Failed: {"resource":"Release","code":"already_exists","field":"tag_name"}',
      {
        message: 'Validation Failed',
        errors: [{ code: 'already_exists', field: 'tag_name' }]
      }
    ),
    422,
    ['already_exists'],
    'creating release v1.0.0: HTTP 422: Validation Failed: already_exists'
  ],
  [
    'several validation codes',
    'creating release v1.0.0',
    requestError(422, 'Validation Failed', {
      message: 'Validation Failed',
      errors: [
        { code: 'invalid', field: 'target_commitish' },
        { code: 'missing_field', field: 'tag_name' }
      ]
    }),
    422,
    ['invalid', 'missing_field'],
    'creating release v1.0.0: HTTP 422: Validation Failed: invalid: missing_field'
  ],
  [
    'a 403 of a read-only token',
    'updating release 7',
    requestError(403, 'Resource not accessible by integration - https://docs.github.com/rest', {
      message: 'Resource not accessible by integration'
    }),
    403,
    [],
    'updating release 7: HTTP 403: Resource not accessible by integration'
  ],
  [
    'a 502 without a JSON body: the error message',
    'uploading a.zip',
    requestError(502, 'Bad Gateway', undefined),
    502,
    [],
    'uploading a.zip: HTTP 502: Bad Gateway'
  ],
  [
    'an HTML body: the error message',
    'listing releases',
    requestError(500, 'Internal Server Error', '<html>oops</html>' as never),
    500,
    [],
    'listing releases: HTTP 500: Internal Server Error'
  ],
  [
    'a network error: status 0',
    'listing releases',
    new TypeError('fetch failed'),
    0,
    [],
    'listing releases: fetch failed'
  ],
  [
    'a thrown string',
    'deleting asset 3',
    'socket hang up',
    0,
    [],
    'deleting asset 3: socket hang up'
  ],
  [
    'the token echoed in the body message',
    'listing releases',
    requestError(401, `Bad credentials: ${TOKEN}`, { message: `Bad credentials: ${TOKEN}` }),
    401,
    [],
    'listing releases: HTTP 401: Bad credentials: ***'
  ],
  [
    'the token echoed URL-encoded in the body message',
    'listing releases',
    requestError(400, `bad request ?token=${ENCODED}`, {
      message: `bad request ?token=${ENCODED}`
    }),
    400,
    [],
    'listing releases: HTTP 400: bad request ?token=***'
  ],
  [
    'the token in the error message, no body',
    'uploading a.zip',
    requestError(500, `proxy refused Authorization: token ${TOKEN}`),
    500,
    [],
    'uploading a.zip: HTTP 500: proxy refused Authorization: token ***'
  ],
  [
    'the token in a network error',
    'listing releases',
    new Error(`connect ECONNREFUSED https://x:${ENCODED}@proxy.example`),
    0,
    [],
    'listing releases: connect ECONNREFUSED https://x:***@proxy.example'
  ]
]

test.each(numberedOutcome(errorRows))(
  '[%d] toApiError: %s -> %s',
  (_n, _what, message, what, thrown, status, codes) => {
    const error = toApiError(what, thrown, TOKEN)
    expect(error).toBeInstanceOf(ApiError)
    expect(error.name).toBe('ApiError')
    expect(error.status).toBe(status)
    expect(error.codes).toEqual(codes)
    expect(error.message).toBe(message)
    // Nothing reachable from the error holds the token: not the message, not a cause.
    const shown = inspect(error, { depth: 10 })
    expect(shown).not.toContain(TOKEN)
    expect(shown).not.toContain(ENCODED)
  }
)
