/**
 * `@tsab/bullmq`: QueueService, the tsab task API across many machines (BullMQ on Redis), with an in-memory
 * default backend. Every export is named; nothing from `internal/` is exported.
 */
export { QueueService } from './queue-service.js'
export { JobFailedError, UndefinedJobError, QueueErrorCodes } from './queue-errors.js'
export type {
  EnqueueOptions,
  JobBackoff,
  JobContext,
  JobDefinitionOptions,
  JobDone,
  JobHandle,
  JobHandler,
  JobInfo,
  JobState,
  QueueStats,
  RepeatHandle,
  RepeatOptions,
} from './queue-types.js'
