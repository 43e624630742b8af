import * as fs from 'node:fs'
import * as path from 'node:path'
import type { Artifact } from '../artifacts.js'
import { baseEnv } from '../build-env.js'
import { namingOf, type Context, type Stage } from '../context.js'
import { INPUT } from '../inputs/index.js'
import { isGoPlan } from '../facts.js'
import { hooksWillRun } from '../hooks.js'
import { formatDuration, formatSize } from '../lib/format.js'
import {
  nfpmInfo,
  overriddenFor,
  FORMAT_SCRIPTS,
  SCRIPT_KINDS,
  signingKeyOf,
  type ScriptedFormat,
  type PackageContent,
  type SigningKeyFiles,
  type PackageSet,
  type RenderedPackage
} from '../linux-packages.js'
import { packagesOf, type PackageFile } from '../naming.js'
import {
  ensureRunner,
  runRunner,
  type ProvidedRunner,
  type RunnerJob,
  type RunnerResult
} from '../nfpm-tool.js'
import { cachePolicy } from '../cache-plan.js'
import { runEvent } from '../lib/run-event.js'
import { renderTemplate } from '../template.js'
import { secretTempDir, withSecretFiles } from '../lib/secret-files.js'

/** linux-packages: one package per set, format and linux target, written by nFPM. */
export const makeLinuxPackages: Stage = {
  name: 'making Linux packages',
  check(ctx) {
    const problems: string[] = []
    const names = new Set(ctx.facts.binaries.map(b => b.name))
    for (const set of ctx.inputs.linuxPackages)
      for (const b of set.binaries)
        if (!names.has(b))
          problems.push(
            `${set.label}.binaries: "${b}" is not a binary of this run (${[...names].join(', ')})`
          )
    // Files a before hook may still write are looked for when the packages are made.
    if (!hooksWillRun(ctx.inputs)) problems.push(...missingFiles(ctx))
    return problems
  },
  // The keys, tried by nFPM itself on an empty package: a wrong or missing passphrase, or a key
  // nFPM cannot sign with, fails before anything is built.
  async prepare(ctx) {
    const keys = keysOf(ctx)
    if (ctx.inputs.linuxPackages.length === 0 || Object.keys(keys).length === 0) return []
    const runner = await provideRunner(ctx)
    return withSecretFiles(
      secretTempDir(ctx.ports.env),
      'go-xbuild-package-keys-',
      keys,
      async paths => {
        const tried = (['gpg', 'rsa'] as const).filter(k => paths[k])
        const jobs = tried.map(k => ({
          format: k === 'gpg' ? 'rpm' : 'apk',
          out: path.join(path.dirname(paths[k]!), `check-${k}`),
          info: {
            name: 'key-check',
            version: '0.0.0',
            arch: 'amd64',
            maintainer: 'key check <key-check@example.com>',
            mtime: ctx.facts.stamp.date,
            [k === 'gpg' ? 'rpm' : 'apk']: { signature: { key_file: paths[k] } }
          },
          passphrase: ctx.inputs.packageKeyPassphrase
        }))
        const results = await runRunner(ctx.ports.process, runner.path, jobs, {
          cwd: path.dirname(paths[tried[0]!]!),
          env: baseEnv(ctx.ports.env, []),
          parallelism: 1
        })
        return results.flatMap((r, i) =>
          r.error
            ? [
                `${tried[i] === 'gpg' ? INPUT.packageGpgKey : INPUT.packageRsaKey}: nFPM cannot sign with it${ctx.inputs.packageKeyPassphrase ? ` and ${INPUT.packageKeyPassphrase}` : ''}: ${r.error}${/passphrase|password|decrypt/i.test(r.error) ? ` (give the key's passphrase as ${INPUT.packageKeyPassphrase})` : ''}`
              ]
            : []
        )
      }
    )
  },
  skip(ctx) {
    if (ctx.inputs.linuxPackages.length === 0) return 'no linux-packages'
    return undefined
  },
  async run(ctx) {
    const files = ctx.facts.plans
      .filter(p => isGoPlan(p) && !p.sliceOnly)
      .flatMap(p => packagesOf(namingOf(ctx), p.target))
    if (files.length === 0) {
      ctx.log.info('no package: this job builds no linux target the package sets take')
      return
    }
    const missing = missingFiles(ctx)
    if (missing.length > 0) throw new Error(missing.join('\n'))
    const started = ctx.ports.clock.now()
    const runner = await provideRunner(ctx)
    ctx.log.info(
      `nFPM runner ${runner.how} in ${formatDuration(ctx.ports.clock.now() - started)}: ${runner.path}${runner.saved ? ` (cache: ${runner.saved.outcome}${runner.saved.detail ? `, ${runner.saved.detail}` : ''})` : ''}`
    )
    // nFPM dates an apk's scripts by their files: copies dated at the package time keep the
    // packages the same on every checkout.
    const scripts = fs.mkdtempSync(path.join(secretTempDir(ctx.ports.env), 'go-xbuild-scripts-'))
    let results: RunnerResult[]
    let jobs: RunnerJob[] = []
    try {
      results = await withSecretFiles(
        secretTempDir(ctx.ports.env),
        'go-xbuild-package-keys-',
        keysOf(ctx),
        keys => {
          jobs = files.map((file, i) => jobOf(ctx, file, path.join(scripts, String(i)), keys))
          return runRunner(ctx.ports.process, runner.path, jobs, {
            cwd: ctx.inputs.workingDirectory,
            env: baseEnv(ctx.ports.env, []),
            parallelism: ctx.inputs.parallelism
          })
        }
      )
    } finally {
      fs.rmSync(scripts, { recursive: true, force: true })
    }
    const failed = results.flatMap((r, i) =>
      r.error ? [`${files[i]!.name}: nFPM: ${r.error}`] : []
    )
    if (failed.length > 0) throw new Error(`${INPUT.linuxPackages}: ${failed.join('\n')}`)
    results.forEach((r, i) => {
      const file = files[i]!
      if (r.conventionalFileName !== file.conventional)
        throw new Error(
          `internal: nFPM names ${file.name}'s conventional file ${r.conventionalFileName}, the action expected ${file.conventional}`
        )
    })
    for (const [i, file] of files.entries()) {
      const dest = jobs[i]!.out
      const artifact: Artifact = {
        kind: 'package',
        path: dest,
        name: file.name,
        target: file.planned.target,
        holds: [...file.binaries],
        size: fs.statSync(dest).size
      }
      ctx.artifacts.add(artifact)
      ctx.log.info(`packed ${file.name} (${formatSize(artifact.size!)})`)
    }
    ctx.log.info(`${files.length} packages in ${formatDuration(ctx.ports.clock.now() - started)}`)
  }
}

/**
 * The runner's job for one package: its templates rendered, its binaries from this build, its
 * scripts copied into `scripts` with the package's time.
 */
function jobOf(ctx: Context, file: PackageFile, scripts: string, keys: SigningKeyFiles): RunnerJob {
  const set = ctx.inputs.linuxPackages[file.planned.set]!
  const { format, target } = file.planned
  const o = overriddenFor(set, format)
  const render = (text: string, withFormat = false): string =>
    renderTemplate(text, withFormat ? { ...file.values, Format: format } : file.values)
  const mtime = set.mtime ? render(set.mtime) : ctx.facts.stamp.date
  if (Number.isNaN(Date.parse(mtime)) || !/^\d{4}-\d\d-\d\dT/.test(mtime))
    throw new Error(`${set.label}.mtime: "${mtime}" is not an RFC 3339 time`)
  const time = new Date(mtime)
  /** A file of the package's own made in `scripts`, dated at the package time. */
  const own = (name: string, write: (to: string) => void): string => {
    fs.mkdirSync(scripts, { recursive: true })
    const to = path.join(scripts, name)
    write(to)
    fs.utimesSync(to, time, time)
    return to
  }
  const copy = (name: string, source: string): string =>
    own(name, to => fs.copyFileSync(path.resolve(ctx.inputs.workingDirectory, source), to))
  const copies: RenderedPackage['scripts'] = {}
  for (const kind of SCRIPT_KINDS) {
    const script = o.scripts?.[kind]
    if (script) copies[kind] = copy(kind, render(script))
  }
  const formatScripts: Partial<Record<string, string>> = {}
  if (format in FORMAT_SCRIPTS)
    for (const [kind, script] of Object.entries(o[format as ScriptedFormat]?.scripts ?? {}))
      if (script) formatScripts[kind] = copy(`${format}-${kind}`, script)
  // GoReleaser's lintian overrides: one file of `<package>: <tag>` lines, in debs only.
  const lintian = format === 'deb' ? (set.deb?.lintianOverrides ?? []) : []
  const lintianContent: PackageContent[] =
    lintian.length === 0
      ? []
      : [
          {
            src: own('lintian', to =>
              fs.writeFileSync(to, lintian.map(tag => `${file.packageName}: ${tag}`).join('\n'))
            ),
            dst: `./usr/share/lintian/overrides/${file.packageName}`,
            packager: 'deb',
            mode: 0o644
          }
        ]
  const rendered: RenderedPackage = {
    packageName: file.packageName,
    bindir: render(set.bindir),
    maintainer: render(set.maintainer),
    description: render(set.description),
    homepage: render(set.homepage),
    mtime,
    contents: [
      ...(o.contents ?? []).map((c): PackageContent => ({
        ...c,
        ...(c.src === undefined ? {} : { src: render(c.src, true) }),
        dst: render(c.dst, true),
        ...(c.owner === undefined ? {} : { owner: render(c.owner, true) }),
        ...(c.group === undefined ? {} : { group: render(c.group, true) })
      })),
      ...lintianContent
    ],
    scripts: copies,
    formatScripts
  }
  const binaries = ctx.artifacts
    .byKind('binary', target.id)
    .filter(b => file.binaries.includes(b.binary!))
    .map(b => ({ path: b.path, name: b.name }))
  const signedBy = signingKeyOf(format)
  return {
    format,
    out: path.join(ctx.inputs.dist, file.name),
    info: nfpmInfo(set, file.planned, ctx.facts.stamp.version, rendered, binaries, keys),
    ...(signedBy && keys[signedBy] ? { passphrase: ctx.inputs.packageKeyPassphrase } : {})
  }
}

/**
 * The nFPM runner for this job (src/nfpm-tool.ts), kept in the Actions cache as the Go caches
 * are: restored and saved when the cache policy lets this run restore and save.
 */
function provideRunner(ctx: Context): Promise<ProvidedRunner> {
  const policy = cachePolicy(ctx.inputs, runEvent(ctx.ports.env))
  return ensureRunner(
    ctx.ports.process,
    baseEnv(ctx.ports.env, ctx.inputs.env),
    ctx.facts.go.version,
    { port: ctx.ports.cache, restore: policy.restore, save: policy.save }
  )
}

/** The signing keys given, by the name of their file. */
function keysOf(ctx: Context): Record<string, string> {
  const keys: Record<string, string> = {}
  if (ctx.inputs.packageGpgKey) keys.gpg = ctx.inputs.packageGpgKey
  if (ctx.inputs.packageRsaKey) keys.rsa = ctx.inputs.packageRsaKey
  return keys
}

/**
 * Scripts and contents whose source must exist in the module (no wildcard, no template): each
 * one missing, named by its input.
 */
function missingFiles(ctx: Context): string[] {
  const root = ctx.inputs.workingDirectory
  const problems: string[] = []
  const exists = (file: string): boolean => fs.existsSync(path.resolve(root, file))
  ctx.inputs.linuxPackages.forEach((set: PackageSet) => {
    const sources: { at: string; file: string }[] = []
    const add = (where: string, o: ReturnType<typeof overriddenFor> | PackageSet): void => {
      for (const kind of SCRIPT_KINDS) {
        const file = o.scripts?.[kind]
        if (file) sources.push({ at: `${where}.scripts.${kind}`, file })
      }
      for (const format of Object.keys(FORMAT_SCRIPTS) as ScriptedFormat[])
        for (const [kind, file] of Object.entries(o[format]?.scripts ?? {}))
          if (file) sources.push({ at: `${where}.${format}.scripts.${kind}`, file })
      ;(o.contents ?? []).forEach((c, k) => {
        if (c.src !== undefined && c.type !== 'symlink')
          sources.push({ at: `${where}.contents[${k}].src`, file: c.src })
      })
    }
    add(set.label, set)
    for (const [format, o] of Object.entries(set.overrides))
      add(`${set.label}.overrides.${format}`, o)
    for (const { at, file } of sources)
      if (!/[*?[{]/.test(file) && !exists(file))
        problems.push(`${at}: "${file}" does not exist in the module (${root})`)
  })
  return problems
}
