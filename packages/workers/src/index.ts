/**
 * `@tsab/workers`: CPU-bound work off the event loop on Piscina worker threads, every run a TaskService task.
 */

// the service
export { WorkerPoolService } from './pool/worker-pool-service.js'
export type { WorkerRunOptions } from './pool/worker-run-options.js'

// errors
export { WorkerErrorCodes, WorkerModuleError, WorkerCrashedError } from './errors/worker-errors.js'

// example worker module
export { hashWorker, type HashPayload, type HashResult } from './examples/hash-worker.js'
