/**
 * One run on the pool, as the body of its TaskService task: posts the message to Piscina, turns the task's
 * cancellation into a stop in the worker (a grace period for a run that watches its signal, else at once), and
 * turns what comes back into the task's outcome: the value, the worker's own error, `WorkerModuleError`,
 * `WorkerCrashedError`, or the task signal's reason when the run was stopped.
 */
import type { Clock } from '@tsab/core'
import type { TransferListItem } from 'node:worker_threads'
import type { Piscina } from 'piscina'
import { reviveError } from '../errors/revive-error.js'
import { WorkerCrashedError, WorkerModuleError } from '../errors/worker-errors.js'
import type { WorkerModule } from '../payload/module-href.js'
import { ENVELOPE_KEY, type FailureEnvelope, type RunMessage } from '../worker/protocol.js'
import type { CancelTable } from './cancel-table.js'

/** What a run needs of its pool. */
export interface RunBackend {
  readonly piscina: Piscina
  readonly table: CancelTable
  readonly clock: Clock
  readonly cancelGraceMs: number
}

/** One accepted run, waiting for its task to start. */
export interface RunRequest {
  readonly module: WorkerModule
  /** The payload to post (the copy taken at the call, or the clone that holds the moved objects). */
  payload: unknown
  transferList: readonly TransferListItem[] | undefined
  readonly taskName: string
  /** Set when the payload could not be moved after the run was accepted: the run fails with it. */
  failure: unknown
}

function isTimeout(reason: unknown): boolean {
  return (reason as { name?: unknown } | null)?.name === 'TimeoutError'
}

function isEnvelope(error: unknown): error is FailureEnvelope {
  return typeof error === 'object' && error !== null && (error as Record<string, unknown>)[ENVELOPE_KEY] === 1
}

/** Executes `request` on the pool; `signal` is the task's signal; `ended` is called once the outcome is known. */
export async function executeRun(backend: RunBackend, request: RunRequest, signal: AbortSignal, ended: () => void): Promise<unknown> {
  try {
    if (request.failure !== undefined) throw request.failure
    return await post(backend, request, signal)
  } finally {
    ended()
  }
}

async function post(backend: RunBackend, request: RunRequest, signal: AbortSignal): Promise<unknown> {
  const id = backend.table.nextId()
  const message: RunMessage = { href: request.module.href, payload: request.payload, id }
  const stop = new AbortController()
  let graceTimer: unknown
  // Set when the run may have been cut off in its thread, which then could not free its slot itself.
  let cutOff = false
  const cut = (): void => {
    cutOff = true
    stop.abort(signal.reason)
  }
  const onAbort = (): void => {
    if (backend.cancelGraceMs > 0 && backend.table.requestStop(id, isTimeout(signal.reason))) {
      graceTimer = backend.clock.setTimeout(() => {
        graceTimer = undefined
        cut()
      }, backend.cancelGraceMs)
    } else cut()
  }
  if (signal.aborted) throw signal.reason
  signal.addEventListener('abort', onAbort)
  try {
    return await backend.piscina.run(message, { signal: stop.signal, transferList: request.transferList as TransferListItem[] | undefined })
  } catch (error) {
    if (!isEnvelope(error)) cutOff = true
    throw runError(error, request, signal)
  } finally {
    signal.removeEventListener('abort', onAbort)
    if (graceTimer !== undefined) backend.clock.clearTimeout(graceTimer)
    if (cutOff) backend.table.release(id)
  }
}

function runError(error: unknown, request: RunRequest, signal: AbortSignal): unknown {
  if (isEnvelope(error)) {
    if (error.reason === 'module') {
      return new WorkerModuleError(request.module.path, error.moduleMessage ?? 'Worker module cannot be used', { cause: reviveError(error.error) })
    }
    if (error.reason === 'aborted' && signal.aborted) return signal.reason
    return reviveError(error.error)
  }
  // Piscina's AbortError, a thread terminated at shutdown, or one that died while it was being stopped.
  if (signal.aborted) return signal.reason
  // The message itself could not be posted (a payload part the call-site check cannot see, e.g. a Proxy).
  if ((error as { name?: unknown } | null)?.name === 'DataCloneError') return error
  return new WorkerCrashedError(request.module.path, request.taskName, error)
}
