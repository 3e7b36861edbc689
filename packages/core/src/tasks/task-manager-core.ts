/**
 * The mechanics behind one TaskManager's public API (`task-manager.ts`): the registry of names, where tasks start,
 * the stuck-task checker, registration of timed tasks and cron schedules, and the shutdown sequence. The public
 * methods, their checks and their documentation are the TaskManager's.
 */
import type { Clock } from '../clock/clock.js'
import type { Logger } from '../logging/logger.js'
import { observe } from '../internal/waiter.js'
import type { CronSpec } from './cron-options.js'
import { CronSchedule, type CronHost } from './cron-schedule.js'
import { createPeriodicTask } from './periodic-task.js'
import { TaskAgeChecker } from './task-age-checker.js'
import { TaskLauncher } from './task-launcher.js'
import { ShutdownTasks, waitForSettled } from './task-manager-shutdown.js'
import { cancelFutureWith, isFinal, type Timing } from './task-registration.js'
import { TaskRegistry, type Entry } from './task-registry.js'
import type { TaskService } from './task-service.js'
import type { Schedulable, TaskFunction, TaskHandle } from './task-types.js'

const noop = (): void => {}

/** What one TaskManager is made of. @internal */
export class ManagerCore {
  readonly name: string
  readonly logger: Logger
  readonly clock: Clock
  // Which task is active under which name, and which tasks have not settled yet.
  readonly tasks = new TaskRegistry()
  readonly shutdownTasks: ShutdownTasks
  // Starts the tasks: on the TaskService when there is one, else on engines of the manager's own.
  readonly #launcher: TaskLauncher
  readonly #checker: TaskAgeChecker
  // One counter per manager for anonymous names.
  #anonymousCount = 0
  // Set once shutdown began; the same promise is returned by every later call.
  #shutdown: Promise<void> | undefined
  // Set synchronously when shutdown begins (before #shutdown is assigned), so nothing re-arms during it.
  #isShutdown = false

  constructor(name: string, taskService: TaskService | undefined, logger: Logger, clock: Clock, maxTaskAgeMs: number) {
    this.name = name
    this.logger = logger
    this.clock = clock
    this.#launcher = new TaskLauncher(name, taskService, clock, logger)
    this.shutdownTasks = new ShutdownTasks(name, logger)
    this.#checker = new TaskAgeChecker(clock, maxTaskAgeMs, logger, name, () => this.tasks.entries(), () => this.tasks.liveCount > 0)
  }

  /** True once shutdown began. */
  get isShutdown(): boolean {
    return this.#isShutdown
  }

  /** The next free anonymous name `"<baseName> <n>"`, `n` from one counter per manager. */
  anonymousName(baseName: string): string {
    let name: string
    do name = `${baseName} ${++this.#anonymousCount}`
    while (this.tasks.active(name) !== undefined)
    return name
  }

  /** Registers a checked task (function or promise) with its timing under `name`. */
  register<T>(name: string, task: Schedulable<T>, timing: Timing, baseName: string | undefined): TaskHandle<T> {
    // Observed at once: a promise task never becomes an unhandled rejection, even if cancelled before it starts.
    if (typeof task !== 'function') observe(task)
    if (this.#isShutdown) return this.#launcher.refuse(name, task)
    const now = this.clock.now()
    const wrapper = createPeriodicTask<T>({
      work: task,
      clock: this.clock,
      firstRunAt: timing.delay === undefined ? undefined : now + timing.delay,
      interval: timing.interval,
      stopOnError: timing.stopOnError,
      onRunError: (error) => this.logger.error({ err: error, task: name, owner: this.name }, `Periodic task "${name}" failed; it keeps running`),
    })
    const handle = this.#launcher.start(name, wrapper)
    cancelFutureWith(handle, task)
    // Refused by a TaskService that is shutting down: already final, never registered.
    if (isFinal(handle)) return handle
    this.#track(name, { handle, periodic: timing.interval !== undefined, dueAt: now + (timing.delay ?? 0), baseName })
    return handle
  }

  /** Registers a checked cron schedule under `name`. */
  registerCron<T>(name: string, spec: CronSpec, task: TaskFunction<T>, firstAt: number): TaskHandle<T> {
    if (this.#isShutdown) return this.#launcher.refuse(name, task)
    const launcher = this.#launcher
    const host: CronHost = { name, owner: this.name, clock: this.clock, logger: this.logger, spawnRun: (work, extras) => launcher.start(name, work, extras) }
    const schedule = new CronSchedule<T>(spec, task, firstAt, host)
    // Only the runs go through the TaskService; the schedule's own task is silent (it logs its own end).
    const handle = launcher.startSchedule(name, schedule.run)
    this.#track(name, { handle, periodic: true, dueAt: this.clock.now(), baseName: undefined, cron: schedule as CronSchedule<unknown> })
    return handle
  }

  /**
   * Shuts down once (later calls get the same promise): cancels every task, waits until all have settled (at most
   * `timeoutMs`, then names the ones still running), then runs the shutdown tasks.
   */
  shutdown(timeoutMs: number | undefined): Promise<void> {
    if (this.#shutdown === undefined) {
      this.#isShutdown = true
      const promise = this.#runShutdown(timeoutMs)
      // The caller gets the rejection; the manager itself never leaves one unhandled.
      promise.catch(noop)
      this.#shutdown = promise
    }
    return this.#shutdown
  }

  #track(name: string, entry: Entry): void {
    this.tasks.add(name, entry, () => {
      if (this.tasks.liveCount === 0) this.#checker.disarm()
    })
    this.#checker.arm()
  }

  async #runShutdown(timeoutMs: number | undefined): Promise<void> {
    this.#checker.disarm()
    const reason = `TaskManager "${this.name}" is shutting down`
    for (const handle of this.tasks.clear()) handle.cancel(reason)
    const live = this.tasks.live()
    for (const handle of live) handle.cancel(reason)
    await waitForSettled(live, timeoutMs, this.clock, this.logger, this.name)
    await this.shutdownTasks.run()
  }
}
