/**
 * The option types of the TaskManager: how a manager is set up and how one registration is timed. Behaviour is
 * in `task-manager.ts`.
 */
import type { Clock } from '../clock/clock.js'
import type { Logger } from '../logging/logger.js'
import type { TaskService } from './task-service.js'

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
