import * as core from '@actions/core'
import { randomUUID } from 'node:crypto'

/** Where an annotation points. */
export interface AnnotationProps {
  title?: string
  file?: string
  startLine?: number
}

/** Logging as the pipeline sees it; the runner and the CLI each implement it. */
export interface LogPort {
  info(message: string): void
  debug(message: string): void
  notice(message: string, props?: AnnotationProps): void
  warning(message: string, props?: AnnotationProps): void
  error(message: string, props?: AnnotationProps): void
  /** Runs fn inside a collapsible group titled `title`. */
  group<T>(title: string, fn: () => Promise<T>): Promise<T>
  /** Relays output of an untrusted process (go build) so it cannot issue workflow commands. */
  untrusted(text: string): void
}

/** Log port for a GitHub runner, on @actions/core. */
export const actionsLog: LogPort = {
  info: message => core.info(message),
  debug: message => core.debug(message),
  notice: (message, props) => core.notice(message, props),
  warning: (message, props) => core.warning(message, props),
  error: (message, props) => core.error(message, props),
  group: (title, fn) => core.group(title, fn),
  untrusted(text) {
    if (text.trim() === '') return
    // A fresh token each time: the relayed text cannot guess it to resume command processing.
    const token = randomUUID()
    core.info(`::stop-commands::${token}`)
    core.info(text.trimEnd())
    core.info(`::${token}::`)
  }
}

/** Log port for the command line: plain lines, groups as headings. */
export function consoleLog(
  options: { debug?: boolean; write?: (line: string) => void } = {}
): LogPort {
  const write = options.write ?? ((line: string) => process.stderr.write(line + '\n'))
  return {
    info: write,
    debug: message => {
      if (options.debug) write(`debug: ${message}`)
    },
    notice: message => write(`notice: ${message}`),
    warning: message => write(`warning: ${message}`),
    error: message => write(`error: ${message}`),
    async group(title, fn) {
      write(`── ${title}`)
      return fn()
    },
    untrusted(text) {
      if (text.trim() !== '') write(text.trimEnd())
    }
  }
}
