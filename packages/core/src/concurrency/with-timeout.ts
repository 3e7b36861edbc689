/**
 * `withTimeout()`: runs one task function under a deadline and waits for its cleanup before reporting.
 * Plain delays are in `sleep.ts`; deadlines on blocking calls are their own `timeoutMs` option.
 */
import { type Clock, realClock } from '../clock/clock.js'
import { CancelledError, TimeoutError, isCancellation } from '../errors/cancellation.js'
import type { TaskFunction } from '../tasks/task-types.js'
import { assertFunction, assertNumber, assertOptionalObject, assertOptionalSignal, isThenable } from '../internal/validate.js'
import { observed, rejected } from '../internal/observed.js'
import { assertOptionalClock, onAbort } from '../internal/waiter.js'

/**
 * Options of {@link withTimeout}.
 *
 * @example
 * ```ts fragment
 * const options: WithTimeoutOptions = { signal: app.taskService.spawn(async () => {}).signal }
 * await withTimeout((signal) => fetch(url, { signal }), 5_000, options)
 * ```
 */
export interface WithTimeoutOptions {
  /** Aborting it cancels the task (its signal aborts with the same reason); the call rejects with `CancelledError`. */
  signal?: AbortSignal
  /** The clock the deadline is measured on. @default realClock */
  clock?: Clock
}

/**
 * Calls `task(signal)` and gives it `timeoutMs` milliseconds, counted from the call.
 *
 * - It settles first: the result is the task's value or error, and the timer is cleared.
 * - The deadline passes first: the task's signal aborts with a `TimeoutError` reason; `withTimeout` then **waits
 *   until the task has settled** (its `finally` blocks ran) and rejects with that `TimeoutError`. A task that
 *   ignores the abort and still resolves is reported as timed out all the same: the deadline was missed. If the
 *   task instead fails with a real error while stopping (not a cancellation), that error is reported, so cleanup
 *   failures are never hidden.
 * - `options.signal` aborts first: the task's signal aborts with the same reason; after the task has settled,
 *   `withTimeout` rejects with `CancelledError` whose `reason` is that reason (real errors win here too).
 *
 * The counterpart of Python's `asyncio.timeout()` / `asyncio.wait_for()`; unlike `Promise.race` with a timer, the
 * work is really stopped and awaited. An already aborted `options.signal` rejects at once without calling `task`.
 *
 * @param task - called once, synchronously, with the signal to honour
 * @param timeoutMs - milliseconds, a finite number >= 0
 * @throws TypeError / RangeError synchronously for bad arguments
 * @example
 * ```ts
 * import { withTimeout, sleep, TimeoutError } from '@tsab/core'
 * try {
 *   await withTimeout(async (signal) => {
 *     try {
 *       await sleep(60_000, { signal })
 *     } finally {
 *       console.log('cleanup ran')
 *     }
 *   }, 10)
 * } catch (error) {
 *   if (error instanceof TimeoutError) console.log('timed out after', error.timeoutMs, 'ms')
 * }
 * ```
 * ```text
 * cleanup ran
 * timed out after 10 ms
 * ```
 */
export function withTimeout<T>(task: TaskFunction<T>, timeoutMs: number, options?: WithTimeoutOptions): Promise<T> {
  assertFunction('task', task)
  assertNumber('timeoutMs', timeoutMs, { min: 0 })
  assertOptionalObject('options', options)
  assertOptionalSignal('options.signal', options?.signal)
  assertOptionalClock('options.clock', options?.clock)
  const outer = options?.signal
  if (outer?.aborted === true) return rejected(new CancelledError(outer.reason))
  const clock = options?.clock ?? realClock
  const controller = new AbortController()

  const promise = new Promise<T>((resolve, reject) => {
    // What the call reports once the task has settled, when the deadline or the outer signal came first.
    let interruption: TimeoutError | CancelledError | undefined
    let timerArmed = true
    const interrupt = (error: TimeoutError | CancelledError, reason: unknown): void => {
      if (interruption !== undefined) return
      interruption = error
      controller.abort(reason)
    }
    const timer = clock.setTimeout(() => {
      timerArmed = false
      const error = new TimeoutError(timeoutMs)
      interrupt(error, error)
    }, timeoutMs)
    const removeListener = onAbort(outer, (reason) => interrupt(new CancelledError(reason), reason))
    const finish = (ok: boolean, value: unknown): void => {
      removeListener()
      if (timerArmed) {
        timerArmed = false
        clock.clearTimeout(timer)
      }
      if (interruption === undefined) {
        if (ok) resolve(value as T)
        else reject(value)
        return
      }
      // A real failure during the stop is reported rather than masked by the timeout / cancellation.
      if (!ok && value !== controller.signal.reason && !isCancellation(value)) reject(value)
      else reject(interruption)
    }
    let out: T | PromiseLike<T>
    try {
      out = task(controller.signal)
    } catch (error) {
      finish(false, error)
      return
    }
    if (isThenable(out)) {
      Promise.resolve(out).then(
        (value) => finish(true, value),
        (error: unknown) => finish(false, error),
      )
    } else {
      finish(true, out)
    }
  })
  // Observed: the caller may attach its handler a macrotask after the deadline passed.
  return observed(promise)
}
