/**
 * The errors `@tsab/workers` adds to tsab's set: a worker module that cannot be used, and a pool thread that died
 * while running a task. A worker function's own error reaches the task as it was thrown (see `revive-error.ts`);
 * cancellation and timeouts use `@tsab/core`'s `CancelledError` and `TimeoutError`.
 */
import { TsabError } from '@tsab/core'

/**
 * Error codes of `@tsab/workers`.
 *
 * @example
 * ```ts
 * import { WorkerErrorCodes } from '@tsab/workers'
 * const handle = pool.run(new URL('./resize.js', import.meta.url), image)
 * await handle.settled
 * if ((handle.error as { code?: string } | undefined)?.code === WorkerErrorCodes.WorkerCrashed) console.log('thread died')
 * ```
 */
export const WorkerErrorCodes = {
  WorkerModule: 'TSAB_WORKER_MODULE',
  WorkerCrashed: 'TSAB_WORKER_CRASHED',
} as const

/**
 * The module given to `WorkerPoolService.run()` cannot be used in a worker thread: it does not exist, does not
 * load (a syntax error, a throw at its top level) or has no default export function. The task fails with it; the
 * thread stays in the pool.
 *
 * @example
 * ```ts
 * import { WorkerModuleError } from '@tsab/workers'
 * const handle = pool.run('/srv/app/workers/missing.js')
 * await handle.settled
 * if (handle.error instanceof WorkerModuleError) console.log(handle.error.filename)
 * ```
 */
export class WorkerModuleError extends TsabError {
  constructor(
    /** The module's path (or URL when it is not a file). */
    readonly filename: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(WorkerErrorCodes.WorkerModule, message, options)
  }
}

/**
 * The pool thread that ran the task ended before the task did: `process.exit()` in the worker, an out-of-memory
 * stop (`[workers] max_old_generation_size_mb`), or an error thrown outside the run (in a timer it left behind).
 * Only that task fails; the pool starts a new thread for the next one. `cause` is what the thread reported.
 *
 * @example
 * ```ts
 * import { WorkerCrashedError } from '@tsab/workers'
 * const handle = pool.run(new URL('./leaky.js', import.meta.url))
 * await handle.settled
 * if (handle.error instanceof WorkerCrashedError) console.log(handle.error.exitCode, handle.error.outOfMemory)
 * ```
 */
export class WorkerCrashedError extends TsabError {
  /** The thread's exit code, when it exited. */
  readonly exitCode?: number
  /** True when the thread was stopped for exceeding its memory limits. */
  readonly outOfMemory: boolean

  constructor(
    /** The module the task was running. */
    readonly filename: string,
    /** The task's name. */
    readonly taskName: string,
    cause: unknown,
  ) {
    const { exitCode, outOfMemory, detail } = describeCrash(cause)
    super(WorkerErrorCodes.WorkerCrashed, `Worker thread running task "${taskName}" (${filename}) ${detail}`, { cause })
    if (exitCode !== undefined) this.exitCode = exitCode
    this.outOfMemory = outOfMemory
  }
}

function describeCrash(cause: unknown): { exitCode?: number; outOfMemory: boolean; detail: string } {
  const code = (cause as { code?: unknown } | null)?.code
  const message = cause instanceof Error ? cause.message : String(cause)
  if (code === 'ERR_WORKER_OUT_OF_MEMORY') return { outOfMemory: true, detail: `ran out of memory: ${message}` }
  const exited = /worker exited with code: (-?\d+)/.exec(message)
  if (exited) return { exitCode: Number(exited[1]), outOfMemory: false, detail: `exited with code ${exited[1]} before the task finished` }
  return { outOfMemory: false, detail: `failed outside the task: ${message}` }
}
