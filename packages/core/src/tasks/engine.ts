/**
 * `TaskEngine`: the one place tasks are hosted. It owns the FIFO queue, the running list, the counters, the drain
 * that starts queued tasks, the single settle path (bookkeeping, failure and cancellation logs, observers, the
 * host's `taskDone` hook) and idle waiters. The TaskService, a standalone TaskManager and every TaskGroup each
 * drive one; what a task is lives in `task.ts`, config and lifecycle in the hosts.
 */
import type { Clock } from '../clock/clock.js'
import { CancelledError } from '../errors/cancellation.js'
import { nextMacrotask } from '../internal/macrotask.js'
import type { Logger } from '../logging/logger.js'
import type { ForeverHandle } from './forever-runner.js'
import { Task, taskInternals, type TaskInit } from './task.js'
import { TaskList } from './task-list.js'
import type { TaskObserver, TaskRunWrapper } from './task-observer.js'
import type { Schedulable, TaskInfo, TaskStats } from './task-types.js'

const { start, abandon, createdAt } = taskInternals

/** How an engine is set up by its host. @internal */
export interface EngineOptions {
  /** Timestamps, timeouts and ages. */
  readonly clock: Clock
  /**
   * Where failures (error), cancellations (debug), refusals and observer faults are logged; it must never throw
   * (see `guardLogger`). None: the host reports outcomes itself (a TaskGroup rejects with them).
   */
  readonly logger?: Logger | undefined
  /** Queued tasks start on the next macrotask (TaskService, TaskManager) or the next microtask (TaskGroup). */
  readonly startOn: 'macrotask' | 'microtask'
  /** Whether queued tasks may start at once; `false`: only after {@link TaskEngine.open} (the TaskService opens at initialize). @default true */
  readonly openAtOnce?: boolean
  /** Called once per task after its bookkeeping, log and observers (the TaskService publishes `task_done!`). */
  readonly taskDone?: ((task: Task) => void) | undefined
}

/** A queue, a running list and the settle path of a set of tasks. @internal */
export class TaskEngine {
  /** The clock of every task of this engine. */
  readonly clock: Clock
  /** Tasks started at the same time, at most; the rest wait queued, FIFO. */
  maxConcurrency = Infinity
  readonly #logger: Logger | undefined
  readonly #taskDone: ((task: Task) => void) | undefined
  readonly #arm: (fn: () => void) => void
  #nextId = 1
  // Queued tasks in FIFO order, then started ones until they settle; a task is in at most one of them.
  readonly #queue = new TaskList()
  readonly #running = new TaskList()
  #scheduled = 0
  #succeeded = 0
  #failed = 0
  #cancelled = 0
  #restarts = 0
  // 'paused' before open() (tasks wait queued), 'open' while starting them, 'closed' once close() ran.
  #phase: 'paused' | 'open' | 'closed'
  // Replaced (never mutated) on change, so a notification in progress sees a stable list.
  #observers: readonly TaskObserver[] = []
  // A drain is already on the macrotask (or microtask) queue.
  #drainArmed = false
  // Callers of onIdle() waiting for size to reach 0.
  #idleWaiters: Array<() => void> = []

  constructor(options: EngineOptions) {
    this.clock = options.clock
    this.#logger = options.logger
    this.#taskDone = options.taskDone
    this.#arm = options.startOn === 'microtask' ? queueMicrotask : nextMacrotask
    this.#phase = options.openAtOnce === false ? 'paused' : 'open'
  }

  /** Queued plus running tasks. */
  get size(): number {
    return this.#queue.size + this.#running.size
  }

  /** Queued tasks. */
  get queued(): number {
    return this.#queue.size
  }

  /** True once {@link TaskEngine.close} ran. */
  get isClosed(): boolean {
    return this.#phase === 'closed'
  }

  /** True while at least one observer is registered (checked before any observer work, so none costs nothing). */
  get hasObservers(): boolean {
    return this.#observers.length > 0
  }

  /**
   * Creates a task, counts it and queues it; it starts on a later turn (never inside this call). After
   * {@link TaskEngine.close}, or with an already aborted `init.signal`, the task is cancelled at once instead
   * (after close, with a warning): it is still counted, observed and reported like any other.
   */
  spawn<T>(work: Schedulable<T>, init: TaskInit | undefined): Task<T> {
    const task = new Task<T>(this.#nextId++, work, this, init)
    this.#scheduled++
    this.#queue.add(task)
    if (this.#observers.length > 0) this.#notify('scheduled', task)
    const signal = init?.signal
    if (signal?.aborted === true) {
      task.cancel(signal.reason)
    } else if (this.#phase === 'open') {
      if (!this.#drainArmed) {
        this.#drainArmed = true
        this.#arm(this.#drain)
      }
    } else if (this.#phase === 'closed') {
      this.#log('warn', task, undefined, 'Task scheduled after shutdown; cancelled')
      task.cancel(new CancelledError(undefined, 'TaskService is shut down'))
    }
    return task
  }

  /** Starts queued tasks from now on (on the next turn for those already queued). */
  open(): void {
    if (this.#phase !== 'paused') return
    this.#phase = 'open'
    this.#armDrain()
  }

  /**
   * Stops intake for good: every queued task is cancelled with `reason` and every running one has its signal
   * aborted with it. Later {@link TaskEngine.spawn} calls return cancelled tasks.
   */
  close(reason: unknown): void {
    if (this.#phase === 'closed') return
    this.#phase = 'closed'
    // Snapshots: cancelling unlinks each task from its list while we go.
    for (const task of [...this.#queue]) task.cancel(reason)
    for (const task of [...this.#running]) task.cancel(reason)
  }

  /** Registers an observer; returns the function that removes it (safe to call twice). */
  observe(observer: TaskObserver): () => void {
    this.#observers = [...this.#observers, observer]
    return () => {
      this.#observers = this.#observers.filter((item) => item !== observer)
    }
  }

  /** A snapshot of the queued (FIFO) and running (start order) tasks. */
  list(): TaskInfo[] {
    const now = this.clock.now()
    const infos: TaskInfo[] = []
    for (const task of this.#queue) infos.push(info(task, 'queued', now))
    for (const task of this.#running) infos.push(info(task, 'running', now))
    return infos
  }

  /** The names of the running tasks, in start order. */
  runningNames(): string[] {
    return Array.from(this.#running, (task) => task.name)
  }

  /** Cumulative counters; `scheduled = succeeded + failed + cancelled + running + queued`. */
  stats(): TaskStats {
    return {
      scheduled: this.#scheduled,
      queued: this.#queue.size,
      running: this.#running.size,
      succeeded: this.#succeeded,
      failed: this.#failed,
      cancelled: this.#cancelled,
      restarts: this.#restarts,
    }
  }

  /** Resolves when nothing is queued or running (at once if that is already so). */
  onIdle(): Promise<void> {
    if (this.size === 0) return Promise.resolve()
    return new Promise((resolve) => this.#idleWaiters.push(resolve))
  }

  /** Counts one restart of a `runForever` runner and tells the observers. */
  countRestart(runner: ForeverHandle): void {
    this.#restarts++
    if (this.#observers.length > 0) this.#notifyRestarted(runner)
  }

  /** Called by a task that is about to run its function: the observers' run wrappers, composed (or none). */
  taskStarting(task: Task): TaskRunWrapper | undefined {
    const observers = this.#observers
    let wrap: TaskRunWrapper | undefined
    for (let i = 0; i < observers.length; i++) {
      const observer = observers[i]!
      const started = observer.started
      if (started === undefined) continue
      let wrapper: TaskRunWrapper | void
      try {
        wrapper = started.call(observer, task)
      } catch (error) {
        this.#logger?.error({ err: error, task: task.name }, 'Task observer failed in started()')
        continue
      }
      if (typeof wrapper !== 'function') continue
      // The first observer's context is the outermost one.
      wrap = wrap === undefined ? wrapper : nest(wrap, wrapper)
    }
    return wrap
  }

  /**
   * The settle path, called exactly once by every task when its state is final: bookkeeping, the log record,
   * the observers, the host's hook, then more work and idle waiters.
   */
  taskSettled(task: Task, wasRunning: boolean): void {
    if (wasRunning) this.#running.delete(task)
    else this.#queue.delete(task)
    const state = task.state
    if (state === 'succeeded') this.#succeeded++
    else if (state === 'failed') {
      this.#failed++
      this.#log('error', task, task.error, `Task "${task.name}" failed`)
    } else {
      this.#cancelled++
      if (this.#logger?.isLevelEnabled('debug') === true) this.#log('debug', task, undefined, `Task "${task.name}" cancelled`)
    }
    if (this.#observers.length > 0) this.#notify('finished', task)
    this.#taskDone?.(task)
    if (wasRunning && this.#queue.size > 0) this.#armDrain()
    if (this.#idleWaiters.length > 0 && this.size === 0) {
      const waiters = this.#idleWaiters
      this.#idleWaiters = []
      for (const resolve of waiters) resolve()
    }
  }

  #armDrain(): void {
    if (this.#drainArmed || this.#phase !== 'open' || this.#queue.size === 0) return
    this.#drainArmed = true
    this.#arm(this.#drain)
  }

  // Starts queued tasks in FIFO order while below maxConcurrency. Only those queued before this drain: a task
  // scheduled by a task started here has a higher id and waits for the next turn, so a task that keeps scheduling
  // itself cannot hold the event loop.
  readonly #drain = (): void => {
    this.#drainArmed = false
    if (this.#phase !== 'open') return
    const last = this.#nextId - 1
    const queue = this.#queue
    const running = this.#running
    const max = this.maxConcurrency
    for (let task = queue.head; task !== undefined && task.id <= last; task = queue.head) {
      if (running.size >= max) return
      queue.delete(task)
      running.add(task)
      try {
        start(task)
      } catch (error) {
        // An internal fault (never the user's function, whose throws are the task's outcome): the task must still
        // end, as failed; the drain goes on with the next one.
        abandon(task, error)
        this.#logger?.error({ err: error, task: task.name, taskId: task.id }, `Could not start task "${task.name}"`)
      }
    }
    // Tasks queued during this drain start on the next turn.
    this.#armDrain()
  }

  // One observer method on every observer; a throwing observer is logged and never disturbs the others. One loop
  // per event with a plain property read: this runs two or three times per task while an observer is registered.
  #notify(event: 'scheduled' | 'finished', task: Task): void {
    const observers = this.#observers
    for (let i = 0; i < observers.length; i++) {
      const observer = observers[i]!
      const method = event === 'scheduled' ? observer.scheduled : observer.finished
      if (method === undefined) continue
      try {
        method.call(observer, task)
      } catch (error) {
        this.#logger?.error({ err: error, task: task.name }, `Task observer failed in ${event}()`)
      }
    }
  }

  #notifyRestarted(runner: ForeverHandle): void {
    for (const observer of this.#observers) {
      if (observer.restarted === undefined) continue
      try {
        observer.restarted(runner)
      } catch (error) {
        this.#logger?.error({ err: error, task: runner.name }, 'Task observer failed in restarted()')
      }
    }
  }

  // A record about a task: its meta first, so tsab's own fields win a name clash.
  #log(level: 'error' | 'warn' | 'debug', task: Task, err: unknown, message: string): void {
    const logger = this.#logger
    if (logger === undefined) return
    const fields: Record<string, unknown> = { ...task.meta, task: task.name, taskId: task.id, owner: task.owner }
    if (err !== undefined) fields['err'] = err
    logger[level](fields, message)
  }
}

// Runs `fn` inside `inner` inside `outer`. A function of its own: a closure in taskStarting()'s loop would make every
// call allocate a context, observer wrappers or not.
function nest(outer: TaskRunWrapper, inner: TaskRunWrapper): TaskRunWrapper {
  return <R>(fn: () => R): R => outer(() => inner(fn))
}

function info(task: Task, state: 'queued' | 'running', now: number): TaskInfo {
  const result: TaskInfo = { id: task.id, name: task.name, state, ageMs: now - createdAt(task) }
  const owner = task.owner
  if (owner !== undefined) result.owner = owner
  if (state === 'running' && task.startedAt !== undefined) result.startedAt = task.startedAt
  const meta = task.meta
  if (meta !== undefined) result.meta = meta
  return result
}
