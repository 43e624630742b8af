import { execFile } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { promisify } from 'node:util'
import { checkHeader, readBinaryHeader, type BinaryHeader } from '../../src/binary-header.js'
import { realProcess } from '../../src/ports/process.js'
import { numbered } from '../fakes/targets.js'

const run = promisify(execFile)

const HELLO = 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hello") }\n'
const HELLO_CGO = `package main

// int add(int a, int b) { return a + b; }
import "C"

import "fmt"

func main() { fmt.Println("hello", C.add(1, 2)) }
`

/** A target to build, the extra env it needs, and the header Go 1.26 gives it. */
type Row = [target: string, env: Record<string, string>, expected: BinaryHeader]

const elf = (goos: string, goarch: string, interpreter?: string): BinaryHeader =>
  interpreter
    ? { format: 'elf', goos, goarch, dynamic: true, interpreter }
    : { format: 'elf', goos, goarch, dynamic: false }

const pureGo: Row[] = [
  ['linux/amd64', {}, elf('linux', 'amd64')],
  ['linux/arm64', {}, elf('linux', 'arm64')],
  ['linux/arm', { GOARM: '7' }, elf('linux', 'arm')],
  ['linux/386', {}, elf('linux', '386')],
  ['linux/riscv64', {}, elf('linux', 'riscv64')],
  ['linux/ppc64le', {}, elf('linux', 'ppc64le')],
  ['linux/s390x', {}, elf('linux', 's390x')],
  ['linux/mips64le', {}, elf('linux', 'mips64le')],
  ['linux/mips', {}, elf('linux', 'mips')],
  ['linux/loong64', {}, elf('linux', 'loong64')],
  ['freebsd/amd64', {}, elf('freebsd', 'amd64')],
  ['netbsd/arm64', {}, elf('netbsd', 'arm64')],
  // OpenBSD and Solaris binaries go through libc even without cgo, so they carry PT_INTERP.
  ['openbsd/amd64', {}, elf('openbsd', 'amd64', '/usr/libexec/ld.so')],
  ['solaris/amd64', {}, elf('solaris', 'amd64', '/lib/amd64/ld.so.1')],
  // Go gives DragonFly no OSABI, note or PT_INTERP when static: it reads as plain ELF.
  ['dragonfly/amd64', {}, elf('linux', 'amd64')],
  ['windows/amd64', {}, { format: 'pe', goos: 'windows', goarch: 'amd64' }],
  ['windows/386', {}, { format: 'pe', goos: 'windows', goarch: '386' }],
  ['windows/arm64', {}, { format: 'pe', goos: 'windows', goarch: 'arm64' }],
  ['darwin/amd64', {}, { format: 'macho', goos: 'darwin', goarch: 'amd64' }],
  ['darwin/arm64', {}, { format: 'macho', goos: 'darwin', goarch: 'arm64' }],
  ['js/wasm', {}, { format: 'wasm', goos: 'js', goarch: 'wasm' }],
  ['wasip1/wasm', {}, { format: 'wasm', goos: 'wasip1', goarch: 'wasm' }],
  ['aix/ppc64', {}, { format: 'xcoff', goos: 'aix', goarch: 'ppc64' }],
  ['plan9/amd64', {}, { format: 'plan9', goos: 'plan9', goarch: 'amd64' }]
]

const cgo: Row[] = [
  ['linux/amd64', { CC: 'gcc' }, elf('linux', 'amd64', '/lib64/ld-linux-x86-64.so.2')],
  [
    'linux/arm64',
    { CC: 'aarch64-linux-gnu-gcc' },
    elf('linux', 'arm64', '/lib/ld-linux-aarch64.so.1')
  ]
]

// Headers of one target checked against another: the sentence the verify stage would print.
const mismatches: [built: string, goos: string, goarch: string, sentence: string][] = [
  ['linux/arm64', 'windows', 'amd64', 'is an ELF arm64 executable, expected windows/amd64 (PE)'],
  [
    'linux/amd64',
    'freebsd',
    'amd64',
    'is an ELF amd64 executable for linux, expected freebsd/amd64'
  ],
  [
    'freebsd/amd64',
    'linux',
    'amd64',
    'is an ELF amd64 executable for freebsd, expected linux/amd64'
  ],
  ['linux/mips', 'linux', 'mipsle', 'is an ELF mips executable, expected linux/mipsle'],
  ['windows/arm64', 'windows', 'amd64', 'is a PE arm64 executable, expected windows/amd64'],
  ['darwin/arm64', 'linux', 'arm64', 'is a Mach-O arm64 executable, expected linux/arm64 (ELF)'],
  ['js/wasm', 'wasip1', 'wasm', 'is a WebAssembly module for js, expected wasip1/wasm'],
  ['aix/ppc64', 'linux', 'ppc64', 'is an XCOFF ppc64 executable, expected linux/ppc64 (ELF)']
]

let dir: string
const built = new Map<string, string>()
const failures = new Map<string, string>()

/** Builds one row; a failure is recorded for its own test instead of failing every test in beforeAll. */
async function build(module: string, [target, extra]: Row, cgoEnabled: boolean): Promise<void> {
  const [goos, goarch] = target.split('/') as [string, string]
  const key = `${cgoEnabled ? 'cgo ' : ''}${target}`
  const out = path.join(dir, 'out', key.replace(/[ /]/g, '_'))
  // GOTOOLCHAIN=local and GOPROXY=off: the fixture is stdlib-only, so nothing may be fetched.
  // GOCACHE is inherited so runs (and the other integration tests) share one build cache.
  const env = {
    ...process.env,
    GOOS: goos,
    GOARCH: goarch,
    CGO_ENABLED: cgoEnabled ? '1' : '0',
    GOFLAGS: '',
    GOTOOLCHAIN: 'local',
    GOPROXY: 'off',
    ...extra
  }
  try {
    await run('go', ['build', '-trimpath', '-ldflags=-s -w', '-o', out, '.'], { cwd: module, env })
    built.set(key, out)
  } catch (error) {
    failures.set(key, (error as { stderr?: string }).stderr || String(error))
  }
}

/** Runs the builds a few at a time: each go build is parallel inside already. */
async function buildAll(jobs: (() => Promise<void>)[]): Promise<void> {
  const width = Math.max(2, Math.min(4, os.availableParallelism()))
  const queue = [...jobs]
  await Promise.all(
    Array.from({ length: width }, async () => {
      for (let job = queue.shift(); job; job = queue.shift()) await job()
    })
  )
}

function module(name: string, source: string): Promise<string> {
  const at = path.join(dir, name)
  fs.mkdirSync(at)
  fs.writeFileSync(path.join(at, 'main.go'), source)
  return run('go', ['mod', 'init', 'example.com/hello'], {
    cwd: at,
    env: { ...process.env, GOTOOLCHAIN: 'local' }
  }).then(() => at)
}

// Explicit: a testTimeout inside a jest `projects` entry does not reach hooks (they stay at 5 s).
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'binary-header-it-'))
  fs.mkdirSync(path.join(dir, 'out'))
  const [hello, helloCgo] = await Promise.all([
    module('hello', HELLO),
    module('hello-cgo', HELLO_CGO)
  ])
  await buildAll([
    ...pureGo.map(row => () => build(hello, row, false)),
    ...cgo.map(row => () => build(helloCgo, row, true))
  ])
}, 600_000)

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true })
})

async function headerOf(key: string): Promise<BinaryHeader> {
  const file = built.get(key)
  if (file === undefined)
    throw new Error(`building ${key} failed:\n${failures.get(key) ?? 'not built'}`)
  return readBinaryHeader(file)
}

test.each(numbered(pureGo))(
  '[%d] CGO_ENABLED=0 %s %j has the header of its target',
  async (_n, target, _env, expected) => {
    const header = await headerOf(target)
    expect(header).toEqual(expected)
    const [goos, goarch] = target.split('/') as [string, string]
    expect(checkHeader(header, goos, goarch)).toBeUndefined()
  }
)

test.each(numbered(cgo))(
  '[%d] CGO_ENABLED=1 %s with %j links dynamically',
  async (_n, target, _env, expected) => {
    const header = await headerOf(`cgo ${target}`)
    expect(header).toEqual(expected)
    const [goos, goarch] = target.split('/') as [string, string]
    expect(checkHeader(header, goos, goarch)).toBeUndefined()
  }
)

test.each(numbered(mismatches))(
  '[%d] the %s binary checked as %s/%s: %s',
  async (_n, target, goos, goarch, sentence) => {
    expect(checkHeader(await headerOf(target), goos, goarch)).toBe(sentence)
  }
)

// Externally linked BSD binaries may lack the OSABI byte; the note Go also writes must suffice.
test.each(numbered([['freebsd/amd64'], ['netbsd/arm64'], ['openbsd/amd64']]))(
  '[%d] the %s binary with EI_OSABI zeroed is still recognised by its ELF note',
  async (_n, target) => {
    const copy = path.join(dir, `${target.replace('/', '_')}-sysv`)
    await headerOf(target) // throws the build's stderr if it failed
    const bytes = fs.readFileSync(built.get(target)!)
    expect(bytes[7]).not.toBe(0)
    bytes[7] = 0
    fs.writeFileSync(copy, bytes)
    expect((await readBinaryHeader(copy)).goos).toBe(target.split('/')[0])
  }
)

test('DT_NEEDED is counted where there is no interpreter: a shared library, a static-pie program', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-needed-'))
  const source = path.join(dir, 'x.c')
  fs.writeFileSync(
    source,
    '#include <math.h>\ndouble f(double x) { return sqrt(x); }\nint main(void) { return 0; }\n'
  )
  const lib = path.join(dir, 'libx.so')
  const pie = path.join(dir, 'static-pie')
  const cc = (args: string[]) =>
    realProcess.run('gcc', args, { env: process.env as Record<string, string> })
  expect((await cc(['-shared', '-fPIC', '-o', lib, source, '-lm'])).code).toBe(0)
  expect((await cc(['-static-pie', '-fPIE', '-o', pie, source, '-lm'])).code).toBe(0)
  const readelfNeeded = async (file: string): Promise<number> =>
    (
      await realProcess.run('readelf', ['-d', file], { env: process.env as Record<string, string> })
    ).stdout
      .split('\n')
      .filter(l => l.includes('(NEEDED)')).length
  const shared = await readBinaryHeader(lib)
  expect(shared).toMatchObject({ dynamic: false, needed: await readelfNeeded(lib) })
  expect(shared.needed).toBeGreaterThanOrEqual(1) // libm
  expect(await readBinaryHeader(pie)).toMatchObject({ dynamic: false, needed: 0 })
  fs.rmSync(dir, { recursive: true, force: true })
})
