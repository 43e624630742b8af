import * as path from 'node:path'
/** One port as `go tool dist list -json` reports it. */
export interface DistPort {
  /** GOOS, e.g. 'linux'. */
  goos: string
  /** GOARCH, e.g. 'arm64'. */
  goarch: string
  /** Whether the toolchain can build cgo code for this port. */
  cgoSupported: boolean
  /** Whether the Go team treats the port as first class (release-blocking). */
  firstClass: boolean
}

/** A build target: GOOS/GOARCH plus an optional sub-architecture variant as the user wrote it ('7', '6,softfloat', 'v3', 'v8.2', 'v8.2,lse', 'softfloat', 'power9', 'rva22u64', 'sse2'). */
export interface Target {
  /** GOOS, e.g. 'linux'. */
  goos: string
  /** GOARCH, e.g. 'arm'. */
  goarch: string
  /** Value of the GOARCH's sub-architecture variable (GOARM, GOAMD64, ...), absent for the toolchain default. */
  variant?: string
  /** File-name-safe id `goos_goarch[_variant]`, unique within one run. */
  id: string
}

/** Targets used when the user names none: the platforms most downloads come from. */
export const DEFAULT_TARGETS: readonly string[] = Object.freeze([
  'linux/amd64',
  'linux/arm64',
  'darwin/amd64',
  'darwin/arm64',
  'windows/amd64'
])

/** The preset that expands to every first-class port of the installed toolchain. */
export const FIRST_CLASS_PRESET = 'first-class'

/**
 * Ports for which `CGO_ENABLED=0 go build` of a stdlib hello world fails, so wildcards and presets
 * skip them; naming one explicitly is still allowed (the user may set up cgo and an SDK).
 * Measured with go1.26.8 on linux/amd64 by building one for all 47 `go tool dist list` pairs:
 * these 5 fail with "requires external (cgo) linking, but cgo is not enabled" (ios/amd64: "default
 * PIE binary requires ..."); the other 42, android/arm64 included, build.
 */
export const PORTS_NEEDING_CGO: readonly string[] = Object.freeze([
  'android/386',
  'android/amd64',
  'android/arm',
  'ios/amd64',
  'ios/arm64'
])

interface RawDistPort {
  GOOS?: unknown
  GOARCH?: unknown
  CgoSupported?: unknown
  FirstClass?: unknown
  Broken?: unknown
}

/** Parses the JSON array printed by `go tool dist list -json`; throws on anything else. */
export function parseDistList(json: string): DistPort[] {
  let raw: unknown
  try {
    raw = JSON.parse(json)
  } catch (err) {
    throw new Error(`go tool dist list -json: output is not JSON: ${(err as Error).message}`, {
      cause: err
    })
  }
  if (!Array.isArray(raw)) {
    throw new Error('go tool dist list -json: expected a JSON array of ports')
  }
  const ports: DistPort[] = []
  raw.forEach((entry: RawDistPort, i) => {
    if (
      entry === null ||
      typeof entry !== 'object' ||
      typeof entry.GOOS !== 'string' ||
      typeof entry.GOARCH !== 'string' ||
      entry.GOOS === '' ||
      entry.GOARCH === ''
    ) {
      throw new Error(`go tool dist list -json: entry ${i} lacks string GOOS and GOARCH fields`)
    }
    // `-broken` output marks ports the Go team does not keep working; treat them as absent,
    // as the plain listing does.
    if (entry.Broken === true) return
    ports.push({
      goos: entry.GOOS,
      goarch: entry.GOARCH,
      cgoSupported: entry.CgoSupported === true,
      firstClass: entry.FirstClass === true
    })
  })
  return ports
}

/** Splits a list input: newline or comma separated, trimmed, blanks dropped, lines starting with '#' are comments. */
export function splitList(text: string): string[] {
  const items: string[] = []
  for (const line of text.split(/\r?\n/)) {
    if (line.trim().startsWith('#')) continue
    for (const item of line.split(',')) {
      const trimmed = item.trim()
      if (trimmed !== '') items.push(trimmed)
    }
  }
  return items
}

interface VariantRule {
  /** The environment variable Go reads. */
  env: string
  /** Whether the value is one Go accepts. */
  valid: (v: string) => boolean
  /** The allowed values, worded for an error message. */
  allowed: string
}

const oneOf =
  (...values: string[]) =>
  (v: string): boolean =>
    values.includes(v)

const GOARM64_VERSION = /^v(8\.[0-9]|9\.[0-5])$/

// Mirrors cmd/go's internal/buildcfg parsers; rejecting here fails the run before any build,
// with every bad spec listed, instead of one go build at a time.
const VARIANT_RULES: Readonly<Record<string, VariantRule>> = {
  arm: {
    env: 'GOARM',
    valid: v => /^[567](,softfloat|,hardfloat)?$/.test(v),
    allowed: '5, 6 or 7, optionally with ,softfloat or ,hardfloat'
  },
  amd64: { env: 'GOAMD64', valid: oneOf('v1', 'v2', 'v3', 'v4'), allowed: 'v1, v2, v3 or v4' },
  arm64: {
    env: 'GOARM64',
    valid: v => {
      const [version, ...features] = v.split(',')
      return (
        GOARM64_VERSION.test(version) &&
        features.every(f => f === 'lse' || f === 'crypto') &&
        new Set(features).size === features.length
      )
    },
    allowed: 'v8.0..v8.9 or v9.0..v9.5, optionally with ,lse and/or ,crypto'
  },
  '386': { env: 'GO386', valid: oneOf('sse2', 'softfloat'), allowed: 'sse2 or softfloat' },
  mips: {
    env: 'GOMIPS',
    valid: oneOf('hardfloat', 'softfloat'),
    allowed: 'hardfloat or softfloat'
  },
  mipsle: {
    env: 'GOMIPS',
    valid: oneOf('hardfloat', 'softfloat'),
    allowed: 'hardfloat or softfloat'
  },
  mips64: {
    env: 'GOMIPS64',
    valid: oneOf('hardfloat', 'softfloat'),
    allowed: 'hardfloat or softfloat'
  },
  mips64le: {
    env: 'GOMIPS64',
    valid: oneOf('hardfloat', 'softfloat'),
    allowed: 'hardfloat or softfloat'
  },
  ppc64: {
    env: 'GOPPC64',
    valid: oneOf('power8', 'power9', 'power10'),
    allowed: 'power8, power9 or power10'
  },
  ppc64le: {
    env: 'GOPPC64',
    valid: oneOf('power8', 'power9', 'power10'),
    allowed: 'power8, power9 or power10'
  },
  riscv64: {
    env: 'GORISCV64',
    valid: oneOf('rva20u64', 'rva22u64', 'rva23u64'),
    allowed: 'rva20u64, rva22u64 or rva23u64'
  }
}

/** Target id `goos_goarch[_variant]` ('linux_arm_7', 'linux_arm64_v8.2-lse'); ',' becomes '-' so ids are file-name safe. */
export function targetId(goos: string, goarch: string, variant?: string): string {
  const base = `${goos}_${goarch}`
  return variant ? `${base}_${variant.replaceAll(',', '-')}` : base
}

/** The target as the user writes it: 'linux/arm/7'. */
export function formatTarget(t: Target): string {
  const base = `${t.goos}/${t.goarch}`
  return t.variant ? `${base}/${t.variant}` : base
}

/** The sub-architecture environment for a target, e.g. {GOARM: '7'}; {} without a variant. */
export function variantEnv(t: Target): Record<string, string> {
  const rule = VARIANT_RULES[t.goarch]
  if (!t.variant || !rule) return {}
  return { [rule.env]: t.variant }
}

/** The variant for file names: arm gets a 'v' ('v7', 'v6-softfloat'), others keep theirs with ',' as '-'; '' when none. */
export function variantLabel(t: Target): string {
  if (!t.variant) return ''
  const label = t.variant.replaceAll(',', '-')
  // A bare '7' in a file name reads as a version number; 'armv7' is how people search for it.
  return t.goarch === 'arm' ? `v${label}` : label
}

/** The executable file extension Go uses for a port: '.exe' on windows, '.wasm' for wasm ports, else ''. */
export function binaryExtension(goos: string, goarch: string): string {
  if (goos === 'windows') return '.exe'
  if (goarch === 'wasm' && (goos === 'js' || goos === 'wasip1')) return '.wasm'
  return ''
}

const portKey = (goos: string, goarch: string): string => `${goos}/${goarch}`

/** What one spec stands for: explicit targets count for duplicate checks, expansions do not. */
type SpecResult = { explicit: Target } | { expanded: Target[] } | { error: string }

/** Resolves one spec; `known` is the set of 'goos/goarch' keys of `ports`. */
function resolveSpec(
  spec: string,
  ports: DistPort[],
  known: Set<string>,
  version: string
): SpecResult {
  if (spec === FIRST_CLASS_PRESET) {
    return expandPorts(
      spec,
      ports.filter(p => p.firstClass),
      version
    )
  }
  const parts = spec.split('/')
  if (parts.length < 2 || parts.length > 3 || parts.some(p => p === '')) {
    return {
      error: `targets: "${spec}" is not GOOS/GOARCH, GOOS/GOARCH/variant, a wildcard such as linux/* or */arm64, or the preset ${FIRST_CLASS_PRESET}`
    }
  }
  const [goos, goarch, variant] = parts
  if (goos.includes('*') || goarch.includes('*')) {
    if ((goos.includes('*') && goos !== '*') || (goarch.includes('*') && goarch !== '*')) {
      return {
        error: `targets: "${spec}": a wildcard must be a whole GOOS or GOARCH, as in linux/* or */arm64`
      }
    }
    if (variant !== undefined) {
      return {
        error: `targets: "${spec}": a wildcard cannot take a variant; list each target, e.g. linux/arm/7`
      }
    }
    const matching = ports.filter(
      p => (goos === '*' || p.goos === goos) && (goarch === '*' || p.goarch === goarch)
    )
    return expandPorts(spec, matching, version)
  }
  if (!known.has(portKey(goos, goarch))) {
    const hint = known.has(portKey(goos.toLowerCase(), goarch.toLowerCase()))
      ? '; GOOS and GOARCH are lower case'
      : ''
    return {
      error: `targets: "${spec}" is not a GOOS/GOARCH pair of ${version} (see \`go tool dist list\`)${hint}`
    }
  }
  if (variant === undefined) return { explicit: { goos, goarch, id: targetId(goos, goarch) } }
  const rule = VARIANT_RULES[goarch]
  if (!rule) {
    return {
      error: `targets: "${spec}": GOARCH ${goarch} has no sub-architecture variant; write ${goos}/${goarch}`
    }
  }
  if (!rule.valid(variant))
    return { error: `targets: "${spec}": ${rule.env} must be ${rule.allowed}` }
  return { explicit: { goos, goarch, variant, id: targetId(goos, goarch, variant) } }
}

/** Expands a preset or wildcard to the ports a plain CGO_ENABLED=0 build can produce, so `*\/*` stays green. */
function expandPorts(spec: string, matching: DistPort[], version: string): SpecResult {
  const buildable = matching.filter(p => !PORTS_NEEDING_CGO.includes(portKey(p.goos, p.goarch)))
  if (matching.length === 0) {
    return {
      error: `targets: "${spec}" matches no GOOS/GOARCH pair of ${version} (see \`go tool dist list\`)`
    }
  }
  if (buildable.length === 0) {
    const names = matching.map(p => portKey(p.goos, p.goarch)).join(', ')
    return {
      error: `targets: "${spec}" matches only ports that need cgo (${names}); list them one by one and set up a C toolchain`
    }
  }
  return {
    expanded: buildable.map(p => ({
      goos: p.goos,
      goarch: p.goarch,
      id: targetId(p.goos, p.goarch)
    }))
  }
}

/** Validates target specs against the installed toolchain's ports and expands presets and wildcards; every bad spec yields one error. */
export function resolveTargets(
  specs: string[],
  ports: DistPort[],
  goVersion: string
): { targets: Target[]; errors: string[] } {
  const version = goVersion.startsWith('go') ? goVersion : `go${goVersion}`
  const known = new Set(ports.map(p => portKey(p.goos, p.goarch)))
  const targets: Target[] = []
  const errors: string[] = []
  const seen = new Set<string>()
  const explicit = new Set<string>()
  const add = (t: Target): void => {
    if (seen.has(t.id)) return
    seen.add(t.id)
    targets.push(t)
  }

  for (const raw of specs) {
    const spec = raw.trim()
    const r = resolveSpec(spec, ports, known, version)
    if ('error' in r) {
      errors.push(r.error)
    } else if ('expanded' in r) {
      r.expanded.forEach(add)
    } else if (explicit.has(r.explicit.id)) {
      // Naming one target twice is a typo more often than intent; overlap with a wildcard is not.
      errors.push(`targets: "${spec}" is listed twice`)
    } else {
      explicit.add(r.explicit.id)
      add(r.explicit)
    }
  }

  if (targets.length === 0 && errors.length === 0) {
    errors.push('targets: the list is empty; give at least one GOOS/GOARCH pair, e.g. linux/amd64')
  }
  return { targets, errors }
}

/**
 * Where Go's toolchain keeps its js/wasm support files (wasm_exec.js, wasm_exec_node.js):
 * lib/wasm since Go 1.24, misc/wasm before.
 */
export function wasmExecDir(goroot: string, exists: (file: string) => boolean): string | undefined {
  return [path.join(goroot, 'lib', 'wasm'), path.join(goroot, 'misc', 'wasm')].find(dir =>
    exists(path.join(dir, 'wasm_exec.js'))
  )
}
