/**
 * `StatsService`: counts finished jobs per kind and final state by listening to `TaskService.task_done!` (local
 * jobs) and `QueueService.job_done!` (distributed jobs this instance ran), and logs a summary once a minute (a cron
 * job). It only observes; scheduling is elsewhere.
 */
import type { JobDone } from '@tsab/bullmq'
import { cron, Messages, Service, type TaskHandle } from '@tsab/core'
import { jobKindOf, jobKinds } from './jobs.js'
import { queueJobKindOf } from './queue-jobs.js'

/** How many jobs of one kind ended in each final state. */
export interface KindCounters {
  /** Resolved. */
  succeeded: number
  /** Threw or rejected (each one is logged at error level by the TaskService). */
  failed: number
  /** Stopped through their AbortSignal: cancelled, timed out or shut down. */
  cancelled: number
}

/** The final states of a queue job, as counted in {@link KindCounters}. */
const QUEUE_STATES = { completed: 'succeeded', failed: 'failed', cancelled: 'cancelled' } as const

/**
 * Keeps per-kind counters of finished jobs, in two separate sets:
 *
 * - `byKind()`: local jobs, from `TaskService.task_done!` (published once for every task that finished);
 * - `distributedByKind()`: queue jobs, from `QueueService.job_done!` (published once per finished job on the
 *   instance that ran its last attempt: with Redis, each instance counts only the jobs it ran).
 *
 * @example
 * ```ts fragment
 * const stats = app.addService(StatsService)
 * // ... later
 * console.log(stats.byKind())            // { email: { succeeded: 3, failed: 0, cancelled: 0 }, ... }
 * console.log(stats.distributedByKind()) // the same shape, for queue jobs
 * ```
 */
export class StatsService extends Service {
  // Counters per job kind; every known kind starts at zero so the JSON shape is stable.
  readonly #counters = new Map<string, KindCounters>()
  // The same for queue jobs, kept apart so local and distributed work can be compared.
  readonly #distributed = new Map<string, KindCounters>()
  // The disposers returned by subscribe(): finalize() calls them.
  #unsubscribe: Array<() => void> = []

  override initialize(): void {
    for (const kind of jobKinds.keys()) {
      this.#counters.set(kind, { succeeded: 0, failed: 0, cancelled: 0 })
      this.#distributed.set(kind, { succeeded: 0, failed: 0, cancelled: 0 })
    }
    this.#unsubscribe = [
      this.app.pubsub.subscribe(Messages.TaskDone, (_message, handle: TaskHandle) => this.#count(handle)),
      this.app.pubsub.subscribe(Messages.JobDone, (_message, done: JobDone) => this.#countQueueJob(done)),
    ]
  }

  override finalize(): void {
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe()
  }

  /**
   * Logs one info line at second 0 of every minute with the job counters and the TaskService's counters: a cron job
   * (`StatsService.summary` in `GET /tasks` while it runs, on the dashboard and in the metrics), stopped before
   * this service is finalized.
   */
  @cron('0 * * * * *')
  summary(): void {
    const { queued, running, succeeded, failed, cancelled } = this.app.taskService.stats()
    this.logger.info(
      { jobs: this.byKind(), distributedJobs: this.distributedByKind(), tasks: { queued, running, succeeded, failed, cancelled } },
      `Summary: ${running} running, ${queued} queued; ${succeeded} succeeded, ${failed} failed, ${cancelled} cancelled so far`,
    )
  }

  /** A snapshot of the counters of local jobs (TaskService), by kind. */
  byKind(): Record<string, KindCounters> {
    return snapshot(this.#counters)
  }

  /** A snapshot of the counters of queue jobs (QueueService) that ran on this instance, by kind. */
  distributedByKind(): Record<string, KindCounters> {
    return snapshot(this.#distributed)
  }

  #count(handle: TaskHandle): void {
    const kind = jobKindOf(handle)
    if (kind === undefined) return // not a job: e.g. the heartbeat
    const counters = this.#counters.get(kind)
    // task_done! is only published for final states; 'queued'/'running' can never reach this point.
    if (counters !== undefined && handle.state !== 'queued' && handle.state !== 'running') counters[handle.state] += 1
  }

  #countQueueJob(done: JobDone): void {
    const kind = queueJobKindOf(done)
    const counters = kind === undefined ? undefined : this.#distributed.get(kind)
    if (counters !== undefined) counters[QUEUE_STATES[done.state]] += 1
  }
}

function snapshot(counters: ReadonlyMap<string, KindCounters>): Record<string, KindCounters> {
  const copy: Record<string, KindCounters> = {}
  for (const [kind, values] of counters) copy[kind] = { ...values }
  return copy
}
