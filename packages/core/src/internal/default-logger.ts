/**
 * `defaultLogger()`: the logger of a TaskManager, RequestCache or Future that was given none. Internal: not
 * exported from the package.
 */
import { createLogger, type Logger } from '../logging/logger.js'

let sharedLogger: Logger | undefined

/** The shared `tsab` pino logger at level `info`, created on first use. */
export function defaultLogger(): Logger {
  return (sharedLogger ??= createLogger({ name: 'tsab' }))
}
