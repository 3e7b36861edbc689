/**
 * The level of the application's default logger: config `[logging] level`, else env `LOG_LEVEL`, else `info`,
 * checked against pino's levels so a typo fails the start with a message that names where it came from.
 */
import type { Config } from '../config/config.js'
import { configValueError } from '../config/config-rules.js'
import { ErrorCodes } from '../errors/codes.js'
import { TsabError } from '../errors/tsab-error.js'
import { describeValue } from '../internal/validate.js'

/** The levels a tsab logger accepts, most severe first; `silent` logs nothing. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

const EXPECTED = `one of ${LOG_LEVELS.map((level) => JSON.stringify(level)).join(', ')}`

/** What {@link resolveLogLevel} found: the level to use, and the error to fail the start with if it was bad. */
export interface ResolvedLogLevel {
  /** The configured level (lower-cased), or `info` when the configured one is not a level. */
  readonly level: string
  /** Set when the configured value is not a level: names `[logging] level` or `LOG_LEVEL`, the value and the levels. */
  readonly error?: TsabError
}

/**
 * Reads `[logging] level` (also set by env `TSAB__LOGGING__LEVEL`), else env `LOG_LEVEL`, else `info`. Case and
 * blanks around are ignored. Never throws: a bad value comes back as `error`, with `info` to log it at.
 */
export function resolveLogLevel(config: Config, env: Record<string, string | undefined>): ResolvedLogLevel {
  const configured = config.get('logging', 'level')
  if (configured !== undefined && configured !== null) {
    const level = typeof configured === 'string' ? configured.trim().toLowerCase() : undefined
    if (level !== undefined && (LOG_LEVELS as readonly string[]).includes(level)) return { level }
    return { level: 'info', error: configValueError('logging', 'level', configured, EXPECTED) }
  }
  const fromEnv = env['LOG_LEVEL']
  if (fromEnv === undefined || fromEnv.trim() === '') return { level: 'info' }
  const level = fromEnv.trim().toLowerCase()
  if ((LOG_LEVELS as readonly string[]).includes(level)) return { level }
  const message = `LOG_LEVEL (the default of config [logging] level): expected ${EXPECTED}, got ${describeValue(fromEnv)}`
  return { level: 'info', error: new TsabError(ErrorCodes.ConfigValue, message) }
}
