import * as crypto from 'node:crypto'
import type { SigstoreService } from '../services/sigstore.js'

/**
 * An offline verifier for the Sigstore bundles @actions/attest produces (bundleToJSON of a v0.3
 * DSSE bundle, node_modules/@sigstore/bundle and @sigstore/protobuf-specs), written with
 * node:crypto only and independent of the stand-ins' code so that it checks them. It covers what
 * sigstore-js's verifier checks for such a bundle, minus SCTs and identity policy: the
 * certificate chain to Fulcio's root, the DSSE signature, the Rekor promise (SET), the
 * tlog body against the envelope, the inclusion proof and its signed checkpoint.
 */

/** An in-toto v1 statement. */
export interface InTotoStatement {
  _type: string
  subject: { name: string; digest: Record<string, string> }[]
  predicateType: string
  predicate: Record<string, unknown>
}

/** What a verified bundle attests and who signed it. */
export interface VerifiedAttestation {
  statement: InTotoStatement
  /** The Fulcio leaf. */
  certificate: crypto.X509Certificate
  /** The leaf's SAN URI (the workflow identity). */
  san: string
  /** The OIDC issuer recorded by Fulcio (extension 1.3.6.1.4.1.57264.1.8, or 1.1). */
  issuer: string
}

const BUNDLE_V03 = 'application/vnd.dev.sigstore.bundle.v0.3+json'
const IN_TOTO = 'application/vnd.in-toto+json'
const STATEMENT_V1 = 'https://in-toto.io/Statement/v1'
const CODE_SIGNING = '1.3.6.1.5.5.7.3.3'
const OID_ISSUER_V1 = '1.3.6.1.4.1.57264.1.1'
const OID_ISSUER_V2 = '1.3.6.1.4.1.57264.1.8'
/** Rekor's integrated time may lead our clock by this much. */
const CLOCK_SKEW_S = 60

/**
 * Verifies `bundle` (the JSON object) against the stand-ins' Fulcio root and Rekor key; throws an
 * Error naming the first problem.
 */
export function verifyAttestationBundle(
  bundle: unknown,
  service: Pick<SigstoreService, 'fulcioRootPem' | 'rekorPublicKeyPem'>,
  now: Date = new Date()
): VerifiedAttestation {
  const b = obj(bundle, 'bundle')
  if (b.mediaType !== BUNDLE_V03) fail(`bundle mediaType is ${String(b.mediaType)}`)

  // ---- the envelope ----
  const env = obj(b.dsseEnvelope, 'dsseEnvelope')
  if (env.payloadType !== IN_TOTO) fail(`dsseEnvelope payloadType is ${String(env.payloadType)}`)
  const signatures = arr(env.signatures, 'dsseEnvelope.signatures')
  if (signatures.length !== 1) fail(`dsseEnvelope has ${signatures.length} signatures, not 1`)
  const payload = b64(env.payload, 'dsseEnvelope.payload')
  const sig = b64(obj(signatures[0], 'dsseEnvelope.signatures[0]').sig, 'signature sig')

  // ---- the certificate ----
  const material = obj(b.verificationMaterial, 'verificationMaterial')
  const rawCert = b64(
    obj(material.certificate, 'verificationMaterial.certificate').rawBytes,
    'rawBytes'
  )
  let leaf: crypto.X509Certificate
  try {
    leaf = new crypto.X509Certificate(rawCert)
  } catch (e) {
    return fail(`certificate rawBytes is not a certificate: ${(e as Error).message}`)
  }
  const root = new crypto.X509Certificate(service.fulcioRootPem)
  if (!leaf.checkIssued(root) || !leaf.verify(root.publicKey)) {
    fail(
      `certificate (issuer ${leaf.issuer.replace(/\n/g, ', ')}) was not issued by the Fulcio root`
    )
  }
  if (leaf.ca) fail('the signing certificate is a CA certificate')
  if (!(leaf.keyUsage ?? []).includes(CODE_SIGNING))
    fail('certificate lacks extendedKeyUsage codeSigning')

  const pae = Buffer.concat([
    Buffer.from(`DSSEv1 ${Buffer.byteLength(IN_TOTO)} ${IN_TOTO} ${payload.length} `),
    payload
  ])
  if (!crypto.verify('sha256', pae, leaf.publicKey, sig)) {
    fail('DSSE signature does not verify with the certificate key')
  }

  // ---- the transparency log entry ----
  const entries = arr(material.tlogEntries, 'verificationMaterial.tlogEntries')
  if (entries.length !== 1) fail(`bundle has ${entries.length} tlog entries, not 1`)
  const entry = obj(entries[0], 'tlogEntries[0]')
  const rekorKey = crypto.createPublicKey(service.rekorPublicKeyPem)
  const rekorLogId = crypto
    .createHash('sha256')
    .update(rekorKey.export({ format: 'der', type: 'spki' }))
    .digest()
  const logId = b64(obj(entry.logId, 'tlog logId').keyId, 'tlog logId.keyId')
  if (!logId.equals(rekorLogId)) fail(`tlog logId ${logId.toString('hex')} is not the Rekor key's`)
  const kind = obj(entry.kindVersion, 'tlog kindVersion')
  if (kind.kind !== 'dsse' || kind.version !== '0.0.1') {
    fail(`tlog entry kind is ${String(kind.kind)} ${String(kind.version)}, not dsse 0.0.1`)
  }
  // proto3 JSON leaves out zero values: the first entry of a log has no logIndex.
  const logIndex = int(entry.logIndex ?? '0', 'tlog logIndex')
  const integratedTime = int(entry.integratedTime, 'tlog integratedTime')
  const bodyB64 = str(entry.canonicalizedBody, 'tlog canonicalizedBody')
  const body = b64(bodyB64, 'tlog canonicalizedBody')

  const set = b64(obj(entry.inclusionPromise, 'tlog inclusionPromise').signedEntryTimestamp, 'SET')
  const promised = canonicalJson({
    body: bodyB64,
    integratedTime,
    logID: logId.toString('hex'),
    logIndex
  })
  if (!crypto.verify('sha256', Buffer.from(promised), rekorKey, set)) {
    fail('tlog signedEntryTimestamp does not verify with the Rekor key')
  }

  const t = integratedTime * 1000
  if (t < Date.parse(leaf.validFrom) || t > Date.parse(leaf.validTo)) {
    fail(
      `certificate (valid ${leaf.validFrom} to ${leaf.validTo}) was not valid at integratedTime ${new Date(t).toISOString()}`
    )
  }
  if (integratedTime > now.getTime() / 1000 + CLOCK_SKEW_S)
    fail('tlog integratedTime is in the future')

  // ---- the logged body describes this envelope and certificate ----
  let logged: Record<string, unknown>
  try {
    logged = obj(JSON.parse(body.toString('utf8')), 'tlog body')
  } catch (e) {
    return fail(`tlog body is not JSON: ${(e as Error).message}`)
  }
  if (body.toString('utf8') !== canonicalJson(logged)) fail('tlog body is not canonical JSON')
  if (logged.kind !== 'dsse' || logged.apiVersion !== '0.0.1') fail('tlog body is not dsse 0.0.1')
  const spec = obj(logged.spec, 'tlog body spec')
  // The envelope Rekor hashed is the JSON @sigstore/sign sent: the same serializer as the bundle's.
  const envelopeHash = sha256Hex(Buffer.from(JSON.stringify(b.dsseEnvelope)))
  if (hashValue(spec.envelopeHash, 'envelopeHash') !== envelopeHash) {
    fail('tlog body envelopeHash does not match the envelope')
  }
  if (hashValue(spec.payloadHash, 'payloadHash') !== sha256Hex(payload)) {
    fail('tlog body payloadHash does not match the envelope payload')
  }
  const loggedSigs = arr(spec.signatures, 'tlog body signatures')
  if (loggedSigs.length !== 1) fail(`tlog body has ${loggedSigs.length} signatures, not 1`)
  const loggedSig = obj(loggedSigs[0], 'tlog body signatures[0]')
  if (!b64(loggedSig.signature, 'tlog signature').equals(sig)) {
    fail('tlog body signature does not match the envelope signature')
  }
  let verifier: crypto.X509Certificate
  try {
    verifier = new crypto.X509Certificate(b64(loggedSig.verifier, 'tlog verifier'))
  } catch {
    return fail('tlog body verifier is not a certificate')
  }
  if (!verifier.raw.equals(leaf.raw)) fail('tlog body verifier is not the bundle certificate')

  // ---- inclusion proof and checkpoint ----
  const proof = obj(entry.inclusionProof, 'tlog inclusionProof')
  const proofIndex = int(proof.logIndex ?? '0', 'inclusionProof logIndex')
  const treeSize = int(proof.treeSize ?? '0', 'inclusionProof treeSize')
  const rootHash = b64(proof.rootHash, 'inclusionProof rootHash')
  const hashes = arr(proof.hashes ?? [], 'inclusionProof hashes').map(h => b64(h, 'proof hash'))
  if (proofIndex !== logIndex) fail(`inclusionProof logIndex ${proofIndex} is not ${logIndex}`)
  const computed = rootFromProof(proofIndex, treeSize, leafHash(body), hashes)
  if (!computed?.equals(rootHash)) {
    fail(`inclusion proof does not recompute to rootHash (index ${proofIndex}, size ${treeSize})`)
  }
  verifyCheckpoint(
    str(obj(proof.checkpoint, 'inclusionProof checkpoint').envelope, 'checkpoint envelope'),
    treeSize,
    rootHash,
    rekorKey,
    rekorLogId
  )

  // ---- the statement and the signer ----
  let statement: InTotoStatement
  try {
    statement = JSON.parse(payload.toString('utf8')) as InTotoStatement
  } catch (e) {
    return fail(`payload is not JSON: ${(e as Error).message}`)
  }
  if (statement._type !== STATEMENT_V1) fail(`statement _type is ${String(statement._type)}`)
  if (!Array.isArray(statement.subject) || statement.subject.length === 0) {
    fail('statement has no subject')
  }
  for (const s of statement.subject) {
    if (typeof s?.name !== 'string' || typeof s.digest !== 'object' || s.digest === null) {
      fail('statement subject lacks name or digest')
    }
  }
  if (typeof statement.predicateType !== 'string') fail('statement has no predicateType')
  if (typeof statement.predicate !== 'object' || statement.predicate === null) {
    fail('statement has no predicate')
  }

  const san = /^URI:(.+)$/.exec(leaf.subjectAltName ?? '')?.[1]
  if (!san) fail(`certificate SAN is ${String(leaf.subjectAltName)}, not one URI`)
  const issuer = fulcioIssuer(leaf.raw)
  if (!issuer) fail('certificate has no Fulcio issuer extension')
  return { statement, certificate: leaf, san: san!, issuer: issuer! }
}

// ---- RFC 6962 / RFC 9162 ----

function leafHash(data: Buffer): Buffer {
  return crypto
    .createHash('sha256')
    .update(Buffer.from([0]))
    .update(data)
    .digest()
}

function nodeHash(left: Buffer, right: Buffer): Buffer {
  return crypto
    .createHash('sha256')
    .update(Buffer.from([1]))
    .update(left)
    .update(right)
    .digest()
}

/** RFC 9162 section 2.1.3.2; undefined when the proof is malformed. */
function rootFromProof(
  index: number,
  treeSize: number,
  leaf: Buffer,
  path: Buffer[]
): Buffer | undefined {
  if (index >= treeSize) return undefined
  let fn = index
  let sn = treeSize - 1
  let r = leaf
  for (const p of path) {
    if (sn === 0) return undefined
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r)
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2)
        sn = Math.floor(sn / 2)
      }
    } else {
      r = nodeHash(r, p)
    }
    fn = Math.floor(fn / 2)
    sn = Math.floor(sn / 2)
  }
  return sn === 0 ? r : undefined
}

/** A signed note: `origin\nsize\nbase64 root\n[other]\n\n— name base64(keyhint ‖ signature)\n`. */
function verifyCheckpoint(
  envelope: string,
  treeSize: number,
  rootHash: Buffer,
  key: crypto.KeyObject,
  logId: Buffer
): void {
  const split = envelope.indexOf('\n\n')
  if (split < 0) fail('checkpoint is not a signed note')
  const note = envelope.slice(0, split + 1)
  const lines = note.split('\n')
  if (lines.length < 4 || Number(lines[1]) !== treeSize) {
    fail(`checkpoint tree size ${String(lines[1])} is not ${treeSize}`)
  }
  if (!Buffer.from(lines[2] ?? '', 'base64').equals(rootHash)) {
    fail('checkpoint root hash is not the inclusion proof rootHash')
  }
  const sigs = [...envelope.slice(split + 2).matchAll(/\u2014 (\S+) (\S+)\n/g)]
  if (sigs.length === 0) fail('checkpoint has no signature')
  for (const [, name, sig] of sigs) {
    const bytes = Buffer.from(sig!, 'base64')
    if (!bytes.subarray(0, 4).equals(logId.subarray(0, 4))) {
      fail(`checkpoint signature by ${name} has a key hint not of the Rekor key`)
    }
    if (!crypto.verify('sha256', Buffer.from(note), key, bytes.subarray(4))) {
      fail(`checkpoint signature by ${name} does not verify`)
    }
  }
}

// ---- certificate extensions (a minimal DER walk) ----

interface Tlv {
  tag: number
  contentStart: number
  end: number
}

function readTlv(buf: Buffer, at: number): Tlv {
  const tag = buf[at]!
  let length = buf[at + 1]!
  let contentStart = at + 2
  if (length & 0x80) {
    const n = length & 0x7f
    length = 0
    for (let i = 0; i < n; i++) length = length * 256 + buf[at + 2 + i]!
    contentStart += n
  }
  if (contentStart + length > buf.length) fail('truncated DER in certificate')
  return { tag, contentStart, end: contentStart + length }
}

function children(buf: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = []
  for (let at = parent.contentStart; at < parent.end;) {
    const c = readTlv(buf, at)
    out.push(c)
    at = c.end
  }
  return out
}

function oidString(bytes: Buffer): string {
  const parts = [Math.floor(bytes[0]! / 40), bytes[0]! % 40]
  let v = 0
  for (const byte of bytes.subarray(1)) {
    v = v * 128 + (byte & 0x7f)
    if (!(byte & 0x80)) {
      parts.push(v)
      v = 0
    }
  }
  return parts.join('.')
}

/** Fulcio's issuer: 1.8 is a DER UTF8String, the deprecated 1.1 the raw string. */
function fulcioIssuer(der: Buffer): string | undefined {
  const tbs = children(der, readTlv(der, 0))[0]!
  const explicit = children(der, tbs).find(f => f.tag === 0xa3)
  if (!explicit) return undefined
  const found = new Map<string, Buffer>()
  for (const ext of children(der, children(der, explicit)[0]!)) {
    const parts = children(der, ext)
    const oid = oidString(der.subarray(parts[0]!.contentStart, parts[0]!.end))
    const value = parts.at(-1)!
    found.set(oid, der.subarray(value.contentStart, value.end))
  }
  const v2 = found.get(OID_ISSUER_V2)
  if (v2) {
    const s = readTlv(v2, 0)
    if (s.tag !== 0x0c) fail('issuer extension 1.8 is not a UTF8String')
    return v2.subarray(s.contentStart, s.end).toString('utf8')
  }
  return found.get(OID_ISSUER_V1)?.toString('utf8')
}

// ---- small helpers ----

function fail(message: string): never {
  throw new Error(`attestation bundle: ${message}`)
}

function obj(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(`${what} is missing or not an object`)
  }
  return value as Record<string, unknown>
}

function arr(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) fail(`${what} is missing or not an array`)
  return value as unknown[]
}

function str(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '') fail(`${what} is missing or not a string`)
  return value as string
}

/** proto3 JSON writes int64 as a decimal string. */
function int(value: unknown, what: string): number {
  if (typeof value !== 'string' || !/^\d+$/.test(value)) fail(`${what} is not an int64 string`)
  return Number(value)
}

function b64(value: unknown, what: string): Buffer {
  const s = str(value, what)
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s)) fail(`${what} is not base64`)
  return Buffer.from(s, 'base64')
}

function hashValue(value: unknown, what: string): string {
  const h = obj(value, `tlog body ${what}`)
  if (h.algorithm !== 'sha256') fail(`tlog body ${what} algorithm is ${String(h.algorithm)}`)
  return str(h.value, `tlog body ${what} value`)
}

function sha256Hex(data: Buffer): string {
  return crypto.createHash('sha256').update(data).digest('hex')
}

/** RFC 8785 for JSON without floats: sorted keys, no whitespace. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>
    const keys = Object.keys(o).sort()
    return `{${keys.map(k => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`
  }
  return JSON.stringify(value)
}

/**
 * A Sigstore trusted root (the JSON `cosign --trusted-root` and `gh attestation verify
 * --custom-trusted-root` read) holding the loopback Fulcio root and Rekor key, so an independent
 * verifier can check the services' bundles offline. No CT log: verify with --insecure-ignore-sct.
 */
export function trustedRootFor(
  service: Pick<SigstoreService, 'fulcioRootPem' | 'rekorPublicKeyPem' | 'rekorLogId'>
): string {
  const validFor = { start: '2020-01-01T00:00:00Z' }
  const rekorKey = crypto
    .createPublicKey(service.rekorPublicKeyPem)
    .export({ type: 'spki', format: 'der' })
  return JSON.stringify({
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [
      {
        baseUrl: 'https://rekor.sigstore.dev',
        hashAlgorithm: 'SHA2_256',
        publicKey: {
          rawBytes: rekorKey.toString('base64'),
          keyDetails: 'PKIX_ECDSA_P256_SHA_256',
          validFor
        },
        logId: { keyId: Buffer.from(service.rekorLogId, 'hex').toString('base64') }
      }
    ],
    certificateAuthorities: [
      {
        subject: { organization: 'sigstore.dev', commonName: 'sigstore' },
        uri: 'https://fulcio.sigstore.dev',
        certChain: {
          certificates: [
            { rawBytes: new crypto.X509Certificate(service.fulcioRootPem).raw.toString('base64') }
          ]
        },
        validFor
      }
    ],
    ctlogs: [],
    timestampAuthorities: []
  })
}
