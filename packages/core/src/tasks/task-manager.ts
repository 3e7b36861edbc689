/**
 * `TaskManager`: IPv8's named, delayed and periodic tasks, and cron schedules — the public API over the registry of
 * names (`task-registry.ts`). How a registration runs is `periodic-task.ts` (a cron schedule `cron-schedule.ts`); its
 * checks `task-registration.ts`; where tasks start `task-launcher.ts`; the stuck-task checker `task-age-checker.ts`;
 * the shutdown sequence `task-manager-shutdown.ts`.
 */
import { realClock } from '../clock/clock.js'
import { DuplicateTaskError } from '../errors/errors.js'
import { defaultLogger } from '../internal/default-logger.js'
import { guardLogger } from '../internal/guarded-logger.js'
import { observed } from '../internal/observed.js'
import { assertOptionalClock } from '../internal/waiter.js'
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
import type { CronOptions } from './cron-options.js'
import type { CronInfo } from './cron-schedule.js'
import { ManagerCore } from './task-manager-core.js'
import { checkCron, checkRegistration } from './task-registration.js'
import type { RegisterOptions, TaskManagerOptions } from './task-manager-options.js'
import type { TaskFunction, TaskHandle } from './task-types.js'

export type { RegisterOptions, TaskManagerOptions } from './task-manager-options.js'

const DEFAULT_MAX_TASK_AGE_MS = 10 * 60_000

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
  // The registry, the launcher, the checker and the shutdown sequence behind this API.
  readonly #core: ManagerCore

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
    // Guarded: a broken log destination must never break the bookkeeping of tasks.
    this.#core = new ManagerCore(name, taskService, guardLogger(logger ?? defaultLogger()), clock, maxTaskAgeMs)
  }

  /** The manager's name (the `owner` of its tasks). */
  get name(): string {
    return this.#core.name
  }

  /** True once {@link TaskManager.shutdownTaskManager} has been called. */
  get isShutdown(): boolean {
    return this.#core.isShutdown
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
    if (this.#core.tasks.active(name) !== undefined) throw new DuplicateTaskError(name)
    return this.#core.register(name, task, timing, undefined)
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
    return this.#core.register(this.#core.anonymousName(baseName), task, timing, baseName)
  }

  /**
   * Registers a cron schedule under `name`: `task` runs at every fire time of `pattern` (5 fields, or 6 with seconds
   * first), read by croner in `options.timezone` across its daylight-saving changes; fire times come from the clock's
   * wall time, so a `TestClock` drives them. The handle is the schedule's: it settles when the schedule is cancelled
   * (or fails with a run's error with `stopOnError`). Each run is a task of its own named `name` (on the TaskService:
   * listed, `task_done!`, `meta` `{ cron, scheduledAt }`); `options.overlap` (`'skip'`, `'wait'`, `'allow'`) decides
   * what a fire does while the previous run still runs. Never called here; after shutdown, already `cancelled`.
   * See the cron guide (docs/guides/cron.md) for the details.
   *
   * @throws `TypeError`/`RangeError` naming the argument for a bad name, pattern, time zone or option (nothing is
   *   registered); {@link DuplicateTaskError} when `name` is active
   * @example
   * ```ts
   * import { TaskManager } from '@tsab/core'
   * import { TestClock } from '@tsab/core/testing'
   * const clock = new TestClock({ wallTime: new Date('2030-01-01T00:00:00Z') })
   * const manager = new TaskManager({ clock })
   * let runs = 0
   * manager.registerCron('tick', '*\/10 * * * * *', () => { runs++ }, { timezone: 'UTC' })
   * await clock.advance(60_000)
   * console.log(runs) // 6
   * await manager.shutdownTaskManager()
   * ```
   */
  registerCron<T>(name: string, pattern: string, task: TaskFunction<T>, options?: CronOptions): TaskHandle<T> {
    const { spec, firstAt } = checkCron(name, pattern, task, options, this.#core.clock)
    if (this.#core.tasks.active(name) !== undefined) throw new DuplicateTaskError(name)
    return this.#core.registerCron(name, spec, task, firstAt)
  }

  /**
   * The next `count` fire times of the active cron schedule `name`, after the clock's wall time now (croner's
   * `nextRuns`). An unknown name, a task that is not a cron schedule, or one that stopped firing gives `[]`.
   *
   * @param count - how many, an integer >= 0 @default 1
   * @example
   * ```ts
   * import { TaskManager } from '@tsab/core'
   * import { TestClock } from '@tsab/core/testing'
   * const manager = new TaskManager({ clock: new TestClock({ wallTime: new Date('2030-01-01T00:00:00Z') }) })
   * manager.registerCron('nightly', '30 2 * * *', () => {}, { timezone: 'UTC' })
   * console.log(manager.nextRuns('nightly', 2).map((date) => date.toISOString()))
   * // [ '2030-01-01T02:30:00.000Z', '2030-01-02T02:30:00.000Z' ]
   * await manager.shutdownTaskManager()
   * ```
   */
  nextRuns(name: string, count = 1): Date[] {
    assertString('name', name)
    assertNumber('count', count, { min: 0, integer: true })
    return this.#core.tasks.activeEntry(name)?.cron?.nextRuns(count) ?? []
  }

  /**
   * A snapshot of the active cron schedule `name` (pattern, options, counters of fired, started, skipped and failed
   * runs, runs in flight, next fire time), or `undefined` for a name that is not an active cron schedule.
   *
   * @example
   * ```ts
   * const info = manager.cronInfo('report')
   * if (info !== undefined && info.skipped > 0) console.log(`report skipped ${info.skipped} times`)
   * ```
   */
  cronInfo(name: string): CronInfo | undefined {
    assertString('name', name)
    return this.#core.tasks.activeEntry(name)?.cron?.info()
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
    return observed(this.#replace(name, task, options))
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
    const handle = this.#core.tasks.release(name)
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
    for (const name of this.#core.tasks.names()) {
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
    return this.#core.tasks.active(name) !== undefined
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
    return this.#core.tasks.active(name)
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
    return this.#core.tasks.activeHandles()
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
    return this.#core.tasks.activeHandles(baseName)
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
    return this.#core.tasks.waitForLive(signal)
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
    this.#core.shutdownTasks.add(fn)
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
    return this.#core.shutdown(options.timeoutMs)
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

  // Loop: someone may register the name again while we wait for the old task's cleanup.
  async #replace<T>(name: string, task: TaskFunction<T>, options: RegisterOptions | undefined): Promise<TaskHandle<T>> {
    for (let old = this.cancelPendingTask(name); old !== undefined; old = this.cancelPendingTask(name)) await old.settled
    return this.registerTask(name, task, options)
  }
}
