import { DEFAULT_TIMEOUTS, StallError, networkTimeouts, stallOf } from '../src/lib/net-timeouts.js'
import { toApiError } from '../src/ports/release-api.js'
import { numbered } from './fakes/targets.js'

// [GO_XBUILD_CONNECT_TIMEOUT, GO_XBUILD_IDLE_TIMEOUT, connectMs, idleMs]
const envRows: [string | undefined, string | undefined, number, number][] = [
  [undefined, undefined, DEFAULT_TIMEOUTS.connectMs, DEFAULT_TIMEOUTS.idleMs],
  ['', '', 30_000, 120_000],
  ['5', '1', 5000, 1000],
  ['0.5', '1.5', 500, 1500],
  ['0', '-3', 30_000, 120_000],
  ['soon', 'Infinity', 30_000, 120_000]
]

test.each(numbered(envRows))(
  '[%d] connect %j, idle %j -> %d ms, %d ms',
  (_n, connect, idle, connectMs, idleMs) => {
    expect(
      networkTimeouts({ GO_XBUILD_CONNECT_TIMEOUT: connect, GO_XBUILD_IDLE_TIMEOUT: idle })
    ).toEqual({ connectMs, idleMs })
  }
)

// [host, ms, phase, connect, message]
const messageRows: [string, number, string, boolean, string][] = [
  [
    'uploads.github.com',
    120_000,
    'sending the body',
    false,
    'no bytes to or from uploads.github.com for 120 s (sending the body)'
  ],
  [
    '127.0.0.1:8080',
    1500,
    'waiting for the answer',
    false,
    'no bytes to or from 127.0.0.1:8080 for 1.5 s (waiting for the answer)'
  ],
  ['api.github.com', 30_000, 'connecting', true, 'no connection to api.github.com within 30 s']
]

test.each(numbered(messageRows))(
  '[%d] StallError %s %d %s',
  (_n, host, ms, phase, connect, text) => {
    const e = new StallError(host, ms, phase, connect)
    expect(e.message).toBe(text)
    expect(e.code).toBe('ETIMEDOUT')
  }
)

test('a stall under Octokit’s RequestError is an ApiError of status 0 naming what was done', () => {
  const stall = new StallError('uploads.github.com', 120_000, 'sending the body')
  // Octokit turns a failed fetch into a RequestError of status 500 with the cause kept.
  const wrapped = Object.assign(new Error(stall.message), { status: 500, cause: stall })
  expect(stallOf(wrapped)).toBe(stall)
  const error = toApiError('uploading app_1.0.0_linux_amd64.tar.gz', wrapped, 'ghs_x')
  expect(error.status).toBe(0)
  expect(error.message).toBe(
    'uploading app_1.0.0_linux_amd64.tar.gz: no bytes to or from uploads.github.com for 120 s (sending the body)'
  )
  expect(stallOf(new Error('other'))).toBeUndefined()
})
