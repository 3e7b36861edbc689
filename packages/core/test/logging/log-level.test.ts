/**
 * The default logger's level (spec §2, §2a): config `[logging] level`, else env `LOG_LEVEL`, else `info`; a value
 * that is not a level comes back as an error naming where it came from and the valid levels.
 */
import { describe, expect, it } from 'vitest'
import { Config } from '../../src/config/config.js'
import { ErrorCodes } from '../../src/errors/codes.js'
import { LOG_LEVELS, resolveLogLevel } from '../../src/logging/log-level.js'

const config = (level?: unknown) => new Config({ config: level === undefined ? {} : { logging: { level } }, env: {} })

describe('resolveLogLevel()', () => {
  it('takes [logging] level, else LOG_LEVEL, else info; lower-cased and trimmed', () => {
    expect(resolveLogLevel(config(), {})).toEqual({ level: 'info' })
    expect(resolveLogLevel(config(), { LOG_LEVEL: ' DEBUG ' })).toEqual({ level: 'debug' })
    expect(resolveLogLevel(config('Trace'), { LOG_LEVEL: 'debug' })).toEqual({ level: 'trace' })
    expect(resolveLogLevel(config(), { LOG_LEVEL: '' })).toEqual({ level: 'info' })
    expect(resolveLogLevel(new Config({ env: { TSAB__LOGGING__LEVEL: 'silent' } }), {})).toEqual({ level: 'silent' })
  })

  it('accepts exactly pino\'s levels and silent', () => {
    expect(LOG_LEVELS).toEqual(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    for (const level of LOG_LEVELS) expect(resolveLogLevel(config(level), {}).error).toBeUndefined()
  })

  it.each([
    [config(), { LOG_LEVEL: 'verbose' }, /^LOG_LEVEL \(the default of config \[logging\] level\): expected one of "fatal", .*"silent", got "verbose" \(string\)$/],
    [config('loud'), {}, /^Config \[logging\] level: expected one of "fatal", .*, got "loud" \(string\)$/],
    [config(30), {}, /^Config \[logging\] level: expected one of .*, got 30 \(number\)$/],
  ])('a bad level comes back as a TSAB_CONFIG_VALUE error, with info to log it at', (cfg, env, message) => {
    const resolved = resolveLogLevel(cfg, env)
    expect(resolved.level).toBe('info')
    expect(resolved.error?.code).toBe(ErrorCodes.ConfigValue)
    expect(resolved.error?.message).toMatch(message)
  })
})
