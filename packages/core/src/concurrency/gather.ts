/**
 * `gather()`: run several tasks at once and collect their results in argument order. Choosing among results as
 * they arrive is in `wait.ts` and `as-completed.ts`; waiting for every child's cleanup is `TaskGroup`'s job.
 */
import { CancelledError } from '../errors/cancellation.js'
import type { Schedulable } from '../tasks/task-types.js'
import { assertBoolean, assertOptionalObject, assertOptionalSignal, expectedMessage, isThenable } from '../internal/validate.js'
import { rejected } from '../internal/observed.js'
import { Waiter, observe } from '../internal/waiter.js'

/**
 * Options of {@link gather}.
 *
 * @example
 * ```ts fragment
 * const results = await gather([() => 1, async () => { throw new Error('x') }], { returnExceptions: true })
 * // [1, Error: x]
 * ```
 */
export interface GatherOptions {
  /**
   * Place errors (and cancellations) in the result array instead of rejecting with the first one.
   * @default false
   */
  returnExceptions?: boolean
  /**
   * Aborting it aborts the signal of every unfinished function child with the same reason, and the call rejects
   * at once with `CancelledError(signal.reason)`.
   */
  signal?: AbortSignal
}

/**
 * Runs `tasks` concurrently and resolves with their results in argument order.
 *
 * Each function child is called at once (synchronously, inside `gather`) with its own `AbortSignal`; a thenable
 * child is awaited as it is. Without `returnExceptions`, the first failure rejects `gather` while the other children
 * **keep running** (as in asyncio; their later outcomes are observed, never unhandled). With it, each error takes its
 * child's place in the array. Aborting `options.signal` cancels every unfinished function child (its signal aborts
 * with the same reason) and rejects at once with `CancelledError`; an already aborted signal rejects without calling
 * any child. Once `gather` has settled, its signal no longer affects the children.
 *
 * The counterpart of Python's `asyncio.gather()`, and of `Promise.all` (or `Promise.allSettled`-like with
 * `returnExceptions`), but with cancellation.
 *
 * @throws TypeError synchronously when `tasks` is not an array of functions and thenables
 * @example
 * ```ts
 * import { gather, sleep } from '@tsab/core'
 * const [a, b] = await gather([
 *   async (signal) => { await sleep(10, { signal }); return 'a' },
 *   Promise.resolve('b'),
 * ])
 * console.log(a, b)
 * const results = await gather([async () => 1, async () => { throw new Error('boom') }], { returnExceptions: true })
 * console.log(results[0], (results[1] as Error).message)
 * ```
 * ```text
 * a b
 * 1 boom
 * ```
 */
export function gather<T>(tasks: Array<Schedulable<T>>, options?: GatherOptions & { returnExceptions?: false }): Promise<T[]>
export function gather<T>(tasks: Array<Schedulable<T>>, options?: GatherOptions): Promise<Array<T | unknown>>
export function gather<T>(tasks: Array<Schedulable<T>>, options?: GatherOptions): Promise<Array<T | unknown>> {
  if (!Array.isArray(tasks)) throw new TypeError(expectedMessage('tasks', 'an array of functions and promises', tasks))
  tasks.forEach((task, index) => {
    if (typeof task !== 'function' && !isThenable(task)) {
      throw new TypeError(expectedMessage(`tasks[${index}]`, 'a function or a promise (thenable)', task))
    }
  })
  assertOptionalObject('options', options)
  const returnExceptions = options?.returnExceptions ?? false
  assertBoolean('options.returnExceptions', returnExceptions)
  const signal = options?.signal
  assertOptionalSignal('options.signal', signal)

  if (signal?.aborted === true) {
    // Thenables are already running: observe them so their rejections stay handled; call no function.
    for (const task of tasks) if (typeof task !== 'function') observe(task)
    return rejected(new CancelledError(signal.reason))
  }

  // One controller per unfinished function child, so an abort of gather reaches only those still running.
  const controllers = new Map<number, AbortController>()
  const waiter = new Waiter<Array<T | unknown>>({
    signal,
    onGiveUp: (error) => {
      const reason = (error as CancelledError).reason
      for (const controller of controllers.values()) controller.abort(reason)
      controllers.clear()
    },
  })
  const results = new Array<T | unknown>(tasks.length)
  let remaining = tasks.length
  const childSettled = (index: number, ok: boolean, value: unknown): void => {
    controllers.delete(index)
    if (!ok && !returnExceptions) {
      waiter.reject(value)
      return
    }
    results[index] = value
    if (--remaining === 0) waiter.resolve(results)
  }
  if (remaining === 0) waiter.resolve(results)
  tasks.forEach((task, index) => {
    let out: T | PromiseLike<T>
    if (typeof task === 'function') {
      const controller = new AbortController()
      controllers.set(index, controller)
      try {
        out = task(controller.signal)
      } catch (error) {
        childSettled(index, false, error)
        return
      }
    } else {
      out = task
    }
    observe(out).then(
      (value) => childSettled(index, true, value),
      (error: unknown) => childSettled(index, false, error),
    )
  })
  return waiter.promise
}
