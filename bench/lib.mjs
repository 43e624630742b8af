// Helpers shared by the benchmarks: machine facts, CPU accounting from /proc, child processes
// (argv arrays only), ratios and the RESULTS.md sections.
import { execFileSync, spawn } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import { performance } from 'node:perf_hooks'
import { setTimeout as sleep } from 'node:timers/promises'

/** Clock ticks per second of the times in /proc (USER_HZ). */
export const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim())

/**
 * utime, stime, cutime, cstime of a /proc/<pid>/stat line, in ticks. The command name (field 2)
 * is in parentheses and may hold spaces, so fields are counted from the last ')'.
 */
export function parseProcStat(line) {
  const rest = line.slice(line.lastIndexOf(')') + 2).split(' ')
  // rest[0] is field 3 (state): field n is rest[n - 3].
  const field = n => Number(rest[n - 3])
  return { utime: field(14), stime: field(15), cutime: field(16), cstime: field(17) }
}

/** Busy, iowait and steal ticks of all CPUs from the first line of /proc/stat. */
export function parseSystemStat(text) {
  const [user, nice, system, idle, iowait, irq, softirq, steal] = text
    .split('\n')[0]
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number)
  // Steal is time the hypervisor gave to someone else: not work done by any process here.
  const busy = user + nice + system + irq + softirq
  return { busy, iowait, steal, total: busy + idle + iowait + steal }
}

function snapshot() {
  return {
    self: parseProcStat(fs.readFileSync('/proc/self/stat', 'utf8')),
    system: parseSystemStat(fs.readFileSync('/proc/stat', 'utf8')),
    at: performance.now()
  }
}

/**
 * Runs fn and measures it: wall time, the user/sys CPU of every child reaped meanwhile (the
 * kernel adds a reaped child's own reaped children to its cutime/cstime, so `go build`'s compile
 * and link processes count), our own CPU, and the CPU the rest of the machine used meanwhile
 * (all-CPU busy time from /proc/stat minus ours) — a noise indicator, not a precise figure.
 * Children must be reaped before fn resolves; `run` below waits for 'close'. `companions` are
 * pids of long-running processes the measured code uses (a loopback service): their user+sys
 * CPU meanwhile is reported apart and not counted as other processes' noise.
 */
export async function measure(fn, { companions = [] } = {}) {
  const companionTicks = () => companions.reduce((sum, pid) => sum + processTicks(pid), 0)
  const companionBefore = companionTicks()
  const before = snapshot()
  const result = await fn()
  const after = snapshot()
  const companionAfter = companionTicks()
  const ms = ticks => (ticks * 1000) / CLK_TCK
  const companion = ms(companionAfter - companionBefore)
  const childUser = ms(after.self.cutime - before.self.cutime)
  const childSys = ms(after.self.cstime - before.self.cstime)
  const self = ms(after.self.utime + after.self.stime - (before.self.utime + before.self.stime))
  const systemBusy = ms(after.system.busy - before.system.busy)
  return {
    result,
    wallMs: after.at - before.at,
    childUserMs: childUser,
    childSysMs: childSys,
    childCpuMs: childUser + childSys,
    selfCpuMs: self,
    // services the measured code talks to (a loopback blob store): theirs, not other processes'
    companionCpuMs: companion,
    otherCpuMs: systemBusy - childUser - childSys - self - companion,
    iowaitMs: ms(after.system.iowait - before.system.iowait),
    stealMs: ms(after.system.steal - before.system.steal)
  }
}

/** User+sys CPU ticks a running process has used itself (not its children). */
export function processTicks(pid) {
  const stat = parseProcStat(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'))
  return stat.utime + stat.stime
}

/**
 * Waits until the other processes on the machine leave the CPUs nearly idle (busy share of all
 * CPUs over one second below `threshold`), at most `maxMs`; another person's test run would
 * otherwise land inside a measured run. Returns how long it waited and whether it got quiet.
 */
export async function waitForQuiet({ maxMs = 45_000, threshold = 0.1 } = {}) {
  const started = performance.now()
  for (;;) {
    const before = parseSystemStat(fs.readFileSync('/proc/stat', 'utf8'))
    await sleep(1000)
    const after = parseSystemStat(fs.readFileSync('/proc/stat', 'utf8'))
    const share = (after.busy - before.busy) / Math.max(1, after.total - before.total)
    const waitedMs = performance.now() - started
    if (share < threshold) return { waitedMs, quiet: true }
    if (waitedMs >= maxMs) return { waitedMs, quiet: false }
  }
}

/** Share of the machine's CPU time other processes may take during a run before it counts as noisy. */
export const NOISE_SHARE = 0.05

/** Whether other processes used more than NOISE_SHARE of all cores during a measured run. */
export function isNoisy(m, cores) {
  return m.otherCpuMs > NOISE_SHARE * cores * m.wallMs
}

/**
 * Measures rounds until `rounds` of them are clean (no measured run in them noisy) or
 * `rounds + retries` were measured; returns them all, each with `noisy` set.
 */
export async function measureRounds({ rounds, retries, noisy, log }, measureRound) {
  const all = []
  let clean = 0
  for (let n = 1; clean < rounds && n <= rounds + retries; n++) {
    const round = await measureRound(n)
    round.noisy = noisy(round)
    if (round.noisy) log(`  round ${n} is noisy: other processes used the CPUs meanwhile`)
    else clean++
    all.push(round)
  }
  return all
}

/** The rounds medians are taken over: the clean ones, or all when none is clean. */
export function roundsForMedian(rounds) {
  const clean = rounds.filter(r => !r.noisy)
  return clean.length > 0 ? clean : rounds
}

/**
 * Which rounds the medians come from, for the RESULTS.md text: 'over all 5 rounds', 'over the 3
 * clean rounds (1, 4, 5)', or, when none was clean, all of them marked as noisy.
 */
export function medianBasis(rounds, id = r => r.round) {
  const clean = rounds.filter(r => !r.noisy)
  if (clean.length === 0) return `over all ${rounds.length} rounds, **every one of them noisy**`
  if (clean.length === rounds.length) return `over all ${rounds.length} rounds`
  return `over the ${clean.length} clean rounds (${clean.map(id).join(', ')})`
}

/**
 * Runs a program with an argv array (never a shell) and collects its output; resolves after the
 * child has exited and been reaped. Rejects on a non-zero exit unless `allowFailure`.
 */
export function run(file, args, { cwd, env, allowFailure = false, stdio } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd,
      env,
      shell: false,
      stdio: stdio ?? ['ignore', 'pipe', 'pipe']
    })
    const out = []
    const err = []
    child.stdout?.on('data', chunk => out.push(chunk))
    child.stderr?.on('data', chunk => err.push(chunk))
    child.on('error', reject)
    child.on('close', (code, signal) => {
      const stdout = Buffer.concat(out).toString('utf8')
      const stderr = Buffer.concat(err).toString('utf8')
      if ((code !== 0 || signal) && !allowFailure) {
        const tail = (stdout + stderr).trimEnd().slice(-3000)
        reject(new Error(`${file} ${args.join(' ')} exited ${code ?? signal}:\n${tail}`))
      } else {
        resolve({ code, signal, stdout, stderr })
      }
    })
  })
}

/** Facts about this machine that belong next to every figure. */
export function machineFacts(root) {
  const cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8')
  const model = /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? 'unknown'
  const memKiB = Number(/^MemTotal:\s*(\d+)/m.exec(fs.readFileSync('/proc/meminfo', 'utf8'))?.[1])
  const nproc = Number(execFileSync('nproc', [], { encoding: 'utf8' }).trim())
  const cgroupCpu = readOptional('/sys/fs/cgroup/cpu.max')
  const git = args => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim()
  // Others edit src/ while benchmarks run: say which code was measured.
  const changed = git(['status', '--porcelain', '--', 'src', 'dist'])
  return {
    code: `commit ${git(['rev-parse', '--short', 'HEAD'])}${changed ? ' with uncommitted changes in src/ or dist/' : ''}`,
    nproc,
    cpuModel: model,
    memory: `${(memKiB / 1024 / 1024).toFixed(1)} GiB`,
    go: execFileSync('go', ['version'], { encoding: 'utf8' }).trim(),
    node: process.version,
    kernel: `${os.type()} ${os.release()} ${os.arch()}`,
    cgroupCpuMax: cgroupCpu ? cgroupCpu.trim() : 'none',
    clkTck: CLK_TCK,
    loadavg: fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
  }
}

function readOptional(file) {
  try {
    return fs.readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
}

/** Markdown lines describing the machine. */
export function machineLines(facts) {
  return [
    `- machine: ${facts.nproc} cores (nproc), CPU "${facts.cpuModel}", ${facts.memory} RAM, ${facts.kernel}, cgroup cpu.max: ${facts.cgroupCpuMax}`,
    `- tools: ${facts.go}; node ${facts.node}; CLK_TCK ${facts.clkTck}; code measured: ${facts.code} (P1 runs dist/cli.js, P5 and P6 build/src compiled from src/)`,
    `- load average when the run started: ${facts.loadavg}`
  ]
}

/** "1m43s" / "2.2s" / "35ms" (src/ports/clock.ts formatDuration) → milliseconds. */
export function parseDuration(text) {
  const m = /^(?:(\d+)m(\d+)s|(\d+(?:\.\d+)?)s|(\d+)ms)$/.exec(text.trim())
  if (!m) throw new Error(`not a duration: ${JSON.stringify(text)}`)
  if (m[1] !== undefined) return (Number(m[1]) * 60 + Number(m[2])) * 1000
  if (m[3] !== undefined) return Number(m[3]) * 1000
  return Number(m[4])
}

/** The median of a list of numbers. */
export function median(values) {
  if (values.length === 0) throw new Error('median of nothing')
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/** Milliseconds as seconds with one decimal: 1234 → "1.2 s"; two decimals below 10 s. */
export function seconds(ms) {
  return ms < 10_000 ? `${(ms / 1000).toFixed(2)} s` : `${(ms / 1000).toFixed(1)} s`
}

/** A ratio with three decimals. */
export function ratio(value) {
  return value.toFixed(3)
}

/** Bytes as MiB with two decimals. */
export function mib(bytes) {
  return `${(bytes / 1024 / 1024).toFixed(2)} MiB`
}

/** A markdown table; the console gets the same text. */
export function table(headers, rows) {
  const line = cells => `| ${cells.join(' | ')} |`
  return [line(headers), line(headers.map(() => '---')), ...rows.map(line)].join('\n')
}

/**
 * Replaces the text between `<!-- key:start -->` and `<!-- key:end -->` with body, or appends a
 * new marked section; everything outside the markers is kept as it was.
 */
export function replaceSection(text, key, body) {
  const start = `<!-- ${key}:start -->`
  const end = `<!-- ${key}:end -->`
  const section = `${start}\n${body.trim()}\n${end}`
  const i = text.indexOf(start)
  const j = text.indexOf(end)
  if (i !== -1 && j > i) return text.slice(0, i) + section + text.slice(j + end.length)
  if (i !== -1 || j !== -1) throw new Error(`RESULTS.md: the ${key} markers are broken`)
  return `${text.trimEnd()}\n\n${section}\n`
}
