/**
 * `NumberCache` and `RandomNumberCache`: IPv8's per-request state, keyed by `prefix:number`, with a timeout and the
 * futures that depend on it. Storing, timing out and cancelling caches is `request-cache.ts`'s job.
 */
import { InvalidStateError } from '../errors/errors.js'
import { assertNumber, assertOptionalObject, assertString, expectedMessage } from '../internal/validate.js'
import { Future } from './future.js'
import type { RequestCache } from './request-cache.js'

const NUMBER_SPACE = 65_536

/** A future registered on a cache and the value it gets when the cache times out. @internal */
export interface RegisteredFuture {
  readonly future: Future<any>
  readonly onTimeout: unknown
}

/** Read access to a cache's registered futures for the RequestCache (set in NumberCache's static block). @internal */
export let registeredFutures: (cache: NumberCache) => readonly RegisteredFuture[]

function assertRequestCache(requestCache: unknown): void {
  // Duck-typed so this file needs no runtime import of request-cache.ts (which imports this one).
  if (typeof requestCache !== 'object' || requestCache === null || typeof (requestCache as RequestCache).has !== 'function') {
    throw new TypeError(expectedMessage('requestCache', 'a RequestCache', requestCache))
  }
}

/**
 * The state of one outstanding request, stored in a {@link RequestCache} under `prefix:number` until it is popped
 * or times out. Subclass it: override `timeoutDelay` (a getter, in ms) and `onTimeout()`, and register the futures
 * that must not outlive the request with {@link NumberCache.registerFuture}.
 *
 * @example
 * ```ts
 * import { Future, NumberCache, type RequestCache } from '@tsab/core'
 * class PingCache extends NumberCache {
 *   readonly pong = new Future<boolean>()
 *   constructor(requestCache: RequestCache, number: number) {
 *     super(requestCache, 'ping', number)
 *     this.registerFuture(this.pong, { onTimeout: false })
 *   }
 *   override get timeoutDelay(): number { return 5_000 }
 * }
 * ```
 */
export abstract class NumberCache {
  /** The RequestCache this cache is made for. */
  readonly requestCache: RequestCache
  /** The kind of request (first half of the key). */
  readonly prefix: string
  /** The request number (second half of the key). */
  readonly number: number
  // The futures to settle on timeout and to cancel at shutdown, with their timeout values.
  readonly #futures: RegisteredFuture[] = []

  static {
    registeredFutures = (cache) => cache.#futures
  }

  /**
   * Creates the cache (it is stored only by `requestCache.add(cache)`). Throws `InvalidStateError` when
   * `prefix:number` is already stored in `requestCache`.
   *
   * @example
   * ```ts
   * const cache = requestCache.add(new PingCache(requestCache, 7))
   * ```
   */
  constructor(requestCache: RequestCache, prefix: string, number: number) {
    assertRequestCache(requestCache)
    assertString('prefix', prefix)
    assertNumber('number', number, { integer: true })
    if (requestCache.has(prefix, number)) {
      throw new InvalidStateError(`A cache is already stored under ${prefix}:${number}; expected a free key`)
    }
    this.requestCache = requestCache
    this.prefix = prefix
    this.number = number
  }

  /** Milliseconds from `add()` to the timeout; override with a getter. @default 10_000 */
  get timeoutDelay(): number {
    return 10_000
  }

  /**
   * Called when the cache times out, after it was removed from its RequestCache and before its still-pending
   * futures get their timeout values. May be async; a throw is logged and affects no other cache.
   *
   * @example
   * ```ts
   * override onTimeout(): void { console.log(`no pong for ${this.prefix}:${this.number}`) }
   * ```
   */
  onTimeout(): void | Promise<void> {}

  /**
   * Ties `future` to this cache: when the cache times out and the future is still pending it is settled with
   * `options.onTimeout` (rejected if that is an `Error` instance, else resolved with it; default `undefined`);
   * when the RequestCache shuts down while the cache is stored it is cancelled.
   *
   * @example
   * ```ts
   * this.registerFuture(this.reply, { onTimeout: new TimeoutError(5_000) })
   * ```
   */
  registerFuture(future: Future<any>, options: { onTimeout?: unknown } = {}): void {
    if (!(future instanceof Future)) throw new TypeError(expectedMessage('future', 'a Future', future))
    assertOptionalObject('options', options)
    this.#futures.push({ future, onTimeout: options.onTimeout })
  }
}

/**
 * A {@link NumberCache} whose number is picked at random among the numbers in `[0, 65536)` that are free for its
 * prefix. Throws `InvalidStateError` when all of them are taken.
 *
 * @example
 * ```ts
 * import { RandomNumberCache, type RequestCache } from '@tsab/core'
 * class QueryCache extends RandomNumberCache {
 *   constructor(requestCache: RequestCache) { super(requestCache, 'query') }
 * }
 * const cache = requestCache.add(new QueryCache(requestCache))
 * console.log(cache?.number) // e.g. 48213
 * ```
 */
export class RandomNumberCache extends NumberCache {
  /**
   * Creates the cache with a free random number.
   *
   * @example
   * ```ts
   * const cache = new QueryCache(requestCache)
   * ```
   */
  constructor(requestCache: RequestCache, prefix: string) {
    super(requestCache, prefix, RandomNumberCache.#pickNumber(requestCache, prefix))
  }

  static #pickNumber(requestCache: RequestCache, prefix: string): number {
    assertRequestCache(requestCache)
    assertString('prefix', prefix)
    // Random tries are fast while the space is sparse; the scan makes a full space fail instead of spinning.
    for (let tries = 0; tries < 32; tries++) {
      const number = Math.floor(Math.random() * NUMBER_SPACE)
      if (!requestCache.has(prefix, number)) return number
    }
    const start = Math.floor(Math.random() * NUMBER_SPACE)
    for (let i = 0; i < NUMBER_SPACE; i++) {
      const number = (start + i) % NUMBER_SPACE
      if (!requestCache.has(prefix, number)) return number
    }
    throw new InvalidStateError(`All ${NUMBER_SPACE} numbers of prefix "${prefix}" are in use; expected a free number`)
  }
}
