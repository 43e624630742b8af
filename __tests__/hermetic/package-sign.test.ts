import { createHash } from 'node:crypto'
import * as fs from 'node:fs'
import * as path from 'node:path'
import { gunzipSync } from 'node:zlib'
import { runStages } from '../../src/pipeline.js'
import { build } from '../../src/stages/build.js'
import { checksum } from '../../src/stages/checksum.js'
import { packageArchives } from '../../src/stages/package.js'
import { report } from '../../src/stages/report.js'
import { signChecksums } from '../../src/stages/sign.js'
import { moduleContext, validate, type HermeticRun, type Values } from '../fakes/hermetic.js'
import type { Call, Expected } from '../fakes/scripted-process.js'
import { numbered } from '../fakes/targets.js'
import { COMMIT, EPOCH, goBuilds, goModDownload } from '../fakes/toolchain.js'

const TAGGED = { commit: COMMIT, epoch: EPOCH, tags: ['v1.2.3'] }

const KEY = [
  '-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----',
  'eyJrZGYiOnsibmFtZSI6InNjcnlwdCIsInBhcmFtcyI6eyJOIjo2NTUzNiwiciI6',
  'OCwicCI6MX0sInNhbHQiOiJzZWNyZXRzYWx0In19',
  '-----END ENCRYPTED SIGSTORE PRIVATE KEY-----'
].join('\n')

/** The hello module (LICENSE and README.md beside it) built on canned go, then `stages`. */
async function made(
  values: Values,
  stages = [packageArchives, checksum],
  o: { tools?: string[]; script?: (bin: string) => Expected[] } = {}
): Promise<HermeticRun & { dist: string }> {
  const run = moduleContext(values, { repo: TAGGED, tools: o.tools })
  const targets = values.targets!.split(',').length
  run.script.expect(
    goModDownload(run.ctx.inputs.workingDirectory),
    goBuilds(targets),
    ...(o.script?.(run.bin) ?? [])
  )
  await validate(run)
  await runStages(run.ctx, [build, ...stages])
  run.script.done()
  return { ...run, dist: run.ctx.inputs.dist }
}

/** Entries of a tar.gz: name, mode and mtime from each ustar header. */
function tarEntries(file: string): string[] {
  const tar = gunzipSync(fs.readFileSync(file))
  const entries: string[] = []
  for (let at = 0; at + 512 <= tar.length;) {
    const name = tar.toString('utf8', at, at + 100).replace(/\0.*$/s, '')
    if (name === '') break
    const field = (from: number, len: number): number =>
      parseInt(
        tar
          .toString('utf8', at + from, at + from + len)
          .replace(/\0.*$/s, '')
          .trim(),
        8
      )
    const size = field(124, 12)
    entries.push(`${name} ${field(100, 8).toString(8)} ${field(136, 12)}`)
    at += 512 + Math.ceil(size / 512) * 512
  }
  return entries
}

const sha256 = (file: string): string =>
  createHash('sha256').update(fs.readFileSync(file)).digest('hex')

describe('archives are packed from the built binaries and the archive files', () => {
  test.each(
    numbered<[Values, string[]]>([
      [{ targets: 'linux/amd64' }, ['hello-fixture_1.2.3_linux_amd64.tar.gz']],
      [
        { targets: 'linux/arm/7,windows/amd64' },
        ['hello-fixture_1.2.3_linux_armv7.tar.gz', 'hello-fixture_1.2.3_windows_amd64.zip']
      ],
      [
        {
          targets: 'linux/amd64',
          archive: 'tar.xz',
          'name-template': '{{.ProjectName}}-{{.Target}}'
        },
        ['hello-fixture-linux_amd64.tar.xz']
      ],
      [
        { targets: 'linux/amd64,windows/arm64', archive: 'binary' },
        ['hello-fixture_1.2.3_linux_amd64', 'hello-fixture_1.2.3_windows_arm64.exe']
      ]
    ])
  )('[%d] %j -> %j', async (_n, values, names) => {
    const run = await made(values)
    const archives = run.ctx.artifacts.byKind('archive')
    expect(archives.map(a => a.name)).toEqual(names)
    for (const a of archives) {
      expect(path.dirname(a.path)).toBe(run.dist)
      expect(fs.statSync(a.path).size).toBe(a.size)
    }
  })

  test('a tar.gz holds LICENSE and README.md (0644) and the binary (0755), sorted, all at the commit time', async () => {
    const run = await made({ targets: 'linux/amd64' })
    const [archive] = run.ctx.artifacts.byKind('archive')
    expect(tarEntries(archive!.path)).toEqual([
      `LICENSE 644 ${EPOCH}`,
      `README.md 644 ${EPOCH}`,
      `hello-fixture 755 ${EPOCH}`
    ])
  })

  test('two runs of one commit in different folders write byte-identical archives', async () => {
    const first = await made({ targets: 'linux/amd64,windows/amd64' })
    const second = await made({ targets: 'linux/amd64,windows/amd64' })
    expect(first.dist).not.toBe(second.dist)
    const digests = (run: HermeticRun) =>
      run.ctx.artifacts.byKind('archive').map(a => sha256(a.path))
    expect(digests(first)).toEqual(digests(second))
  })
})

describe('checksums files list every archive', () => {
  test.each(
    numbered<[Values, string[]]>([
      [{ targets: 'linux/amd64,windows/amd64' }, ['checksums.txt sha256']],
      [
        {
          targets: 'linux/amd64',
          'checksum-algorithms': 'sha256,sha512',
          'checksums-name': 'SUMS'
        },
        ['SUMS sha256', 'SUMS.sha512 sha512']
      ]
    ])
  )('[%d] %j -> %j', async (_n, values, files) => {
    const run = await made(values)
    const sums = run.ctx.artifacts.byKind('checksums')
    expect(
      sums.map(s => `${s.name} ${files.find(f => f.startsWith(s.name + ' '))!.split(' ')[1]}`)
    ).toEqual(files)
    for (const [i, s] of sums.entries()) {
      const algorithm = files[i]!.split(' ')[1]!
      const expected = run.ctx.artifacts
        .byKind('archive')
        .map(
          a => `${createHash(algorithm).update(fs.readFileSync(a.path)).digest('hex')}  ${a.name}\n`
        )
        .join('')
      expect(fs.readFileSync(s.path, 'utf8')).toBe(expected)
      expect(fs.statSync(s.path).mtimeMs / 1000).toBe(EPOCH)
    }
  })
})

describe('outputs come from the artifacts the stages registered', () => {
  test('version, dist, checksums file and one artifacts entry per archive with its digest', async () => {
    const run = await made({ targets: 'linux/amd64,windows/amd64' }, [
      packageArchives,
      checksum,
      report
    ])
    const outputs = Object.fromEntries(run.outputs)
    expect(outputs).toMatchObject({
      version: '1.2.3',
      'dist-dir': run.dist,
      'checksums-file': path.join(run.dist, 'checksums.txt'),
      'cache-hit': 'false',
      'release-url': ''
    })
    const artifacts = JSON.parse(outputs.artifacts!) as Record<string, unknown>[]
    expect(artifacts.map(a => [a.target, a.name, a.binary, a.sha256])).toEqual([
      [
        'linux_amd64',
        'hello-fixture_1.2.3_linux_amd64.tar.gz',
        path.join(run.dist, 'linux_amd64', 'hello-fixture'),
        sha256(path.join(run.dist, 'hello-fixture_1.2.3_linux_amd64.tar.gz'))
      ],
      [
        'windows_amd64',
        'hello-fixture_1.2.3_windows_amd64.zip',
        path.join(run.dist, 'windows_amd64', 'hello-fixture.exe'),
        sha256(path.join(run.dist, 'hello-fixture_1.2.3_windows_amd64.zip'))
      ]
    ])
  })
})

describe('cosign signs each checksums file with the key in a temp file', () => {
  /** What cosign was given, seen while it ran (the key file is gone afterwards). */
  const seen: { argv: string[]; env: Record<string, string>; key?: string; keyMode?: number }[] = []
  const cosign = (bin: string, verify: Expected['result'] = {}): Expected[] => {
    const program = path.join(bin, 'cosign')
    const look = (call: Call): void => {
      const keyFile = call.args[call.args.indexOf('--key') + 1]!
      const exists = fs.existsSync(keyFile)
      seen.push({
        argv: call.args,
        env: call.options.env ?? {},
        ...(exists
          ? { key: fs.readFileSync(keyFile, 'utf8'), keyMode: fs.statSync(keyFile).mode & 0o777 }
          : {})
      })
    }
    return [
      {
        program,
        args: a => a[0] === 'sign-blob',
        label: 'cosign sign-blob …',
        effect: call => {
          look(call)
          fs.writeFileSync(
            call.args[call.args.indexOf('--bundle') + 1]!,
            '{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}\n'
          )
        }
      },
      {
        program,
        args: a => a[0] === 'public-key',
        label: 'cosign public-key …',
        effect: look,
        result: { stdout: '-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----\n' }
      },
      {
        program,
        args: a => a[0] === 'verify-blob',
        label: 'cosign verify-blob …',
        effect: look,
        result: verify
      }
    ]
  }
  beforeEach(() => (seen.length = 0))

  test.each(
    numbered<[string, Values, string[], string[]]>([
      [
        'with the transparency log',
        {},
        [
          'sign-blob',
          '--yes',
          '--key',
          'KEYFILE',
          '--bundle',
          'DIST/checksums.txt.sigstore.json',
          '--',
          'DIST/checksums.txt'
        ],
        [
          'verify-blob',
          '--key',
          'PUBFILE',
          '--bundle',
          'DIST/checksums.txt.sigstore.json',
          '--',
          'DIST/checksums.txt'
        ]
      ],
      [
        'cosign-tlog: false',
        { 'cosign-tlog': 'false' },
        [
          'sign-blob',
          '--yes',
          '--key',
          'KEYFILE',
          '--bundle',
          'DIST/checksums.txt.sigstore.json',
          '--tlog-upload=false',
          '--use-signing-config=false',
          '--',
          'DIST/checksums.txt'
        ],
        [
          'verify-blob',
          '--key',
          'PUBFILE',
          '--bundle',
          'DIST/checksums.txt.sigstore.json',
          '--insecure-ignore-tlog=true',
          '--',
          'DIST/checksums.txt'
        ]
      ]
    ])
  )('[%d] %s', async (_n, _what, values, signArgv, verifyArgv) => {
    const run = await made(
      { targets: 'linux/amd64', 'cosign-key': KEY, 'cosign-password': 'pw', ...values },
      [packageArchives, checksum, signChecksums],
      { tools: ['cosign'], script: bin => cosign(bin) }
    )
    // Each cosign command gets the key in a fresh 0600 file of a fresh folder under RUNNER_TEMP.
    const temp = run.ctx.ports.env.RUNNER_TEMP!
    const keyFile = new RegExp(`^${temp}/go-xbuild-cosign-[A-Za-z0-9]{6}/cosign\\.(key|pub)$`)
    const show = (argv: string[]) =>
      argv.map(a =>
        a
          .replace(keyFile, (_m, ext: string) => (ext === 'key' ? 'KEYFILE' : 'PUBFILE'))
          .replace(run.dist, 'DIST')
      )
    expect(seen.map(s => show(s.argv))).toEqual([
      signArgv,
      ['public-key', '--key', 'KEYFILE'],
      verifyArgv
    ])
    expect(seen.slice(0, 2).map(s => [s.key, s.keyMode])).toEqual([
      [`${KEY}\n`, 0o600],
      [`${KEY}\n`, 0o600]
    ])
    // …and the folder is gone afterwards.
    expect(fs.readdirSync(temp).filter(f => f.startsWith('go-xbuild-cosign-'))).toEqual([])
    for (const s of seen) {
      expect(s.env.COSIGN_PASSWORD).toBe('pw')
      expect(Object.values(s.env).join('\n')).not.toContain('SIGSTORE PRIVATE KEY')
      expect(s.argv.join(' ')).not.toContain('eyJrZGYi')
    }
    expect(run.ctx.artifacts.byKind('signature').map(s => [s.name, s.signs])).toEqual([
      ['checksums.txt.sigstore.json', 'checksums.txt']
    ])
  })

  test('a bundle that does not verify fails the stage naming both files', async () => {
    await expect(
      made(
        { targets: 'linux/amd64', 'cosign-key': KEY },
        [packageArchives, checksum, signChecksums],
        {
          tools: ['cosign'],
          script: bin =>
            cosign(bin, {
              code: 1,
              stderr: 'Error: invalid signature when validating ASN.1 encoded signature\n'
            })
        }
      )
    ).rejects.toThrow(
      'checksums.txt.sigstore.json does not verify checksums.txt: verifying checksums.txt.sigstore.json: cosign verify-blob exited 1: Error: invalid signature when validating ASN.1 encoded signature'
    )
  })

  test('no cosign-key: the stage is skipped and cosign never runs', async () => {
    const run = await made({ targets: 'linux/amd64' }, [packageArchives, checksum, signChecksums])
    expect(run.lines).toContain('skipped signing checksums with cosign: cosign-key is empty')
    expect(seen).toEqual([])
  })
})
