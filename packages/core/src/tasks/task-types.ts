/**
 * The public shapes of tasks: functions, handles, options, info and stats. The behaviour lives in
 * `task.ts` (a single task) and `task-service.ts` (the service that runs them).
 */

/**
 * A unit of work. It receives the task's `AbortSignal` when it declares a parameter.
 *
 * @example
 * ```ts
 * import type { TaskFunction } from '@tsab/core'
 * const poll: TaskFunction<number> = async (signal) => {
 *   const response = await fetch('http://127.0.0.1:8080/health', { signal })
 *   return response.status
 * }
 * ```
 */
export type TaskFunction<T = unknown> = (signal: AbortSignal) => T | PromiseLike<T>

/**
 * What the TaskService accepts: a {@link TaskFunction}, or a promise (thenable) that is already running.
 *
 * @example
 * ```ts
 * import type { Schedulable } from '@tsab/core'
 * const work: Schedulable[] = [async () => 1, Promise.resolve(2)]
 * app.taskService.schedule(...work)
 * ```
 */
export type Schedulable<T = unknown> = TaskFunction<T> | PromiseLike<T>

/**
 * The states of a task: `queued` → `running` → one of the three final states.
 * A task cancelled while queued goes straight to `cancelled` and never runs.
 *
 * @example
 * ```ts
 * import type { TaskState } from '@tsab/core'
 * const finished = (state: TaskState) => state === 'succeeded' || state === 'failed' || state === 'cancelled'
 * ```
 */
export type TaskState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled'

/**
 * Options of `TaskService.spawn()`.
 *
 * @example
 * ```ts
 * app.taskService.spawn((signal) => flush(signal), { name: 'flush', timeoutMs: 5_000, owner: 'Cache' })
 * ```
 */
export interface TaskOptions {
  /** Name used in logs, `list()` and `task_done!`. @default the function's name, else `task-${id}` */
  name?: string
  /** Cancels the task when aborted (before it starts: it never runs). */
  signal?: AbortSignal
  /** Milliseconds after the task starts at which its signal aborts with a `TimeoutError` reason. */
  timeoutMs?: number
  /** Who scheduled the task (a service or manager name), for logs and `list()`. */
  owner?: string
  /**
   * The task's context, e.g. the id of the request that caused it: shown in `list()`, added as fields to every log
   * record tsab writes about the task, and passed on to observers (telemetry). Copied and frozen at the call.
   */
  meta?: TaskMeta
}

/**
 * A task's context: string keys, each a string, a finite number or a boolean.
 *
 * @example
 * ```ts
 * import type { TaskMeta } from '@tsab/core'
 * const meta: TaskMeta = { requestId: 'req-7', userId: 42, retry: false }
 * app.taskService.spawn(async () => 'done', { name: 'audit', meta })
 * ```
 */
export type TaskMeta = Record<string, string | number | boolean>

/**
 * A handle on one task: its identity, state and outcome, and the means to cancel it.
 *
 * @example
 * ```ts
 * const handle = app.taskService.spawn(async () => 42, { name: 'answer' })
 * console.log(handle.state)         // 'queued'
 * console.log(await handle.result)  // 42
 * console.log(handle.state)         // 'succeeded'
 * ```
 */
export interface TaskHandle<T = unknown> {
  /** Unique within its TaskService (or its group/manager when run standalone), from 1. */
  readonly id: number
  /** `options.name` ?? the function's name ?? `task-${id}`. */
  readonly name: string
  /** Who scheduled it, when known. */
  readonly owner?: string
  /** The task's context (`options.meta`, copied and frozen), when given. */
  readonly meta?: Readonly<TaskMeta>
  /** Current state. */
  readonly state: TaskState
  /** Aborted by `cancel()`, at shutdown, by `options.signal` and by `timeoutMs`. */
  readonly signal: AbortSignal
  /** Resolves with the value; rejects with the error, or a `CancelledError`. Never unhandled by itself. */
  readonly result: Promise<T>
  /** Resolves with this handle once the task is final; never rejects. */
  readonly settled: Promise<TaskHandle<T>>
  /** The value, once `succeeded`. */
  readonly value?: T
  /** The error (a `CancelledError` when `cancelled`), once `failed` or `cancelled`. */
  readonly error?: unknown
  /**
   * When the task started running, in the clock's time (`performance.now()` for the real clock). When one
   * synchronous run of code starts or finishes many tasks, they may share one clock reading taken during that run.
   */
  readonly startedAt?: number
  /** When the task reached its final state (same clock and precision as `startedAt`). */
  readonly finishedAt?: number
  /**
   * Cancels the task: a queued task never runs; a running one has its signal aborted with `reason`
   * (it ends `cancelled` if it honours it). Returns `false` if the task had already finished.
   */
  cancel(reason?: unknown): boolean
}

/**
 * One queued or running task, as listed by `TaskService.list()`.
 *
 * @example
 * ```ts
 * for (const info of app.taskService.list()) console.log(info.id, info.name, info.state, info.ageMs)
 * ```
 */
export interface TaskInfo {
  /** The task id. */
  id: number
  /** The task name. */
  name: string
  /** Who scheduled it, when known. */
  owner?: string
  /** `queued` or `running`. */
  state: 'queued' | 'running'
  /** Milliseconds since it was scheduled. */
  ageMs: number
  /** When it started running (clock time, as `TaskHandle.startedAt`); only for `running` tasks. */
  startedAt?: number
  /** The task's context, when it has one. */
  meta?: Readonly<TaskMeta>
}

/**
 * Cumulative counters of a TaskService. `scheduled = succeeded + failed + cancelled + running + queued`.
 *
 * @example
 * ```ts
 * const { scheduled, succeeded, failed } = app.taskService.stats()
 * console.log(`${succeeded}/${scheduled} ok, ${failed} failed`)
 * ```
 */
export interface TaskStats {
  /** Tasks accepted since start (also those cancelled while queued). */
  scheduled: number
  /** Waiting to start. */
  queued: number
  /** Started and not yet final. */
  running: number
  /** Ended `succeeded`. */
  succeeded: number
  /** Ended `failed`. */
  failed: number
  /** Ended `cancelled`. */
  cancelled: number
  /** Restarts of `runForever` functions. */
  restarts: number
}
