/**
 * The options of a cron schedule and their checks: the pattern and the time zone are parsed by `croner` here, once,
 * before anything is registered. How a checked schedule fires and runs is in `cron-schedule.ts`.
 */
import { Cron } from 'croner'
import { assertBoolean, assertNonEmptyString, assertOptionalObject, describeValue, expectedMessage } from '../internal/validate.js'

/**
 * What a fire does while the previous run of the same schedule is still running.
 *
 * - `'skip'`: the fire is skipped, logged at warn and counted (`TaskManager.cronInfo(name).skipped`).
 * - `'wait'`: one run waits and starts right after the running one finished; further fires meanwhile are skipped.
 * - `'allow'`: the run starts at once, next to the running one.
 *
 * @example
 * ```ts
 * import type { CronOverlap } from '@tsab/core'
 * const overlap: CronOverlap = 'wait'
 * ```
 */
export type CronOverlap = 'skip' | 'wait' | 'allow'

/**
 * Options of `TaskManager.registerCron()` and of the `@cron` decorator.
 *
 * @example
 * ```ts
 * import type { CronOptions } from '@tsab/core'
 * const options: CronOptions = { timezone: 'Europe/Prague', overlap: 'skip', stopOnError: false }
 * ```
 */
export interface CronOptions {
  /**
   * The IANA time zone the pattern is read in (`'Europe/Prague'`, `'America/New_York'`, `'UTC'`); fire times
   * follow its daylight-saving changes. @default the process's local time zone
   */
  timezone?: string
  /** What a fire does while the previous run is still running (see {@link CronOverlap}). @default 'skip' */
  overlap?: CronOverlap
  /** A run that throws ends the schedule (`true`) or is logged and the schedule goes on (`false`). @default false */
  stopOnError?: boolean
}

/**
 * A checked schedule: the parsed pattern and the settled options. Internal contract with `cron-schedule.ts`.
 * @internal
 */
export interface CronSpec {
  readonly pattern: string
  readonly timezone: string | undefined
  readonly overlap: CronOverlap
  readonly stopOnError: boolean
  /** croner's evaluator of the pattern in the time zone (no function, so it never arms a timer of its own). */
  readonly cron: Cron
}

const OVERLAPS: readonly CronOverlap[] = ['skip', 'wait', 'allow']
const OPTION_KEYS = new Set(['timezone', 'overlap', 'stopOnError'])
const PATTERN_SHAPE = 'a valid cron pattern (5 or 6 fields: [second] minute hour day-of-month month day-of-week)'

/**
 * Checks a pattern and options and parses them; throws `TypeError`/`RangeError` naming the culprit.
 * `extraKeys` are further option keys the caller accepts (the decorator's `name`).
 * @internal
 */
export function checkCronOptions(pattern: unknown, options: unknown, extraKeys: readonly string[] = []): CronSpec {
  if (typeof pattern !== 'string') throw new TypeError(expectedMessage('pattern', PATTERN_SHAPE, pattern))
  assertOptionalObject('options', options)
  const given = (options ?? {}) as Record<string, unknown>
  for (const key of Object.keys(given)) {
    if (OPTION_KEYS.has(key) || extraKeys.includes(key)) continue
    const hint = key.toLowerCase() === 'timezone' ? '; did you mean `timezone`?' : ''
    throw new TypeError(`Unknown option \`options.${key}\`${hint} (expected one of: ${[...OPTION_KEYS, ...extraKeys].join(', ')})`)
  }
  const { timezone, overlap = 'skip', stopOnError = false } = given
  if (timezone !== undefined) checkTimeZone(timezone)
  if (typeof overlap !== 'string') throw new TypeError(expectedMessage('options.overlap', "'skip', 'wait' or 'allow'", overlap))
  if (!OVERLAPS.includes(overlap as CronOverlap)) {
    throw new RangeError(expectedMessage('options.overlap', "'skip', 'wait' or 'allow'", overlap))
  }
  assertBoolean('options.stopOnError', stopOnError)
  let cron: Cron
  try {
    cron = new Cron(pattern, { timezone: timezone as string | undefined, mode: '5-or-6-parts' })
  } catch (error) {
    // croner tells a malformed pattern (TypeError) from a value out of range (RangeError): keep its verdict.
    const Kind = error instanceof RangeError ? RangeError : TypeError
    const detail = error instanceof Error ? `: ${error.message}` : ''
    throw new Kind(`${expectedMessage('pattern', PATTERN_SHAPE, pattern)}${detail}`, { cause: error })
  }
  return { pattern, timezone: timezone as string | undefined, overlap: overlap as CronOverlap, stopOnError, cron }
}

/**
 * The first fire time strictly after `wallNow`; throws a `RangeError` naming `pattern` when there is none (a
 * pattern such as `0 0 30 2 *` that never matches).
 * @internal
 */
export function firstFireTime(spec: CronSpec, wallNow: number): number {
  const next = spec.cron.nextRun(new Date(wallNow))
  if (next === null) {
    throw new RangeError(`${expectedMessage('pattern', 'a valid cron pattern that fires', spec.pattern)}: it never matches after ${new Date(wallNow).toISOString()}`)
  }
  return next.getTime()
}

function checkTimeZone(timezone: unknown): void {
  assertNonEmptyString('options.timezone', timezone)
  try {
    // Intl knows the IANA zones of this runtime; croner itself computes with Intl as well.
    new Intl.DateTimeFormat('en-US', { timeZone: timezone })
  } catch {
    throw new RangeError(`Expected \`options.timezone\` to be an IANA time zone such as "Europe/Prague" or "UTC", got ${describeValue(timezone)}`)
  }
}
