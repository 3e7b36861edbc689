/**
 * One run on the pool, as the body of its TaskService task: posts the message to Piscina, turns the task's
 * cancellation into a stop in the worker (a grace period for a run that watches its signal, else at once), and
 * turns what comes back into the task's outcome: the value, the worker's own error, `WorkerModuleError`,
 * `WorkerCrashedError`, or the task signal's reason when the run was stopped. When it starts listening to the
 * cancellation is `cancel-sweep.ts`'s business.
 */
import type { TransferListItem } from 'node:worker_threads'
import type { TaskHandle } from '@tsab/core'
import type { Piscina } from 'piscina'
import { reviveError } from '../errors/revive-error.js'
import { WorkerCrashedError, WorkerModuleError } from '../errors/worker-errors.js'
import { startTimer, stopTimer, type RealTimer } from '../internal/real-timers.js'
import type { WorkerModule } from '../payload/module-href.js'
import { ENVELOPE_KEY, type FailureEnvelope, type RunMessage } from '../worker/protocol.js'
import type { CancelSweep, Watchable } from './cancel-sweep.js'
import type { CancelTable } from './cancel-table.js'

/** What a run needs of its pool. */
export interface RunBackend {
  readonly piscina: Piscina
  readonly table: CancelTable
  readonly sweep: CancelSweep
  readonly cancelGraceMs: number
}

/**
 * The abort signal Piscina gets for a run: the one-listener shape it accepts (`addEventListener`,
 * `removeEventListener`, `aborted`, `reason`), without the cost of an AbortController and an EventTarget per run.
 */
class RunStop {
  aborted = false
  reason: unknown
  // Piscina's single abort listener, while the run is queued or running.
  #listener: (() => void) | undefined

  addEventListener(_type: 'abort', listener: () => void): void {
    this.#listener = listener
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    if (this.#listener === listener) this.#listener = undefined
  }

  abort(reason: unknown): void {
    if (this.aborted) return
    this.aborted = true
    this.reason = reason
    const listener = this.#listener
    this.#listener = undefined
    listener?.()
  }
}

function isTimeout(reason: unknown): boolean {
  return (reason as { name?: unknown } | null)?.name === 'TimeoutError'
}

function isEnvelope(error: unknown): error is FailureEnvelope {
  return typeof error === 'object' && error !== null && (error as Record<string, unknown>)[ENVELOPE_KEY] === 1
}

/** One accepted run: `execute()` is its task's function. */
export class PoolRun implements Watchable {
  /** The run's task (set right after it was spawned). */
  handle!: TaskHandle
  /** The payload to post (the copy taken at the call, or the clone that holds the moved objects). */
  payload: unknown
  /** The objects the clone in `payload` moves on to the worker. */
  transferList: readonly TransferListItem[] | undefined
  /** Set when the payload could not be moved after the run was accepted: the run fails with it. */
  failure: unknown
  readonly #backend: RunBackend
  readonly #module: WorkerModule
  readonly #taskName: string
  // Called once when the outcome is known, before the task settles.
  readonly #ended: (run: PoolRun) => void
  #id = 0
  #stop: RunStop | undefined
  #done = false
  // The task's signal and the listener on it, once this run listens to it.
  #watched: AbortSignal | undefined
  #onAbort: (() => void) | undefined
  #graceTimer: RealTimer | undefined
  // The run may have been cut off in its thread, which then could not free its cancel-table slot itself.
  #cutOff = false

  constructor(
    backend: RunBackend,
    module: WorkerModule,
    taskName: string,
    payload: unknown,
    transferList: readonly TransferListItem[] | undefined,
    ended: (run: PoolRun) => void,
  ) {
    this.#backend = backend
    this.#module = module
    this.#taskName = taskName
    this.payload = payload
    this.transferList = transferList
    this.#ended = ended
  }

  /** Posts the run and settles with its outcome. Declares no parameter: its task creates no signal up front. */
  readonly execute = (): Promise<unknown> => {
    if (this.failure !== undefined) {
      this.#end()
      return Promise.reject(this.failure)
    }
    const backend = this.#backend
    const id = (this.#id = backend.table.nextId())
    const stop = (this.#stop = new RunStop())
    const message: RunMessage = [id, this.#module.href, this.payload]
    return backend.piscina.run(message, { signal: stop, transferList: this.transferList as TransferListItem[] | undefined }).then(
      (value: unknown) => {
        this.#end()
        return value
      },
      (error: unknown) => {
        if (!isEnvelope(error)) this.#cutOff = true
        const outcome = this.#runError(error)
        this.#end()
        throw outcome
      },
    )
  }

  /**
   * Starts listening to the task's cancellation; acts at once on one that already happened. Returns true while the
   * run has not started (its task waits in the TaskService's queue): the sweep offers it again later. A run whose
   * task was cancelled before it started ends here.
   */
  watch(): boolean {
    if (this.#done || this.#watched !== undefined) return false
    if (this.#stop === undefined) {
      if (this.handle.state === 'queued') return true
      // Cancelled (or, at shutdown, refused) before it ever started: its function will never be called.
      if (this.handle.state !== 'running') this.#end()
      return false
    }
    const signal = (this.#watched = this.handle.signal)
    if (signal.aborted) this.#stopRun()
    else signal.addEventListener('abort', (this.#onAbort = () => this.#stopRun()), { once: true })
    return false
  }

  // The task was cancelled or timed out: ask the worker to stop, and cut the run off if it does not in time.
  #stopRun(): void {
    const backend = this.#backend
    const reason = this.#watched!.reason
    const cut = (): void => {
      this.#graceTimer = undefined
      this.#cutOff = true
      this.#stop!.abort(reason)
    }
    if (backend.cancelGraceMs > 0 && backend.table.requestStop(this.#id, isTimeout(reason))) {
      this.#graceTimer = startTimer(cut, backend.cancelGraceMs)
    } else cut()
  }

  #end(): void {
    if (this.#done) return
    this.#done = true
    if (this.#onAbort !== undefined) this.#watched!.removeEventListener('abort', this.#onAbort)
    if (this.#graceTimer !== undefined) {
      stopTimer(this.#graceTimer)
      this.#graceTimer = undefined
    }
    if (this.#cutOff) this.#backend.table.release(this.#id)
    this.#ended(this)
  }

  #runError(error: unknown): unknown {
    if (isEnvelope(error)) {
      if (error.reason === 'module') {
        return new WorkerModuleError(this.#module.path, error.moduleMessage ?? 'Worker module cannot be used', { cause: reviveError(error.error) })
      }
      if (error.reason === 'aborted' && this.#watched?.aborted) return this.#watched.reason
      return reviveError(error.error)
    }
    // Piscina's AbortError, a thread terminated at shutdown, or one that died while it was being stopped. Reading
    // the task's signal here (a rare path) also catches a cancel that no sweep has passed on yet.
    const signal = this.handle.signal
    if (signal.aborted) return signal.reason
    // The message itself could not be posted (a payload part the call-site check cannot see, e.g. a Proxy).
    if ((error as { name?: unknown } | null)?.name === 'DataCloneError') return error
    return new WorkerCrashedError(this.#module.path, this.#taskName, error)
  }
}
