// What our template layer adds to Go's text/template: the checks an input gets before anything
// is built, and how fields, .Env and the GoReleaser functions reach a rendering. Rendering itself
// is held against Go in __tests__/integration/go-template-differential.test.ts.
import { GoTime } from '../src/lib/go-values.js'
import {
  checkTemplate,
  envMap,
  renderTemplate,
  TEMPLATE_FIELDS,
  title,
  type TemplateField,
  type TemplateValues
} from '../src/template.js'

const NAME_FIELDS: TemplateField[] = ['Binary', 'Version', 'Os', 'Arch', 'Arm', 'Variant']

// [description, input, text, allowed fields, expected problems (exact)]
const checkRows: [string, string, string, readonly TemplateField[], string[]][] = [
  ['plain text', 'ldflags', '-s -w', TEMPLATE_FIELDS, []],
  ['field', 'ldflags', '-X main.version={{.Version}}', TEMPLATE_FIELDS, []],
  [
    "GoReleaser's default archive name",
    'name-template',
    '{{ .Binary }}_{{ .Version }}_{{ .Os }}_{{ .Arch }}{{ with .Arm }}v{{ . }}{{ end }}',
    NAME_FIELDS,
    []
  ],
  [
    'misspelled field suggests the near one, with its position',
    'ldflags',
    '-X main.v={{.Versoin}}',
    ['Version', 'Tag'],
    [
      'ldflags: unknown template field {{.Versoin}} (line 1, column 13) (known: .Version, .Tag); did you mean {{.Version}}?'
    ]
  ],
  [
    'field names are case-sensitive as in Go',
    'ldflags',
    '{{.version}}',
    ['Version'],
    [
      'ldflags: unknown template field {{.version}} (line 1, column 3) (known: .Version); did you mean {{.Version}}?'
    ]
  ],
  [
    'known field not allowed in this input',
    'name-template',
    'x\n{{ if .Commit }}{{ end }}',
    NAME_FIELDS,
    [
      'name-template: template field {{.Commit}} (line 2, column 7) is not available here (available: .Binary, .Version, .Os, .Arch, .Arm, .Variant)'
    ]
  ],
  [
    'each unknown field is reported once',
    'ldflags',
    '{{ .Nope }}{{ .Nope }}',
    ['Version'],
    ['ldflags: unknown template field {{.Nope}} (line 1, column 4) (known: .Version)']
  ],
  [
    'fields of a with-block belong to its value, not the root',
    'name-template',
    '{{ with .Arm }}{{ .Anything }}{{ end }}{{ $.Os }}',
    NAME_FIELDS,
    []
  ],
  [
    '$.Field is checked like .Field',
    'name-template',
    '{{ with .Arm }}{{ $.Commit }}{{ end }}',
    NAME_FIELDS,
    [
      'name-template: template field {{.Commit}} (line 1, column 19) is not available here (available: .Binary, .Version, .Os, .Arch, .Arm, .Variant)'
    ]
  ],
  [
    'parse error: unknown function, with position',
    'ldflags',
    '{{ .Version | lower }}',
    TEMPLATE_FIELDS,
    ['ldflags: template "{{ .Version | lower }}": line 1, column 15: function "lower" not defined']
  ],
  [
    'parse error: unclosed action',
    'name-template',
    '{{ .Os',
    NAME_FIELDS,
    ['name-template: template "{{ .Os": line 1, column 7: unclosed action']
  ],
  [
    'parse error: if without end',
    'name-template',
    '{{ if .Arm }}v',
    NAME_FIELDS,
    ['name-template: template "{{ if .Arm }}v": line 1, column 15: unexpected EOF']
  ],
  [
    "Go's html/js/urlquery escapers are not offered",
    'ldflags',
    '{{ html .Version }}',
    TEMPLATE_FIELDS,
    ['ldflags: template "{{ html .Version }}": line 1, column 4: function "html" not defined']
  ]
]

test.each(checkRows.map((r, i) => [i + 1, ...r] as const))(
  '[%d] checkTemplate: %s',
  (_n, _what, input, text, allowed, expected) => {
    expect(checkTemplate(input, text, allowed)).toEqual(expected)
  }
)

const values: TemplateValues = {
  Binary: 'app',
  Version: '1.2.3',
  Os: 'linux',
  Arch: 'arm',
  Arm: '7',
  Variant: 'v7',
  Major: 1n,
  IsSnapshot: false,
  Now: new GoTime(Date.UTC(2024, 0, 2, 3, 4, 5)),
  Env: envMap({ TOKEN: 'x', EMPTY: '' })
}

// [description, text, values, expected output or a pattern of the Error it must throw]
const renderRows: [string, string, TemplateValues, string | RegExp][] = [
  ['no fields', '-s -w', values, '-s -w'],
  [
    'fields',
    '{{.Binary}}_{{ .Version }}_{{.Os}}_{{.Arch}}{{.Variant}}',
    values,
    'app_1.2.3_linux_armv7'
  ],
  ['numbers stay numbers', '{{ .Major }} {{ eq .Major 1 }}', values, '1 true'],
  [
    'a value holding {{.Os}} is inserted, not expanded again',
    '{{.Version}}',
    { Version: '{{.Os}}', Os: 'linux' },
    '{{.Os}}'
  ],
  [
    'shell syntax in values stays data',
    '-X main.v={{.Version}}',
    { Version: '$(id);`x`' },
    '-X main.v=$(id);`x`'
  ],
  ['.Env reads the given environment', '{{ .Env.TOKEN }}|{{ .Env.EMPTY }}', values, 'x|'],
  [
    'an unset .Env key fails (missingkey=error), naming the template and position',
    'v={{ .Env.NOPE }}',
    values,
    /^template "v=\{\{ \.Env\.NOPE \}\}": line 1, column 6 at <\.Env\.NOPE>: map has no entry for key "NOPE"$/
  ],
  [
    'index .Env gives "" for an unset key',
    '{{ if index .Env "NOPE" }}set{{ else }}unset{{ end }}',
    values,
    'unset'
  ],
  [
    'envOrDefault and isEnvSet read the same environment',
    '{{ envOrDefault "NOPE" "d" }} {{ isEnvSet "TOKEN" }}',
    values,
    'd true'
  ],
  [
    'time formats Now (the commit time)',
    '{{ time "2006-01-02T15:04:05" }}',
    values,
    '2024-01-02T03:04:05'
  ],
  ['.Env is an empty map when none is given', '{{ len .Env }}', { Os: 'linux' }, '0'],
  [
    'a missing value fails instead of rendering ""',
    '{{.Commit}}',
    values,
    /map has no entry for key "Commit"/
  ]
]

test.each(renderRows.map((r, i) => [i + 1, ...r] as const))(
  '[%d] renderTemplate: %s',
  (_n, _what, text, given, expected) => {
    if (expected instanceof RegExp) {
      expect(() => renderTemplate(text, given)).toThrow(expected)
    } else {
      expect(renderTemplate(text, given)).toBe(expected)
    }
  }
)

test.each([
  ['darwin', 'Darwin'],
  ['freebsd', 'Freebsd'],
  ['macOS', 'Macos'],
  ['x86_64', 'X86_64'],
  ['hello world-wide web', 'Hello World-Wide Web'],
  ["don't", "Don't"],
  ["o''k", "O''K"],
  ['3d', '3D'],
  ['straße', 'Straße'],
  ['ßa', 'Ssa']
])('title(%j) is %j as golang.org/x/text English title case gives', (input, output) => {
  expect(title(input)).toBe(output)
})
