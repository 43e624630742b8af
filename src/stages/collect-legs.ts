import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import type { Artifact } from '../artifacts.js'
import { hashFile, parseChecksums } from '../checksums.js'
import type { TargetPlan } from '../facts.js'
import { INPUT } from '../inputs/index.js'
import { namingOf, type Stage } from '../context.js'
import { formatTarget } from '../targets.js'
import {
  IMAGE_LAYOUT_FOLDER,
  LEG_FINGERPRINT_FILE,
  legArtifactPrefix,
  publishedNames
} from '../naming.js'
import { prepareDist } from '../dist.js'
import {
  disagreements,
  fingerprintOf,
  parseFingerprint,
  type Fingerprint,
  type Recorded
} from '../fingerprint.js'

/** Names the checksums-name input allows. */
const SAFE_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/

/**
 * mode: publish — downloads every leg's artifact of this run, requires the legs to have used the
 * same inputs (their fingerprints) as each other and, for the names of the files, as this job;
 * checks each file against its leg's checksums file, requires every planned target's files exactly
 * once, and registers them as the run's archives and SBOMs, so the checksum and release stages
 * treat them as if this job had built them.
 */
export const collectLegs: Stage = {
  name: 'collecting the legs',
  async run(ctx) {
    const { inputs, facts, ports } = ctx
    const why = ports.artifacts.unavailable()
    if (why) throw new Error(`${INPUT.mode}: publish downloads the legs' artifacts, but ${why}`)
    const prefix = legArtifactPrefix(facts.projectName)
    const legs = (await ports.artifacts.list()).filter(a => a.name.startsWith(prefix))
    if (legs.length === 0) {
      throw new Error(
        `no leg artifacts (${prefix}*) in this run: the publish job needs the mode: build legs first (needs: <the legs' job>)`
      )
    }

    // What the plan says must be there: every target's files, by name.
    const expected = new Map<
      string,
      { plan: TargetPlan; binary?: string; sbom?: string; isPackage: boolean }
    >()
    for (const plan of facts.plans) {
      for (const n of publishedNames(namingOf(ctx), plan)) {
        expected.set(n.name, { plan, binary: n.binary, sbom: n.sbom, isPackage: !!n.package })
      }
    }
    const staging = fs.mkdtempSync(
      path.join(ports.env.RUNNER_TEMP || os.tmpdir(), 'go-xbuild-legs-')
    )
    const found = new Map<string, { leg: string; path: string; digest: string }>()
    const problems: string[] = []
    const records: Recorded[] = []
    const dirs = new Map<string, { dir: string; fingerprint: Fingerprint }>()
    for (const leg of legs.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const dir = path.join(staging, leg.name)
      await ports.artifacts.download(leg.id, dir)
      const file = path.join(dir, LEG_FINGERPRINT_FILE)
      const recorded = fs.existsSync(file)
        ? parseFingerprint(fs.readFileSync(file, 'utf8'))
        : { problem: 'is missing (was the leg run with another version of go-xbuild?)' }
      if ('problem' in recorded) {
        problems.push(`${leg.name}: ${LEG_FINGERPRINT_FILE} ${recorded.problem}`)
      } else {
        dirs.set(leg.name, { dir, fingerprint: recorded.fingerprint })
        records.push({
          label: leg.name.slice(`${facts.projectName}_`.length),
          fingerprint: recorded.fingerprint
        })
      }
    }
    // Before any file check: a leg built with other inputs explains its files better than they do.
    // Not the checksums inputs: this job writes the release's checksums files, and reads each
    // leg's by the name and algorithm the leg recorded.
    const disagree = disagreements(records, ['names', 'build'], {
      fingerprint: fingerprintOf(inputs, facts),
      scopes: ['names']
    })
    if (problems.length > 0 || disagree.length > 0) {
      throw new Error(
        `${INPUT.mode}: publish: the legs did not build alike; nothing was uploaded:\n  ${[...problems, ...disagree].join('\n  ')}`
      )
    }
    for (const leg of legs) {
      const { dir, fingerprint } = dirs.get(leg.name)!
      const sumsName = fingerprint[INPUT.checksumsName] ?? ''
      const algorithm = (fingerprint[INPUT.checksumAlgorithms] ?? '').split(',')[0]
      // Recorded values name a file to read: only names and algorithms the inputs allow.
      if (!SAFE_NAME.test(sumsName) || (algorithm !== 'sha256' && algorithm !== 'sha512')) {
        problems.push(
          `${leg.name}: ${LEG_FINGERPRINT_FILE} records no valid ${INPUT.checksumsName} and ${INPUT.checksumAlgorithms}`
        )
        continue
      }
      const sums = path.join(dir, sumsName)
      if (!fs.existsSync(sums)) {
        problems.push(`${leg.name}: no ${sumsName} in the artifact`)
        continue
      }
      for (const line of parseChecksums(fs.readFileSync(sums, 'utf8'), algorithm)) {
        const file = path.join(dir, line.name)
        const actual = fs.existsSync(file) ? (await hashFile(file, [algorithm]))[algorithm] : ''
        if (actual !== line.digest) {
          problems.push(
            `${leg.name}: ${line.name} ${actual ? 'does not match its checksum' : 'is missing'}`
          )
        } else if (!expected.has(line.name)) {
          problems.push(
            `${leg.name}: ${line.name} is not a file of the planned targets (${INPUT.targets})`
          )
        } else if (found.has(line.name)) {
          problems.push(
            `${line.name} comes from two legs: ${found.get(line.name)!.leg} and ${leg.name}`
          )
        } else {
          found.set(line.name, { leg: leg.name, path: file, digest: line.digest })
        }
      }
      ctx.log.info(`${leg.name}: ${leg.size} bytes, checked against its ${sumsName}`)
      ;(ctx.legs ??= []).push({
        name: leg.name,
        files: [...found.values()].filter(f => f.leg === leg.name).length
      })
    }
    const missing = [...expected].filter(([name]) => !found.has(name))
    if (missing.length > 0) {
      const targets = [...new Set(missing.map(([, e]) => formatTarget(e.plan.target)))]
      problems.push(
        `missing from every leg: ${targets.join(', ')} (${missing.map(([n]) => n).join(', ')}); did a leg fail or build other targets?`
      )
    }
    if (problems.length > 0) {
      throw new Error(
        `${INPUT.mode}: publish: ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n  ${problems.join('\n  ')}`
      )
    }

    prepareDist(inputs.dist)
    // The legs' parts of the image, merged into one layout; the image stage checks what it reads.
    for (const { dir } of dirs.values()) {
      const part = path.join(dir, IMAGE_LAYOUT_FOLDER)
      if (fs.existsSync(part)) {
        fs.cpSync(part, path.join(inputs.dist, IMAGE_LAYOUT_FOLDER), { recursive: true })
      }
    }
    // In plan order, as a single job would have registered them.
    for (const [name, { plan, binary, sbom, isPackage }] of expected) {
      const from = found.get(name)!
      const dest = path.join(inputs.dist, name)
      // A copy: the staging folder may be on another file system.
      fs.copyFileSync(from.path, dest)
      const artifact: Artifact = {
        kind: sbom ? 'sbom' : isPackage ? 'package' : 'archive',
        path: dest,
        name,
        target: plan.target,
        binary,
        size: fs.statSync(dest).size
      }
      ctx.artifacts.add(artifact)
    }
    fs.rmSync(staging, { recursive: true, force: true })
    ctx.log.info(`${found.size} files of ${facts.plans.length} targets from ${legs.length} legs`)
  }
}
