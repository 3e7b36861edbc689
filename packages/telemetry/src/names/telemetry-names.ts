/**
 * The names `@tsab/telemetry` reports under (spec §12): metric names and attribute keys, written once and
 * exported so dashboards, alerts and views can refer to them by constant.
 */

/**
 * The metrics of `@tsab/telemetry`, OpenTelemetry style (Prometheus writes `.` as `_` and adds `_total` to
 * counters: `tsab.task.finished` is scraped as `tsab_task_finished_total`).
 *
 * | key | name | instrument | unit | attributes |
 * |---|---|---|---|---|
 * | `taskFinished` | `tsab.task.finished` | counter | `{task}` | name, owner, state (`succeeded`, `failed`, `cancelled`) |
 * | `taskDuration` | `tsab.task.duration` | histogram | `s` | name, owner, state; running time of tasks that started |
 * | `taskActive` | `tsab.task.active` | up-down counter | `{task}` | name, owner, state (`queued`, `running`) |
 * | `taskRestarts` | `tsab.task.restarts` | counter | `{restart}` | name (the `runForever` runner) |
 * | `eventLoopDelayP50` | `nodejs.eventloop.delay.p50` | gauge | `s` | none |
 * | `eventLoopDelayP99` | `nodejs.eventloop.delay.p99` | gauge | `s` | none |
 * | `eventLoopDelayMax` | `nodejs.eventloop.delay.max` | gauge | `s` | none |
 * | `eventLoopUtilization` | `nodejs.eventloop.utilization` | gauge | `1` | none |
 *
 * @example
 * ```ts
 * import { TelemetryMetrics } from '@tsab/telemetry'
 * console.log(TelemetryMetrics.taskFinished) // tsab.task.finished
 * ```
 */
export const TelemetryMetrics = {
  taskFinished: 'tsab.task.finished',
  taskDuration: 'tsab.task.duration',
  taskActive: 'tsab.task.active',
  taskRestarts: 'tsab.task.restarts',
  eventLoopDelayP50: 'nodejs.eventloop.delay.p50',
  eventLoopDelayP99: 'nodejs.eventloop.delay.p99',
  eventLoopDelayMax: 'nodejs.eventloop.delay.max',
  eventLoopUtilization: 'nodejs.eventloop.utilization',
} as const

/**
 * The attribute keys on task metrics and spans. `meta` entries of a task become span attributes
 * `tsab.task.meta.<key>` (never metric attributes: their values are unbounded).
 *
 * @example
 * ```ts
 * import { TelemetryAttributes } from '@tsab/telemetry'
 * console.log(`${TelemetryAttributes.taskMetaPrefix}requestId`) // tsab.task.meta.requestId
 * ```
 */
export const TelemetryAttributes = {
  /** The bounded task name (see `boundedTaskName`). */
  taskName: 'tsab.task.name',
  /** The task's owner (a `TaskManager`'s name, e.g. the service); absent when the task has none. */
  taskOwner: 'tsab.task.owner',
  /** `queued` / `running` on `tsab.task.active`; `succeeded` / `failed` / `cancelled` on finished tasks. */
  taskState: 'tsab.task.state',
  /** The task's id (spans only). */
  taskId: 'tsab.task.id',
  /** Prefix of the span attributes made from the task's `meta`. */
  taskMetaPrefix: 'tsab.task.meta.',
} as const
