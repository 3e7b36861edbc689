/**
 * Timestamps for task bookkeeping (`createdAt`, `startedAt`, `finishedAt`), cheaper than one `performance.now()`
 * per read. Internal: timers and timeouts never use this; they always ask the clock.
 */
import { realClock, type Clock } from '../clock/clock.js'

// How many stamps one reading of the real clock may serve within one synchronous run of code.
const READS_PER_STAMP = 32

let cached = 0
let left = 0
// A microtask ends the reuse: the next run of code (another task, another turn of the event loop) reads the clock
// afresh, so a stamp is never older than the synchronous run it was taken in.
const expire = (): void => {
  left = 0
}
// `resolved.then(expire)` queues that microtask: Node's queueMicrotask() also creates an async resource per call.
const resolved = Promise.resolve()

/**
 * The time for a task's record. With the real clock, a burst of work that stamps many tasks in one synchronous run
 * (a loop scheduling thousands of tasks, a drain starting them, a batch of completions) shares one reading per
 * {@link READS_PER_STAMP} stamps: reading `performance.now()` three times per task was a fifth of a trivial task's
 * cost. Other clocks (a `TestClock`) are read every time, so tests see exact values.
 */
export function stamp(clock: Clock): number {
  if (clock !== realClock) return clock.now()
  if (left === 0) {
    cached = realClock.now()
    left = READS_PER_STAMP - 1
    void resolved.then(expire)
  } else {
    left--
  }
  return cached
}
