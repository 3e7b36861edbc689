/**
 * `wait()`: wait for a set of running promises until the first completes, the first fails, or all are done, and
 * report which are done. Nothing is ever cancelled here; consuming results one by one is in `as-completed.ts`.
 */
import type { Clock } from '../clock/clock.js'
import { expectedMessage } from '../internal/validate.js'
import { Waiter, assertWaitOptions, collectThenables, rejectIfAborted } from '../internal/waiter.js'

/**
 * When {@link wait} returns.
 *
 * @example
 * ```ts fragment
 * const { done, pending } = await wait(promises, { returnWhen: 'FIRST_COMPLETED' })
 * ```
 */
export type ReturnWhen = 'FIRST_COMPLETED' | 'FIRST_EXCEPTION' | 'ALL_COMPLETED'

/**
 * Options of {@link wait}.
 *
 * @example
 * ```ts fragment
 * const { done, pending } = await wait(promises, { timeoutMs: 1_000, returnWhen: 'ALL_COMPLETED' })
 * ```
 */
export interface WaitOptions {
  /** Milliseconds after which `wait` returns whatever is done by then; nothing is cancelled. @default Infinity */
  timeoutMs?: number
  /**
   * `FIRST_COMPLETED`: as soon as one settles. `FIRST_EXCEPTION`: as soon as one rejects, else when all have
   * settled. `ALL_COMPLETED`: when all have settled.
   * @default 'ALL_COMPLETED'
   */
  returnWhen?: ReturnWhen
  /** Aborting it rejects `wait` with `CancelledError(signal.reason)` (the tasks are left alone). */
  signal?: AbortSignal
  /** The clock `timeoutMs` is measured on. @default realClock */
  clock?: Clock
}

/**
 * What {@link wait} resolves with: the original promise objects, split by whether they have settled.
 *
 * @example
 * ```ts fragment
 * const result: WaitResult<Promise<number>> = await wait([a, b], { timeoutMs: 100 })
 * for (const p of result.pending) console.log('still running', p)
 * ```
 */
export interface WaitResult<T> {
  /** Settled (resolved or rejected). */
  done: Set<T>
  /** Still running. */
  pending: Set<T>
}

const RETURN_WHEN: readonly ReturnWhen[] = ['FIRST_COMPLETED', 'FIRST_EXCEPTION', 'ALL_COMPLETED']

/**
 * Waits for the promises in `tasks` and resolves with `{ done, pending }`: sets of the **original** objects
 * (duplicates count once). It never rejects because of the tasks (look at them to get their outcome) and never
 * cancels them, not even at the timeout. The timeout starts at the call; its timer and the abort listener are
 * removed when `wait` settles.
 *
 * The counterpart of Python's `asyncio.wait()`; with `FIRST_COMPLETED` it is a `Promise.race` that tells you which
 * one won and never rejects, with `ALL_COMPLETED` a `Promise.allSettled` that keeps the objects.
 *
 * @throws TypeError synchronously when `tasks` is not an iterable of thenables, RangeError when it is empty or an
 *   option is out of range
 * @example
 * ```ts
 * import { wait, sleep } from '@tsab/core'
 * const fast = sleep(5).then(() => 'fast')
 * const slow = sleep(50).then(() => 'slow')
 * const { done, pending } = await wait([fast, slow], { returnWhen: 'FIRST_COMPLETED' })
 * console.log(done.has(fast), pending.has(slow))
 * ```
 * ```text
 * true true
 * ```
 */
export function wait<T extends PromiseLike<unknown>>(tasks: Iterable<T>, options?: WaitOptions): Promise<WaitResult<T>> {
  const list = collectThenables(tasks, false)
  assertWaitOptions(options)
  const returnWhen = options?.returnWhen ?? 'ALL_COMPLETED'
  if (!RETURN_WHEN.includes(returnWhen)) {
    throw new RangeError(expectedMessage('options.returnWhen', `one of ${RETURN_WHEN.join(', ')}`, returnWhen))
  }
  const signal = options?.signal
  // The tasks that have settled so far; `done`/`pending` are snapshots of it taken when wait() returns.
  const settledSet = new Set<T>()
  const snapshot = (): WaitResult<T> => ({
    done: new Set(list.filter((task) => settledSet.has(task))),
    pending: new Set(list.filter((task) => !settledSet.has(task))),
  })
  let waiter: Waiter<WaitResult<T>> | undefined
  let finishing = false
  const onSettled = (task: T, ok: boolean): void => {
    settledSet.add(task)
    if (waiter === undefined || finishing) return
    const trigger =
      settledSet.size === list.length || returnWhen === 'FIRST_COMPLETED' || (returnWhen === 'FIRST_EXCEPTION' && !ok)
    if (!trigger) return
    finishing = true
    // One microtask later, so tasks that settled in the same turn are reported as done too.
    queueMicrotask(() => waiter!.resolve(snapshot()))
  }
  // Observed before anything else (even an aborted signal), so none can become an unhandled rejection.
  for (const task of list) {
    Promise.resolve(task).then(
      () => onSettled(task, true),
      () => onSettled(task, false),
    )
  }
  const aborted = rejectIfAborted(signal)
  if (aborted !== undefined) return aborted
  const timeoutMs = options?.timeoutMs
  waiter = new Waiter<WaitResult<T>>({ signal, clock: options?.clock })
  if (timeoutMs !== undefined && timeoutMs !== Infinity) {
    // The deadline resolves with what is done by then (the waiter's own timeout would reject instead).
    const deadline = new Waiter<void>({ clock: options?.clock, timeoutMs, resolveOnTimeout: true })
    deadline.promise.then(() => waiter!.resolve(snapshot()))
    // Settling first disarms the deadline's timer (resolving a settled waiter is a no-op).
    const disarm = (): void => void deadline.resolve(undefined)
    waiter.promise.then(disarm, disarm)
  }
  return waiter.promise
}
