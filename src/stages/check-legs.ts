import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import type { Stage } from '../context.js'
import {
  disagreements,
  fingerprintOf,
  parseFingerprint,
  serializeFingerprint,
  type Recorded
} from '../fingerprint.js'
import { INPUT } from '../inputs/index.js'
import { LEG_FINGERPRINT_FILE, legRecordArtifactName, legRecordPrefix } from '../naming.js'

/**
 * A leg that publishes without a fan-in job records its fingerprint as a workflow artifact of its
 * own, then reads every other leg's record of this run, and refuses to go on if any differs. Write
 * first, read after: of two legs that disagree, the one whose record was stored second finds the
 * other's, and stops before uploading anything to the release. The first may have uploaded its
 * files to the draft, but the release waits for every planned file, which the second never
 * uploads, so no leg ever publishes a mix. Artifact names are unique per run, so records never
 * overwrite each other (a re-run of a leg replaces only its own). The release itself cannot hold
 * the record: a draft's assets are published with it, and its body is rewritten without any
 * compare-and-set, so two legs could each overwrite the other's record and both go on.
 */
export const checkLegsAgree: Stage = {
  name: 'checking the legs agree',
  skip(ctx) {
    if (ctx.facts.wholeRelease) return 'not a matrix leg'
    if (!ctx.release) return 'this leg does not publish'
    return undefined
  },
  async run(ctx) {
    const { inputs, facts, ports } = ctx
    const why = ports.artifacts.unavailable()
    if (why) {
      ctx.log.warning(
        `legs that publish without a fan-in job compare their inputs through workflow artifacts, but ${why}: this leg cannot tell whether the other legs used the same inputs`
      )
      return
    }
    const ids = facts.plans.map(p => p.target.id)
    const name = legRecordArtifactName(facts.projectName, inputs.shard, ids)
    const prefix = legRecordPrefix(facts.projectName)
    const temp = fs.mkdtempSync(path.join(ports.env.RUNNER_TEMP || os.tmpdir(), 'go-xbuild-leg-'))
    try {
      const mine = fingerprintOf(inputs, facts)
      const own = path.join(temp, 'own')
      fs.mkdirSync(own)
      fs.writeFileSync(path.join(own, LEG_FINGERPRINT_FILE), serializeFingerprint(mine))
      await ports.artifacts.upload(
        name,
        [path.join(own, LEG_FINGERPRINT_FILE)],
        own,
        inputs.retentionDays
      )

      const records: Recorded[] = [{ label: name.slice(prefix.length), fingerprint: mine }]
      const problems: string[] = []
      const others = (await ports.artifacts.list()).filter(
        a => a.name.startsWith(prefix) && a.name !== name
      )
      for (const other of others) {
        const dir = path.join(temp, String(other.id))
        await ports.artifacts.download(other.id, dir)
        const file = path.join(dir, LEG_FINGERPRINT_FILE)
        const recorded = fs.existsSync(file)
          ? parseFingerprint(fs.readFileSync(file, 'utf8'))
          : { problem: 'is missing' }
        if ('problem' in recorded) {
          problems.push(`${other.name}: ${LEG_FINGERPRINT_FILE} ${recorded.problem}`)
        } else {
          records.push({
            label: other.name.slice(prefix.length),
            fingerprint: recorded.fingerprint
          })
        }
      }
      problems.push(...disagreements(records, ['names', 'build', 'publishing']))
      if (problems.length > 0) {
        throw new Error(
          `${INPUT.release}: this leg and others of the run did not build alike; this leg uploads nothing:\n  ${problems.join('\n  ')}`
        )
      }
      ctx.log.info(
        `${others.length} other leg${others.length === 1 ? '' : 's'} recorded so far used the same inputs (${name})`
      )
    } finally {
      fs.rmSync(temp, { recursive: true, force: true })
    }
  }
}
