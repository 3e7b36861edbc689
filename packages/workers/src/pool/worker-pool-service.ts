/**
 * `WorkerPoolService`: CPU-bound work off the event loop, ASAB's ProactorService on Piscina worker threads. Every
 * run is a TaskService task. This file owns the service's lifecycle, its `run()` checks and its admission limit;
 * one run's execution is in `pool-run.ts`, the worker side in `worker/`.
 */
import { CancelledError, InvalidStateError, OverloadedError, Service, type Application, type TaskHandle, type TaskOptions } from '@tsab/core'
import type { TransferListItem } from 'node:worker_threads'
import { Piscina } from 'piscina'
import { expectedMessage } from '@tsab/core/support'
import { nextTurn } from '../internal/real-timers.js'
import { checkTransfer, copyPayload, movePayload } from '../payload/snapshot-payload.js'
import { WorkerModules } from '../payload/module-href.js'
import { HANDLER_NAME } from '../worker/protocol.js'
import { CancelTable } from './cancel-table.js'
import { CancelSweep } from './cancel-sweep.js'
import { ThreadExits } from './thread-exits.js'
import { PoolRun, type RunBackend } from './pool-run.js'
import { readWorkerPoolConfig, type WorkerPoolConfig } from './worker-pool-config.js'
import type { WorkerRunOptions } from './worker-run-options.js'

// The module Piscina loads in every thread; plain JavaScript next to this file's folder, in src/ and in dist/.
// The CommonJS shim, not the ES module itself: see worker-entry.cjs for why.
const WORKER_ENTRY = new URL('../worker/worker-entry.cjs', import.meta.url)

/**
 * Runs CPU-bound functions on a pool of worker threads, so the event loop stays responsive, and tracks every run
 * as a TaskService task: it is in `list()`, `stats()`, `TaskService.task_done!`, telemetry and the dashboard, with
 * its name (default: the file's base name), owner (default: `WorkerPoolService`) and `meta`.
 *
 * `run(filename, payload, options)` sends `payload` (structured clone; `transferList` moves buffers instead) to a
 * thread that imports `filename` and calls its default export as `fn(payload, { signal })`. Cancel, `signal` and
 * `timeoutMs` stop the run in the worker (within about 20 ms: a run starts listening to its task's cancellation only
 * once it has lasted that long, so short runs pay nothing for it): a function that reads its `signal` gets `[workers] cancel_grace` to stop
 * by itself (its `signal` aborts, and `signal.aborted` / `signal.throwIfAborted()` see the cancel even inside a
 * loop that never yields), after which — or at once, for one that never looked at its signal — its thread is
 * terminated and replaced. The task ends `cancelled`. A function that throws fails its task with that error
 * (message, stack and own properties kept); a thread that dies (`process.exit()`, out of memory) fails its task
 * with {@link WorkerCrashedError}; a module that is missing or has no default export, with {@link WorkerModuleError}.
 * The pool keeps serving in every case.
 *
 * Config `[workers]`: `threads` (default: available parallelism − 1, at least 1), `max_queue` (runs waiting for a
 * thread; default unlimited; beyond it `run()` throws {@link OverloadedError}), `idle_timeout` (default `30s`: an
 * idle thread beyond the first exits after it), `cancel_grace` (default `1s`), `max_old_generation_size_mb` (heap limit per thread).
 * At finalize queued runs are cancelled, running ones stopped as above, and every thread is terminated.
 *
 * @example
 * ```ts
 * import { Application } from '@tsab/core'
 * import { WorkerPoolService, hashWorker } from '@tsab/workers'
 * const app = new Application({ config: { workers: { threads: 2 } } })
 * const pool = app.addService(WorkerPoolService)
 * await app.start()
 * const handle = pool.run(hashWorker, { input: 'tsab', iterations: 100_000 }, { meta: { requestId: 'r-1' } })
 * console.log((await handle.result).digest.length) // 64
 * await app.stop()
 * ```
 */
export class WorkerPoolService extends Service {
  /** The service name. */
  static readonly serviceName = 'WorkerPoolService'

  // Filenames resolved once (with their default task options): run() is called with the same few modules.
  readonly #modules = new WorkerModules(this.name)
  // Runs accepted whose outcome is not known yet (queued in the TaskService, waiting for a thread, or running).
  readonly #runs = new Set<PoolRun>()
  // 'idle' before initialize(), 'open' while accepting, 'closed' once finalize began.
  #phase: 'idle' | 'open' | 'closed' = 'idle'
  #config: WorkerPoolConfig | undefined
  #backend: RunBackend | undefined
  // Every thread the pool started, until it exited (Piscina does not wait for the threads it terminates).
  readonly #threadExits = new ThreadExits()
  // Callers of onIdle() waiting for the last run to settle.
  #idleWaiters: Array<() => void> = []

  constructor(app: Application) {
    super(app, WorkerPoolService.serviceName)
  }

  /** Runs accepted and not yet final: queued, waiting for a thread, or running. */
  get size(): number {
    return this.#runs.size
  }

  /** Live pool threads: 1 when idle (the others exit after `idle_timeout`), up to `[workers] threads`; 0 after finalize. */
  get threads(): number {
    return this.#backend?.piscina.threads.length ?? 0
  }

  /**
   * Runs the default export of `filename` in a pool thread as `fn(payload, { signal })` and returns the handle of
   * its TaskService task. Checks everything synchronously: a `filename` that is not a path or `file:` URL, options
   * that are not valid task options, a `transferList` that is not an array and a payload that cannot be cloned
   * (a function, a symbol…) throw a `TypeError`; beyond `threads + max_queue` runs in flight it throws
   * {@link OverloadedError}; before the application started, {@link InvalidStateError}. After shutdown began the
   * handle is already `cancelled`. A missing file or a missing default export fails the task, not the call.
   *
   * @typeParam T - what the worker function returns (resolved, when it returns a promise)
   * @param filename - the worker module: a path (relative to the working directory) or a `file:` URL
   * @param payload - its first argument, copied by structured clone (or moved: `options.transferList`)
   * @param options - task options plus `transferList`
   * @example
   * ```ts
   * const handle = pool.run<{ digest: string }>(new URL('./hash.js', import.meta.url), { input: 'x', iterations: 1e6 }, {
   *   name: 'hash',
   *   timeoutMs: 10_000,
   * })
   * handle.cancel() // the run stops in its thread; handle.state becomes 'cancelled'
   * ```
   */
  run<T = unknown>(filename: string | URL, payload?: unknown, options?: WorkerRunOptions): TaskHandle<T> {
    const module = this.#modules.resolve(filename)
    let transferList: readonly TransferListItem[] | undefined
    let taskOptions: TaskOptions
    if (options === undefined) taskOptions = module.defaultOptions

    else {
      if (options === null || typeof options !== 'object' || Array.isArray(options)) {
        throw new TypeError(expectedMessage('options', 'an object', options))
      }
      transferList = options.transferList
      if (transferList !== undefined && !Array.isArray(transferList)) {
        throw new TypeError(expectedMessage('options.transferList', 'an array of transferable objects', transferList))
      }
      const { signal, timeoutMs, meta } = options
      taskOptions = { name: options.name ?? module.name, owner: options.owner ?? this.name, signal, timeoutMs, meta }
    }
    // Without a transfer list the payload is copied now (no side effect if the call is refused below); objects to
    // move are only checked here and moved once the run is accepted, so a refused call leaves them usable.
    if (transferList === undefined) payload = copyPayload(payload)
    else checkTransfer(payload, transferList)
    const backend = this.#backend
    if (this.#phase === 'closed' || backend === undefined) return this.#refuse<T>(taskOptions)
    const config = this.#config!
    if (this.#runs.size >= config.threads + config.maxQueue) {
      throw new OverloadedError(
        `WorkerPoolService refused a run of ${module.path}: ${this.#runs.size} runs in flight on ${config.threads} thread(s), the limit is [workers] max_queue = ${config.maxQueue} waiting`,
        config.maxQueue,
      )
    }
    const run = new PoolRun(backend, module, taskOptions.name!, payload, transferList, this.#forget)
    // spawn() checks the task options (name, owner, signal, timeoutMs, meta) and throws before anything is tracked.
    const handle = this.app.taskService.spawn(run.execute as () => Promise<T>, taskOptions)
    run.handle = handle
    this.#runs.add(run)
    backend.sweep.add(run)
    if (transferList !== undefined) {
      try {
        const moved = movePayload(payload, transferList)
        run.payload = moved.payload
        run.transferList = moved.transferList
      } catch (error) {
        // Only what the call-site walk cannot see (a Proxy) gets here: the run fails with the TypeError.
        run.failure = error
      }
    }
    return handle
  }

  /**
   * Resolves when no run is in flight (at once if none is).
   *
   * @example
   * ```ts
   * for (const image of images) pool.run(new URL('./thumbnail.js', import.meta.url), image)
   * await pool.onIdle()
   * ```
   */
  onIdle(): Promise<void> {
    return new Promise((resolve) => {
      this.#idleWaiters.push(resolve)
      if (this.#runs.size === 0) this.#wakeIdleWaiters()
    })
  }

  /** Reads and checks `[workers]`, then creates the pool with its first thread (more start as runs need them). */
  override initialize(): void {
    if (this.#phase !== 'idle') return
    const config = readWorkerPoolConfig(this.app.config)
    const table = new CancelTable(config.threads)
    const piscina = new Piscina({
      filename: WORKER_ENTRY.href,
      name: HANDLER_NAME,
      // One thread always: Piscina replaces a dead or terminated thread only up to minThreads, and with none left
      // the runs queued behind a crash would wait for the next run() to start one.
      minThreads: 1,
      maxThreads: config.threads,
      idleTimeout: config.idleTimeoutMs,
      concurrentTasksPerWorker: 1,
      recordTiming: false,
      workerData: { cancelTable: table.buffer },
      ...(config.maxOldGenerationSizeMb === undefined ? {} : { resourceLimits: { maxOldGenerationSizeMb: config.maxOldGenerationSizeMb } }),
    })
    piscina.on('error', this.#onPoolError)
    piscina.on('workerCreate', this.#onThreadCreated)
    this.#config = config
    this.#backend = { piscina, table, sweep: new CancelSweep(), cancelGraceMs: config.cancelGraceMs }
    this.#phase = 'open'
    this.logger.debug({ threads: config.threads, maxQueue: config.maxQueue, idleTimeoutMs: config.idleTimeoutMs }, 'Worker pool ready')
  }

  /**
   * Stops intake, cancels every run (queued ones never start; running ones are stopped as by `cancel()`), waits
   * for them to settle, then terminates every thread. Bounded by `signal` (the service's share of the exit
   * budget): when it aborts, the remaining threads are terminated at once.
   */
  override async finalize(signal?: AbortSignal): Promise<void> {
    if (this.#phase === 'closed') return
    this.#phase = 'closed'
    const backend = this.#backend
    const reason = new CancelledError(undefined, 'WorkerPoolService is shutting down')
    for (const run of [...this.#runs]) run.handle.cancel(reason)
    if (backend === undefined) return
    // Runs not watched yet learn of the cancel now, not at the next sweep.
    backend.sweep.flush()
    await untilAborted(this.onIdle(), signal)
    const destroyed = await untilAborted(this.#destroyPool(backend.piscina), signal)
    backend.piscina.off('error', this.#onPoolError)
    backend.piscina.off('workerCreate', this.#onThreadCreated)
    if (!destroyed || this.#runs.size > 0) {
      this.logger.warn({ runs: this.#runs.size, threads: this.threads }, 'Worker pool did not stop within its shutdown budget')
    }
  }

  // Destroys the pool until no thread is left: a thread terminated earlier whose exit arrives after a destroy()
  // makes Piscina start a replacement, which the next round ends. Every thread announced itself on creation.
  async #destroyPool(piscina: Piscina): Promise<void> {
    do {
      this.#threadExits.track(piscina.threads)
      await piscina.destroy()
      await this.#threadExits.allExited()
    } while (piscina.threads.length > 0)
  }

  readonly #onThreadCreated = (): void => {
    this.#threadExits.track(this.#backend!.piscina.threads)
  }

  // A run after shutdown began: a handle that is already cancelled, the function never posted.
  #refuse<T>(options: TaskOptions): TaskHandle<T> {
    if (this.#phase === 'idle') {
      throw new InvalidStateError(`WorkerPoolService.run() before the application started (state 'idle', expected 'open'); add the service before starting`)
    }
    const reason = new CancelledError(undefined, 'WorkerPoolService is shut down')
    this.logger.warn({ task: options.name, owner: options.owner, ...options.meta }, 'Worker run requested after shutdown; cancelled')
    return this.app.taskService.spawn<T>(() => Promise.reject(reason), { ...options, signal: AbortSignal.abort(reason) })
  }

  // A run's outcome is known (called just before its task settles, so `size` is current when its result resolves).
  readonly #forget = (run: PoolRun): void => {
    this.#runs.delete(run)
    if (this.#runs.size === 0 && this.#idleWaiters.length > 0) this.#wakeIdleWaiters()
  }

  // On the next macrotask: by then the tasks of the runs that just ended have settled (their final state is set in
  // the microtasks that follow a run's outcome).
  #wakeIdleWaiters(): void {
    nextTurn(() => {
      if (this.#runs.size > 0) return
      const waiters = this.#idleWaiters
      this.#idleWaiters = []
      for (const resolve of waiters) resolve()
    })
  }

  readonly #onPoolError = (error: unknown): void => {
    try {
      this.logger.error({ err: error }, 'A worker pool thread failed outside any run; the pool replaces it')
    } catch {
      // A broken logger must not turn a thread failure into a crash of the application.
    }
  }
}

/** Waits for `promise` unless `signal` aborts first; true when the promise settled. */
async function untilAborted(promise: Promise<unknown>, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal === undefined) {
    await promise.catch(() => {})
    return true
  }
  if (signal.aborted) return false
  let onAbort: (() => void) | undefined
  const aborted = new Promise<false>((resolve) => {
    onAbort = () => resolve(false)
    signal.addEventListener('abort', onAbort, { once: true })
  })
  try {
    return await Promise.race([promise.then(() => true as const, () => true as const), aborted])
  } finally {
    signal.removeEventListener('abort', onAbort!)
  }
}
