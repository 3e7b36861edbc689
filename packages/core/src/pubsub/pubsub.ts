/**
 * `PubSub`: the application-wide message bus (ASAB's PubSub), a wrapper around eventemitter3.
 *
 * This file owns the subscriptions; one subscription's delivery and error isolation live in `subscription.ts`,
 * message names in `messages.ts`, the `@subscribe` decorator's registry in `subscribe.ts`, the async iterator in
 * `message-iterator.ts`.
 */
import { EventEmitter } from 'eventemitter3'
import { type Clock, realClock } from '../clock/clock.js'
import { CancelledError } from '../errors/cancellation.js'
import { guardLogger } from '../internal/guarded-logger.js'
import { nextMacrotask } from '../internal/macrotask.js'
import { rejected } from '../internal/observed.js'
import { Waiter } from '../internal/waiter.js'
import { assertFunction, assertNonEmptyString, assertOptionalDuration, assertOptionalObject, assertOptionalSignal, expectedMessage } from '../internal/validate.js'
import { createLogger, type Logger } from '../logging/logger.js'
import { MessageIterator } from './message-iterator.js'
import { collectSubscriptions } from './subscribe.js'
import { deliver, type Subscriber, type Subscription, type SubscriptionHost } from './subscription.js'

export type { Subscriber } from './subscription.js'

const noop = (): void => {}

// Made on first need, so a PubSub without a logger costs no pino instance of its own.
let silentLogger: Logger | undefined

/**
 * Options for {@link PubSub}.
 *
 * @example
 * ```ts
 * import { PubSub, createLogger, type PubSubOptions } from '@tsab/core'
 * const options: PubSubOptions = { logger: createLogger({ level: 'warn' }) }
 * const pubsub = new PubSub(options) // a throwing subscriber is logged at error level
 * ```
 */
export interface PubSubOptions {
  /** Where failing subscribers are reported (at error level, with the message name). @default a silent logger */
  logger?: Logger
  /** The clock `waitFor` arms its timeout on. @default realClock */
  clock?: Clock
}

/**
 * Options for {@link PubSub.waitFor}.
 *
 * @example
 * ```ts
 * import { PubSub, type PubSubWaitForOptions } from '@tsab/core'
 * const pubsub = new PubSub()
 * const options: PubSubWaitForOptions = { timeoutMs: 5_000, signal: AbortSignal.timeout(10_000) }
 * const [user] = await pubsub.waitFor('User.joined!', options) // TimeoutError after 5 s without one
 * ```
 */
export interface PubSubWaitForOptions {
  /** Aborting it rejects the wait with `CancelledError` (whose `reason` is the signal's reason). */
  signal?: AbortSignal
  /** Milliseconds to wait before rejecting with `TimeoutError`; the clock starts at the call. @default no timeout */
  timeoutMs?: number
}

/**
 * The application-wide message bus, the same idea as ASAB's `PubSub`: publishers and subscribers agree on a
 * message name (see {@link Messages}) and nothing else.
 *
 * - Subscribers are called as `callback(message, ...args)`, synchronously inside `publish`, in subscription order.
 * - Subscriptions are strong: a lambda stays subscribed until its disposer (or `unsubscribe`) removes it.
 * - A subscriber that throws, or returns a promise that rejects, is logged at error level with the message name;
 *   the other subscribers still run and `publish` never throws because of a subscriber.
 * - Subscribing or unsubscribing during a publish does not change who receives the message being delivered:
 *   it is delivered to the subscribers present when `publish` was called.
 *
 * Built on eventemitter3, wrapped rather than extended. `publish` with up to three arguments allocates nothing
 * when there are 0 or 1 subscribers, so it can be called for every finished task.
 *
 * @example
 * ```ts
 * import { PubSub } from '@tsab/core'
 * const pubsub = new PubSub()
 * const dispose = pubsub.subscribe('Order.placed!', (message, id: number) => console.log(`${message} #${id}`))
 * pubsub.publish('Order.placed!', 42) // Order.placed! #42
 * dispose()
 * pubsub.publish('Order.placed!', 43) // nobody listens any more
 * console.log(pubsub.listenerCount('Order.placed!')) // 0
 * ```
 */
export class PubSub {
  // The dispatcher; private so that only publish() can emit and the API stays ours.
  readonly #emitter = new EventEmitter()
  // Live subscriptions per message in subscription order: unsubscribe(message, callback) finds its record here.
  readonly #subscriptions = new Map<string, Subscription[]>()
  // Shared by every subscription record, so a record needs one pointer to reach the logger.
  readonly #host: SubscriptionHost
  // Times waitFor's timeouts (TestClock in tests).
  readonly #clock: Clock

  /**
   * @param options - a logger for failing subscribers and a clock for `waitFor` timeouts
   * @throws TypeError when `options`, `options.logger` or `options.clock` has the wrong shape
   */
  constructor(options: PubSubOptions = {}) {
    assertOptionalObject('options', options)
    const { logger, clock = realClock } = options
    if (logger !== undefined && typeof (logger as Partial<Logger> | null)?.error !== 'function') {
      throw new TypeError(expectedMessage('options.logger', 'a pino logger', logger))
    }
    const maybeClock = clock as Partial<Clock> | null
    if (typeof maybeClock?.setTimeout !== 'function' || typeof maybeClock.clearTimeout !== 'function') {
      throw new TypeError(expectedMessage('options.clock', 'a Clock', clock))
    }
    this.#host = { logger: logger === undefined ? (silentLogger ??= createLogger({ level: 'silent' })) : guardLogger(logger) }
    this.#clock = clock
  }

  /**
   * Subscribes `callback` to `message` until the returned disposer is called. The same callback subscribed
   * twice is called twice (and needs two disposers, or two `unsubscribe` calls).
   *
   * @param message - the message name, a non-empty string
   * @param callback - called as `callback(message, ...args)` on every publish of `message`
   * @returns a disposer that removes exactly this subscription; calling it again does nothing
   * @throws TypeError / RangeError on a bad `message` or a `callback` that is not a function
   * @example
   * ```ts
   * import { Messages, PubSub } from '@tsab/core'
   * const pubsub = new PubSub()
   * const dispose = pubsub.subscribe(Messages.ApplicationTick, () => console.log('tick'))
   * pubsub.publish(Messages.ApplicationTick) // tick
   * dispose()
   * ```
   */
  subscribe(message: string, callback: Subscriber): () => void {
    return this.#add(message, callback, false)
  }

  /**
   * Subscribes `callback` to the next publish of `message` only; it is unsubscribed before it is called.
   *
   * @returns a disposer that cancels the subscription if it has not fired yet
   * @throws TypeError / RangeError on a bad `message` or a `callback` that is not a function
   * @example
   * ```ts
   * import { PubSub } from '@tsab/core'
   * const pubsub = new PubSub()
   * pubsub.once('Cache.warm!', () => console.log('warm'))
   * pubsub.publish('Cache.warm!') // warm
   * pubsub.publish('Cache.warm!') // (nothing)
   * ```
   */
  once(message: string, callback: Subscriber): () => void {
    return this.#add(message, callback, true)
  }

  /**
   * Removes one subscription of `callback` to `message` (the most recent one, if it is subscribed several times).
   * Prefer the disposer returned by {@link PubSub.subscribe}.
   *
   * @returns true if a subscription was removed, false if `callback` was not subscribed to `message`
   * @throws TypeError / RangeError on a bad `message` or a `callback` that is not a function
   * @example
   * ```ts
   * import { PubSub } from '@tsab/core'
   * const pubsub = new PubSub()
   * const onSaved = () => console.log('saved')
   * pubsub.subscribe('Doc.saved!', onSaved)
   * console.log(pubsub.unsubscribe('Doc.saved!', onSaved)) // true
   * console.log(pubsub.unsubscribe('Doc.saved!', onSaved)) // false
   * ```
   */
  unsubscribe(message: string, callback: Subscriber): boolean {
    assertNonEmptyString('message', message)
    assertFunction('callback', callback)
    const list = this.#subscriptions.get(message)
    if (list === undefined) return false
    for (let i = list.length - 1; i >= 0; i--) {
      const subscription = list[i]!
      if (subscription.callback === callback) {
        subscription.dispose()
        return true
      }
    }
    return false
  }

  /**
   * Subscribes every method of `target` decorated with {@link subscribe} (including those inherited from base
   * classes), each bound to `target`. An object without decorated methods is fine: nothing is subscribed.
   *
   * @param target - an instance (or a class, for decorated static methods)
   * @returns a disposer that removes every subscription made by this call; calling it again does nothing
   * @throws TypeError when `target` is not an object, or a decorated property is no longer a function
   *   (nothing is subscribed then)
   * @example
   * ```ts
   * import { Messages, PubSub, subscribe } from '@tsab/core'
   * class Janitor {
   *   swept = 0
   *   @subscribe(Messages.ApplicationTick)
   *   sweep() { this.swept++ }
   * }
   * const pubsub = new PubSub()
   * const janitor = new Janitor()
   * const dispose = pubsub.subscribeAll(janitor)
   * pubsub.publish(Messages.ApplicationTick)
   * dispose()
   * pubsub.publish(Messages.ApplicationTick)
   * console.log(janitor.swept) // 1
   * ```
   */
  subscribeAll(target: object): () => void {
    if ((typeof target !== 'object' && typeof target !== 'function') || target === null) {
      throw new TypeError(expectedMessage('target', 'an object', target))
    }
    const entries = collectSubscriptions(target)
    if (entries.length === 0) return noop
    // Look every method up first, so a bad one throws before anything is subscribed.
    const bound = entries.map(({ key, message }) => {
      const method = (target as Record<string | symbol, unknown>)[key]
      if (typeof method !== 'function') throw new TypeError(expectedMessage(`target.${String(key)}`, 'a function', method))
      return { message, callback: method.bind(target) as Subscriber }
    })
    const disposers = bound.map(({ message, callback }) => this.#add(message, callback, false))
    return () => {
      for (const dispose of disposers) dispose()
    }
  }

  /**
   * Delivers `message` now, synchronously, to its current subscribers in subscription order, as
   * `callback(message, ...args)`. A subscriber's failure is logged and does not stop the others.
   *
   * @throws TypeError / RangeError on a bad `message`
   * @example
   * ```ts
   * import { PubSub } from '@tsab/core'
   * const pubsub = new PubSub()
   * pubsub.subscribe('Temp.read!', (message, celsius: number) => console.log(celsius))
   * pubsub.publish('Temp.read!', 21.5) // 21.5
   * ```
   */
  publish(message: string, ...args: unknown[]): void
  publish(message: string, a1?: unknown, a2?: unknown, a3?: unknown): void {
    if (typeof message !== 'string' || message.length === 0) assertNonEmptyString('message', message)
    // Fixed arities, so publishing neither builds an array nor spreads one (this runs once per finished task).
    switch (arguments.length) {
      case 1:
        this.#emitter.emit(message, message)
        return
      case 2:
        this.#emitter.emit(message, message, a1)
        return
      case 3:
        this.#emitter.emit(message, message, a1, a2)
        return
      case 4:
        this.#emitter.emit(message, message, a1, a2, a3)
        return
      default:
        this.#emitter.emit(message, ...(arguments as unknown as unknown[]))
    }
  }

  /**
   * Like {@link PubSub.publish}, but delivers on a later macrotask (after the current code and its promise
   * jobs have run), to the subscribers present then.
   *
   * @throws TypeError / RangeError on a bad `message` (at the call, not at delivery)
   * @example
   * ```ts
   * import { PubSub } from '@tsab/core'
   * const pubsub = new PubSub()
   * pubsub.subscribe('Later!', () => console.log('delivered'))
   * pubsub.publishDeferred('Later!')
   * console.log('published')
   * await new Promise((resolve) => setTimeout(resolve, 10))
   * // published, then delivered
   * ```
   */
  publishDeferred(message: string, ...args: unknown[]): void {
    assertNonEmptyString('message', message)
    nextMacrotask(() => this.#emitter.emit(message, message, ...args))
  }

  /**
   * Waits for the next publish of `message` and resolves with its arguments (without the message name).
   * Cleans up after itself however it ends: subscription, timer and abort listener are all removed.
   *
   * @param options - `signal` to cancel the wait, `timeoutMs` to give up
   * @returns the published arguments, e.g. `[handle]` for `TaskService.task_done!`
   * @throws TypeError / RangeError synchronously on a bad `message` or bad options
   * @example
   * ```ts
   * import { PubSub, TimeoutError } from '@tsab/core'
   * const pubsub = new PubSub()
   * setTimeout(() => pubsub.publish('Job.done!', 'job-7', 'ok'), 5)
   * console.log(await pubsub.waitFor('Job.done!', { timeoutMs: 1000 })) // [ 'job-7', 'ok' ]
   * await pubsub.waitFor('Never!', { timeoutMs: 10 }).catch((e) => console.log(e instanceof TimeoutError)) // true
   * ```
   */
  waitFor(message: string, options: PubSubWaitForOptions = {}): Promise<unknown[]> {
    assertNonEmptyString('message', message)
    assertOptionalObject('options', options)
    const { signal, timeoutMs } = options
    assertOptionalSignal('options.signal', signal)
    assertOptionalDuration('options.timeoutMs', timeoutMs)
    if (signal?.aborted) return rejected(new CancelledError(signal.reason))
    // The abort, the timer and the message can all arrive; the first one wins, the Waiter ignores the others and
    // removes its timer and abort listener. Its promise is observed: the caller may attach its handler late.
    const waiter: Waiter<unknown[]> = new Waiter({
      signal,
      timeoutMs,
      clock: this.#clock,
      timeoutMessage: `No "${message}" message was published within ${timeoutMs} ms`,
      onGiveUp: () => dispose(),
    })
    const dispose = this.#add(message, (_message: string, ...args: unknown[]) => waiter.resolve(args), true)
    return waiter.promise
  }

  /**
   * An async iterator over the given messages: yields `[message, ...args]` tuples in publish order. Messages
   * published between `next()` calls are buffered (without limit). `close()`, `return()` (what `break` in a
   * `for await` calls) unsubscribe, drop the buffer and end pending `next()` calls with `{ done: true }`.
   *
   * @param messages - one or more message names
   * @throws RangeError when no message name is given; TypeError / RangeError on a bad name
   * @example
   * ```ts
   * import { PubSub } from '@tsab/core'
   * const pubsub = new PubSub()
   * const events = pubsub.subscriber('User.joined!', 'User.left!')
   * pubsub.publish('User.joined!', 'ada')
   * pubsub.publish('User.left!', 'ada')
   * for await (const [message, user] of events) {
   *   console.log(message, user)
   *   if (message === 'User.left!') break // unsubscribes
   * }
   * // User.joined! ada
   * // User.left! ada
   * ```
   */
  subscriber(...messages: string[]): AsyncIterableIterator<[message: string, ...args: unknown[]]> & { close(): void } {
    if (messages.length === 0) throw new RangeError('Expected at least one message name, got none')
    messages.forEach((message, index) => assertNonEmptyString(`messages[${index}]`, message))
    return new MessageIterator((message, callback) => this.#add(message, callback, false), messages)
  }

  /**
   * The number of subscriptions to `message`.
   *
   * @throws TypeError / RangeError on a bad `message`
   * @example
   * ```ts
   * import { PubSub } from '@tsab/core'
   * const pubsub = new PubSub()
   * pubsub.subscribe('Ping!', () => {})
   * console.log(pubsub.listenerCount('Ping!')) // 1
   * ```
   */
  listenerCount(message: string): number {
    assertNonEmptyString('message', message)
    return this.#emitter.listenerCount(message)
  }

  #add(message: string, callback: Subscriber, once: boolean): () => void {
    assertNonEmptyString('message', message)
    assertFunction('callback', callback)
    const subscription: Subscription = {
      host: this.#host,
      message,
      callback,
      once,
      active: true,
      fired: false,
      dispose: noop,
    }
    subscription.dispose = () => this.#remove(subscription)
    this.#emitter.on(message, deliver, subscription)
    const list = this.#subscriptions.get(message)
    if (list === undefined) this.#subscriptions.set(message, [subscription])
    else list.push(subscription)
    return subscription.dispose
  }

  #remove(subscription: Subscription): void {
    if (!subscription.active) return
    subscription.active = false
    // Matching on the context removes exactly this record, even when the callback is subscribed more than once.
    this.#emitter.removeListener(subscription.message, deliver, subscription)
    const list = this.#subscriptions.get(subscription.message)
    if (list === undefined) return
    const index = list.indexOf(subscription)
    if (index >= 0) list.splice(index, 1)
    if (list.length === 0) this.#subscriptions.delete(subscription.message)
  }
}
