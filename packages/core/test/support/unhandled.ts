/**
 * Process-level fault collectors for tests: unhandled rejections (asserted empty after every test, or handed to
 * the test file to assert itself) and, for the reliability tests, uncaught exceptions too.
 */
import { afterAll, afterEach, beforeAll, expect } from 'vitest'
import { turns } from './event-loop.js'

/**
 * Collects `unhandledRejection`s for the whole file and fails every test that leaves one behind (checked after
 * `settleTurns` real event-loop turns, so late reports are caught too).
 */
export function collectUnhandledRejections(settleTurns = 3): void {
  const seen = watchUnhandledRejections()
  afterEach(async () => {
    await turns(settleTurns)
    expect(seen.splice(0)).toEqual([])
  })
}

/** Collects `unhandledRejection`s for the whole file into the returned array; the file asserts it stays empty. */
export function watchUnhandledRejections(): unknown[] {
  const seen: unknown[] = []
  const onUnhandled = (reason: unknown): void => void seen.push(reason)
  beforeAll(() => void process.on('unhandledRejection', onUnhandled))
  afterAll(() => void process.off('unhandledRejection', onUnhandled))
  return seen
}

/** Collects process-level faults while installed; `faults` must be empty at the end of every test. */
export function installFaultCollector(): { faults: unknown[]; dispose: () => void } {
  const faults: unknown[] = []
  const onRejection = (reason: unknown): void => void faults.push({ kind: 'unhandledRejection', reason })
  const onException = (error: unknown): void => void faults.push({ kind: 'uncaughtException', error })
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
