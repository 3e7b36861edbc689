/**
 * `TaskManager`: IPv8's named, delayed and periodic tasks — a registry of task names, their timing and their
 * shutdown. How a delayed or periodic registration runs is in `periodic-task.ts`, a cron schedule in `cron-schedule.ts`;
 * the handle is a `Task` (`task.ts`) when the manager runs tasks itself, or the TaskService's handle when it has one.
 */
import { realClock, type Clock } from '../clock/clock.js'
import { CancelledError } from '../errors/cancellation.js'
import { DuplicateTaskError } from '../errors/errors.js'
import { createLogger, type Logger } from '../logging/logger.js'
import { guardLogger } from '../internal/guarded-logger.js'
import { nextMacrotask } from '../internal/macrotask.js'
import { observed, rejected } from '../internal/observed.js'
import { summarizeNames } from '../internal/name-summary.js'
import {
  assertBoolean,
  assertFunction,
  assertNonEmptyString,
  assertNumber,
  assertOptionalDuration,
  assertOptionalObject,
  assertOptionalSignal,
  assertString,
  expectedMessage,
  isThenable,
} from '../internal/validate.js'
import { checkCronOptions, firstFireTime, type CronOptions } from './cron-options.js'
import { CronSchedule, type CronInfo } from './cron-schedule.js'
import { createPeriodicTask } from './periodic-task.js'
import { Task, type TaskHost } from './task.js'
import type { TaskService } from './task-service.js'
import type { Schedulable, TaskFunction, TaskHandle, TaskMeta } from './task-types.js'

const DEFAULT_MAX_TASK_AGE_MS = 10 * 60_000
const noop = (): void => {}

let sharedLogger: Logger | undefined
/**
 * The logger used by a TaskManager, RequestCache or Future that was given none (created on first use).
 * @internal
 */
export function defaultLogger(): Logger {
  return (sharedLogger ??= createLogger({ name: 'tsab' }))
}

/**
 * Options of the {@link TaskManager} constructor.
 *
 * @example
 * ```ts
 * import { TaskManager, createLogger } from '@tsab/core'
 * const manager = new TaskManager({ name: 'peers', logger: createLogger({ level: 'warn' }), maxTaskAgeMs: 60_000 })
 * ```
 */
export interface TaskManagerOptions {
  /** Names the manager in logs, and is the `owner` of its tasks in `TaskService.list()`. @default 'TaskManager' */
  name?: string
  /** Runs the tasks through this TaskService (tracked, listed, published as `task_done!`). @default the manager runs them itself */
  taskService?: TaskService
  /** Where failures and warnings go. @default a pino logger at level `info` */
  logger?: Logger
  /**
   * Milliseconds after which a one-shot task still running is reported (a warning with its name and age, once per
   * check; checks run every `maxTaskAgeMs` while tasks exist). `Infinity` turns the check off. @default 600_000
   */
  maxTaskAgeMs?: number
  /** Source of time for delays, intervals and ages. @default realClock */
  clock?: Clock
}

/**
 * Timing options of {@link TaskManager.registerTask}.
 *
 * @example
 * ```ts
 * manager.registerTask('poll', poll, { delay: 0, interval: 5_000, stopOnError: false })
 * ```
 */
export interface RegisterOptions {
  /** Milliseconds from the `registerTask()` call to the (first) run; `0` runs at once. @default 0, or `interval` when set */
  delay?: number
  /** Milliseconds from the end of one run to the start of the next (fixed delay, never overlapping); must be > 0. @default undefined: run once */
  interval?: number
  /** A throwing run of a periodic task ends it (`true`) or is logged and the loop goes on (`false`). @default true */
  stopOnError?: boolean
}

interface Entry {
  readonly handle: TaskHandle<unknown>
  readonly periodic: boolean
  // Clock time at which the (first) run is due: ages are counted from there.
  readonly dueAt: number
  // Set for registerAnonymousTask, so getAnonymousTasks can match exactly.
  readonly baseName: string | undefined
  // Set for registerCron: nextRuns() and cronInfo() read it.
  readonly cron?: CronSchedule<unknown>
}

/** True once a handle is `succeeded`, `failed` or `cancelled`. */
function isFinal(handle: TaskHandle<unknown>): boolean {
  const state = handle.state
  return state !== 'queued' && state !== 'running'
}

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
  readonly #maxTaskAgeMs: number
  // Active tasks by name; Map order is registration order (getTasks()).
  readonly #tasks = new Map<string, Entry>()
  // Every task not yet settled, also those cancelled and still cleaning up: what waitForTasks and shutdown wait for.
  readonly #live = new Set<TaskHandle<unknown>>()
  // One counter per manager for anonymous names, and the ids of the tasks it runs itself.
  #anonymousCount = 0
  #nextId = 1
  readonly #shutdownTasks: Array<() => unknown> = []
  // Set once shutdown began; the same promise is returned by every later call.
  #shutdown: Promise<void> | undefined
  // Set synchronously when shutdown begins (before #shutdown is assigned), so nothing re-arms during it.
  #isShutdown = false
  // Once shutdown reached its shutdown tasks, later registrations of shutdown tasks cannot run any more.
  #shutdownTasksStarted = false
  // The max-task-age checker: a plain clock timer, armed only while tasks exist, so it is never a task itself.
  #checker: unknown
  // The host of the tasks this manager runs itself (without a TaskService).
  readonly #host: TaskHost

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
    if (typeof clock !== 'object' || clock === null || typeof clock.setTimeout !== 'function') {
      throw new TypeError(expectedMessage('options.clock', 'a Clock', clock))
    }
    this.#name = name
    this.#taskService = taskService
    // Guarded: a broken log destination must never break the bookkeeping of tasks.
    this.#logger = guardLogger(logger ?? defaultLogger())
    this.#clock = clock
    this.#maxTaskAgeMs = maxTaskAgeMs
    this.#host = { clock, taskSettled: (task) => this.#ownTaskSettled(task) }
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
    const existing = this.#tasks.get(name)
    if (existing !== undefined && !isFinal(existing.handle)) throw new DuplicateTaskError(name)
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
    while (this.#isActive(name))
    return this.#register(name, task, timing, baseName)
  }

  /**
   * Registers a cron schedule under `name`: `task` runs at every fire time of `pattern` (5 fields, or 6 with
   * seconds first; evaluated by croner in `options.timezone`, following its daylight-saving changes). Fire times
   * are computed from the clock's wall time and waited for on the clock, so a `TestClock` drives them.
   *
   * The returned handle is the schedule: it settles when the schedule is cancelled (`cancelPendingTask(name)`,
   * shutdown) or, with `stopOnError`, fails with the error of a failed run; its in-flight runs have settled by then.
   * Each run is a task of its own named `name` (with a TaskService: listed, published as `task_done!`, owner =
   * the manager's name, `meta` `{ cron, scheduledAt }`). A run that throws is logged with the name and the schedule
   * goes on (unless `stopOnError`). `options.overlap` decides what a fire does while the previous run still runs:
   * `'skip'` (default; logged at warn and counted in {@link TaskManager.cronInfo}), `'wait'` (one run starts right
   * after it) or `'allow'` (runs side by side). The function is never called here. After shutdown the function is
   * never called, a warning is logged and the handle is already `cancelled`.
   *
   * @param name - unique among the active tasks of this manager; used in logs and as the name of every run
   * @param pattern - a cron pattern, e.g. `'0 * * * *'` (hourly) or `'*\/5 * * * * *'` (every 5 seconds)
   * @throws `TypeError`/`RangeError` naming the argument for a bad name, pattern (also one that never fires), time
   *   zone or option, and nothing is registered; {@link DuplicateTaskError} when `name` is active
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
    assertNonEmptyString('name', name)
    assertFunction('task', task)
    const spec = checkCronOptions(pattern, options)
    if (typeof this.#clock.wallNow !== 'function') {
      throw new TypeError(expectedMessage('options.clock', 'a Clock with wallNow() (cron schedules need the wall time)', this.#clock))
    }
    const firstAt = firstFireTime(spec, this.#clock.wallNow())
    if (this.#isActive(name)) throw new DuplicateTaskError(name)
    if (this.#isShutdown) return this.#registerAfterShutdown(name, task)
    const schedule = new CronSchedule<T>(spec, task, firstAt, {
      name,
      owner: this.#name,
      clock: this.#clock,
      logger: this.#logger,
      spawnRun: (work, runOptions) => this.#start(name, work, runOptions),
    })
    // The schedule itself never goes through the TaskService, only its runs do: a waiting schedule takes no slot of
    // max_concurrency and is not in list(). It logs its own end (cron-schedule.ts).
    const handle = this.#startOwn(name, schedule.run, { clock: this.#clock, taskSettled: (settled) => this.#forget(settled) })
    this.#tasks.delete(name) // re-insert so the Map order stays registration order
    this.#tasks.set(name, { handle, periodic: true, dueAt: this.#clock.now(), baseName: undefined, cron: schedule as CronSchedule<unknown> })
    this.#track(handle)
    return handle
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
    return this.#cronOf(name)?.nextRuns(count) ?? []
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
    return this.#cronOf(name)?.info()
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
    const entry = this.#tasks.get(name)
    if (entry === undefined) return undefined
    this.#tasks.delete(name)
    if (isFinal(entry.handle)) return undefined
    entry.handle.cancel(reason)
    return entry.handle
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
    for (const name of [...this.#tasks.keys()]) {
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
    return this.#isActive(name)
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
    const entry = this.#tasks.get(name)
    return entry !== undefined && !isFinal(entry.handle) ? entry.handle : undefined
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
    const handles: TaskHandle[] = []
    for (const entry of this.#tasks.values()) if (!isFinal(entry.handle)) handles.push(entry.handle)
    return handles
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
    const handles: TaskHandle[] = []
    for (const entry of this.#tasks.values()) {
      if (entry.baseName === baseName && !isFinal(entry.handle)) handles.push(entry.handle)
    }
    return handles
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
    const all = Promise.all([...this.#live].map((handle) => handle.settled)).then(noop)
    if (signal === undefined) return all
    return observed(
      new Promise<void>((resolve, reject) => {
        const onAbort = (): void => reject(new CancelledError(signal.reason))
        signal.addEventListener('abort', onAbort, { once: true })
        void all.then(() => {
          signal.removeEventListener('abort', onAbort)
          resolve()
        })
      }),
    )
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
    if (this.#shutdownTasksStarted) {
      this.#logger.warn({ manager: this.#name }, `Shutdown task registered on TaskManager "${this.#name}" after it shut down; it will not run`)
      return
    }
    this.#shutdownTasks.push(fn)
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

  #isActive(name: string): boolean {
    const entry = this.#tasks.get(name)
    return entry !== undefined && !isFinal(entry.handle)
  }

  #cronOf(name: string): CronSchedule<unknown> | undefined {
    const entry = this.#tasks.get(name)
    return entry !== undefined && !isFinal(entry.handle) ? entry.cron : undefined
  }

  #register<T>(name: string, task: Schedulable<T>, timing: Timing, baseName: string | undefined): TaskHandle<T> {
    if (typeof task !== 'function') {
      // Observed at once: a promise task never becomes an unhandled rejection, even if cancelled before it starts.
      Promise.resolve(task).catch(noop)
    }
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
    this.#tasks.delete(name) // re-insert so the Map order stays registration order
    if (isFinal(handle)) return handle // refused by a TaskService that is shutting down
    this.#tasks.set(name, { handle, periodic: timing.interval !== undefined, dueAt: now + (timing.delay ?? 0), baseName })
    this.#track(handle)
    return handle
  }

  #start<T>(name: string, wrapper: TaskFunction<T>, extra?: { meta: Readonly<TaskMeta>; signal: AbortSignal }): TaskHandle<T> {
    if (this.#taskService !== undefined) return this.#taskService.spawn(wrapper, { name, owner: this.#name, ...extra })
    return this.#startOwn(name, wrapper, this.#host, extra)
  }

  // A task this manager runs itself, started on the next turn.
  #startOwn<T>(name: string, work: TaskFunction<T>, host: TaskHost, extra?: { meta: Readonly<TaskMeta>; signal: AbortSignal }): Task<T> {
    const task = new Task<T>(this.#nextId++, work, host, { name, owner: this.#name, ...extra })
    // Never inside registerTask(): a task cancelled before this turn never runs.
    nextMacrotask(() => task.start())
    return task
  }

  #registerAfterShutdown<T>(name: string, task: Schedulable<T>): TaskHandle<T> {
    this.#logger.warn({ task: name, owner: this.#name }, `Task "${name}" registered after TaskManager "${this.#name}" shut down; it will not run`)
    const reason = `TaskManager "${this.#name}" is shut down`
    // Through the TaskService too, so the refusal is published like any other finished task. Cancelled while
    // still queued, the function is never called.
    const handle =
      this.#taskService !== undefined
        ? this.#taskService.spawn(task, { name, owner: this.#name })
        : new Task<T>(this.#nextId++, task, { clock: this.#clock, taskSettled: noop }, { name, owner: this.#name })
    handle.cancel(reason)
    return handle
  }

  #track(handle: TaskHandle<unknown>): void {
    this.#live.add(handle)
    this.#armChecker()
    // Tasks run by the TaskService report through their settled promise; our own ones also via the host.
    if (this.#taskService !== undefined) void handle.settled.then(() => this.#forget(handle))
  }

  #ownTaskSettled(task: Task<unknown>): void {
    if (task.state === 'failed') this.#logger.error({ err: task.error, task: task.name, owner: this.#name }, `Task "${task.name}" failed`)
    else if (task.state === 'cancelled') this.#logger.debug({ task: task.name, owner: this.#name }, `Task "${task.name}" cancelled`)
    this.#forget(task)
  }

  #forget(handle: TaskHandle<unknown>): void {
    this.#live.delete(handle)
    const entry = this.#tasks.get(handle.name)
    // Only if the name still belongs to this task: a new task registered under it must stay tracked.
    if (entry !== undefined && entry.handle === handle) this.#tasks.delete(handle.name)
    if (this.#live.size === 0) this.#disarmChecker()
  }

  #armChecker(): void {
    if (this.#checker !== undefined || this.#isShutdown || this.#maxTaskAgeMs === Infinity) return
    this.#checker = this.#clock.setTimeout(() => {
      this.#checker = undefined
      this.#checkTaskAges()
      if (this.#live.size > 0) this.#armChecker()
    }, this.#maxTaskAgeMs)
  }

  #disarmChecker(): void {
    if (this.#checker === undefined) return
    this.#clock.clearTimeout(this.#checker)
    this.#checker = undefined
  }

  // IPv8's checker: a one-shot task that runs far longer than expected is usually stuck; say so, once per check.
  #checkTaskAges(): void {
    const now = this.#clock.now()
    for (const [name, entry] of this.#tasks) {
      if (entry.periodic || isFinal(entry.handle)) continue
      const ageMs = now - entry.dueAt
      if (ageMs >= this.#maxTaskAgeMs) {
        this.#logger.warn(
          { task: name, owner: this.#name, ageMs },
          `Task "${name}" of TaskManager "${this.#name}" has been running for ${Math.round(ageMs)} ms`,
        )
      }
    }
  }

  async #runShutdown(timeoutMs: number | undefined): Promise<void> {
    this.#disarmChecker()
    const reason = `TaskManager "${this.#name}" is shutting down`
    for (const entry of this.#tasks.values()) entry.handle.cancel(reason)
    this.#tasks.clear()
    for (const handle of this.#live) handle.cancel(reason)
    await this.#waitForLive(timeoutMs)
    this.#shutdownTasksStarted = true
    const errors: unknown[] = []
    for (const fn of this.#shutdownTasks.splice(0)) {
      try {
        await fn()
      } catch (error) {
        errors.push(error)
        this.#logger.error({ err: error, manager: this.#name }, `Shutdown task of TaskManager "${this.#name}" failed`)
      }
    }
    if (errors.length > 0) throw new AggregateError(errors, `${errors.length} shutdown task(s) of TaskManager "${this.#name}" failed`)
  }

  async #waitForLive(timeoutMs: number | undefined): Promise<void> {
    const live = [...this.#live]
    const all = Promise.all(live.map((handle) => handle.settled)).then(noop)
    if (timeoutMs === undefined || live.length === 0) return all
    let timer: unknown
    const timedOut = await Promise.race([
      all.then(() => false),
      new Promise<boolean>((resolve) => (timer = this.#clock.setTimeout(() => resolve(true), timeoutMs))),
    ])
    this.#clock.clearTimeout(timer)
    if (timedOut) {
      const names = summarizeNames(live.filter((handle) => !isFinal(handle)).map((handle) => handle.name))
      this.#logger.warn(
        { manager: this.#name, running: names.total, tasks: names.groups, more: names.more, timeoutMs },
        `TaskManager "${this.#name}" shutdown timed out after ${timeoutMs} ms; ${names.total} task(s) still running: ${names.text}`,
      )
    }
  }
}

interface Timing {
  readonly delay: number | undefined
  readonly interval: number | undefined
  readonly stopOnError: boolean
}

// Checks everything before anything is registered, so bad input leaves no trace.
function checkRegistration(task: unknown, options: RegisterOptions | undefined): Timing {
  if (typeof task !== 'function' && !isThenable(task)) {
    throw new TypeError(expectedMessage('task', 'a function or a promise (thenable)', task))
  }
  assertOptionalObject('options', options)
  const { delay, interval, stopOnError = true } = options ?? {}
  if (delay !== undefined) assertNumber('delay', delay, { min: 0 })
  if (interval !== undefined) assertNumber('interval', interval, { min: 0, exclusiveMin: true })
  assertBoolean('stopOnError', stopOnError)
  if (typeof task !== 'function' && (delay !== undefined || interval !== undefined)) {
    throw new TypeError(expectedMessage('task', 'a function when `delay` or `interval` is given', task))
  }
  return { delay: delay ?? interval, interval, stopOnError }
}
