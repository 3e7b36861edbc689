/**
 * `link()` and `awaitChild()`: how two task handles affect each other. Erlang-style links, and awaiting a child
 * while telling "I was cancelled" apart from "my child was cancelled". The handles themselves are `Task`s.
 */
import { CancelledError, ChildCancelledError } from '../errors/cancellation.js'
import type { TaskHandle } from '../tasks/task-types.js'
import { assertBoolean, assertOptionalObject, assertOptionalSignal, expectedMessage, isThenable } from '../internal/validate.js'
import { rejected } from '../internal/observed.js'
import { Waiter } from '../internal/waiter.js'

function assertHandle(name: string, value: unknown): asserts value is TaskHandle<unknown> {
  const handle = value as Partial<TaskHandle<unknown>> | null
  if (typeof value !== 'object' || handle === null || typeof handle.cancel !== 'function' || !isThenable(handle.settled)) {
    throw new TypeError(expectedMessage(name, 'a TaskHandle', value))
  }
}

// The reason a cancelled handle was cancelled with (its error is a CancelledError carrying it).
function cancelReasonOf(handle: TaskHandle<unknown>): unknown {
  const error = handle.error
  return error instanceof CancelledError ? error.reason : error
}

/**
 * Links two tasks, Erlang-style: when either one **fails**, the other is cancelled with the failure as its abort
 * reason; when either one is **cancelled**, the other is cancelled with a `CancelledError` that names the first
 * (its `reason` is the first one's cancel reason). A task that **succeeds** cancels nothing. The link fires at most
 * once, so two linked tasks never cancel each other in a loop; linking a task that has already failed or been
 * cancelled cancels the other at once (on the next microtask).
 *
 * Compare Erlang's `link/1` and Effection's linked scopes; asyncio has no direct counterpart (a TaskGroup links
 * all its children to each other).
 *
 * @returns `unlink`: call it to remove the link (idempotent)
 * @throws TypeError synchronously when an argument is not a TaskHandle
 * @example
 * ```ts
 * import { TaskGroup, link, sleep, CancelledError } from '@tsab/core'
 * await TaskGroup.run(async (group) => {
 *   const reader = group.spawn((signal) => sleep(60_000, { signal }), { name: 'reader' })
 *   const writer = group.spawn((signal) => sleep(60_000, { signal }), { name: 'writer' })
 *   link(reader, writer)
 *   reader.cancel('connection closed')
 *   await writer.settled
 *   console.log(writer.state, (writer.error as CancelledError).message)
 * })
 * ```
 * ```text
 * cancelled Operation was cancelled: CancelledError: Linked task "reader" was cancelled
 * ```
 */
export function link(a: TaskHandle, b: TaskHandle): () => void {
  assertHandle('a', a)
  assertHandle('b', b)
  let linked = true
  const propagate = (from: TaskHandle, to: TaskHandle): void => {
    if (!linked) return
    if (from.state === 'failed') {
      linked = false
      to.cancel(from.error)
    } else if (from.state === 'cancelled') {
      linked = false
      to.cancel(new CancelledError(cancelReasonOf(from), `Linked task "${from.name}" was cancelled`))
    }
  }
  a.settled.then(() => propagate(a, b))
  b.settled.then(() => propagate(b, a))
  return () => {
    linked = false
  }
}

/**
 * Options of {@link awaitChild}.
 *
 * @example
 * ```ts fragment
 * const value = await awaitChild(child, { signal, propagate: false }) // my cancellation leaves the child running
 * ```
 */
export interface AwaitChildOptions {
  /** The caller's own signal: aborting it rejects with `CancelledError(signal.reason)`. */
  signal?: AbortSignal
  /**
   * Cancel the child (with the same reason) when the caller's signal aborts.
   * @default true
   */
  propagate?: boolean
}

/**
 * Waits for a child task and reports **whose** cancellation it was:
 *
 * - the child succeeded → its value; the child failed → its error;
 * - the child was cancelled by someone else → `ChildCancelledError` (a `CancelledError`) whose `reason` is the
 *   child's cancel reason;
 * - the caller's own `options.signal` aborted → `CancelledError` with the caller's reason, at once; the child is
 *   cancelled with that reason too unless `propagate: false` (await `child.settled` to wait for its cleanup).
 *
 * With plain promises both cases look the same; this is the distinction asyncio makes between `CancelledError`
 * raised into the awaiting task and a cancelled task being awaited (and Trio/Effection make through scopes).
 *
 * @throws TypeError synchronously for a bad handle or options
 * @example
 * ```ts
 * import { TaskGroup, awaitChild, sleep, ChildCancelledError } from '@tsab/core'
 * await TaskGroup.run(async (group) => {
 *   const child = group.spawn((signal) => sleep(60_000, { signal }))
 *   setTimeout(() => child.cancel('not needed'), 5)
 *   try {
 *     await awaitChild(child, { signal: group.signal })
 *   } catch (error) {
 *     if (error instanceof ChildCancelledError) console.log('child was cancelled:', error.reason)
 *   }
 * })
 * ```
 * ```text
 * child was cancelled: not needed
 * ```
 */
export function awaitChild<T>(child: TaskHandle<T>, options?: AwaitChildOptions): Promise<T> {
  assertHandle('child', child)
  assertOptionalObject('options', options)
  const signal = options?.signal
  assertOptionalSignal('options.signal', signal)
  const propagate = options?.propagate ?? true
  assertBoolean('options.propagate', propagate)
  if (signal?.aborted === true) {
    if (propagate) child.cancel(signal.reason)
    return rejected(new CancelledError(signal.reason))
  }
  const waiter = new Waiter<T>({
    signal,
    onGiveUp: () => {
      if (propagate) child.cancel(signal!.reason)
    },
  })
  child.settled.then((handle) => {
    if (handle.state === 'succeeded') waiter.resolve(handle.value as T)
    else if (handle.state === 'cancelled') waiter.reject(new ChildCancelledError(cancelReasonOf(handle)))
    else waiter.reject(handle.error)
  })
  return waiter.promise
}
