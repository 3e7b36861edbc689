/**
 * The JSON the live task dashboard serves: `GET /tsab/api/tasks` ({@link DashboardSnapshot}) and the events of
 * `GET /tsab/api/events` ({@link DashboardStatsEvent}, {@link DashboardTaskEvent}). Types only; the data is
 * gathered by `dashboard.ts` and its parts.
 */
import type { ForeverInfo, TaskInfo, TaskStats } from '@tsab/core'

/**
 * The tasks of one owner and (bounded) name, as counted since the dashboard started. Names are bounded by
 * `boundedTaskName()` (`task-<id>` → `anonymous`, a TaskManager's `"<base> <n>"` → its base name); past the
 * dashboard's limit on groups, new owner/name pairs are counted together under the name `(other)`.
 *
 * @example
 * ```ts
 * import type { TaskGroupSummary } from '@tsab/web'
 * const group: TaskGroupSummary = {
 *   name: 'email-job', owner: 'POST /jobs', running: 3, queued: 0, succeeded: 120, failed: 2, cancelled: 0,
 *   p50Ms: 98.2, p95Ms: 143.9, lastError: 'SMTP timeout',
 * }
 * ```
 */
export interface TaskGroupSummary {
  /** The bounded task name. */
  name: string
  /** The tasks' owner (a route, a service, a TaskManager), when they have one. */
  owner?: string
  /** Running now. */
  running: number
  /** Queued now. */
  queued: number
  /** Finished `succeeded` since the dashboard started. */
  succeeded: number
  /** Finished `failed` since the dashboard started. */
  failed: number
  /** Finished `cancelled` since the dashboard started. */
  cancelled: number
  /** Median run time (start to finish) of the group's last 256 runs, in ms; `null` before the first run ends. */
  p50Ms: number | null
  /** 95th percentile of the same runs, in ms; `null` before the first run ends. */
  p95Ms: number | null
  /** The message of the group's last failure (at most 500 characters), if it ever failed. */
  lastError?: string
}

/**
 * A finished task, as the dashboard reports it (`task` events, the last failures).
 *
 * @example
 * ```ts
 * import type { FinishedTaskSummary } from '@tsab/web'
 * const failure: FinishedTaskSummary = {
 *   id: 42, name: 'fail-job', owner: 'POST /jobs', state: 'failed', durationMs: 51.3, finishedAt: Date.now(),
 *   error: { name: 'Error', message: 'Simulated failure', stack: 'Error: Simulated failure\n    at run (jobs.js:80:15)' },
 * }
 * ```
 */
export interface FinishedTaskSummary {
  /** The task id. */
  id: number
  /** The task's own name (not bounded). */
  name: string
  /** Its owner, when it has one. */
  owner?: string
  /** How it ended. */
  state: 'succeeded' | 'failed' | 'cancelled'
  /** Start to finish in ms; `null` for a task that never started (cancelled while queued). */
  durationMs: number | null
  /** When it finished, in ms since the Unix epoch. */
  finishedAt: number
  /** For a failed task: the error's name, message (at most 2,000 characters) and stack (at most 8,000). */
  error?: { name: string; message: string; stack?: string }
  /** The task's context (`TaskOptions.meta`), when it has one. */
  meta?: Readonly<Record<string, string | number | boolean>>
}

/**
 * The event loop over the last second: `monitorEventLoopDelay`'s p99 and `eventLoopUtilization()` (0 to 1).
 *
 * @example
 * ```ts
 * import type { LoopSummary } from '@tsab/web'
 * const loop: LoopSummary = { delayP99Ms: 11.2, utilization: 0.07 }
 * ```
 */
export interface LoopSummary {
  /** 99th percentile of the event-loop delay, in ms. */
  delayP99Ms: number
  /** Share of the time the loop was busy, 0 to 1. */
  utilization: number
}

/**
 * Finished tasks per second over the last minutes, one point a second, oldest first (parallel arrays, the shape
 * a chart wants).
 *
 * @example
 * ```ts
 * import type { ThroughputHistory } from '@tsab/web'
 * const history: ThroughputHistory = { at: [1_760_000_000_000], succeeded: [250], failed: [2], cancelled: [0] }
 * ```
 */
export interface ThroughputHistory {
  /** The end of each one-second interval, in ms since the Unix epoch. */
  at: number[]
  /** Tasks that succeeded per second. */
  succeeded: number[]
  /** Tasks that failed per second. */
  failed: number[]
  /** Tasks that were cancelled per second. */
  cancelled: number[]
}

/**
 * The answer of `GET /tsab/api/tasks`.
 *
 * @example
 * ```ts fragment
 * const snapshot = (await (await fetch('http://127.0.0.1:8080/tsab/api/tasks')).json()) as DashboardSnapshot
 * console.log(snapshot.total, snapshot.stats.running, snapshot.byName.map((group) => group.name))
 * ```
 */
export interface DashboardSnapshot {
  /** The application's name. */
  app: string
  /** When the snapshot was taken, in ms since the Unix epoch. */
  at: number
  /** The oldest queued or running tasks (at most 500), oldest first. */
  tasks: TaskInfo[]
  /** How many tasks are queued or running in all. */
  total: number
  /** The TaskService's counters (`taskService.stats()`). */
  stats: TaskStats
  /** The tasks grouped by owner and bounded name. */
  byName: TaskGroupSummary[]
  /** The `runForever` runners (`taskService.listForever()`). */
  forever: ForeverInfo[]
  /** The event loop over the last second. */
  loop: LoopSummary
  /** Finished tasks per second over the last five minutes. */
  history: ThroughputHistory
  /** The last failures (at most 20), newest first. */
  failures: FinishedTaskSummary[]
}

/**
 * The data of a `stats` event of `GET /tsab/api/events` (sent at least once a second, and at once on connecting).
 *
 * @example
 * ```ts fragment
 * new EventSource('/tsab/api/events').addEventListener('stats', (event) => {
 *   const stats = JSON.parse(event.data) as DashboardStatsEvent
 *   console.log(stats.stats.running, stats.rate.succeeded)
 * })
 * ```
 */
export interface DashboardStatsEvent {
  /** When it was taken, in ms since the Unix epoch. */
  at: number
  /** The TaskService's counters. */
  stats: TaskStats
  /** How many tasks are queued or running in all. */
  total: number
  /** Finished tasks per second over the last second (the newest point of {@link ThroughputHistory}). */
  rate: { succeeded: number; failed: number; cancelled: number }
  /** The tasks grouped by owner and bounded name. */
  byName: TaskGroupSummary[]
  /** The `runForever` runners. */
  forever: ForeverInfo[]
  /** The event loop over the last second. */
  loop: LoopSummary
}

/**
 * The data of a `task` event of `GET /tsab/api/events`: tasks that finished since the last one (sent at most four
 * times a second). Under load only some are listed (every failure up to 20 per event, other tasks up to 100);
 * `omitted` counts the rest.
 *
 * @example
 * ```ts fragment
 * new EventSource('/tsab/api/events').addEventListener('task', (event) => {
 *   const { tasks, omitted } = JSON.parse(event.data) as DashboardTaskEvent
 *   for (const task of tasks) if (task.state === 'failed') console.log(task.name, task.error?.stack)
 * })
 * ```
 */
export interface DashboardTaskEvent {
  /** Finished tasks, in the order they finished. */
  tasks: FinishedTaskSummary[]
  /** Finished tasks not listed. */
  omitted: number
}
