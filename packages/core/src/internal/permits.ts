/**
 * `Permits`: the counter of permits with its FIFO of waiters behind both `Semaphore` and `Lock`, and `useHeld()`,
 * their shared "acquire, run, release however it ends". The owners keep their own guards on `release()`.
 * Internal: not exported from the package.
 */
import type { BlockingOptions } from '../concurrency/wait-options.js'
import { assertFunction } from './validate.js'
import { observed } from './observed.js'
import { WaitQueue } from './wait-queue.js'
import { assertWaitOptions, rejectIfAborted } from './waiter.js'

/**
 * Free permits and the callers waiting for one. `release()` hands a permit straight to the oldest waiter (so the
 * count never rises while someone waits); a permit handed to a waiter that aborts in the same turn goes on to the next.
 */
export class Permits {
  // Free permits; never > 0 while someone waits (a release goes straight to the oldest waiter).
  #value: number
  // Blocked acquirers; a permit handed to one that aborts comes back through `returned`.
  readonly #waiters = new WaitQueue<void>({ returned: () => this.release() })

  /** @param value - the initial number of permits (validated by the owner) */
  constructor(value: number) {
    this.#value = value
  }

  /** The number of free permits. */
  get value(): number {
    return this.#value
  }

  /**
   * Takes a permit, waiting in FIFO order while none is free. Rejects with `CancelledError(signal.reason)` when
   * the signal aborts first (at once and without taking anything when already aborted), or with `TimeoutError`.
   */
  acquire(options?: BlockingOptions): Promise<void> {
    assertWaitOptions(options)
    const aborted = rejectIfAborted(options?.signal)
    if (aborted !== undefined) return aborted
    if (this.#value > 0) {
      this.#value--
      return Promise.resolve()
    }
    return this.#waiters.wait({ signal: options?.signal, timeoutMs: options?.timeoutMs, clock: options?.clock }, undefined)
  }

  /** Gives a permit back: to the oldest waiter if any, else to the free count. No bound is checked here. */
  release(): void {
    if (!this.#waiters.handOff(undefined)) this.#value++
  }
}

/** What {@link useHeld} runs through: the owner's own (possibly guarded or overridden) acquire and release. */
export interface Holdable {
  acquire(options?: BlockingOptions): Promise<void>
  release(): void
}

/**
 * Runs `fn` between `owner.acquire(options)` and `owner.release()`, releasing however `fn` ends. Bad input throws
 * synchronously; the returned promise is observed, so a late await never causes an unhandled rejection.
 */
export function useHeld<T>(owner: Holdable, fn: () => T | PromiseLike<T>, options: BlockingOptions | undefined): Promise<T> {
  assertFunction('fn', fn)
  assertWaitOptions(options)
  return observed(runHeld(owner, fn, options))
}

async function runHeld<T>(owner: Holdable, fn: () => T | PromiseLike<T>, options: BlockingOptions | undefined): Promise<T> {
  await owner.acquire(options)
  try {
    return await fn()
  } finally {
    owner.release()
  }
}
