/**
 * Errors that describe cancellation and deadlines, and the `isCancellation` test.
 *
 * How a cancellation is raised lives with the code that raises it (tasks, concurrency helpers).
 */
import { ErrorCodes } from './codes.js'
import { TsabError } from './tsab-error.js'

function describeReason(reason: unknown): string {
  if (reason === undefined) return ''
  if (reason instanceof Error) return `: ${reason.name}: ${safeMessage(reason)}`
  try {
    return `: ${String(reason)}`
  } catch {
    return ''
  }
}

function safeMessage(error: Error): string {
  try {
    return String(error.message)
  } catch {
    return '(unreadable message)'
  }
}

/**
 * An operation was cancelled. `reason` is the abort reason exactly as it was given (never copied).
 *
 * @example
 * ```ts
 * import { CancelledError } from '@tsab/core'
 * const [handle] = app.taskService.schedule((signal) => sleep(10_000, { signal }))
 * handle.cancel('no longer needed')
 * await handle.result.catch((e) => {
 *   if (e instanceof CancelledError) console.log(e.reason) // 'no longer needed'
 * })
 * ```
 */
export class CancelledError extends TsabError {
  /** The abort reason, unchanged. */
  readonly reason: unknown

  constructor(reason?: unknown, message?: string, options?: ErrorOptions) {
    super(
      ErrorCodes.Cancelled,
      message ?? `Operation was cancelled${describeReason(reason)}`,
      options ?? (reason instanceof Error ? { cause: reason } : undefined),
    )
    this.reason = reason
  }
}

/**
 * The child task that was awaited was cancelled by someone other than the caller (see `awaitChild`).
 *
 * @example
 * ```ts
 * import { ChildCancelledError, awaitChild } from '@tsab/core'
 * try {
 *   await awaitChild(child)
 * } catch (e) {
 *   if (e instanceof ChildCancelledError) console.log('someone else cancelled the child')
 * }
 * ```
 */
export class ChildCancelledError extends CancelledError {
  constructor(reason?: unknown, message?: string) {
    super(reason, message ?? `The awaited child task was cancelled${describeReason(reason)}`)
    ;(this as { code: string }).code = ErrorCodes.ChildCancelled
  }
}

/**
 * A deadline passed. `timeoutMs` is the deadline that was exceeded, when known.
 *
 * @example
 * ```ts
 * import { TimeoutError, withTimeout, sleep } from '@tsab/core'
 * await withTimeout((signal) => sleep(5_000, { signal }), 100).catch((e) => {
 *   if (e instanceof TimeoutError) console.log(e.timeoutMs) // 100
 * })
 * ```
 */
export class TimeoutError extends TsabError {
  /** The deadline in milliseconds, when known. */
  readonly timeoutMs?: number

  constructor(timeoutMs?: number, message?: string, options?: ErrorOptions) {
    super(ErrorCodes.Timeout, message ?? (timeoutMs === undefined ? 'Deadline exceeded' : `Deadline of ${timeoutMs} ms exceeded`), options)
    if (timeoutMs !== undefined) this.timeoutMs = timeoutMs
  }
}

/** True for an error named `AbortError` (a DOM `AbortError`, what `AbortSignal.abort()` rejects with). @internal */
export function isAbortError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'AbortError'
}

/**
 * True for a {@link CancelledError}, a DOM `AbortError`, or any error whose `cause` chain contains one.
 *
 * @example
 * ```ts
 * import { isCancellation } from '@tsab/core'
 * try {
 *   await fetch(url, { signal })
 * } catch (error) {
 *   if (isCancellation(error)) return // we were asked to stop
 *   throw error
 * }
 * ```
 */
export function isCancellation(error: unknown): boolean {
  const seen = new Set<unknown>()
  let current: unknown = error
  while (typeof current === 'object' && current !== null && !seen.has(current)) {
    if (current instanceof CancelledError || isAbortError(current)) return true
    seen.add(current)
    try {
      current = (current as { cause?: unknown }).cause
    } catch {
      return false
    }
  }
  return false
}
