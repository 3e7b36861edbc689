/**
 * The `@subscribe(message)` method decorator and the per-class registry it writes to.
 *
 * This file only records which methods listen to which messages; `PubSub.subscribeAll` does the subscribing.
 */
import { assertNonEmptyString, expectedMessage } from '../internal/validate.js'

/** One decorated method: the property it lives under and the message it listens to. */
export interface SubscriptionEntry {
  readonly key: string | symbol
  readonly message: string
}

/**
 * Where each decorated class (its prototype, or the constructor for static methods) keeps its own entries.
 * `Symbol.for` so that two copies of the package in one process still read each other's decorations.
 */
const SUBSCRIPTIONS: unique symbol = Symbol.for('tsab.pubsub.subscriptions') as never

type Registry = { [SUBSCRIPTIONS]?: SubscriptionEntry[] }

/**
 * Marks a method as a subscriber of `message`; `pubsub.subscribeAll(instance)` then subscribes it, bound to
 * the instance. Stackable: one method may carry several `@subscribe` lines, and several methods may listen to
 * one message. Subclasses inherit the decorated methods of their base classes; if a subclass overrides such
 * a method, the override is what gets called. The method is called as `method(message, ...args)`.
 *
 * Uses the legacy decorator signature (`experimentalDecorators`), like tsyringe. A static method is
 * subscribed by `subscribeAll(TheClass)`.
 *
 * @param message - the message name, a non-empty string (see {@link Messages})
 * @throws TypeError / RangeError at decoration time when `message` is not a non-empty string, or when the
 *   decorated member is not a method (a getter or a field)
 * @example
 * ```ts
 * import { Messages, PubSub, subscribe } from '@tsab/core'
 *
 * class Reporter {
 *   @subscribe(Messages.ApplicationTick60)
 *   @subscribe(Messages.ApplicationExit)
 *   flush(message: string) {
 *     console.log(`flushing on ${message}`)
 *   }
 * }
 *
 * const pubsub = new PubSub()
 * const dispose = pubsub.subscribeAll(new Reporter())
 * pubsub.publish(Messages.ApplicationExit) // flushing on Application.exit!
 * dispose()
 * ```
 */
export function subscribe(message: string): MethodDecorator {
  assertNonEmptyString('message', message)
  return (target: object, propertyKey: string | symbol, descriptor: PropertyDescriptor): void => {
    if (typeof descriptor?.value !== 'function') {
      throw new TypeError(
        expectedMessage(`@subscribe(${JSON.stringify(message)}) target ${String(propertyKey)}`, 'a method', descriptor?.value),
      )
    }
    const registry = target as Registry
    // An own list per class: pushing into an inherited list would leak subclass entries into the base class.
    let entries = Object.prototype.hasOwnProperty.call(registry, SUBSCRIPTIONS) ? registry[SUBSCRIPTIONS] : undefined
    if (entries === undefined) {
      entries = []
      Object.defineProperty(registry, SUBSCRIPTIONS, { value: entries, enumerable: false, configurable: true })
    }
    entries.push({ key: propertyKey, message })
  }
}

/**
 * Every decorated method visible from `target`: its own class and all base classes, base classes first,
 * each (method, message) pair once.
 */
export function collectSubscriptions(target: object): SubscriptionEntry[] {
  const chain: SubscriptionEntry[][] = []
  for (let level: object | null = target; level !== null; level = Object.getPrototypeOf(level)) {
    if (Object.prototype.hasOwnProperty.call(level, SUBSCRIPTIONS)) {
      const own = (level as Registry)[SUBSCRIPTIONS]
      if (own !== undefined) chain.push(own)
    }
  }
  const seen = new Map<string | symbol, Set<string>>()
  const result: SubscriptionEntry[] = []
  for (let i = chain.length - 1; i >= 0; i--) {
    for (const entry of chain[i]!) {
      let messages = seen.get(entry.key)
      if (messages === undefined) seen.set(entry.key, (messages = new Set()))
      // A subclass that re-decorates an overridden method must not end up subscribed twice.
      if (messages.has(entry.message)) continue
      messages.add(entry.message)
      result.push(entry)
    }
  }
  return result
}
