/**
 * A run's payload as of the call: `run()` copies it at once (structured clone), so changing the object afterwards
 * does not change what the worker gets, and the buffers of `transferList` are moved — unusable here — as soon as
 * `run()` returns. A payload that cannot be cloned is a `TypeError` at the call, naming where the culprit sits.
 */
import type { TransferListItem } from 'node:worker_threads'
import { assertCloneable } from './assert-cloneable.js'

const NO_TRANSFER: ReadonlySet<unknown> = new Set()

/** The payload and the transfer list to post, both taken from one structured clone. */
export interface PayloadSnapshot {
  readonly payload: unknown
  readonly transferList: readonly TransferListItem[] | undefined
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null
}

/** A `TypeError` for a payload structured clone refused, naming the part it refused when the walk finds it. */
function cloneError(payload: unknown, transfer: ReadonlySet<unknown>, error: unknown): TypeError {
  assertCloneable(payload, transfer)
  const detail = error instanceof Error ? error.message : String(error)
  return new TypeError(`Expected \`payload\` to be a value structured clone can copy to a worker thread: ${detail}`, { cause: error })
}

/**
 * The payload copied now, when nothing is to be moved. Primitives are returned as they are (nothing to copy).
 * Throws a `TypeError` for a payload that cannot be cloned; has no side effect.
 */
export function copyPayload(payload: unknown): unknown {
  if (!isObject(payload)) {
    assertCloneable(payload, NO_TRANSFER)
    return payload
  }
  try {
    return structuredClone(payload)
  } catch (error) {
    throw cloneError(payload, NO_TRANSFER, error)
  }
}

/**
 * Checks, without side effects, that `payload` can be sent while moving `transferList` (a `TypeError` otherwise).
 * The move itself is {@link movePayload}, once the run was accepted.
 */
export function checkTransfer(payload: unknown, transferList: readonly TransferListItem[]): void {
  assertCloneable(payload, new Set(transferList))
}

/**
 * Clones `payload` moving the objects of `transferList` into the clone: they are detached here from now on, and
 * the clone's own references to them are what is posted (and moved again) to the worker.
 */
export function movePayload(payload: unknown, transferList: readonly TransferListItem[]): PayloadSnapshot {
  try {
    return structuredClone({ payload, transferList }, { transfer: transferList as never })
  } catch (error) {
    throw cloneError(payload, new Set(transferList), error)
  }
}
