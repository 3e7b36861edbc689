/**
 * The internal interface between QueueService and its two backends (`memory-backend.ts`, `bullmq-backend.ts`),
 * plus the normalised shapes QueueService hands them after validating the caller's input.
 */
import type { Application, Logger } from '@tsab/core'
import type { JobBackoff, JobDone, JobHandle, JobHandler, JobInfo, QueueStats, RepeatHandle } from '../queue-types.js'

/** A validated `define()` call. */
export interface JobDefinition {
  name: string
  handler: JobHandler
  concurrency: number
  attempts: number
  backoff?: JobBackoff
  timeoutMs?: number
}

/** A validated `enqueue()` call. */
export interface EnqueueRequest {
  name: string
  /** The payload as JSON text (validated, copied). */
  payloadJson: string
  delayMs: number
  priority?: number
  attempts: number
  backoff?: JobBackoff
  jobId?: string
}

/** A validated `repeat()` call. */
export interface RepeatRequest {
  id: string
  name: string
  payloadJson: string
  everyMs?: number
  cron?: string
}

/** What a backend needs from its QueueService. */
export interface BackendHost {
  readonly app: Application
  readonly logger: Logger
  /** The definition of `name`, if this instance has one. */
  definition(name: string): JobDefinition | undefined
  /** Publishes `QueueService.job_done!` locally. */
  publishDone(done: JobDone): void
}

/** One way of running jobs: in this process, or across processes through Redis. */
export interface QueueBackend {
  /** Connects (bullmq) and starts running defined jobs. */
  start(): Promise<void>
  /** A name was defined (before or after start). */
  defined(definition: JobDefinition): void
  enqueue(request: EnqueueRequest): Promise<JobHandle>
  repeat(request: RepeatRequest): Promise<RepeatHandle>
  list(names: string[]): Promise<JobInfo[]>
  stats(names: string[]): Promise<QueueStats>
  /** Stops intake, aborts running jobs and releases everything within `timeoutMs`. */
  close(timeoutMs: number): Promise<void>
}

/** Milliseconds to wait after the `failedAttempt`-th failed attempt (BullMQ's formulas). */
export function backoffDelay(backoff: JobBackoff | undefined, failedAttempt: number): number {
  if (backoff === undefined) return 0
  if (backoff.type === 'fixed') return backoff.delayMs
  return Math.round(2 ** (failedAttempt - 1) * backoff.delayMs)
}

/** Sums job counts. */
export function addStats(a: QueueStats, b: QueueStats): QueueStats {
  return {
    waiting: a.waiting + b.waiting,
    active: a.active + b.active,
    delayed: a.delayed + b.delayed,
    completed: a.completed + b.completed,
    failed: a.failed + b.failed,
  }
}

/** All zero. */
export function emptyStats(): QueueStats {
  return { waiting: 0, active: 0, delayed: 0, completed: 0, failed: 0 }
}
