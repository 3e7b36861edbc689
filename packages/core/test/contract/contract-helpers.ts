/**
 * Helpers for the contract tests: a pino logger that keeps its lines in memory, an unhandled-rejection
 * collector, and a few turns of the event loop. Built on the public API only.
 */
import { afterAll, afterEach, beforeAll, expect } from 'vitest'
import { createLogger, type Logger } from '@tsab/core'

/** One parsed pino line. */
export type LogLine = Record<string, unknown> & { level: number; msg: string }

/** A debug-level pino logger whose lines are parsed into `lines`. */
export function memoryLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = []
  const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) } })
  return { logger, lines }
}

/** Fails the test that leaves an unhandled rejection behind. */
export function collectUnhandledRejections(): void {
  const rejections: unknown[] = []
  const onRejection = (reason: unknown): void => void rejections.push(reason)
  beforeAll(() => void process.on('unhandledRejection', onRejection))
  afterAll(() => void process.off('unhandledRejection', onRejection))
  afterEach(async () => {
    await turns(3)
    expect(rejections.splice(0)).toEqual([])
  })
}

/** Lets promise jobs and `n` macrotasks run. */
export async function turns(n = 5): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}

/** Level numbers of pino. */
export const Level = { debug: 20, info: 30, warn: 40, error: 50, fatal: 60 } as const
