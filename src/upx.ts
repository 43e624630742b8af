import type { TargetPlan } from './facts.js'
import { matchesTargetPattern } from './lib/target-patterns.js'
import type { Target } from './targets.js'

/**
 * The GOOS/GOARCH pairs whose Go executables UPX packs into working programs, measured with
 * Debian's upx-ucl 4.2.2 on go1.26.8 hello-world builds (CGO_ENABLED=0, -s -w): each packed,
 * passed `upx -t` and (linux, natively or under qemu-user) ran. The other Go ports are missing
 * from `upx --help`'s format list or refused by upx (freebsd, netbsd, openbsd, riscv64, s390x,
 * loong64, mips64*, windows/arm64).
 */
const UPX_PACKS: ReadonlySet<string> = new Set([
  'linux/386',
  'linux/amd64',
  'linux/arm',
  'linux/arm64',
  'linux/ppc64le',
  'windows/386',
  'windows/amd64'
])

/** Packed by upx 4.2.2 without complaint, but the packed Go program crashes at start. */
const UPX_BREAKS: ReadonlySet<string> = new Set(['linux/mips', 'linux/mipsle', 'linux/ppc64'])

/** Why UPX cannot pack a target's executables, or undefined when it can. */
export function upxSkipReason(target: Pick<Target, 'goos' | 'goarch'>): string | undefined {
  const pair = `${target.goos}/${target.goarch}`
  if (UPX_PACKS.has(pair)) return undefined
  if (target.goos === 'darwin' || target.goos === 'ios')
    return 'UPX 4 output does not run on macOS 13 and later (upx needs --force-macos and still breaks it)'
  if (pair === 'windows/arm64') return 'UPX has no packer for ARM64 PE executables'
  if (UPX_BREAKS.has(pair))
    return `UPX packs ${pair} Go executables, but the result crashes at start (upx 4.2.2)`
  return `UPX has no packer for ${pair} executables`
}

/**
 * upx options a user may pass: compression methods and levels and format switches. Options that
 * name other files (-o), change what upx does (-d, -t, -l, -k), or print instead of packing are
 * refused, so the action alone decides which file is rewritten.
 */
const UPX_ARG =
  /^(?:-[1-9]|--best|--brute|--ultra-brute|--lzma|--nrv2[bde]|--no-lzma|--all-methods|--all-filters|--no-filter|--exact|--force|-f|--preserve-build-id|--strip-relocs=[01]|--compress-exports=[01]|--compress-icons=[0-3]|--compress-resources=[01]|--overlay=(?:copy|strip|skip)|--no-color|--mono|-q|-qq|-qqq)$/

/** Problems of upx-args (already split by Go's quoting rules). */
export function checkUpxArgs(input: string, args: readonly string[]): string[] {
  return args
    .filter(arg => !UPX_ARG.test(arg))
    .map(
      arg =>
        `${input}: "${arg}" is not allowed; use compression options such as --best, --lzma, --brute or -1..-9 (the action names the file and the output itself)`
    )
}

/** Which of this job's targets the upx input selects, split into those UPX packs and those it cannot. */
export function upxSelection(
  inputs: { upx: readonly string[] },
  plans: readonly TargetPlan[]
): { pack: Target[]; skip: { target: Target; reason: string }[] } {
  const pack: Target[] = []
  const skip: { target: Target; reason: string }[] = []
  for (const { target, kind } of plans) {
    if (kind === 'universal' || !inputs.upx.some(p => matchesTargetPattern(p, target))) continue
    const reason = upxSkipReason(target)
    if (reason) skip.push({ target, reason })
    else pack.push(target)
  }
  return { pack, skip }
}
