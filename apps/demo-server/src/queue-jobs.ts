/**
 * The demo's distributed jobs: one QueueService job per job kind (the same simulated work as the local tasks in
 * `jobs.ts`), and the enqueuing behind `POST /jobs` with `"distributed": true`. HTTP and validation are elsewhere.
 */
import type { Clock } from '@tsab/core'
import type { JobDone, QueueService } from '@tsab/bullmq'
import type { WorkerPoolService } from '@tsab/workers'
import { DEFAULT_HASH_ITERATIONS, jobKinds, type JobRequest } from './jobs.js'

/** The payload of a queue job: the rounds of a `hash` job (other kinds take none). */
export interface QueueJobPayload {
  iterations?: number
}

/**
 * The queue job name of a job kind: the kind itself (`email`, `resize`, `fail`). With Redis, every instance that
 * shares the Redis and the `[QueueService] prefix` shares these queues.
 *
 * @example
 * ```ts fragment
 * queueJobName('email') // 'email'
 * ```
 */
export function queueJobName(kind: string): string {
  return kind
}

/**
 * The job kind of a finished queue job (a `QueueService.job_done!` payload), or `undefined` for a job that is not
 * one of the demo's kinds.
 *
 * @example
 * ```ts fragment
 * app.pubsub.subscribe(Messages.JobDone, (_message, done: JobDone) => console.log(queueJobKindOf(done)))
 * ```
 */
export function queueJobKindOf(done: Pick<JobDone, 'name'>): string | undefined {
  return jobKinds.has(done.name) ? done.name : undefined
}

/**
 * Defines one queue job per entry of {@link jobKinds}. Each runs the kind's work with `job.signal`, so a cancel,
 * a shutdown or a timeout stops it at once (a `hash` job runs on the worker pool, cancelled with the same signal);
 * a `fail` job fails its only attempt (no retries, to keep the counters easy to read).
 *
 * @param concurrency - how many jobs of each kind this instance runs at a time
 * @example
 * ```ts fragment
 * const queues = app.addService(QueueService)
 * defineQueueJobs(queues, pool, app.clock, 10)
 * ```
 */
export function defineQueueJobs(queues: QueueService, pool: WorkerPoolService, clock: Clock, concurrency: number): void {
  for (const [kind, job] of jobKinds) {
    queues.define(
      queueJobName(kind),
      (payload: QueueJobPayload, context) => {
        if (job.worker === undefined) return job.run(context.signal, clock)
        const iterations = payload.iterations ?? DEFAULT_HASH_ITERATIONS
        // The pool run is named and owned by the pool (not `hash-job` of `jobs`): the queue job is what is counted.
        return pool.run(job.worker.module, job.worker.payload(iterations), { signal: context.signal }).result
      },
      { concurrency },
    )
  }
}

/**
 * Enqueues `count` jobs of `kind` (payload `{}`, or `{ iterations }` for a `hash` job) and resolves with their job ids once every one is enqueued. The
 * request must already be validated: this only enqueues.
 *
 * @example
 * ```ts fragment
 * const ids = await enqueueJobs(queues, { kind: 'resize', count: 5 })
 * ```
 */
export async function enqueueJobs(queues: QueueService, request: Pick<JobRequest, 'kind' | 'count' | 'iterations'>): Promise<string[]> {
  const name = queueJobName(request.kind)
  const payload: QueueJobPayload = request.iterations === undefined ? {} : { iterations: request.iterations }
  const handles = await Promise.all(Array.from({ length: request.count }, () => queues.enqueue(name, payload)))
  return handles.map((handle) => handle.id)
}
