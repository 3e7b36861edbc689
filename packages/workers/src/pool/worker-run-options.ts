/**
 * The options of `WorkerPoolService.run()`: a TaskService task's options plus the objects to move to the worker.
 */
import type { TransferListItem } from 'node:worker_threads'
import type { TaskOptions } from '@tsab/core'

/**
 * Options of {@link WorkerPoolService.run}: every {@link TaskOptions} field (name, owner, signal, timeoutMs,
 * meta) plus `transferList`.
 *
 * @example
 * ```ts
 * import type { WorkerRunOptions } from '@tsab/workers'
 * const pixels = new Uint8Array(1024 * 1024)
 * const options: WorkerRunOptions = { name: 'blur', timeoutMs: 5_000, transferList: [pixels.buffer] }
 * pool.run(new URL('./blur.js', import.meta.url), pixels, options)
 * ```
 */
export interface WorkerRunOptions extends TaskOptions {
  /**
   * Objects moved to the worker rather than copied (ArrayBuffers, MessagePorts…): after `run()` they are
   * unusable on this thread. They must be part of the payload.
   * @default none: the payload is copied
   */
  transferList?: readonly TransferListItem[]
}
