/**
 * What an {@link Application} is configured with: the constructor's options (checked at once, synchronously) and
 * the `[Application]` config section (checked at init-time). How they are used is the Application's.
 */
import type { DependencyContainer } from 'tsyringe'
import type { Clock } from '../clock/clock.js'
import type { Config } from '../config/config.js'
import { assertBoolean, assertNonEmptyString, assertNumber, assertOptionalObject, expectedMessage } from '../internal/validate.js'
import type { Logger } from '../logging/logger.js'

/**
 * Options of {@link Application}.
 *
 * @example
 * ```ts
 * import { Application } from '@tsab/core'
 * const app = new Application({ name: 'api', config: { web: { listen: '127.0.0.1:8080' } }, exitTimeoutMs: 10_000 })
 * ```
 */
export interface ApplicationOptions {
  /** @default the class name */
  name?: string
  /** Config values: sections → keys → values (above defaults, below the file and the environment). */
  config?: Record<string, Record<string, unknown>>
  /** A JSON or INI config file (by extension). @default env `TSAB_CONFIG` */
  configFile?: string
  /** @default pino, level from config `[logging] level`, env `LOG_LEVEL`, else `'info'` (`LOG_PRETTY=1` for pretty output) */
  logger?: Logger
  /** Parent of the app's own child container. @default tsyringe's root container */
  container?: DependencyContainer
  /** Milliseconds between `Application.tick!` messages. @default 1000 */
  tickPeriodMs?: number
  /**
   * Total budget of exit-time in milliseconds. Each finalize step gets its own deadline within it (see
   * `[Application] finalize_timeout`); what is still running at its deadline is logged by name and abandoned.
   * @default 30000
   */
  exitTimeoutMs?: number
  /** Install SIGINT/SIGTERM/SIGHUP handlers in `run()` (never in `start()`). @default true */
  handleSignals?: boolean
  /**
   * In `run()`, turn an `unhandledRejection` or `uncaughtException` into a fatal log record and a graceful stop
   * with exit code 1 (never in `start()`). @default the value of `handleSignals`
   */
  handleProcessErrors?: boolean
  /** Time source for ticks, the TaskService and every service's tasks. @default realClock */
  clock?: Clock
}

/** Throws a `TypeError`/`RangeError` naming the first bad option. @internal */
export function validateApplicationOptions(options: unknown): asserts options is ApplicationOptions | undefined {
  assertOptionalObject('options', options)
  if (options === undefined) return
  const o = options as ApplicationOptions
  if (o.name !== undefined) assertNonEmptyString('options.name', o.name)
  if (o.config !== undefined) assertOptionalObject('options.config', o.config)
  if (o.configFile !== undefined) assertNonEmptyString('options.configFile', o.configFile)
  if (o.tickPeriodMs !== undefined) assertNumber('options.tickPeriodMs', o.tickPeriodMs, { min: 0, exclusiveMin: true })
  if (o.exitTimeoutMs !== undefined) assertNumber('options.exitTimeoutMs', o.exitTimeoutMs, { min: 0 })
  if (o.handleSignals !== undefined) assertBoolean('options.handleSignals', o.handleSignals)
  if (o.handleProcessErrors !== undefined) assertBoolean('options.handleProcessErrors', o.handleProcessErrors)
  if (o.logger !== undefined && (typeof o.logger !== 'object' || o.logger === null || typeof o.logger.child !== 'function')) {
    throw new TypeError(expectedMessage('options.logger', 'a pino logger', o.logger))
  }
  if (o.clock !== undefined && (typeof o.clock !== 'object' || o.clock === null || typeof o.clock.setTimeout !== 'function')) {
    throw new TypeError(expectedMessage('options.clock', 'a Clock', o.clock))
  }
  if (o.container !== undefined && (typeof o.container !== 'object' || o.container === null || typeof o.container.createChildContainer !== 'function')) {
    throw new TypeError(expectedMessage('options.container', 'a tsyringe DependencyContainer', o.container))
  }
}

/** The `[Application]` config section, read and checked at init-time. @internal */
export interface ApplicationSettings {
  /** `[Application] finalize_timeout`: the longest any one finalize step may take, in ms. */
  readonly finalizeTimeoutMs: number
  /** `[Application] blocked_loop_warning`: a blocked event loop is reported beyond this many ms; 0 disables. */
  readonly blockedLoopWarningMs: number
}

/** The settings when nothing is configured. @internal */
export const DEFAULT_APPLICATION_SETTINGS: ApplicationSettings = Object.freeze({ finalizeTimeoutMs: 10_000, blockedLoopWarningMs: 500 })

// One day: anything longer is a typo (and would not fit the timers it arms).
const MAX_SETTING_MS = 86_400_000

/** Reads `[Application] finalize_timeout` and `blocked_loop_warning`; throws `TSAB_CONFIG_VALUE` naming a bad one. @internal */
export function readApplicationSettings(config: Config): ApplicationSettings {
  const defaults = DEFAULT_APPLICATION_SETTINGS
  return {
    finalizeTimeoutMs: config.getDuration('Application', 'finalize_timeout', defaults.finalizeTimeoutMs, { min: 0, exclusiveMin: true, max: MAX_SETTING_MS }),
    blockedLoopWarningMs: config.getDuration('Application', 'blocked_loop_warning', defaults.blockedLoopWarningMs, { min: 0, max: MAX_SETTING_MS }),
  }
}
