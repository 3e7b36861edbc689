/**
 * In-memory pino loggers for tests: one that keeps every line parsed, one whose destination always throws, and
 * pino's level numbers to filter the lines by.
 */
// Through the package name, so the other workspace packages' tests can use these helpers too.
import { createLogger, type Logger } from '@tsab/core'

/** One parsed pino line (fields beyond `level` and `msg` are whatever the call site logged). */
export type LogLine = Record<string, any> & { level: number; msg: string }

/** pino's numeric levels. */
export const Level = { debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const

/** A pino logger (debug level unless told) whose lines land, parsed, in `lines`. */
export function memoryLogger(level = 'debug'): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = []
  const destination = {
    write(chunk: string): void {
      try {
        lines.push(JSON.parse(chunk) as LogLine)
      } catch {
        lines.push({ level: 0, msg: chunk })
      }
    },
  }
  return { logger: createLogger({ level, destination }), lines }
}

/** A logger that writes nothing. */
export const silentLogger = (): Logger => createLogger({ level: 'silent' })

/** A pino logger whose destination throws on every write (a full disk, a closed pipe). */
export function throwingLogger(): { logger: Logger; attempts: () => number } {
  let attempts = 0
  const destination = {
    write(): void {
      attempts++
      throw new Error('log destination is broken')
    },
  }
  return { logger: createLogger({ level: 'debug', destination }), attempts: () => attempts }
}
