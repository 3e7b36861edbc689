/**
 * The one place where process error handlers are installed: `unhandledRejection` and `uncaughtException`.
 * What a crash means for the app is the caller's; this file only listens and calls back.
 */

/** Which process event reported the error. */
export type ProcessErrorKind = 'unhandledRejection' | 'uncaughtException'

/**
 * Installs handlers for `unhandledRejection` and `uncaughtException` that call `onError` with the error (the
 * rejection reason as it is) and return the function that removes them (safe to call twice). While installed,
 * Node no longer ends the process on such an error: `onError` decides what happens.
 *
 * @internal
 */
export function installProcessErrorHandlers(onError: (kind: ProcessErrorKind, error: unknown) => void): () => void {
  const onRejection = (reason: unknown): void => onError('unhandledRejection', reason)
  const onException = (error: unknown): void => onError('uncaughtException', error)
  process.on('unhandledRejection', onRejection)
  process.on('uncaughtException', onException)
  let installed = true
  return () => {
    if (!installed) return
    installed = false
    process.off('unhandledRejection', onRejection)
    process.off('uncaughtException', onException)
  }
}
