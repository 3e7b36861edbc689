/**
 * `BlockingOptions`: the option bag shared by every call that may block (`Semaphore.acquire`, `Lock.acquire`,
 * `Event.wait`, `Queue.put`/`get`/`join`). The calls themselves live in their own files.
 */
import type { Clock } from '../clock/clock.js'

/**
 * How a blocking call can be cut short: an abort signal, a deadline, and the clock the deadline is measured on.
 *
 * A call whose signal is already aborted rejects at once without side effects (no permit taken, nothing enqueued).
 *
 * @example
 * ```ts fragment
 * await lock.acquire({ signal: AbortSignal.timeout(1_000) })
 * await queue.get({ timeoutMs: 500 }) // TimeoutError after 500 ms without an item
 * ```
 */
export interface BlockingOptions {
  /** Aborting it rejects the call with `CancelledError` whose `reason` is `signal.reason`. */
  signal?: AbortSignal
  /** Milliseconds to wait before rejecting with `TimeoutError`; the clock starts at the call. @default Infinity */
  timeoutMs?: number
  /** The clock the timeout is measured on (pass a `TestClock` in tests). @default realClock */
  clock?: Clock
}
