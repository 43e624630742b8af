import * as fs from 'node:fs'
import * as path from 'node:path'
import type { Artifact } from '../artifacts.js'
import type { Context, Stage } from '../context.js'
import { formatTarget } from '../targets.js'
import { formatPlatform, imageRepositories } from '../image.js'
import { joinQuoted } from '../go-flags.js'
import { tableSection, type Bar, type Block } from '../lib/summary-doc.js'
import { smokeTable, summaryBlocks, type RunSummary } from '../summary.js'

/** One entry of the `artifacts` output and of dist/artifacts.json. */
export interface ArtifactSummary {
  target: string
  goos: string
  goarch: string
  variant: string
  /** path of the (first) binary */
  binary: string
  binaries: string[]
  /** path of the archive (or bare binary, or Linux package) that is published */
  archive: string
  /** what the file is: `archive` (bare binaries too) or `package` (a Linux package) */
  kind: 'archive' | 'package'
  name: string
  size: number
  sha256: string
}

/** Step outputs, the manifest in dist/, and the job summary table. */
export const report: Stage = {
  name: 'reporting',
  async run(ctx) {
    const { inputs, facts } = ctx
    const summaries: ArtifactSummary[] = ctx.artifacts.files().map(archive => {
      const target = archive.target!
      const binaries = ctx.artifacts.binariesIn(archive).map(b => b.path)
      return {
        target: target.id,
        goos: target.goos,
        goarch: target.goarch,
        variant: target.variant ?? '',
        binary: binaries[0] ?? '',
        binaries,
        archive: archive.path,
        kind: archive.kind === 'package' ? 'package' : 'archive',
        name: archive.name,
        size: archive.size ?? 0,
        sha256: archive.digests?.sha256 ?? ''
      }
    })
    const checksums = ctx.artifacts.byKind('checksums')[0]
    ctx.ports.outputs.setOutput('artifacts', JSON.stringify(summaries))
    ctx.ports.outputs.setOutput('checksums-file', checksums?.path ?? '')
    ctx.ports.outputs.setOutput('dist-dir', inputs.dist)
    ctx.ports.outputs.setOutput('version', facts.stamp.version)
    ctx.ports.outputs.setOutput('cache-hit', String(ctx.caches?.hit ?? false))
    ctx.ports.outputs.setOutput('artifact-ids', JSON.stringify(ctx.published.artifactIds))
    const release = ctx.published.release
    ctx.ports.outputs.setOutput('release-id', release ? String(release.id) : '')
    ctx.ports.outputs.setOutput('release-url', release?.url ?? '')
    ctx.ports.outputs.setOutput(
      'assets',
      JSON.stringify(
        (release?.assets ?? []).map(a => ({
          name: a.name,
          size: a.size,
          digest: a.digest,
          url: a.browserDownloadUrl
        }))
      )
    )

    const image = ctx.image
    // A matrix leg's index is its own, never pushed: only its platforms are the image's.
    ctx.ports.outputs.setOutput(
      'image-digest',
      image?.leg ? '' : (image?.written?.index.digest ?? '')
    )
    ctx.ports.outputs.setOutput(
      'image-refs',
      JSON.stringify((image?.pushed ?? []).flatMap(p => [p.ref, ...p.tags]))
    )
    ctx.ports.outputs.setOutput(
      'image-platforms',
      JSON.stringify(
        (image?.written?.manifests ?? []).map(m => ({
          platform: formatPlatform(m.platform!),
          digest: m.digest
        }))
      )
    )

    const attestations = ctx.published.attestations ?? []
    ctx.ports.outputs.setOutput('attestations', JSON.stringify(attestations))

    const manifest = {
      version: facts.stamp.version,
      tag: facts.stamp.tag,
      commit: facts.stamp.commit,
      go: facts.go.version,
      artifacts: summaries
    }
    fs.writeFileSync(
      path.join(inputs.dist, 'artifacts.json'),
      JSON.stringify(manifest, null, 2) + '\n'
    )

    const notes: string[] = []
    const sboms = ctx.artifacts.byKind('sbom')
    if (sboms.length > 0)
      notes.push(`SBOMs (${inputs.sbom.join(', ')}): ${sboms.map(s => s.name).join(', ')}`)
    const signatures = ctx.artifacts.byKind('signature')
    if (signatures.length > 0)
      notes.push(
        `signed with cosign${inputs.cosignTlog ? ' (Rekor)' : ''}: ${signatures.map(s => s.name).join(', ')}; verify: cosign verify-blob --key cosign.pub --bundle ${signatures[0]!.name}${inputs.cosignTlog ? '' : ' --insecure-ignore-tlog=true'} ${signatures[0]!.signs}`
      )
    if (attestations.length > 0)
      notes.push(
        `build provenance attested (${attestations.reduce((n, a) => n + a.subjects, 0)} files): ${attestations.map(a => a.url || 'not stored').join(', ')}; verify: gh attestation verify <file> -R ${ctx.ports.env.GITHUB_REPOSITORY ?? '<owner>/<repo>'}`
      )
    const dynamic = ctx.artifacts.byKind('binary').filter(b => b.interpreter)
    if (dynamic.length > 0)
      notes.push(`dynamically linked: ${dynamic.map(b => `${b.target!.id}/${b.name}`).join(', ')}`)
    const blocks: Block[] = summaryBlocks(runSummary(ctx, notes))
    if (image?.written) {
      const base = image.base ? `${image.base.name} (${image.base.digest})` : 'scratch'
      blocks.push(
        ...tableSection(
          'Image',
          [
            ['platform', 'manifest digest'],
            ...image.written.manifests.map(m => [formatPlatform(m.platform!), m.digest])
          ],
          image.leg
            ? [
                `this leg's platforms, on ${base}; the publish job writes the index and the tags`,
                image.legPushed
                  ? `pushed by digest to ${imageRepositories(ctx.inputs.image)
                      .map(r => `${r.host}/${r.name}`)
                      .join(', ')}`
                  : 'not pushed: handed on in the workflow artifact'
              ]
            : [
                `index ${image.written.index.digest} on ${base}; tags ${(image.tags ?? []).join(', ') || '(none)'}`,
                ...(image.pushed.length > 0
                  ? image.pushed.map(p => `pushed: ${p.ref}`)
                  : [`not pushed; OCI layout folder: ${image.layout ?? ''}`]),
                ...(image.referrers?.length
                  ? [`${image.referrers.length} SBOMs attached as referrers`]
                  : [])
              ]
        ).map(b => (b.kind === 'heading' ? { ...b, level: 4 as const } : b))
      )
    }
    if (ctx.smoke && ctx.smoke.length > 0) {
      const passed = ctx.smoke.filter(s => s.outcome === 'passed').length
      blocks.push({
        kind: 'details',
        summary: `Smoke runs: ${passed} of ${ctx.smoke.length} passed (${joinQuoted([...inputs.smokeTest])})`,
        blocks: [smokeTable(ctx.smoke)]
      })
    }
    await ctx.ports.outputs.writeSummary(blocks)
  }
}

/** What the summary shows, from the context: times on the wall clock, files in plan order. */
function runSummary(ctx: Context, notes: string[]): RunSummary {
  const { facts } = ctx
  const env = ctx.ports.env
  const clock = ctx.ports.clock
  const timeline = ctx.timeline
  const wall = (now: number): number =>
    timeline ? timeline.wallAtStart + (now - timeline.nowAtStart) : clock.wall()
  const release = ctx.published.release
  const assetUrl = new Map((release?.assets ?? []).map(a => [a.name, a.browserDownloadUrl]))
  const runUrl =
    env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID
      ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
      : undefined
  const artifacts = (ctx.published.artifacts ?? []).map(a => ({
    name: a.name,
    ...(runUrl ? { url: `${runUrl}/artifacts/${a.id}` } : {})
  }))
  // A file without a release asset downloads with the workflow artifact that holds it.
  const fallback = artifacts.length === 1 ? artifacts[0]!.url : undefined
  const order = new Map(facts.plans.map((p, i) => [p.target.id, i]))
  // Each target's binaries (Map.groupBy is not in Node 20).
  const binaries = new Map<string, Artifact[]>()
  for (const b of ctx.artifacts.byKind('binary')) {
    const list = binaries.get(b.target!.id)
    if (list) list.push(b)
    else binaries.set(b.target!.id, [b])
  }
  const buildMs = (targetId: string): number | undefined => {
    const built = (binaries.get(targetId) ?? []).filter(b => b.buildMs !== undefined)
    return built.length === 0 ? undefined : built.reduce((sum, b) => sum + b.buildMs!, 0)
  }
  const builds: Bar[] = []
  for (const plan of facts.plans) {
    const built = (binaries.get(plan.target.id) ?? []).filter(b => b.buildStart !== undefined)
    if (built.length === 0) continue
    const start = Math.min(...built.map(b => b.buildStart!))
    const end = Math.max(...built.map(b => b.buildStart! + (b.buildMs ?? 0)))
    builds.push({ label: plan.target.id, start: wall(start), ms: end - start })
  }
  const checksums = ctx.artifacts.byKind('checksums')
  return {
    version: facts.stamp.version,
    tag: facts.stamp.tag,
    go: facts.go.version,
    shortCommit: facts.stamp.shortCommit,
    targets: facts.plans.length,
    releaseTargets: facts.releaseTargets.length,
    ...(release
      ? {
          release: {
            url: release.url,
            draft: release.draft,
            created: release.created,
            ...(release.waiting ? { waiting: release.waiting } : {})
          }
        }
      : {}),
    artifacts,
    files: ctx.artifacts.files().map(f => {
      const href = assetUrl.get(f.name) ?? fallback
      const ms = buildMs(f.target!.id)
      return {
        target: formatTarget(f.target!),
        order: order.get(f.target!.id) ?? order.size,
        name: f.name,
        ...(href ? { href } : {}),
        size: f.size ?? 0,
        sha256: f.digests?.sha256 ?? '',
        ...(ms !== undefined ? { buildMs: ms } : {})
      }
    }),
    checksums: checksums.map(c => {
      const href = assetUrl.get(c.name) ?? fallback
      return { name: c.name, ...(href ? { href } : {}) }
    }),
    notes,
    warnings: ctx.warnings,
    ...(ctx.smoke ? { smoke: ctx.smoke } : {}),
    ...(ctx.caches
      ? {
          caches: {
            restores: ctx.caches.restores.map(r => ({
              kind: r.spec.kind,
              key: r.spec.key,
              matchedKey: r.matchedKey,
              ...(r.failure ? { failure: r.failure } : {}),
              bytes: r.bytes,
              ms: r.ms
            })),
            saveBlockedBy: ctx.caches.saveBlockedBy
          }
        }
      : {}),
    stages: (timeline?.stages ?? [])
      .filter(s => s.name !== report.name)
      .map(s => ({ name: s.name, start: wall(s.start), ms: s.ms })),
    builds,
    ...(ctx.legs ? { legs: ctx.legs } : {}),
    totalMs: timeline ? clock.now() - timeline.nowAtStart : 0
  }
}
