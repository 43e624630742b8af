import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import type { Artifact } from '../artifacts.js'
import { hashFile, parseChecksums } from '../checksums.js'
import type { TargetPlan } from '../facts.js'
import { INPUT } from '../inputs/index.js'
import { namingOf, type Stage } from '../context.js'
import { formatTarget } from '../targets.js'
import { legArtifactPrefix, publishedNames } from '../naming.js'
import { prepareDist } from '../dist.js'

/**
 * mode: publish — downloads every leg's artifact of this run, checks each file against its leg's
 * checksums file, requires every planned target's files exactly once, and registers them as the
 * run's archives and SBOMs, so the checksum and release stages treat them as if this job had built them.
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
    const expected = new Map<string, { plan: TargetPlan; binary?: string; sbom?: string }>()
    for (const plan of facts.plans) {
      for (const n of publishedNames(namingOf(ctx), plan)) {
        expected.set(n.name, { plan, binary: n.binary, sbom: n.sbom })
      }
    }
    const algorithm = inputs.checksumAlgorithms[0]!
    const staging = fs.mkdtempSync(
      path.join(ports.env.RUNNER_TEMP || os.tmpdir(), 'go-xbuild-legs-')
    )
    const found = new Map<string, { leg: string; path: string; digest: string }>()
    const problems: string[] = []
    for (const leg of legs.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const dir = path.join(staging, leg.name)
      await ports.artifacts.download(leg.id, dir)
      const sums = path.join(dir, inputs.checksumsName)
      if (!fs.existsSync(sums)) {
        problems.push(`${leg.name}: no ${inputs.checksumsName} in the artifact`)
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
      ctx.log.info(`${leg.name}: ${leg.size} bytes, checked against its ${inputs.checksumsName}`)
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
    // In plan order, as a single job would have registered them.
    for (const [name, { plan, binary, sbom }] of expected) {
      const from = found.get(name)!
      const dest = path.join(inputs.dist, name)
      // A copy: the staging folder may be on another file system.
      fs.copyFileSync(from.path, dest)
      const artifact: Artifact = {
        kind: sbom ? 'sbom' : 'archive',
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
