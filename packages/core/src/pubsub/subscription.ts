/**
 * One PubSub subscription and its delivery: the record a `subscribe`/`once` call registers, the one listener
 * function that calls every subscriber, and the error isolation around it. Which subscriptions exist and when they
 * are added or removed is `pubsub.ts`'s.
 */
import { isThenable } from '../internal/validate.js'
import type { Logger } from '../logging/logger.js'

/**
 * A PubSub subscriber: called as `callback(message, ...args)` with the published message name first.
 * It may be async; a rejection is logged, never unhandled.
 *
 * @example
 * ```ts
 * import { PubSub, type Subscriber } from '@tsab/core'
 * const onTick: Subscriber = (message, count: number) => console.log(message, count)
 * const pubsub = new PubSub()
 * pubsub.subscribe('Counter.tick!', onTick)
 * pubsub.publish('Counter.tick!', 1) // Counter.tick! 1
 * ```
 */
export type Subscriber = (message: string, ...args: any[]) => unknown

/** The PubSub side of a subscription that {@link deliver} needs. @internal */
export interface SubscriptionHost {
  /** Never throws (a `guardLogger` view). */
  readonly logger: Logger
}

/** One `subscribe`/`once` call: the record registered as eventemitter3's listener context. @internal */
export interface Subscription {
  readonly host: SubscriptionHost
  readonly message: string
  readonly callback: Subscriber
  readonly once: boolean
  // Cleared by dispose; makes the disposer idempotent.
  active: boolean
  // Set when a `once` subscription has been called.
  fired: boolean
  dispose: () => void
}

// The host's logger never throws (guardLogger): a broken logger must not turn one failing subscriber into a
// failed publish (or an unhandled rejection).
function report(subscription: Subscription, err: unknown, text: string): void {
  subscription.host.logger.error({ err, message: subscription.message, subscriber: subscription.callback.name || '(anonymous)' }, text)
}

function observe(subscription: Subscription, result: PromiseLike<unknown>): void {
  try {
    result.then(undefined, (err: unknown) => report(subscription, err, 'PubSub subscriber rejected'))
  } catch (err) {
    report(subscription, err, 'PubSub subscriber threw')
  }
}

/**
 * The one listener function registered in the emitter for every subscription (`this` is the subscription):
 * a shared function rather than a closure per subscription, with fixed-arity calls so that delivering to a
 * subscriber allocates nothing.
 */
export function deliver(this: Subscription, message: string, a1?: unknown, a2?: unknown, a3?: unknown): void {
  if (this.once) {
    // A publish from inside another subscriber can reach a `once` subscription before the outer delivery does.
    if (this.fired) return
    this.fired = true
    this.dispose()
  }
  // Called as a plain function: subscribers must not see the subscription record as `this`.
  const callback = this.callback
  let result: unknown
  try {
    switch (arguments.length) {
      case 1:
        result = callback(message)
        break
      case 2:
        result = callback(message, a1)
        break
      case 3:
        result = callback(message, a1, a2)
        break
      case 4:
        result = callback(message, a1, a2, a3)
        break
      default:
        result = callback.apply(undefined, arguments as unknown as Parameters<Subscriber>)
    }
  } catch (err) {
    report(this, err, 'PubSub subscriber threw')
    return
  }
  if (isThenable(result)) observe(this, result)
}
