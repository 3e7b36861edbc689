/**
 * `Task`: one unit of work and the handle users hold — its state machine, lazy signal, outcome and the promises
 * users await. When it starts and what happens once it has ended is decided by its engine (`engine.ts`).
 *
 * Sealed: the prototype carries exactly the `TaskHandle` members. The engine drives a task through
 * {@link taskInternals}, which only this class's static block can fill in, so nothing a user holds can start,
 * relink or abandon a task.
 */
import { CancelledError, TimeoutError, isAbortError } from '../errors/cancellation.js'
import { observed } from '../internal/observed.js'
import { stamp } from '../internal/stamp.js'
import { isThenable } from '../internal/validate.js'
import type { TaskEngine } from './engine.js'
import type { Schedulable, TaskHandle, TaskMeta, TaskState } from './task-types.js'

/** Creation options of a task (already validated and copied by the caller). @internal */
export interface TaskInit {
  readonly name?: string | undefined
  readonly owner?: string | undefined
  readonly signal?: AbortSignal | undefined
  readonly timeoutMs?: number | undefined
  readonly meta?: Readonly<TaskMeta> | undefined
}

// Per-task state most tasks never need, allocated on first use so that a plain task stays small.
interface TaskExtras {
  owner?: string | undefined
  // options.meta, already copied and frozen by the caller.
  meta?: Readonly<TaskMeta> | undefined
  // options.signal and the listener added to it (removed when the task ends).
  external?: AbortSignal | undefined
  onExternalAbort?: (() => void) | undefined
  // timeoutMs and its armed clock timer.
  timeoutMs?: number | undefined
  timer?: unknown
  // The promises users asked for, created on first access.
  result?: Promise<unknown> | undefined
  resolveResult?: ((value: unknown) => void) | undefined
  rejectResult?: ((error: unknown) => void) | undefined
  settled?: Promise<TaskHandle<unknown>> | undefined
  resolveSettled?: ((task: TaskHandle<unknown>) => void) | undefined
  // A promise task's outcome that arrived while the task was still queued.
  early?: { readonly ok: boolean; readonly value: unknown } | undefined
}

/**
 * What the engine may do to a task, and nobody else: filled in by {@link Task}'s static block.
 * @internal
 */
export interface TaskInternals {
  /** Runs a queued task now (queued → running); its engine has counted it as running. */
  start(task: Task<any>): void
  /** Ends a task that could not be run because of an internal fault: `failed` with `error`. */
  abandon(task: Task<any>, error: unknown): void
  /** When the task was created, on its engine's clock (for `ageMs`). */
  createdAt(task: Task<any>): number
  /** The next and previous task in the engine list the task is in (`TaskList`). */
  next(task: Task<any>): Task<any> | undefined
  prev(task: Task<any>): Task<any> | undefined
  /** Links `task` after `tail` (undefined: it becomes the only element). */
  linkAfter(task: Task<any>, tail: Task<any> | undefined): void
  /** Joins the task's neighbours to each other and clears its links. */
  unlink(task: Task<any>): void
}

/** @internal The engine's access to tasks; see {@link TaskInternals}. */
export const taskInternals = {} as TaskInternals

// The task whose function tsab entered last: the prime suspect when the event loop was blocked (read by the
// Application's loop monitor). One assignment per start; never cleared, so a task that blocked and then finished
// can still be named.
let lastEntered: Task<any> | undefined

/** The task whose function tsab invoked most recently (its synchronous part), if any. @internal */
export function lastEnteredTask(): TaskHandle | undefined {
  return lastEntered
}

function defaultAbortReason(): unknown {
  return new DOMException('This operation was aborted', 'AbortError')
}

/**
 * A task and its handle. Created queued by an engine; started by it; settles once.
 *
 * @internal Users get it typed as {@link TaskHandle}.
 */
export class Task<T = unknown> implements TaskHandle<T> {
  readonly id: number
  // options.name or the function's name; `task-${id}` is made on first read when neither exists.
  #name: string | undefined
  #state: TaskState = 'queued'
  // The work (function or thenable) while queued, nothing while running, the value or error once final:
  // one field, so the work's closure can be collected once started and a task stays small.
  #slot: unknown
  readonly #engine: TaskEngine
  // Created only when the signal is read, the task is cancelled, or the function declares a parameter.
  #controller: AbortController | undefined
  readonly #createdAt: number
  #startedAt: number | undefined
  #finishedAt: number | undefined
  #extras: TaskExtras | undefined
  // Neighbours in the engine's queue or running list: links on the task itself make tracking it allocate nothing.
  #prev: Task<any> | undefined
  #next: Task<any> | undefined
  // The private methods below are static and take the task: instance private methods would add a brand slot to
  // every task (8 bytes of a million tasks in flight).

  static {
    taskInternals.start = (task) => Task.#start(task)
    taskInternals.abandon = (task, error) => Task.#abandon(task, error)
    taskInternals.createdAt = (task) => task.#createdAt
    taskInternals.next = (task) => task.#next
    taskInternals.prev = (task) => task.#prev
    taskInternals.linkAfter = (task, tail) => {
      task.#prev = tail
      task.#next = undefined
      if (tail !== undefined) tail.#next = task
    }
    taskInternals.unlink = (task) => {
      const prev = task.#prev
      const next = task.#next
      if (prev !== undefined) prev.#next = next
      if (next !== undefined) next.#prev = prev
      task.#prev = task.#next = undefined
    }
  }

  constructor(id: number, work: Schedulable<T>, engine: TaskEngine, init: TaskInit | undefined) {
    this.id = id
    this.#slot = work
    this.#engine = engine
    this.#createdAt = stamp(engine.clock)
    // No closure in the constructor: one would make every task allocate a context for it (40 bytes), promise or not.
    if (typeof work === 'function') {
      if (work.name !== '') this.#name = work.name
    } else {
      Task.#follow(this, work)
    }
    if (init !== undefined) Task.#applyInit(this, init)
  }

  get name(): string {
    return (this.#name ??= `task-${this.id}`)
  }

  get owner(): string | undefined {
    return this.#extras?.owner
  }

  get meta(): Readonly<TaskMeta> | undefined {
    return this.#extras?.meta
  }

  get state(): TaskState {
    return this.#state
  }

  get value(): T | undefined {
    return this.#state === 'succeeded' ? (this.#slot as T) : undefined
  }

  get error(): unknown {
    return this.#state === 'failed' || this.#state === 'cancelled' ? this.#slot : undefined
  }

  get startedAt(): number | undefined {
    return this.#startedAt
  }

  get finishedAt(): number | undefined {
    return this.#finishedAt
  }

  get signal(): AbortSignal {
    return Task.#ensureController(this).signal
  }

  get result(): Promise<T> {
    const extras = Task.#ensureExtras(this)
    if (extras.result === undefined) {
      const state = this.#state
      if (state === 'succeeded') extras.result = Promise.resolve(this.#slot)
      else if (state === 'failed' || state === 'cancelled') extras.result = Promise.reject(this.#slot)
      else {
        extras.result = new Promise((resolve, reject) => {
          extras.resolveResult = resolve
          extras.rejectResult = reject
        })
      }
      // Reading `result` must never create an unhandled rejection by itself.
      observed(extras.result)
    }
    return extras.result as Promise<T>
  }

  get settled(): Promise<TaskHandle<T>> {
    const extras = Task.#ensureExtras(this)
    if (extras.settled === undefined) {
      if (this.#state !== 'queued' && this.#state !== 'running') extras.settled = Promise.resolve(this as TaskHandle<unknown>)
      else extras.settled = new Promise((resolve) => (extras.resolveSettled = resolve))
    }
    return extras.settled as Promise<TaskHandle<T>>
  }

  cancel(reason?: unknown): boolean {
    const state = this.#state
    if (state === 'queued') {
      // Never started: it ends at once, and its signal (read already, or made when first read) carries the reason.
      const why = reason === undefined ? defaultAbortReason() : reason
      const controller = this.#controller
      if (controller !== undefined && !controller.signal.aborted) controller.abort(why)
      this.#slot = undefined
      Task.#settle(this, 'cancelled', new CancelledError(why))
      return true
    }
    if (state !== 'running') return false
    const controller = Task.#ensureController(this)
    if (!controller.signal.aborted) controller.abort(reason === undefined ? defaultAbortReason() : reason)
    return true
  }

  static #applyInit<T>(task: Task<T>, init: TaskInit): void {
    if (init.name !== undefined) task.#name = init.name
    if (init.owner !== undefined) Task.#ensureExtras(task).owner = init.owner
    if (init.meta !== undefined) Task.#ensureExtras(task).meta = init.meta
    if (init.timeoutMs !== undefined) Task.#ensureExtras(task).timeoutMs = init.timeoutMs
    const external = init.signal
    // An already aborted signal is the engine's business (the task is cancelled right after it was counted).
    if (external !== undefined && !external.aborted) {
      const extras = Task.#ensureExtras(task)
      extras.external = external
      extras.onExternalAbort = () => task.cancel(external.reason)
      external.addEventListener('abort', extras.onExternalAbort, { once: true })
    }
  }

  static #start<T>(task: Task<T>): void {
    if (task.#state !== 'queued') return
    const work = task.#slot as Schedulable<T>
    task.#slot = undefined
    task.#state = 'running'
    const engine = task.#engine
    task.#startedAt = stamp(engine.clock)
    const extras = task.#extras
    if (extras !== undefined && extras.timeoutMs !== undefined) Task.#armTimeout(task, extras, extras.timeoutMs)
    const wrapper = engine.hasObservers ? engine.taskStarting(task) : undefined
    if (typeof work !== 'function') {
      const early = extras?.early
      if (early !== undefined) {
        extras!.early = undefined
        Task.#complete(task, early.ok, early.value)
      }
      return
    }
    let out: T | PromiseLike<T>
    lastEntered = task
    try {
      out = wrapper === undefined ? Task.#invoke(task, work) : wrapper(() => Task.#invoke(task, work))
    } catch (error) {
      Task.#complete(task, false, error)
      return
    }
    if (isThenable(out)) {
      Promise.resolve(out).then(
        (value) => Task.#complete(task, true, value),
        (error: unknown) => Task.#complete(task, false, error),
      )
    } else {
      Task.#complete(task, true, out)
    }
  }

  // A function that declares no parameter is called without a signal, so none has to be created.
  static #invoke<T>(task: Task<T>, work: (signal: AbortSignal) => T | PromiseLike<T>): T | PromiseLike<T> {
    return work.length === 0 && task.#controller === undefined ? (work as () => T)() : work(Task.#ensureController(task).signal)
  }

  static #abandon<T>(task: Task<T>, error: unknown): void {
    if (task.#state !== 'queued' && task.#state !== 'running') return
    task.#slot = undefined
    Task.#settle(task, 'failed', error)
  }

  // A promise is observed at once so it can never become an unhandled rejection, even while the task is queued.
  static #follow<T>(task: Task<T>, promise: PromiseLike<T>): void {
    Promise.resolve(promise).then(
      (value) => Task.#promiseSettled(task, true, value),
      (error: unknown) => Task.#promiseSettled(task, false, error),
    )
  }

  static #promiseSettled<T>(task: Task<T>, ok: boolean, value: unknown): void {
    if (task.#state === 'running') Task.#complete(task, ok, value)
    else if (task.#state === 'queued') Task.#ensureExtras(task).early = { ok, value }
    // Already cancelled while queued: the outcome is ignored (it was observed, so nothing is unhandled).
  }

  // The running work ended: classify the outcome.
  static #complete<T>(task: Task<T>, ok: boolean, value: unknown): void {
    if (task.#state !== 'running') return
    if (ok) {
      Task.#settle(task, 'succeeded', value)
      return
    }
    if (value instanceof CancelledError) {
      Task.#settle(task, 'cancelled', value)
      return
    }
    const signal = task.#controller?.signal
    if (signal !== undefined && signal.aborted && (value === signal.reason || isAbortError(value))) {
      Task.#settle(task, 'cancelled', new CancelledError(signal.reason, undefined, { cause: value }))
      return
    }
    Task.#settle(task, 'failed', value)
  }

  static #settle<T>(task: Task<T>, state: 'succeeded' | 'failed' | 'cancelled', outcome: unknown): void {
    const wasRunning = task.#state === 'running'
    task.#state = state
    task.#slot = outcome
    const engine = task.#engine
    task.#finishedAt = stamp(engine.clock)
    const extras = task.#extras
    if (extras !== undefined) Task.#release(task, extras)
    try {
      engine.taskSettled(task, wasRunning)
    } finally {
      if (extras !== undefined) {
        if (state === 'succeeded') extras.resolveResult?.(outcome)
        else extras.rejectResult?.(outcome)
        extras.resolveSettled?.(task as TaskHandle<unknown>)
        extras.resolveResult = extras.rejectResult = extras.resolveSettled = undefined
      }
    }
  }

  // Drops the timer and the external signal's listener, so a finished task holds nothing armed.
  static #release<T>(task: Task<T>, extras: TaskExtras): void {
    if (extras.timer !== undefined) {
      task.#engine.clock.clearTimeout(extras.timer)
      extras.timer = undefined
    }
    if (extras.onExternalAbort !== undefined) {
      extras.external!.removeEventListener('abort', extras.onExternalAbort)
      extras.onExternalAbort = extras.external = undefined
    }
  }

  static #armTimeout<T>(task: Task<T>, extras: TaskExtras, timeoutMs: number): void {
    extras.timer = task.#engine.clock.setTimeout(() => {
      extras.timer = undefined
      const controller = Task.#ensureController(task)
      if (!controller.signal.aborted) controller.abort(new TimeoutError(timeoutMs, `Task "${task.name}" exceeded its timeout of ${timeoutMs} ms`))
    }, timeoutMs)
  }

  static #ensureController<T>(task: Task<T>): AbortController {
    let controller = task.#controller
    if (controller === undefined) {
      controller = task.#controller = new AbortController()
      // Cancelled before it ever started: the signal carries the cancel reason.
      if (task.#state === 'cancelled' && task.#startedAt === undefined) controller.abort((task.#slot as CancelledError).reason)
    }
    return controller
  }

  static #ensureExtras<T>(task: Task<T>): TaskExtras {
    return (task.#extras ??= {})
  }
}
