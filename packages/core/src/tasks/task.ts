/**
 * `Task`: one unit of work and its handle — state machine, lazy signal, outcome and the promises users await.
 *
 * It does not decide when to start or what to do when it ends: its {@link TaskHost} (the TaskService,
 * a TaskManager running standalone, a TaskGroup) does.
 */
import type { Clock } from '../clock/clock.js'
import { CancelledError, TimeoutError, isAbortError } from '../errors/cancellation.js'
import { observed } from '../internal/observed.js'
import { stamp } from '../internal/stamp.js'
import { isThenable } from '../internal/validate.js'
import type { TaskRunWrapper } from './task-observer.js'
import type { Schedulable, TaskHandle, TaskMeta, TaskState } from './task-types.js'

/**
 * Whoever owns a task: told once when the task reaches its final state (the state, value and error are
 * already set). Internal contract between `Task` and the services that run tasks.
 */
export interface TaskHost {
  /** The clock used for `timeoutMs` and timestamps. */
  readonly clock: Clock
  /** Called exactly once per task, after its state is final; `wasRunning` tells queued from running. */
  taskSettled(task: Task<unknown>, wasRunning: boolean): void
  /** Called when the task is running (its `startedAt` set), right before its function is invoked. */
  taskStarting?(task: Task<unknown>): TaskRunWrapper | undefined
}

/** Creation options of a {@link Task}. */
export interface TaskInit {
  readonly name?: string | undefined
  readonly owner?: string | undefined
  readonly signal?: AbortSignal | undefined
  readonly timeoutMs?: number | undefined
  readonly meta?: Readonly<TaskMeta> | undefined
}

// Rarely needed per-task state, allocated only when a task uses it, so a plain task stays small.
interface TaskExtras {
  // options.signal and the listener we added to it (removed when the task ends).
  external?: AbortSignal
  onExternalAbort?: () => void
  // timeoutMs and the armed clock timer.
  timeoutMs?: number
  timer?: unknown
  // The promises users asked for, created on first access.
  result?: Promise<unknown>
  resolveResult?: (value: unknown) => void
  rejectResult?: (error: unknown) => void
  settled?: Promise<TaskHandle<unknown>>
  resolveSettled?: (task: TaskHandle<unknown>) => void
  // A promise task's outcome that arrived while the task was still queued.
  early?: { ok: boolean; value: unknown }
  // options.meta, already copied and frozen by the caller.
  meta?: Readonly<TaskMeta>
}

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
 * A task and its handle. Created queued; `start()` runs it; it settles once.
 *
 * @internal Users get it typed as {@link TaskHandle}.
 */
export class Task<T = unknown> implements TaskHandle<T> {
  readonly id: number
  readonly owner: string | undefined
  // options.name or the function's name; `task-${id}` is made on first read when neither exists.
  #name: string | undefined
  #state: TaskState = 'queued'
  // The function or thenable; dropped once started so its closure can be collected.
  #work: Schedulable<T> | undefined
  readonly #host: TaskHost
  // Created only when the signal is read, the task is cancelled, or the function declares a parameter.
  #controller: AbortController | undefined
  // The reason given to cancel() before any signal existed.
  #cancelReason: unknown
  #cancelRequested = false
  // The value when succeeded, the error when failed or cancelled.
  #outcome: unknown
  #createdAt: number
  #startedAt: number | undefined
  #finishedAt: number | undefined
  #extras: TaskExtras | undefined
  // Neighbours in the host's running list (`TaskList`): links on the task itself make tracking it allocate
  // nothing. Private, so that inspecting a handle does not print a chain of other tasks.
  #prevInList: Task<any> | undefined
  #nextInList: Task<any> | undefined

  constructor(id: number, work: Schedulable<T>, host: TaskHost, init?: TaskInit) {
    this.id = id
    this.#work = work
    this.#host = host
    this.#createdAt = stamp(host.clock)
    this.owner = init?.owner
    const fnName = typeof work === 'function' ? work.name : ''
    this.#name = init?.name ?? (fnName === '' ? undefined : fnName)
    if (typeof work !== 'function') {
      // A promise is observed at once so it can never become an unhandled rejection, even while queued.
      Promise.resolve(work).then(
        (value) => this.#promiseSettled(true, value),
        (error: unknown) => this.#promiseSettled(false, error),
      )
    }
    if (init?.timeoutMs !== undefined) this.#ensureExtras().timeoutMs = init.timeoutMs
    if (init?.meta !== undefined) this.#ensureExtras().meta = init.meta
    const external = init?.signal
    if (external !== undefined) {
      if (external.aborted) {
        this.#cancelRequested = true
        this.#cancelReason = external.reason
      } else {
        const extras = this.#ensureExtras()
        extras.external = external
        extras.onExternalAbort = () => this.cancel(external.reason)
        external.addEventListener('abort', extras.onExternalAbort, { once: true })
      }
    }
  }

  get name(): string {
    return (this.#name ??= `task-${this.id}`)
  }

  get state(): TaskState {
    return this.#state
  }

  get meta(): Readonly<TaskMeta> | undefined {
    return this.#extras?.meta
  }

  get value(): T | undefined {
    return this.#state === 'succeeded' ? (this.#outcome as T) : undefined
  }

  get error(): unknown {
    return this.#state === 'failed' || this.#state === 'cancelled' ? this.#outcome : undefined
  }

  get createdAt(): number {
    return this.#createdAt
  }

  get startedAt(): number | undefined {
    return this.#startedAt
  }

  get finishedAt(): number | undefined {
    return this.#finishedAt
  }

  /** True once the task is `succeeded`, `failed` or `cancelled`. */
  get isDone(): boolean {
    return this.#state !== 'queued' && this.#state !== 'running'
  }

  /** True when the task was created already cancelled (its `options.signal` was aborted). */
  get isCancelRequested(): boolean {
    return this.#cancelRequested
  }

  get signal(): AbortSignal {
    return this.#ensureController().signal
  }

  get result(): Promise<T> {
    const extras = this.#ensureExtras()
    if (extras.result === undefined) {
      if (this.isDone) {
        extras.result = this.#state === 'succeeded' ? Promise.resolve(this.#outcome) : Promise.reject(this.#outcome)
      } else {
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
    const extras = this.#ensureExtras()
    if (extras.settled === undefined) {
      if (this.isDone) extras.settled = Promise.resolve(this as TaskHandle<unknown>)
      else extras.settled = new Promise((resolve) => (extras.resolveSettled = resolve))
    }
    return extras.settled as Promise<TaskHandle<T>>
  }

  cancel(reason?: unknown): boolean {
    if (this.isDone) return false
    const why = reason === undefined ? defaultAbortReason() : reason
    if (this.#state === 'queued') {
      this.#cancelRequested = true
      this.#cancelReason = why
      if (this.#controller !== undefined && !this.#controller.signal.aborted) this.#controller.abort(why)
      this.#work = undefined
      this.#settle('cancelled', new CancelledError(why))
      return true
    }
    const controller = this.#ensureController()
    if (!controller.signal.aborted) controller.abort(why)
    return true
  }

  /**
   * Runs the task now (queued → running). Called by the host; does nothing unless queued.
   * A task created with an already aborted signal is cancelled here instead of running.
   */
  start(): void {
    if (this.#state !== 'queued') return
    if (this.#cancelRequested) {
      // Counted as started by the host, so it ends as a (zero-length) run that was cancelled.
      this.#work = undefined
      this.#state = 'running'
      this.#settle('cancelled', new CancelledError(this.#cancelReason))
      return
    }
    const work = this.#work
    this.#work = undefined
    this.#state = 'running'
    this.#startedAt = stamp(this.#host.clock)
    const extras = this.#extras
    if (extras?.timeoutMs !== undefined) this.#armTimeout(extras, extras.timeoutMs)
    const wrapper = this.#host.taskStarting?.(this as Task<unknown>)
    if (typeof work !== 'function') {
      const early = extras?.early
      if (early !== undefined) {
        extras!.early = undefined
        this.#complete(early.ok, early.value)
      }
      return
    }
    let out: T | PromiseLike<T>
    try {
      // A function that declares no parameter is called without a signal, so none has to be created.
      const invoke = (): T | PromiseLike<T> =>
        work.length === 0 && this.#controller === undefined ? (work as () => T)() : work(this.#ensureController().signal)
      lastEntered = this
      out = wrapper === undefined ? invoke() : wrapper(invoke)
    } catch (error) {
      this.#complete(false, error)
      return
    }
    if (isThenable(out)) {
      Promise.resolve(out).then(
        (value) => this.#complete(true, value),
        (error: unknown) => this.#complete(false, error),
      )
    } else {
      this.#complete(true, out)
    }
  }

  /**
   * Ends a task that could not be run because of an internal fault (never because of the user's work):
   * it becomes `failed` with `error`. Does nothing if the task is already final.
   */
  abandon(error: unknown): void {
    if (this.isDone) return
    this.#work = undefined
    this.#settle('failed', error)
  }

  /** The age of the task in ms, measured on the host clock. */
  ageMs(now: number): number {
    return now - this.#createdAt
  }

  #promiseSettled(ok: boolean, value: unknown): void {
    if (this.#state === 'running') this.#complete(ok, value)
    else if (this.#state === 'queued') this.#ensureExtras().early = { ok, value }
    // Already cancelled while queued: the outcome is ignored (it was observed, so nothing is unhandled).
  }

  // The running work ended: classify the outcome.
  #complete(ok: boolean, value: unknown): void {
    if (this.#state !== 'running') return
    if (ok) {
      this.#settle('succeeded', value)
      return
    }
    if (value instanceof CancelledError) {
      this.#settle('cancelled', value)
      return
    }
    const signal = this.#controller?.signal
    if (signal !== undefined && signal.aborted && (value === signal.reason || isAbortError(value))) {
      this.#settle('cancelled', new CancelledError(signal.reason, undefined, { cause: value }))
      return
    }
    this.#settle('failed', value)
  }

  #settle(state: 'succeeded' | 'failed' | 'cancelled', outcome: unknown): void {
    const wasRunning = this.#state === 'running'
    this.#state = state
    this.#outcome = outcome
    this.#finishedAt = stamp(this.#host.clock)
    const extras = this.#extras
    if (extras !== undefined) {
      if (extras.timer !== undefined) {
        this.#host.clock.clearTimeout(extras.timer)
        extras.timer = undefined
      }
      if (extras.onExternalAbort !== undefined) {
        extras.external!.removeEventListener('abort', extras.onExternalAbort)
        extras.onExternalAbort = undefined
        extras.external = undefined
      }
    }
    try {
      this.#host.taskSettled(this as Task<unknown>, wasRunning)
    } finally {
      if (extras !== undefined) {
        if (state === 'succeeded') extras.resolveResult?.(outcome)
        else extras.rejectResult?.(outcome)
        extras.resolveSettled?.(this as TaskHandle<unknown>)
        extras.resolveResult = extras.rejectResult = extras.resolveSettled = undefined
      }
    }
  }

  #armTimeout(extras: TaskExtras, timeoutMs: number): void {
    extras.timer = this.#host.clock.setTimeout(() => {
      extras.timer = undefined
      const controller = this.#ensureController()
      if (!controller.signal.aborted) controller.abort(new TimeoutError(timeoutMs, `Task "${this.name}" exceeded its timeout of ${timeoutMs} ms`))
    }, timeoutMs)
  }

  #ensureController(): AbortController {
    let controller = this.#controller
    if (controller === undefined) {
      controller = this.#controller = new AbortController()
      if (this.#cancelRequested) controller.abort(this.#cancelReason)
    }
    return controller
  }

  #ensureExtras(): TaskExtras {
    return (this.#extras ??= {})
  }

  /** @internal The previous task in the host's `TaskList`. */
  get prevInList(): Task<any> | undefined {
    return this.#prevInList
  }

  /** @internal The next task in the host's `TaskList`. */
  get nextInList(): Task<any> | undefined {
    return this.#nextInList
  }

  /** @internal `TaskList.add`: links this task after `tail` (undefined when the list is empty). */
  linkAfter(tail: Task<any> | undefined): void {
    this.#prevInList = tail
    this.#nextInList = undefined
    if (tail !== undefined) tail.#nextInList = this
  }

  /** @internal `TaskList.delete`: joins this task's neighbours to each other and clears its own links. */
  unlink(): void {
    const prev = this.#prevInList
    const next = this.#nextInList
    if (prev !== undefined) prev.#nextInList = next
    if (next !== undefined) next.#prevInList = prev
    this.#prevInList = this.#nextInList = undefined
  }
}
