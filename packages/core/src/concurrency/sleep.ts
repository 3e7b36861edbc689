/**
 * `sleep()`: a cancellable delay measured on a {@link Clock}. Deadlines around other work are in `with-timeout.ts`.
 */
import type { Clock } from '../clock/clock.js'
import { assertNumber } from '../internal/validate.js'
import { Waiter, assertWaitOptions, rejectIfAborted } from '../internal/waiter.js'

/**
 * Options of {@link sleep}.
 *
 * @example
 * ```ts fragment
 * await sleep(1_000, { signal: AbortSignal.timeout(5_000) })
 * ```
 */
export interface SleepOptions {
  /** Aborting it ends the sleep early with `CancelledError(signal.reason)`; its timer is cleared. */
  signal?: AbortSignal
  /** The clock the delay is measured on. @default realClock */
  clock?: Clock
}

/**
 * Resolves after `ms` milliseconds, or rejects with `CancelledError` (whose `reason` is `signal.reason`) as soon
 * as `options.signal` aborts. `ms` may be `Infinity`: then only the signal ends it ("sleep until cancelled").
 *
 * The same idea as Python's `asyncio.sleep()` and Node's `timers/promises` `setTimeout()`, but measured on a
 * `Clock` (so `TestClock` drives it) and rejecting with tsab's `CancelledError`. The timer and the abort listener
 * are removed as soon as it settles.
 *
 * @param ms - milliseconds, a number >= 0 (or `Infinity`)
 * @throws TypeError / RangeError synchronously for a bad `ms` or options
 * @example
 * ```ts
 * import { sleep, CancelledError } from '@tsab/core'
 * await sleep(10)
 * const controller = new AbortController()
 * setTimeout(() => controller.abort('enough'), 5)
 * try {
 *   await sleep(60_000, { signal: controller.signal })
 * } catch (error) {
 *   if (error instanceof CancelledError) console.log('woken early:', error.reason)
 * }
 * ```
 * ```text
 * woken early: enough
 * ```
 */
export function sleep(ms: number, options?: SleepOptions): Promise<void> {
  assertNumber('ms', ms, { min: 0, allowInfinity: true })
  assertWaitOptions(options)
  const aborted = rejectIfAborted(options?.signal)
  if (aborted !== undefined) return aborted
  return new Waiter<void>({ signal: options?.signal, clock: options?.clock, timeoutMs: ms, resolveOnTimeout: true }).promise
}
