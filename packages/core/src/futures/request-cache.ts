/**
 * `RequestCache`: IPv8's store of outstanding requests (`NumberCache`s keyed by `prefix:number`) with their
 * timeouts, waiters and shutdown. It is a TaskManager, so request-related tasks can live on it too. What a cache
 * holds is `number-cache.ts`'s business.
 */
import { realClock, type Clock } from '../clock/clock.js'
import { CancelledError } from '../errors/cancellation.js'
import { CacheNotFoundError } from '../errors/errors.js'
import { defaultLogger } from '../internal/default-logger.js'
import { guardLogger } from '../internal/guarded-logger.js'
import { rejected } from '../internal/observed.js'
import { Waiter } from '../internal/waiter.js'
import type { Logger } from '../logging/logger.js'
import {
  assertFunction,
  assertNumber,
  assertOptionalDuration,
  assertOptionalObject,
  assertOptionalSignal,
  assertString,
  expectedMessage,
} from '../internal/validate.js'
import { TaskManager, type TaskManagerOptions } from '../tasks/task-manager.js'
import { NumberCache, registeredFutures } from './number-cache.js'

const noop = (): void => {}

/**
 * Options of the {@link RequestCache} constructor: the same as a TaskManager's; `clock` also drives the cache
 * timeouts, and `name` defaults to `'RequestCache'`.
 *
 * @example
 * ```ts
 * import { RequestCache } from '@tsab/core'
 * import { TestClock } from '@tsab/core/testing'
 * const requestCache = new RequestCache({ name: 'peers-requests', clock: new TestClock() })
 * ```
 */
export type RequestCacheOptions = TaskManagerOptions

/**
 * Options of {@link RequestCache.passthrough}.
 *
 * @example
 * ```ts
 * requestCache.passthrough(() => requestCache.add(cache), { timeoutMs: 50 })
 * ```
 */
export interface PassthroughOptions {
  /** Milliseconds after which caches added inside the call time out, instead of their own `timeoutDelay`. @default 0 (the next macrotask) */
  timeoutMs?: number
}

/**
 * Options of {@link RequestCache.waitFor}.
 *
 * @example
 * ```ts
 * await requestCache.waitFor('ping', 7, { timeoutMs: 1_000, signal })
 * ```
 */
export interface WaitForCacheOptions {
  /** Milliseconds to wait before rejecting with `TimeoutError`; the clock starts at the call. @default no limit */
  timeoutMs?: number
  /** Aborting it rejects the wait with `CancelledError`. */
  signal?: AbortSignal
}

interface Stored {
  readonly cache: NumberCache
  // The armed timeout on the clock, cleared by pop(), clear() and shutdown; none for a `timeoutDelay` of Infinity.
  readonly timer: unknown
  readonly armed: boolean
}

// Wrong types would otherwise just miss (or, for pop, throw CacheNotFoundError) instead of saying what is wrong.
function assertKey(prefix: unknown, number: unknown): void {
  assertString('prefix', prefix)
  assertNumber('number', number, { integer: true })
}

function keyOf(prefix: string, number: number): string {
  return `${prefix}:${number}`
}

/**
 * Outstanding requests by `prefix:number`, each a {@link NumberCache} that times out after its `timeoutDelay`.
 *
 * On timeout a cache is removed, its `onTimeout()` runs, then each of its still-pending registered futures is
 * settled with its `onTimeout` value (rejected when that is an `Error` instance, else resolved). `pop()` removes a
 * cache and disarms its timeout, leaving its futures to their owner. `shutdown()` cancels the futures of every cache
 * still stored and shuts the TaskManager down; an `add()` after that returns `null` and cancels the cache's futures.
 *
 * @example
 * ```ts
 * import { Future, NumberCache, RequestCache } from '@tsab/core'
 * class PingCache extends NumberCache {
 *   readonly pong = new Future<boolean>()
 *   constructor(requestCache: RequestCache, number: number) {
 *     super(requestCache, 'ping', number)
 *     this.registerFuture(this.pong, { onTimeout: false })
 *   }
 *   override get timeoutDelay(): number { return 20 }
 * }
 * const requestCache = new RequestCache()
 * const cache = requestCache.add(new PingCache(requestCache, 1))!
 * console.log(await cache.pong) // false: nobody answered within 20 ms
 * await requestCache.shutdown()
 * ```
 */
export class RequestCache extends TaskManager {
  readonly #clock: Clock
  readonly #logger: Logger
  readonly #caches = new Map<string, Stored>()
  // Callers of waitFor() by key, resolved when that key is added.
  readonly #waiters = new Map<string, Set<Waiter<NumberCache>>>()
  // The timeout set by the innermost passthrough() call running now; undefined outside passthrough().
  #passthroughMs: number | undefined
  // Timeouts whose onTimeout()/future settling is still running: shutdown waits for them.
  readonly #inflight = new Set<Promise<void>>()
  #shutdown: Promise<void> | undefined

  /**
   * Creates an empty request cache.
   *
   * @example
   * ```ts
   * import { RequestCache } from '@tsab/core'
   * const requestCache = new RequestCache({ name: 'dht-requests' })
   * ```
   */
  constructor(options: RequestCacheOptions = {}) {
    assertOptionalObject('options', options)
    super({ ...options, name: options.name ?? 'RequestCache' })
    this.#clock = options.clock ?? realClock
    // Guarded: a broken log destination must never break timeouts or shutdown.
    this.#logger = guardLogger(options.logger ?? defaultLogger())
  }

  /** The number of stored caches. */
  get size(): number {
    return this.#caches.size
  }

  /**
   * Stores `cache` under `prefix:number` and arms its timeout (`cache.timeoutDelay` ms, or the `passthrough()`
   * value). Returns the cache, or `null` when the key is already stored (an error is logged, the cache's futures
   * are left pending) or the RequestCache is shut down (its futures are cancelled).
   *
   * A `timeoutDelay` of `Infinity` means the cache never times out (no timer is armed).
   *
   * @throws `TypeError` when `cache` is not a NumberCache or its `timeoutDelay` is not a number; `RangeError` when
   *   `timeoutDelay` is ≤ 0 or NaN
   * @example
   * ```ts
   * const cache = requestCache.add(new PingCache(requestCache, 7))
   * if (cache === null) console.log('not stored')
   * ```
   */
  add<C extends NumberCache>(cache: C): C | null {
    if (!(cache instanceof NumberCache)) throw new TypeError(expectedMessage('cache', 'a NumberCache', cache))
    const key = keyOf(cache.prefix, cache.number)
    if (this.isShutdown) {
      this.#logger.warn({ cache: key, owner: this.name }, `Cache ${key} added after RequestCache "${this.name}" shut down; its futures are cancelled`)
      this.#cancelFutures(cache, `RequestCache "${this.name}" is shut down`)
      return null
    }
    let delay = this.#passthroughMs
    if (delay === undefined) {
      delay = cache.timeoutDelay
      assertNumber('timeoutDelay', delay, { min: 0, exclusiveMin: true, allowInfinity: true })
    }
    if (this.#caches.has(key)) {
      this.#logger.error({ cache: key, owner: this.name }, `A cache is already stored under ${key}; the new one was not added`)
      return null
    }
    // Infinity never reaches the clock: Node's setTimeout would fire it at once.
    const armed = delay !== Infinity
    const stored: Stored = { cache, armed, timer: armed ? this.#clock.setTimeout(() => this.#timedOut(key, stored), delay) : undefined }
    this.#caches.set(key, stored)
    const waiters = this.#waiters.get(key)
    if (waiters !== undefined) {
      this.#waiters.delete(key)
      for (const waiter of waiters) waiter.resolve(cache)
    }
    return cache
  }

  /**
   * True when a cache is stored under `prefix:number`.
   *
   * @example
   * ```ts
   * if (!requestCache.has('ping', 7)) console.log('answered or timed out')
   * ```
   */
  has(prefix: string, number: number): boolean {
    assertKey(prefix, number)
    return this.#caches.has(keyOf(prefix, number))
  }

  /**
   * The cache stored under `prefix:number`, or `undefined`.
   *
   * @example
   * ```ts
   * const cache = requestCache.get('ping', 7) as PingCache | undefined
   * ```
   */
  get(prefix: string, number: number): NumberCache | undefined {
    assertKey(prefix, number)
    return this.#caches.get(keyOf(prefix, number))?.cache
  }

  /**
   * Removes the cache stored under `prefix:number`, disarms its timeout and returns it; its futures are left to
   * their owner. Throws {@link CacheNotFoundError} when nothing is stored there.
   *
   * @example
   * ```ts
   * const cache = requestCache.pop('ping', 7) as PingCache
   * cache.pong.setResult(true)
   * ```
   */
  pop(prefix: string, number: number): NumberCache {
    assertKey(prefix, number)
    const key = keyOf(prefix, number)
    const stored = this.#caches.get(key)
    if (stored === undefined) throw new CacheNotFoundError(prefix, number)
    this.#caches.delete(key)
    this.#disarm(stored)
    return stored.cache
  }

  /**
   * Calls `fn` and returns its result; caches added during the (synchronous part of the) call time out after
   * `options.timeoutMs` (default 0: on the next macrotask) instead of their own `timeoutDelay`. Nested calls
   * restore the outer value. Handy in tests, to make requests time out at once.
   *
   * @example
   * ```ts
   * requestCache.passthrough(() => requestCache.add(new PingCache(requestCache, 1)))
   * ```
   */
  passthrough<T>(fn: () => T, options: PassthroughOptions = {}): T {
    assertFunction('fn', fn)
    assertOptionalObject('options', options)
    const { timeoutMs = 0 } = options
    assertNumber('options.timeoutMs', timeoutMs, { min: 0 })
    const outer = this.#passthroughMs
    this.#passthroughMs = timeoutMs
    try {
      return fn()
    } finally {
      this.#passthroughMs = outer
    }
  }

  /**
   * Resolves with the cache stored under `prefix:number`: at once when it is stored, else when it is added.
   * Several waiters on one key all resolve. Rejects with `TimeoutError` after `options.timeoutMs`, with
   * `CancelledError` when `options.signal` aborts or the RequestCache shuts down first.
   *
   * @example
   * ```ts
   * const cache = await requestCache.waitFor('ping', 7, { timeoutMs: 1_000 })
   * ```
   */
  waitFor(prefix: string, number: number, options: WaitForCacheOptions = {}): Promise<NumberCache> {
    assertString('prefix', prefix)
    assertNumber('number', number, { integer: true })
    assertOptionalObject('options', options)
    const { timeoutMs, signal } = options
    assertOptionalDuration('options.timeoutMs', timeoutMs)
    assertOptionalSignal('options.signal', signal)
    const key = keyOf(prefix, number)
    const stored = this.#caches.get(key)
    if (stored !== undefined) return Promise.resolve(stored.cache)
    if (signal?.aborted) return rejected(new CancelledError(signal.reason))
    if (this.isShutdown) return rejected(new CancelledError(`RequestCache "${this.name}" is shut down`))
    let waiters = this.#waiters.get(key)
    if (waiters === undefined) this.#waiters.set(key, (waiters = new Set()))
    const waiter: Waiter<NumberCache> = new Waiter({
      signal,
      timeoutMs,
      clock: this.#clock,
      timeoutMessage: `No cache was added under ${key} within ${timeoutMs} ms`,
      onGiveUp: () => {
        waiters.delete(waiter)
        if (waiters.size === 0 && this.#waiters.get(key) === waiters) this.#waiters.delete(key)
      },
    })
    waiters.add(waiter)
    // Observed by the Waiter: the caller may attach its handler only after the timeout or the shutdown.
    return waiter.promise
  }

  /**
   * Removes every cache and disarms their timeouts **without settling their futures** (they stay pending until
   * their owners settle them). Waiters of `waitFor()` keep waiting.
   *
   * @example
   * ```ts
   * requestCache.clear()
   * console.log(requestCache.size) // 0
   * ```
   */
  clear(): void {
    for (const stored of this.#caches.values()) this.#disarm(stored)
    this.#caches.clear()
  }

  /**
   * Shuts down: cancels the pending futures of every cache still stored, removes the caches and disarms their
   * timeouts, rejects `waitFor()` waiters with `CancelledError`, waits for timeouts being handled, and shuts down
   * the TaskManager (see {@link TaskManager.shutdownTaskManager}). Idempotent.
   *
   * @example
   * ```ts
   * await requestCache.shutdown()
   * ```
   */
  shutdown(): Promise<void> {
    return this.shutdownTaskManager()
  }

  /**
   * Same as {@link RequestCache.shutdown}, with the TaskManager's `timeoutMs` option.
   *
   * @example
   * ```ts
   * await requestCache.shutdownTaskManager({ timeoutMs: 5_000 })
   * ```
   */
  override shutdownTaskManager(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.#shutdown !== undefined) return this.#shutdown
    // Validates the options and marks the manager shut down synchronously, before anything here changes.
    const tasksDone = super.shutdownTaskManager(options)
    const reason = `RequestCache "${this.name}" is shut down`
    for (const stored of this.#caches.values()) {
      this.#disarm(stored)
      this.#cancelFutures(stored.cache, reason)
    }
    this.#caches.clear()
    const waiters = [...this.#waiters.values()].flatMap((set) => [...set])
    this.#waiters.clear()
    for (const waiter of waiters) waiter.reject(new CancelledError(reason))
    const promise = (async () => {
      await Promise.all([...this.#inflight])
      await tasksDone
    })()
    promise.catch(noop)
    this.#shutdown = promise
    return promise
  }

  #disarm(stored: Stored): void {
    if (stored.armed) this.#clock.clearTimeout(stored.timer)
  }

  #timedOut(key: string, stored: Stored): void {
    if (this.#caches.get(key) !== stored) return
    this.#caches.delete(key)
    const run = this.#handleTimeout(key, stored.cache)
    this.#inflight.add(run)
    void run.then(() => this.#inflight.delete(run))
  }

  async #handleTimeout(key: string, cache: NumberCache): Promise<void> {
    try {
      await cache.onTimeout()
    } catch (error) {
      this.#logger.error({ err: error, cache: key, owner: this.name }, `onTimeout() of cache ${key} failed`)
    }
    for (const { future, onTimeout } of registeredFutures(cache)) {
      if (future.isDone) continue
      if (onTimeout instanceof Error) future.setException(onTimeout)
      else future.setResult(onTimeout)
    }
  }

  #cancelFutures(cache: NumberCache, reason: string): void {
    for (const { future } of registeredFutures(cache)) future.cancel(reason)
  }
}
