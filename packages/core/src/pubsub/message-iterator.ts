/**
 * The async iterator behind `PubSub.subscriber()`: buffers messages in publish order and hands them to `next()`.
 *
 * Internal to the pubsub folder: users get it typed as `AsyncIterableIterator<…> & { close(): void }`.
 */
import { Fifo } from '../internal/fifo.js'

/** What the iterator yields: the message name followed by the published arguments. */
export type MessageTuple = [message: string, ...args: unknown[]]

/** Subscribes `callback` to `message` and returns its disposer (the PubSub's `subscribe`). */
export type SubscribeFunction = (message: string, callback: (message: string, ...args: unknown[]) => void) => () => void

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined }) as IteratorReturnResult<undefined>

/** Buffers every message it is subscribed to until `next()` takes it; `close()` unsubscribes and ends it. */
export class MessageIterator implements AsyncIterableIterator<MessageTuple> {
  // Published but not yet taken by next(); taking the oldest is O(1).
  readonly #buffer = new Fifo<MessageTuple>()
  // next() calls that found the buffer empty, oldest first: each gets the next message published.
  readonly #waiting: Array<(result: IteratorResult<MessageTuple, undefined>) => void> = []
  // Undo for each message subscribed to; emptied by close().
  #disposers: Array<() => void> = []
  // Once true, next() answers done and nothing is buffered any more.
  #closed = false

  constructor(subscribe: SubscribeFunction, messages: readonly string[]) {
    const push = (message: string, ...args: unknown[]): void => this.#push([message, ...args])
    for (const message of messages) this.#disposers.push(subscribe(message, push))
  }

  /** Resolves with the oldest buffered message, or waits for the next one; `{ done: true }` once closed. */
  next(): Promise<IteratorResult<MessageTuple, undefined>> {
    if (this.#buffer.size > 0) {
      return Promise.resolve({ done: false, value: this.#buffer.shift() })
    }
    if (this.#closed) return Promise.resolve(DONE)
    return new Promise((resolve) => this.#waiting.push(resolve))
  }

  /** Closes the iterator (what `break` in a `for await` calls). */
  return(): Promise<IteratorResult<MessageTuple, undefined>> {
    this.close()
    return Promise.resolve(DONE)
  }

  /**
   * Unsubscribes from every message, drops what is buffered and ends pending `next()` calls with `{ done: true }`.
   * Idempotent.
   */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    const disposers = this.#disposers
    this.#disposers = []
    for (const dispose of disposers) dispose()
    this.#buffer.clear()
    const waiting = this.#waiting.splice(0)
    for (const resolve of waiting) resolve(DONE)
  }

  [Symbol.asyncIterator](): this {
    return this
  }

  #push(tuple: MessageTuple): void {
    if (this.#closed) return
    const resolve = this.#waiting.shift()
    if (resolve !== undefined) resolve({ done: false, value: tuple })
    else this.#buffer.push(tuple)
  }
}
