/**
 * `WaiterSet`: callers blocked until a condition holds, all woken together (`Event.wait()`, `Queue.join()`).
 * A waiter that aborts or times out just leaves the set. Internal: not exported from the package.
 */
import type { BlockingOptions } from '../concurrency/wait-options.js'
import { Waiter } from './waiter.js'

/** Blocked callers that are released all at once; the owner decides when (a flag set, a counter at zero). */
export class WaiterSet {
  // Insertion-ordered, so wake-ups go out oldest first; O(1) removal for a waiter that gives up.
  readonly #waiters = new Set<Waiter<void>>()

  /** How many callers are waiting. */
  get size(): number {
    return this.#waiters.size
  }

  /** Blocks one caller until {@link wakeAll}; its signal must not be aborted already (check first). */
  wait(options: BlockingOptions | undefined): Promise<void> {
    const waiter: Waiter<void> = new Waiter<void>({
      signal: options?.signal,
      timeoutMs: options?.timeoutMs,
      clock: options?.clock,
      onGiveUp: () => this.#waiters.delete(waiter),
    })
    this.#waiters.add(waiter)
    return waiter.promise
  }

  /** Releases every caller waiting now (oldest first); later callers wait for the next wake-up. */
  wakeAll(): void {
    if (this.#waiters.size === 0) return
    const waiters = [...this.#waiters]
    this.#waiters.clear()
    for (const waiter of waiters) waiter.resolve(undefined)
  }
}
