import { baseEnv, settingFor, targetEnv } from '../src/build-env.js'
import type { EnvSetting } from '../src/go-flags.js'
import type { Target } from '../src/targets.js'

const arm7: Target = { goos: 'linux', goarch: 'arm', variant: '7', id: 'linux_arm_7' }
const amd64: Target = { goos: 'linux', goarch: 'amd64', id: 'linux_amd64' }
const settings: EnvSetting[] = [
  { name: 'GOEXPERIMENT', value: 'loopvar' },
  { scope: 'linux/arm', name: 'CGO_CFLAGS', value: '-O1' },
  { scope: 'linux/*', name: 'CGO_CFLAGS', value: '-O2' },
  { scope: 'windows/amd64', name: 'CC', value: 'x86_64-w64-mingw32-gcc' }
]

test('inherited target variables are dropped so only the target list decides the output', () => {
  const env = baseEnv(
    { PATH: '/bin', GOARCH: 'arm64', GOAMD64: 'v4', GOARM: '5', HOME: undefined },
    settings
  )
  expect(env).toEqual({ PATH: '/bin', GOEXPERIMENT: 'loopvar' })
})

test("the action's inputs and the runner's tokens never reach go or a C compiler", () => {
  const env = baseEnv(
    {
      PATH: '/bin',
      'INPUT_GITHUB-TOKEN': 'ghs_secret',
      'INPUT_COSIGN-KEY': '-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----',
      INPUT_TARGETS: 'linux/amd64',
      ACTIONS_RUNTIME_TOKEN: 'jwt',
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'oidc',
      ACTIONS_RESULTS_URL: 'http://127.0.0.1:1/',
      GOPRIVATE: 'example.com/*'
    },
    []
  )
  expect(env).toEqual({
    PATH: '/bin',
    ACTIONS_RESULTS_URL: 'http://127.0.0.1:1/',
    GOPRIVATE: 'example.com/*'
  })
})

test.each([
  [
    1,
    arm7,
    { enabled: false },
    { GOOS: 'linux', GOARCH: 'arm', GOARM: '7', CGO_ENABLED: '0', CGO_CFLAGS: '-O2' }
  ],
  [
    2,
    amd64,
    { enabled: true, cc: 'gcc' },
    { GOOS: 'linux', GOARCH: 'amd64', CGO_ENABLED: '1', CC: 'gcc', CGO_CFLAGS: '-O2' }
  ],
  [
    3,
    { goos: 'linux', goarch: 'amd64', variant: 'v3', id: 'linux_amd64_v3' },
    { enabled: false },
    { GOAMD64: 'v3' }
  ],
  // cgo-link: static: -static for the C linker, after nothing the user set.
  [
    4,
    amd64,
    { enabled: true, cc: 'musl-gcc', static: 'musl' as const },
    { CGO_ENABLED: '1', CC: 'musl-gcc', CGO_LDFLAGS: '-static' }
  ]
])('[%d] targetEnv for %j', (_n, target, cgo, expected) => {
  const env = targetEnv({ PATH: '/bin' }, settings, target as Target, cgo)
  expect(env).toMatchObject(expected)
  expect(env.PATH).toBe('/bin')
})

test.each([
  [1, 'CGO_CFLAGS', arm7, '-O2'],
  [2, 'CC', amd64, undefined],
  [3, 'CC', { goos: 'windows', goarch: 'amd64', id: 'windows_amd64' }, 'x86_64-w64-mingw32-gcc'],
  [4, 'GOEXPERIMENT', amd64, 'loopvar']
])('[%d] settingFor(%s)', (_n, name, target, expected) => {
  expect(settingFor(settings, name as string, target as Target)).toBe(expected)
})

test("cgo-link: static appends -static to the user's own CGO_LDFLAGS", () => {
  const env = targetEnv({ PATH: '/bin', CGO_LDFLAGS: '-L/opt/lib -lfoo' }, [], amd64 as Target, {
    enabled: true,
    cc: 'gcc',
    static: 'glibc'
  })
  expect(env.CGO_LDFLAGS).toBe('-L/opt/lib -lfoo -static')
  // Without cgo nothing links with the C linker: left as it was.
  expect(
    targetEnv({ CGO_LDFLAGS: '-lfoo' }, [], amd64 as Target, { enabled: false }).CGO_LDFLAGS
  ).toBe('-lfoo')
})
