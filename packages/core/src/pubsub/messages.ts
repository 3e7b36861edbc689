/**
 * The names of the messages tsab itself publishes on the PubSub, declared once and typed.
 *
 * This file owns the names only; who publishes them (Application, TaskService, QueueService) lives with each of them.
 */

/**
 * The tick multiples for which the Application publishes `Application.tick/N!`: every Nth tick, N in this list.
 *
 * @example
 * ```ts
 * import { TICK_PERIODS } from '@tsab/core'
 * console.log(TICK_PERIODS.join(', ')) // 10, 60, 300, 600, 1800, 3600, 43200, 86400
 * ```
 */
export const TICK_PERIODS = [10, 60, 300, 600, 1800, 3600, 43200, 86400] as const

/**
 * The messages tsab publishes, ASAB style. Subscribe through these constants, never through bare strings.
 *
 * | constant | name | published |
 * |---|---|---|
 * | `ApplicationInit` | `Application.init!` | once, when init-time starts (before services initialize) |
 * | `ApplicationRun` | `Application.run!` | once, when the app enters `running` |
 * | `ApplicationStop` | `Application.stop!` | once per stop request, with the stop counter (1, 2, …) |
 * | `ApplicationExit` | `Application.exit!` | once, after the first `Application.stop!`, before finalizers run |
 * | `ApplicationHup` | `Application.hup!` | on SIGHUP |
 * | `ApplicationTick` | `Application.tick!` | every tick (`tickPeriodMs`, default 1 s) |
 * | `ApplicationTick10` … `ApplicationTick86400` | `Application.tick/N!` | every Nth tick, N in {@link TICK_PERIODS} |
 * | `TaskDone` | `TaskService.task_done!` | once per finished task, with its handle |
 * | `JobDone` | `QueueService.job_done!` | once per finished queue job (`@tsab/bullmq`) |
 *
 * @example
 * ```ts
 * import { Messages, PubSub } from '@tsab/core'
 * const pubsub = new PubSub()
 * const dispose = pubsub.subscribe(Messages.ApplicationTick, (message) => console.log(message))
 * pubsub.publish(Messages.ApplicationTick) // prints "Application.tick!"
 * dispose()
 * ```
 */
export const Messages = {
  ApplicationInit: 'Application.init!',
  ApplicationRun: 'Application.run!',
  ApplicationStop: 'Application.stop!',
  ApplicationExit: 'Application.exit!',
  ApplicationHup: 'Application.hup!',
  ApplicationTick: 'Application.tick!',
  ApplicationTick10: 'Application.tick/10!',
  ApplicationTick60: 'Application.tick/60!',
  ApplicationTick300: 'Application.tick/300!',
  ApplicationTick600: 'Application.tick/600!',
  ApplicationTick1800: 'Application.tick/1800!',
  ApplicationTick3600: 'Application.tick/3600!',
  ApplicationTick43200: 'Application.tick/43200!',
  ApplicationTick86400: 'Application.tick/86400!',
  TaskDone: 'TaskService.task_done!',
  JobDone: 'QueueService.job_done!',
} as const

/**
 * One of the built-in message names in {@link Messages}.
 *
 * @example
 * ```ts
 * import type { MessageName } from '@tsab/core'
 * const name: MessageName = 'Application.tick/60!'
 * ```
 */
export type MessageName = (typeof Messages)[keyof typeof Messages]
