/**
 * `StatsService`: counts finished jobs per kind and final state by listening to `TaskService.task_done!`.
 * It only observes; scheduling jobs is in `jobs.ts`.
 */
import { Messages, Service, type TaskHandle } from '@tsab/core'
import { jobKindOf, jobKinds } from './jobs.js'

/** How many jobs of one kind ended in each final state. */
export interface KindCounters {
  /** Resolved. */
  succeeded: number
  /** Threw or rejected (each one is logged at error level by the TaskService). */
  failed: number
  /** Stopped through their AbortSignal: cancelled, timed out or shut down. */
  cancelled: number
}

/**
 * Keeps per-kind counters of finished jobs: a subscriber to `TaskService.task_done!`, which the TaskService
 * publishes once for every task that finished, whatever its outcome.
 *
 * @example
 * ```ts fragment
 * const stats = app.addService(StatsService)
 * // ... later
 * console.log(stats.byKind()) // { email: { succeeded: 3, failed: 0, cancelled: 0 }, ... }
 * ```
 */
export class StatsService extends Service {
  // Counters per job kind; every known kind starts at zero so the JSON shape is stable.
  readonly #counters = new Map<string, KindCounters>()
  // The disposer returned by subscribe(): finalize() calls it.
  #unsubscribe: (() => void) | undefined

  override initialize(): void {
    for (const kind of jobKinds.keys()) this.#counters.set(kind, { succeeded: 0, failed: 0, cancelled: 0 })
    this.#unsubscribe = this.app.pubsub.subscribe(Messages.TaskDone, (_message, handle: TaskHandle) => this.#count(handle))
  }

  override finalize(): void {
    this.#unsubscribe?.()
    this.#unsubscribe = undefined
  }

  /** A snapshot of the counters, by kind. */
  byKind(): Record<string, KindCounters> {
    const snapshot: Record<string, KindCounters> = {}
    for (const [kind, counters] of this.#counters) snapshot[kind] = { ...counters }
    return snapshot
  }

  #count(handle: TaskHandle): void {
    const kind = jobKindOf(handle)
    if (kind === undefined) return // not a job: e.g. the heartbeat
    const counters = this.#counters.get(kind)
    // task_done! is only published for final states; 'queued'/'running' can never reach this point.
    if (counters !== undefined && handle.state !== 'queued' && handle.state !== 'running') counters[handle.state] += 1
  }
}
