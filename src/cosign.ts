import * as fs from 'node:fs'
import * as path from 'node:path'
import type { ProcessPort } from './ports/process.js'
import { tail } from './lib/format.js'
import { secretTempDir, withSecretFiles } from './lib/secret-files.js'

/**
 * PEM headers of the encrypted private keys `cosign generate-key-pair` writes: SIGSTORE since
 * cosign 2.0, COSIGN before. Only these are accepted, so a public key or a path given by mistake
 * fails before any build instead of in cosign after it.
 */
const KEY_BEGIN = /^-----BEGIN ENCRYPTED (SIGSTORE|COSIGN) PRIVATE KEY-----$/m
const KEY_END = /^-----END ENCRYPTED (SIGSTORE|COSIGN) PRIVATE KEY-----$/m

/** What is wrong with a cosign-key value, or undefined; never quotes the value (a secret). */
export function checkCosignKey(key: string): string | undefined {
  if (!KEY_BEGIN.test(key) || !KEY_END.test(key)) {
    return 'not a cosign private key: give the contents of cosign.key from `cosign generate-key-pair` (a PEM block "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----"), e.g. ${{ secrets.COSIGN_PRIVATE_KEY }}, not a path or a public key'
  }
  return undefined
}

/** How to run cosign with the user's key. */
export interface CosignSigner {
  /** absolute path of the cosign program */
  program: string
  /** PEM contents of the private key */
  key: string
  password: string
  /** upload to the Rekor transparency log (and so verify against it) */
  tlog: boolean
  /** folder for the key file (RUNNER_TEMP); removed files only, never the folder */
  tempDir: string
  /** the runner's environment, passed on without INPUT_* (they hold the key) */
  env: Readonly<Record<string, string | undefined>>
  process: ProcessPort
  /** debug log of each cosign command line (paths only: the key is in a file) */
  debug?: (message: string) => void
}

/** Attempts a network-free sign or verify gets; a Rekor upload may take longer. */
const COSIGN_TIMEOUT_MS = 5 * 60_000

/** cosign's environment: the runner's without INPUT_* variables, plus COSIGN_PASSWORD. */
function cosignEnv(signer: CosignSigner): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [name, value] of Object.entries(signer.env)) {
    if (value !== undefined && !name.startsWith('INPUT_')) env[name] = value
  }
  // cosign reads the password from here and never prompts when it is set (even to '').
  env.COSIGN_PASSWORD = signer.password
  return env
}

/** Runs `fn` with the key in a secret file (src/lib/secret-files.ts): never on a command line. */
function withKeyFile<T>(signer: CosignSigner, fn: (keyFile: string) => Promise<T>): Promise<T> {
  return withSecretFiles(signer.tempDir, 'go-xbuild-cosign-', { 'cosign.key': signer.key }, paths =>
    fn(paths['cosign.key']!)
  )
}

async function runCosign(
  signer: CosignSigner,
  args: readonly string[],
  what: string
): Promise<string> {
  signer.debug?.(`${what}: ${signer.program} ${args.join(' ')}`)
  const out = await signer.process.run(signer.program, args, {
    env: cosignEnv(signer),
    timeoutMs: COSIGN_TIMEOUT_MS,
    maxOutputBytes: 1 << 20
  })
  if (out.code !== 0 || out.timedOut) {
    throw new Error(
      `${what}: cosign ${args[0]} ${out.timedOut ? 'timed out' : `exited ${out.code}`}: ${tail(out.stderr || out.stdout, 1500)}`
    )
  }
  return out.stdout
}

/**
 * sign-blob's argv. Without a transparency log the TUF signing config (which names Rekor) is off
 * too, so signing needs no network. cosign v3.1.3 warns that --tlog-upload is deprecated in
 * favour of a --signing-config file without tlog services, but still honours it.
 */
export function signArgs(keyFile: string, file: string, bundle: string, tlog: boolean): string[] {
  return [
    'sign-blob',
    '--yes',
    '--key',
    keyFile,
    '--bundle',
    bundle,
    ...(tlog ? [] : ['--tlog-upload=false', '--use-signing-config=false']),
    '--',
    file
  ]
}

/** `cosign verify-blob` of a file against a bundle and a public key file. */
export function verifyArgs(pubFile: string, file: string, bundle: string, tlog: boolean): string[] {
  return [
    'verify-blob',
    '--key',
    pubFile,
    '--bundle',
    bundle,
    ...(tlog ? [] : ['--insecure-ignore-tlog=true']),
    '--',
    file
  ]
}

/** Signs `file`, writing cosign's bundle to `bundle`. */
export async function signFile(signer: CosignSigner, file: string, bundle: string): Promise<void> {
  await withKeyFile(signer, keyFile =>
    runCosign(
      signer,
      signArgs(keyFile, file, bundle, signer.tlog),
      `signing ${path.basename(file)}`
    )
  )
}

/**
 * Verifies `bundle` over `file` with the public half of the key (`cosign public-key`): what a
 * user's `cosign verify-blob --key cosign.pub` will do. Returns the problem, or undefined.
 */
export async function verifyFile(
  signer: CosignSigner,
  file: string,
  bundle: string
): Promise<string | undefined> {
  return withKeyFile(signer, async keyFile => {
    const pub = await runCosign(
      signer,
      ['public-key', '--key', keyFile],
      'reading the public key of cosign-key'
    )
    const pubFile = path.join(path.dirname(keyFile), 'cosign.pub')
    fs.writeFileSync(pubFile, pub, { mode: 0o600 })
    try {
      await runCosign(
        signer,
        verifyArgs(pubFile, file, bundle, signer.tlog),
        `verifying ${path.basename(bundle)}`
      )
      return undefined
    } catch (error) {
      return (error as Error).message
    }
  })
}

/** The temp folder cosign's key file goes to: RUNNER_TEMP (emptied after every job), else the OS's. */
export const cosignTempDir = secretTempDir
