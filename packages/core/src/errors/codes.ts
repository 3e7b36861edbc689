/**
 * The machine-readable codes carried by every {@link TsabError}.
 *
 * This file owns the list of codes only; the classes live in the other files of `errors/`.
 */

/**
 * Every `code` a tsab error can carry, keyed by a readable name.
 *
 * @example
 * ```ts
 * import { ErrorCodes, TsabError } from '@tsab/core'
 * function isNotFound(error: unknown): boolean {
 *   return error instanceof TsabError && error.code === ErrorCodes.ServiceNotFound
 * }
 * ```
 */
export const ErrorCodes = {
  Cancelled: 'TSAB_CANCELLED',
  ChildCancelled: 'TSAB_CHILD_CANCELLED',
  Timeout: 'TSAB_TIMEOUT',
  ServiceNotFound: 'TSAB_SERVICE_NOT_FOUND',
  DuplicateService: 'TSAB_DUPLICATE_SERVICE',
  DuplicateTask: 'TSAB_DUPLICATE_TASK',
  InvalidState: 'TSAB_INVALID_STATE',
  CacheNotFound: 'TSAB_CACHE_NOT_FOUND',
  QueueFull: 'TSAB_QUEUE_FULL',
  QueueEmpty: 'TSAB_QUEUE_EMPTY',
  QueueShutDown: 'TSAB_QUEUE_SHUT_DOWN',
  ConfigParse: 'TSAB_CONFIG_PARSE',
  ConfigValue: 'TSAB_CONFIG_VALUE',
  Overloaded: 'TSAB_OVERLOADED',
} as const

/**
 * One of the values of {@link ErrorCodes}.
 *
 * @example
 * ```ts
 * import type { ErrorCode } from '@tsab/core'
 * const code: ErrorCode = 'TSAB_TIMEOUT'
 * ```
 */
export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes]
