/**
 * The `Clock` abstraction every timed part of tsab takes its time from, and the real clock.
 *
 * The controllable clock for tests is `TestClock` in `@tsab/core/testing`.
 */

/**
 * A source of time and timers. Every timed part of tsab accepts one (`clock` option), so tests can
 * substitute `TestClock` from `@tsab/core/testing`.
 *
 * @example
 * ```ts
 * import { type Clock, realClock } from '@tsab/core'
 * const clock: Clock = realClock
 * const handle = clock.setTimeout(() => console.log('later'), 100)
 * clock.clearTimeout(handle)
 * ```
 */
export interface Clock {
  /** Monotonic time in milliseconds (`performance.now()` for the real clock). */
  now(): number
  /** Arms `fn` to run once after `ms` milliseconds; returns a handle for {@link Clock.clearTimeout}. */
  setTimeout(fn: () => void, ms: number): unknown
  /** Disarms a timer; unknown or already fired handles are ignored. */
  clearTimeout(handle: unknown): void
}

/**
 * The real clock: `performance.now()` and the global timers (looked up at call time, so
 * test frameworks' fake timers apply to it).
 *
 * @example
 * ```ts
 * import { realClock } from '@tsab/core'
 * const started = realClock.now()
 * realClock.setTimeout(() => console.log(realClock.now() - started >= 10), 10)
 * ```
 */
export const realClock: Clock = Object.freeze({
  now: () => performance.now(),
  setTimeout: (fn: () => void, ms: number): unknown => setTimeout(fn, ms),
  clearTimeout: (handle: unknown): void => clearTimeout(handle as ReturnType<typeof setTimeout>),
})
