/**
 * `Event`: a flag that tasks can wait for. It only tells "it happened"; passing values is `Queue`'s job.
 */
import { assertWaitOptions, rejectIfAborted } from '../internal/waiter.js'
import { WaiterSet } from '../internal/waiter-set.js'
import type { BlockingOptions } from './wait-options.js'

/**
 * A boolean flag with waiters: `wait()` resolves once the flag is set (at once if it already is); `set()` wakes
 * every waiter; `clear()` resets the flag for future waits.
 *
 * The counterpart of Python's `asyncio.Event`; for promises, a resettable deferred.
 *
 * @example
 * ```ts
 * import { Event } from '@tsab/core'
 * const ready = new Event()
 * setTimeout(() => ready.set(), 5)
 * await ready.wait()
 * console.log(ready.isSet)
 * ```
 * ```text
 * true
 * ```
 */
export class Event {
  #isSet = false
  // Everyone blocked in wait(); all are woken by set().
  readonly #waiters = new WaiterSet()

  /** True between `set()` and `clear()`. */
  get isSet(): boolean {
    return this.#isSet
  }

  /**
   * Sets the flag and wakes every waiter.
   *
   * @example
   * ```ts fragment
   * connected.set()
   * ```
   */
  set(): void {
    if (this.#isSet) return
    this.#isSet = true
    this.#waiters.wakeAll()
  }

  /**
   * Clears the flag; later `wait()` calls block until the next `set()`.
   *
   * @example
   * ```ts fragment
   * connected.clear()
   * ```
   */
  clear(): void {
    this.#isSet = false
  }

  /**
   * Resolves when the flag is set (at once if it is). Rejects with `CancelledError(signal.reason)` when
   * `options.signal` aborts first (at once when it is already aborted), or with `TimeoutError` after
   * `options.timeoutMs`.
   *
   * @example
   * ```ts fragment
   * await connected.wait({ timeoutMs: 5_000 })
   * ```
   */
  wait(options?: BlockingOptions): Promise<void> {
    assertWaitOptions(options)
    const aborted = rejectIfAborted(options?.signal)
    if (aborted !== undefined) return aborted
    if (this.#isSet) return Promise.resolve()
    return this.#waiters.wait(options)
  }
}
