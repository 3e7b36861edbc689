/**
 * Test helpers for the application and service tests: an in-memory pino logger, an unhandled-rejection
 * collector, app options for a quiet test app, and clocks that model late timers and slow subscribers.
 */
import { afterAll, afterEach, beforeAll, expect } from 'vitest'
import type { Clock } from '../../src/clock/clock.js'
import { yieldMacrotask } from '../../src/internal/macrotask.js'
import { createLogger, type Logger } from '../../src/logging/logger.js'
import type { ApplicationOptions } from '../../src/application/application.js'
import { TestClock } from '../../src/testing/test-clock.js'

/** One parsed pino line. */
export type LogLine = Record<string, unknown> & { level: number; msg: string }

/** A pino logger at debug level whose lines end up parsed in `lines`. */
export function memoryLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = []
  const logger = createLogger({ level: 'debug', destination: { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) } })
  return { logger, lines }
}

/** Options for a quiet app driven by a TestClock; returns the clock and the log lines too. */
export function testOptions(extra: ApplicationOptions = {}): ApplicationOptions & { clock: TestClock; logger: Logger; lines: LogLine[] } {
  const { logger, lines } = memoryLogger()
  const clock = new TestClock()
  return { logger, clock, handleSignals: false, ...extra, lines } as ApplicationOptions & { clock: TestClock; logger: Logger; lines: LogLine[] }
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

/** Lets promise jobs and immediates run a few turns. */
export async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await yieldMacrotask()
}

/**
 * A clock over a TestClock in which time can pass *during* synchronous code (`spend(ms)`), the way a slow
 * subscriber or a late timer makes the real clock move: `now()` includes the time spent, and a timer armed for
 * `ms` fires when `ms` more time has passed.
 */
export class SlowClock implements Clock {
  // Time spent synchronously so far: added to the inner clock's time.
  #spent = 0
  // Extra delay added to every timer, like a loaded event loop firing timers late.
  readonly #lateMs: number
  constructor(readonly inner: TestClock, lateMs = 0) {
    this.#lateMs = lateMs
  }
  now(): number {
    return this.inner.now() + this.#spent
  }
  setTimeout(fn: () => void, ms: number): unknown {
    return this.inner.setTimeout(fn, ms + this.#lateMs)
  }
  clearTimeout(handle: unknown): void {
    this.inner.clearTimeout(handle)
  }
  /** Lets `ms` pass at once (the caller is busy). */
  spend(ms: number): void {
    this.#spent += ms
  }
}

/** A promise that never settles, and its resolver for cleanup. */
export function hang(): { promise: Promise<void>; release: () => void } {
  let release!: () => void
  const promise = new Promise<void>((resolve) => (release = resolve))
  return { promise, release }
}
