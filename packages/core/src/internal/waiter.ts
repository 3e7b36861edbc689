/**
 * `Waiter`: one pending wait with an optional abort signal and clock timer that are both removed the moment it
 * settles, plus the small signal helpers the concurrency toolkit shares. Internal: not exported from the package.
 * Who waits for what (permits, items, events) is decided by the callers.
 */
import { type Clock, realClock } from '../clock/clock.js'
import { CancelledError, TimeoutError } from '../errors/cancellation.js'
import { observed, rejected } from './observed.js'
import { assertNumber, assertOptionalObject, assertOptionalSignal, expectedMessage, isThenable } from './validate.js'

/** What a wait can be bounded by. */
export interface WaiterOptions {
  /** Aborting it rejects the waiter with `CancelledError(signal.reason)`. Must not be aborted already. */
  signal?: AbortSignal | undefined
  /** Milliseconds until the waiter rejects with `TimeoutError`; `undefined` or `Infinity` for none. */
  timeoutMs?: number | undefined
  /** The clock the timeout is armed on. */
  clock?: Clock | undefined
  /**
   * Called synchronously when the waiter gives up (abort or timeout), before it rejects, so the owner can undo its
   * bookkeeping (leave a queue, pass a permit on).
   */
  onGiveUp?: ((error: CancelledError | TimeoutError) => void) | undefined
  /** The message of the `TimeoutError`. @default the TimeoutError's own */
  timeoutMessage?: string | undefined
  /** When true, reaching `timeoutMs` resolves the waiter with `undefined` instead of rejecting (a sleep). */
  resolveOnTimeout?: boolean | undefined
}

const noop = (): void => {}

/** A deferred promise whose abort listener and timer are removed as soon as it settles, whichever way. */
export class Waiter<T> {
  readonly promise: Promise<T>
  #resolve!: (value: T) => void
  #reject!: (error: unknown) => void
  // Set once; every later resolve/reject/give-up is ignored.
  #done = false
  // The signal and listener to remove when settling.
  #signal: AbortSignal | undefined
  #onAbort: (() => void) | undefined
  // The clock timer to clear when settling.
  #clock: Clock
  #timer: unknown
  #hasTimer = false
  readonly #onGiveUp: WaiterOptions['onGiveUp']

  constructor(options: WaiterOptions = {}) {
    // Observed at once: public calls return this promise, and a caller may attach its handler only later.
    this.promise = observed(
      new Promise<T>((resolve, reject) => {
        this.#resolve = resolve
        this.#reject = reject
      }),
    )
    this.#clock = options.clock ?? realClock
    this.#onGiveUp = options.onGiveUp
    const signal = options.signal
    if (signal !== undefined) {
      this.#signal = signal
      this.#onAbort = () => this.#giveUp(new CancelledError(signal.reason))
      signal.addEventListener('abort', this.#onAbort, { once: true })
    }
    const timeoutMs = options.timeoutMs
    if (timeoutMs !== undefined && timeoutMs !== Infinity) {
      this.#hasTimer = true
      const resolveOnTimeout = options.resolveOnTimeout === true
      this.#timer = this.#clock.setTimeout(() => {
        this.#hasTimer = false
        if (resolveOnTimeout) this.resolve(undefined as T)
        else this.#giveUp(new TimeoutError(timeoutMs, options.timeoutMessage))
      }, timeoutMs)
    }
  }

  /** Resolves unless already settled; returns whether it did. */
  resolve(value: T): boolean {
    if (!this.#finish()) return false
    this.#resolve(value)
    return true
  }

  /** Rejects unless already settled; returns whether it did. */
  reject(error: unknown): boolean {
    if (!this.#finish()) return false
    this.#reject(error)
    return true
  }

  #giveUp(error: CancelledError | TimeoutError): void {
    if (this.#done) return
    this.#onGiveUp?.(error)
    this.reject(error)
  }

  #finish(): boolean {
    if (this.#done) return false
    this.#done = true
    if (this.#onAbort !== undefined) {
      this.#signal!.removeEventListener('abort', this.#onAbort)
      this.#onAbort = undefined
      this.#signal = undefined
    }
    if (this.#hasTimer) {
      this.#hasTimer = false
      this.#clock.clearTimeout(this.#timer)
    }
    return true
  }
}

/** An (observed) rejected promise with `CancelledError(signal.reason)` when `signal` is already aborted, else `undefined`. */
export function rejectIfAborted(signal: AbortSignal | undefined): Promise<never> | undefined {
  return signal?.aborted === true ? rejected(new CancelledError(signal.reason)) : undefined
}

/** Adds a one-shot abort listener and returns the function that removes it (a no-op without a signal). */
export function onAbort(signal: AbortSignal | undefined, fn: (reason: unknown) => void): () => void {
  if (signal === undefined) return noop
  const listener = (): void => fn(signal.reason)
  signal.addEventListener('abort', listener, { once: true })
  return () => signal.removeEventListener('abort', listener)
}

/** Observes a thenable so its rejection can never become unhandled; returns it as a real promise. */
export function observe<T>(task: T | PromiseLike<T>): Promise<T> {
  return observed(Promise.resolve(task))
}

/** Validates the common `{ signal, timeoutMs, clock }` option bag of the blocking calls; throws synchronously. */
export function assertWaitOptions(options: unknown): void {
  assertOptionalObject('options', options)
  if (options === undefined) return
  const { signal, timeoutMs, clock } = options as { signal?: unknown; timeoutMs?: unknown; clock?: unknown }
  assertOptionalSignal('options.signal', signal)
  if (timeoutMs !== undefined) assertNumber('options.timeoutMs', timeoutMs, { min: 0, allowInfinity: true })
  assertOptionalClock('options.clock', clock)
}

/** Throws a `TypeError` unless `value` looks like a {@link Clock} (or is undefined). */
export function assertOptionalClock(name: string, value: unknown): asserts value is Clock | undefined {
  if (value === undefined) return
  const clock = value as Partial<Clock> | null
  if (
    typeof value !== 'object' ||
    clock === null ||
    typeof clock.setTimeout !== 'function' ||
    typeof clock.clearTimeout !== 'function' ||
    typeof clock.now !== 'function'
  ) {
    throw new TypeError(expectedMessage(name, 'a Clock', value))
  }
}

/** Validates and de-duplicates the input of `wait` / `asCompleted`; throws synchronously. */
export function collectThenables<T>(tasks: Iterable<T>, allowEmpty: boolean): T[] {
  if (tasks === null || typeof (tasks as { [Symbol.iterator]?: unknown })?.[Symbol.iterator] !== 'function' || typeof tasks === 'string') {
    throw new TypeError(expectedMessage('tasks', 'an iterable of promises', tasks))
  }
  const unique = [...new Set(tasks)]
  unique.forEach((task, index) => {
    if (!isThenable(task)) throw new TypeError(expectedMessage(`tasks[${index}]`, 'a promise (thenable)', task))
  })
  if (unique.length === 0 && !allowEmpty) throw new RangeError(expectedMessage('tasks', 'a non-empty iterable of promises', tasks))
  return unique
}
