// @ts-check
/**
 * Worker side of cancellation: the `{ signal }` a worker function receives. The signal is made only when the
 * function reads it (a function that never does pays nothing), and it follows the run's slot in the shared cancel
 * table: an `abort` event when the main thread flags the slot (delivered when the thread's event loop runs), and
 * `aborted` / `throwIfAborted()` that read the slot directly, so a CPU loop that never yields still sees a cancel.
 */
import { CANCELLED, ID_MASK, OBSERVED, TIMED_OUT } from './protocol.js'

/**
 * The abort reason seen inside the worker for a slot value (cancelled or timed out).
 *
 * @param {number} value
 * @returns {DOMException}
 */
function reasonFor(value) {
  return value & TIMED_OUT
    ? new DOMException('The worker run timed out', 'TimeoutError')
    : new DOMException('The worker run was cancelled', 'AbortError')
}

/** The second argument of a worker function: `{ signal }`. */
export class RunContext {
  /** @type {Int32Array | undefined} the shared cancel table (undefined outside a pool thread) */
  #table
  /** @type {number} this run's slot, -1 when none could be claimed */
  #slot
  /** @type {number} this run's id */
  #id
  /** @type {AbortController | undefined} made on the first read of `signal` */
  #controller
  /** @type {boolean} a waiter on the slot exists (it must be woken when the slot is freed) */
  #watching = false

  /**
   * @param {Int32Array | undefined} table
   * @param {number} slot
   * @param {number} id
   */
  constructor(table, slot, id) {
    this.#table = table
    this.#slot = slot
    this.#id = id
  }

  /**
   * Aborts when the run is cancelled or times out on the main thread.
   *
   * @returns {AbortSignal}
   */
  get signal() {
    if (this.#controller === undefined) this.#controller = this.#watch()
    return this.#controller.signal
  }

  /** True once the function read its signal and a waiter watches the slot. */
  get isWatching() {
    return this.#watching
  }

  /**
   * True when `error` is how the function reacted to its signal (the signal's reason, or an AbortError /
   * TimeoutError after the signal aborted).
   *
   * @param {unknown} error
   * @returns {boolean}
   */
  isAbortOutcome(error) {
    const controller = this.#controller
    if (controller === undefined || !this.#poll(controller)) return false
    const signal = controller.signal
    if (error === signal.reason) return true
    const name = /** @type {{ name?: unknown } | null} */ (error)?.name
    return name === 'AbortError' || name === 'TimeoutError'
  }

  /** @returns {AbortController} */
  #watch() {
    const controller = new AbortController()
    const table = this.#table
    const slot = this.#slot
    if (table === undefined || slot < 0) return controller
    const observed = this.#id | OBSERVED
    const previous = Atomics.compareExchange(table, slot, this.#id, observed)
    if (previous !== this.#id) {
      this.#poll(controller)
      return controller
    }
    const { signal } = controller
    // An own `aborted` and `throwIfAborted` that look at the slot first: a synchronous loop polling them stops at
    // the next check, without waiting for the event loop to deliver the abort event.
    Object.defineProperty(signal, 'aborted', {
      configurable: true,
      get: () => this.#poll(controller),
    })
    Object.defineProperty(signal, 'throwIfAborted', {
      configurable: true,
      value: () => {
        if (this.#poll(controller)) throw signal.reason
      },
    })
    // Atomics.waitAsync is in Node 20 but not in the ES2023 library the project compiles against.
    this.#watching = true
    const wait = /** @type {{ waitAsync: (t: Int32Array, i: number, v: number) => { async: boolean, value: Promise<unknown> | string } }} */ (
      /** @type {unknown} */ (Atomics)
    ).waitAsync(table, slot, observed)
    if (wait.async) void (/** @type {Promise<unknown>} */ (wait.value)).then(() => this.#poll(controller))
    else this.#poll(controller)
    return controller
  }

  /**
   * Aborts `controller` if the main thread flagged this run's slot; returns whether it is aborted.
   *
   * @param {AbortController} controller
   * @returns {boolean}
   */
  #poll(controller) {
    // The prototype's getter: `signal.aborted` itself is the own property defined in #watch().
    const aborted = /** @type {() => boolean} */ (abortedGetter).call(controller.signal)
    if (aborted) return true
    const table = this.#table
    if (table === undefined || this.#slot < 0) return false
    const value = Atomics.load(table, this.#slot)
    if ((value & ID_MASK) !== this.#id || (value & (CANCELLED | TIMED_OUT)) === 0) return false
    controller.abort(reasonFor(value))
    return true
  }
}

const abortedGetter = Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'aborted')?.get
