/**
 * `Lock`: mutual exclusion for async code, with FIFO waiters and cancellation that never loses a wake-up. It holds
 * one permit of the internal `Permits` it shares with `Semaphore`, and adds the unlocked-release check.
 */
import { InvalidStateError } from '../errors/errors.js'
import { Permits, useHeld } from '../internal/permits.js'
import type { BlockingOptions } from './wait-options.js'

/**
 * An async mutex. `acquire()` takes the lock or waits (first come, first served); `release()` hands it straight
 * to the oldest waiter, or unlocks it. Prefer `use(fn)`, which always releases.
 *
 * A waiter whose signal aborts (or whose `timeoutMs` passes) while it waits never gets the lock; one aborted in
 * the same turn in which the lock was handed to it passes the lock on to the next waiter. The lock is not
 * re-entrant and not owned by a caller: any code may release it, but releasing an unlocked lock throws
 * `InvalidStateError`.
 *
 * The counterpart of Python's `asyncio.Lock`.
 *
 * @example
 * ```ts
 * import { Lock, gather, sleep } from '@tsab/core'
 * const lock = new Lock()
 * const log: string[] = []
 * const job = (name: string) => () => lock.use(async () => {
 *   log.push(`${name}:in`)
 *   await sleep(2)
 *   log.push(`${name}:out`)
 * })
 * await gather([job('a'), job('b')])
 * console.log(log.join(' '))
 * ```
 * ```text
 * a:in a:out b:in b:out
 * ```
 */
export class Lock {
  // One permit: free when unlocked, taken while held (also while it is being handed to the next waiter).
  readonly #permit = new Permits(1)

  /** True while the lock is held. */
  get locked(): boolean {
    return this.#permit.value === 0
  }

  /**
   * Takes the lock, waiting in FIFO order while it is held. Rejects with `CancelledError(signal.reason)` when
   * `options.signal` aborts first (at once and without side effects when already aborted), or with
   * `TimeoutError` after `options.timeoutMs`.
   *
   * @example
   * ```ts fragment
   * await lock.acquire({ signal })
   * try { await writeFile(path, data) } finally { lock.release() }
   * ```
   */
  acquire(options?: BlockingOptions): Promise<void> {
    return this.#permit.acquire(options)
  }

  /**
   * Releases the lock: hands it to the oldest waiter, or unlocks it.
   *
   * @throws InvalidStateError when the lock is not held
   * @example
   * ```ts fragment
   * lock.release()
   * ```
   */
  release(): void {
    if (this.#permit.value !== 0) throw new InvalidStateError('Lock.release() called on an unlocked lock (expected: locked)')
    this.#permit.release()
  }

  /**
   * Runs `fn` while holding the lock and releases it however `fn` ends.
   *
   * @example
   * ```ts fragment
   * await lock.use(() => appendToJournal(entry), { signal })
   * ```
   */
  use<T>(fn: () => T | PromiseLike<T>, options?: BlockingOptions): Promise<T> {
    return useHeld(this, fn, options)
  }
}
