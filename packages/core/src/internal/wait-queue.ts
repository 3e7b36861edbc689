/**
 * `WaitQueue`: the FIFO of blocked callers behind `Semaphore`, `Lock` and `Queue`, with hand-off semantics that
 * never lose a wake-up. What is handed over (a permit, an item, a free slot) is decided by the owner through hooks.
 * Internal: not exported from the package.
 */
import { Waiter, type WaiterOptions } from './waiter.js'

interface Entry<V, P> {
  readonly waiter: Waiter<V>
  readonly payload: P
  // Set by handOff(): the entry has been given `value` but not yet delivered to its caller.
  inTransit: boolean
  value: V | undefined
}

/** How the owner of a {@link WaitQueue} takes part in a hand-off. */
export interface WaitQueueHooks<V, P> {
  /**
   * An entry that was handed `value` gave up (abort or timeout) before delivery: the owner must pass `value` on
   * (to the next entry, or back where it came from). Runs synchronously inside the abort / timer callback.
   */
  returned(value: V, payload: P): void
  /**
   * Runs right before the caller receives `value`; may return what the caller gets instead, or throw to reject
   * the caller (the owner then owns `value` again).
   */
  delivered?(value: V, payload: P): V
}

/**
 * FIFO waiters with a two-step hand-off: `handOff()` removes the first entry and gives it a value at once
 * (so nobody else can take it), and the caller's promise resolves one microtask later. If the caller's signal
 * aborts in between, the value goes back to the owner through `hooks.returned`, so the next waiter still gets it.
 */
export class WaitQueue<V, P = undefined> {
  // Insertion-ordered and O(1) removal for a waiter that gives up in the middle of the queue.
  readonly #entries = new Set<Entry<V, P>>()
  readonly #hooks: WaitQueueHooks<V, P>

  constructor(hooks: WaitQueueHooks<V, P>) {
    this.#hooks = hooks
  }

  /** Waiters that have not been handed anything yet. */
  get size(): number {
    return this.#entries.size
  }

  /** Queues a caller; the signal must not be aborted already (check first, so nothing is enqueued). */
  wait(options: Omit<WaiterOptions, 'onGiveUp'>, payload: P): Promise<V> {
    // The entry is created right after the waiter; a give-up cannot happen before (the signal is not aborted).
    let entry!: Entry<V, P>
    const waiter = new Waiter<V>({
      ...options,
      onGiveUp: () => {
        if (entry.inTransit) {
          entry.inTransit = false
          const value = entry.value as V
          entry.value = undefined
          this.#hooks.returned(value, entry.payload)
        } else {
          this.#entries.delete(entry)
        }
      },
    })
    entry = { waiter, payload, inTransit: false, value: undefined }
    this.#entries.add(entry)
    return waiter.promise
  }

  /** Gives `value` to the first waiter; returns `false` (and keeps nothing) when nobody waits. */
  handOff(value: V): boolean {
    const first = this.#entries.values().next()
    if (first.done === true) return false
    const entry = first.value
    this.#entries.delete(entry)
    entry.inTransit = true
    entry.value = value
    queueMicrotask(() => this.#deliver(entry))
    return true
  }

  /** Rejects every waiter that has not been handed anything (in-transit entries are still delivered). */
  rejectAll(makeError: () => unknown): void {
    const entries = [...this.#entries]
    this.#entries.clear()
    for (const entry of entries) entry.waiter.reject(makeError())
  }

  #deliver(entry: Entry<V, P>): void {
    if (!entry.inTransit) return // it gave up and the value was already passed on
    entry.inTransit = false
    const value = entry.value as V
    entry.value = undefined
    let out: V
    try {
      out = this.#hooks.delivered === undefined ? value : this.#hooks.delivered(value, entry.payload)
    } catch (error) {
      entry.waiter.reject(error)
      return
    }
    entry.waiter.resolve(out)
  }
}
