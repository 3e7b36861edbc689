/**
 * `parseDuration()`: turns a human duration (`250ms`, `10s`, `5m`, `2h`, `1d`, or a bare number of seconds)
 * into milliseconds. It knows nothing about where the value came from; `Config.getDuration` wraps its errors.
 */
import { expectedMessage } from '../internal/validate.js'

/** Milliseconds per unit; units are lower case only, so `m` can never be mistaken for months. */
const UNIT_MS: ReadonlyMap<string, number> = new Map([
  ['ms', 1],
  ['s', 1_000],
  ['m', 60_000],
  ['h', 3_600_000],
  ['d', 86_400_000],
])

/** A non-negative decimal (no sign, no exponent), optional blanks, then an optional unit made of letters. */
const DURATION_PATTERN = /^(\d+(?:\.\d+)?|\.\d+)\s*([A-Za-z]*)$/

const EXPECTATION = 'a duration >= 0 such as "250ms", "1.5s", "5m", "2h", "1d" or a number of seconds'

/** Rounds away binary noise such as `1.1 * 1000 = 1100.0000000000002`, keeping microsecond precision. */
function toMilliseconds(amount: number, unitMs: number): number {
  return Math.round(amount * unitMs * 1_000) / 1_000
}

/**
 * Converts a duration to milliseconds.
 *
 * Accepted forms:
 * - a string made of a non-negative decimal number and a unit: `ms`, `s`, `m`, `h` or `d` (lower case; blanks
 *   between number and unit and around the whole value are allowed), e.g. `"250ms"`, `"1.5s"`, `"5 m"`;
 * - a bare number, or a string holding only a number, which means **seconds** (ASAB's convention):
 *   `10` and `"10"` are both 10 000 ms.
 *
 * The result is rounded to microseconds, so `"1.1s"` is exactly `1100`.
 *
 * @param value - the duration to convert
 * @param name - how the value is called in error messages
 * @default name `'duration'`
 * @returns the duration in milliseconds (finite, >= 0)
 * @throws `TypeError` when `value` is neither a string nor a number
 * @throws `RangeError` when it is negative, `NaN`, infinite, empty, malformed or has an unknown unit (e.g. `"5w"`)
 * @example
 * ```ts
 * import { parseDuration } from '@tsab/core'
 * console.log(parseDuration('250ms'), parseDuration('1.5s'), parseDuration('2h'), parseDuration(10))
 * // 250 1500 7200000 10000
 * ```
 */
export function parseDuration(value: unknown, name = 'duration'): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) throw new RangeError(expectedMessage(name, EXPECTATION, value))
    const ms = toMilliseconds(value, 1_000)
    if (!Number.isFinite(ms)) throw new RangeError(expectedMessage(name, EXPECTATION, value))
    return ms
  }
  if (typeof value !== 'string') throw new TypeError(expectedMessage(name, EXPECTATION, value))
  const match = DURATION_PATTERN.exec(value.trim())
  if (match === null) throw new RangeError(expectedMessage(name, EXPECTATION, value))
  const [, amountText, unitText] = match as unknown as [string, string, string]
  const unitMs = unitText === '' ? 1_000 : UNIT_MS.get(unitText)
  if (unitMs === undefined) {
    throw new RangeError(`${expectedMessage(name, EXPECTATION, value)}; unknown unit "${unitText}" (known: ms, s, m, h, d)`)
  }
  const ms = toMilliseconds(Number(amountText), unitMs)
  if (!Number.isFinite(ms)) throw new RangeError(expectedMessage(name, EXPECTATION, value))
  return ms
}
