// Parity with GoReleaser on real projects: each project is taken from the Go module proxy at a
// release tag (the module zip carries its .goreleaser.yml), committed with a fixed date, tagged,
// given its GitHub origin remote, and released by GoReleaser OSS (`release --skip=publish`) and
// by the action (`--goreleaser-config auto`) in two copies of the same commit. Both must publish
// the same file names, archives with the same members (names, modes, sizes), byte-identical
// binaries, and the same checksums file name and lines except the hashes of archives, whose bytes
// differ by design (ours are reproducible: commit-time mtimes, numeric owners, fixed zip fields);
// the same Homebrew and Scoop manifests, whose digests are each side's own archives'.
import { createHash } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { createGunzip } from 'node:zlib'
import tarStream from 'tar-stream'
import { realProcess } from '../../src/ports/process.js'
import { REPO_ROOT } from '../fakes/runner.js'
import { findGoreleaser, processEnv } from '../fakes/go-tools.js'
import { checkout, GORELEASER_RELEASE_ARGS, PROJECTS, run } from '../fakes/parity-projects.js'

/**
 * A bound on one project's two releases, not a timing claim: kubectx compiles k8s.io/client-go
 * for 10 targets from a cold cache (GoReleaser first; the action then shares its GOCACHE), which
 * on 2 busy cores takes far longer than jest's global 10 minutes.
 */
const SETUP_TIMEOUT_MS = 45 * 60_000
const ARCHIVE = /\.(tar\.gz|tar\.xz|zip)$/
const PACKAGE = /\.(deb|rpm|apk|pkg\.tar\.zst)$/

interface Member {
  name: string
  mode: string
  size: number
  sha256?: string
}

/** An archive's members with mode and size, and the sha256 of each executable one. */
async function members(file: string): Promise<Member[]> {
  if (file.endsWith('.zip')) {
    const listing = execFileSync('zipinfo', ['-l', file]).toString()
    const out: Member[] = []
    for (const line of listing.split('\n')) {
      const m =
        /^([-dlrwxsStT]{10})\s+\S+\s+\S+\s+(\d+)\s+\S+\s+\d+\s+\S+\s+\S+\s+\S+\s+(.+)$/.exec(line)
      if (!m) continue
      const member: Member = { name: m[3]!, mode: m[1]!, size: Number(m[2]) }
      if (m[1]!.includes('x') && !m[1]!.startsWith('d'))
        member.sha256 = sha256(
          execFileSync('unzip', ['-p', file, m[3]!], { maxBuffer: 1 << 30 }) as Buffer
        )
      out.push(member)
    }
    // Order is not compared (GoReleaser appends the binaries after the other files; ours are in
    // byte order), as for tar below.
    return out.sort((a, b) => a.name.localeCompare(b.name))
  }
  const extract = tarStream.extract()
  const out: Member[] = []
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      const hash = createHash('sha256')
      const mode = header.mode ?? 0
      stream.on('data', (d: unknown) => {
        hash.update(d as Buffer)
      })
      stream.on('end', () => {
        out.push({
          name: header.name,
          mode: (mode & 0o7777).toString(8),
          size: header.size ?? 0,
          ...(mode & 0o111 && header.type === 'file' ? { sha256: hash.digest('hex') } : {})
        })
        next()
      })
      stream.resume()
    })
    extract.on('finish', resolve)
    extract.on('error', reject)
  })
  fs.createReadStream(file).pipe(createGunzip()).pipe(extract)
  await done
  return out.sort((a, b) => a.name.localeCompare(b.name))
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex')
}

/** Checksums file lines as name → hash. */
function checksumLines(file: string): Map<string, string> {
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n')
  return new Map(lines.map(l => [l.slice(66), l.slice(0, 64)]))
}

const published = (dist: string): string[] =>
  fs
    .readdirSync(dist)
    .filter(f => ARCHIVE.test(f) || PACKAGE.test(f) || /checksums|SHA256SUMS/.test(f))
    .sort()

/** The manifests GoReleaser and the action write under dist/homebrew and dist/scoop. */
const manifests = (dist: string): string[] =>
  ['homebrew', 'scoop']
    .filter(dir => fs.existsSync(path.join(dist, dir)))
    .flatMap(dir =>
      (fs.readdirSync(path.join(dist, dir), { recursive: true }) as string[])
        .map(f => path.join(dir, f))
        .filter(f => fs.statSync(path.join(dist, f)).isFile())
    )
    .sort()

/**
 * A manifest's text with each file's digest replaced by its name, after checking that the
 * digest is the sha256 of that file in `dist`. Each block names one file and its digest, in
 * the same order (`sha256` before `url` in a cask, after it in a formula, `hash` after `url`
 * in Scoop's JSON); a cask's URLs use Ruby's `#{version}`, read from its `version` line.
 */
function digestsChecked(dist: string, file: string): string {
  const text = fs.readFileSync(path.join(dist, file), 'utf8')
  const version = /^\s*version "([^"]+)"/m.exec(text)?.[1] ?? ''
  const urls = [...text.matchAll(/\/releases\/download\/[^/"]+\/([^"]+)"/g)].map(m =>
    decodeURIComponent(m[1]!.replaceAll('#{version}', version))
  )
  const digests = [...text.matchAll(/\b[0-9a-f]{64}\b/g)].map(m => m[0])
  expect({ file, digests: digests.length }).toEqual({ file, digests: urls.length })
  expect(urls.length).toBeGreaterThan(0)
  let i = 0
  return text.replace(/\b[0-9a-f]{64}\b/g, digest => {
    const name = urls[i++]!
    expect({ name, digest }).toEqual({
      name,
      digest: sha256(fs.readFileSync(path.join(dist, name)))
    })
    return `<sha256 of ${name}>`
  })
}

describe.each(PROJECTS)('parity with GoReleaser $version: $module', project => {
  // One checkout for both, one after the other: without -trimpath its path is in the binaries.
  // Made in beforeAll, so a run that filters this project out leaves no folder behind.
  let root = ''
  let repo = ''
  let theirs = ''
  let ours = ''

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-parity-'))
    repo = path.join(root, 'repo')
    theirs = path.join(root, 'goreleaser')
    ours = repo
    const goreleaser = await findGoreleaser()
    await checkout(project, repo)
    // Release notes are given, as GoReleaser would ask GitHub's API for them (what is skipped
    // and why: GORELEASER_RELEASE_ARGS).
    const notes = path.join(root, 'release-notes.md')
    fs.writeFileSync(notes, 'parity\n')
    await run(
      goreleaser,
      [...GORELEASER_RELEASE_ARGS, '--release-notes', notes, '--parallelism', '2'],
      repo,
      { GITHUB_TOKEN: 'parity-token-unused' }
    )
    fs.mkdirSync(theirs)
    fs.renameSync(path.join(repo, 'dist'), path.join(theirs, 'dist'))
    const env: Record<string, string> = { ...processEnv() }
    for (const key of Object.keys(env)) if (key.startsWith('GITHUB_')) delete env[key]
    const cli = await realProcess.run(
      process.execPath,
      [
        path.join(REPO_ROOT, 'dist', 'cli.js'),
        '--goreleaser-config',
        'auto',
        '--goreleaser-unsupported',
        'warn',
        '--parallelism',
        '2'
      ],
      { cwd: ours, env }
    )
    if (cli.code !== 0) throw new Error(`the action failed:\n${cli.stdout}\n${cli.stderr}`)
  }, SETUP_TIMEOUT_MS)

  afterAll(() => {
    // KEEP_PARITY=1 keeps both dist folders (under $TMPDIR/xbuild-parity-*) to diff by hand.
    if (root && !process.env.KEEP_PARITY) fs.rmSync(root, { recursive: true, force: true })
  })

  test('the same file names: every archive, every Linux package and the checksums file', () => {
    const names = published(path.join(theirs, 'dist'))
    expect(names.filter(n => ARCHIVE.test(n))).toHaveLength(project.archives)
    expect(names.filter(n => PACKAGE.test(n))).toHaveLength(project.packages ?? 0)
    expect(published(path.join(ours, 'dist'))).toEqual(names)
  })

  // Both make packages with nFPM v2.46.3 from byte-identical binaries and the config's mtime, so
  // each package is the same file, metadata, file list, modes, owners and scripts included.
  test("every Linux package is byte-identical to GoReleaser's", () => {
    const names = published(path.join(theirs, 'dist')).filter(n => PACKAGE.test(n))
    const digest = (dir: string) =>
      names.map(name => ({ name, sha256: sha256(fs.readFileSync(path.join(dir, 'dist', name))) }))
    expect(digest(ours)).toEqual(digest(theirs))
  })

  test('every archive has the same members (names, modes, sizes) and byte-identical binaries', async () => {
    const names = published(path.join(theirs, 'dist')).filter(n => ARCHIVE.test(n))
    let binaries = 0
    for (const name of names) {
      const want = await members(path.join(theirs, 'dist', name))
      const got = await members(path.join(ours, 'dist', name))
      expect({ name, members: got }).toEqual({ name, members: want })
      binaries += want.filter(m => m.sha256).length
    }
    expect(binaries).toBeGreaterThanOrEqual(project.archives)
  })

  test('the same checksums lines; archive hashes differ by design and ours match our files', () => {
    const sums = published(path.join(theirs, 'dist')).filter(
      n => !ARCHIVE.test(n) && !PACKAGE.test(n)
    )
    expect(sums).toHaveLength(1)
    const want = checksumLines(path.join(theirs, 'dist', sums[0]!))
    const got = checksumLines(path.join(ours, 'dist', sums[0]!))
    expect([...got.keys()]).toEqual([...want.keys()])
    for (const [name, hash] of got) {
      expect(hash).toBe(sha256(fs.readFileSync(path.join(ours, 'dist', name))))
      if (!ARCHIVE.test(name)) expect(hash).toBe(want.get(name))
    }
  })

  test('the same Homebrew and Scoop manifests: path, text and URLs; each digest its own file', () => {
    const names = manifests(path.join(theirs, 'dist'))
    expect(names).toHaveLength(project.manifests ?? 0)
    expect(manifests(path.join(ours, 'dist'))).toEqual(names)
    for (const name of names)
      expect({ name, text: digestsChecked(path.join(ours, 'dist'), name) }).toEqual({
        name,
        text: digestsChecked(path.join(theirs, 'dist'), name)
      })
  })
})
