/**
 * `Queue<T>`: an optionally bounded FIFO between producers and consumers, with `taskDone`/`join` accounting and
 * Python 3.13-style shutdown (`close`), plus `fail(err)` to pass a producer's failure on to its consumers.
 * The waiter hand-off (no lost wake-ups on cancellation) lives in the internal `WaitQueue`.
 */
import { InvalidStateError } from '../errors/errors.js'
import { QueueEmpty, QueueFull, QueueShutDown } from '../errors/queue-errors.js'
import { assertBoolean, assertNumber, assertOptionalObject } from '../internal/validate.js'
import { rejected } from '../internal/observed.js'
import { Fifo } from '../internal/fifo.js'
import { WaitQueue } from '../internal/wait-queue.js'
import { assertWaitOptions, rejectIfAborted } from '../internal/waiter.js'
import { WaiterSet } from '../internal/waiter-set.js'
import type { BlockingOptions } from './wait-options.js'

/**
 * Options of {@link Queue.close}.
 *
 * @example
 * ```ts fragment
 * queue.close({ immediate: true }) // drop the items; getters and join() wake up at once
 * ```
 */
export interface QueueCloseOptions {
  /**
   * Also drop the items still queued (each counts as done for `join()`) and wake every blocked getter with
   * `QueueShutDown` at once, instead of letting consumers drain the queue first.
   * @default false
   */
  immediate?: boolean
}

interface ShutDownState {
  immediate: boolean
  // Set by fail(): the error consumers receive as `cause`.
  failed: boolean
  cause: unknown
}

/**
 * A FIFO queue. `maxsize` bounds it (`0`, the default, means unbounded): `put()` waits while it is full and
 * `get()` waits while it is empty, both in first-come-first-served order, and both accept `{ signal, timeoutMs }`.
 *
 * - `putNowait()` / `getNowait()` never wait: they throw `QueueFull` / `QueueEmpty`.
 * - Every successful put counts one unfinished item; `taskDone()` marks one done, `join()` waits until none is
 *   left (one `taskDone()` too many throws `InvalidStateError`).
 * - `close()` (Python 3.13's `shutdown()`): every `put` now rejects with `QueueShutDown`; `get` still returns
 *   the queued items, then rejects with `QueueShutDown`. With `{ immediate: true }` the queued items are dropped
 *   (counting as done for `join()`), and blocked getters are woken with `QueueShutDown` at once.
 * - `fail(err)`: like `close()`, but the `QueueShutDown` errors carry `cause: err`, so a consumer blocked on a
 *   dead producer is woken with the reason instead of hanging. Items queued before it are still delivered.
 * - A `get()` or `put()` aborted while it waits takes no item and no slot. If it is aborted in the same turn in
 *   which an item (or a free slot) was handed to it, the item goes to the next getter or back to the front of the
 *   queue (the slot to the next putter), so nothing is lost or reordered.
 *
 * The counterpart of Python's `asyncio.Queue`.
 *
 * @example
 * ```ts
 * import { Queue, QueueShutDown } from '@tsab/core'
 * const queue = new Queue<number>(2)
 * const consumer = (async () => {
 *   let sum = 0
 *   try {
 *     for (;;) {
 *       sum += await queue.get()
 *       queue.taskDone()
 *     }
 *   } catch (error) {
 *     if (!(error instanceof QueueShutDown)) throw error
 *   }
 *   return sum
 * })()
 * for (let i = 1; i <= 5; i++) await queue.put(i)
 * await queue.join()
 * queue.close()
 * console.log(await consumer)
 * ```
 * ```text
 * 15
 * ```
 */
export class Queue<T> {
  readonly #maxsize: number
  // Queued items; taking the oldest is O(1).
  readonly #items = new Fifo<T>()
  // Items handed to a getter but not yet delivered: they still occupy a slot, so a returned item always fits.
  #inTransitGets = 0
  // Free slots handed to a putter that has not yet inserted its item.
  #reservedSlots = 0
  // Items put and not yet marked done with taskDone().
  #unfinished = 0
  // Blocked join() calls, woken when #unfinished reaches 0.
  readonly #joinWaiters = new WaiterSet()
  #shutDown: ShutDownState | undefined
  readonly #getters = new WaitQueue<T>({
    returned: (item) => this.#returnItem(item),
    delivered: (item) => {
      this.#inTransitGets--
      if (this.#shutDown?.immediate === true) {
        // Python drops everything still in the queue on an immediate shutdown; this item had not reached its caller.
        this.#dropped(1)
        this.#wakePutters()
        throw this.#shutDownError()
      }
      this.#wakePutters()
      return item
    },
  })
  readonly #putters = new WaitQueue<undefined, T>({
    returned: () => {
      this.#reservedSlots--
      this.#wakePutters()
    },
    delivered: (_slot, item) => {
      this.#reservedSlots--
      if (this.#shutDown !== undefined) throw this.#shutDownError()
      this.#insert(item)
      return undefined
    },
  })

  /**
   * @param maxsize - the most items the queue holds, an integer >= 0; `0` means unbounded
   * @throws TypeError / RangeError when `maxsize` is not an integer >= 0
   */
  constructor(maxsize: number = 0) {
    assertNumber('maxsize', maxsize, { min: 0, integer: true })
    this.#maxsize = maxsize
  }

  /** The number of items waiting in the queue. */
  get size(): number {
    return this.#items.size
  }

  /** The bound given to the constructor (`0`: unbounded). */
  get maxsize(): number {
    return this.#maxsize
  }

  /**
   * Adds `item`, waiting (FIFO among putters) while the queue is full.
   * Rejects with `QueueShutDown` once the queue is closed or failed, with `CancelledError(signal.reason)` when
   * `options.signal` aborts first (the item is then not added), or with `TimeoutError` after `options.timeoutMs`.
   *
   * @example
   * ```ts fragment
   * await queue.put(job, { signal })
   * ```
   */
  put(item: T, options?: BlockingOptions): Promise<void> {
    assertWaitOptions(options)
    const aborted = rejectIfAborted(options?.signal)
    if (aborted !== undefined) return aborted
    if (this.#shutDown !== undefined) return rejected(this.#shutDownError())
    if (this.#putters.size === 0 && !this.#isFull()) {
      this.#insert(item)
      return Promise.resolve()
    }
    return this.#putters.wait({ signal: options?.signal, timeoutMs: options?.timeoutMs, clock: options?.clock }, item)
  }

  /**
   * Adds `item` without waiting.
   *
   * @throws QueueFull when the queue is full; QueueShutDown when it is closed or failed
   * @example
   * ```ts fragment
   * try { queue.putNowait(event) } catch (e) { if (e instanceof QueueFull) dropped++ }
   * ```
   */
  putNowait(item: T): void {
    if (this.#shutDown !== undefined) throw this.#shutDownError()
    if (this.#isFull()) throw new QueueFull(`Queue is full (maxsize ${this.#maxsize})`)
    this.#insert(item)
  }

  /**
   * Removes and returns the oldest item, waiting (FIFO among getters) while the queue is empty.
   * Once the queue is closed and drained (at once after an immediate close) it rejects with `QueueShutDown`
   * (whose `cause` is the error given to `fail()`, if any). Rejects with `CancelledError(signal.reason)` when
   * `options.signal` aborts first (no item is taken), or with `TimeoutError` after `options.timeoutMs`.
   *
   * @example
   * ```ts fragment
   * const job = await queue.get({ signal })
   * ```
   */
  get(options?: BlockingOptions): Promise<T> {
    assertWaitOptions(options)
    const aborted = rejectIfAborted(options?.signal)
    if (aborted !== undefined) return aborted
    if (this.size > 0) return Promise.resolve(this.#take())
    if (this.#shutDown !== undefined) return rejected(this.#shutDownError())
    return this.#getters.wait({ signal: options?.signal, timeoutMs: options?.timeoutMs, clock: options?.clock }, undefined)
  }

  /**
   * Removes and returns the oldest item without waiting.
   *
   * @throws QueueEmpty when there is none; QueueShutDown when there is none and the queue is closed or failed
   * @example
   * ```ts fragment
   * while (queue.size > 0) batch.push(queue.getNowait())
   * ```
   */
  getNowait(): T {
    if (this.size > 0) return this.#take()
    if (this.#shutDown !== undefined) throw this.#shutDownError()
    throw new QueueEmpty()
  }

  /**
   * Marks one item taken with `get` as processed; when none is left unfinished, `join()` callers wake up.
   *
   * @throws InvalidStateError when called more times than items were put
   * @example
   * ```ts fragment
   * const job = await queue.get()
   * try { await run(job) } finally { queue.taskDone() }
   * ```
   */
  taskDone(): void {
    if (this.#unfinished <= 0) throw new InvalidStateError('Queue.taskDone() called more times than items were put')
    this.#unfinished--
    this.#checkJoin()
  }

  /**
   * Resolves once every item put so far has been marked done with `taskDone()` (at once when none is unfinished).
   * Rejects with `CancelledError(signal.reason)` when `options.signal` aborts first, or with `TimeoutError` after
   * `options.timeoutMs`.
   *
   * @example
   * ```ts fragment
   * await queue.join() // all work handed out so far is finished
   * ```
   */
  join(options?: BlockingOptions): Promise<void> {
    assertWaitOptions(options)
    const aborted = rejectIfAborted(options?.signal)
    if (aborted !== undefined) return aborted
    if (this.#unfinished === 0) return Promise.resolve()
    return this.#joinWaiters.wait(options)
  }

  /**
   * Shuts the queue down (Python 3.13's `Queue.shutdown`): blocked and later `put` calls reject with
   * `QueueShutDown`; `get` returns the remaining items, then rejects with `QueueShutDown`. `immediate` drops the
   * remaining items (counting them as done, which can wake `join()`) and wakes every blocked getter at once.
   * Calling it again is harmless (a later `immediate: true` still drops the items).
   *
   * @example
   * ```ts fragment
   * queue.close()                     // let consumers drain what is queued
   * queue.close({ immediate: true })  // drop it
   * ```
   */
  close(options?: QueueCloseOptions): void {
    assertOptionalObject('options', options)
    const immediate = options?.immediate ?? false
    assertBoolean('options.immediate', immediate)
    if (this.#shutDown === undefined) this.#shutDown = { immediate, failed: false, cause: undefined }
    else if (immediate) this.#shutDown.immediate = true
    this.#applyShutDown()
  }

  /**
   * Shuts the queue down because the producer failed: items queued before the call are still delivered; then
   * blocked and later `get()` calls (and every `put()`) reject with a `QueueShutDown` whose `cause` is `error`.
   * Has no effect on a queue that is already closed or failed.
   *
   * @example
   * ```ts fragment
   * try { for await (const row of readRows()) await queue.put(row) }
   * catch (error) { queue.fail(error) }
   * ```
   */
  fail(error: unknown): void {
    if (this.#shutDown !== undefined) return
    this.#shutDown = { immediate: false, failed: true, cause: error }
    this.#applyShutDown()
  }

  #applyShutDown(): void {
    this.#putters.rejectAll(() => this.#shutDownError())
    if (this.#shutDown!.immediate) {
      const count = this.size
      this.#items.clear()
      this.#dropped(count)
    }
    // Getters only block on an empty queue, so every blocked one has nothing left to receive.
    this.#getters.rejectAll(() => this.#shutDownError())
  }

  #shutDownError(): QueueShutDown {
    const state = this.#shutDown!
    if (state.failed) return new QueueShutDown('Queue was failed by its producer', { cause: state.cause })
    return new QueueShutDown()
  }

  #isFull(): boolean {
    return this.#maxsize > 0 && this.size + this.#inTransitGets + this.#reservedSlots >= this.#maxsize
  }

  #insert(item: T): void {
    this.#items.push(item)
    this.#unfinished++
    // Hand items to blocked getters right away, oldest first.
    while (this.size > 0 && this.#getters.size > 0) {
      const next = this.#items.shift()
      this.#inTransitGets++
      this.#getters.handOff(next)
    }
  }

  #take(): T {
    const item = this.#items.shift()
    this.#wakePutters()
    return item
  }

  // A getter gave up after being handed `item`: the next getter gets it, else it goes back to the front.
  #returnItem(item: T): void {
    if (this.#shutDown?.immediate === true) {
      this.#inTransitGets--
      this.#dropped(1)
      return
    }
    if (this.#getters.size > 0) {
      this.#getters.handOff(item)
      return
    }
    this.#inTransitGets--
    this.#items.unshift(item)
  }

  #wakePutters(): void {
    while (this.#shutDown === undefined && this.#putters.size > 0 && !this.#isFull()) {
      this.#reservedSlots++
      this.#putters.handOff(undefined)
    }
  }

  // Items dropped by an immediate shutdown count as done, as in Python.
  #dropped(count: number): void {
    this.#unfinished = Math.max(0, this.#unfinished - count)
    this.#checkJoin()
  }

  #checkJoin(): void {
    if (this.#unfinished === 0) this.#joinWaiters.wakeAll()
  }
}
