/**
 * `TaskGroup`: structured concurrency (asyncio's TaskGroup, Trio's nursery). The group owns its children: it
 * starts them (on its own task engine), cancels them together and does not finish before every one has.
 * Fire-and-forget work that outlives its caller belongs to the TaskService instead.
 */
import { realClock } from '../clock/clock.js'
import { CancelledError, isCancellation } from '../errors/cancellation.js'
import { InvalidStateError } from '../errors/errors.js'
import { TaskEngine } from '../tasks/engine.js'
import type { Task } from '../tasks/task.js'
import type { TaskFunction, TaskHandle } from '../tasks/task-types.js'
import { assertFunction, assertOptionalObject, assertOptionalSignal, assertString } from '../internal/validate.js'
import { observed, rejected } from '../internal/observed.js'
import { onAbort } from '../internal/waiter.js'

/**
 * Options of {@link TaskGroup.run}.
 *
 * @example
 * ```ts fragment
 * await TaskGroup.run(async (group) => { group.spawn(work) }, { signal: AbortSignal.timeout(10_000) })
 * ```
 */
export interface TaskGroupOptions {
  /** The parent's signal: aborting it cancels every child, and `run` rejects with `CancelledError(signal.reason)`. */
  signal?: AbortSignal
}

/**
 * Options of {@link TaskGroup.spawn}.
 *
 * @example
 * ```ts fragment
 * await TaskGroup.run(async (group) => { group.spawn((signal) => download(url, signal), { name: 'download' }) })
 * ```
 */
export interface TaskGroupSpawnOptions {
  /** The child's name. @default the function's name, else `task-${id}` */
  name?: string
}

/**
 * A scope for concurrent child tasks. Create one with {@link TaskGroup.run}, start children with
 * {@link TaskGroup.spawn}; `run` settles only once the body and every child have finished.
 *
 * - The first **real** failure (of a child, or of the body itself) aborts `group.signal` (the body's signal), and
 *   through it every other child, with a `CancelledError` whose `reason` is that failure.
 * - `run` then rejects with an `AggregateError` whose `errors` are the real failures only, in the order they
 *   happened; cancellations are never included. It does so only after every child has settled (its `finally`
 *   blocks ran).
 * - Aborting the parent `options.signal` cancels the children (their signals abort with the parent's reason) and
 *   `run` rejects with `CancelledError(parent reason)` once they have settled (real failures still win).
 * - A child cancelled on its own (`handle.cancel()`) is not a failure: the others go on.
 * - Otherwise `run` resolves with the body's return value.
 *
 * The counterpart of Python's `asyncio.TaskGroup` and Trio's nursery; compared with `Promise.all`, nothing is
 * left running behind your back and failures cancel the siblings.
 *
 * @example
 * ```ts
 * import { TaskGroup, sleep } from '@tsab/core'
 * try {
 *   await TaskGroup.run(async (group) => {
 *     group.spawn(async (signal) => {
 *       try {
 *         await sleep(60_000, { signal })
 *       } finally {
 *         console.log('slow child cleaned up')
 *       }
 *     })
 *     group.spawn(async () => {
 *       await sleep(5)
 *       throw new Error('boom')
 *     })
 *   })
 * } catch (error) {
 *   console.log((error as AggregateError).errors.map((e) => (e as Error).message))
 * }
 * ```
 * ```text
 * slow child cleaned up
 * [ 'boom' ]
 * ```
 */
export class TaskGroup {
  // group.signal: aborted on the first failure, on a parent abort, or when the body is cancelled.
  readonly #controller = new AbortController()
  // 'finished' once the body and every child are done: spawn() is refused from then on.
  #state: 'running' | 'finished' = 'running'
  // The children: queued until the next microtask, then running until they settle. It logs nothing: run() reports.
  readonly #children = new TaskEngine({ clock: realClock, startOn: 'microtask', taskDone: (task) => this.#childSettled(task) })
  // Real failures, in the order they happened.
  readonly #errors: unknown[] = []
  #bodyDone = false
  // Resolves run()'s wait for the last child.
  #idle: (() => void) | undefined
  #parentAborted = false
  #parentReason: unknown

  private constructor() {}

  /** Aborted when the group is cancelled (first failure, parent abort); pass it to the work the body does itself. */
  get signal(): AbortSignal {
    return this.#controller.signal
  }

  /**
   * Runs `body(group)` and waits for it and every child it spawns. See {@link TaskGroup} for the failure rules.
   * An already aborted `options.signal` rejects at once without calling `body`.
   *
   * @returns the body's value, once every child has finished
   * @throws TypeError synchronously for a bad `body` or options
   * @example
   * ```ts
   * import { TaskGroup, sleep } from '@tsab/core'
   * const total = await TaskGroup.run(async (group) => {
   *   const a = group.spawn(async (signal) => { await sleep(5, { signal }); return 1 })
   *   const b = group.spawn(async () => 2)
   *   return (await a.result) + (await b.result)
   * })
   * console.log(total)
   * ```
   * ```text
   * 3
   * ```
   */
  static run<R>(body: (group: TaskGroup) => R | Promise<R>, options?: TaskGroupOptions): Promise<R> {
    assertFunction('body', body)
    assertOptionalObject('options', options)
    const parent = options?.signal
    assertOptionalSignal('options.signal', parent)
    if (parent?.aborted === true) return rejected(new CancelledError(parent.reason))
    return observed(new TaskGroup().#run(body, parent))
  }

  /**
   * Starts `task(signal)` as a child of the group and returns its handle. The child is started on the next
   * microtask (never inside `spawn`), so the handle is `queued` when returned; children start in spawn order.
   * Its signal aborts when the group is cancelled or when `handle.cancel()` is called.
   *
   * @throws InvalidStateError when the group has finished or is being cancelled; TypeError for bad arguments
   * @example
   * ```ts fragment
   * const handle = group.spawn((signal) => fetchPage(url, signal), { name: `fetch ${url}` })
   * ```
   */
  spawn<T>(task: TaskFunction<T>, options?: TaskGroupSpawnOptions): TaskHandle<T> {
    assertFunction('task', task)
    assertOptionalObject('options', options)
    const name = options?.name
    if (name !== undefined) assertString('options.name', name)
    if (this.#state === 'finished') {
      throw new InvalidStateError('TaskGroup.spawn() called on a finished group (state: finished, expected: running)')
    }
    if (this.signal.aborted) {
      throw new InvalidStateError('TaskGroup.spawn() called while the group is being cancelled (state: aborting, expected: running)')
    }
    return this.#children.spawn(task, { name, signal: this.signal })
  }

  async #run<R>(body: (group: TaskGroup) => R | Promise<R>, parent: AbortSignal | undefined): Promise<R> {
    const removeListener = onAbort(parent, (reason) => {
      this.#parentAborted = true
      this.#parentReason = reason
      this.#abort(reason)
    })
    let value: R | undefined
    let bodyFailed = false
    let bodyError: unknown
    try {
      value = await body(this)
    } catch (error) {
      bodyFailed = true
      bodyError = error
      // Like a child: rejecting with the group signal's own reason after it aborted (throwIfAborted()) is a cancellation.
      const ownAbort = this.signal.aborted && error === this.signal.reason
      if (!isCancellation(error) && !ownAbort) this.#fail(error)
      // The body was cancelled by something else than the group: its children go with it.
      else this.#abort(error)
    }
    this.#bodyDone = true
    if (this.#children.size === 0) this.#state = 'finished'
    else await new Promise<void>((resolve) => (this.#idle = resolve))
    removeListener()
    if (this.#errors.length > 0) {
      const count = this.#errors.length
      throw new AggregateError(this.#errors, `TaskGroup failed: ${count} ${count === 1 ? 'error' : 'errors'}`)
    }
    if (this.#parentAborted) throw new CancelledError(this.#parentReason)
    if (bodyFailed) throw bodyError
    return value as R
  }

  #childSettled(task: Task): void {
    if (task.state === 'failed') this.#fail(task.error)
    // Finished in the same turn as the last child, so no spawn() can slip in before run() resumes.
    if (this.#children.size === 0 && this.#bodyDone) {
      this.#state = 'finished'
      this.#idle?.()
    }
  }

  #fail(error: unknown): void {
    this.#errors.push(error)
    this.#abort(new CancelledError(error, 'TaskGroup cancelled because a task failed'))
  }

  #abort(reason: unknown): void {
    if (!this.#controller.signal.aborted) this.#controller.abort(reason)
  }
}
