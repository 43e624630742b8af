import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import ts from 'typescript'
import { hashFile } from '../../src/checksums.js'
import type { AssetFile } from '../../src/release.js'
import { REPO_ROOT } from '../fakes/runner.js'
import { githubEnvFor, startGitHubService, type GitHubService } from '../services/github.js'

/**
 * Release uploads stream from the file: the step's peak RSS does not grow with the asset. The
 * release stage's upload path runs in a child node process (__tests__/fakes/upload-child.ts,
 * transpiled with src/ into build/, which resolves node_modules as the sources do) that reports
 * its own VmHWM; the loopback GitHub service hashes the 1.5 GiB body as it arrives and keeps it
 * in a temp file, so the read-back compares real digests. Before streaming, a 1 GiB asset peaked
 * at 3.1 GiB.
 */
const GiB = 1024 ** 3
const LIMIT_MIB = 300

let service: GitHubService
let work: string
let out: string

beforeAll(async () => {
  service = await startGitHubService()
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'upload-memory-'))
  // Under the repository (build/ is ignored by git) so the child resolves its node_modules.
  fs.mkdirSync(path.join(REPO_ROOT, 'build'), { recursive: true })
  out = fs.mkdtempSync(path.join(REPO_ROOT, 'build', 'upload-child-'))
})

afterAll(async () => {
  await service.stop()
  fs.rmSync(work, { recursive: true, force: true })
  if (out) fs.rmSync(out, { recursive: true, force: true })
})

/** Transpiles src/ and the child entry to `out`, keeping their relative paths; returns the entry. */
function transpile(): string {
  const sources = [
    ...fs
      .readdirSync(path.join(REPO_ROOT, 'src'), { recursive: true, encoding: 'utf8' })
      .filter(f => f.endsWith('.ts') && !f.endsWith('.d.ts'))
      .map(f => path.join('src', f)),
    path.join('__tests__', 'fakes', 'upload-child.ts')
  ]
  for (const rel of sources) {
    const { outputText } = ts.transpileModule(fs.readFileSync(path.join(REPO_ROOT, rel), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      fileName: rel
    })
    const target = path.join(out, rel.replace(/\.ts$/, '.js'))
    fs.mkdirSync(path.dirname(target), { recursive: true })
    fs.writeFileSync(target, outputText)
  }
  return path.join(out, '__tests__', 'fakes', 'upload-child.js')
}

async function assetFile(name: string, make: (file: string) => void): Promise<AssetFile> {
  const file = path.join(work, name)
  make(file)
  return {
    name,
    path: file,
    size: fs.statSync(file).size,
    sha256: (await hashFile(file, ['sha256'])).sha256
  }
}

test('a 1.5 GiB asset and two small ones upload with the peak RSS under 300 MiB; sizes and digests read back', async () => {
  const files = [
    // Sparse: no disk blocks, and read back as 1.5 GiB of zeros.
    await assetFile('app_1.0.0_linux_amd64.tar.gz', f => {
      const fd = fs.openSync(f, 'w')
      fs.ftruncateSync(fd, 1.5 * GiB)
      fs.closeSync(fd)
    }),
    await assetFile('app_1.0.0_darwin_arm64.tar.gz', f =>
      fs.writeFileSync(f, randomBytes(200_000))
    ),
    await assetFile('app_1.0.0_windows_amd64.zip', f => fs.writeFileSync(f, randomBytes(300_000)))
  ]
  const release = service.addRelease({ tagName: 'v1.0.0', draft: true })
  const entry = transpile()
  const child = spawn(process.execPath, [entry, JSON.stringify({ tag: 'v1.0.0', files })], {
    env: { PATH: process.env.PATH ?? '', ...githubEnvFor(service), GITHUB_TOKEN: service.token },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', d => (stdout += d))
  child.stderr.on('data', d => (stderr += d))
  const code = await new Promise<number | null>(resolve => child.on('close', resolve))
  if (code !== 0) throw new Error(`child exited ${code}:\n${stderr}`)
  const { vmHwmKiB } = JSON.parse(stdout.trim().split('\n').pop()!) as { vmHwmKiB: number }

  const stored = service.releases().find(r => r.id === release.id)!.assets
  for (const f of files) {
    const a = stored.find(x => x.name === f.name)
    expect({ name: a?.name, state: a?.state, size: a?.size, sha256: a?.sha256 }).toEqual({
      name: f.name,
      state: 'uploaded',
      size: f.size,
      sha256: f.sha256
    })
  }
  expect(stored).toHaveLength(3)
  expect(service.contractViolations).toEqual([])
  if (process.env.XBUILD_REPORT_RSS) process.stderr.write(`upload child VmHWM: ${vmHwmKiB} KiB\n`)
  expect(vmHwmKiB / 1024).toBeLessThan(LIMIT_MIB)
  expect(vmHwmKiB).toBeGreaterThan(0)
})
