import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import {
  binaryTargetLines,
  boolean,
  choice,
  choiceList,
  count,
  envLines,
  filePatterns,
  imageFileRules,
  folder,
  list,
  matching,
  optionalCount,
  quotedArgs,
  secret,
  size,
  targetMap,
  targetPatterns,
  template,
  text,
  wordOrFile,
  type Kind
} from '../src/inputs/kinds.js'
import { parseWith } from '../src/inputs/parse.js'
import { TEMPLATE_FIELDS } from '../src/template.js'

// A real workspace: a file, a folder, a large file and a symlink leading out of it.
const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'xbuild-kinds-')))
const ws = path.join(root, 'ws')
fs.mkdirSync(path.join(ws, 'sub'), { recursive: true })
fs.writeFileSync(path.join(ws, 'NOTES.md'), '# Notes\n')
fs.writeFileSync(path.join(ws, 'big.md'), 'x'.repeat(11))
fs.writeFileSync(path.join(root, 'outside.md'), 'outside\n')
fs.symlinkSync(root, path.join(ws, 'up'))
afterAll(() => fs.rmSync(root, { recursive: true, force: true }))

const outside = (value: string): string =>
  `x: "${value}" is outside the workspace ${ws}; paths must stay inside it (symlinks are followed)`
const notBoolean = (value: string): string =>
  `x: "${value}" is not a boolean (allowed: true, false)`

const yesNo = choice(['auto', 'true', 'false'], 'auto')
const notes = wordOrFile({
  words: ['generate', 'none'],
  fallback: 'generate',
  maxBytes: 10,
  limit: 'ten bytes'
})
const checksums = choiceList({
  choices: ['sha256', 'sha512'],
  fallback: ['sha256'],
  complaint: 'is not supported (allowed: sha256, sha512)'
})
const formats = choiceList({
  choices: ['cyclonedx-json', 'spdx-json'],
  fallback: [],
  noneIsFalse: true,
  complaint: 'is not allowed (allowed: false, cyclonedx-json, spdx-json)'
})
const noDash = quotedArgs((input, args) =>
  args.filter(a => a.startsWith('-o')).map(a => `${input}: "${a}" is refused`)
)

// [description, kind, raw text, parsed value, problems (exact, input named "x")]
const rows: [string, Kind<unknown>, string, unknown, (string | RegExp)[]][] = [
  // boolean: YAML 1.2 core spellings, nothing else
  ['boolean true', boolean(false), 'true', true, []],
  ['boolean True', boolean(false), 'True', true, []],
  ['boolean TRUE padded', boolean(false), ' TRUE ', true, []],
  ['boolean false', boolean(true), 'false', false, []],
  ['boolean False', boolean(true), 'False', false, []],
  ['boolean FALSE', boolean(true), 'FALSE', false, []],
  ['boolean not given', boolean(true), '', true, []],
  ['boolean blank', boolean(false), ' \n', false, []],
  ['boolean yes (YAML 1.1 only)', boolean(true), 'yes', true, [notBoolean('yes')]],
  ['boolean on', boolean(false), 'on', false, [notBoolean('on')]],
  ['boolean 1', boolean(false), '1', false, [notBoolean('1')]],
  ['boolean tRUE', boolean(false), 'tRUE', false, [notBoolean('tRUE')]],

  // choice
  ['choice word', yesNo, 'false', 'false', []],
  ['choice True is the boolean true', yesNo, 'True', 'true', []],
  ['choice FALSE is the boolean false', yesNo, 'FALSE', 'false', []],
  ['choice not given', yesNo, '', 'auto', []],
  ['choice bad', yesNo, 'yes', 'auto', ['x: "yes" is not allowed (allowed: auto, true, false)']],
  ['choice is case-sensitive', yesNo, 'Auto', 'auto', [/"Auto" is not allowed/]],
  [
    'choice with an empty word',
    choice(['', 'goos'], ''),
    'goarch',
    '',
    ['x: "goarch" is not allowed (allowed: , goos)']
  ],

  // count
  ['count', count({ min: 1, max: 256, fallback: 0 }), '4', 4, []],
  ['count padded, leading zeros', count({ min: 1, max: 256, fallback: 0 }), ' 007 ', 7, []],
  ['count at max', count({ min: 1, max: 256, fallback: 0 }), '256', 256, []],
  ['count not given', count({ min: 1, max: 256, fallback: 3 }), '', 3, []],
  ['count fallback from the run', count({ min: 1, max: 9, fallback: at => at.cpus }), '', 1, []],
  ...['0', '257', '1.5', '1e1', '0x10', '-1', 'four'].map(
    (raw): [string, Kind<unknown>, string, unknown, string[]] => [
      `count ${raw}`,
      count({ min: 1, max: 256, fallback: 2 }),
      raw,
      2,
      [`x: "${raw}" is not a whole number from 1 to 256`]
    ]
  ),
  ['optional count not given', optionalCount({ min: 1, max: 90 }), '', undefined, []],
  [
    'optional count bad',
    optionalCount({ min: 1, max: 90 }),
    '91',
    undefined,
    ['x: "91" is not a whole number from 1 to 90']
  ],

  // text
  ['text trimmed', text(), ' a b ', 'a b', []],
  ['text fallback', text({ fallback: 'dflt' }), ' ', 'dflt', []],
  [
    'text checked',
    text({ check: matching(/^[a-z]+$/, 'is not lower case') }),
    'ABC',
    'ABC',
    ['x: "ABC" is not lower case']
  ],
  [
    'text checked, value not echoed',
    text({ echo: false, check: () => 'one line please' }),
    'long\nvalue',
    'long\nvalue',
    ['x: one line please']
  ],

  // list
  ['list: commas, newlines, comments', list(), 'a, b\n# c, d\ne', ['a', 'b', 'e'], []],
  ['list fallback when empty', list({ fallback: ['.'] }), ' , \n# x', ['.'], []],
  [
    'list blankOnly keeps a given empty list',
    list({ fallback: ['d'], blankOnly: true }),
    ' , ',
    [],
    []
  ],
  ['list blankOnly fallback', list({ fallback: ['d'], blankOnly: true }), '', ['d'], []],
  ['list with spaces', list({ spaces: true }), 'a b,c\td', ['a', 'b', 'c', 'd'], []],
  [
    'list item checked',
    list({ item: matching(/^[a-z]+$/, 'is not a word') }),
    'ok, 1x, ok2',
    ['ok', '1x', 'ok2'],
    ['x: "1x" is not a word', 'x: "ok2" is not a word']
  ],

  // choice list
  ['choice list', checksums, 'sha512, sha256', ['sha512', 'sha256'], []],
  ['choice list not given', checksums, '', ['sha256'], []],
  [
    'choice list bad word',
    checksums,
    'md5',
    ['sha256'],
    ['x: "md5" is not supported (allowed: sha256, sha512)']
  ],
  ['choice list twice', checksums, 'sha512,sha512', ['sha512'], ['x: "sha512" is listed twice']],
  ['choice list false alone is none', formats, 'False', [], []],
  [
    'choice list false among others',
    formats,
    'false, spdx-json',
    ['spdx-json'],
    ['x: "false" is not allowed (allowed: false, cyclonedx-json, spdx-json)']
  ],

  // quoted argv: Go's quoting, never a shell's
  ['quoted argv', quotedArgs(), `a 'b c' "d e" $(id)`, ['a', 'b c', 'd e', '$(id)'], []],
  ['quoted argv empty', quotedArgs(), '  ', [], []],
  ['quoted argv unterminated', quotedArgs(), "a 'b", [], [`x: unterminated ' string in "a 'b"`]],
  ['quoted argv checked', noDash, '-v -o out', ['-v', '-o', 'out'], ['x: "-o" is refused']],

  // template
  ['template', template({ fields: TEMPLATE_FIELDS }), ' v{{.Version}} ', 'v{{.Version}}', []],
  [
    'template fallback',
    template({ fallback: '{{.Os}}', fields: TEMPLATE_FIELDS }),
    '',
    '{{.Os}}',
    []
  ],
  [
    'template unknown field',
    template({ fields: TEMPLATE_FIELDS }),
    '{{.Versoin}}',
    '{{.Versoin}}',
    [/^x: unknown template field \{\{\.Versoin\}\} .*did you mean \{\{\.Version\}\}\?$/]
  ],

  // folder inside the workspace
  ['folder', folder({ base: 'workspace', fallback: '.' }), 'sub', path.join(ws, 'sub'), []],
  ['folder fallback', folder({ base: 'workspace', fallback: '.' }), '', ws, []],
  [
    'folder outside',
    folder({ base: 'workspace', fallback: '.' }),
    '../x',
    path.join(root, 'x'),
    [outside('../x')]
  ],
  [
    'folder through a symlink out',
    folder({ base: 'workspace', fallback: '.' }),
    'up/x',
    path.join(root, 'x'),
    [outside('up/x')]
  ],

  // file patterns
  ['file patterns', filePatterns(['LICENSE*']), 'README*, sub/*.txt', ['README*', 'sub/*.txt'], []],
  ['file patterns fallback', filePatterns(['LICENSE*']), '', ['LICENSE*'], []],
  [
    'file patterns wildcard in a folder',
    filePatterns([]),
    's*/a',
    ['s*/a'],
    ['x: "s*/a" has a wildcard in a folder; wildcards are allowed only in the file name']
  ],
  [
    'file patterns outside',
    filePatterns([]),
    '/etc/passwd',
    ['/etc/passwd'],
    [outside('/etc/passwd')]
  ],

  // image file rules
  [
    'image files',
    imageFileRules(),
    'LICENSE:/usr/share/doc/app/LICENSE\nconf/*.yaml:/etc/app/\nREADME.md',
    [
      { src: 'LICENSE', dst: '/usr/share/doc/app/LICENSE' },
      { src: 'conf/*.yaml', dst: '/etc/app/' },
      { src: 'README.md' }
    ],
    []
  ],
  [
    'image files with a relative or climbing destination',
    imageFileRules(),
    'LICENSE:doc/LICENSE, LICENSE:/usr/../etc/x, :/etc/x',
    [],
    [
      'x: "LICENSE:doc/LICENSE" is not SRC or SRC:/absolute/path/in/the/image',
      'x: "LICENSE:/usr/../etc/x" has an image path "/usr/../etc/x" with an empty, "." or ".." component',
      'x: ":/etc/x" names no file before the ":"'
    ]
  ],
  [
    'image files outside the workspace',
    imageFileRules(),
    '/etc/passwd:/etc/passwd',
    [{ src: '/etc/passwd', dst: '/etc/passwd' }],
    [outside('/etc/passwd')]
  ],

  // word or file
  ['word', notes, ' none ', { kind: 'none' }, []],
  ['word fallback', notes, '', { kind: 'generate' }, []],
  ['file', notes, 'NOTES.md', { kind: 'file', path: path.join(ws, 'NOTES.md') }, []],
  [
    'file missing',
    notes,
    'generated',
    { kind: 'file', path: path.join(ws, 'generated') },
    ['x: "generated" is neither generate, none, nor a file in the workspace']
  ],
  [
    'file too large',
    notes,
    'big.md',
    { kind: 'file', path: path.join(ws, 'big.md') },
    ['x: "big.md" is larger than ten bytes']
  ],
  [
    'file outside',
    notes,
    'up/outside.md',
    { kind: 'file', path: path.join(root, 'outside.md') },
    [outside('up/outside.md')]
  ],

  // size
  ['size with a unit', size(), '25MiB', 26_214_400, []],
  ['size in bytes', size(), ' 1000 ', 1000, []],
  ['size not given', size(), '', undefined, []],
  ...['25 megs', '0', '-1', 'MiB'].map(
    (raw): [string, Kind<unknown>, string, unknown, string[]] => [
      `size ${raw}`,
      size(),
      raw,
      undefined,
      [
        `x: "${raw}" is not a size (a positive number of bytes, or with a unit: KB, KiB, MB, MiB, GB, GiB, like 25MiB)`
      ]
    ]
  ),

  // target map and env lines (their line syntax is go-flags.ts's, tested there)
  [
    'target map',
    targetMap(),
    'linux/arm64: aarch64-linux-gnu-gcc\n# c\nwindows/*: zig cc',
    [
      { scope: 'linux/arm64', value: 'aarch64-linux-gnu-gcc' },
      { scope: 'windows/*', value: 'zig cc' }
    ],
    []
  ],
  ['target map bad line', targetMap(), 'gcc', [], [/^x: line 1: "gcc" is not goos\/goarch/]],
  [
    'env lines',
    envLines(),
    'linux/arm64: CGO_CFLAGS=-O2',
    [{ scope: 'linux/arm64', name: 'CGO_CFLAGS', value: '-O2' }],
    []
  ],
  ['env lines refused name', envLines(), 'PATH=/tmp', [], [/^x: line 1: "PATH" is not allowed/]],

  // target patterns (true, false or patterns)
  ['target patterns true', targetPatterns(), 'True', ['*/*'], []],
  ['target patterns FALSE', targetPatterns(), 'FALSE', [], []],
  ['target patterns not given', targetPatterns(), '', [], []],
  [
    'target patterns',
    targetPatterns(),
    'linux/*,\n*/arm64, linux/arm/7',
    ['linux/*', '*/arm64', 'linux/arm/7'],
    []
  ],
  [
    'target patterns bad',
    targetPatterns(),
    'yes',
    [],
    [
      'x: "yes" is neither true, false nor a target pattern (linux/amd64, linux/*, */arm64, linux/arm/7)'
    ]
  ],

  // binary targets: `name: patterns` lines, each name once
  [
    'binary targets',
    binaryTargetLines(matching(/^[a-z]+$/, 'is not lowercase')),
    '# comment\nserver: linux/*, darwin/arm64\n\nagent: windows/amd64',
    [
      { binary: 'server', targets: ['linux/*', 'darwin/arm64'] },
      { binary: 'agent', targets: ['windows/amd64'] }
    ],
    []
  ],
  [
    'binary targets: a bad name, a bad pattern, a name twice, no colon',
    binaryTargetLines(matching(/^[a-z]+$/, 'is not lowercase')),
    'Srv: linux/*\nserver: linux\nserver: darwin/*\nagent',
    [],
    [
      'x: line 1: "Srv" is not lowercase',
      'x: line 2: "linux" is neither true, false nor a target pattern (linux/amd64, linux/*, */arm64, linux/arm/7)',
      'x: line 3: "server" is listed twice',
      'x: line 4: "agent" is not binary: target patterns (server: linux/*, darwin/arm64)'
    ]
  ],

  // secret: trimmed unless told, checked without echoing
  ['secret trimmed', secret({ variable: 'V' }), ' s3cret ', 's3cret', []],
  ['secret kept as given', secret({ variable: 'V', trim: false }), ' pw ', ' pw ', []],
  ['secret shaped', secret({ variable: 'V', value: v => `${v}\n` }), 'key', 'key\n', []],
  ['secret not given', secret({ variable: 'V', value: v => `${v}\n` }), '', '', []],
  [
    'secret checked',
    secret({ variable: 'V', check: () => 'not a key' }),
    's3cret',
    's3cret',
    ['x: not a key']
  ]
]

// Named by the raw text and the value it parses to.
const cases = rows.map(
  ([what, kind, raw, value, problems], i) =>
    [i + 1, what, raw, JSON.stringify(value) ?? 'undefined', kind, value, problems] as const
)

test.each(cases)('[%d] %s: %j -> %s', (_n, _what, raw, _shown, kind, value, problems) => {
  const found: string[] = []
  expect(parseWith(kind, 'x', raw, found, ws)).toEqual(value)
  expect(found).toEqual(problems.map(p => (typeof p === 'string' ? p : expect.stringMatching(p))))
})
