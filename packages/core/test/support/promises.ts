/**
 * Promise fixtures for tests: deferreds whose end the test decides, a promise that never settles, tasks that end
 * only on abort, and non-racing looks at a promise's outcome.
 */
import { deferred } from '../../src/internal/deferred.js'
import { turns } from './event-loop.js'

/** A promise and its resolve/reject, for work whose end the test decides (the one `deferred()` of the sources). */
export { deferred }

/** A promise that never settles by itself, and its resolver for cleanup. */
export function hang(): { promise: Promise<void>; release: () => void } {
  const { promise, resolve } = deferred()
  return { promise, release: () => resolve() }
}

/** A task that waits until its signal aborts, then rejects with the reason (honours cancellation). */
export const untilAborted = (signal: AbortSignal): Promise<never> =>
  new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }))

type Outcome<T> = { state: 'pending' } | { state: 'fulfilled'; value: T } | { state: 'rejected'; reason: unknown }

/** The outcome of a promise after a few real turns: 'pending', or how it settled. */
export async function peek<T>(promise: PromiseLike<T>): Promise<Outcome<T>> {
  let outcome: Outcome<T> = { state: 'pending' }
  Promise.resolve(promise).then(
    (value) => (outcome = { state: 'fulfilled', value }),
    (reason: unknown) => (outcome = { state: 'rejected', reason }),
  )
  await turns(2)
  return outcome
}

/** Settles `promise` into a live record, so tests can look at its outcome at any time without racing. */
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
