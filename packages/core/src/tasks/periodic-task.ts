/**
 * `createPeriodicTask`: turns one TaskManager registration (work + delay/interval) into a single task function
 * that waits, runs and repeats on a {@link Clock}. Who starts that function (the TaskService or the manager
 * itself) and what happens to its handle is decided by `task-manager.ts`, not here.
 */
import type { Clock } from '../clock/clock.js'
import { CancelledError } from '../errors/cancellation.js'
import { orderedTimers } from '../internal/ordered-timers.js'
import type { Schedulable, TaskFunction } from './task-types.js'

/**
 * What to run and when. Internal contract between the TaskManager and this runner.
 * @internal
 */
export interface PeriodicPlan<T> {
  /** The user's function, or a promise that is already running (then no delay or interval). */
  readonly work: Schedulable<T>
  /** Timers go through this clock, so `TestClock` and fake timers apply. */
  readonly clock: Clock
  /** Absolute clock time of the first run; `undefined` runs at once. */
  readonly firstRunAt?: number | undefined
  /** Milliseconds between the end of one run and the start of the next; `undefined` runs once. */
  readonly interval?: number | undefined
  /** A throwing run ends the loop (true) or is reported through `onRunError` and the loop goes on (false). */
  readonly stopOnError: boolean
  /** Receives the error of a run that failed while `stopOnError` is false. */
  readonly onRunError: (error: unknown) => void
}

/**
 * Builds the task function that carries out `plan`. It declares its `signal` parameter so that the host
 * always passes the task's signal. Cancelling while it waits ends it at once with a `CancelledError`; cancelling
 * while the user's function runs lets that run finish (its cleanup) and then ends it with a `CancelledError`.
 * @internal
 */
export function createPeriodicTask<T>(plan: PeriodicPlan<T>): TaskFunction<T> {
  const { work, clock, firstRunAt, interval } = plan
  if (typeof work !== 'function') return (signal: AbortSignal) => raceAbort(work, signal)
  return async (signal: AbortSignal): Promise<T> => {
    if (firstRunAt !== undefined) await sleepUntil(clock, firstRunAt, signal)
    if (interval === undefined) return runOnce(work, signal)
    for (;;) {
      try {
        await work(signal)
      } catch (error) {
        // A run that gave up because it was cancelled is a cancellation, not a failure to report.
        if (signal.aborted || plan.stopOnError) throw error
        plan.onRunError(error)
      }
      if (signal.aborted) throw new CancelledError(signal.reason)
      // Fixed delay: the next run is armed only now that this one has finished, so runs never overlap.
      await sleepFor(clock, interval, signal)
    }
  }
}

async function runOnce<T>(work: TaskFunction<T>, signal: AbortSignal): Promise<T> {
  const value = await work(signal)
  // The function ignored its signal and returned: the task was still cancelled, as in asyncio.
  if (signal.aborted) throw new CancelledError(signal.reason)
  return value
}

// A promise cannot be stopped: cancelling settles the task at once and leaves the promise to run out
// (it is observed by the TaskManager, so its rejection is never unhandled).
function raceAbort<T>(promise: PromiseLike<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new CancelledError(signal.reason))
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new CancelledError(signal.reason))
    signal.addEventListener('abort', onAbort, { once: true })
    Promise.resolve(promise).then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}

/** Resolves at clock time `at` (at once, without a timer, when it has passed); rejects with `CancelledError` on abort. */
function sleepUntil(clock: Clock, at: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(new CancelledError(signal.reason))
  if (at <= clock.now()) return Promise.resolve()
  // Ordered timers: deadlines due at the same time fire in the order they were armed, also on a busy real clock.
  const timers = orderedTimers(clock)
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      timers.cancel(entry)
      reject(new CancelledError(signal.reason))
    }
    const entry = timers.at(at, () => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    })
    signal.addEventListener('abort', onAbort, { once: true })
  })
}

/** Resolves `ms` after now on the clock; rejects with `CancelledError` (and disarms the timer) on abort. */
function sleepFor(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(new CancelledError(signal.reason))
  return sleepUntil(clock, clock.now() + ms, signal)
}
