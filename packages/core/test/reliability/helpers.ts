/**
 * Shared helpers of the reliability tests: a log collector, a process-level fault collector (unhandled
 * rejections and uncaught exceptions) and small waiting helpers. Test-only.
 */
import { createLogger, type Logger } from '../../src/index.js'
import { yieldMacrotask } from '../../src/internal/macrotask.js'

/** One parsed pino line. */
export interface LogLine {
  level: number
  msg: string
  [key: string]: unknown
}

/** A pino logger that keeps every line in memory. */
export function collectingLogger(level = 'debug'): { logger: Logger; lines: LogLine[] } {
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

/** Collects process-level faults while installed; `faults` must be empty at the end of every test. */
export function installFaultCollector(): { faults: unknown[]; dispose: () => void } {
  const faults: unknown[] = []
  const onRejection = (reason: unknown): void => {
    faults.push({ kind: 'unhandledRejection', reason })
  }
  const onException = (error: unknown): void => {
    faults.push({ kind: 'uncaughtException', error })
  }
  process.on('unhandledRejection', onRejection)
  process.on('uncaughtException', onException)
  return {
    faults,
    dispose: () => {
      process.off('unhandledRejection', onRejection)
      process.off('uncaughtException', onException)
    },
  }
}

/** Lets `turns` macrotasks pass (real event loop turns, no timers). */
export async function turns(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await yieldMacrotask()
}

/** Waits (by event loop turns, at most `maxTurns`) until `condition()` holds; returns whether it did. */
export async function until(condition: () => boolean, maxTurns = 2_000): Promise<boolean> {
  for (let i = 0; i < maxTurns; i++) {
    if (condition()) return true
    await yieldMacrotask()
  }
  return condition()
}

/** A promise and its resolve/reject, for tasks whose end the test decides. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}
