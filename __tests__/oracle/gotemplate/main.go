// The reference for __tests__/go-template-differential.test.ts: Go's own text/template with the
// template functions GoReleaser v2.16.0 registers (internal/tmpl/tmpl.go), the same option
// (missingkey=error), the same libraries (golang.org/x/text cases, Masterminds semver) at the
// versions GoReleaser v2.16.0 pins. It reads documents {"data": …, "now": unix, "cases":
// [template…]} on stdin, one after another, and writes for each a line on stdout: an array of
// one {"ok", "out"|"err"} per case. One process renders a whole release's targets, as a Go
// helper in the action would (bench P10 measures that against our interpreter).
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/template"
	"time"

	"github.com/Masterminds/semver/v3"
	"golang.org/x/text/cases"
	"golang.org/x/text/language"
)

type input struct {
	Data  map[string]json.RawMessage `json:"data"`
	Now   int64                      `json:"now"`
	Cases []string                   `json:"cases"`
}

type result struct {
	OK  bool   `json:"ok"`
	Out string `json:"out"`
	Err string `json:"err,omitempty"`
}

// typed reads one tagged value: {"s": ""} string, {"i": 0} int64, {"u": 0} uint64, {"b": false},
// {"f": 0.5} float64, {"t": unix} time.Time, {"m": {}} map[string]string, {"l": []} []string.
func typed(raw json.RawMessage) any {
	var v map[string]json.RawMessage
	if err := json.Unmarshal(raw, &v); err != nil {
		panic(err)
	}
	for tag, body := range v {
		switch tag {
		case "s":
			var s string
			must(json.Unmarshal(body, &s))
			return s
		case "i":
			var i int64
			must(json.Unmarshal(body, &i))
			return i
		case "u":
			var u uint64
			must(json.Unmarshal(body, &u))
			return u
		case "b":
			var b bool
			must(json.Unmarshal(body, &b))
			return b
		case "f":
			var f float64
			must(json.Unmarshal(body, &f))
			return f
		case "t":
			var t int64
			must(json.Unmarshal(body, &t))
			return time.Unix(t, 0).UTC()
		case "m":
			var m map[string]string
			must(json.Unmarshal(body, &m))
			return m
		case "l":
			var l []string
			must(json.Unmarshal(body, &l))
			return l
		}
	}
	panic(fmt.Sprintf("untagged value %s", raw))
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

func prefix(v string) string {
	if v != "" && v[0] == 'v' {
		return "v"
	}
	return ""
}

func main() {
	in := json.NewDecoder(os.Stdin)
	out := json.NewEncoder(os.Stdout)
	for {
		var doc input
		err := in.Decode(&doc)
		if err == io.EOF {
			return
		}
		must(err)
		must(out.Encode(renderAll(doc)))
	}
}

func renderAll(in input) []result {
	data := map[string]any{}
	for k, raw := range in.Data {
		data[k] = typed(raw)
	}
	env, _ := data["Env"].(map[string]string)
	now := time.Unix(in.Now, 0).UTC()
	funcs := template.FuncMap{
		"replace":    strings.ReplaceAll,
		"split":      strings.Split,
		"time":       func(s string) string { return now.Format(s) },
		"contains":   strings.Contains,
		"tolower":    strings.ToLower,
		"toupper":    strings.ToUpper,
		"trim":       strings.TrimSpace,
		"trimprefix": strings.TrimPrefix,
		"trimsuffix": strings.TrimSuffix,
		"title":      cases.Title(language.English).String,
		"dir":        filepath.Dir,
		"base":       filepath.Base,
		"incmajor":   func(v string) string { return prefix(v) + semver.MustParse(v).IncMajor().String() },
		"incminor":   func(v string) string { return prefix(v) + semver.MustParse(v).IncMinor().String() },
		"incpatch":   func(v string) string { return prefix(v) + semver.MustParse(v).IncPatch().String() },
		"envOrDefault": func(name, value string) string {
			s, ok := env[name]
			if !ok {
				return value
			}
			return s
		},
		"isEnvSet": func(name string) bool {
			s, ok := env[name]
			return ok && s != ""
		},
	}
	results := make([]result, 0, len(in.Cases))
	for _, text := range in.Cases {
		results = append(results, render(text, funcs, data))
	}
	return results
}

func render(text string, funcs template.FuncMap, data map[string]any) (r result) {
	defer func() {
		if p := recover(); p != nil {
			r = result{Err: fmt.Sprint("panic: ", p)}
		}
	}()
	t, err := template.New("tmpl").Option("missingkey=error").Funcs(funcs).Parse(text)
	if err != nil {
		return result{Err: err.Error()}
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return result{Err: err.Error()}
	}
	return result{OK: true, Out: buf.String()}
}
