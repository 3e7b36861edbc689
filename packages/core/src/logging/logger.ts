/**
 * Logging: the pino logger type, the `LOGGER` injection token and the factory the Application uses.
 *
 * Per-service child loggers are made by `Service`; what is logged where is decided by each concept.
 */
import { pino, type Logger as PinoLogger, type LoggerOptions } from 'pino'
import type { InjectionToken } from 'tsyringe'
import { boundedDestination, type LineDestination } from './bounded-destination.js'

/**
 * The logger type used everywhere in tsab: a pino logger.
 *
 * @example
 * ```ts
 * import type { Logger } from '@tsab/core'
 * function report(logger: Logger, error: unknown) {
 *   logger.error({ err: error, job: 'sync' }, 'sync failed') // structured fields, never concatenated text
 * }
 * ```
 */
export type Logger = PinoLogger

/**
 * Injection token of the app's pino logger in `app.container`.
 *
 * @example
 * ```ts
 * import { Application, LOGGER, Service, inject, injectable, type Logger } from '@tsab/core'
 * @injectable()
 * class Audit extends Service {
 *   constructor(app: Application, @inject(LOGGER) private readonly rootLogger: Logger) { super(app) }
 * }
 * ```
 */
export const LOGGER: InjectionToken<Logger> = Symbol.for('tsab.Logger')

/**
 * Options for {@link createLogger}.
 *
 * @example
 * ```ts
 * import { createLogger, type CreateLoggerOptions } from '@tsab/core'
 * const options: CreateLoggerOptions = { level: 'debug', name: 'worker' }
 * createLogger(options).debug({ jobs: 3 }, 'started')
 * ```
 */
export interface CreateLoggerOptions {
  /** The pino level; `'silent'` logs nothing. @default 'info' */
  level?: string
  /** The `name` field of every line. */
  name?: string
  /** Human-readable output through pino-pretty (a dev dependency; opt-in only). @default false */
  pretty?: boolean
  /** A pino destination stream (for tests: collect lines in memory). */
  destination?: pino.DestinationStream
}

/**
 * Makes a pino logger with tsab's defaults: `err` serialised with its stack and `cause`, level from the options,
 * and no line longer than 16 KiB: an oversized record is rewritten into a valid JSON line whose long strings and
 * lists are cut (marked `truncated`), so `process.exit` can never leave half a JSON object behind. Pretty output
 * (`pretty: true`) is for people and is not bounded.
 *
 * @example
 * ```ts
 * import { createLogger } from '@tsab/core'
 * const logger = createLogger({ level: 'debug', name: 'worker' })
 * logger.debug({ jobs: 3 }, 'starting')
 * ```
 */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const pinoOptions: LoggerOptions = {
    level: options.level ?? 'info',
    serializers: { err: pino.stdSerializers.errWithCause, error: pino.stdSerializers.errWithCause },
  }
  if (options.name !== undefined) pinoOptions.name = options.name
  if (options.pretty && options.destination === undefined) {
    pinoOptions.transport = { target: 'pino-pretty', options: { colorize: process.stdout.isTTY === true } }
    return pino(pinoOptions)
  }
  const destination = (options.destination ?? pino.destination(process.stdout.fd ?? 1)) as unknown as LineDestination
  return pino(pinoOptions, boundedDestination(destination) as unknown as pino.DestinationStream)
}
