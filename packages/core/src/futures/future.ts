/**
 * `Future<T>`: asyncio's Future in TypeScript — a result that somebody sets later, awaitable like a promise.
 *
 * It only holds a value and notifies; tying futures to request caches and timeouts is `request-cache.ts`'s job.
 */
import { CancelledError } from '../errors/cancellation.js'
import { InvalidStateError } from '../errors/errors.js'
import type { Logger } from '../logging/logger.js'
import { observed } from '../internal/observed.js'
import { assertFunction, assertOptionalObject } from '../internal/validate.js'
import { defaultLogger } from '../internal/default-logger.js'

const noop = (): void => {}

/**
 * Options of the {@link Future} constructor.
 *
 * @example
 * ```ts
 * import { Future, createLogger } from '@tsab/core'
 * const future = new Future<string>({ logger: createLogger({ level: 'warn' }) })
 * ```
 */
export interface FutureOptions {
  /** Where a throwing done callback is reported. @default a pino logger at level `info` */
  logger?: Logger
}

type FutureState = 'pending' | 'resolved' | 'rejected' | 'cancelled'

/**
 * A result that is set later: asyncio's `Future`. Await it (it is a thenable), or read it synchronously with
 * {@link Future.result} once {@link Future.isDone}. Done callbacks run soon after it is done (on a microtask, like
 * asyncio's `call_soon`), also when added afterwards. A future that fails and is never awaited causes no unhandled
 * rejection.
 *
 * @example
 * ```ts
 * import { Future } from '@tsab/core'
 * const answer = new Future<number>()
 * answer.addDoneCallback((f) => console.log('done:', f.result()))
 * setTimeout(() => answer.setResult(42), 10)
 * console.log(await answer) // 42
 * ```
 */
export class Future<T> implements PromiseLike<T> {
  #state: FutureState = 'pending'
  // The value when resolved; the error (a CancelledError when cancelled) otherwise.
  #outcome: unknown
  // Created on the first then(), so a future nobody awaits costs no promise.
  #promise: Promise<T> | undefined
  #resolve: ((value: T) => void) | undefined
  #reject: ((error: unknown) => void) | undefined
  // Callbacks waiting for the future to be done; emptied when it is.
  #callbacks: Array<(future: Future<T>) => void> = []
  readonly #logger: Logger | undefined

  /**
   * Creates a pending future.
   *
   * @example
   * ```ts
   * const reply = new Future<Buffer>()
   * ```
   */
  constructor(options: FutureOptions = {}) {
    assertOptionalObject('options', options)
    this.#logger = options.logger
  }

  /** True once a result or an exception is set, or the future is cancelled. */
  get isDone(): boolean {
    return this.#state !== 'pending'
  }

  /** True once the future is cancelled. */
  get isCancelled(): boolean {
    return this.#state === 'cancelled'
  }

  /**
   * Marks the future done with `value`. Throws `InvalidStateError` if it is already done.
   *
   * @example
   * ```ts
   * future.setResult('pong')
   * ```
   */
  setResult(value: T): void {
    this.#assertPending('setResult')
    this.#finish('resolved', value)
  }

  /**
   * Marks the future failed with `error`: awaiting it rejects with `error`, `result()` throws it. Throws
   * `InvalidStateError` if it is already done.
   *
   * @example
   * ```ts
   * future.setException(new Error('peer went away'))
   * ```
   */
  setException(error: unknown): void {
    this.#assertPending('setException')
    this.#finish('rejected', error)
  }

  /**
   * Cancels the future: awaiting it rejects with a `CancelledError` whose `reason` is `reason`. Returns `false`
   * (and changes nothing) when it is already done.
   *
   * @example
   * ```ts
   * future.cancel('request abandoned')
   * ```
   */
  cancel(reason?: unknown): boolean {
    if (this.#state !== 'pending') return false
    this.#finish('cancelled', new CancelledError(reason))
    return true
  }

  /**
   * The value. Throws the error when failed, the `CancelledError` when cancelled, and `InvalidStateError` when
   * not done yet.
   *
   * @example
   * ```ts
   * if (future.isDone && !future.isCancelled && future.exception() === undefined) console.log(future.result())
   * ```
   */
  result(): T {
    this.#assertDone('result')
    if (this.#state === 'resolved') return this.#outcome as T
    throw this.#outcome
  }

  /**
   * The error of a failed future; `undefined` when it resolved. Throws the `CancelledError` when cancelled, and
   * `InvalidStateError` when not done yet.
   *
   * @example
   * ```ts
   * const error = future.exception()
   * ```
   */
  exception(): unknown {
    this.#assertDone('exception')
    if (this.#state === 'cancelled') throw this.#outcome
    return this.#state === 'rejected' ? this.#outcome : undefined
  }

  /**
   * Calls `callback(future)` soon after the future is done (on a microtask), or soon after now if it is done
   * already. A throwing callback is logged and does not disturb the others.
   *
   * @example
   * ```ts
   * future.addDoneCallback((f) => { if (!f.isCancelled) console.log(f.result()) })
   * ```
   */
  addDoneCallback(callback: (future: Future<T>) => void): void {
    assertFunction('callback', callback)
    if (this.#state === 'pending') this.#callbacks.push(callback)
    else this.#schedule(callback)
  }

  /**
   * Promise-style access: `await future`, or `future.then(onResult, onError)`.
   *
   * @example
   * ```ts
   * future.then((value) => console.log(value), (error) => console.error(error))
   * ```
   */
  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: any) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    // Observed too: `const p = future.then(f)` on a failed future may be awaited only a macrotask later.
    return observed(this.#ensurePromise().then(onfulfilled, onrejected))
  }

  #ensurePromise(): Promise<T> {
    if (this.#promise === undefined) {
      if (this.#state === 'pending') {
        this.#promise = new Promise<T>((resolve, reject) => {
          this.#resolve = resolve
          this.#reject = reject
        })
      } else {
        this.#promise = this.#state === 'resolved' ? Promise.resolve(this.#outcome as T) : Promise.reject(this.#outcome)
      }
      // Our own promise never counts as unhandled.
      this.#promise.catch(noop)
    }
    return this.#promise
  }

  #finish(state: Exclude<FutureState, 'pending'>, outcome: unknown): void {
    this.#state = state
    this.#outcome = outcome
    if (state === 'resolved') this.#resolve?.(outcome as T)
    else this.#reject?.(outcome)
    this.#resolve = this.#reject = undefined
    const callbacks = this.#callbacks
    this.#callbacks = []
    for (const callback of callbacks) this.#schedule(callback)
  }

  #schedule(callback: (future: Future<T>) => void): void {
    queueMicrotask(() => {
      try {
        callback(this)
      } catch (error) {
        ;(this.#logger ?? defaultLogger()).error({ err: error }, 'A Future done callback threw')
      }
    })
  }

  #assertPending(method: string): void {
    if (this.#state !== 'pending') throw new InvalidStateError(`Future.${method}(): the future is already done (${this.#state}); expected pending`)
  }

  #assertDone(method: string): void {
    if (this.#state === 'pending') throw new InvalidStateError(`Future.${method}(): the future is not done yet; expected done`)
  }
}
