/**
 * `guardLogger`: the one safe-logging helper of tsab, a view of a pino logger whose level methods never throw. A
 * broken destination (full disk, closed pipe) or a log object that cannot be serialised must never break task
 * bookkeeping or a shutdown. Exported for other tsab packages from `@tsab/core/support`.
 */
import type { Logger } from '../logging/logger.js'

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const

/**
 * Returns a logger that behaves like `logger` (same level, bindings, `child()`, `isLevelEnabled()`), except that
 * `fatal`…`trace` never throw: when a write fails, it is retried once with the message alone (so the culprit's
 * name, which every tsab message contains, still gets out when only the object was unprintable), then dropped.
 *
 * @example
 * ```ts
 * import { createLogger } from '@tsab/core'
 * import { guardLogger } from '@tsab/core/support'
 * const logger = guardLogger(createLogger({ level: 'info' }))
 * const unprintable = { get field(): never { throw new Error('no') } }
 * logger.error({ job: unprintable }, 'Job "resize" failed') // written without the object; never throws
 * ```
 */
export function guardLogger(logger: Logger): Logger {
  const guarded = Object.create(logger) as Logger
  for (const level of LEVELS) {
    const write = logger[level] as (...args: unknown[]) => void
    ;(guarded as unknown as Record<string, unknown>)[level] = (...args: unknown[]): void => {
      try {
        write.apply(logger, args)
      } catch {
        const message = args.find((arg): arg is string => typeof arg === 'string')
        try {
          write.apply(logger, [{ logError: 'the log object could not be written' }, message ?? '(no message)'])
        } catch {
          // The destination itself is broken: nothing sensible left to report to.
        }
      }
    }
  }
  return guarded
}
