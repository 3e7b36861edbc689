/**
 * The errors QueueService adds to tsab's set: a job that failed for good and an enqueue of an unknown name.
 * Cancellation and timeouts use `@tsab/core`'s `CancelledError` and `TimeoutError`.
 */
import { TsabError } from '@tsab/core'

/**
 * Error codes of `@tsab/bullmq`.
 *
 * @example
 * ```ts
 * if (error.code === QueueErrorCodes.JobFailed) retryLater()
 * ```
 */
export const QueueErrorCodes = {
  JobFailed: 'TSAB_JOB_FAILED',
  UndefinedJob: 'TSAB_UNDEFINED_JOB',
} as const

/**
 * A job failed its last attempt. `failedReason` is the last error's message (the only part that crosses
 * machines); with the memory backend `cause` is the error itself.
 *
 * @example
 * ```ts
 * try { await handle.result } catch (error) {
 *   if (error instanceof JobFailedError) console.log(error.jobName, error.attempts, error.failedReason)
 * }
 * ```
 */
export class JobFailedError extends TsabError {
  constructor(
    /** The job id. */
    readonly jobId: string,
    /** The job name. */
    readonly jobName: string,
    /** Attempts made. */
    readonly attempts: number,
    /** The last error's message. */
    readonly failedReason: string,
    options?: ErrorOptions,
  ) {
    super(QueueErrorCodes.JobFailed, `Job "${jobName}" (${jobId}) failed after ${attempts} attempt(s): ${failedReason}`, options)
  }
}

/**
 * `enqueue` of a name that this instance never defined, without `{ allowUndefined: true }`.
 *
 * @example
 * ```ts
 * try { await queues.enqueue('typo', {}) } catch (error) { if (error instanceof UndefinedJobError) console.log(error.jobName) }
 * ```
 */
export class UndefinedJobError extends TsabError {
  constructor(
    /** The unknown name. */
    readonly jobName: string,
    /** The names that are defined. */
    readonly defined: readonly string[],
  ) {
    super(
      QueueErrorCodes.UndefinedJob,
      `No job named "${jobName}" is defined (defined: ${defined.length > 0 ? defined.join(', ') : 'none'}); ` +
        'define it first or pass { allowUndefined: true } on a producer-only instance',
    )
  }
}
