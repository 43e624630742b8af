import * as fs from 'node:fs'
import * as path from 'node:path'
import type { Stage } from '../context.js'
import type { SummaryTable } from '../ports/outputs.js'
import { cacheLabel } from '../cache-plan.js'
import { formatTarget } from '../targets.js'
import { formatPlatform, imageRepositories } from '../image.js'
import { formatDuration, formatSize } from '../lib/format.js'

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

    const buildTime = (targetId: string): string => {
      const ms = ctx.artifacts
        .byKind('binary', targetId)
        .reduce((sum, b) => sum + (b.buildMs ?? 0), 0)
      return formatDuration(ms)
    }
    const rows = [
      ['target', 'file', 'size', 'sha256', 'build time'],
      ...ctx.artifacts
        .files()
        .map(a => [
          formatTarget(a.target!),
          a.name,
          formatSize(a.size ?? 0),
          a.digests?.sha256 ?? '',
          buildTime(a.target!.id)
        ])
    ]
    const notes = [
      `${summaries.length} files for ${facts.plans.length} targets, version ${facts.stamp.version}, ${facts.go.version}; checksums in ${checksums?.name ?? '(none)'}`
    ]
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
    const tables: SummaryTable[] = [{ heading: 'go-xbuild', rows, notes }]
    if (release) {
      tables.push({
        heading: `go-xbuild release${release.draft ? ' (draft)' : ''}`,
        rows: [
          ['asset', 'size', 'digest'],
          ...release.assets.map(a => [
            { text: a.name, href: a.browserDownloadUrl },
            formatSize(a.size),
            a.digest ?? ''
          ])
        ],
        notes: [`${release.url}${release.created ? ' (created by this run)' : ''}`]
      })
    }
    if (image?.written) {
      const base = image.base ? `${image.base.name} (${image.base.digest})` : 'scratch'
      tables.push({
        heading: 'go-xbuild image',
        rows: [
          ['platform', 'manifest digest'],
          ...image.written.manifests.map(m => [formatPlatform(m.platform!), m.digest])
        ],
        notes: image.leg
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
      })
    }
    if (ctx.caches) {
      tables.push({
        heading: 'go-xbuild caches restored',
        rows: [
          ['cache', 'key matched', 'size', 'time'],
          ...ctx.caches.restores.map(r => [
            cacheLabel(r.spec.kind),
            r.failure
              ? `fault: ${r.failure}`
              : r.matchedKey === r.spec.key
                ? `${r.matchedKey} (exact)`
                : r.matchedKey || 'miss',
            formatSize(r.bytes),
            formatDuration(r.ms)
          ])
        ],
        notes: ctx.caches.saveBlockedBy ? [`not saved: ${ctx.caches.saveBlockedBy}`] : []
      })
    }
    await ctx.ports.outputs.writeSummary(tables)
  }
}
