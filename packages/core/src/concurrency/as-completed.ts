/**
 * `asCompleted()`: iterate over running promises in the order they settle. Waiting for a condition over the whole
 * set is in `wait.ts`; nothing here cancels the promises.
 */
import { type Clock, realClock } from '../clock/clock.js'
import { CancelledError, TimeoutError } from '../errors/cancellation.js'
import { assertNumber, assertOptionalObject, assertOptionalSignal } from '../internal/validate.js'
import { observed } from '../internal/observed.js'
import { assertOptionalClock, collectThenables, onAbort } from '../internal/waiter.js'

/**
 * Options of {@link asCompleted}.
 *
 * @example
 * ```ts fragment
 * for await (const p of asCompleted(promises, { timeoutMs: 5_000 })) console.log(await p)
 * ```
 */
export interface AsCompletedOptions {
  /**
   * Milliseconds, from the call, after which the iterator throws `TimeoutError` (once the promises that settled
   * before the deadline have been yielded). The promises keep running. @default Infinity
   */
  timeoutMs?: number
  /** Aborting it makes the iterator throw `CancelledError(signal.reason)`; the promises keep running. */
  signal?: AbortSignal
  /** The clock `timeoutMs` is measured on. @default realClock */
  clock?: Clock
}

/**
 * Returns an async iterable that yields the **original** promise objects of `tasks` in the order they settle
 * (resolved or rejected: `await` the yielded object to get its value or error). Duplicates count once.
 *
 * At the deadline the iterator throws `TimeoutError` (after yielding what settled before it) and ends; the
 * remaining promises are left running. The timer and abort listener are removed when every promise has been
 * yielded, at the deadline, on abort, or when the loop is left early (`break`).
 *
 * The counterpart of Python's `asyncio.as_completed()` (3.13 style: it yields the original objects); for plain
 * promises there is no built-in equivalent, `Promise.race` in a loop is the usual (quadratic) workaround.
 *
 * @throws TypeError synchronously when `tasks` is not an iterable of thenables; RangeError for a bad `timeoutMs`
 * @example
 * ```ts
 * import { asCompleted, sleep } from '@tsab/core'
 * const slow = sleep(30).then(() => 'slow')
 * const fast = sleep(5).then(() => 'fast')
 * for await (const task of asCompleted([slow, fast])) console.log(await task)
 * ```
 * ```text
 * fast
 * slow
 * ```
 */
export function asCompleted<T extends PromiseLike<unknown>>(tasks: Iterable<T>, options?: AsCompletedOptions): AsyncIterable<T> {
  const list = collectThenables(tasks, true)
  assertOptionalObject('options', options)
  const timeoutMs = options?.timeoutMs
  if (timeoutMs !== undefined) assertNumber('options.timeoutMs', timeoutMs, { min: 0, allowInfinity: true })
  const signal = options?.signal
  assertOptionalSignal('options.signal', signal)
  assertOptionalClock('options.clock', options?.clock)
  const clock = options?.clock ?? realClock

  // Settled but not yet yielded, in settling order.
  const ready: T[] = []
  // The pending next() calls, oldest first.
  const takers: Array<{ resolve: (result: IteratorResult<T>) => void; reject: (error: unknown) => void }> = []
  let unsettled = list.length
  let yielded = 0
  // Set at the deadline / abort: thrown once everything settled before it has been yielded.
  let failure: unknown
  let finished = false
  let timer: unknown
  let timerArmed = false
  let removeListener: () => void = () => {}

  const cleanup = (): void => {
    removeListener()
    removeListener = () => {}
    if (timerArmed) {
      timerArmed = false
      clock.clearTimeout(timer)
    }
  }
  const pump = (): void => {
    while (takers.length > 0) {
      if (ready.length > 0) {
        yielded++
        takers.shift()!.resolve({ value: ready.shift()!, done: false })
      } else if (finished) {
        takers.shift()!.resolve({ value: undefined, done: true })
      } else if (failure !== undefined) {
        finished = true
        cleanup()
        takers.shift()!.reject(failure)
      } else if (yielded === list.length) {
        finished = true
        takers.shift()!.resolve({ value: undefined, done: true })
      } else {
        return
      }
    }
  }
  for (const task of list) {
    const settle = (): void => {
      unsettled--
      if (finished || failure !== undefined) return
      ready.push(task)
      if (unsettled === 0) cleanup()
      pump()
    }
    Promise.resolve(task).then(settle, settle)
  }
  if (signal?.aborted === true) {
    failure = new CancelledError(signal.reason)
  } else if (list.length > 0) {
    removeListener = onAbort(signal, (reason) => {
      failure ??= new CancelledError(reason)
      cleanup()
      pump()
    })
    if (timeoutMs !== undefined && timeoutMs !== Infinity) {
      timerArmed = true
      timer = clock.setTimeout(() => {
        timerArmed = false
        failure ??= new TimeoutError(timeoutMs)
        cleanup()
        pump()
      }, timeoutMs)
    }
  }

  const iterator: AsyncIterableIterator<T> = {
    next(): Promise<IteratorResult<T>> {
      // Observed: a next() that rejects at the deadline may be awaited only later.
      return observed(
        new Promise((resolve, reject) => {
          takers.push({ resolve, reject })
          pump()
        }),
      )
    },
    return(): Promise<IteratorResult<T>> {
      finished = true
      ready.length = 0
      cleanup()
      pump()
      return Promise.resolve({ value: undefined, done: true })
    },
    [Symbol.asyncIterator]() {
      return iterator
    },
  }
  return iterator
}
