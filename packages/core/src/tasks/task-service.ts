/**
 * `TaskService`: fire-and-forget work for the whole application. The Service facade over one task engine
 * (`engine.ts`): config, lifecycle, argument checks, load shedding, `task_done!` and `runForever`.
 *
 * Queueing, starting, tracking and settling tasks is the engine's; one task's state machine is in `task.ts`.
 */
import type { Application } from '../application/application.js'
import type { Clock } from '../clock/clock.js'
import { CancelledError } from '../errors/cancellation.js'
import { OverloadedError } from '../errors/errors.js'
import { guardLogger } from '../internal/guarded-logger.js'
import { summarizeNames } from '../internal/name-summary.js'
import {
  assertNonEmptyString,
  assertNumber,
  assertOptionalObject,
  assertOptionalSignal,
  copyMeta,
  expectedMessage,
  isThenable,
} from '../internal/validate.js'
import { within } from '../internal/within.js'
import { Messages } from '../pubsub/messages.js'
import { Service } from '../service/service.js'
import { TaskEngine } from './engine.js'
import { ForeverRunner, planForever, type ForeverHandle, type ForeverInfo, type ForeverSpec } from './forever-runner.js'
import type { TaskInit } from './task.js'
import type { TaskObserver } from './task-observer.js'
import type { Schedulable, TaskFunction, TaskHandle, TaskInfo, TaskOptions, TaskStats } from './task-types.js'

const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000
const OBSERVER_METHODS = ['scheduled', 'started', 'finished', 'restarted'] as const

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
export class TaskService extends Service {
  /** The service name. */
  static readonly serviceName = 'TaskService'

  /** The clock used for timeouts, backoff and ages (the application's clock). */
  readonly clock: Clock
  // Every task of the service: queue, running list, counters, settle path, observers.
  readonly #engine: TaskEngine
  // The logger every record about a task goes through: it never throws, so a broken destination cannot break tasks.
  readonly #log: ReturnType<typeof guardLogger>
  #maxQueued = Infinity
  #shutdownTimeoutMs = DEFAULT_SHUTDOWN_TIMEOUT_MS
  #initialized = false
  readonly #forever = new Set<ForeverRunner>()

  constructor(app: Application) {
    super(app, TaskService.serviceName)
    this.clock = app.clock
    this.#log = guardLogger(this.logger)
    const pubsub = app.pubsub
    this.#engine = new TaskEngine({
      clock: app.clock,
      logger: this.#log,
      startOn: 'macrotask',
      openAtOnce: false,
      taskDone: (task) => pubsub.publish(Messages.TaskDone, task),
    })
  }

  /** Queued plus running tasks. */
  get size(): number {
    return this.#engine.size
  }

  /**
   * `[TaskService] max_queued` as read at `initialize()`: `schedule()`/`spawn()` throw {@link OverloadedError} rather
   * than queue more tasks than this. `Infinity` when unlimited (the default), and before `initialize()`.
   *
   * @example
   * ```ts
   * const { maxQueued } = app.taskService
   * const room = maxQueued - app.taskService.stats().queued // how many more tasks would be accepted now
   * ```
   */
  get maxQueued(): number {
    return this.#maxQueued
  }

  /**
   * Puts each task on the new-task queue and returns their handles at once. A function is never invoked here:
   * the main loop starts it on a later turn of the event loop. A promise is observed immediately, so it can never
   * cause an unhandled rejection. Anything else throws a `TypeError` and nothing is scheduled; so does a call that
   * would queue more than `[TaskService] max_queued` tasks ({@link OverloadedError}, all or nothing).
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
    const engine = this.#engine
    if (engine.queued + count > this.#maxQueued) this.#refuse(count)
    const handles: TaskHandle[] = new Array(count)
    for (let i = 0; i < count; i++) handles[i] = engine.spawn(arguments[i] as Schedulable, undefined)
    return handles
  }

  /**
   * Schedules one task with options: a name, an owner, a cancelling signal, a timeout, a context (`meta`).
   *
   * @example
   * ```ts
   * const handle = app.taskService.spawn((signal) => sync(signal), { name: 'sync', timeoutMs: 30_000 })
   * handle.cancel('user asked')
   * ```
   */
  spawn<T>(task: Schedulable<T>, options?: TaskOptions): TaskHandle<T> {
    assertSchedulable('task', task)
    let init: TaskInit | undefined
    if (options !== undefined) {
      assertOptionalObject('options', options)
      const { name, owner, signal, timeoutMs, meta } = options
      if (name !== undefined) assertNonEmptyString('options.name', name)
      if (owner !== undefined) assertNonEmptyString('options.owner', owner)
      assertOptionalSignal('options.signal', signal)
      if (timeoutMs !== undefined) assertNumber('options.timeoutMs', timeoutMs, { min: 0 })
      init = { name, owner, signal, timeoutMs, meta: meta === undefined ? undefined : copyMeta('options.meta', meta) }
    }
    if (this.#engine.queued >= this.#maxQueued) this.#refuse(1)
    return this.#engine.spawn(task, init)
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
    if (typeof observer !== 'object' || observer === null || Array.isArray(observer)) {
      throw new TypeError(expectedMessage('observer', 'an object', observer))
    }
    for (const key of OBSERVER_METHODS) {
      const member = observer[key]
      if (member !== undefined && typeof member !== 'function') {
        throw new TypeError(expectedMessage(`observer.${key}`, 'a function', member))
      }
    }
    return this.#engine.observe(observer)
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
   * return is logged. It stops for good when its handle is cancelled or at shutdown, never by itself. Each runner
   * is one task in `list()` (named after the spec or function), and its restarts are counted in `stats().restarts`.
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
    // Every argument is checked before anything is scheduled.
    const plans = fns.map((fn, i) => planForever(fn, `fns[${i}]`))
    return plans.map((plan) => {
      const runner: ForeverRunner = new ForeverRunner(this.#engine, this.#log, plan, () => this.#forever.delete(runner))
      if (runner.running) this.#forever.add(runner)
      return runner
    })
  }

  /** A snapshot of the queued and running tasks, queued first in FIFO order. */
  list(): TaskInfo[] {
    return this.#engine.list()
  }

  /** Cumulative counters; `scheduled = succeeded + failed + cancelled + running + queued`. */
  stats(): TaskStats {
    return this.#engine.stats()
  }

  /** Resolves when nothing is queued or running (at once if that is already so). */
  onIdle(): Promise<void> {
    return this.#engine.onIdle()
  }

  /** Reads its config and starts the main loop; tasks scheduled before now start on the next turn. */
  override initialize(): void {
    const config = this.app.config
    const engine = this.#engine
    engine.maxConcurrency = readLimit(config, 'max_concurrency')
    this.#maxQueued = readLimit(config, 'max_queued')
    this.#shutdownTimeoutMs = config.getDuration('TaskService', 'shutdown_timeout', DEFAULT_SHUTDOWN_TIMEOUT_MS, { min: 0 })
    if (!this.#initialized) {
      this.#initialized = true
      engine.open()
    }
  }

  /**
   * Stops intake, cancels queued tasks and forever runners, aborts running tasks, waits for them up to
   * `shutdown_timeout` and until `signal` aborts (the application's exit budget), then logs one warning naming
   * every task that did not settle.
   */
  override async finalize(signal?: AbortSignal): Promise<void> {
    const engine = this.#engine
    if (engine.isClosed) return
    const reason = new CancelledError(undefined, 'TaskService is shutting down')
    for (const runner of [...this.#forever]) runner.cancel(reason)
    engine.close(reason)
    if (engine.size > 0) await within(engine.onIdle(), this.#shutdownTimeoutMs, this.clock, signal)
    if (engine.size > 0) {
      const names = summarizeNames(engine.runningNames())
      this.#log.warn({ pending: names.total, tasks: names.groups, more: names.more }, `${names.total} pending and incomplete tasks: ${names.text}`)
    }
  }

  #refuse(count: number): never {
    throw new OverloadedError(
      `TaskService refused ${count} task(s): ${this.#engine.queued} already queued, the limit is [TaskService] max_queued = ${this.#maxQueued}`,
      this.#maxQueued,
    )
  }
}

// An optional limit of [TaskService]: absent, empty, `unlimited` or `Infinity` is no limit.
function readLimit(config: Application['config'], key: string): number {
  if (config.get('TaskService', key) === '') return Infinity
  return config.getNumber('TaskService', key, Infinity, { min: 1, integer: true, allowInfinity: true })
}
