// Command nfpm-runner makes Linux packages with nFPM, the library GoReleaser makes them with, so
// that the action's packages match GoReleaser's. It reads one JSON request on stdin:
//
//	{"jobs": [{"format": "deb", "out": "/abs/file", "info": {…nfpm.Info as JSON…}, "passphrase": "…"}]}
//
// and for each job applies nFPM's defaults, writes the package to out and answers on stdout
//
//	{"results": [{"conventionalFileName": "…", "conventionalExtension": ".deb"}]}
//
// in job order. Secrets (the signing keys' passphrase, which nFPM's Info does not carry in JSON)
// arrive in the request, never on the command line; the keys themselves are files the caller
// writes with mode 0600 and removes.
// Nothing here reads the environment: SOURCE_DATE_EPOCH is not consulted, the caller always
// gives info.mtime.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"

	"github.com/goreleaser/nfpm/v2"
	_ "github.com/goreleaser/nfpm/v2/apk"
	_ "github.com/goreleaser/nfpm/v2/arch"
	_ "github.com/goreleaser/nfpm/v2/deb"
	_ "github.com/goreleaser/nfpm/v2/rpm"
)

type job struct {
	Format     string     `json:"format"`
	Out        string     `json:"out"`
	Info       *nfpm.Info `json:"info"`
	Passphrase string     `json:"passphrase,omitempty"`
}

type result struct {
	ConventionalFileName  string `json:"conventionalFileName"`
	ConventionalExtension string `json:"conventionalExtension"`
	Error                 string `json:"error,omitempty"`
}

func main() {
	var request struct {
		Jobs        []job `json:"jobs"`
		Parallelism int   `json:"parallelism"`
	}
	decoder := json.NewDecoder(os.Stdin)
	decoder.DisallowUnknownFields()
	if err := decoder.Decode(&request); err != nil {
		fmt.Fprintln(os.Stderr, "nfpm-runner: reading the request:", err)
		os.Exit(2)
	}
	results := make([]result, len(request.Jobs))
	limit := request.Parallelism
	if limit < 1 {
		limit = runtime.NumCPU()
	}
	slots := make(chan struct{}, limit)
	var wg sync.WaitGroup
	for i := range request.Jobs {
		wg.Add(1)
		slots <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-slots }()
			results[i] = run(request.Jobs[i])
		}(i)
	}
	wg.Wait()
	if err := json.NewEncoder(os.Stdout).Encode(map[string][]result{"results": results}); err != nil {
		fmt.Fprintln(os.Stderr, "nfpm-runner: writing the answer:", err)
		os.Exit(2)
	}
}

func run(j job) result {
	if j.Info == nil {
		return result{Error: "no info"}
	}
	packager, err := nfpm.Get(j.Format)
	if err != nil {
		return result{Error: err.Error()}
	}
	ext := "." + j.Format
	if p, ok := packager.(nfpm.PackagerWithExtension); ok {
		ext = p.ConventionalExtension()
	}
	info := nfpm.WithDefaults(j.Info)
	info.Deb.Signature.KeyPassphrase = j.Passphrase
	info.RPM.Signature.KeyPassphrase = j.Passphrase
	info.APK.Signature.KeyPassphrase = j.Passphrase
	answer := result{ConventionalFileName: packager.ConventionalFileName(info), ConventionalExtension: ext}
	if err := write(packager, info, j.Out); err != nil {
		answer.Error = err.Error()
	}
	return answer
}

func write(packager nfpm.Packager, info *nfpm.Info, out string) error {
	file, err := os.Create(out)
	if err != nil {
		return err
	}
	if err := packager.Package(info, file); err != nil {
		file.Close()
		os.Remove(out)
		return err
	}
	if err := file.Close(); err != nil {
		return err
	}
	if info.MTime.IsZero() {
		return errors.New("internal: no mtime given")
	}
	return os.Chtimes(out, info.MTime, info.MTime)
}
