/**
 * `TaskManager`: IPv8's named, delayed and periodic tasks — the registry of task names. How a registration runs
 * is `periodic-task.ts`; its checks `task-registration.ts`; the stuck-task checker `task-age-checker.ts`; the
 * shutdown sequence `task-manager-shutdown.ts`. Tasks run on the TaskService when the manager has one, else on
 * the manager's own engine (`engine.ts`).
 */
import { realClock, type Clock } from '../clock/clock.js'
import { CancelledError } from '../errors/cancellation.js'
import { DuplicateTaskError } from '../errors/errors.js'
import { defaultLogger } from '../internal/default-logger.js'
import { guardLogger } from '../internal/guarded-logger.js'
import { observed, rejected } from '../internal/observed.js'
import { Waiter, assertOptionalClock, observe } from '../internal/waiter.js'
import {
  assertFunction,
  assertNonEmptyString,
  assertNumber,
  assertOptionalDuration,
  assertOptionalObject,
  assertOptionalSignal,
  assertString,
  expectedMessage,
} from '../internal/validate.js'
import type { Logger } from '../logging/logger.js'
import { TaskEngine } from './engine.js'
import { createPeriodicTask } from './periodic-task.js'
import { TaskAgeChecker } from './task-age-checker.js'
import { ShutdownTasks, waitForSettled } from './task-manager-shutdown.js'
import { cancelFutureWith, checkRegistration, isFinal, type Timing } from './task-registration.js'
import { TaskRegistry } from './task-registry.js'
import type { TaskService } from './task-service.js'
import type { RegisterOptions, TaskManagerOptions } from './task-manager-options.js'
import type { Schedulable, TaskFunction, TaskHandle } from './task-types.js'

export type { RegisterOptions, TaskManagerOptions } from './task-manager-options.js'

const DEFAULT_MAX_TASK_AGE_MS = 10 * 60_000
const noop = (): void => {}

/**
 * Named, delayed and periodic tasks with IPv8's `TaskManager` API, minus its sharp edges.
 *
 * At most one task per name is active; a finished (or cancelled) name is free again at once. The function is never
 * called inside `registerTask()`: it starts on a later turn of the event loop, after `delay` when given. With
 * `interval` it runs every `interval` ms **after the previous run finished** (fixed delay, never overlapping).
 * Timers due at the same time fire in the order they were armed. Every failure is logged with the task name.
 *
 * Without a `taskService` the manager runs its tasks itself; with one (as every `Service.tasks` does) they run
 * through it: they appear in `TaskService.list()` with `owner` = the manager's name and are published as
 * `TaskService.task_done!`.
 *
 * @example
 * ```ts
 * import { TaskManager } from '@tsab/core'
 * const manager = new TaskManager({ name: 'demo' })
 * const seen: number[] = []
 * manager.registerTask('one', async () => seen.push(1))
 * manager.registerTask('two', async () => seen.push(2), { delay: 10 })
 * manager.cancelPendingTask('one')
 * await manager.waitForTasks()
 * await manager.shutdownTaskManager()
 * console.log(seen) // [ 2 ]
 * ```
 */
export class TaskManager {
  readonly #name: string
  readonly #taskService: TaskService | undefined
  readonly #logger: Logger
  readonly #clock: Clock
  // Which task is active under which name, and which tasks have not settled yet.
  readonly #tasks = new TaskRegistry()
  // One counter per manager for anonymous names.
  #anonymousCount = 0
  readonly #shutdownTasks: ShutdownTasks
  // Set once shutdown began; the same promise is returned by every later call.
  #shutdown: Promise<void> | undefined
  // Set synchronously when shutdown begins (before #shutdown is assigned), so nothing re-arms during it.
  #isShutdown = false
  readonly #checker: TaskAgeChecker
  // Runs the tasks when there is no TaskService (created on first use).
  #engine: TaskEngine | undefined

  /**
   * Creates a manager; nothing runs until a task is registered.
   *
   * @example
   * ```ts
   * import { TaskManager } from '@tsab/core'
   * const manager = new TaskManager({ name: 'peers' })
   * ```
   */
  constructor(options: TaskManagerOptions = {}) {
    assertOptionalObject('options', options)
    const { name = 'TaskManager', taskService, logger, maxTaskAgeMs = DEFAULT_MAX_TASK_AGE_MS, clock = realClock } = options
    assertNonEmptyString('options.name', name)
    if (taskService !== undefined && typeof (taskService as { spawn?: unknown }).spawn !== 'function') {
      throw new TypeError(expectedMessage('options.taskService', 'a TaskService', taskService))
    }
    assertNumber('options.maxTaskAgeMs', maxTaskAgeMs, { min: 0, exclusiveMin: true, allowInfinity: true })
    assertOptionalClock('options.clock', clock)
    this.#name = name
    this.#taskService = taskService
    // Guarded: a broken log destination must never break the bookkeeping of tasks.
    this.#logger = guardLogger(logger ?? defaultLogger())
    this.#clock = clock
    this.#shutdownTasks = new ShutdownTasks(name, this.#logger)
    this.#checker = new TaskAgeChecker(clock, maxTaskAgeMs, this.#logger, name, () => this.#tasks.entries(), () => this.#tasks.liveCount > 0)
  }

  /** The manager's name (the `owner` of its tasks). */
  get name(): string {
    return this.#name
  }

  /** True once {@link TaskManager.shutdownTaskManager} has been called. */
  get isShutdown(): boolean {
    return this.#isShutdown
  }

  /**
   * Registers `task` under `name` and returns its handle. The function is never called here; it starts on a later
   * turn of the event loop, after `options.delay` when given (counted from this call), and every `options.interval`
   * ms after each run finished when given. A promise is tracked as it is (no delay or interval allowed).
   *
   * The handle resolves with the function's return value (also for delayed tasks); a periodic task's handle settles
   * only when it is cancelled or, with `stopOnError` (default), when a run throws. After shutdown the function is
   * never called, a warning is logged and the handle is already `cancelled`.
   *
   * @param name - unique among the active tasks of this manager; used in logs
   * @throws {@link DuplicateTaskError} when `name` is active; `RangeError` for negative, NaN or infinite timing
   *   values and `interval: 0`; `TypeError` for wrong types and for a promise with `delay`/`interval`
   * @example
   * ```ts
   * const handle = manager.registerTask('greet', () => 'hello', { delay: 100 })
   * console.log(await handle.result) // 'hello'
   * manager.registerTask('heartbeat', (signal) => ping(signal), { interval: 1_000 })
   * ```
   */
  registerTask<T>(name: string, task: TaskFunction<T> | PromiseLike<T>, options?: RegisterOptions): TaskHandle<T> {
    assertNonEmptyString('name', name)
    const timing = checkRegistration(task, options)
    if (this.#tasks.active(name) !== undefined) throw new DuplicateTaskError(name)
    return this.#register(name, task, timing, undefined)
  }

  /**
   * Registers a task under the name `"<baseName> <n>"`, `n` counting from 1 per manager. Same options and
   * behaviour as {@link TaskManager.registerTask}.
   *
   * @example
   * ```ts
   * const handle = manager.registerAnonymousTask('download', () => download(url))
   * console.log(handle.name) // 'download 1'
   * ```
   */
  registerAnonymousTask<T>(baseName: string, task: TaskFunction<T> | PromiseLike<T>, options?: RegisterOptions): TaskHandle<T> {
    assertNonEmptyString('baseName', baseName)
    const timing = checkRegistration(task, options)
    let name: string
    do name = `${baseName} ${++this.#anonymousCount}`
    while (this.#tasks.active(name) !== undefined)
    return this.#register(name, task, timing, baseName)
  }

  /**
   * Cancels the task registered under `name` (if any), waits until it has settled (its cleanup ran), then
   * registers `task` in its place.
   *
   * @example
   * ```ts
   * const handle = await manager.replaceTask('sync', (signal) => syncAll(signal), { interval: 60_000 })
   * ```
   */
  replaceTask<T>(name: string, task: TaskFunction<T>, options?: RegisterOptions): Promise<TaskHandle<T>> {
    assertNonEmptyString('name', name)
    checkRegistration(task, options)
    // Observed: registering can still fail after the wait (e.g. the manager shut down meanwhile).
    return observed((async () => {
      // Loop: someone may register the name again while we wait for the old task's cleanup.
      for (let old = this.cancelPendingTask(name); old !== undefined; old = this.cancelPendingTask(name)) {
        await old.settled
      }
      return this.registerTask(name, task, options)
    })())
  }

  /**
   * Cancels the active task named `name`: from now on `isPendingTaskActive(name)` is false and the name is free;
   * its signal aborts and awaiting its `result` rejects with `CancelledError`. A running periodic function finishes
   * its current run and is not called again. Returns the handle, or `undefined` for a name that is not active.
   *
   * @example
   * ```ts
   * manager.cancelPendingTask('heartbeat', 'no longer needed')
   * ```
   */
  cancelPendingTask(name: string, reason?: unknown): TaskHandle | undefined {
    assertString('name', name)
    const handle = this.#tasks.release(name)
    handle?.cancel(reason)
    return handle
  }

  /**
   * Cancels every active task (see {@link TaskManager.cancelPendingTask}) and returns their handles.
   *
   * @example
   * ```ts
   * const cancelled = manager.cancelAllPendingTasks('test setup')
   * console.log(cancelled.length)
   * ```
   */
  cancelAllPendingTasks(reason?: unknown): TaskHandle[] {
    const handles: TaskHandle[] = []
    for (const name of this.#tasks.names()) {
      const handle = this.cancelPendingTask(name, reason)
      if (handle !== undefined) handles.push(handle)
    }
    return handles
  }

  /**
   * True while a task is registered under `name` and has not finished or been cancelled.
   *
   * @example
   * ```ts
   * if (!manager.isPendingTaskActive('sync')) manager.registerTask('sync', sync)
   * ```
   */
  isPendingTaskActive(name: string): boolean {
    assertString('name', name)
    return this.#tasks.active(name) !== undefined
  }

  /**
   * The handle of the active task named `name`, or `undefined`.
   *
   * @example
   * ```ts
   * manager.getTask('sync')?.cancel()
   * ```
   */
  getTask(name: string): TaskHandle | undefined {
    assertString('name', name)
    return this.#tasks.active(name)
  }

  /**
   * The active tasks, in registration order.
   *
   * @example
   * ```ts
   * console.log(manager.getTasks().map((task) => task.name))
   * ```
   */
  getTasks(): TaskHandle[] {
    return this.#tasks.activeHandles()
  }

  /**
   * The active tasks registered with {@link TaskManager.registerAnonymousTask} under `baseName`.
   *
   * @example
   * ```ts
   * console.log(manager.getAnonymousTasks('download').length)
   * ```
   */
  getAnonymousTasks(baseName: string): TaskHandle[] {
    assertString('baseName', baseName)
    return this.#tasks.activeHandles(baseName)
  }

  /**
   * Resolves when every task registered before this call has settled, whatever their outcomes (it never rejects
   * because of them). Aborting `options.signal` rejects the wait with `CancelledError` and leaves the tasks running.
   *
   * @example
   * ```ts
   * await manager.waitForTasks({ signal: AbortSignal.timeout(5_000) })
   * ```
   */
  waitForTasks(options: { signal?: AbortSignal } = {}): Promise<void> {
    assertOptionalObject('options', options)
    const { signal } = options
    assertOptionalSignal('options.signal', signal)
    if (signal?.aborted) return rejected(new CancelledError(signal.reason))
    const all = Promise.all(this.#tasks.live().map((handle) => handle.settled)).then(noop)
    if (signal === undefined) return all
    const waiter = new Waiter<void>({ signal })
    void all.then(() => waiter.resolve())
    return waiter.promise
  }

  /**
   * Adds a function to run during {@link TaskManager.shutdownTaskManager}, after every task has settled. Shutdown
   * tasks run one after the other in registration order; a failing one does not stop the others. One registered
   * after shutdown already ran its shutdown tasks is not run (a warning is logged).
   *
   * @example
   * ```ts
   * manager.registerShutdownTask(async () => { await socket.close() })
   * ```
   */
  registerShutdownTask(fn: () => unknown): void {
    assertFunction('fn', fn)
    this.#shutdownTasks.add(fn)
  }

  /**
   * Shuts the manager down: marks it shut down, cancels every task, waits until all have settled (with
   * `options.timeoutMs`: at most that long, then it logs the names still running and goes on), then runs the
   * shutdown tasks in order. Failing shutdown tasks are logged and rejected together as one `AggregateError` at
   * the end. Idempotent: later calls return the same promise.
   *
   * @example
   * ```ts
   * await manager.shutdownTaskManager({ timeoutMs: 5_000 })
   * ```
   */
  shutdownTaskManager(options: { timeoutMs?: number } = {}): Promise<void> {
    assertOptionalObject('options', options)
    assertOptionalDuration('options.timeoutMs', options.timeoutMs)
    if (this.#shutdown === undefined) {
      this.#isShutdown = true
      const promise = this.#runShutdown(options.timeoutMs)
      // The caller gets the rejection; the manager itself never leaves one unhandled.
      promise.catch(noop)
      this.#shutdown = promise
    }
    return this.#shutdown
  }

  /**
   * Same as {@link TaskManager.shutdownTaskManager}, for `await using`.
   *
   * @example
   * ```ts
   * await using manager = new TaskManager()
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdownTaskManager()
  }

  #register<T>(name: string, task: Schedulable<T>, timing: Timing, baseName: string | undefined): TaskHandle<T> {
    // Observed at once: a promise task never becomes an unhandled rejection, even if cancelled before it starts.
    if (typeof task !== 'function') observe(task)
    if (this.#isShutdown) return this.#registerAfterShutdown(name, task)
    const now = this.#clock.now()
    const wrapper = createPeriodicTask<T>({
      work: task,
      clock: this.#clock,
      firstRunAt: timing.delay === undefined ? undefined : now + timing.delay,
      interval: timing.interval,
      stopOnError: timing.stopOnError,
      onRunError: (error) => this.#logger.error({ err: error, task: name, owner: this.#name }, `Periodic task "${name}" failed; it keeps running`),
    })
    const handle = this.#start(name, wrapper)
    cancelFutureWith(handle, task)
    // Refused by a TaskService that is shutting down: already final, never registered.
    if (isFinal(handle)) return handle
    const entry = { handle, periodic: timing.interval !== undefined, dueAt: now + (timing.delay ?? 0), baseName }
    this.#tasks.add(name, entry, () => {
      if (this.#tasks.liveCount === 0) this.#checker.disarm()
    })
    this.#checker.arm()
    return handle
  }

  #start<T>(name: string, work: Schedulable<T>): TaskHandle<T> {
    if (this.#taskService !== undefined) return this.#taskService.spawn(work, { name, owner: this.#name })
    // Never inside registerTask(): the engine starts it on a later turn, and a task cancelled before never runs.
    this.#engine ??= new TaskEngine({ clock: this.#clock, logger: this.#logger, startOn: 'macrotask' })
    return this.#engine.spawn(work, { name, owner: this.#name })
  }

  #registerAfterShutdown<T>(name: string, task: Schedulable<T>): TaskHandle<T> {
    this.#logger.warn({ task: name, owner: this.#name }, `Task "${name}" registered after TaskManager "${this.#name}" shut down; it will not run`)
    // Through the TaskService too, so the refusal is published like any other finished task. Cancelled while
    // still queued, the function is never called.
    const handle = this.#start(name, task)
    cancelFutureWith(handle, task)
    handle.cancel(`TaskManager "${this.#name}" is shut down`)
    return handle
  }

  async #runShutdown(timeoutMs: number | undefined): Promise<void> {
    this.#checker.disarm()
    const reason = `TaskManager "${this.#name}" is shutting down`
    for (const handle of this.#tasks.clear()) handle.cancel(reason)
    const live = this.#tasks.live()
    for (const handle of live) handle.cancel(reason)
    await waitForSettled(live, timeoutMs, this.#clock, this.#logger, this.#name)
    await this.#shutdownTasks.run()
  }
}
