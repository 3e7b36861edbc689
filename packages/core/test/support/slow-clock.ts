/**
 * A clock over a TestClock in which time passes during synchronous code, the way a slow subscriber or a loaded
 * event loop makes the real clock move; for tests of late ticks and late timers.
 */
import type { Clock } from '../../src/clock/clock.js'
import type { TestClock } from '../../src/testing/test-clock.js'

/**
 * A clock over a TestClock in which time can pass *during* synchronous code (`spend(ms)`): `now()` includes the
 * time spent, and a timer armed for `ms` fires when `ms` more time has passed (plus `lateMs`).
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
  wallNow(): number {
    return this.inner.wallNow() + this.#spent
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
