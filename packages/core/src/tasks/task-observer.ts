/**
 * The public observer API of the TaskService: how other packages (telemetry, the web dashboard) see every task as
 * it is scheduled, started and finished, without touching internals. Types only; the TaskService calls them.
 */
import type { ForeverHandle } from './forever-runner.js'
import type { TaskHandle } from './task-types.js'

/**
 * Runs `fn` inside a context the observer provides and returns what `fn` returns, e.g.
 * `(fn) => context.with(ctx, fn)` with OpenTelemetry. The TaskService calls it once, synchronously, with a function
 * that invokes the task's function; promise continuations of the task inherit the context (AsyncLocalStorage).
 *
 * @example
 * ```ts
 * import { AsyncLocalStorage } from 'node:async_hooks'
 * import type { TaskRunWrapper } from '@tsab/core'
 * const requestIds = new AsyncLocalStorage<string>()
 * const wrapper: TaskRunWrapper = (fn) => requestIds.run('req-1', fn)
 * ```
 */
export type TaskRunWrapper = <R>(fn: () => R) => R

/**
 * Sees every task of a TaskService. Register one with {@link TaskService.observe}; every method is optional and
 * called synchronously:
 *
 * - `scheduled(task)`: the task was accepted (state `queued`), inside `schedule()`/`spawn()`: the caller's context
 *   (e.g. the active OpenTelemetry span) is still the current one. Also for a task refused at once (after shutdown,
 *   or with an aborted `options.signal`): `finished` follows.
 * - `started(task)`: the task is about to run (state `running`, `startedAt` set); it may return a
 *   {@link TaskRunWrapper} to run the task's function inside a context. A task cancelled before it started is never
 *   `started`.
 * - `finished(task)`: once per task, its state final (`succeeded`, `failed` or `cancelled`), after the TaskService's
 *   counters and log and before `TaskService.task_done!` is published.
 * - `restarted(runner)`: a `runForever` function is about to run again (`runner.restarts` already counts it).
 *
 * An observer that throws is logged and never disturbs the task or the other observers. Observers add no cost to a
 * TaskService that has none.
 *
 * @example
 * ```ts
 * import type { TaskObserver } from '@tsab/core'
 * const durations = new Map<string, number[]>()
 * const observer: TaskObserver = {
 *   finished(task) {
 *     const ms = (task.finishedAt ?? 0) - (task.startedAt ?? task.finishedAt ?? 0)
 *     durations.set(task.name, [...(durations.get(task.name) ?? []), ms])
 *   },
 * }
 * const stopObserving = app.taskService.observe(observer)
 * // ... later
 * stopObserving()
 * ```
 */
export interface TaskObserver {
  /** A task was accepted; the scheduling caller's context is current. */
  scheduled?(task: TaskHandle): void
  /** A task is about to run; return a wrapper to run its function inside a context. */
  started?(task: TaskHandle): TaskRunWrapper | void
  /** A task reached its final state (once), before `task_done!`. */
  finished?(task: TaskHandle): void
  /** A `runForever` runner is restarting its function. */
  restarted?(runner: ForeverHandle): void
}
