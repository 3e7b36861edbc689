/**
 * Shared test helpers for the concurrency toolkit: unhandled-rejection collector, abort-listener counting and
 * event-loop flushing. Not a test file itself.
 */
import { getEventListeners } from 'node:events'
import { afterEach, beforeEach, expect } from 'vitest'

/** Lets every pending promise job and immediate run (a few turns of the event loop). */
export async function flush(turns = 3): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}

/** The number of `abort` listeners currently on `signal`. */
export function abortListeners(signal: AbortSignal): number {
  return getEventListeners(signal, 'abort').length
}

/** Installs an unhandledRejection collector for the current test file, asserted empty after each test. */
export function failOnUnhandledRejections(): void {
  const seen: unknown[] = []
  const onUnhandled = (reason: unknown): void => {
    seen.push(reason)
  }
  beforeEach(() => {
    seen.length = 0
    process.on('unhandledRejection', onUnhandled)
  })
  afterEach(async () => {
    await flush()
    process.off('unhandledRejection', onUnhandled)
    expect(seen).toEqual([])
  })
}

/** Settles `promise` into a plain record so tests can look at its outcome without racing. */
export function outcome<T>(promise: Promise<T>): { readonly state: 'pending' | 'resolved' | 'rejected'; readonly value?: T; readonly error?: unknown } {
  const box: { state: 'pending' | 'resolved' | 'rejected'; value?: T; error?: unknown } = { state: 'pending' }
  promise.then(
    (value) => {
      box.state = 'resolved'
      box.value = value
    },
    (error: unknown) => {
      box.state = 'rejected'
      box.error = error
    },
  )
  return box
}
