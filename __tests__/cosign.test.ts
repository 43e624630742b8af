import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { checkCosignKey, signArgs, signFile, verifyArgs, type CosignSigner } from '../src/cosign.js'
import { parseInputs, type InputName, type Inputs } from '../src/inputs/index.js'
import { secretLines } from '../src/lib/secret-files.js'
import type { ProcessPort } from '../src/ports/process.js'
import { signChecksums } from '../src/stages/sign.js'
import { prepareProblems, testContext } from './fakes/context.js'
import type { Facts } from '../src/facts.js'
import { numbered } from './fakes/targets.js'
import { bundleNameFor } from '../src/naming.js'

type Values = Partial<Record<InputName, string>>

const KEY = [
  '-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----',
  'eyJrZGYiOnsibmFtZSI6InNjcnlwdCIsInBhcmFtcyI6eyJOIjo2NTUzNiwiciI6',
  'OCwicCI6MX0sInNhbHQiOiJzZWNyZXRzYWx0In19',
  '-----END ENCRYPTED SIGSTORE PRIVATE KEY-----'
].join('\n')
const OLD_KEY = KEY.replace(/SIGSTORE/g, 'COSIGN')
const PUBLIC_KEY =
  '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE\n-----END PUBLIC KEY-----'

const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-cosign-')))
afterAll(() => fs.rmSync(root, { recursive: true, force: true }))

const parse = (values: Values): { inputs: Inputs; problems: string[] } =>
  parseInputs(name => values[name] ?? '', { workspace: root, cpus: 2 })

const notAKey =
  'cosign-key: not a cosign private key: give the contents of cosign.key from `cosign generate-key-pair` (a PEM block "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----"), e.g. ${{ secrets.COSIGN_PRIVATE_KEY }}, not a path or a public key'

// [description, inputs, parsed fields, problems (exact)]
const rows: [string, Values, Partial<Inputs>, string[]][] = [
  ['nothing given: no signing', {}, { cosignKey: '', cosignPassword: '', cosignTlog: true }, []],
  [
    'a key and its password',
    { 'cosign-key': KEY, 'cosign-password': 'pw' },
    { cosignKey: `${KEY}\n`, cosignPassword: 'pw', cosignTlog: true },
    []
  ],
  ['an old COSIGN key', { 'cosign-key': OLD_KEY }, { cosignKey: `${OLD_KEY}\n` }, []],
  ['cosign-tlog: false', { 'cosign-key': KEY, 'cosign-tlog': 'false' }, { cosignTlog: false }, []],
  // On fork pull requests secrets are empty: the shared cosign-tlog setting must not fail them.
  ['cosign-tlog without a key (secrets empty on a fork PR)', { 'cosign-tlog': 'false' }, {}, []],
  ['a path instead of the contents', { 'cosign-key': 'cosign.key' }, {}, [notAKey]],
  ['a public key', { 'cosign-key': PUBLIC_KEY }, {}, [notAKey]],
  [
    'a key cut off before its end line',
    { 'cosign-key': KEY.split('\n').slice(0, 3).join('\n') },
    {},
    [notAKey]
  ],
  [
    'a password without a key',
    { 'cosign-password': 'pw' },
    {},
    [
      "cosign-password: given, but cosign-key is empty (is the key's secret set, and available to this workflow?)"
    ]
  ],
  [
    'cosign-tlog not a boolean',
    { 'cosign-key': KEY, 'cosign-tlog': 'yes' },
    {},
    ['cosign-tlog: "yes" is not a boolean (allowed: true, false)']
  ]
]

test.each(numbered(rows))('[%d] %s', (_n, _d, values, expected, problems) => {
  const parsed = parse(values)
  expect(parsed.problems).toEqual(problems)
  expect(parsed.inputs).toMatchObject(expected)
})

test('no problem message holds the key or the password', () => {
  const secretPw = 'hunter2-pw'
  const bad = `not-a-key ${secretPw}`
  const { problems } = parse({ 'cosign-key': bad, 'cosign-password': secretPw })
  expect(problems).toHaveLength(1)
  expect(problems.join('\n')).not.toContain(secretPw)
})

test.each(
  numbered([
    ['checksums.txt', 'checksums.txt.sigstore.json'],
    ['checksums.sha512.txt', 'checksums.sha512.txt.sigstore.json'],
    ['SHA256SUMS', 'SHA256SUMS.sigstore.json']
  ])
)('[%d] bundle of %s -> %s', (_n, name, bundle) => {
  expect(bundleNameFor(name)).toBe(bundle)
})

test('checkCosignKey accepts both generations of cosign keys and nothing else', () => {
  expect(checkCosignKey(KEY)).toBeUndefined()
  expect(checkCosignKey(OLD_KEY)).toBeUndefined()
  expect(checkCosignKey(PUBLIC_KEY)).toMatch(/not a cosign private key/)
  expect(checkCosignKey('env://COSIGN_KEY')).toMatch(/not a cosign private key/)
})

test('secretLines: every body line of the key, not the PEM armour', () => {
  expect(secretLines(`${KEY}\n`)).toEqual(KEY.split('\n').slice(1, 3))
})

test('sign and verify argv: key and bundle as files, the blob after --, tlog flags only when off', () => {
  expect(signArgs('/t/k', '/d/checksums.txt', '/d/b.json', true)).toEqual([
    'sign-blob',
    '--yes',
    '--key',
    '/t/k',
    '--bundle',
    '/d/b.json',
    '--',
    '/d/checksums.txt'
  ])
  expect(signArgs('/t/k', '/d/c', '/d/b', false)).toEqual([
    'sign-blob',
    '--yes',
    '--key',
    '/t/k',
    '--bundle',
    '/d/b',
    '--tlog-upload=false',
    '--use-signing-config=false',
    '--',
    '/d/c'
  ])
  expect(verifyArgs('/t/p', '/d/c', '/d/b', false)).toEqual([
    'verify-blob',
    '--key',
    '/t/p',
    '--bundle',
    '/d/b',
    '--insecure-ignore-tlog=true',
    '--',
    '/d/c'
  ])
  expect(verifyArgs('/t/p', '/d/c', '/d/b', true)).not.toContain('--insecure-ignore-tlog=true')
})

test('signFile: the key is in a 0600 file only while cosign runs, the password only in COSIGN_PASSWORD', async () => {
  const temp = fs.mkdtempSync(path.join(root, 'runner-temp-'))
  const seen: { args: string[]; env: Record<string, string>; mode: number; key: string }[] = []
  const fake: ProcessPort = {
    run(_file, args, options) {
      const keyFile = args[args.indexOf('--key') + 1]!
      seen.push({
        args: [...args],
        env: options!.env!,
        mode: fs.statSync(keyFile).mode & 0o777,
        key: fs.readFileSync(keyFile, 'utf8')
      })
      return Promise.resolve({ code: 0, stdout: 'MEUCIQ==', stderr: '' })
    }
  }
  const signer: CosignSigner = {
    program: '/usr/bin/cosign',
    key: `${KEY}\n`,
    password: 's3cret-pw',
    tlog: false,
    tempDir: temp,
    env: { PATH: '/usr/bin', 'INPUT_COSIGN-KEY': KEY, 'INPUT_COSIGN-PASSWORD': 's3cret-pw' },
    process: fake
  }
  await signFile(signer, '/d/checksums.txt', '/d/checksums.txt.sigstore.json')
  expect(seen).toHaveLength(1)
  const [call] = seen
  expect(call!.mode).toBe(0o600)
  expect(call!.key).toBe(`${KEY}\n`)
  expect(call!.args.join(' ')).not.toContain('s3cret-pw')
  expect(call!.args.join(' ')).not.toContain('PRIVATE KEY')
  expect(call!.env.COSIGN_PASSWORD).toBe('s3cret-pw')
  expect(Object.keys(call!.env).filter(n => n.startsWith('INPUT_'))).toEqual([])
  // Removed afterwards, and only what signFile made: the temp folder itself stays.
  expect(fs.readdirSync(temp)).toEqual([])
})

test('signFile: a failing cosign is an error naming the file, and the key file is still removed', async () => {
  const temp = fs.mkdtempSync(path.join(root, 'runner-temp-'))
  const fake: ProcessPort = {
    run: () =>
      Promise.resolve({
        code: 1,
        stdout: '',
        stderr: 'Error: decrypt: encrypted: decryption failed'
      })
  }
  const signer: CosignSigner = {
    program: '/usr/bin/cosign',
    key: `${KEY}\n`,
    password: 'wrong',
    tlog: false,
    tempDir: temp,
    env: {},
    process: fake
  }
  await expect(signFile(signer, '/d/checksums.txt', '/d/b')).rejects.toThrow(
    'signing checksums.txt: cosign sign-blob exited 1: Error: decrypt: encrypted: decryption failed'
  )
  expect(fs.readdirSync(temp)).toEqual([])
})

describe('sign prepare: cosign on PATH before any build', () => {
  const bin = path.join(root, 'bin')
  beforeAll(() => {
    fs.mkdirSync(bin)
    fs.writeFileSync(path.join(bin, 'cosign'), '#!/bin/sh\n', { mode: 0o755 })
  })

  test.each(
    numbered<[string, Values, string, string[]]>([
      ['no key: nothing to find', {}, '/nonexistent', []],
      ['mode: plan signs nothing', { 'cosign-key': KEY, mode: 'plan' }, '/nonexistent', []],
      [
        'key set, cosign not on PATH',
        { 'cosign-key': KEY },
        '/nonexistent',
        [
          'cosign-key: set, but cosign is not on PATH; add `- uses: sigstore/cosign-installer@v3` before this step, or `go install github.com/sigstore/cosign/v3/cmd/cosign@v3.1.3` (or leave cosign-key empty to not sign)'
        ]
      ],
      ['key set, cosign on PATH', { 'cosign-key': KEY }, 'BIN', []]
    ])
  )('[%d] %s', async (_n, _d, values, pathEnv, problems) => {
    const PATH = pathEnv === 'BIN' ? bin : pathEnv
    const { ctx } = testContext(values, { workspace: root, env: { PATH } })
    ctx.facts = {} as Facts
    expect(await prepareProblems(ctx, signChecksums)).toEqual(problems)
    expect(ctx.facts.cosign).toBe(pathEnv === 'BIN' ? path.join(bin, 'cosign') : undefined)
  })
})
