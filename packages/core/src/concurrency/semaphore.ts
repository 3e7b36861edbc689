/**
 * `Semaphore` and `BoundedSemaphore`: a counter of permits with a FIFO of waiters. The counting and the hand-off
 * race (a waiter aborted just after it was handed a permit) live in the internal `Permits`, shared with `Lock`.
 */
import { InvalidStateError } from '../errors/errors.js'
import { Permits, useHeld } from '../internal/permits.js'
import { assertNumber } from '../internal/validate.js'
import type { BlockingOptions } from './wait-options.js'

/**
 * A semaphore: `acquire()` takes one of `value` permits or waits (first come, first served) until one is
 * released; `release()` gives one back, straight to the oldest waiter if there is one.
 *
 * A waiter whose signal aborts (or whose `timeoutMs` passes) while it waits takes no permit; if it is aborted in
 * the same turn in which a permit was handed to it, the permit goes on to the next waiter, so no wake-up is lost.
 * `release()` on a plain `Semaphore` may raise the count above its initial value (as in asyncio);
 * {@link BoundedSemaphore} forbids that.
 *
 * The counterpart of Python's `asyncio.Semaphore`.
 *
 * @example
 * ```ts
 * import { Semaphore, gather, sleep } from '@tsab/core'
 * const downloads = new Semaphore(2) // at most two at a time
 * let running = 0
 * let peak = 0
 * const download = () => downloads.use(async () => {
 *   peak = Math.max(peak, ++running)
 *   await sleep(5)
 *   running--
 * })
 * await gather([download, download, download, download])
 * console.log(peak)
 * ```
 * ```text
 * 2
 * ```
 */
export class Semaphore {
  // Free permits and the FIFO of waiters (a release goes straight to the oldest waiter).
  readonly #permits: Permits

  /**
   * @param value - the initial number of permits, an integer >= 0
   * @throws TypeError / RangeError when `value` is not an integer >= 0
   */
  constructor(value: number = 1) {
    assertNumber('value', value, { min: 0, integer: true })
    this.#permits = new Permits(value)
  }

  /** True when `acquire()` would wait: no permit is free. */
  get locked(): boolean {
    return this.#permits.value === 0
  }

  /** The number of free permits. */
  get value(): number {
    return this.#permits.value
  }

  /**
   * Takes a permit, waiting in FIFO order while none is free. Rejects with `CancelledError(signal.reason)` when
   * `options.signal` aborts first (at once and without taking anything when it is already aborted), or with
   * `TimeoutError` after `options.timeoutMs`.
   *
   * @example
   * ```ts fragment
   * await semaphore.acquire({ signal })
   * try { await work() } finally { semaphore.release() }
   * ```
   */
  acquire(options?: BlockingOptions): Promise<void> {
    return this.#permits.acquire(options)
  }

  /**
   * Gives a permit back: to the oldest waiter if any, else to the pool.
   *
   * @example
   * ```ts fragment
   * semaphore.release()
   * ```
   */
  release(): void {
    this.#permits.release()
  }

  /**
   * Runs `fn` while holding a permit, and releases it however `fn` ends.
   *
   * @example
   * ```ts fragment
   * const body = await semaphore.use(() => fetch(url).then((r) => r.text()), { timeoutMs: 5_000 })
   * ```
   */
  use<T>(fn: () => T | PromiseLike<T>, options?: BlockingOptions): Promise<T> {
    return useHeld(this, fn, options)
  }
}

/**
 * A {@link Semaphore} whose `release()` throws `InvalidStateError` when it would raise the number of permits
 * above the initial value (a release without an acquire).
 *
 * The counterpart of Python's `asyncio.BoundedSemaphore`.
 *
 * @example
 * ```ts
 * import { BoundedSemaphore, InvalidStateError } from '@tsab/core'
 * const pool = new BoundedSemaphore(1)
 * await pool.acquire()
 * pool.release()
 * try {
 *   pool.release()
 * } catch (error) {
 *   console.log(error instanceof InvalidStateError)
 * }
 * ```
 * ```text
 * true
 * ```
 */
export class BoundedSemaphore extends Semaphore {
  // The initial value: releases may not go above it.
  readonly #bound: number

  /** @param value - the initial and maximum number of permits, an integer >= 0 */
  constructor(value: number = 1) {
    super(value)
    this.#bound = value
  }

  /**
   * Gives a permit back.
   *
   * @throws InvalidStateError when every permit is already free
   */
  override release(): void {
    if (this.value >= this.#bound) {
      throw new InvalidStateError(`BoundedSemaphore released too many times: ${this.value} of ${this.#bound} permits are already free`)
    }
    super.release()
  }
}
