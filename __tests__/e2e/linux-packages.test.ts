// Linux packages made by dist/cli.js and checked with the formats' own tools: dpkg-deb and
// lintian, rpm, tar for apk and Arch packages (Debian 12 has no apk-tools or pacman). Each
// package is installed into a scratch root (dpkg --root, rpm --root; apk and Arch packages
// unpacked), its binary run there (natively or under QEMU) and the package removed again.
import { createHash, createPublicKey, verify } from 'node:crypto'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { gzipSync, inflateRawSync } from 'node:zlib'
import { realProcess } from '../../src/ports/process.js'
import { runCli } from '../fakes/cli.js'
import { copyFixture, gitInit } from '../fakes/context.js'

const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' }

const cli = runCli

/** Runs a tool; its output, failing the test with both streams when it fails. */
async function tool(
  file: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {}
) {
  const r = await realProcess.run(file, args, { ...options, env: { ...env, ...options.env } })
  if (r.code !== 0)
    throw new Error(`${file} ${args.join(' ')}: exit ${r.code}\n${r.stdout}\n${r.stderr}`)
  return r.stdout
}

const PACKAGES = [
  '- formats: [deb, rpm, apk, archlinux]',
  '  package-name: hello-fixture',
  '  maintainer: Jane Doe <jane@example.com>',
  '  description: |-',
  '    Prints its version.',
  '    A fixture of the package tests.',
  '  homepage: https://example.com/hello',
  '  license: MIT',
  '  vendor: Example',
  '  section: utils',
  '  priority: optional',
  '  depends: ["libc6 (>= 2.3)"]',
  '  contents:',
  '    - { src: packaging/copyright, dst: /usr/share/doc/hello-fixture/copyright, packager: deb, mode: 0644 }',
  '    - { src: packaging/changelog.gz, dst: /usr/share/doc/hello-fixture/changelog.gz, packager: deb, mode: 0644 }',
  '    - { src: packaging/hello.conf, dst: /etc/hello/hello.conf, type: "config|noreplace", mode: 0640 }',
  '    - { dst: /var/lib/hello, type: dir, mode: 0750 }',
  '  scripts:',
  '    postinstall: packaging/postinstall.sh',
  // A Go binary built without cgo is static by design; the package says so to lintian.
  '  deb: { lintian-overrides: [statically-linked-binary] }',
  '  overrides:',
  '    rpm: { depends: [glibc] }',
  '    apk: { depends: [musl] }',
  '    archlinux: { depends: [glibc] }'
].join('\n')

/** The hello fixture with packaging files, committed and tagged v1.2.3. */
async function project(): Promise<string> {
  const dir = copyFixture('hello')
  const pkg = path.join(dir, 'packaging')
  fs.mkdirSync(pkg)
  fs.writeFileSync(
    path.join(pkg, 'copyright'),
    'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nUpstream-Name: hello-fixture\n\nFiles: *\nCopyright: 2026 Jane Doe\nLicense: MIT\n'
  )
  fs.writeFileSync(
    path.join(pkg, 'changelog.gz'),
    gzipSync(
      'hello-fixture (1.2.3) unstable; urgency=medium\n\n  * Release 1.2.3.\n\n -- Jane Doe <jane@example.com>  Tue, 14 Nov 2023 22:13:20 +0000\n',
      { level: 9 }
    )
  )
  fs.writeFileSync(path.join(pkg, 'hello.conf'), 'greeting = hello\n')
  fs.writeFileSync(
    path.join(pkg, 'postinstall.sh'),
    '#!/bin/sh\nset -e\necho "hello-fixture installed"\n',
    { mode: 0o755 }
  )
  await gitInit(dir, { tag: 'v1.2.3' })
  return dir
}

const TARGETS = 'linux/amd64,linux/arm64,linux/arm/7'
const LDFLAGS = '-s -w -X main.version={{.Version}}'
const ARGS = [
  '--targets',
  TARGETS,
  '--ldflags',
  LDFLAGS,
  '--linux-packages',
  PACKAGES,
  '--sbom',
  'spdx-json'
]

let dir = ''
let dist = ''
let stderr = ''
let scratch = ''

beforeAll(async () => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-pkg-roots-'))
  dir = await project()
  dist = path.join(dir, 'dist')
  const run = await cli(ARGS, dir)
  if (run.status !== 0) throw new Error(`cli failed:\n${run.stdout}\n${run.stderr}`)
  stderr = run.stderr
}, 20 * 60_000)

afterAll(() => {
  for (const d of [dir, scratch]) if (d) fs.rmSync(d, { recursive: true, force: true })
})

const packages = () =>
  fs
    .readdirSync(dist)
    .filter(f => /\.(deb|rpm|apk|pkg\.tar\.zst)$/.test(f))
    .sort()

test("one package per linux target and format, named by GoReleaser's default, each in the checksums with its SBOM", () => {
  expect(packages()).toEqual([
    'hello-fixture_1.2.3_linux_amd64.apk',
    'hello-fixture_1.2.3_linux_amd64.deb',
    'hello-fixture_1.2.3_linux_amd64.pkg.tar.zst',
    'hello-fixture_1.2.3_linux_amd64.rpm',
    'hello-fixture_1.2.3_linux_arm64.apk',
    'hello-fixture_1.2.3_linux_arm64.deb',
    'hello-fixture_1.2.3_linux_arm64.pkg.tar.zst',
    'hello-fixture_1.2.3_linux_arm64.rpm',
    'hello-fixture_1.2.3_linux_armv7.apk',
    'hello-fixture_1.2.3_linux_armv7.deb',
    'hello-fixture_1.2.3_linux_armv7.pkg.tar.zst',
    'hello-fixture_1.2.3_linux_armv7.rpm'
  ])
  const sums = fs.readFileSync(path.join(dist, 'checksums.txt'), 'utf8')
  // Each package and its SBOM (sbom: spdx-json), which names the binary the package installs.
  for (const name of packages().flatMap(p => [p, `${p}.sbom.spdx.json`])) {
    const digest = createHash('sha256')
      .update(fs.readFileSync(path.join(dist, name)))
      .digest('hex')
    expect(sums).toContain(`${digest}  ${name}\n`)
  }
  const sbom = JSON.parse(
    fs.readFileSync(path.join(dist, 'hello-fixture_1.2.3_linux_arm64.rpm.sbom.spdx.json'), 'utf8')
  ) as { name: string; packages: { name: string }[] }
  expect(sbom.name).toBe('hello-fixture_1.2.3_linux_arm64.rpm')
  expect(sbom.packages.map(p => p.name)).toContain('example.com/hello-fixture')
  expect(stderr).toMatch(/making Linux packages/)
})

test('deb: dpkg-deb reads the metadata and the files with their modes and owners', async () => {
  const deb = path.join(dist, 'hello-fixture_1.2.3_linux_arm64.deb')
  const info = await tool('dpkg-deb', ['--info', deb])
  expect(info).toMatch(/^ Package: hello-fixture$/m)
  expect(info).toMatch(/^ Version: 1\.2\.3$/m)
  expect(info).toMatch(/^ Architecture: arm64$/m)
  expect(info).toMatch(/^ Maintainer: Jane Doe <jane@example\.com>$/m)
  expect(info).toMatch(/^ Depends: libc6 \(>= 2\.3\)$/m)
  expect(info).toMatch(/^ Section: utils$/m)
  expect(info).toMatch(/^ Homepage: https:\/\/example\.com\/hello$/m)
  expect(info).toMatch(
    /^ Description: Prints its version\.\n {2}A fixture of the package tests\.$/m
  )
  expect(info).toMatch(/ postinst/)
  expect(info).toMatch(/ conffiles/)
  const contents = await tool('dpkg-deb', ['--contents', deb])
  expect(contents).toMatch(/^-rwxr-xr-x root\/root .* \.\/usr\/bin\/hello-fixture$/m)
  expect(contents).toMatch(/^-rw-r----- root\/root .* \.\/etc\/hello\/hello\.conf$/m)
  expect(contents).toMatch(/^drwxr-x--- root\/root .* \.\/var\/lib\/hello\/$/m)
  // Every file carries the commit time (gitInit commits at 1700000000 = 2023-11-14 22:13 UTC).
  expect(contents).toMatch(/2023-11-14 22:13 \.\/usr\/bin\/hello-fixture$/m)
})

test("deb: lintian finds no errors, the package's own overrides applied", async () => {
  const deb = path.join(dist, 'hello-fixture_1.2.3_linux_amd64.deb')
  const r = await realProcess.run('lintian', ['--fail-on', 'error', deb], { env })
  expect({
    code: r.code,
    errors: r.stdout.split('\n').filter(l => l.startsWith('E:')),
    stderr: r.code === 0 ? '' : r.stderr + r.stdout
  }).toEqual({ code: 0, errors: [], stderr: '' })
  // The tag a static Go binary gets is there, overridden by the file the package installs.
  const shown = await realProcess.run('lintian', ['--fail-on', 'none', '--show-overrides', deb], {
    env
  })
  expect(shown.stdout).toMatch(/^O: hello-fixture: statically-linked-binary/m)
  expect(await tool('dpkg-deb', ['--contents', deb])).toMatch(
    /^-rw-r--r-- root\/root .* \.\/usr\/share\/lintian\/overrides\/hello-fixture$/m
  )
})

test('deb: installs into a scratch root, runs there, and its removal leaves nothing behind', async () => {
  for (const [arch, run] of [
    ['amd64', []],
    ['arm64', ['qemu-aarch64-static']],
    ['armv7', ['qemu-arm-static']]
  ] as const) {
    const root = path.join(scratch, `deb-${arch}`)
    const admin = path.join(root, 'var', 'lib', 'dpkg')
    for (const d of ['info', 'updates', 'triggers'])
      fs.mkdirSync(path.join(admin, d), { recursive: true })
    fs.writeFileSync(path.join(admin, 'status'), '')
    const dpkg = [
      '--root',
      root,
      '--force-script-chrootless',
      '--force-depends',
      '--force-architecture'
    ]
    const out = await tool('dpkg', [
      ...dpkg,
      '-i',
      path.join(dist, `hello-fixture_1.2.3_linux_${arch}.deb`)
    ])
    expect(out).toContain('hello-fixture installed')
    const binary = path.join(root, 'usr', 'bin', 'hello-fixture')
    const [program, ...args] = [...run, binary, '--version']
    expect((await tool(program!, args)).trim()).toBe('1.2.3')
    await tool('dpkg', [...dpkg, '--purge', 'hello-fixture'])
    expect(filesUnder(root).filter(f => !f.startsWith('var/lib/dpkg/'))).toEqual([])
  }
})

test('rpm: rpm reads the metadata and files, installs into a scratch root and removes cleanly', async () => {
  const rpm = path.join(dist, 'hello-fixture_1.2.3_linux_amd64.rpm')
  const info = await tool('rpm', ['-qpi', rpm])
  expect(info).toMatch(/^Name\s+: hello-fixture$/m)
  expect(info).toMatch(/^Version\s+: 1\.2\.3$/m)
  expect(info).toMatch(/^Release\s+: 1$/m)
  expect(info).toMatch(/^Architecture: x86_64$/m)
  expect(info).toMatch(/^License\s+: MIT$/m)
  expect(info).toMatch(/^Vendor\s+: Example$/m)
  expect(await tool('rpm', ['-qp', '--requires', rpm])).toMatch(/^glibc$/m)
  const dump = await tool('rpm', ['-qpl', '--dump', rpm])
  // path size mtime digest mode owner group isconfig isdoc rdev symlink
  expect(dump).toMatch(
    /^\/usr\/bin\/hello-fixture \d+ 1700000000 [0-9a-f]{64} 0100755 root root 0 0 \d+ X$/m
  )
  expect(dump).toMatch(
    /^\/etc\/hello\/hello\.conf 17 1700000000 [0-9a-f]{64} 0100640 root root 1 0 \d+ X$/m
  )
  expect(dump).toMatch(/^\/var\/lib\/hello 4096 1700000000 0{64} 040750 root root 0 0 \d+ X$/m)
  expect(dump).not.toMatch(/copyright/)
  const root = path.join(scratch, 'rpm')
  fs.mkdirSync(root)
  // Debian's rpm keeps its database in ~/.rpmdb: in the root's /var/lib/rpm, as on a real system.
  const rpmRoot = ['--root', root, '--dbpath', '/var/lib/rpm']
  await tool('rpm', [...rpmRoot, '--initdb'])
  // Scriptlets run chrooted into the root, which has no shell: the deb test runs the script.
  await tool('rpm', [...rpmRoot, '-i', '--nodeps', '--noscripts', rpm])
  expect((await tool(path.join(root, 'usr', 'bin', 'hello-fixture'), ['--version'])).trim()).toBe(
    '1.2.3'
  )
  await tool('rpm', [...rpmRoot, '-e', '--nodeps', '--noscripts', 'hello-fixture'])
  expect(filesUnder(root).filter(f => !f.startsWith('var/lib/rpm'))).toEqual([])
})

test('apk and Arch packages: their .PKGINFO and files, unpacked and run', async () => {
  for (const [file, unpack, pkginfo] of [
    [
      'hello-fixture_1.2.3_linux_arm64.apk',
      ['-xzf'],
      ['pkgname = hello-fixture', 'pkgver = 1.2.3', 'arch = aarch64', 'depend = musl']
    ],
    [
      'hello-fixture_1.2.3_linux_arm64.pkg.tar.zst',
      ['--zstd', '-xf'],
      ['pkgname = hello-fixture', 'pkgver = 1.2.3-1', 'arch = aarch64', 'depend = glibc']
    ]
  ] as const) {
    const root = path.join(scratch, file)
    fs.mkdirSync(root)
    await tool('tar', [...unpack, path.join(dist, file), '-C', root])
    const text = fs.readFileSync(path.join(root, '.PKGINFO'), 'utf8')
    for (const line of pkginfo)
      expect(text).toMatch(new RegExp(`^${line.replace(/[.+]/g, '\\$&')}$`, 'm'))
    expect(fs.statSync(path.join(root, 'etc', 'hello', 'hello.conf')).mode & 0o777).toBe(0o640)
    expect(
      fs.existsSync(path.join(root, 'usr', 'share', 'doc', 'hello-fixture', 'copyright'))
    ).toBe(false)
    const out = await tool('qemu-aarch64-static', [
      path.join(root, 'usr', 'bin', 'hello-fixture'),
      '--version'
    ])
    expect(out.trim()).toBe('1.2.3')
  }
})

test(
  'a second run of the same commit in another folder gives byte-identical packages',
  async () => {
    const again = await project()
    try {
      const run = await cli(ARGS, again)
      if (run.status !== 0) throw new Error(`cli failed:\n${run.stdout}\n${run.stderr}`)
      const digest = (d: string) =>
        packages().map(n =>
          createHash('sha256')
            .update(fs.readFileSync(path.join(d, n)))
            .digest('hex')
        )
      expect(digest(path.join(again, 'dist'))).toEqual(digest(dist))
    } finally {
      fs.rmSync(again, { recursive: true, force: true })
    }
  },
  20 * 60_000
)

test('bad package input is refused before anything is built, naming each input and value', async () => {
  const bad = copyFixture('hello')
  try {
    await gitInit(bad, { tag: 'v1.2.3' })
    const run = await cli(
      [
        '--targets',
        'linux/amd64',
        '--linux-packages',
        [
          '- formats: [deb, snap]',
          '  depends: ["git (>= )"]',
          '  contents: [{ src: ../../etc/passwd, dst: /etc/passwd }]',
          '  scripts: { postinstall: packaging/missing.sh }'
        ].join('\n')
      ],
      bad
    )
    expect(run.status).toBe(1)
    const text = run.stdout + run.stderr
    expect(text).toContain('linux-packages[0].formats: "snap" is not a package format')
    expect(text).toContain('linux-packages[0].depends: "git (>= )"')
    expect(text).toContain(
      'linux-packages[0].contents[0].src: "../../etc/passwd" is not a path inside the module'
    )
    expect(text).toContain(
      'linux-packages[0].scripts.postinstall: "packaging/missing.sh" does not exist'
    )
    expect(text).not.toMatch(/building binaries/)
    expect(fs.existsSync(path.join(bad, 'dist'))).toBe(false)
  } finally {
    fs.rmSync(bad, { recursive: true, force: true })
  }
})

/** Regular files and links under a folder, relative, sorted (folders left out). */
function filesUnder(root: string): string[] {
  return (fs.readdirSync(root, { recursive: true }) as string[])
    .filter(f => !fs.lstatSync(path.join(root, f)).isDirectory())
    .sort()
}

describe('signed packages', () => {
  let keys = ''
  const gpg = (args: string[]) =>
    tool('gpg', ['--homedir', path.join(keys, 'gnupg'), '--batch', ...args])

  beforeAll(async () => {
    keys = fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-pkg-keys-'))
    fs.mkdirSync(path.join(keys, 'gnupg'), { mode: 0o700 })
    const pass = ['--pinentry-mode', 'loopback', '--passphrase', 'package pass']
    await gpg([
      ...pass,
      '--quick-gen-key',
      'Packager <pkg@example.com>',
      'rsa2048',
      'sign',
      'never'
    ])
    fs.writeFileSync(
      path.join(keys, 'secret.asc'),
      await gpg([...pass, '--armor', '--export-secret-keys'])
    )
    fs.writeFileSync(path.join(keys, 'public.asc'), await gpg(['--armor', '--export']))
    await tool('openssl', ['genrsa', '-out', path.join(keys, 'rsa.pem'), '2048'])
  })

  afterAll(() => {
    if (keys) fs.rmSync(keys, { recursive: true, force: true })
  })

  const secrets = () => ({
    PACKAGE_GPG_KEY: fs.readFileSync(path.join(keys, 'secret.asc'), 'utf8'),
    PACKAGE_RSA_KEY: fs.readFileSync(path.join(keys, 'rsa.pem'), 'utf8'),
    PACKAGE_KEY_PASSPHRASE: 'package pass'
  })
  const SIGNED = '- formats: [deb, rpm, apk]\n  maintainer: Jane Doe <jane@example.com>\n'

  test(
    'deb, rpm and apk signatures verify with the public keys; the keys never reach the log',
    async () => {
      const signed = await project()
      try {
        const run = await cli(
          ['--targets', 'linux/amd64', '--linux-packages', SIGNED],
          signed,
          secrets()
        )
        if (run.status !== 0) throw new Error(`cli failed:\n${run.stdout}\n${run.stderr}`)
        const out = path.join(signed, 'dist')
        // rpm: rpm -K against a database that trusts the public key.
        const db = path.join(keys, 'rpmdb')
        fs.mkdirSync(db)
        await tool('rpm', ['--dbpath', db, '--import', path.join(keys, 'public.asc')])
        expect(
          await tool('rpm', [
            '--dbpath',
            db,
            '-K',
            path.join(out, 'hello-fixture_1.2.3_linux_amd64.rpm')
          ])
        ).toMatch(/digests signatures OK/)
        // deb: debsign's _gpgorigin, a detached signature over debian-binary, control and data.
        const ar = path.join(keys, 'deb')
        fs.mkdirSync(ar)
        await tool('ar', ['x', path.join(out, 'hello-fixture_1.2.3_linux_amd64.deb')], { cwd: ar })
        expect(fs.readdirSync(ar).sort()).toEqual([
          '_gpgorigin',
          'control.tar.gz',
          'data.tar.gz',
          'debian-binary'
        ])
        fs.writeFileSync(
          path.join(ar, 'signed'),
          Buffer.concat(
            ['debian-binary', 'control.tar.gz', 'data.tar.gz'].map(f =>
              fs.readFileSync(path.join(ar, f))
            )
          )
        )
        const verified = await realProcess.run(
          'gpg',
          ['--homedir', path.join(keys, 'gnupg'), '--batch', '--verify', '_gpgorigin', 'signed'],
          { cwd: ar, env }
        )
        expect(verified.stderr).toMatch(/Good signature from "Packager <pkg@example\.com>"/)
        // apk: an RSA-SHA1 signature of the control stream, named after the maintainer's address.
        const apk = fs.readFileSync(path.join(out, 'hello-fixture_1.2.3_linux_amd64.apk'))
        const [signature, control] = gzipMembers(apk)
        const name = signature!.data
          .subarray(0, 100)
          .toString('latin1')
          .replace(/\0[^]*$/, '')
        expect(name).toBe('.SIGN.RSA.jane@example.com.rsa.pub')
        const size = parseInt(signature!.data.subarray(124, 136).toString('latin1').trim(), 8)
        const key = createPublicKey(fs.readFileSync(path.join(keys, 'rsa.pem')))
        expect(
          verify(
            'sha1',
            apk.subarray(control!.start, control!.end),
            key,
            signature!.data.subarray(512, 512 + size)
          )
        ).toBe(true)
        // No line of either key, nor the passphrase, in what the run printed.
        const printed = run.stdout + run.stderr
        for (const value of Object.values(secrets()))
          for (const line of value.split('\n').filter(l => l.length > 20 && !l.startsWith('-----')))
            expect(printed).not.toContain(line)
        expect(printed).not.toContain('package pass')
      } finally {
        fs.rmSync(signed, { recursive: true, force: true })
      }
    },
    20 * 60_000
  )

  test(
    'a key whose passphrase is missing or wrong is refused before anything is built',
    async () => {
      const bad = await project()
      try {
        for (const passphrase of ['', 'wrong pass']) {
          const run = await cli(['--targets', 'linux/amd64', '--linux-packages', SIGNED], bad, {
            ...secrets(),
            PACKAGE_KEY_PASSPHRASE: passphrase
          })
          expect(run.status).toBe(1)
          const text = run.stdout + run.stderr
          expect(text).toMatch(/package-gpg-key: nFPM cannot sign with it/)
          expect(text).not.toMatch(/building binaries/)
          if (passphrase === '')
            expect(text).toContain("give the key's passphrase as package-key-passphrase")
        }
        const notAKey = await cli(['--targets', 'linux/amd64', '--linux-packages', SIGNED], bad, {
          PACKAGE_RSA_KEY: fs.readFileSync(path.join(keys, 'public.asc'), 'utf8')
        })
        expect(notAKey.status).toBe(1)
        expect(notAKey.stdout + notAKey.stderr).toContain(
          'package-rsa-key: not an RSA private key in PEM'
        )
      } finally {
        fs.rmSync(bad, { recursive: true, force: true })
      }
    },
    20 * 60_000
  )
})

/** The gzip members of a file (an apk is three: signature, control, data), where each lies. */
function gzipMembers(buf: Buffer): { start: number; end: number; data: Buffer }[] {
  const members = []
  let at = 0
  while (at < buf.length) {
    if (buf[at] !== 0x1f || buf[at + 1] !== 0x8b) throw new Error(`no gzip member at ${at}`)
    const flags = buf[at + 3]!
    let body = at + 10
    if (flags & 4) body += 2 + buf.readUInt16LE(body)
    if (flags & 8) while (buf[body++] !== 0);
    if (flags & 16) while (buf[body++] !== 0);
    if (flags & 2) body += 2
    const { buffer, engine } = inflateRawSync(buf.subarray(body), { info: true }) as unknown as {
      buffer: Buffer
      engine: { bytesWritten: number }
    }
    const end = body + engine.bytesWritten + 8
    members.push({ start: at, end, data: buffer })
    at = end
  }
  return members
}
