import { checkTemplate, renderTemplate, type TemplateField } from '../src/template.js'

const ALL: TemplateField[] = [
  'Version',
  'Tag',
  'Commit',
  'ShortCommit',
  'Date',
  'Os',
  'Arch',
  'Variant',
  'Target',
  'Binary',
  'ProjectName'
]
const NAME_FIELDS: TemplateField[] = ['Binary', 'Version', 'Os', 'Arch', 'Variant']

// [description, input, text, allowed fields, expected problems (exact)]
const checkRows: [string, string, string, TemplateField[], string[]][] = [
  ['plain text', 'ldflags', '-s -w', ALL, []],
  ['field without spaces', 'ldflags', '-X main.version={{.Version}}', ALL, []],
  ['field with spaces and tabs', 'ldflags', '-X main.c={{ .Commit\t}}', ALL, []],
  ['trim markers', 'name-template', '{{- .Os -}}', NAME_FIELDS, []],
  [
    'misspelled field suggests the near one',
    'ldflags',
    '-X main.v={{.Versoin}}',
    ['Version', 'Tag'],
    [
      'ldflags: unknown template field {{.Versoin}} (known: .Version, .Tag); did you mean {{.Version}}?'
    ]
  ],
  [
    'field names are case-sensitive as in Go',
    'ldflags',
    '{{.version}}',
    ['Version'],
    ['ldflags: unknown template field {{.version}} (known: .Version); did you mean {{.Version}}?']
  ],
  [
    'unknown field far from any known one',
    'ldflags',
    '{{.Env}}',
    ['Version'],
    ['ldflags: unknown template field {{.Env}} (known: .Version)']
  ],
  [
    'known field not allowed in this input',
    'name-template',
    '{{.Commit}}',
    NAME_FIELDS,
    [
      'name-template: template field {{.Commit}} is not available here (available: .Binary, .Version, .Os, .Arch, .Variant)'
    ]
  ],
  [
    'if action',
    'name-template',
    '{{ if .Arm }}v{{ .Arm }}{{ end }}',
    NAME_FIELDS,
    [
      'name-template: "{{ if .Arm }}" is not supported: only field references like {{.Version}} are',
      'name-template: "{{ end }}" is not supported: only field references like {{.Version}} are',
      'name-template: unknown template field {{.Arm}} (known: .Binary, .Version, .Os, .Arch, .Variant)'
    ]
  ],
  [
    'pipeline',
    'ldflags',
    '{{ .Version | lower }}',
    ALL,
    [
      'ldflags: "{{ .Version | lower }}" is not supported: only field references like {{.Version}} are'
    ]
  ],
  [
    'nested field',
    'ldflags',
    '{{.Env.HOME}}',
    ALL,
    ['ldflags: "{{.Env.HOME}}" is not supported: only field references like {{.Version}} are']
  ],
  [
    'comment',
    'ldflags',
    '{{/* x */}}',
    ALL,
    ['ldflags: "{{/* x */}}" is not supported: only field references like {{.Version}} are']
  ],
  [
    'lone {{',
    'ldflags',
    '-X main.v={{.Version',
    ALL,
    [
      'ldflags: "{{" at offset 10 is never closed with "}}" in "-X main.v={{.Version"; write fields like {{.Version}}'
    ]
  ],
  [
    '{{ closed only after another {{',
    'ldflags',
    '{{.Version {{.Os}}',
    ALL,
    [
      'ldflags: "{{" at offset 0 is never closed with "}}" in "{{.Version {{.Os}}"; write fields like {{.Version}}'
    ]
  ],
  [
    'stray }} from a one-brace typo',
    'name-template',
    '{.Version}}',
    NAME_FIELDS,
    ['name-template: "}}" without a matching "{{" in "{.Version}}"']
  ],
  [
    'empty action',
    'ldflags',
    'a{{}}b',
    ALL,
    ['ldflags: "{{}}" is not supported: only field references like {{.Version}} are']
  ]
]

test.each(checkRows.map((r, i) => [i + 1, ...r] as const))(
  '[%d] checkTemplate: %s',
  (_n, _what, input, text, allowed, expected) => {
    expect(checkTemplate(input, text, allowed)).toEqual(expected)
  }
)

const values = {
  Version: '1.2.3',
  Tag: 'v1.2.3',
  Commit: 'abc123def',
  Os: 'linux',
  Arch: 'arm',
  Variant: 'v7',
  Binary: 'app'
}

// [description, text, values, expected output or a pattern of the Error it must throw]
const renderRows: [string, string, Partial<Record<TemplateField, string>>, string | RegExp][] = [
  ['no fields', '-s -w', values, '-s -w'],
  [
    'several fields, spaces inside braces',
    '{{.Binary}}_{{ .Version }}_{{.Os}}_{{.Arch}}{{.Variant}}',
    values,
    'app_1.2.3_linux_armv7'
  ],
  ['empty value is substituted', '{{.Binary}}{{.Variant}}', { ...values, Variant: '' }, 'app'],
  ['trim markers eat neighbouring whitespace', 'a  {{- .Os -}}  \n b', values, 'alinuxb'],
  ['dash without space is no trim marker', 'a {{-.Os}}', values, /is not supported/],
  [
    'a value holding {{.Os}} is inserted, not expanded again',
    '{{.Version}}',
    { Version: '{{.Os}}', Os: 'linux' },
    '{{.Os}}'
  ],
  [
    'shell syntax in values stays data',
    '-X main.v={{.Tag}}',
    { Tag: '$(id);`x`' },
    '-X main.v=$(id);`x`'
  ],
  ['unknown field throws', '{{.Versoin}}', values, /unknown template field \{\{\.Versoin\}\}/],
  [
    'missing value throws instead of rendering ""',
    '{{.Date}}',
    values,
    /no value for \{\{\.Date\}\}/
  ],
  ['unclosed throws', '{{.Os', values, /never closed/],
  ['function throws', '{{ printf "%s" .Os }}', values, /is not supported/]
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
