/**
 * The public types of `@tsab/bullmq`: job definitions, enqueue options, job handles, snapshots and the
 * `QueueService.job_done!` payload. Behaviour lives in `queue-service.ts` and the backends.
 */
import type { Logger } from '@tsab/core'

/**
 * What a handler receives next to its payload: who it is, which attempt this is, and a signal to honour.
 *
 * @example
 * ```ts
 * queues.define('resize', async (payload: { url: string }, job) => {
 *   job.logger.info({ attempt: job.attempt }, 'resizing')
 *   return resize(payload.url, { signal: job.signal })
 * })
 * ```
 */
export interface JobContext {
  /** The job id (given as `jobId` or generated). */
  readonly id: string
  /** The job (queue) name as given to `define`. */
  readonly name: string
  /** Which attempt this is, counting from 1. */
  readonly attempt: number
  /** Aborted on `cancel()` (reason: a `CancelledError`), at `timeoutMs` (a `TimeoutError`) and at shutdown. */
  readonly signal: AbortSignal
  /** The service's logger with `job`, `jobId` and `attempt` bound. */
  readonly logger: Logger
}

/**
 * A job handler: gets the payload (a JSON copy) and the {@link JobContext}; its return value (JSON) is the result.
 *
 * @example
 * ```ts
 * const handler: JobHandler<{ n: number }, number> = async ({ n }) => n * 2
 * ```
 */
export type JobHandler<P = any, R = unknown> = (payload: P, job: JobContext) => R | Promise<R>

/**
 * How failed attempts are spaced: `fixed` waits `delayMs` each time; `exponential` waits `delayMs * 2^(n-1)`
 * after the n-th failed attempt.
 *
 * @example
 * ```ts
 * const backoff: JobBackoff = { type: 'exponential', delayMs: 500 } // 500, 1000, 2000 ms …
 * ```
 */
export interface JobBackoff {
  /** `fixed` or `exponential`. */
  type: 'fixed' | 'exponential'
  /** Milliseconds of the (first) wait. */
  delayMs: number
}

/**
 * Options of {@link QueueService.define}.
 *
 * @example
 * ```ts
 * queues.define('mail', sendMail, { concurrency: 4, attempts: 5, backoff: { type: 'exponential', delayMs: 1_000 }, timeoutMs: 30_000 })
 * ```
 */
export interface JobDefinitionOptions {
  /** Jobs of this name run at most this many at a time on this instance. @default 1 */
  concurrency?: number
  /** Total attempts of a job (first run included) unless its enqueue says otherwise. @default 1 */
  attempts?: number
  /** Wait between attempts. @default no wait */
  backoff?: JobBackoff
  /** Milliseconds an attempt may run before its signal aborts with a `TimeoutError`; the attempt then fails. @default no limit */
  timeoutMs?: number
}

/**
 * Options of {@link QueueService.enqueue}.
 *
 * @example
 * ```ts
 * await queues.enqueue('mail', { to: 'a@b.c' }, { delayMs: 60_000, priority: 1, jobId: 'welcome:42' })
 * ```
 */
export interface EnqueueOptions {
  /** Milliseconds before the job may start. @default 0 */
  delayMs?: number
  /** 1 (first) to 2,097,152 (last); jobs without a priority go before prioritised ones (BullMQ's order). @default none */
  priority?: number
  /** Total attempts of this job, overriding the definition's. @default the definition's `attempts`, else 1 */
  attempts?: number
  /** Deduplicates: enqueuing an id that is already known returns a handle on the existing job. @default generated */
  jobId?: string
  /** Allows a name that this instance has not defined (a producer-only instance). @default false */
  allowUndefined?: boolean
}

/**
 * Where a job is: `waiting` for a worker, `delayed` (by `delayMs` or a retry backoff), `active`, or finished:
 * `completed`, `failed` (after its last attempt) or `cancelled`.
 *
 * @example
 * ```ts
 * const done: JobState[] = ['completed', 'failed', 'cancelled']
 * ```
 */
export type JobState = 'waiting' | 'delayed' | 'active' | 'completed' | 'failed' | 'cancelled'

/**
 * A handle on an enqueued job, wherever it runs.
 *
 * @example
 * ```ts
 * const job = await queues.enqueue('resize', { url })
 * console.log(job.id, job.state)
 * const thumb = await job.result   // or: await job.cancel('user left')
 * ```
 */
export interface JobHandle<R = unknown> {
  /** The job id. */
  readonly id: string
  /** The job name. */
  readonly name: string
  /** The last state this instance knows of (updated from queue events with the bullmq backend). */
  readonly state: JobState
  /**
   * Resolves with the handler's return value; rejects with `JobFailedError` after the last attempt, or with a
   * `CancelledError` when the job was cancelled. Never an unhandled rejection by itself.
   */
  readonly result: Promise<R>
  /**
   * Cancels the job: a waiting or delayed job is removed; a running one has its signal aborted on whichever
   * instance runs it, and is not retried. Resolves `false` if the job had already finished.
   */
  cancel(reason?: string): Promise<boolean>
}

/**
 * One unfinished job in a {@link QueueService.list} snapshot.
 *
 * @example
 * ```ts
 * for (const job of await queues.list('mail')) console.log(job.id, job.state, job.attempt)
 * ```
 */
export interface JobInfo {
  /** The job id. */
  id: string
  /** The job name. */
  name: string
  /** `waiting`, `delayed` or `active`. */
  state: 'waiting' | 'delayed' | 'active'
  /** Attempts started so far (0 while it never ran). */
  attempt: number
  /** Milliseconds since it was enqueued. */
  ageMs: number
}

/**
 * Job counts of one queue, or of every queue this instance defined.
 *
 * @example
 * ```ts
 * const { waiting, active, failed } = await queues.stats('mail')
 * ```
 */
export interface QueueStats {
  /** Ready to run. */
  waiting: number
  /** Running now (on any instance with the bullmq backend). */
  active: number
  /** Waiting for their delay or retry backoff. */
  delayed: number
  /** Finished successfully (kept history; the bullmq backend keeps the last 10,000 per queue). */
  completed: number
  /** Failed after their last attempt (kept history). */
  failed: number
}

/**
 * The period of {@link QueueService.repeat}: every `everyMs` milliseconds, or a cron pattern
 * (5 fields, or 6 with seconds first).
 *
 * @example
 * ```ts
 * await queues.repeat('report', {}, { cron: '0 7 * * 1-5' })
 * ```
 */
export type RepeatOptions = { everyMs: number; cron?: never } | { cron: string; everyMs?: never }

/**
 * A running job scheduler; `cancel()` removes it (for every instance, with the bullmq backend).
 *
 * @example
 * ```ts
 * const scheduler = await queues.repeat('heartbeat', {}, { everyMs: 60_000 })
 * await scheduler.cancel()
 * ```
 */
export interface RepeatHandle {
  /** The scheduler id: `name` plus the period, the same on every instance. */
  readonly id: string
  /** Removes the scheduler; resolves `false` if it was already gone. Jobs already enqueued still run. */
  cancel(): Promise<boolean>
}

/**
 * The payload of `QueueService.job_done!` (`Messages.JobDone`), published once per finished job on the
 * instance that ran its last attempt.
 *
 * @example
 * ```ts
 * app.pubsub.subscribe(Messages.JobDone, (_message, job: JobDone) => console.log(job.name, job.state))
 * ```
 */
export interface JobDone {
  /** The job id. */
  id: string
  /** The job name. */
  name: string
  /** How it finished. */
  state: 'completed' | 'failed' | 'cancelled'
  /** The attempt that finished it (from 1). */
  attempt: number
  /** The handler's return value when `completed`. */
  value?: unknown
  /** The last error when `failed`, the cancellation when `cancelled`. */
  error?: unknown
}
