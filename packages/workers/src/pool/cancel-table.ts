/**
 * Main side of the shared cancel table (layout in `worker/protocol.js`): hands out run ids, asks a run that watches
 * its signal to stop, and frees the slot a terminated thread could not free itself.
 */
import { CANCELLED, ID_MASK, OBSERVED, TIMED_OUT, cancelTableSize } from '../worker/protocol.js'

export class CancelTable {
  /** Shared with every pool thread through `workerData`. */
  readonly buffer: SharedArrayBuffer
  readonly #slots: Int32Array
  #lastId = 0

  constructor(threads: number) {
    this.buffer = new SharedArrayBuffer(cancelTableSize(threads) * Int32Array.BYTES_PER_ELEMENT)
    this.#slots = new Int32Array(this.buffer)
  }

  /** The next run id (1 … ID_MASK, then around again; only runs in flight must differ). */
  nextId(): number {
    this.#lastId = (this.#lastId % ID_MASK) + 1
    return this.#lastId
  }

  /**
   * Flags run `id` as cancelled (or timed out) in the thread running it, if the run is executing and its
   * function read its signal. Returns false when it is not (queued, not started, or never looked at its signal):
   * such a run can only be stopped by removing it from the queue or terminating its thread.
   */
  requestStop(id: number, timedOut: boolean): boolean {
    const slots = this.#slots
    const flag = timedOut ? TIMED_OUT : CANCELLED
    for (let i = 0; i < slots.length; i++) {
      let value = Atomics.load(slots, i)
      // A lost compare-exchange means the thread changed the slot meanwhile (it observed the signal, or freed it).
      while ((value & ID_MASK) === id) {
        if ((value & OBSERVED) === 0) return false
        const seen = Atomics.compareExchange(slots, i, value, value | flag)
        if (seen === value) {
          Atomics.notify(slots, i)
          return true
        }
        value = seen
      }
    }
    return false
  }

  /** Frees the slot of run `id` if a thread that was terminated left it claimed. */
  release(id: number): void {
    const slots = this.#slots
    for (let i = 0; i < slots.length; i++) {
      const value = Atomics.load(slots, i)
      if ((value & ID_MASK) === id) Atomics.compareExchange(slots, i, value, 0)
    }
  }
}
