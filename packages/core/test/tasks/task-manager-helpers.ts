/**
 * Shared fixtures of the TaskManager and RequestCache tests: a collecting logger, an unhandled-rejection
 * collector, and the abort-listener count of a signal.
 */
import { getEventListeners } from 'node:events'
import { afterAll, beforeAll } from 'vitest'
import { createLogger, type Logger } from '../../src/logging/logger.js'

/** One parsed pino line. */
export interface LogLine {
  level: number
  msg: string
  task?: string
  tasks?: string[]
  ageMs?: number
  cache?: string
  err?: { message: string; type: string }
  [key: string]: unknown
}

/** pino's numeric levels. */
export const Level = { debug: 20, info: 30, warn: 40, error: 50 } as const

/** A logger at debug level whose lines land, parsed, in `lines`. */
export function collectingLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = []
  const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) } })
  return { logger, lines }
}

/**
 * Installs a process-wide `unhandledRejection` collector for the file; tests assert it stays empty.
 */
export function collectUnhandledRejections(): unknown[] {
  const seen: unknown[] = []
  const onUnhandled = (reason: unknown): void => void seen.push(reason)
  beforeAll(() => void process.on('unhandledRejection', onUnhandled))
  afterAll(() => void process.off('unhandledRejection', onUnhandled))
  return seen
}

/** Lets a few turns of the event loop pass (unhandled rejections are reported between them). */
export async function turns(n = 3): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}

/** The number of `abort` listeners currently on `signal`. */
export function abortListeners(signal: AbortSignal): number {
  return getEventListeners(signal, 'abort').length
}
