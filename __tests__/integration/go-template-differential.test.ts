// Our text/template interpreter against Go's own: every template below is rendered by both, with
// the same data and GoReleaser's functions, and must give the same output or fail in both.
// The Go side is __tests__/oracle/gotemplate (Go's text/template, GoReleaser v2.16.0's function
// definitions and library versions), built with the Go toolchain the action needs anyway.
import { execFileSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { fileURLToPath } from 'node:url'
import { GoMap, GoTime, type GoValue } from '../../src/lib/go-values.js'
import { renderTemplate, type TemplateValues } from '../../src/template.js'

type Tagged =
  | { s: string }
  | { i: number }
  | { u: number }
  | { b: boolean }
  | { f: number }
  | { t: number }
  | { m: Record<string, string> }
  | { l: string[] }

const COMMIT = '0123456789abcdef0123456789abcdef01234567'
const NOW = 1733145600 // 2024-12-02T13:20:00Z

/** A tagged release for darwin/arm64 (GoReleaser's field types: Major is uint64, CommitTimestamp int64…). */
const RELEASE: Record<string, Tagged> = {
  ProjectName: { s: 'tool' },
  Version: { s: '1.4.0' },
  RawVersion: { s: '1.4.0' },
  Tag: { s: 'v1.4.0' },
  PreviousTag: { s: 'v1.3.2' },
  Major: { u: 1 },
  Minor: { u: 4 },
  Patch: { u: 0 },
  Prerelease: { s: '' },
  Commit: { s: COMMIT },
  FullCommit: { s: COMMIT },
  ShortCommit: { s: COMMIT.slice(0, 7) },
  CommitDate: { s: '2024-12-02T13:20:00Z' },
  CommitTimestamp: { i: NOW },
  Date: { s: '2024-12-02T13:20:00Z' },
  Timestamp: { i: NOW },
  Now: { t: NOW },
  Env: { m: { FOO: 'bar', EMPTY: '', PATHS: 'a:b:c', SPACED: '  x  ' } },
  Os: { s: 'darwin' },
  Arch: { s: 'arm64' },
  Arm: { s: '' },
  Arm64: { s: 'v8.0' },
  Amd64: { s: '' },
  Mips: { s: '' },
  I386: { s: '' },
  Target: { s: 'darwin_arm64' },
  Binary: { s: 'tool' },
  IsSnapshot: { b: false },
  IsGitDirty: { b: false },
  Summary: { s: 'v1.4.0' },
  // Not GoReleaser fields: values of the other kinds, for the builtins.
  List: { l: ['a', 'b', 'c'] },
  Empty: { l: [] },
  Half: { f: 0.5 },
  Big: { f: 1234567.0 },
  Zero: { i: 0 }
}

/** A snapshot pre-release for linux/arm v7. */
const SNAPSHOT: Record<string, Tagged> = {
  ...RELEASE,
  Version: { s: '2.0.0-rc.1-SNAPSHOT-0123456' },
  RawVersion: { s: '2.0.0' },
  Tag: { s: 'v2.0.0-rc.1' },
  Major: { u: 2 },
  Minor: { u: 0 },
  Prerelease: { s: 'rc.1' },
  Os: { s: 'linux' },
  Arch: { s: 'arm' },
  Arm: { s: '7' },
  Arm64: { s: '' },
  Target: { s: 'linux_arm_7' },
  IsSnapshot: { b: true },
  IsGitDirty: { b: true },
  Summary: { s: 'v2.0.0-rc.1-3-g0123456-dirty' }
}

/** Templates for both data sets: every construct, GoReleaser's real name templates, edge cases, errors. */
const CASES: string[] = [
  // text and fields
  '',
  'plain text',
  '{{ .ProjectName }}',
  '{{.Version}}',
  '{{ .RawVersion }}-{{ .Prerelease }}',
  '{{ .Tag }} {{ .PreviousTag }}',
  '{{ .Major }}.{{ .Minor }}.{{ .Patch }}',
  '{{ .Commit }} {{ .FullCommit }} {{ .ShortCommit }}',
  '{{ .CommitDate }} {{ .CommitTimestamp }}',
  '{{ .Date }} {{ .Timestamp }}',
  '{{ .Now }}',
  '{{ .Os }}/{{ .Arch }}/{{ .Arm }}/{{ .Arm64 }}/{{ .Amd64 }}/{{ .Mips }}/{{ .I386 }}',
  '{{ .Target }} {{ .Binary }}',
  '{{ .IsSnapshot }} {{ .IsGitDirty }}',
  '{{ .Summary }}',
  '{{ .Env.FOO }}',
  '{{ .Env.EMPTY }}',
  '{{ .Env.NOPE }}',
  '{{ .Missing }}',
  '{{ .Os.Name }}',
  '{{ .Env }}',
  '{{ .List }}',
  '{{ .Empty }}',
  '{{ .Half }} {{ .Big }}',
  '{{ . }}',
  '{{ .Env.FOO.Bar }}',
  '{{ $.Os }}',
  '{{ $ }}',
  // GoReleaser's default and common archive name templates
  '{{ .ProjectName }}_{{ .Version }}_{{ .Os }}_{{ .Arch }}{{ with .Arm }}v{{ . }}{{ end }}{{ with .Mips }}_{{ . }}{{ end }}{{ if not (eq .Amd64 "v1") }}{{ .Amd64 }}{{ end }}',
  '{{ .Binary }}_{{ .Version }}_{{ .Os }}_{{ .Arch }}{{ with .Arm }}v{{ . }}{{ end }}{{ with .Mips }}_{{ . }}{{ end }}{{ if not (eq .Amd64 "v1") }}{{ .Amd64 }}{{ end }}',
  '{{ .ProjectName }}_\n{{- .Version }}_\n{{- title .Os }}_\n{{- if eq .Arch "amd64" }}x86_64\n{{- else if eq .Arch "386" }}i386\n{{- else }}{{ .Arch }}{{ end }}',
  '{{ .ProjectName }}_\n{{- title .Os }}_\n{{- if eq .Arch "amd64" }}x86_64\n{{- else if eq .Arch "386" }}i386\n{{- else }}{{ .Arch }}{{ end }}\n{{- if .Arm }}v{{ .Arm }}{{ end }}',
  '{{ .ProjectName }}_{{ .Version }}_{{ .Os }}_{{ .Arch }}',
  '{{.Binary}}_{{.Os}}_{{.Arch}}',
  '{{ .ProjectName }}_{{ .Version }}_\n{{- if eq .Os "darwin" }}macOS{{ else }}{{ .Os }}{{ end }}_\n{{- .Arch }}{{ with .Arm }}v{{ . }}{{ end }}',
  '{{ .ProjectName }}-{{ .Version }}-{{ .Os }}-{{ .Arch }}{{ if .Arm }}v{{ .Arm }}{{ end }}',
  '{{ .ProjectName }}_v{{ .Version }}_{{ .Os }}_{{ .Arch }}{{ if .Arm }}v{{ .Arm }}{{ end }}',
  '{{ .ProjectName }}_{{ .Tag }}_{{ .Os }}_{{ with (eq .Arch "386") }}i386{{ else }}{{ $.Arch }}{{ end }}',
  '{{ .ProjectName }}_{{ .Version }}_{{ if eq .Os "darwin" }}mac{{ else }}{{ .Os }}{{ end }}_{{ .Arch }}{{ if not (eq .Amd64 "v1") }}{{ .Amd64 }}{{ end }}',
  '{{ .ProjectName }}_{{ .Version }}_checksums.txt',
  '{{ .ProjectName }}_checksums.txt',
  '{{ incpatch .Version }}-next',
  '{{ .Tag }}-next',
  '{{ .Version }}-SNAPSHOT-{{ .ShortCommit }}',
  '-s -w -X main.version={{.Version}} -X main.commit={{.Commit}} -X main.date={{.Date}} -X main.builtBy=goreleaser',
  '-s -w -X main.Version=v{{ .Version }} -X main.CommitSHA={{ .Commit }} -X main.CommitDate={{ .CommitDate }}',
  '-X main.Label={{ if .IsSnapshot }}snapshot{{ else }}release{{ end }}',
  '{{if index .Env "FOO" }}{{ .Env.FOO }}{{end}}',
  '{{if index .Env "NOPE" }}{{ .Env.NOPE }}{{end}}',
  '{{ if .IsSnapshot }}-X main.nightly=1{{ end }}',
  // trim markers
  '  a  {{- .Os -}}  b  ',
  'a {{- " " -}} b',
  'a\n\t {{- .Os }}',
  '{{ .Os -}}\n\n  x',
  '{{- .Os -}}',
  '{{-3}}',
  '{{- 3 -}}',
  '{{3 -}} x',
  '{{- .Os}}',
  '{{ .Os -}}}',
  'x {{-- .Os }}',
  '{{ .Os -}}x',
  '{{ .Os - }}',
  // comments
  '{{/* a comment */}}x',
  'a {{- /* trimmed */ -}} b',
  '{{/* unclosed',
  '{{/* c */ .Os }}',
  '{{ /* c */ }}',
  '{{/*\nmulti\nline\n*/}}y',
  // if / else if / else
  '{{ if .Arm }}arm{{ end }}',
  '{{ if .Arm }}arm{{ else }}not-arm{{ end }}',
  '{{ if eq .Os "linux" }}L{{ else if eq .Os "darwin" }}D{{ else if eq .Os "windows" }}W{{ else }}?{{ end }}',
  '{{ if eq .Arch "amd64" }}x86_64{{ else if eq .Arch "386" }}i386{{ else if eq .Arch "arm" }}arm{{ else if eq .Arch "arm64" }}aarch64{{ else }}{{ .Arch }}{{ end }}',
  '{{ if and .Arm (eq .Os "linux") }}linux-arm{{ end }}',
  '{{ if or .Arm .Mips }}variant{{ else }}plain{{ end }}',
  '{{ if not .IsSnapshot }}release{{ end }}',
  '{{ if .List }}has{{ end }}{{ if .Empty }}none{{ end }}',
  '{{ if .Zero }}z{{ else }}0{{ end }}',
  '{{ if .Half }}h{{ end }}',
  '{{ if .Now }}t{{ end }}',
  '{{ if .Env }}e{{ end }}',
  '{{ if 0 }}a{{ else }}b{{ end }}',
  '{{ if "" }}a{{ else }}b{{ end }}',
  '{{ if nil }}a{{ end }}',
  '{{ if }}a{{ end }}',
  '{{ if .Os }}a',
  '{{ end }}',
  '{{ else }}',
  '{{ if .Os }}a{{ else }}b{{ else }}c{{ end }}',
  '{{ if .Os }}{{ else with .Arch }}{{ . }}{{ end }}',
  '{{ if $x := .Arch }}{{ $x }}{{ end }}',
  '{{ if $x := .Arm }}{{ $x }}{{ else }}none{{ end }}',
  // with / else with
  '{{ with .Arm }}v{{ . }}{{ end }}',
  '{{ with .Arm }}v{{ . }}{{ else }}no-arm{{ end }}',
  '{{ with .Arm }}v{{ . }}{{ else with .Arm64 }}{{ . }}{{ else }}none{{ end }}',
  '{{ with .Env.FOO }}{{ . }}{{ end }}',
  '{{ with .Os }}{{ .Arch }}{{ end }}',
  '{{ with .Os }}{{ $.Arch }}{{ end }}',
  '{{ with $v := .Version }}{{ $v }}-{{ . }}{{ end }}',
  '{{ with .Arm }}{{ if eq . "7" }}v7{{ else }}v{{ . }}{{ end }}{{ end }}',
  // range, break, continue
  '{{ range .List }}[{{ . }}]{{ end }}',
  '{{ range $i, $e := .List }}{{ $i }}={{ $e }};{{ end }}',
  '{{ range $e := .List }}{{ $e }}{{ end }}',
  '{{ range .Empty }}x{{ else }}empty{{ end }}',
  '{{ range $k, $v := .Env }}{{ $k }}={{ $v }},{{ end }}',
  '{{ range .List }}{{ if eq . "b" }}{{ break }}{{ end }}{{ . }}{{ end }}',
  '{{ range .List }}{{ if eq . "b" }}{{ continue }}{{ end }}{{ . }}{{ end }}',
  '{{ range 3 }}{{ . }}{{ end }}',
  '{{ range $i := 3 }}{{ $i }}{{ end }}',
  '{{ range $i, $j := 3 }}{{ $i }}{{ end }}',
  '{{ range .Os }}x{{ end }}',
  '{{ break }}',
  '{{ range .List }}{{ end }}{{ continue }}',
  '{{ range $a, $b, $c := .List }}{{ end }}',
  '{{ range split "x,y" "," }}<{{ . }}>{{ end }}',
  '{{ $n := 0 }}{{ range .List }}{{ $n = . }}{{ end }}{{ $n }}',
  // variables
  '{{ $x := "v" }}{{ $x }}{{ .Version }}',
  '{{ $x := .Os }}{{ $x = "other" }}{{ $x }}',
  '{{ $x }}',
  '{{ $x = 1 }}',
  '{{ $x := 1 }}{{ $x := 2 }}{{ $x }}',
  '{{ if true }}{{ $y := 1 }}{{ end }}{{ $y }}',
  '{{ $ := 1 }}',
  '{{ $x := .Env }}{{ $x.FOO }}',
  '{{ $.Env.FOO }}',
  '{{ $x := 3 }}{{ $x | printf "%d" }}',
  // pipelines and parentheses
  '{{ .Os | title }}',
  '{{ .Os | title | printf "%s!" }}',
  '{{ "a-b" | replace "-" "_" }}',
  '{{ .Version | printf "v%s" }}',
  '{{ (title .Os) }}',
  '{{ printf "%s_%s" (title .Os) (toupper .Arch) }}',
  '{{ (.Os) }}',
  '{{ (.Env).FOO }}',
  '{{ (split .Env.PATHS ":") }}',
  '{{ .Os | 3 }}',
  '{{ .Os | }}',
  '{{ | .Os }}',
  '{{ .Os | .Arch }}',
  '{{ "x" | not }}',
  '{{ (eq .Os "darwin") | not }}',
  '{{ .Os | eq "darwin" }}',
  '{{ ( .Os }}',
  '{{ .Os ) }}',
  '{{ () }}',
  // literals
  '{{ "quoted" }}',
  '{{ `raw {{ string }}` }}',
  '{{ "esc\\t\\"x\\"\\u00e9\\x41" }}',
  '{{ "bad \\q escape" }}',
  '{{ "unterminated }}',
  '{{ `unterminated }}',
  "{{ 'a' }}",
  "{{ '\\n' }}",
  "{{ 'ab' }}",
  '{{ 42 }}',
  '{{ -7 }}',
  '{{ +7 }}',
  '{{ 0x1F }}',
  '{{ 0o17 }}',
  '{{ 017 }}',
  '{{ 0b101 }}',
  '{{ 1_000 }}',
  '{{ 1.5 }}',
  '{{ 3.0 }}',
  '{{ 1e3 }}',
  '{{ 1e6 }}',
  '{{ 1e21 }}',
  '{{ .25 }}',
  '{{ 1e-7 }}',
  '{{ 9223372036854775807 }}',
  '{{ 9223372036854775808 }}',
  '{{ 3x }}',
  '{{ 08 }}',
  '{{ true }} {{ false }}',
  '{{ nil }}',
  '{{ 1.5.Foo }}',
  '{{ "s".Foo }}',
  // eq ne lt le gt ge
  '{{ eq .Os "darwin" }}',
  '{{ eq .Os "linux" "darwin" "windows" }}',
  '{{ eq .Os }}',
  '{{ eq .Arm 7 }}',
  '{{ eq .Major 1 }}',
  '{{ eq .Major 1.0 }}',
  '{{ eq .IsSnapshot false }}',
  '{{ eq .List .List }}',
  '{{ eq 1 1 }} {{ eq 1.5 1.5 }} {{ eq "a" "a" }} {{ eq true true }}',
  '{{ ne .Os "darwin" }}',
  '{{ ne .Arm "" }}',
  '{{ ne 1 "1" }}',
  '{{ lt 1 2 }} {{ le 2 2 }} {{ gt 3 2 }} {{ ge 1 2 }}',
  '{{ lt "a" "b" }} {{ gt "b" "a" }}',
  '{{ lt .Minor 5 }}',
  '{{ lt 1.5 2.5 }}',
  '{{ lt true false }}',
  '{{ lt 1 "a" }}',
  '{{ lt .List .List }}',
  '{{ ge .CommitTimestamp 0 }}',
  // and or not
  '{{ and 1 0 }} {{ and 1 2 }} {{ or 0 "" }} {{ or 0 "x" }}',
  '{{ and .Arm .Os }}',
  '{{ or .Arm .Os }}',
  '{{ and }}',
  '{{ or .Arm .Env.NOPE }}',
  '{{ and .Arm .Env.NOPE }}',
  '{{ not 0 }} {{ not "x" }}',
  '{{ not }}',
  '{{ not 1 2 }}',
  // index, len, slice
  '{{ index .Env "FOO" }}',
  '{{ index .Env "NOPE" }}',
  '{{ index .List 1 }}',
  '{{ index .List 3 }}',
  '{{ index .List -1 }}',
  '{{ index .List "x" }}',
  '{{ index .Os 0 }}',
  '{{ index .Env 1 }}',
  '{{ index .Major 0 }}',
  '{{ index .List }}',
  '{{ len .Os }} {{ len .List }} {{ len .Env }} {{ len .Empty }}',
  '{{ len "héllo" }}',
  '{{ len 3 }}',
  '{{ slice .Os 1 3 }}',
  '{{ slice .List 1 }}',
  '{{ slice .Os 3 1 }}',
  '{{ slice .Os 0 99 }}',
  '{{ slice .List 0 1 2 }}',
  // print, printf, println
  '{{ print "a" "b" 1 2 "c" }}',
  '{{ print 1 2 }}',
  '{{ println "a" 1 }}',
  '{{ printf "%s-%d-%v-%t" .Os 42 .List true }}',
  '{{ printf "%05d|%-5s|%5s|%x|%X|%o|%b" 42 "ab" "cd" 255 255 8 5 }}',
  '{{ printf "%q %q" "a\\"b" 65 }}',
  '{{ printf "%.2f %e %g %v" 3.14159 1234.5678 0.000012 .Half }}',
  '{{ printf "%d" "str" }}',
  '{{ printf "%s" 42 }}',
  '{{ printf "%s %s" "one" }}',
  '{{ printf "%s" "one" "two" }}',
  '{{ printf "100%%" }}',
  '{{ printf "%" }}',
  '{{ printf "%c" 65 }}',
  '{{ printf "%.3s" "abcdef" }}',
  '{{ printf "%+d % d" 5 5 }}',
  '{{ printf "%#x %#o" 255 8 }}',
  '{{ printf "%v %v" .Major .IsSnapshot }}',
  '{{ printf "%x" "hi" }}',
  '{{ printf "%z" 1 }}',
  '{{ printf "%6.2f|%-8.3f|" 3.14159 2.5 }}',
  '{{ printf 1 }}',
  '{{ printf "%T %T %T %T %T" "s" 1 1.5 true .List }}',
  '{{ printf "%v|%s|%d" nil nil nil }}',
  '{{ print nil }}',
  '{{ printf "%5.1f|%-6d|%06.2f|%+.1e" 3.14159 42 3.14159 12345.678 }}',
  '{{ printf "%v %v %v %v" 1e20 1e21 123456789.0 0.0001 }}',
  '{{ printf "%g %g %G" 100000.0 1000000.0 1e-5 }}',
  '{{ printf "%8.3s|%-8s|" "héllo" "ü" }}',
  '{{ printf "%v" .Env }}',
  '{{ printf "%d %s" .List .List }}',
  '{{ printf "%t" 1 }}',
  '{{ printf "%s" .Now }}',
  '{{ printf "%x %X" -255 "Hi" }}',
  '{{ printf "%03d|%-03d|%3c" -5 7 66 }}',
  '{{ printf "%q" .List }}',
  '{{ printf "%.0f %.1f %.2f" 0.5 0.25 1.005 }}',
  '{{ printf "%e" 0.0 }}',
  '{{ printf "%.2f %.2f %.1f %.0f %.0f %.3f" 2.675 0.125 0.05 1.5 2.5 1e-10 }}',
  '{{ printf "%.1e %.0e %.2E %e" 2.25 5.0 123456.0 1e300 }}',
  '{{ printf "%.3g %.1g %.4g %.2g %g" 1.0005 0.25 123456.0 0.000123 1e100 }}',
  '{{ printf "%f %f %.10f" 1e15 123.456 0.1 }}',
  '{{ printf "%v %v %v" 0.1 -2.5 5e-324 }}',
  '{{ printf "%5t|%-7v|" true false }}',
  // GoReleaser functions
  '{{ title .Os }}',
  '{{ title "hELLO wORLD" }}',
  '{{ title "x86_64 macOS" }}',
  "{{ title \"don't stop.at:mid o''k 3d\" }}",
  '{{ title "freebsd-amd64/v1" }}',
  '{{ title "ümlaut straße ǆ" }}',
  '{{ title 1 }}',
  '{{ title .Major }}',
  '{{ title }}',
  '{{ tolower "MiXeD" }} {{ toupper "MiXeD" }}',
  '{{ replace .Version "." "_" }}',
  '{{ replace "ab" "" "-" }}',
  '{{ trimprefix .Tag "v" }} {{ trimsuffix .Target "_arm64" }}',
  '{{ trimsuffix "abc" "" }}',
  '{{ trim .Env.SPACED }}',
  '{{ split .Env.PATHS ":" }}',
  '{{ index (split .Env.PATHS ":") 2 }}',
  '{{ split "abc" "" }}',
  '{{ contains .Target "arm" }} {{ contains .Os "win" }}',
  '{{ incpatch .Version }} {{ incminor .Version }} {{ incmajor .Version }}',
  '{{ incpatch .Tag }} {{ incminor .Tag }} {{ incmajor .Tag }}',
  '{{ incpatch "1.2.3-rc.1" }} {{ incminor "1.2.3-rc.1+meta" }} {{ incmajor "v1.2" }}',
  '{{ incpatch "1" }}',
  '{{ incpatch "not-a-version" }}',
  '{{ incpatch "" }}',
  '{{ envOrDefault "FOO" "dflt" }} {{ envOrDefault "NOPE" "dflt" }} {{ envOrDefault "EMPTY" "dflt" }}',
  '{{ isEnvSet "FOO" }} {{ isEnvSet "EMPTY" }} {{ isEnvSet "NOPE" }}',
  '{{ time "2006-01-02" }}',
  '{{ time "20060102150405" }}',
  '{{ time "Jan 2, 2006 at 3:04pm (MST)" }}',
  '{{ time "Monday January _2 15:04:05.000 -0700 Z07:00 PM 002" }}',
  '{{ .Now.Format "2006" }}',
  '{{ .Now.Format "2006-01-02T15:04:05Z07:00" }}',
  '{{ .Now.Format }}',
  '{{ .Now.Unix }}',
  '{{ .Now.Year }}',
  '{{ .Now.Nope }}',
  '{{ dir "a/b/c" }} {{ base "a/b/c" }}',
  '{{ nosuchfunc .Os }}',
  '{{ dir "a/b/" }}|{{ dir "c" }}|{{ dir "/x" }}|{{ dir "a//b/../c" }}|{{ base "a/b/" }}|{{ base "" }}|{{ base "///" }}',
  // define / template / block
  '{{ define "arch" }}{{ if eq .Arch "amd64" }}x86_64{{ else }}{{ .Arch }}{{ end }}{{ end }}{{ .ProjectName }}_{{ template "arch" . }}',
  '{{ template "nope" }}',
  '{{ block "b" .Os }}[{{ . }}]{{ end }}',
  '{{ define "x" }}{{ $ }}{{ end }}{{ template "x" .Arch }}',
  '{{ define "x" }}a{{ else }}b{{ end }}',
  '{{ template "x" }}{{ define "x" }}{{ .Os }}{{ end }}',
  // lexer and parser errors
  '{{',
  '{{ .Os',
  '}} stray',
  '{{ .Os }} }} stray',
  '{{ .Os }',
  '{{}}',
  '{{ }}',
  '{{ # }}',
  '{{ .Os@ }}',
  '{{ .Os. }}',
  '{{ ..Os }}',
  '{{ .Os.Arch.X }}',
  '{{ "a""b" }}',
  '{{ .Os"x" }}',
  '{{ eq(.Os) }}',
  '{{ :x }}',
  '{{ $x : = 1 }}',
  '{{ .Os := 1 }}',
  '{{ $x, $y := 1 }}',
  '{{ with $x, $y := .Os }}{{ end }}',
  '{{ range $x, := .List }}{{ end }}',
  '{{ if .Os }}{{ end }}{{ end }}',
  '{{ define "a" }}',
  '{{ template .Os }}',
  '{{ "\u00e9t\u00e9" }} \u00e9',
  '{{ .Version }}\r\n{{ .Tag }}',
  '{{\n.Os\n}}',
  '{{ .Os\t}}',
  '{{ eq nil nil }}',
  '{{ eq .Os nil }}',
  '{{ len nil }}',
  '{{ index nil 1 }}',
  '{{ not nil }}',
  '{{ and nil 1 }}',
  '{{ .Env.FOO | len }}',
  '{{ index .Env "FOO" | printf "%q" }}',
  '{{ (index .List 0) | toupper }}',
  '{{ ((.Os)) }}',
  '{{ (printf "%s-%s" .Os .Arch | toupper) }}',
  '{{ $a := .Os }}{{ with .Arch }}{{ $a }}-{{ . }}{{ end }}',
  '{{ range $i, $e := .List }}{{ if $i }},{{ end }}{{ $e }}{{ end }}',
  '{{ range .List }}{{ $.Os }}{{ end }}',
  '{{ range .List }}{{ range $.List }}{{ . }}{{ end }}|{{ end }}',
  '{{ range .List }}{{ range $.List }}{{ if eq . "b" }}{{ break }}{{ end }}{{ . }}{{ end }}|{{ end }}',
  '{{ if .Arm }}{{ else if .Mips }}m{{ else with .Arm64 }}{{ . }}{{ end }}',
  '{{ with .Arm }}{{ else if .Os }}os{{ end }}',
  '{{ if .Os }}{{ $x := 1 }}{{ else }}{{ $x }}{{ end }}',
  '{{ eq .Version "1.4.0" | not | not }}',
  '{{ printf "%s" (eq .Os "darwin") }}',
  '{{ title (printf "%s %s" .Os .Arch) }}',
  '{{ .Major | printf "%03d" }}',
  '{{ eq .Minor .Major }}',
  '{{ lt .Minor .CommitTimestamp }}',
  '{{ eq .Half 0.5 }} {{ eq .Zero 0 }}',
  '{{ gt .Half 1 }}',
  '{{ eq (len .List) 3 }}',
  '{{ slice "héllo" 1 3 }}',
  '{{ index "héllo" 1 }}',
  '{{ split .Version "." | len }}',
  '{{ .Os | printf "%s" | printf "%s" | printf "[%s]" }}',
  '{{ "a" | printf "%s%s" "b" }}',
  '{{ .Os | and 1 }}',
  '{{ 0 | or 0 }}',
  '{{ .Os | eq }}',
  '{{ "x" | title "y" }}',
  '{{ .Os | .Env.FOO }}',
  '{{ $ | printf "%v" | len | printf "%d" | len }}',
  '{{ with $x := 0 }}no{{ else }}{{ $x }}{{ end }}',
  '{{- /* only a comment */ -}}',
  '{{- if .IsSnapshot -}}\n  snap\n{{- else -}}\n  rel\n{{- end -}}',
  'a{{ "" }}b{{ "\n" }}c',
  '{{ "{{" }}.Os{{ "}}" }}'
]

let oracle: string
beforeAll(() => {
  const dir = fileURLToPath(new URL('../oracle/gotemplate', import.meta.url))
  oracle = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tmpl-oracle-')), 'oracle')
  execFileSync('go', ['build', '-o', oracle, '.'], { cwd: dir, stdio: 'pipe' })
})

function goValue(v: Tagged): GoValue {
  if ('s' in v) return v.s
  if ('i' in v) return BigInt(v.i)
  if ('u' in v) return BigInt(v.u)
  if ('b' in v) return v.b
  if ('f' in v) return v.f
  if ('t' in v) return new GoTime(v.t * 1000)
  if ('m' in v) return new GoMap(new Map(Object.entries(v.m)), '', 'map[string]string')
  return v.l
}

interface Outcome {
  ok: boolean
  out?: string
  err?: string
}

function ours(text: string, data: Record<string, Tagged>): Outcome {
  const values: Record<string, GoValue> = {}
  for (const [k, v] of Object.entries(data)) values[k] = goValue(v)
  try {
    return { ok: true, out: renderTemplate(text, values as TemplateValues) }
  } catch (error) {
    return { ok: false, err: (error as Error).message }
  }
}

function theirs(cases: string[], data: Record<string, Tagged>): Outcome[] {
  const input = JSON.stringify({ data, now: NOW, cases })
  return JSON.parse(execFileSync(oracle, { input, maxBuffer: 64 << 20 }).toString()) as Outcome[]
}

describe.each([
  ['a tagged release on darwin/arm64', RELEASE],
  ['a snapshot pre-release on linux/arm v7', SNAPSHOT]
])('templates render as Go renders them: %s', (_, data) => {
  let reference: Outcome[]
  beforeAll(() => {
    reference = theirs(CASES, data)
  })

  it('covers at least 200 templates, some of them failing in Go', () => {
    expect(new Set(CASES).size).toBe(CASES.length)
    expect(CASES.length).toBeGreaterThanOrEqual(200)
    expect(reference.filter(r => !r.ok).length).toBeGreaterThan(50)
    expect(reference.filter(r => r.ok).length).toBeGreaterThan(150)
  })

  it.each(CASES.map((c, i) => [i, c] as const))('#%i %j', i => {
    const want = reference[i]!
    const got = ours(CASES[i]!, data)
    // Same output, or both fail (the messages are ours: they name the input and position).
    if (want.ok) expect(got).toEqual({ ok: true, out: want.out })
    else expect({ ok: got.ok, goError: want.err }).toEqual({ ok: false, goError: want.err })
  })
})
