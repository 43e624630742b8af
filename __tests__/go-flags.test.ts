import { execFile } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {
  checkBuildFlags,
  checkEnvName,
  checkGoflags,
  checkLdflags,
  joinQuoted,
  parseEnvInput,
  parseTargetMap,
  splitQuoted
} from '../src/go-flags.js'
import { numbered } from './fakes/targets.js'

// [input, fields or the Error message Go's quoted.Split gives]
const splitRows: [string, string[] | string][] = [
  ['', []],
  ['  -s   -w  ', ['-s', '-w']],
  ["-X 'main.v=a b'", ['-X', 'main.v=a b']],
  ['-X main.v="a b"', ['-X', 'main.v="a', 'b"']],
  ["'a'b", ['a', 'b']],
  ['a\tb\nc\rd', ['a', 'b', 'c', 'd']],
  [`"it's"`, ["it's"]],
  ["''", ['']],
  ["-X 'main.v=a", "unterminated ' string"],
  ['"a', 'unterminated " string'],
  ['$(id) `x` ;', ['$(id)', '`x`', ';']],
  ['a\\ b', ['a\\', 'b']]
]

test.each(numbered(splitRows))('[%d] splitQuoted %j', (_n, input, expected) => {
  if (typeof expected === 'string') {
    expect(() => splitQuoted(input)).toThrow(new Error(expected))
  } else {
    expect(splitQuoted(input)).toEqual(expected)
  }
})

// [fields, joined string or the Error pattern]
const joinRows: [string[], string | RegExp][] = [
  [['-s', '-w'], '-s -w'],
  [['-X', 'main.v=a b'], "-X 'main.v=a b'"],
  [["it's"], `"it's"`],
  [['say "hi"'], `'say "hi"'`],
  [[`both ' and "`], /contains both single and double quotes/],
  [['a', '', 'b'], 'a  b']
]

test.each(numbered(joinRows))('[%d] joinQuoted %j', (_n, fields, expected) => {
  if (expected instanceof RegExp) {
    expect(() => joinQuoted(fields)).toThrow(expected)
  } else {
    expect(joinQuoted(fields)).toBe(expected)
  }
})

// [description, rendered -ldflags, expected problems (exact)]
const ldflagsRows: [string, string, string[]][] = [
  ['usual flags', "-s -w -X main.version=1.2.3 -X 'main.name=my app'", []],
  ['-X=value form', '-X=main.v=1', []],
  ['empty', '', []],
  ['package pattern prefix', 'all=-s -w', []],
  [
    'quotes inside a word',
    '-X main.v="a b"',
    [
      `ldflags: "-X main.v="a b"" has quotes inside a word, which go keeps as literal characters (it reads the words -X | main.v="a | b"); quote whole words instead: -X 'main.v=a b'`
    ]
  ],
  [
    'a quote as the value',
    `-X main.v="1.0"`,
    [
      `ldflags: "-X main.v="1.0"" has quotes inside a word, which go keeps as literal characters (it reads the words -X | main.v="1.0"); quote whole words instead: -X main.v=1.0`
    ]
  ],
  [
    'a value needing both quote kinds',
    `-X main.v="it's"'"x"'`,
    [
      `ldflags: "-X main.v="it's"'"x"'" has quotes inside a word, which go keeps as literal characters (it reads the words -X | main.v="it's"'"x"'); main.v=it's"x" needs both ' and ", which -ldflags cannot express (go has no escapes)`
    ]
  ],
  [
    'unterminated quote',
    "-X 'main.v=1",
    [
      `ldflags: unterminated ' string in "-X 'main.v=1" (go splits -ldflags at spaces; quotes go around whole words, without escapes)`
    ]
  ],
  [
    '-X without a dot',
    '-X version=1',
    ['ldflags: -X "version=1" is not importpath.name=value (e.g. -X main.version=1.2.3)']
  ],
  [
    '-X without =',
    '-s -X main.version',
    ['ldflags: -X "main.version" is not importpath.name=value (e.g. -X main.version=1.2.3)']
  ],
  ['-X at the end', '-s -X', ['ldflags: "-X" at the end of "-s -X" needs importpath.name=value']],
  [
    'linker -o would move the output',
    '-s -o /tmp/x',
    ['ldflags: linker flag "-o" is not allowed: the action chooses output paths']
  ],
  [
    'pattern prefix starting with a quote',
    "'all=-s'",
    [
      `ldflags: parameter may not start with quote character ' in "'all=-s'" (go splits -ldflags at spaces; quotes go around whole words, without escapes)`
    ]
  ]
]

test.each(numbered(ldflagsRows))('[%d] checkLdflags: %s', (_n, _what, rendered, expected) => {
  expect(checkLdflags('ldflags', rendered)).toEqual(expected)
})

const ALLOWED =
  '(allowed: -a, -asan, -asmflags, -buildmode, -compiler, -cover, -covermode, -coverpkg, -gccgoflags, -gcflags, -installsuffix, -linkshared, -mod, -modcacherw, -msan, -p, -pgo, -race, -v, -x)'

// [description, argv elements, expected problems (exact)]
const flagRows: [string, string[], string[]][] = [
  [
    'booleans and values in every form',
    ['-a', '--race', '-v=true', '-p', '4', '--mod=readonly'],
    []
  ],
  ['value starting with a dash is taken, as Go does', ['-gcflags', '-N -l'], []],
  ['per-package gcflags', ['-gcflags=all=-N -l', '-asmflags=std=-dynlink'], []],
  [
    '-o',
    ['-o', 'bin/x'],
    [`flags: "-o" is not allowed: the action chooses output paths ${ALLOWED}`]
  ],
  [
    '-toolexec=',
    ['--toolexec=/bin/true'],
    [
      `flags: "--toolexec=/bin/true" is not allowed: it runs another program around every compile and link ${ALLOWED}`
    ]
  ],
  [
    '-ldflags points at its input',
    ['-ldflags=-s -w'],
    ['flags: "-ldflags=-s -w" is not allowed: set linker flags with the ldflags input']
  ],
  [
    '-trimpath points at its input',
    ['-trimpath'],
    ['flags: "-trimpath" is not allowed: set it with the trimpath input']
  ],
  [
    '-buildvcs takes no separate value',
    ['-buildvcs', '-v'],
    ['flags: "-buildvcs" is not allowed: set it with the buildvcs input']
  ],
  [
    '-C',
    ['-C', 'sub'],
    [
      `flags: "-C" is not allowed: it changes the directory go builds in (use the working-directory input) ${ALLOWED}`
    ]
  ],
  [
    'unknown',
    ['-count=1'],
    [`flags: "-count=1" is not a go build flag this action accepts ${ALLOWED}`]
  ],
  [
    'bad -buildmode',
    ['-buildmode=c-shared'],
    ['flags: "-buildmode=c-shared" has a bad value for -buildmode (allowed: exe, pie, default)']
  ],
  [
    'bad -mod',
    ['-mod', 'bogus'],
    ['flags: "-mod bogus" has a bad value for -mod (allowed: readonly, vendor, mod)']
  ],
  ['bad -p', ['-p=0'], ['flags: "-p=0" has a bad value for -p (a positive whole number)']],
  [
    'bad boolean',
    ['-race=yes'],
    ['flags: "-race=yes": -race is a boolean flag (allowed: -race, -race=true, -race=false)']
  ],
  ['missing value', ['-p'], ['flags: "-p" needs a value (write -p=value)']],
  [
    'gcflags pattern without =',
    ['-gcflags=all'],
    ['flags: "-gcflags=all" has a bad value for -gcflags (missing =<value> in <pattern>=<value>)']
  ],
  [
    'package argument',
    ['./cmd/app'],
    [
      'flags: "./cmd/app" is not a flag: only go build flags belong here (packages and output come from other inputs)'
    ]
  ],
  ['-- terminator', ['--'], ['flags: "--" ends flag parsing; only flags belong here']],
  ['three dashes', ['---v'], ['flags: "---v" is bad flag syntax']]
]

test.each(numbered(flagRows))('[%d] checkBuildFlags: %s', (_n, _what, flags, expected) => {
  expect(checkBuildFlags('flags', flags)).toEqual(expected)
})

// [description, GOFLAGS, expected problems (exact)]
const goflagsRows: [string, string, string[]][] = [
  ['allowed words', "-mod=mod --v '-gcflags=all=-N -l'", []],
  [
    'value flag needs =value',
    '-p 4',
    [
      'env: GOFLAGS "-p" needs a value: in GOFLAGS write -p=value',
      'env: GOFLAGS word "4" is not a flag: GOFLAGS holds only -flag or -flag=value words'
    ]
  ],
  [
    'smuggled -toolexec',
    '-toolexec=/tmp/evil',
    [
      `env: GOFLAGS "-toolexec=/tmp/evil" is not allowed: it runs another program around every compile and link ${ALLOWED}`
    ]
  ],
  [
    'smuggled -o',
    '-o=/tmp/x',
    [`env: GOFLAGS "-o=/tmp/x" is not allowed: the action chooses output paths ${ALLOWED}`]
  ],
  [
    'unterminated',
    "'-gcflags=-N",
    [
      `env: GOFLAGS "'-gcflags=-N": unterminated ' string (quote whole words, e.g. '-gcflags=-N -l')`
    ]
  ],
  [
    '---x',
    '---v',
    ['env: GOFLAGS word "---v" is not a flag: GOFLAGS holds only -flag or -flag=value words']
  ]
]

test.each(numbered(goflagsRows))('[%d] checkGoflags: %s', (_n, _what, value, expected) => {
  expect(checkGoflags('env', value)).toEqual(expected)
})

const FAMILIES = '(allowed: GO*, CGO_*, CC, CXX, AR, FC, GCCGO, PKG_CONFIG*)'
// [name, expected problem or undefined]
const envNameRows: [string, string | undefined][] = [
  ['CGO_ENABLED', undefined],
  ['GOFLAGS', undefined],
  ['GOEXPERIMENT', undefined],
  ['CC', undefined],
  ['PKG_CONFIG_PATH', undefined],
  [
    'GOARCH',
    'env: "GOARCH" is not allowed: the targets input sets GOOS, GOARCH and variants (e.g. linux/arm/7)'
  ],
  [
    'GOARM',
    'env: "GOARM" is not allowed: the targets input sets GOOS, GOARCH and variants (e.g. linux/arm/7)'
  ],
  [
    'goos',
    'env: "goos" is not allowed: the targets input sets GOOS, GOARCH and variants (e.g. linux/arm/7)'
  ],
  [
    'GOENV',
    'env: "GOENV" is not allowed: go would read settings, GOFLAGS included, from a file these checks never see'
  ],
  [
    'GOCACHEPROG',
    'env: "GOCACHEPROG" is not allowed: it runs a program that can hand go any build output'
  ],
  [
    'LD_PRELOAD',
    'env: "LD_PRELOAD" is not allowed: it loads code into every program the build runs'
  ],
  [
    'NODE_OPTIONS',
    'env: "NODE_OPTIONS" is not allowed: it changes how Node runs, this action included'
  ],
  ['BASH_ENV', 'env: "BASH_ENV" is not allowed: the shell runs the file it names at startup'],
  [
    'Path',
    'env: "Path" is not allowed: it changes which programs run; install tools in an earlier step instead'
  ],
  ['GITHUB_TOKEN', 'env: "GITHUB_TOKEN" is not allowed: it belongs to the runner'],
  ['cgo_enabled', 'env: "cgo_enabled" is not allowed: names are case-sensitive; write CGO_ENABLED'],
  ['HOME', `env: "HOME" is not allowed: builds take only Go and C toolchain variables ${FAMILIES}`],
  ['1CC', 'env: "1CC" is not a variable name (letters, digits and _, not starting with a digit)'],
  [
    'CC ',
    'env: "CC " is not a variable name (letters, digits and _, not starting with a digit; no spaces around "=")'
  ]
]

test.each(numbered(envNameRows))('[%d] checkEnvName %j', (_n, name, expected) => {
  expect(checkEnvName('env', name)).toBe(expected)
})

// [description, env input, expected settings, expected errors]
const envRows: [string, string, object[], string[]][] = [
  [
    'scoped, unscoped, comments and data values',
    [
      '# cgo for arm64 only',
      'CGO_ENABLED=0',
      'linux/arm64: CGO_ENABLED=1',
      'linux/arm64 : CC=aarch64-linux-gnu-gcc',
      'windows/*: CC=C:\\mingw\\gcc.exe',
      'linux/arm/7: CGO_CFLAGS=-O2 -DX="a:b"',
      'GOPRIVATE=example.com/*,corp.dev',
      'GOFLAGS=-mod=mod',
      'CGO_LDFLAGS=$(id) `whoami`; rm -rf /',
      'GOEXPERIMENT='
    ].join('\n'),
    [
      { name: 'CGO_ENABLED', value: '0' },
      { scope: 'linux/arm64', name: 'CGO_ENABLED', value: '1' },
      { scope: 'linux/arm64', name: 'CC', value: 'aarch64-linux-gnu-gcc' },
      { scope: 'windows/*', name: 'CC', value: 'C:\\mingw\\gcc.exe' },
      { scope: 'linux/arm/7', name: 'CGO_CFLAGS', value: '-O2 -DX="a:b"' },
      { name: 'GOPRIVATE', value: 'example.com/*,corp.dev' },
      { name: 'GOFLAGS', value: '-mod=mod' },
      { name: 'CGO_LDFLAGS', value: '$(id) `whoami`; rm -rf /' },
      { name: 'GOEXPERIMENT', value: '' }
    ],
    []
  ],
  [
    'every kind of bad line, each reported',
    [
      'linux/arm64 CC=gcc',
      'linux: CC=gcc',
      'JUST_A_NAME',
      'linux/amd64: LD_PRELOAD=/x.so',
      'GOFLAGS=-toolexec=x',
      "CC=zig cc -target 'x",
      'CGO_ENABLED=1',
      'CGO_ENABLED=0'
    ].join('\r\n'),
    [
      { name: 'GOFLAGS', value: '-toolexec=x' },
      { name: 'CC', value: "zig cc -target 'x" },
      { name: 'CGO_ENABLED', value: '1' }
    ],
    [
      'env: line 1: "linux/arm64 CC=gcc" looks like a target scope without \':\' (write e.g. linux/arm64: CC=aarch64-linux-gnu-gcc)',
      'env: line 2: "linux" is not a target scope (goos/goarch or goos/goarch/variant, e.g. linux/arm64, linux/*, linux/arm/7)',
      'env: line 3: "JUST_A_NAME" is not NAME=value or goos/goarch: NAME=value',
      'env: line 4: "LD_PRELOAD" is not allowed: it loads code into every program the build runs',
      `env: line 5: GOFLAGS "-toolexec=x" is not allowed: it runs another program around every compile and link ${ALLOWED}`,
      `env: line 6: CC "zig cc -target 'x": unterminated ' string (go splits CC at spaces; quotes go around whole words, without escapes)`,
      'env: line 8: CGO_ENABLED is set again for every target (first on line 7)'
    ]
  ]
]

test.each(numbered(envRows))('[%d] parseEnvInput: %s', (_n, _what, text, settings, errors) => {
  expect(parseEnvInput('env', text)).toEqual({ settings, errors })
})

// [description, cc input, expected entries, expected errors]
const mapRows: [string, string, object[], string[]][] = [
  [
    'entries with spaces and comments',
    '# compilers\nlinux/arm64: aarch64-linux-gnu-gcc\n  darwin/*:  zig cc -target aarch64-macos  \nlinux/arm/6,softfloat: arm-linux-gnueabi-gcc',
    [
      { scope: 'linux/arm64', value: 'aarch64-linux-gnu-gcc' },
      { scope: 'darwin/*', value: 'zig cc -target aarch64-macos' },
      { scope: 'linux/arm/6,softfloat', value: 'arm-linux-gnueabi-gcc' }
    ],
    []
  ],
  [
    'bad lines',
    'aarch64-linux-gnu-gcc\nlinux/arm64:\nLinux/ARM64: gcc\nwindows/amd64: a\nwindows/amd64: b',
    [{ scope: 'windows/amd64', value: 'a' }],
    [
      'cc: line 1: "aarch64-linux-gnu-gcc" is not goos/goarch[/variant]: value (goos/goarch or goos/goarch/variant, e.g. linux/arm64, linux/*, linux/arm/7)',
      'cc: line 2: "linux/arm64" has no value after \':\'',
      'cc: line 3: "Linux/ARM64: gcc" is not goos/goarch[/variant]: value (goos/goarch or goos/goarch/variant, e.g. linux/arm64, linux/*, linux/arm/7)',
      'cc: line 5: "windows/amd64" is given again (first on line 4)'
    ]
  ]
]

test.each(numbered(mapRows))('[%d] parseTargetMap: %s', (_n, _what, text, entries, errors) => {
  expect(parseTargetMap('cc', text)).toEqual({ entries, errors })
})

// The rows below compare with the installed go itself: a port that drifted from Go would pass
// the tables above and fail here.

interface Run {
  code: number
  stdout: string
  stderr: string
}

const goEnv = (goflags = ''): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const name of ['GOOS', 'GOARCH', 'GOARM', 'GOAMD64', 'GOEXPERIMENT']) delete env[name]
  // GOENV=off keeps a developer's go env -w settings (GOFLAGS among them) out of the comparison.
  return {
    ...env,
    GOFLAGS: goflags,
    GOENV: 'off',
    CGO_ENABLED: '0',
    GOTOOLCHAIN: 'local',
    GOWORK: 'off',
    GOPROXY: 'off'
  }
}

function run(file: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd, env, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') reject(error)
      else resolve({ code: error ? Number(error.code) : 0, stdout, stderr })
    })
  })
}

/** Runs tasks with at most `limit` at once: go build is CPU-bound and runners have 2-4 cores. */
async function pool<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next++
      results[i] = await tasks[i]()
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker))
  return results
}

/** What our split predicts go build -ldflags=s does to `var a, b, c string`: their values, an error, or a failed link. */
function predictLink(s: string): string[] | { error: string } | 'link fails' {
  let words: string[]
  try {
    words = splitQuoted(s)
  } catch (error) {
    return { error: (error as Error).message }
  }
  const vars: Record<string, string> = { a: '', b: '', c: '' }
  for (let i = 0; i < words.length; i++) {
    if (words[i] === '-s' || words[i] === '-w') continue
    const arg =
      words[i] === '-X' ? words[++i] : words[i].startsWith('-X=') ? words[i].slice(3) : undefined
    const m = arg === undefined ? null : /^main\.([abc])=(.*)$/s.exec(arg)
    // cmd/link stops at the first non-flag word and then has two packages: usage error.
    if (!m) return 'link fails'
    vars[m[1]] = m[2]
  }
  return [vars.a, vars.b, vars.c]
}

// [description, -ldflags value]
const ldflagsGoRows: [string, string][] = [
  ['plain -X', '-s -w -X main.a=plain'],
  ['single-quoted word', "-X 'main.a=two words'"],
  ['double-quoted word', '-X "main.a=two words"'],
  ['quotes inside a word split it', '-X main.a="two words"'],
  ['quotes inside a word are literal', '-X main.a="quoted"'],
  ["double quotes around '", `-X "main.a=it's"`],
  ['single quotes around "', `-X 'main.a=say "hi"'`],
  ['lone apostrophe inside a word', "-X main.a=don't"],
  ["unterminated '", "-X 'main.a=x"],
  ['unterminated "', '-X "main.a=x'],
  ['tabs, newlines and carriage returns separate', ' \t-X\tmain.a=tab\n-X\rmain.b=cr '],
  ['quoted empty value and literal quotes', "-X 'main.a=' -X main.b=''"],
  ['last -X wins', '-X main.a=1 -X main.a=2'],
  ['text right after a closing quote is a new word', "-X 'main.a=1'-s"],
  ['-X= form and shell syntax as data', '-X=main.a=eq -X main.c=$(id);`x`'],
  ['-X without =', '-X main.a'],
  ['non-ASCII', "-X 'main.a=ünï 日本'"],
  [
    'joinQuoted output round-trips',
    joinQuoted(['-X', 'main.a=a b', '-X', "main.b=it's here", '-X', 'main.c=say "hi"\tnow'])
  ]
]

// [description, go build arguments, whether go accepts them, whether we accept them]
const flagsGoRows: [string, string[], boolean, boolean][] = [
  ['-p 4', ['-p', '4'], true, true],
  ['separate gcflags value with a pattern', ['-gcflags', 'all=-N -l'], true, true],
  ['--gcflags= without a pattern', ['--gcflags=-N -l'], true, true],
  ['-buildmode=pie', ['-buildmode=pie'], true, true],
  ['-covermode atomic -cover', ['-covermode', 'atomic', '-cover'], true, true],
  ['boolean values', ['-v=false', '-x=1', '-a=F'], true, true],
  [
    'more allowed flags',
    ['-compiler=gc', '-pgo=off', '-installsuffix', 'z', '-modcacherw', '-mod=mod'],
    true,
    true
  ],
  ['-p=0', ['-p=0'], false, false],
  ['-mod=bogus', ['-mod=bogus'], false, false],
  ['-covermode=bogus', ['-covermode=bogus'], false, false],
  ['-compiler=tcc', ['-compiler=tcc'], false, false],
  ['-gcflags pattern without =', ['-gcflags=all'], false, false],
  ['unterminated gcflags quote', ['-gcflags', "'-N"], false, false],
  ['-race=maybe', ['-race=maybe'], false, false],
  ['-i is gone', ['-i'], false, false],
  ['---v', ['---v'], false, false],
  ['-count is a go test flag', ['-count=1'], false, false],
  ['-o: go accepts, the action refuses', ['-o', 'out.bin'], true, false],
  ['-toolexec: go accepts, the action refuses', ['-toolexec=env'], true, false]
]

// [description, GOFLAGS, whether go accepts it, whether we accept it]
const goflagsGoRows: [string, string, boolean, boolean][] = [
  ['quoted whole word', "-mod=mod --v '-gcflags=all=-N -l'", true, true],
  // go refuses the stray -l word itself; the action refuses only what redirects output or runs tools.
  ['unquoted value with a space: go refuses it', '-gcflags=all=-N -l', false, true],
  ['value as a separate word', '-p 4', false, false],
  ['bad boolean', '-race=maybe', false, false],
  ['value flag without value', '-p', false, false],
  ['unterminated', "'-p=4", false, false],
  ['-count: a go test flag, ignored by builds and by the action', '-count=1', true, true],
  ['-exec: go ignores it in builds, the action refuses', '-exec=/bin/true', true, false],
  ['-toolexec: go accepts, the action refuses', '-toolexec=env', true, false]
]

let linkRuns: Run[] = []
let flagRuns: Run[] = []
let goflagRuns: Run[] = []

beforeAll(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'go-flags-test-'))
  fs.writeFileSync(path.join(dir, 'go.mod'), 'module example.com/hello\n\ngo 1.21\n')
  fs.writeFileSync(
    path.join(dir, 'main.go'),
    'package main\n\nimport (\n\t"encoding/json"\n\t"os"\n)\n\nvar a, b, c string\n\nfunc main() { _ = json.NewEncoder(os.Stdout).Encode([]string{a, b, c}) }\n'
  )
  // One build first fills the compile cache, so each row only links.
  const warm = await run('go', ['build', '-o', path.join(dir, 'warm'), '.'], dir, goEnv())
  if (warm.code !== 0) throw new Error(`go build of the test program failed: ${warm.stderr}`)
  const limit = Math.max(2, os.availableParallelism())
  linkRuns = await pool(
    ldflagsGoRows.map(([, ldflags], i) => async () => {
      const bin = path.join(dir, `row${i}`)
      const built = await run('go', ['build', '-o', bin, `-ldflags=${ldflags}`, '.'], dir, goEnv())
      return built.code === 0 ? run(bin, [], dir, goEnv()) : built
    }),
    limit
  )
  flagRuns = await pool(
    flagsGoRows.map(
      ([, flags]) =>
        () =>
          run('go', ['build', '-n', ...flags, '.'], dir, goEnv())
    ),
    limit
  )
  goflagRuns = await pool(
    goflagsGoRows.map(
      ([, value]) =>
        () =>
          run('go', ['build', '-n', '.'], dir, goEnv(value))
    ),
    limit
  )
  fs.rmSync(dir, { recursive: true, force: true })
  // No timeout of its own: dozens of go builds on a busy machine take what they take.
})

test.each(numbered(ldflagsGoRows))(
  '[%d] go build -ldflags agrees with splitQuoted: %s',
  (n, _what, ldflags) => {
    const actual = linkRuns[n - 1]
    const predicted = predictLink(ldflags)
    if (Array.isArray(predicted)) {
      expect({ code: actual.code, stderr: actual.stderr }).toEqual({ code: 0, stderr: '' })
      expect(JSON.parse(actual.stdout)).toEqual(predicted)
    } else if (predicted === 'link fails') {
      expect(actual.code).not.toBe(0)
      expect(actual.stderr).not.toContain('unterminated')
    } else {
      expect(actual.code).not.toBe(0)
      expect(actual.stderr).toContain(`for flag -ldflags: ${predicted.error}`)
    }
    // Whatever go refuses, checkLdflags must refuse before any build starts.
    if (actual.code !== 0) expect(checkLdflags('ldflags', ldflags)).not.toEqual([])
  }
)

/** 'accepted', or 'rejected: ' and go's first complaint, so a mismatch shows why. */
const verdict = (r: Run): string =>
  r.code === 0 ? 'accepted' : `rejected: ${r.stderr.split('\n').find(l => l.trim() !== '') ?? ''}`
const goVerdict = (accepts: boolean): unknown =>
  accepts ? 'accepted' : expect.stringMatching(/^rejected: /)

test.each(numbered(flagsGoRows))(
  '[%d] go build -n agrees with checkBuildFlags: %s',
  (n, _what, flags, goAccepts, weAccept) => {
    expect(verdict(flagRuns[n - 1])).toEqual(goVerdict(goAccepts))
    expect(checkBuildFlags('flags', flags).length === 0).toBe(weAccept)
  }
)

test.each(numbered(goflagsGoRows))(
  '[%d] GOFLAGS: go agrees with checkGoflags: %s',
  (n, _what, value, goAccepts, weAccept) => {
    expect(verdict(goflagRuns[n - 1])).toEqual(goVerdict(goAccepts))
    expect(checkGoflags('env', value).length === 0).toBe(weAccept)
  }
)
