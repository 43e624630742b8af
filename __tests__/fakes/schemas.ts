import * as fs from 'node:fs'
import { createRequire } from 'node:module'
import * as path from 'node:path'
import { Ajv, type ErrorObject } from 'ajv'
import addFormatsModule from 'ajv-formats'

/** ajv-formats is CommonJS with `module.exports = plugin`: Node's ESM loader hands us that. */
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv

/**
 * The official CycloneDX JSON schemas as @cyclonedx/cyclonedx-library ships them (res/schema).
 * bom-1.6 refers to spdx.SNAPSHOT.schema.json and jsf-0.82.SNAPSHOT.schema.json relative to its
 * own $id, so both are registered under those addresses.
 */
function schemaDir(): string {
  const require = createRequire(import.meta.url)
  const pkg = require.resolve('@cyclonedx/cyclonedx-library/package.json')
  return path.join(path.dirname(pkg), 'res', 'schema')
}

function load(name: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(path.join(schemaDir(), name), 'utf8')) as Record<
    string,
    unknown
  >
}

/** Validates a CycloneDX 1.6 JSON document; returns Ajv's errors as text ([] when valid). */
export function cyclonedxValidator(): (doc: unknown) => string[] {
  const ajv = new Ajv({ strict: false, allErrors: true })
  addFormats(ajv)
  // Draft 2019 formats ajv-formats lacks (the library itself takes them from another plugin);
  // the SBOMs here carry no URLs or e-mail addresses, so accepting any string changes nothing.
  ajv.addFormat('iri-reference', true)
  ajv.addFormat('idn-email', true)
  for (const name of ['spdx.SNAPSHOT.schema.json', 'jsf-0.82.SNAPSHOT.schema.json']) {
    const schema = load(name)
    delete schema.$id
    ajv.addSchema(schema, `http://cyclonedx.org/schema/${name}`)
  }
  const validate = ajv.compile(load('bom-1.6.SNAPSHOT.schema.json'))
  return doc =>
    validate(doc)
      ? []
      : (validate.errors ?? []).map((e: ErrorObject) => `${e.instancePath} ${e.message}`)
}

/**
 * SPDX 2.3 checks from the specification's mandatory fields (clauses 6 and 7) and identifier
 * rules. Not the official JSON schema: no maintained npm package ships the SPDX 2.3 schema
 * (@cyclonedx/cdxgen ships only SPDX 3.0.1's), and a hand-copied schema would not stay honest.
 */
export function spdx23Problems(doc: Record<string, unknown>): string[] {
  const problems: string[] = []
  const need = (where: string, obj: Record<string, unknown>, keys: string[]): void => {
    for (const k of keys)
      if (obj[k] === undefined || obj[k] === '') problems.push(`${where}: no ${k}`)
  }
  need('document', doc, [
    'spdxVersion',
    'dataLicense',
    'SPDXID',
    'name',
    'documentNamespace',
    'creationInfo'
  ])
  if (doc.spdxVersion !== 'SPDX-2.3') problems.push(`spdxVersion ${String(doc.spdxVersion)}`)
  if (doc.dataLicense !== 'CC0-1.0') problems.push(`dataLicense ${String(doc.dataLicense)}`)
  if (doc.SPDXID !== 'SPDXRef-DOCUMENT') problems.push(`SPDXID ${String(doc.SPDXID)}`)
  const ns = String(doc.documentNamespace)
  if (!/^[a-z][a-z0-9+.-]*:\/\/[^#\s]+$/.test(ns)) problems.push(`documentNamespace ${ns}`)
  const info = doc.creationInfo as { created?: string; creators?: string[] }
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(info?.created ?? ''))
    problems.push(`creationInfo.created ${info?.created}`)
  if (!info?.creators?.every(c => /^(Tool|Person|Organization): \S/.test(c)))
    problems.push('creationInfo.creators')
  const ids = new Set(['SPDXRef-DOCUMENT'])
  for (const p of (doc.packages ?? []) as Record<string, unknown>[]) {
    need(`package ${String(p.name)}`, p, ['SPDXID', 'name', 'downloadLocation'])
    if (!/^SPDXRef-[A-Za-z0-9.-]+$/.test(String(p.SPDXID)))
      problems.push(`SPDXID ${String(p.SPDXID)}`)
    if (ids.has(String(p.SPDXID))) problems.push(`SPDXID ${String(p.SPDXID)} twice`)
    ids.add(String(p.SPDXID))
    for (const c of (p.checksums ?? []) as { algorithm: string; checksumValue: string }[])
      if (c.algorithm !== 'SHA256' || !/^[0-9a-f]{64}$/.test(c.checksumValue))
        problems.push(`${String(p.name)}: checksum ${c.algorithm} ${c.checksumValue}`)
    for (const r of (p.externalRefs ?? []) as Record<string, string>[])
      if (
        r.referenceCategory !== 'PACKAGE-MANAGER' ||
        r.referenceType !== 'purl' ||
        !/^pkg:golang\/[^@\s]+@\S+$/.test(r.referenceLocator ?? '')
      )
        problems.push(`${String(p.name)}: externalRef ${JSON.stringify(r)}`)
  }
  for (const r of (doc.relationships ?? []) as Record<string, string>[]) {
    if (!ids.has(r.spdxElementId!) || !ids.has(r.relatedSpdxElement!))
      problems.push(`relationship ${JSON.stringify(r)} names an unknown element`)
  }
  return problems
}

/**
 * Scoop's manifest schema (`__tests__/fixtures/scoop/schema.json`, from ScoopInstaller/Scoop),
 * formats included; the validator keeps Ajv's last errors on `errors`.
 */
export function scoopValidator(): ReturnType<Ajv['compile']> {
  const file = path.join(import.meta.dirname, '..', 'fixtures', 'scoop', 'schema.json')
  const schema = JSON.parse(fs.readFileSync(file, 'utf8')) as object
  return addFormats(new Ajv({ strict: false, allErrors: true })).compile(schema)
}
