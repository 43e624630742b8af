import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import type { Facts } from '../src/facts.js'
import { INPUT } from '../src/inputs/index.js'
import { planLegs } from '../src/stages/plan.js'
import { report } from '../src/stages/report.js'
import { testContext } from './fakes/context.js'
import { planOf } from './fakes/targets.js'

const text = fs.readFileSync(path.join(import.meta.dirname, '..', 'action.yml'), 'utf8')

/** Keys two spaces deep in one top-level section of action.yml. */
function keysOf(section: string): string[] {
  const body = text.split(new RegExp(`^${section}:\\s*$`, 'm'))[1]!.split(/^\S/m)[0]!
  return [...body.matchAll(/^ {2}([a-z0-9-]+):/gm)].map(m => m[1]!)
}

/**
 * A context as the report stage finds it after a release run: one target built, archived,
 * checksummed, uploaded, attested and released, with a cache hit (hand-made; no go, no network).
 */
function filledContext(): ReturnType<typeof testContext> {
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-action-yml-'))
  const run = testContext({}, { workspace })
  const { ctx } = run
  fs.mkdirSync(ctx.inputs.dist, { recursive: true })
  const plan = planOf('linux/amd64')
  ctx.facts = {
    go: { version: 'go1.26.8' },
    stamp: { version: '1.2.3', tag: 'v1.2.3', commit: 'c0ffee', shortCommit: 'c0ffee' },
    plans: [plan],
    releaseTargets: [plan.target]
  } as unknown as Facts
  const file = (name: string): string => path.join(ctx.inputs.dist, name)
  ctx.artifacts.add({ kind: 'binary', path: file('app'), name: 'app', target: plan.target })
  const archive = 'app_1.2.3_linux_amd64.tar.gz'
  ctx.artifacts.add({
    kind: 'archive',
    path: file(archive),
    name: archive,
    target: plan.target,
    size: 1,
    digests: { sha256: 'a'.repeat(64) }
  })
  ctx.artifacts.add({ kind: 'checksums', path: file('checksums.txt'), name: 'checksums.txt' })
  ctx.caches = { restores: [], hit: true, saveBlockedBy: '' }
  const index = `sha256:${'b'.repeat(64)}`
  ctx.image = {
    written: {
      index: { mediaType: 'application/vnd.oci.image.index.v1+json', digest: index, size: 1 },
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: `sha256:${'c'.repeat(64)}`,
          size: 1,
          platform: { os: 'linux', architecture: 'amd64' }
        }
      ]
    },
    pushed: [
      {
        ref: `ghcr.io/o/r@${index}`,
        tags: ['ghcr.io/o/r:1.2.3'],
        blobs: { uploaded: 2, mounted: 0, present: 0 }
      }
    ]
  }
  ctx.published.artifactIds.push(7)
  ctx.published.attestations = [
    { id: 5, url: 'https://github.com/o/r/attestations/5', subjects: 1 }
  ]
  ctx.published.release = {
    id: 42,
    url: 'https://github.com/o/r/releases/tag/v1.2.3',
    draft: false,
    created: true,
    assets: [
      {
        id: 1,
        name: archive,
        size: 1,
        state: 'uploaded',
        digest: `sha256:${'a'.repeat(64)}`,
        browserDownloadUrl: `https://github.com/o/r/releases/download/v1.2.3/${archive}`
      }
    ]
  }
  return run
}

test('action.yml declares exactly the inputs the code reads', () => {
  expect(keysOf('inputs').sort()).toEqual(Object.values(INPUT).sort())
})

test('action.yml declares exactly the outputs the plan and report stages set', async () => {
  const run = filledContext()
  await planLegs.run(run.ctx)
  await report.run(run.ctx)
  expect([...run.outputs.keys()].sort()).toEqual(keysOf('outputs').sort())
  // The context fills every record the outputs come from, so none is set only as a fallback.
  expect([...run.outputs].filter(([, value]) => value === '' || value === '[]')).toEqual([])
})

test('action.yml runs on node24 from dist/main.js, with the post step after a green job', () => {
  expect(text).toMatch(/^ {2}using: node24$/m)
  expect(text).toMatch(/^ {2}main: dist\/main\.js$/m)
  expect(text).toMatch(/^ {2}post: dist\/post\.js$/m)
  expect(text).toMatch(/^ {2}post-if: success\(\)$/m)
})

test('no input default in action.yml but the token: the code owns defaults so the CLI and the action agree', () => {
  // Only the workflow can hand the job's token to the action; the code cannot derive it.
  expect([...text.matchAll(/^ {4}default: (.*)$/gm)].map(m => m[1])).toEqual([
    '${{ github.token }}'
  ])
})

test('no expression in action.yml but the token default: runners evaluate or refuse them anywhere', () => {
  // nektos/act refuses `${{ … }}` in a description ("expressions are not allowed here").
  expect([...text.matchAll(/\$\{\{[^}]*\}\}/g)].map(m => m[0])).toEqual(['${{ github.token }}'])
})
