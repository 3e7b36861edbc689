/**
 * `TaskService`: fire-and-forget work. A new-task queue drained by a main loop, O(1) tracking of every pending
 * task, failure logging, `TaskService.task_done!`, `runForever` restarts and a bounded shutdown.
 *
 * One task's state machine lives in `task.ts`; restart loops in `forever-runner.ts`.
 */
import type { Application } from '../application/application.js'
import type { Clock } from '../clock/clock.js'
import { CancelledError } from '../errors/cancellation.js'
import { OverloadedError } from '../errors/errors.js'
import { summarizeNames } from '../internal/name-summary.js'
import { within } from '../internal/within.js'
import { nextMacrotask } from '../internal/macrotask.js'
import { TaskList } from '../internal/task-list.js'
import {
  assertNonEmptyString,
  assertNumber,
  assertOptionalObject,
  assertOptionalSignal,
  copyMeta,
  expectedMessage,
  isThenable,
} from '../internal/validate.js'
import { Messages } from '../pubsub/messages.js'
import { Service } from '../service/service.js'
import { ForeverRunner, type ForeverHandle, type ForeverInfo, type ForeverSpec } from './forever-runner.js'
import { Task, type TaskHost, type TaskInit } from './task.js'
import type { TaskObserver, TaskRunWrapper } from './task-observer.js'
import type { Schedulable, TaskFunction, TaskHandle, TaskInfo, TaskOptions, TaskStats } from './task-types.js'

const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000
// Restart delays of a main loop that died: short, growing, never a hot loop.
const LOOP_RESTART_MIN_MS = 10
const LOOP_RESTART_MAX_MS = 1_000

function assertSchedulable(name: string, task: unknown): asserts task is Schedulable {
  if (typeof task !== 'function' && !isThenable(task)) {
    throw new TypeError(expectedMessage(name, 'a function or a promise (thenable)', task))
  }
}

/**
 * Runs fire-and-forget work for the whole application and never loses track of it.
 *
 * `schedule()` only puts work on the new-task queue; the main loop starts it on a later turn of the event loop
 * (normally the next one). Every task is tracked until it settles, failures are logged with the task's name,
 * id and owner, and every finished task is published once as `TaskService.task_done!`. At shutdown (last in the
 * application's exit-time) queued tasks are cancelled, running ones have their signal aborted, and the service
 * waits up to `[TaskService] shutdown_timeout` (default 10 s) before naming what did not stop.
 *
 * Config: `[TaskService] max_concurrency` (default unlimited), `max_queued` (default unlimited: beyond it
 * `schedule()`/`spawn()` throw {@link OverloadedError}), `shutdown_timeout` (duration, default `10s`).
 *
 * Other packages see every task through {@link TaskService.observe} (the observer API).
 *
 * @example
 * ```ts
 * import { Application, Messages, type TaskHandle } from '@tsab/core'
 * const app = new Application({ name: 'worker' })
 * app.pubsub.subscribe(Messages.TaskDone, (_message, handle: TaskHandle) => console.log(handle.name, handle.state))
 * await app.start()
 * app.taskService.schedule(async function sendWelcomeMail() { return 'sent' })
 * await app.taskService.onIdle() // prints "sendWelcomeMail succeeded"
 * await app.stop()
 * ```
 */
export class TaskService extends Service implements TaskHost {
  /** The service name. */
  static readonly serviceName = 'TaskService'

  /** The clock used for timeouts, backoff and ages (the application's clock). */
  readonly clock: Clock
  #nextId = 1
  // FIFO new-task queue: an array with a moving head, so dequeue is O(1) and cancelled entries are skipped lazily.
  #queue: Array<Task | undefined> = []
  #head = 0
  // Queued tasks not yet cancelled: what `size` and `stats().queued` report.
  #queued = 0
  // Every started task until it settles; insertion order gives list() its order.
  readonly #running = new TaskList()
  readonly #counters = { scheduled: 0, succeeded: 0, failed: 0, cancelled: 0, restarts: 0 }
  // 'idle' before initialize(), 'open' while accepting, 'closed' once finalize began.
  #phase: 'idle' | 'open' | 'closed' = 'idle'
  #maxConcurrency = Infinity
  #maxQueued = Infinity
  // Registered observers; replaced (never mutated) on change, so a notification in progress sees a stable list.
  #observers: readonly TaskObserver[] = []
  #shutdownTimeoutMs = DEFAULT_SHUTDOWN_TIMEOUT_MS
  // A wake-up of the main loop is already on the macrotask queue.
  #wakeArmed = false
  // Resolves the main loop's wait for work; undefined while the loop is draining or not running.
  #wake: (() => void) | undefined
  #loopFailures = 0
  #loopRestartTimer: unknown
  // Callers of onIdle() waiting for size to reach 0.
  #idleWaiters: Array<() => void> = []
  readonly #forever = new Set<ForeverRunner>()

  constructor(app: Application) {
    super(app, TaskService.serviceName)
    this.clock = app.clock
  }

  /** Queued plus running tasks. */
  get size(): number {
    return this.#queued + this.#running.size
  }

  /**
   * Puts each task on the new-task queue and returns their handles at once. A function is never invoked here:
   * the main loop starts it on a later turn of the event loop. A promise is observed immediately, so it can never
   * cause an unhandled rejection. Anything else throws a `TypeError` and nothing is scheduled.
   *
   * @example
   * ```ts
   * const [a, b] = app.taskService.schedule(async () => 'a', fetchSomething())
   * await a.result // 'a'
   * ```
   */
  schedule(...tasks: Schedulable[]): TaskHandle[]
  schedule(): TaskHandle[] {
    // `arguments` rather than a rest parameter: this runs once per task, and `schedule(fn)` then allocates no
    // array besides the returned one. The error message (a new string) is only built for bad input.
    const count = arguments.length
    for (let i = 0; i < count; i++) {
      const task: unknown = arguments[i]
      if (typeof task !== 'function' && !isThenable(task)) assertSchedulable(`tasks[${i}]`, task)
    }
    if (this.#queued + count > this.#maxQueued) this.#refuse(count)
    const handles: TaskHandle[] = new Array(count)
    for (let i = 0; i < count; i++) handles[i] = this.#enqueue(arguments[i] as Schedulable, undefined)
    return handles
  }

  /**
   * Schedules one task with options: a name, an owner, a cancelling signal, a timeout.
   *
   * @example
   * ```ts
   * const handle = app.taskService.spawn((signal) => sync(signal), { name: 'sync', timeoutMs: 30_000 })
   * handle.cancel('user asked')
   * ```
   */
  spawn<T>(task: Schedulable<T>, options?: TaskOptions): TaskHandle<T> {
    assertSchedulable('task', task)
    if (options !== undefined) {
      assertOptionalObject('options', options)
      if (options.name !== undefined) assertNonEmptyString('options.name', options.name)
      if (options.owner !== undefined) assertNonEmptyString('options.owner', options.owner)
      assertOptionalSignal('options.signal', options.signal)
      if (options.timeoutMs !== undefined) assertNumber('options.timeoutMs', options.timeoutMs, { min: 0 })
      if (options.meta !== undefined) {
        const { name, owner, signal, timeoutMs } = options
        options = { name, owner, signal, timeoutMs, meta: copyMeta('options.meta', options.meta) }
      }
    }
    if (this.#queued >= this.#maxQueued) this.#refuse(1)
    return this.#enqueue(task, options) as TaskHandle<T>
  }

  /**
   * Registers an observer that sees every task of this service as it is scheduled, started and finished (see
   * {@link TaskObserver}), and every `runForever` restart. Returns the function that removes it (safe to call twice).
   *
   * @example
   * ```ts
   * let failures = 0
   * const stop = app.taskService.observe({ finished: (task) => { if (task.state === 'failed') failures++ } })
   * // ... later
   * stop()
   * ```
   */
  observe(observer: TaskObserver): () => void {
    assertOptionalObject('observer', observer)
    if (observer === undefined) throw new TypeError(expectedMessage('observer', 'an object', observer))
    for (const key of ['scheduled', 'started', 'finished', 'restarted'] as const) {
      const member = observer[key]
      if (member !== undefined && typeof member !== 'function') {
        throw new TypeError(expectedMessage(`observer.${key}`, 'a function', member))
      }
    }
    this.#observers = [...this.#observers, observer]
    return () => {
      this.#observers = this.#observers.filter((item) => item !== observer)
    }
  }

  /**
   * A snapshot of the `runForever` runners that have not stopped for good: name, restarts so far, and whether it
   * still runs.
   *
   * @example
   * ```ts
   * for (const runner of app.taskService.listForever()) console.log(runner.name, runner.restarts)
   * ```
   */
  listForever(): ForeverInfo[] {
    return [...this.#forever].map((runner) => ({ name: runner.name, restarts: runner.restarts, running: runner.running }))
  }

  /**
   * Runs each function for ever: after it returns or throws it is started again after a backoff delay
   * (exponential with jitter, reset after a healthy run; always at least one macrotask). Each throw and each
   * return is logged. It stops for good when its handle is cancelled or at shutdown. Each runner is one task
   * in `list()` (named after the spec or function), and its restarts are counted in `stats().restarts`.
   *
   * @example
   * ```ts
   * const [heartbeat] = app.taskService.runForever({
   *   name: 'heartbeat',
   *   run: async (signal) => { await sleep(1_000, { signal }); app.logger.info('alive') },
   * })
   * heartbeat.cancel()
   * ```
   */
  runForever(...fns: Array<TaskFunction | ForeverSpec>): ForeverHandle[] {
    const runners = fns.map((fn, i) => new ForeverRunner(this, fn, `fns[${i}]`))
    return runners.map((runner) => {
      this.#forever.add(runner)
      runner.start((task, options) => this.#enqueue(task, options), () => this.#forever.delete(runner))
      return runner
    })
  }

  /** A snapshot of the queued and running tasks, queued first in FIFO order. */
  list(): TaskInfo[] {
    const now = this.clock.now()
    const infos: TaskInfo[] = []
    for (let i = this.#head; i < this.#queue.length; i++) {
      const task = this.#queue[i]
      if (task !== undefined && task.state === 'queued') infos.push(this.#info(task, 'queued', now))
    }
    for (const task of this.#running) infos.push(this.#info(task, 'running', now))
    return infos
  }

  /** Cumulative counters; `scheduled = succeeded + failed + cancelled + running + queued`. */
  stats(): TaskStats {
    const c = this.#counters
    return {
      scheduled: c.scheduled,
      queued: this.#queued,
      running: this.#running.size,
      succeeded: c.succeeded,
      failed: c.failed,
      cancelled: c.cancelled,
      restarts: c.restarts,
    }
  }

  /** Resolves when nothing is queued or running (at once if that is already so). */
  onIdle(): Promise<void> {
    if (this.size === 0) return Promise.resolve()
    return new Promise((resolve) => this.#idleWaiters.push(resolve))
  }

  /** Reads its config and starts the main loop; tasks scheduled before now start on the next turn. */
  override initialize(): void {
    const config = this.app.config
    const max = config.get('TaskService', 'max_concurrency')
    if (max !== undefined && max !== '' && max !== 'unlimited') {
      const value = config.getNumber('TaskService', 'max_concurrency')!
      assertNumber('[TaskService] max_concurrency', value, { min: 1, integer: true, allowInfinity: true })
      this.#maxConcurrency = value
    }
    const maxQueued = config.get('TaskService', 'max_queued')
    if (maxQueued !== undefined && maxQueued !== '' && maxQueued !== 'unlimited') {
      const value = config.getNumber('TaskService', 'max_queued')!
      assertNumber('[TaskService] max_queued', value, { min: 1, integer: true, allowInfinity: true })
      this.#maxQueued = value
    }
    this.#shutdownTimeoutMs = config.getDuration('TaskService', 'shutdown_timeout', DEFAULT_SHUTDOWN_TIMEOUT_MS)
    if (this.#phase === 'idle') {
      this.#phase = 'open'
      this.#startLoop()
    }
  }

  /**
   * Stops intake, cancels queued tasks and forever runners, aborts running tasks, waits for them up to
   * `shutdown_timeout` (capped by the application's remaining exit budget), then logs one warning naming every
   * task that did not settle.
   */
  override async finalize(signal?: AbortSignal): Promise<void> {
    if (this.#phase === 'closed') return
    this.#phase = 'closed'
    const reason = new CancelledError(undefined, 'TaskService is shutting down')
    for (const runner of [...this.#forever]) runner.cancel(reason)
    for (let i = this.#head; i < this.#queue.length; i++) this.#queue[i]?.cancel(reason)
    this.#queue = []
    this.#head = 0
    for (const task of [...this.#running]) task.cancel(reason)
    this.#stopLoop()

    // Bounded by shutdown_timeout and by the signal the Application aborts when this service's budget is spent.
    if (this.size > 0) await within(this.onIdle(), this.#shutdownTimeoutMs, this.clock, signal)
    if (this.size > 0) {
      const names = summarizeNames(Array.from(this.#running, (task) => task.name))
      this.#safeLog(() =>
        this.logger.warn({ pending: names.total, tasks: names.groups, more: names.more }, `${names.total} pending and incomplete tasks: ${names.text}`),
      )
    }
  }

  /** @internal TaskHost: called once per task when it reaches its final state. */
  taskSettled(task: Task<unknown>, wasRunning: boolean): void {
    if (wasRunning) this.#running.delete(task)
    else this.#queued--
    const state = task.state
    if (state === 'succeeded') this.#counters.succeeded++
    else if (state === 'failed') {
      this.#counters.failed++
      this.#logFailure(task)
    } else {
      this.#counters.cancelled++
      if (this.logger.isLevelEnabled('debug')) {
        this.#safeLog(() => this.logger.debug(this.#fields(task), 'Task cancelled'))
      }
    }
    if (this.#observers.length > 0) this.#notify('finished', task)
    this.app.pubsub.publish(Messages.TaskDone, task)
    if (this.#queued > 0 && wasRunning && this.#running.size < this.#maxConcurrency) this.#armWake()
    if (this.#idleWaiters.length > 0 && this.size === 0) {
      const waiters = this.#idleWaiters
      this.#idleWaiters = []
      for (const resolve of waiters) resolve()
    }
  }

  /** @internal counts one restart of a forever runner. */
  countRestart(runner: ForeverHandle): void {
    this.#counters.restarts++
    if (this.#observers.length > 0) this.#notify('restarted', runner)
  }

  #refuse(count: number): never {
    throw new OverloadedError(
      `TaskService refused ${count} task(s): ${this.#queued} already queued, the limit is [TaskService] max_queued = ${this.#maxQueued}`,
      this.#maxQueued,
    )
  }

  #enqueue(work: Schedulable, options: TaskInit | undefined): Task {
    const task = new Task(this.#nextId++, work, this, options)
    this.#counters.scheduled++
    this.#queued++
    if (this.#observers.length > 0) this.#notify('scheduled', task)
    if (task.isCancelRequested) {
      // options.signal was aborted already: the task is cancelled without ever being queued.
      task.cancel(options!.signal!.reason)
      return task
    }
    if (this.#phase === 'closed') {
      this.#safeLog(() => this.logger.warn(this.#fields(task), 'Task scheduled after shutdown; cancelled'))
      task.cancel(new CancelledError(undefined, 'TaskService is shut down'))
      return task
    }
    this.#queue.push(task)
    if (this.#phase === 'open') this.#armWake()
    return task
  }

  #info(task: Task, state: 'queued' | 'running', now: number): TaskInfo {
    const info: TaskInfo = { id: task.id, name: task.name, state, ageMs: task.ageMs(now) }
    if (task.owner !== undefined) info.owner = task.owner
    if (state === 'running' && task.startedAt !== undefined) info.startedAt = task.startedAt
    const meta = task.meta
    if (meta !== undefined) info.meta = meta
    return info
  }

  // The fields of every log record about a task: its meta first, so tsab's own fields win a name clash.
  #fields(task: Task, err?: unknown): Record<string, unknown> {
    const fields: Record<string, unknown> = { ...task.meta, task: task.name, taskId: task.id, owner: task.owner }
    if (err !== undefined) fields['err'] = err
    return fields
  }

  #logFailure(task: Task): void {
    const message = `Task "${task.name}" failed`
    try {
      this.logger.error(this.#fields(task, task.error), message)
    } catch {
      // The error itself may be unprintable (a throwing getter): still say which task failed.
      this.#safeLog(() => this.logger.error(this.#fields(task, 'unprintable error'), message))
    }
  }

  // Calls one observer method on every observer; a throwing observer is logged and never disturbs the others.
  #notify(event: 'scheduled' | 'finished', task: Task): void
  #notify(event: 'restarted', runner: ForeverHandle): void
  #notify(event: 'scheduled' | 'finished' | 'restarted', subject: Task | ForeverHandle): void {
    for (const observer of this.#observers) {
      const method = observer[event] as ((subject: unknown) => void) | undefined
      if (method === undefined) continue
      try {
        method.call(observer, subject)
      } catch (error) {
        this.#safeLog(() => this.logger.error({ err: error, task: subject.name }, `Task observer failed in ${event}()`))
      }
    }
  }

  /** @internal TaskHost: the task is running; its observers may give contexts to run its function in. */
  taskStarting(task: Task<unknown>): TaskRunWrapper | undefined {
    if (this.#observers.length === 0) return undefined
    let wrap: TaskRunWrapper | undefined
    for (const observer of this.#observers) {
      if (observer.started === undefined) continue
      let wrapper: TaskRunWrapper | void
      try {
        wrapper = observer.started(task)
      } catch (error) {
        this.#safeLog(() => this.logger.error({ err: error, task: task.name }, 'Task observer failed in started()'))
        continue
      }
      if (typeof wrapper !== 'function') continue
      // The first observer's context is the outermost one.
      const outer = wrap
      const inner = wrapper
      wrap = outer === undefined ? inner : <R>(fn: () => R): R => outer(() => inner(fn))
    }
    return wrap
  }

  // A broken logger must never break task bookkeeping.
  #safeLog(write: () => void): void {
    try {
      write()
    } catch {
      // Nothing sensible left to report to.
    }
  }

  #armWake(): void {
    if (this.#wakeArmed) return
    this.#wakeArmed = true
    nextMacrotask(this.#onWake)
  }

  readonly #onWake = (): void => {
    this.#wakeArmed = false
    const wake = this.#wake
    if (wake !== undefined) {
      this.#wake = undefined
      wake()
    }
  }

  #startLoop(): void {
    this.#mainLoop().then(undefined, (error: unknown) => this.#loopDied(error))
    // Work queued before the loop (re)started begins on the next turn, never inside initialize()/start().
    if (this.#head < this.#queue.length) this.#armWake()
  }

  #stopLoop(): void {
    if (this.#loopRestartTimer !== undefined) {
      this.clock.clearTimeout(this.#loopRestartTimer)
      this.#loopRestartTimer = undefined
    }
    this.#onWake()
  }

  // The main loop: wait until there is work, drain the queue, repeat. Ends when the service closes.
  async #mainLoop(): Promise<void> {
    while (this.#phase === 'open') {
      await new Promise<void>((resolve) => (this.#wake = resolve))
      if (this.#phase !== 'open') return
      this.#drain()
    }
  }

  #loopDied(error: unknown): void {
    this.#wake = undefined
    if (this.#phase !== 'open') return
    const delay = Math.min(LOOP_RESTART_MAX_MS, LOOP_RESTART_MIN_MS * 2 ** this.#loopFailures++)
    this.#safeLog(() => this.logger.error({ err: error, restartInMs: delay }, 'TaskService main loop died; restarting it'))
    this.#loopRestartTimer = this.clock.setTimeout(() => {
      this.#loopRestartTimer = undefined
      if (this.#phase === 'open') this.#startLoop()
    }, delay)
  }

  // Starts queued tasks in FIFO order while below max_concurrency.
  #drain(): void {
    const queue = this.#queue
    // Only what was queued before this drain: a task scheduled by a task started here waits for the next turn,
    // so a task that keeps scheduling itself cannot hold the event loop.
    const end = queue.length
    while (this.#head < end && this.#running.size < this.#maxConcurrency) {
      const task = queue[this.#head]!
      queue[this.#head++] = undefined
      if (task.state !== 'queued') continue
      this.#queued--
      this.#running.add(task)
      try {
        task.start()
      } catch (error) {
        // An internal fault: the task must still end (failed), then the loop dies and is restarted.
        // If it never left 'queued', abandon() settles it as queued: undo the move to running first.
        if (task.state === 'queued') {
          this.#running.delete(task)
          this.#queued++
        }
        task.abandon(error)
        throw error
      }
    }
    if (this.#head === queue.length) {
      queue.length = 0
      this.#head = 0
    } else if (this.#head > 1024 && this.#head * 2 > queue.length) {
      this.#queue = queue.slice(this.#head)
      this.#head = 0
    }
    if (this.#loopFailures > 0) this.#loopFailures = 0
  }
}
