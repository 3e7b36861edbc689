/**
 * Logging: the pino logger type, the `LOGGER` injection token and the factory the Application uses, with the one
 * rule for pretty output (a terminal and pino-pretty, an optional peer dependency) and the level check.
 *
 * Per-service child loggers are made by `Service`; what is logged where is decided by each concept.
 */
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { pino, type Logger as PinoLogger, type LoggerOptions } from 'pino'
import type { InjectionToken } from 'tsyringe'
import { expectedMessage } from '../internal/validate.js'
import { boundedDestination, type LineDestination } from './bounded-destination.js'
import { LOG_LEVELS } from './log-level.js'

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
 * const options: CreateLoggerOptions = { level: 'debug', name: 'worker', pretty: false }
 * createLogger(options).debug({ jobs: 3 }, 'started')
 * ```
 */
export interface CreateLoggerOptions {
  /** The pino level: `fatal`, `error`, `warn`, `info`, `debug`, `trace` or `'silent'` (logs nothing). @default 'info' */
  level?: string
  /** The `name` field of every line. */
  name?: string
  /**
   * Human-readable lines through [pino-pretty](https://github.com/pinojs/pino-pretty), an optional peer dependency
   * of `@tsab/core`: `'auto'` when stdout is a terminal (and no `destination` is given) and pino-pretty can be loaded;
   * `true` whenever pino-pretty can be loaded (else one warning, and JSON); `false` never (JSON lines). The
   * Application passes what env `LOG_PRETTY` says: `1` → `true`, `0` → `false`, unset → `'auto'`.
   * @default 'auto'
   */
  pretty?: boolean | 'auto'
  /** A pino destination stream (for tests: collect lines in memory). @default stdout */
  destination?: pino.DestinationStream
}

/** What createLogger needs from its surroundings; tests replace them. */
export interface LoggerEnvironment {
  /** Whether stdout is a terminal. */
  readonly isTTY: boolean
  /** pino-pretty's `prettyFactory`; throws when pino-pretty cannot be loaded. */
  loadPretty(): PrettyFactory
  /** Where lines go without `options.destination`. @default pino's stdout; synchronous fd 1 for pretty lines */
  readonly stdout?: pino.DestinationStream
}

/** pino-pretty's `prettyFactory(options)`: a function that turns one JSON log line into a readable one. */
export type PrettyFactory = (options: Record<string, unknown>) => (line: string) => string | undefined

const LEVELS: readonly string[] = LOG_LEVELS

/**
 * Returns `value` when it is a pino level name, else throws a `TypeError` naming `name` (an argument, `LOG_LEVEL`,
 * `[logging] level`) and the valid levels. Internal: not exported from the package.
 */
export function checkLogLevel(name: string, value: unknown): string {
  if (typeof value !== 'string' || !LEVELS.includes(value)) {
    throw new TypeError(expectedMessage(name, `one of ${LEVELS.join(', ')}`, value))
  }
  return value
}

/**
 * Reads env `LOG_PRETTY` for {@link CreateLoggerOptions.pretty}: `1`/`true` → `true`, `0`/`false` → `false`, unset
 * or empty → `'auto'`; anything else throws a `TypeError` naming `LOG_PRETTY`. Internal: not exported from the package.
 */
export function prettyFromEnv(value: string | undefined): boolean | 'auto' {
  if (value === undefined || value === '') return 'auto'
  const normalised = value.trim().toLowerCase()
  if (normalised === '1' || normalised === 'true') return true
  if (normalised === '0' || normalised === 'false') return false
  throw new TypeError(expectedMessage('LOG_PRETTY', '1 or 0 (true or false), or unset for pretty output in a terminal', value))
}

/**
 * Loads pino-pretty from where `@tsab/core` is installed, else from the working directory (the application's own
 * node_modules; with npm both are usually the same folder, with pnpm only a declared peer is visible from core).
 */
function loadPrettyFactory(): PrettyFactory {
  let firstError: unknown
  for (const from of [import.meta.url, pathToFileURL(join(process.cwd(), 'package.json')).href]) {
    try {
      const loaded = createRequire(from)('pino-pretty') as { prettyFactory?: unknown }
      if (typeof loaded.prettyFactory !== 'function') throw new TypeError('pino-pretty has no prettyFactory export (version 11 or newer is needed)')
      return loaded.prettyFactory as PrettyFactory
    } catch (error) {
      firstError ??= error
    }
  }
  throw firstError
}

const processEnvironment: LoggerEnvironment = {
  get isTTY() {
    return process.stdout.isTTY === true
  },
  loadPretty: loadPrettyFactory,
}

/** A pino destination that formats each line with pino-pretty and writes it synchronously (no line lost at exit). */
function prettyDestination(factory: PrettyFactory, destination: pino.DestinationStream | undefined): pino.DestinationStream {
  const format = factory({ translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', singleLine: true })
  // Synchronous: a terminal is slow anyway, and a line written just before process.exit() is not lost.
  const out = destination ?? pino.destination({ fd: 1, sync: true })
  return {
    write(line: string) {
      const text = format(line)
      if (text !== undefined) out.write(text)
    },
  }
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!
}

/**
 * Makes a pino logger with tsab's defaults: `err` serialised with its stack and `cause`, the level checked, JSON
 * lines of at most 16 KiB (a larger record is rewritten into a valid JSON line whose long strings and lists are cut,
 * marked `truncated`), and readable lines in a terminal when pino-pretty is installed (see
 * {@link CreateLoggerOptions.pretty}).
 *
 * @throws `TypeError` naming `level` and the valid levels for an unknown level
 * @example
 * ```ts
 * import { createLogger } from '@tsab/core'
 * const logger = createLogger({ level: 'debug', name: 'worker' })
 * logger.debug({ jobs: 3 }, 'starting')
 * ```
 */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  return createLoggerIn(processEnvironment, options)
}

/** {@link createLogger} with its surroundings (terminal, pino-pretty) given. Internal: not exported from the package. */
export function createLoggerIn(environment: LoggerEnvironment, options: CreateLoggerOptions = {}, levelName = 'level'): Logger {
  const pretty = options.pretty ?? 'auto'
  if (pretty !== true && pretty !== false && pretty !== 'auto') {
    throw new TypeError(expectedMessage('pretty', "true, false or 'auto'", pretty))
  }
  const pinoOptions: LoggerOptions = {
    level: checkLogLevel(levelName, options.level ?? 'info'),
    serializers: { err: pino.stdSerializers.errWithCause, error: pino.stdSerializers.errWithCause },
  }
  if (options.name !== undefined) pinoOptions.name = options.name
  const destination = options.destination ?? environment.stdout
  // JSON lines are bounded (16 KiB: an oversized record is rewritten into a valid, cut JSON line marked
  // `truncated`), so `process.exit` can never leave half a JSON object behind. Pretty lines are for people.
  const json = (): Logger => {
    const out = (destination ?? pino.destination(process.stdout.fd ?? 1)) as unknown as LineDestination
    return pino(pinoOptions, boundedDestination(out) as unknown as pino.DestinationStream)
  }
  // Nothing is written at 'silent', and a terminal only matters for stdout: pino-pretty is not even loaded then.
  const wanted = pretty === true || (pretty === 'auto' && options.destination === undefined && environment.isTTY)
  if (!wanted || pinoOptions.level === 'silent') return json()
  let factory: PrettyFactory
  try {
    factory = environment.loadPretty()
  } catch (error) {
    const logger = json()
    if (pretty === true) {
      logger.warn(
        { reason: firstLine(error) },
        'Pretty log output was asked for (LOG_PRETTY=1 or pretty: true), but pino-pretty cannot be loaded, so the log is JSON. ' +
          'Install it (npm install --save-dev pino-pretty) or set LOG_PRETTY=0.',
      )
    }
    return logger
  }
  return pino(pinoOptions, prettyDestination(factory, destination))
}

/**
 * The Application's default logger: `level` as resolved (and checked) by `resolveLogLevel`, pretty output as env
 * `LOG_PRETTY` says. Internal: not exported from the package.
 */
export function createApplicationLogger(name: string, level: string, env: NodeJS.ProcessEnv): Logger {
  return createLoggerIn(processEnvironment, { level, name, pretty: prettyFromEnv(env['LOG_PRETTY']) })
}
