/**
 * `wallTime()`: wall-clock time (milliseconds since the epoch) that moves with a {@link Clock}, so schedules that
 * name dates (cron) follow a `TestClock` in tests and the real time in production. Exported for other tsab
 * packages from `@tsab/core/support`.
 */
import type { Clock } from '../clock/clock.js'

/**
 * Returns a function giving epoch milliseconds that advance with `clock`: the clock's own `wallNow()` when it has
 * one, else `Date.now()` at this call plus the time `clock` advanced since.
 *
 * @example
 * ```ts
 * import { wallTime } from '@tsab/core/support'
 * import { TestClock } from '@tsab/core/testing'
 * const clock = new TestClock()
 * const now = wallTime(clock)
 * const before = now()
 * await clock.advance(60_000)
 * console.log(now() - before) // 60000
 * ```
 */
export function wallTime(clock: Clock): () => number {
  const own = (clock as Clock & { wallNow?: unknown }).wallNow
  if (typeof own === 'function') return () => (own as () => number).call(clock)
  const epoch = Date.now()
  const origin = clock.now()
  return () => epoch + (clock.now() - origin)
}
