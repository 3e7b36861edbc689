/**
 * Wall-clock time derived from an application's monotonic `Clock`, so cron schedules in the memory backend follow
 * a `TestClock` in tests and the real time in production.
 */
import type { Clock } from '@tsab/core'

/** Returns a function giving epoch milliseconds that advance with `clock`. */
export function wallTime(clock: Clock): () => number {
  const epoch = Date.now()
  const origin = clock.now()
  return () => epoch + (clock.now() - origin)
}
