/**
 * Test helpers for the pubsub tests: a pino logger that records its lines in memory, and an unhandled-rejection collector.
 */
import { afterAll, afterEach, beforeAll, expect } from 'vitest'
import { createLogger, type Logger } from '../../src/logging/logger.js'
import { yieldMacrotask } from '../../src/internal/macrotask.js'

/** One parsed pino line. */
export type LogLine = Record<string, unknown> & { level: number; msg: string }

/** A pino logger at debug level whose lines end up parsed in `lines`. */
export function memoryLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = []
  const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void lines.push(JSON.parse(line)) } })
  return { logger, lines }
}

/** Fails the test that leaves an unhandled rejection behind. */
export function collectUnhandledRejections(): void {
  const rejections: unknown[] = []
  const onRejection = (reason: unknown): void => void rejections.push(reason)
  beforeAll(() => void process.on('unhandledRejection', onRejection))
  afterAll(() => void process.off('unhandledRejection', onRejection))
  afterEach(async () => {
    await yieldMacrotask()
    await yieldMacrotask()
    expect(rejections.splice(0)).toEqual([])
  })
}
