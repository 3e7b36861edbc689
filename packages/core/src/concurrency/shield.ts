/**
 * `shield()`: stop waiting for a promise without stopping it. The promise keeps running and stays observed.
 */
import { assertOptionalObject, assertOptionalSignal, expectedMessage, isThenable } from '../internal/validate.js'
import { Waiter, observe, rejectIfAborted } from '../internal/waiter.js'

/**
 * Options of {@link shield}.
 *
 * @example
 * ```ts fragment
 * const saved = await shield(saveToDisk(), { signal })
 * ```
 */
export interface ShieldOptions {
  /** Aborting it rejects the returned promise with `CancelledError(signal.reason)`; `task` is not touched. */
  signal?: AbortSignal
}

/**
 * Returns a promise that follows `task`, except that it rejects with `CancelledError` (whose `reason` is
 * `signal.reason`) as soon as `options.signal` aborts. The task itself keeps running; if it later rejects, that
 * rejection is observed and never becomes an unhandled rejection.
 *
 * The counterpart of Python's `asyncio.shield()`. Use it for cleanup that must finish even when the caller is
 * cancelled (flushing a buffer, committing a transaction): start the work, shield the wait.
 *
 * @throws TypeError synchronously when `task` is not a thenable
 * @example
 * ```ts
 * import { shield, sleep, CancelledError } from '@tsab/core'
 * const controller = new AbortController()
 * const flush = sleep(20).then(() => 'flushed')
 * setTimeout(() => controller.abort('shutdown'), 5)
 * try {
 *   await shield(flush, { signal: controller.signal })
 * } catch (error) {
 *   if (error instanceof CancelledError) console.log('stopped waiting:', error.reason)
 * }
 * console.log(await flush)
 * ```
 * ```text
 * stopped waiting: shutdown
 * flushed
 * ```
 */
export function shield<T>(task: PromiseLike<T>, options?: ShieldOptions): Promise<T> {
  if (!isThenable(task)) throw new TypeError(expectedMessage('task', 'a promise (thenable)', task))
  assertOptionalObject('options', options)
  assertOptionalSignal('options.signal', options?.signal)
  const inner = observe(task)
  const aborted = rejectIfAborted(options?.signal)
  if (aborted !== undefined) return aborted
  const waiter = new Waiter<T>({ signal: options?.signal })
  inner.then(
    (value) => waiter.resolve(value),
    (error: unknown) => waiter.reject(error),
  )
  return waiter.promise
}
