import { spawn } from 'node:child_process'

/** What a finished process left behind. */
export interface ProcessResult {
  /** exit code; non-zero is returned, not thrown, so callers can word the error */
  code: number
  stdout: string
  stderr: string
  /** the run outlived RunOptions.timeoutMs and was killed */
  timedOut?: boolean
}

/** How to start a process. */
export interface RunOptions {
  cwd?: string
  /** the complete environment of the child (not merged with ours) */
  env?: Record<string, string>
  /** kill the child and everything it started (its process group) after this many ms */
  timeoutMs?: number
  /** keep only the last this many bytes of each stream (a runaway program cannot fill memory) */
  maxOutputBytes?: number
  /** written to the child's stdin, which is then closed (no stdin at all when absent) */
  input?: string
}

/** Runs programs with an argv array; there is no way to hand it a shell string. */
export interface ProcessPort {
  run(file: string, args: readonly string[], options?: RunOptions): Promise<ProcessResult>
}

/** Error for a program that could not be started at all (not on PATH, not executable). */
export class ProgramNotFoundError extends Error {
  constructor(
    readonly program: string,
    options?: { cause?: unknown }
  ) {
    super(`${program} could not be started: it is not on PATH or not executable`, options)
    this.name = 'ProgramNotFoundError'
  }
}

/**
 * The real port, on child_process.spawn without a shell. Not @actions/exec: its first argument
 * is a command line that it splits at spaces, so a program path with a space in it (a dist
 * folder named by the user) would be cut apart — input turned into syntax.
 */
export const realProcess: ProcessPort = {
  run(file, args, options = {}) {
    return new Promise((resolve, reject) => {
      const child = spawn(file, [...args], {
        cwd: options.cwd,
        env: options.env,
        shell: false,
        windowsHide: true,
        // Its own process group, so a timeout also kills what it started (wine's helpers).
        detached: options.timeoutMs !== undefined && process.platform !== 'win32',
        stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe']
      })
      if (options.input !== undefined && child.stdin) {
        // A child that exits without reading all of it closes the pipe: not our error to report.
        child.stdin.on('error', () => undefined)
        child.stdin.end(options.input)
      }
      const stdout: Buffer[] = []
      const stderr: Buffer[] = []
      let timedOut = false
      const timer =
        options.timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              timedOut = true
              try {
                if (child.pid !== undefined && process.platform !== 'win32')
                  process.kill(-child.pid, 'SIGKILL')
                else child.kill('SIGKILL')
              } catch {
                child.kill('SIGKILL')
              }
              // A daemon it started may still hold the pipes open; stop waiting for them.
              child.stdout?.destroy()
              child.stderr?.destroy()
            }, options.timeoutMs)
      const keep = (chunks: Buffer[], chunk: Buffer): void => {
        chunks.push(chunk)
        const max = options.maxOutputBytes
        if (
          max !== undefined &&
          chunks.length > 1 &&
          chunks.reduce((n, c) => n + c.length, 0) > max
        ) {
          const all = Buffer.concat(chunks)
          chunks.splice(0, chunks.length, all.subarray(all.length - max))
        }
      }
      child.stdout?.on('data', (chunk: Buffer) => keep(stdout, chunk))
      child.stderr?.on('data', (chunk: Buffer) => keep(stderr, chunk))
      child.on('error', error => {
        clearTimeout(timer)
        reject(new ProgramNotFoundError(file, { cause: error }))
      })
      child.on('close', (code, signal) => {
        clearTimeout(timer)
        resolve({
          // A signal-killed child has no exit code; report it like a shell would (128 + n).
          code: code ?? (signal ? 128 + signalNumber(signal) : 1),
          stdout: Buffer.concat(stdout).toString('utf8'),
          stderr: Buffer.concat(stderr).toString('utf8'),
          ...(timedOut ? { timedOut } : {})
        })
      })
    })
  }
}

function signalNumber(signal: NodeJS.Signals): number {
  return ({ SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGTERM: 15 } as Record<string, number>)[signal] ?? 0
}
