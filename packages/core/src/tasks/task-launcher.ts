/**
 * How a TaskManager starts its tasks: through its TaskService when it has one (listed, published as `task_done!`),
 * else on an engine of its own; cron schedules on a silent engine of their own (a schedule takes no slot of
 * `max_concurrency`, is not in `list()` and logs its own end). Which names exist is the registry's.
 */
import type { Clock } from '../clock/clock.js'
import type { Logger } from '../logging/logger.js'
import { TaskEngine } from './engine.js'
import { cancelFutureWith } from './task-registration.js'
import type { TaskService } from './task-service.js'
import type { Schedulable, TaskHandle, TaskMeta } from './task-types.js'

/** What a run of a cron schedule adds to a task. @internal */
export interface RunExtras {
  readonly meta: Readonly<TaskMeta>
  readonly signal: AbortSignal
}

/** Starts the tasks of one TaskManager. @internal */
export class TaskLauncher {
  readonly #owner: string
  readonly #taskService: TaskService | undefined
  readonly #clock: Clock
  readonly #logger: Logger
  // The manager's own engines, created on first use: one that logs outcomes, one for cron schedules that does not.
  #engine: TaskEngine | undefined
  #schedules: TaskEngine | undefined

  constructor(owner: string, taskService: TaskService | undefined, clock: Clock, logger: Logger) {
    this.#owner = owner
    this.#taskService = taskService
    this.#clock = clock
    this.#logger = logger
  }

  /** Starts `work` under `name` on a later turn (never inside this call): on the TaskService, else on our engine. */
  start<T>(name: string, work: Schedulable<T>, extras?: RunExtras): TaskHandle<T> {
    const init = { name, owner: this.#owner, meta: extras?.meta, signal: extras?.signal }
    if (this.#taskService !== undefined) return this.#taskService.spawn(work, init)
    this.#engine ??= new TaskEngine({ clock: this.#clock, logger: this.#logger, startOn: 'macrotask' })
    return this.#engine.spawn(work, init)
  }

  /** Starts a cron schedule's own task: never through the TaskService, and not logged (the schedule logs its end). */
  startSchedule<T>(name: string, work: Schedulable<T>): TaskHandle<T> {
    this.#schedules ??= new TaskEngine({ clock: this.#clock, startOn: 'macrotask' })
    return this.#schedules.spawn(work, { name, owner: this.#owner })
  }

  /**
   * A registration after shutdown: the function is never called, a warning is logged, the handle is already
   * `cancelled` (through the TaskService too, so the refusal is published like any other finished task).
   */
  refuse<T>(name: string, work: Schedulable<T>): TaskHandle<T> {
    this.#logger.warn({ task: name, owner: this.#owner }, `Task "${name}" registered after TaskManager "${this.#owner}" shut down; it will not run`)
    const handle = this.start(name, work)
    cancelFutureWith(handle, work)
    handle.cancel(`TaskManager "${this.#owner}" is shut down`)
    return handle
  }
}
