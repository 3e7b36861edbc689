/**
 * The `Clock` abstraction every timed part of tsab takes its time from, and the real clock.
 *
 * The controllable clock for tests is `TestClock` in `@tsab/core/testing`.
 */

/**
 * A source of time and timers. Every timed part of tsab accepts one (`clock` option), so tests can
 * substitute `TestClock` from `@tsab/core/testing`.
 *
 * Two times: `now()` is monotonic (delays, intervals, timeouts and ages are measured with it) and `wallNow()` is
 * the calendar time (cron schedules are computed from it). On the real clock they are `performance.now()` and
 * `Date.now()`; on a `TestClock` both move together with `advance()`.
 *
 * @example
 * ```ts
 * import { type Clock, realClock } from '@tsab/core'
 * const clock: Clock = realClock
 * const handle = clock.setTimeout(() => console.log('later'), 100)
 * clock.clearTimeout(handle)
 * console.log(new Date(clock.wallNow()).getFullYear() >= 2024) // true
 * ```
 */
export interface Clock {
  /** Monotonic time in milliseconds (`performance.now()` for the real clock). */
  now(): number
  /** Wall-clock time in milliseconds since the Unix epoch (`Date.now()` for the real clock). */
  wallNow(): number
  /** Arms `fn` to run once after `ms` milliseconds; returns a handle for {@link Clock.clearTimeout}. */
  setTimeout(fn: () => void, ms: number): unknown
  /** Disarms a timer; unknown or already fired handles are ignored. */
  clearTimeout(handle: unknown): void
}

/**
 * The real clock: `performance.now()`, `Date.now()` and the global timers (all looked up at call time, so
 * test frameworks' fake timers apply to it).
 *
 * @example
 * ```ts
 * import { realClock } from '@tsab/core'
 * const started = realClock.now()
 * realClock.setTimeout(() => console.log(realClock.now() - started >= 10), 10)
 * console.log(Math.abs(realClock.wallNow() - Date.now()) < 1_000) // true
 * ```
 */
export const realClock: Clock = Object.freeze({
  now: () => performance.now(),
  wallNow: () => Date.now(),
  setTimeout: (fn: () => void, ms: number): unknown => (ms > MAX_TIMER_MS ? armLongTimer(fn, ms) : setTimeout(fn, ms)),
  clearTimeout: (handle: unknown): void => {
    if (handle instanceof LongTimer) clearTimeout(handle.current)
    else clearTimeout(handle as ReturnType<typeof setTimeout>)
  },
})

// Node's timers hold at most 2^31-1 ms: a longer delay (or Infinity) would fire at once with a TimeoutOverflowWarning.
const MAX_TIMER_MS = 2 ** 31 - 1

// A delay longer than one Node timer can hold, armed as a chain of shorter timers (Infinity never fires).
class LongTimer {
  current: ReturnType<typeof setTimeout> | undefined
}

function armLongTimer(fn: () => void, ms: number): LongTimer {
  const timer = new LongTimer()
  const deadline = performance.now() + ms
  const step = (): void => {
    const left = deadline - performance.now()
    timer.current = left > MAX_TIMER_MS ? setTimeout(step, MAX_TIMER_MS) : setTimeout(fn, Math.max(0, left))
  }
  step()
  return timer
}
