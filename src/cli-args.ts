import { INPUT, type InputName } from './inputs/index.js'

const NAMES = new Set<string>(Object.values(INPUT))

/** Help text of the command line. */
export const USAGE = `usage: go-xbuild [--<input> <value>]...

Runs the go-xbuild-action pipeline locally: the same inputs as action.yml, as options.
Repeat an option to add list items. Paths are relative to the current folder.

  --targets linux/amd64,linux/arm64   --working-directory .   --package ./cmd/app
  --version 1.2.3   --ldflags '-s -w -X main.version={{.Version}}'   --archive auto
  --dist dist   --checksum-algorithms sha256,sha512   --cgo auto   --parallelism 4
inputs: ${[...NAMES].join(', ')}
`

/** Parses `--name value` / `--name=value` options into input values (repeats join with newlines). */
export function parseCliArgs(argv: readonly string[]): Map<InputName, string> {
  const values = new Map<InputName, string>()
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    const match = /^--([a-z0-9-]+)(?:=(.*))?$/s.exec(arg)
    if (!match || !NAMES.has(match[1]!)) throw new Error(`unknown option "${arg}"\n\n${USAGE}`)
    const name = match[1] as InputName
    let value = match[2]
    if (value === undefined) {
      if (i + 1 >= argv.length) throw new Error(`--${name} needs a value`)
      value = argv[++i]!
    }
    values.set(name, values.has(name) ? `${values.get(name)}\n${value}` : value)
  }
  return values
}
